/* Stopping on a broken invariant. The image prints the message, a backtrace
 * and halts; the hosted fake longjmps to a test's handler or aborts. */
#ifndef LIB_PANIC_H
#define LIB_PANIC_H

#include "include/hv/types.h"

NORETURN void hv_panic(const char *fmt, ...) PRINTF_LIKE(1, 2);

#define HV_ASSERT(cond)                                                            \
    do {                                                                           \
        if (!(cond))                                                               \
            hv_panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);  \
    } while (0)

#endif
