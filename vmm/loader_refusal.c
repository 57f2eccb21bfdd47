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

bool loader_put(const struct guest_mem_ops *mem, uint64_t gpa, const void *src, size_t len,
                const char *name, char *err, size_t errlen)
{
    if (len == 0 || mem->write(mem->ctx, gpa, src, len))
        return true;
    loader_refuse(err, errlen, name, "could not write guest memory at 0x%llx (%zu bytes)",
                  (unsigned long long)gpa, len);
    return false;
}
