#include <stdio.h>
#include <stdlib.h>
#include "include/hv/platform.h"
#include "lib/kstring.h"
#include "tests/fake/panic_fake.h"

jmp_buf *fake_panic_catch;
char fake_panic_msg[256];

/* hv_panic (lib/panic.c) formats the message and lands here. */
void plat_panic(const char *msg, uintptr_t caller, uintptr_t frame)
{
    (void)caller, (void)frame;
    str_copy(fake_panic_msg, msg, sizeof fake_panic_msg);
    if (fake_panic_catch)
        longjmp(*fake_panic_catch, 1);
    fprintf(stderr, "hv_panic: %s\n", fake_panic_msg);
    abort();
}
