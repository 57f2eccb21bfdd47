/* I/O breakpoints (SDM vol. 3, 18.2.4-18.2.5): which of DR0-DR3 an IN or
 * OUT hits, by DR7's enables, R/W and LEN fields. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "vmm/io_breakpoint.h"

#define L(i) (1ULL << (2 * (i)))
#define G(i) (2ULL << (2 * (i)))
#define RW(i, v) ((uint64_t)(v) << (16 + 4 * (i)))
#define LEN(i, v) ((uint64_t)(v) << (18 + 4 * (i)))

static void test_port_and_length(void **state)
{
    (void)state;
    uint64_t dr[4] = { 0x3fd, 0x60, 0x70, 0x1234 };
    /* DR0: port 0x3fd, one byte, local */
    uint64_t dr7 = 0x400 | L(0) | RW(0, 2);
    assert_int_equal(io_breakpoint_hits(dr7, dr, 0x3fd, 1), 1);
    assert_int_equal(io_breakpoint_hits(dr7, dr, 0x3fc, 1), 0);
    assert_int_equal(io_breakpoint_hits(dr7, dr, 0x3fc, 2), 1);   /* a word over it */
    assert_int_equal(io_breakpoint_hits(dr7, dr, 0x3fe, 4), 0);
    /* DR1: four bytes from 0x60, global */
    dr7 = 0x400 | G(1) | RW(1, 2) | LEN(1, 3);
    assert_int_equal(io_breakpoint_hits(dr7, dr, 0x63, 1), 2);
    assert_int_equal(io_breakpoint_hits(dr7, dr, 0x64, 1), 0);
    /* DR3: 0x1234 with LEN 8 covers 0x1230-0x1237 (aligned down) */
    dr7 = 0x400 | L(3) | RW(3, 2) | LEN(3, 2);
    assert_int_equal(io_breakpoint_hits(dr7, dr, 0x1230, 1), 8);
    assert_int_equal(io_breakpoint_hits(dr7, dr, 0x1238, 1), 0);
}

static void test_only_enabled_io_breakpoints(void **state)
{
    (void)state;
    uint64_t dr[4] = { 0x70, 0x70, 0x70, 0x70 };
    /* Not enabled; enabled but a write or execute breakpoint: no hit. */
    uint64_t dr7 = 0x400 | RW(0, 2) | L(1) | RW(1, 1) | L(2) | RW(2, 0) | L(3) | RW(3, 2);
    assert_int_equal(io_breakpoint_hits(dr7, dr, 0x70, 1), 8);
    assert_int_equal(io_breakpoint_hits(0x400, dr, 0x70, 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port_and_length),
        cmocka_unit_test(test_only_enabled_io_breakpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
