/* vmm/dev_rtc.c: the CMOS clock read as Linux's mc146818_get_time does
 * (through 0x70/0x71, waiting out UIP), in BCD and binary, 24- and 12-hour
 * form; setting it under SET; the update-ended, periodic and alarm
 * interrupts on IRQ 8; the calendar against dates Python's datetime gave. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vmm/dev_rtc.h"

#define T0 5000000000ULL           /* host ns at which the guest's clock reads NOON */
#define NOON 1764763200LL          /* 2025-12-03 12:00:00, a Wednesday */
#define MS 1000000ULL

static struct rtc rtc;
static bool line;
static unsigned rises;

static void irq_set(void *ctx, unsigned l, bool level)
{
    (void)ctx;
    assert_int_equal(l, RTC_IRQ);
    if (level && !line)
        rises++;
    line = level;
}

static int setup(void **state)
{
    (void)state;
    line = false;
    rises = 0;
    rtc_init(&rtc, (struct dev_irq){ irq_set, NULL }, NOON, T0);
    return 0;
}

static uint8_t cmos(uint8_t idx, uint64_t now)
{
    rtc_port_write(&rtc, 0x70, idx, now);
    return rtc_port_read(&rtc, 0x71, now);
}

static void cmos_write(uint8_t idx, uint8_t v, uint64_t now)
{
    rtc_port_write(&rtc, 0x70, idx, now);
    rtc_port_write(&rtc, 0x71, v, now);
}

static void test_calendar(void **state)
{
    (void)state;
    static const struct { int64_t s; struct civil_time t; } known[] = {
        { 0, { 0, 0, 0, 1, 1, 1970 } },
        { 951782400, { 0, 0, 0, 29, 2, 2000 } },
        { 1709164800, { 0, 0, 0, 29, 2, 2024 } },
        { NOON, { 0, 0, 12, 3, 12, 2025 } },
        { 4102444799LL, { 59, 59, 23, 31, 12, 2099 } },
        { -1, { 59, 59, 23, 31, 12, 1969 } },
    };
    for (unsigned i = 0; i < sizeof known / sizeof known[0]; i++) {
        struct civil_time t;
        civil_from_unix(known[i].s, &t);
        assert_int_equal(t.year, known[i].t.year);
        assert_int_equal(t.mon, known[i].t.mon);
        assert_int_equal(t.day, known[i].t.day);
        assert_int_equal(t.hour, known[i].t.hour);
        assert_int_equal(t.min, known[i].t.min);
        assert_int_equal(t.sec, known[i].t.sec);
        assert_int_equal(civil_to_unix(&t), known[i].s);
    }
    for (int64_t s = 0; s < 5000000000LL; s += 7777777)
    {
        struct civil_time t;
        civil_from_unix(s, &t);
        assert_int_equal(civil_to_unix(&t), s);
    }
}

static void test_read_bcd_24h(void **state)
{
    (void)state;
    assert_int_equal(cmos(0x0b, T0), 0x02);  /* BCD, 24-hour */
    assert_int_equal(cmos(0x0d, T0), 0x80);  /* valid RAM and time */
    assert_int_equal(cmos(0x00, T0), 0x00);
    assert_int_equal(cmos(0x02, T0), 0x00);
    assert_int_equal(cmos(0x04, T0), 0x12);
    assert_int_equal(cmos(0x06, T0), 0x04);  /* Wednesday (Sunday = 1) */
    assert_int_equal(cmos(0x07, T0), 0x03);
    assert_int_equal(cmos(0x08, T0), 0x12);
    assert_int_equal(cmos(0x09, T0), 0x25);
    assert_int_equal(cmos(0x32, T0), 0x20);
    uint64_t later = T0 + 3725 * 1000 * MS + 500 * MS;   /* 1 h 2 min 5.5 s */
    assert_int_equal(cmos(0x00, later), 0x05);
    assert_int_equal(cmos(0x02, later), 0x02);
    assert_int_equal(cmos(0x04, later), 0x13);
}

static void test_binary_and_12_hour(void **state)
{
    (void)state;
    cmos_write(0x0b, 0x04, T0);              /* binary, 12-hour */
    uint64_t t = T0 + 3600 * 1000 * MS;      /* 13:00 */
    assert_int_equal(cmos(0x04, t), 0x81);   /* 1 PM */
    assert_int_equal(cmos(0x09, t), 25);
    assert_int_equal(cmos(0x08, t), 12);
    cmos_write(0x0b, 0x00, T0);              /* BCD, 12-hour */
    assert_int_equal(cmos(0x04, T0), 0x92);  /* 12 PM */
    t = T0 + 12 * 3600 * 1000 * MS;          /* midnight */
    assert_int_equal(cmos(0x04, t), 0x12);   /* 12 AM */
    assert_int_equal(cmos(0x07, t), 0x04);
}

static void test_update_in_progress_window(void **state)
{
    (void)state;
    assert_false(cmos(0x0a, T0) & 0x80);
    assert_int_equal(cmos(0x0a, T0) & 0x7f, 0x26);
    assert_false(cmos(0x0a, T0 + 999755 * 1000) & 0x80);  /* 245 us before the update */
    assert_true(cmos(0x0a, T0 + 999757 * 1000) & 0x80);   /* 243 us before */
    assert_false(cmos(0x0a, T0 + 1000 * MS) & 0x80);      /* the second has turned */
    assert_int_equal(cmos(0x00, T0 + 1000 * MS), 0x01);
}

static void test_set_time_under_set_bit(void **state)
{
    (void)state;
    cmos_write(0x0b, 0x82, T0);              /* SET, BCD, 24h */
    cmos_write(0x04, 0x08, T0);
    cmos_write(0x02, 0x30, T0);
    cmos_write(0x00, 0x15, T0);
    cmos_write(0x09, 0x30, T0);              /* 2030 */
    /* Frozen while SET: reads give what was written, however long. */
    assert_int_equal(cmos(0x00, T0 + 5000 * MS), 0x15);
    assert_int_equal(cmos(0x04, T0 + 5000 * MS), 0x08);
    assert_false(cmos(0x0a, T0 + 5999 * MS + 900 * 1000) & 0x80); /* no UIP while SET */
    cmos_write(0x0b, 0x02, T0 + 6000 * MS);  /* runs again from 08:30:15 */
    assert_int_equal(cmos(0x00, T0 + 8000 * MS), 0x17);
    assert_int_equal(cmos(0x09, T0 + 8000 * MS), 0x30);
    assert_int_equal(cmos(0x07, T0 + 8000 * MS), 0x03);
    /* Without SET a write takes effect at once. */
    cmos_write(0x02, 0x59, T0 + 9000 * MS);
    assert_int_equal(cmos(0x02, T0 + 9000 * MS), 0x59);
}

static void test_update_ended_interrupt(void **state)
{
    (void)state;
    assert_int_equal(rtc_next_deadline(&rtc, T0), DEV_NO_DEADLINE);
    cmos_write(0x0b, 0x12, T0);              /* UIE, 24h */
    uint64_t d = rtc_next_deadline(&rtc, T0 + 100 * MS);
    assert_int_equal(d, T0 + 1000 * MS);
    rtc_tick(&rtc, d - 1);
    assert_false(line);
    rtc_tick(&rtc, d);
    assert_true(line);
    assert_int_equal(rtc_next_deadline(&rtc, d), DEV_NO_DEADLINE); /* until C is read */
    /* IRQF | UF; PF runs at the rate in A whatever PIE says (datasheet). */
    assert_int_equal(cmos(0x0c, d), 0xd0);
    assert_false(line);
    assert_int_equal(cmos(0x0c, d), 0x00);   /* read clears */
    assert_int_equal(rtc_next_deadline(&rtc, d), T0 + 2000 * MS);
    rtc_tick(&rtc, T0 + 2000 * MS);
    assert_int_equal(rises, 2);
}

static void test_periodic_interrupt(void **state)
{
    (void)state;
    cmos_write(0x0b, 0x42, T0);              /* PIE */
    uint64_t p = NS_PER_S / 1024;            /* rate 6: 1024 Hz */
    uint64_t d = rtc_next_deadline(&rtc, T0);
    assert_true(d > T0 && d <= T0 + p + 1);
    rtc_tick(&rtc, d);
    assert_true(line);
    assert_int_equal(cmos(0x0c, d), 0xc0);   /* IRQF | PF */
    cmos_write(0x0a, 0x2f, d);               /* rate 15: 2 Hz */
    d = rtc_next_deadline(&rtc, d);
    rtc_tick(&rtc, d);
    assert_int_equal(cmos(0x0c, d) & 0xc0, 0xc0);
    /* Flags without their enable bit are set but raise nothing. */
    cmos_write(0x0b, 0x02, d);
    rtc_tick(&rtc, d + 2000 * MS);
    assert_false(line);
    assert_int_equal(cmos(0x0c, d + 2000 * MS), 0x50); /* PF | UF, no IRQF */
}

static void test_alarm(void **state)
{
    (void)state;
    cmos_write(0x01, 0x05, T0);              /* 12:00:05 */
    cmos_write(0x03, 0x00, T0);
    cmos_write(0x05, 0x12, T0);
    cmos_write(0x0b, 0x22, T0);              /* AIE */
    rtc_tick(&rtc, T0 + 4000 * MS);
    assert_false(line);
    cmos(0x0c, T0 + 4000 * MS);
    rtc_tick(&rtc, T0 + 5000 * MS);
    assert_true(line);
    assert_int_equal(cmos(0x0c, T0 + 5000 * MS), 0xf0); /* IRQF | AF, and PF, UF */
    /* "Don't care" hours and minutes: every minute at :30. */
    cmos_write(0x01, 0x30, T0 + 5000 * MS);
    cmos_write(0x03, 0xc0, T0 + 5000 * MS);
    cmos_write(0x05, 0xff, T0 + 5000 * MS);
    rtc_tick(&rtc, T0 + 90 * 1000 * MS);     /* 12:01:30 passed, among others */
    assert_int_equal(cmos(0x0c, T0 + 90 * 1000 * MS) & 0xa0, 0xa0);
}

static void test_cmos_ram_and_index_port(void **state)
{
    (void)state;
    cmos_write(0x40, 0x5a, T0);
    assert_int_equal(cmos(0x40, T0), 0x5a);
    rtc_port_write(&rtc, 0x70, 0x8f, T0);    /* NMI masked, index 0x0f */
    assert_true(rtc.nmi_masked);
    rtc_port_write(&rtc, 0x71, 0x0a, T0);
    assert_int_equal(cmos(0x0f, T0), 0x0a);
    assert_int_equal(rtc_port_read(&rtc, 0x70, T0), 0xff);
    rtc_cmos_set(&rtc, 0x15, 0x80);          /* base memory, as a BIOS fills it */
    assert_int_equal(cmos(0x15, T0), 0x80);
    cmos_write(0x0d, 0x00, T0);              /* D is read-only */
    assert_int_equal(cmos(0x0d, T0), 0x80);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calendar),
        cmocka_unit_test_setup(test_read_bcd_24h, setup),
        cmocka_unit_test_setup(test_binary_and_12_hour, setup),
        cmocka_unit_test_setup(test_update_in_progress_window, setup),
        cmocka_unit_test_setup(test_set_time_under_set_bit, setup),
        cmocka_unit_test_setup(test_update_ended_interrupt, setup),
        cmocka_unit_test_setup(test_periodic_interrupt, setup),
        cmocka_unit_test_setup(test_alarm, setup),
        cmocka_unit_test_setup(test_cmos_ram_and_index_port, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
