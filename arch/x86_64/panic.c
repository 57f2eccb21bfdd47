/* hv_panic in the image: last words on the console, a backtrace, a halt. */
#include "lib/panic.h"
#include "lib/format.h"
#include "include/hv/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"

void hv_panic(const char *fmt, ...)
{
    cli();
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console_panic_printf("\n*** HYPERVISOR PANIC: %s\n", buf);
    trap_backtrace((uint64_t)__builtin_return_address(0), (uint64_t)__builtin_frame_address(0));
    console_panic_printf("*** halted\n");
    for (;;)
        hlt();
}
