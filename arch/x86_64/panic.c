/* Stopping the image (plat_panic, include/hv/platform.h): last words on the
 * console, a backtrace from hv_panic's caller, a halt. */
#include "include/hv/platform.h"
#include "include/hv/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"

void plat_panic(const char *msg, uintptr_t caller, uintptr_t frame)
{
    cli();
    console_panic_printf("\n*** HYPERVISOR PANIC: %s\n", msg);
    trap_backtrace(caller, frame);
    console_panic_printf("*** halted\n");
    for (;;)
        hlt();
}
