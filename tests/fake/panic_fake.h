/* Hosted hv_panic: a test that expects a panic sets fake_panic_catch and
 * checks the message; any other panic aborts the test binary. */
#ifndef TESTS_FAKE_PANIC_FAKE_H
#define TESTS_FAKE_PANIC_FAKE_H

#include <setjmp.h>

extern jmp_buf *fake_panic_catch;
extern char fake_panic_msg[256];

/* Evaluates `stmt` and returns 1 when it panicked, 0 when it returned. */
#define FAKE_EXPECT_PANIC(stmt)                                 \
    ({                                                          \
        jmp_buf jb__;                                           \
        int hit__ = 0;                                          \
        fake_panic_catch = &jb__;                               \
        if (setjmp(jb__) == 0) {                                \
            stmt;                                               \
        } else {                                                \
            hit__ = 1;                                          \
        }                                                       \
        fake_panic_catch = NULL;                                \
        hit__;                                                  \
    })

#endif
