/* A loader's refusal message: see loader_refusal.h. */
#include "vmm/loader_refusal.h"
#include "lib/format.h"
#include <stdarg.h>

void loader_refuse(char *err, size_t errlen, const char *name, const char *fmt, ...)
{
    size_t n = (size_t)ksnprintf(err, errlen, "%s: ", name);
    if (n >= errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(err + n, errlen - n, fmt, ap);
    va_end(ap);
}
