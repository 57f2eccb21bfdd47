/* kernel/wall_clock.c and lib/calendar.c: the host's time of day from the
 * firmware's EFI_TIME, checked as hostile input, and the dates it makes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/wall_clock.h"
#include "kernel/log.h"
#include "lib/calendar.h"

static char last_line[256];

static void sink(const char *line, size_t len)
{
    if (len >= sizeof last_line)
        len = sizeof last_line - 1;
    memcpy(last_line, line, len);
    last_line[len] = '\0';
}

static struct bi_time fw(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s,
                         int tz)
{
    return (struct bi_time){ .year = (uint16_t)y, .month = (uint8_t)mo, .day = (uint8_t)d,
                             .hour = (uint8_t)h, .minute = (uint8_t)mi, .second = (uint8_t)s,
                             .timezone = (int16_t)tz, .flags = BI_TIME_VALID };
}

#define UNSPEC 0x7ff

static void test_days_in_month_and_validity(void **state)
{
    (void)state;
    assert_int_equal(civil_days_in_month(2024, 2), 29);
    assert_int_equal(civil_days_in_month(2100, 2), 28); /* divisible by 100 */
    assert_int_equal(civil_days_in_month(2000, 2), 29); /* by 400 */
    assert_int_equal(civil_days_in_month(2026, 4), 30);
    assert_int_equal(civil_days_in_month(2026, 12), 31);
    assert_int_equal(civil_days_in_month(2026, 0), 0);
    assert_int_equal(civil_days_in_month(2026, 13), 0);
    struct civil_time ok = { 59, 59, 23, 31, 12, 2026 };
    assert_true(civil_valid(&ok));
    struct civil_time bad[] = {
        { 0, 0, 0, 29, 2, 2026 }, { 0, 0, 0, 31, 4, 2026 }, { 0, 0, 0, 0, 1, 2026 },
        { 0, 0, 24, 1, 1, 2026 }, { 0, 60, 0, 1, 1, 2026 }, { 60, 0, 0, 1, 1, 2026 },
        { 0, 0, 0, 1, 0, 2026 }, { 0, 0, 0, 1, 13, 2026 },
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(civil_valid(&bad[i]));
    assert_int_equal(civil_days(1970, 1, 1), 0);
    assert_int_equal(civil_days(2026, 12, 5), 20792);
}

static void test_firmware_time_converts(void **state)
{
    (void)state;
    char why[96];
    int64_t s = 0;
    struct bi_time t = fw(2026, 12, 5, 13, 58, 10, UNSPEC);
    assert_true(wall_clock_from_firmware(&t, &s, why, sizeof why));
    assert_int_equal(s, 1796479090LL); /* date -u -d '2026-12-05 13:58:10' +%s */
    /* UEFI's example: 12:00 PST is TimeZone 480, 20:00 UTC. */
    t = fw(2026, 12, 5, 12, 0, 0, 480);
    assert_true(wall_clock_from_firmware(&t, &s, why, sizeof why));
    assert_int_equal(s, civil_days(2026, 12, 5) * 86400 + 20 * 3600);
    /* East of UTC, across midnight backwards: 01:30 at UTC+2 is 23:30 the day before. */
    t = fw(2027, 1, 1, 1, 30, 0, -120);
    assert_true(wall_clock_from_firmware(&t, &s, why, sizeof why));
    assert_int_equal(s, civil_days(2026, 12, 31) * 86400 + 23 * 3600 + 30 * 60);
    t = fw(2024, 2, 29, 0, 0, 0, 0);
    t.daylight = 3;
    assert_true(wall_clock_from_firmware(&t, &s, why, sizeof why));
    assert_int_equal(s, 1709164800LL);
}

static void test_firmware_time_refused(void **state)
{
    (void)state;
    char why[96];
    int64_t s = 12345;
    struct bi_time none = fw(2026, 12, 5, 0, 0, 0, 0);
    none.flags = 0;
    assert_false(wall_clock_from_firmware(&none, &s, why, sizeof why));
    assert_non_null(strstr(why, "no time of day"));
    struct bi_time bad[] = {
        fw(2026, 2, 29, 0, 0, 0, 0),   fw(2026, 13, 1, 0, 0, 0, 0), fw(2026, 0, 1, 0, 0, 0, 0),
        fw(2026, 6, 31, 0, 0, 0, 0),   fw(2026, 1, 1, 24, 0, 0, 0), fw(2026, 1, 1, 0, 60, 0, 0),
        fw(2026, 1, 1, 0, 0, 60, 0),   fw(1969, 12, 31, 0, 0, 0, 0), fw(10000, 1, 1, 0, 0, 0, 0),
        fw(2026, 1, 1, 0, 0, 0, 1441), fw(2026, 1, 1, 0, 0, 0, -1441),
        fw(0, 0, 0, 0, 0, 0, 0),       fw(65535, 255, 255, 255, 255, 255, -32768),
        fw(1970, 1, 1, 0, 0, 0, -60), /* 1969 in UTC */
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(wall_clock_from_firmware(&bad[i], &s, why, sizeof why));
        assert_true(strlen(why) > 10);
    }
    assert_non_null(strstr(why, "before 1970"));
    struct bi_time ns = fw(2026, 1, 1, 0, 0, 0, 0);
    ns.nanosecond = 1000000000u;
    assert_false(wall_clock_from_firmware(&ns, &s, why, sizeof why));
    struct bi_time dl = fw(2026, 1, 1, 0, 0, 0, 0);
    dl.daylight = 4;
    assert_false(wall_clock_from_firmware(&dl, &s, why, sizeof why));
    assert_non_null(strstr(why, "daylight"));
    assert_int_equal(s, 12345); /* untouched on refusal */
}

static void test_clock_runs_from_the_reading(void **state)
{
    (void)state;
    /* Read at 13:58:10.25, 0.5 s before host time 0.1 s: 13:58:10.75 at 0.1 s. */
    struct bi_time t = fw(2026, 12, 5, 13, 58, 10, UNSPEC);
    t.nanosecond = 250000000u;
    wall_clock_init(&t, 100000000ULL, 500000000ULL);
    assert_true(wall_clock_known());
    assert_non_null(strstr(last_line, "2026-12-05 13:58:10 UTC"));
    assert_non_null(strstr(last_line, "taken as UTC"));
    assert_int_equal(wall_clock_unix(100000000ULL), 1796479090LL);
    assert_int_equal(wall_clock_unix(349999999ULL), 1796479090LL);
    assert_int_equal(wall_clock_unix(350000000ULL), 1796479091LL);
    assert_int_equal(wall_clock_unix(3600ULL * 1000000000ULL + 350000000ULL), 1796479090LL + 3601);
    assert_int_equal(wall_clock_unix(0), 1796479090LL); /* before host time 0.35: same second */
    /* In microseconds: 13:58:10.75 at 0.1 s, the next second at 0.35 s. */
    assert_int_equal(wall_clock_unix_us(100000000ULL), 1796479090750000LL);
    assert_int_equal(wall_clock_unix_us(350000000ULL), 1796479091000000LL);
    assert_int_equal(wall_clock_unix_us(350000999ULL), 1796479091000000LL);
    assert_int_equal(wall_clock_unix_us(0), 1796479090650000LL);

    /* Nothing from the firmware: the fallback date, said on the log. */
    struct bi_time none = { 0 };
    wall_clock_init(&none, 5000000000ULL, 0);
    assert_false(wall_clock_known());
    assert_non_null(strstr(last_line, "2026-01-01"));
    assert_int_equal(wall_clock_unix(5000000000ULL), WALL_CLOCK_FALLBACK_UNIX);
    assert_int_equal(wall_clock_unix(65000000000ULL), WALL_CLOCK_FALLBACK_UNIX + 60);
    struct bi_time feb30 = fw(2026, 2, 30, 0, 0, 0, 0);
    wall_clock_init(&feb30, 0, 0);
    assert_false(wall_clock_known());
    assert_non_null(strstr(last_line, "2026-02-30"));
}

int main(void)
{
    log_init(sink);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_in_month_and_validity),
        cmocka_unit_test(test_firmware_time_converts),
        cmocka_unit_test(test_firmware_time_refused),
        cmocka_unit_test(test_clock_runs_from_the_reading),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
