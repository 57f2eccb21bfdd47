/* lib/report_once.c: a guest touching every MSR or port gets a bounded
 * number of reports (issue #11 item 12: past 32 MSRs every access logged). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/report_once.h"

static void test_each_key_once(void **state)
{
    (void)state;
    struct report_once r;
    memset(&r, 0, sizeof r);
    assert_int_equal(report_once(&r, 0x10), REPORT_ONCE_NEW);
    assert_int_equal(report_once(&r, 0x10), REPORT_ONCE_SEEN);
    assert_int_equal(report_once(&r, 0), REPORT_ONCE_NEW);
    assert_int_equal(report_once(&r, 0xffffffffu), REPORT_ONCE_NEW);
    assert_int_equal(report_once(&r, 0), REPORT_ONCE_SEEN);
    assert_int_equal(r.unreported, 0);
}

/* A storm over the whole 32-bit space, every key many times: at most
 * REPORT_ONCE_KEEP + 1 reports in all, and every access is counted. */
static void test_storm_is_bounded(void **state)
{
    (void)state;
    struct report_once r;
    memset(&r, 0, sizeof r);
    unsigned reports = 0, full = 0;
    uint64_t calls = 0;
    for (unsigned round = 0; round < 3; round++) {
        for (uint64_t k = 0; k < (1ull << 32); k += 0x10001) {
            enum report_once_verdict v = report_once(&r, (uint32_t)k);
            calls++;
            reports += v == REPORT_ONCE_NEW || v == REPORT_ONCE_NOW_FULL;
            full += v == REPORT_ONCE_NOW_FULL;
        }
    }
    assert_int_equal(reports, REPORT_ONCE_KEEP + 1);
    assert_int_equal(full, 1);
    assert_int_equal(r.unreported, calls - REPORT_ONCE_KEEP * 3);
    /* the first keys are still known and quiet */
    assert_int_equal(report_once(&r, 0), REPORT_ONCE_SEEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_key_once),
        cmocka_unit_test(test_storm_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
