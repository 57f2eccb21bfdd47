/* hv_panic: the message is formatted here, for every build; stopping the
 * machine is the platform's (include/hv/platform.h: the image prints it
 * with a backtrace and halts, the hosted fake hands it to the test). So
 * mm/ and lib/ stop on a broken invariant without reaching into arch/. */
#include "lib/panic.h"
#include "lib/format.h"
#include "include/hv/platform.h"

void hv_panic(const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    plat_panic(msg, (uintptr_t)__builtin_return_address(0), (uintptr_t)__builtin_frame_address(0));
}
