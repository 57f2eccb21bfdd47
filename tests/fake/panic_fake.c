#include <stdio.h>
#include <stdlib.h>
#include "lib/panic.h"
#include "lib/format.h"
#include "tests/fake/panic_fake.h"

jmp_buf *fake_panic_catch;
char fake_panic_msg[256];

void hv_panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(fake_panic_msg, sizeof fake_panic_msg, fmt, ap);
    va_end(ap);
    if (fake_panic_catch)
        longjmp(*fake_panic_catch, 1);
    fprintf(stderr, "hv_panic: %s\n", fake_panic_msg);
    abort();
}
