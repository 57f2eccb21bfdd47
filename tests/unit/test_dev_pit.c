/* vmm/dev_pit.c: the 8254 as Linux and memtest86+ drive it, on a clock the
 * test owns. Counts are checked against the 1.193182 MHz input: N ticks take
 * N * 1e9 / 1193182 ns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vmm/dev_pit.h"

#define T0 1000000000ULL                    /* an arbitrary start time */
#define US 1000ULL
#define MS 1000000ULL

static unsigned rises, falls;
static bool level;

static void irq_set(void *ctx, unsigned line, bool lvl)
{
    (void)ctx;
    assert_int_equal(line, PIT_IRQ);
    if (lvl && !level)
        rises++;
    if (!lvl && level)
        falls++;
    level = lvl;
}

static struct pit pit;

static int setup(void **state)
{
    (void)state;
    rises = falls = 0;
    level = false;
    pit_init(&pit, (struct dev_irq){ irq_set, NULL }, T0);
    return 0;
}

static void out8(uint16_t port, uint8_t v, uint64_t now) { pit_port_write(&pit, port, v, now); }
static uint8_t in8(uint16_t port, uint64_t now) { return pit_port_read(&pit, port, now); }

/* Linux's pit_calibrate_tsc and memtest86+'s calibration: gate channel 2
 * on through port 0x61, mode 0, lobyte/hibyte, and poll OUT2 (bit 5). */
static void test_channel2_calibration_loop(void **state)
{
    (void)state;
    out8(0x61, (in8(0x61, T0) & ~0x02) | 0x01, T0);
    out8(0x43, 0xb0, T0);                    /* channel 2, lobyte/hibyte, mode 0, binary */
    out8(0x42, 11932 & 0xff, T0);            /* 10 ms worth */
    out8(0x42, 11932 >> 8, T0);
    assert_false(in8(0x61, T0) & 0x20);
    assert_false(in8(0x61, T0 + 9999 * US) & 0x20);
    assert_true(in8(0x61, T0 + 10001 * US) & 0x20);
    assert_true(in8(0x61, T0 + 500 * MS) & 0x20); /* stays high until reprogrammed */
    out8(0x43, 0xb0, T0 + 600 * MS);
    assert_false(in8(0x61, T0 + 600 * MS) & 0x20);
    assert_int_equal(rises, 0);              /* channel 2 is not an interrupt */
}

static void test_channel2_gate_holds_the_count(void **state)
{
    (void)state;
    out8(0x61, 0x00, T0);                    /* gate low */
    out8(0x43, 0xb0, T0);
    out8(0x42, 0xff, T0);
    out8(0x42, 0xff, T0);
    assert_false(in8(0x61, T0 + 100 * MS) & 0x20); /* never started */
    assert_int_equal(pit_count(&pit, 2, T0 + 100 * MS), 0xffff);
    out8(0x61, 0x01, T0 + 100 * MS);         /* gate high: counting starts now */
    assert_int_equal(pit_count(&pit, 2, T0 + 101 * MS), 0xffff - 1193);
    out8(0x61, 0x00, T0 + 101 * MS);         /* mode 0: gate low suspends */
    assert_int_equal(pit_count(&pit, 2, T0 + 900 * MS), 0xffff - 1193);
    out8(0x61, 0x01, T0 + 900 * MS);         /* and resumes where it was */
    assert_int_equal(pit_count(&pit, 2, T0 + 901 * MS), 0xffff - 2386);
}

/* Linux's quick_pit_calibrate reads the counting channel 2 a byte pair at a
 * time (low then high) without latching. */
static void test_live_count_read_lohi(void **state)
{
    (void)state;
    out8(0x61, 0x01, T0);
    out8(0x43, 0xb0, T0);
    out8(0x42, 0xff, T0);
    out8(0x42, 0xff, T0);
    uint64_t t = T0 + 1 * MS;                /* 1193.182 ticks */
    uint16_t v = in8(0x42, t);
    v |= (uint16_t)(in8(0x42, t) << 8);
    assert_int_equal(v, 0xffff - 1193);
    t = T0 + 50 * MS;                        /* 59659 ticks */
    v = in8(0x42, t);
    v |= (uint16_t)(in8(0x42, t) << 8);
    assert_int_equal(v, 0xffff - 59659);
    /* Past terminal count mode 0 wraps and keeps counting down. */
    assert_int_equal(pit_count(&pit, 2, T0 + 60 * MS), (uint16_t)(0xffff - 71590));
}

static void test_channel0_rate_generator_irq(void **state)
{
    (void)state;
    out8(0x43, 0x34, T0);                    /* channel 0, lobyte/hibyte, mode 2 */
    out8(0x40, 11932 & 0xff, T0);
    out8(0x40, 11932 >> 8, T0);
    uint64_t period_ns = (11932ULL * NS_PER_S + PIT_HZ - 1) / PIT_HZ;
    uint64_t d = pit_next_deadline(&pit, T0);
    assert_int_equal(d, T0 + period_ns);
    pit_tick(&pit, d - 1);
    unsigned before = rises;
    pit_tick(&pit, d);
    assert_int_equal(rises, before + 1);
    assert_true(level);
    /* 100 Hz for one second: 100 interrupts when ticked at each deadline. */
    for (int i = 1; i < 100; i++) {
        d = pit_next_deadline(&pit, d);
        pit_tick(&pit, d);
    }
    assert_int_equal(rises, before + 100);
    /* A late tick after five periods is one interrupt (lost ticks merge). */
    pit_tick(&pit, d + 5 * period_ns);
    assert_int_equal(rises, before + 101);
    /* OUT is low only for the last tick of each period. */
    assert_true(pit_out(&pit, 0, T0 + period_ns / 2));
    assert_false(pit_out(&pit, 0, T0 + (11931ULL * NS_PER_S) / PIT_HZ + 100));
    /* The count runs N..1. */
    assert_int_equal(pit_count(&pit, 0, T0), 11932);
    assert_int_equal(pit_count(&pit, 0, T0 + 1 * MS), 11932 - 1193);
}

/* A vCPU kept off the CPU (the host printing a guest line, other VMs'
 * slices) sees periods go by unseen. As on a real 8254 the counter keeps
 * counting through them: the late tick is one interrupt (a busy CPU's
 * edge-triggered IRR holds one), the count read then is the free-running
 * counter's, and the next interrupt comes at the next period boundary in
 * the original phase, not one period after the late tick. (So a guest
 * that counts ticks loses the missed ones, as it would on hardware, but
 * the counter it can read never loses time.) */
static void test_missed_periods_keep_the_phase(void **state)
{
    (void)state;
    out8(0x43, 0x34, T0);                    /* channel 0, lobyte/hibyte, mode 2 */
    out8(0x40, 4772 & 0xff, T0);             /* 250 Hz, Linux's HZ here */
    out8(0x40, 4772 >> 8, T0);
    uint64_t d1 = pit_next_deadline(&pit, T0);
    pit_tick(&pit, d1);
    unsigned before = rises;
    /* 5.5 periods pass unseen (about 22 ms: a long guest line printed). */
    uint64_t late = T0 + (11ULL * 4772 * NS_PER_S) / (2 * PIT_HZ) + 4772ULL * NS_PER_S / PIT_HZ;
    pit_tick(&pit, late);
    assert_int_equal(rises, before + 1);
    /* The count is where a free-running counter would be: 6.5 periods
     * from the load, half-way down. */
    uint16_t c = pit_count(&pit, 0, late);
    assert_in_range(c, 4772 / 2 - 2, 4772 / 2 + 2);
    /* Next edge: the boundary of period 7 from the load. */
    uint64_t next = pit_next_deadline(&pit, late);
    uint64_t want = T0 + (7ULL * 4772 * NS_PER_S + PIT_HZ - 1) / PIT_HZ;
    assert_true(next >= want - 1 && next <= want + 1);
    pit_tick(&pit, next);
    assert_int_equal(rises, before + 2);
}

/* Linux's one-shot clockevent (drivers/clocksource/i8253.c drives it so):
 * control word 0x38 (channel 0, lobyte/hibyte, mode 4), then each event's
 * count, low byte then high. Datasheet, mode 4: OUT stays high while
 * counting, goes low for one clock at terminal count, then high again; the
 * PIC's edge-triggered IRQ 0 takes the rising edge after that tick. The
 * monitor must wake a halted vCPU for it (a deadline) and report it even
 * when the tick comes late; one interrupt per count written. */
static void test_mode4_one_shot_clockevent(void **state)
{
    (void)state;
    out8(0x43, 0x38, T0);
    assert_true(pit_out(&pit, 0, T0));       /* mode 4: OUT high after the control word */
    unsigned before = rises;
    out8(0x40, 1193 & 0xff, T0);             /* about 1 ms */
    out8(0x40, 1193 >> 8, T0);
    uint64_t d = pit_next_deadline(&pit, T0);
    uint64_t want = T0 + (1194ULL * NS_PER_S + PIT_HZ - 1) / PIT_HZ; /* terminal count + 1 */
    assert_int_equal(d, want);
    pit_tick(&pit, d - 1);
    assert_int_equal(rises, before);
    pit_tick(&pit, d);
    assert_int_equal(rises, before + 1);
    /* One strobe per count: nothing more is due, however long it runs. */
    assert_int_equal(pit_next_deadline(&pit, d), DEV_NO_DEADLINE);
    pit_tick(&pit, d + 100 * MS);
    assert_int_equal(rises, before + 1);
    /* The next event: a new count re-arms it. The vCPU looks only long
     * after the strobe (it was off the CPU): the edge is still reported. */
    uint64_t t1 = d + 200 * MS;
    out8(0x40, 2386 & 0xff, t1);
    out8(0x40, 2386 >> 8, t1);
    assert_true(pit_next_deadline(&pit, t1) > t1 + 2 * MS);
    pit_tick(&pit, t1 + 50 * MS);
    assert_int_equal(rises, before + 2);
    assert_int_equal(pit_next_deadline(&pit, t1 + 50 * MS), DEV_NO_DEADLINE);
}

static void test_square_wave(void **state)
{
    (void)state;
    out8(0x43, 0x36, T0);                    /* channel 0, lobyte/hibyte, mode 3 */
    out8(0x40, 0x00, T0);
    out8(0x40, 0x10, T0);                    /* 4096 ticks: high 2048, low 2048 */
    assert_true(pit_out(&pit, 0, T0 + 1 * MS));          /* tick 1193 */
    assert_false(pit_out(&pit, 0, T0 + 2 * MS));         /* tick 2386 */
    assert_true(pit_out(&pit, 0, T0 + 4 * MS));          /* tick 4772: next period */
    /* Counts down by two: after 1000 ticks, 4096 - 2000. */
    assert_int_equal(pit_count(&pit, 0, T0 + (1000ULL * NS_PER_S + PIT_HZ - 1) / PIT_HZ), 2096);
    assert_int_equal(pit_count(&pit, 0, T0 + 1 * MS) & 1, 0);
    pit_tick(&pit, T0 + 4 * MS);
    assert_true(rises >= 1);
}

static void test_counter_latch(void **state)
{
    (void)state;
    out8(0x43, 0x34, T0);
    out8(0x40, 0xff, T0);
    out8(0x40, 0xff, T0);
    out8(0x43, 0x00, T0 + 1 * MS);           /* latch channel 0 */
    out8(0x43, 0x00, T0 + 2 * MS);           /* ignored: the first is unread */
    uint16_t v = in8(0x40, T0 + 30 * MS);
    v |= (uint16_t)(in8(0x40, T0 + 40 * MS) << 8);
    assert_int_equal(v, 0xffff - 1193);
    /* After the latched pair, reads are live again. */
    v = in8(0x40, T0 + 3 * MS);
    v |= (uint16_t)(in8(0x40, T0 + 3 * MS) << 8);
    assert_int_equal(v, 0xffff - 3579);
}

static void test_read_back_status(void **state)
{
    (void)state;
    out8(0x43, 0xb0, T0);                    /* channel 2, lohi, mode 0 */
    out8(0x43, 0xe8, T0);                    /* read-back: status only, channel 2 */
    assert_int_equal(in8(0x42, T0), 0x40 | 0x30 | 0x00); /* OUT low, null count, lohi, mode 0 */
    out8(0x61, 0x01, T0);
    out8(0x42, 0x10, T0);
    out8(0x42, 0x00, T0);                    /* 16 ticks */
    out8(0x43, 0xc8, T0 + 1 * MS);           /* read-back: count and status */
    assert_int_equal(in8(0x42, T0 + 1 * MS), 0x80 | 0x30); /* OUT high, count loaded */
    uint16_t v = in8(0x42, T0 + 1 * MS);
    v |= (uint16_t)(in8(0x42, T0 + 1 * MS) << 8);
    assert_int_equal(v, (uint16_t)(16 - 1193));
}

static void test_mode0_channel0_interrupt_once(void **state)
{
    (void)state;
    out8(0x43, 0x30, T0);                    /* channel 0, lohi, mode 0 */
    out8(0x40, 0xa9, T0);
    out8(0x40, 0x04, T0);                    /* 1193 ticks: about 1 ms */
    assert_int_equal(pit_next_deadline(&pit, T0), T0 + (1193ULL * NS_PER_S + PIT_HZ - 1) / PIT_HZ);
    pit_tick(&pit, T0 + 999 * US);
    assert_int_equal(rises, 0);
    pit_tick(&pit, T0 + 1 * MS);
    assert_int_equal(rises, 1);
    assert_int_equal(pit_next_deadline(&pit, T0 + 1 * MS), DEV_NO_DEADLINE);
    pit_tick(&pit, T0 + 10 * MS);
    assert_int_equal(rises, 1);
    /* The first byte of a new count drops OUT (and the line) at once. */
    out8(0x40, 0x10, T0 + 10 * MS);
    assert_int_equal(falls, 1);
    assert_false(pit_out(&pit, 0, T0 + 20 * MS));
    out8(0x40, 0x00, T0 + 20 * MS);
    pit_tick(&pit, T0 + 21 * MS);
    assert_int_equal(rises, 2);
}

static void test_byte_access_modes_and_port61(void **state)
{
    (void)state;
    out8(0x43, 0x54, T0);                    /* channel 1, lobyte only, mode 2 */
    out8(0x41, 0x12, T0);
    assert_int_equal(in8(0x41, T0), 0x12);
    assert_int_equal(in8(0x41, T0), 0x12);   /* no flip-flop */
    out8(0x43, 0x64, T0);                    /* channel 1, hibyte only, mode 2 */
    out8(0x41, 0x12, T0);
    assert_int_equal(pit_count(&pit, 1, T0), 0x1200);
    assert_int_equal(in8(0x41, T0), 0x12);
    /* Port 0x61: low nibble as written; bit 4 toggles with time. */
    out8(0x61, 0xf3, T0);
    assert_int_equal(in8(0x61, 0) & 0x0f, 0x03);
    assert_int_equal(in8(0x61, 0) & 0x10, 0);
    assert_int_equal(in8(0x61, 15085) & 0x10, 0x10);
    assert_int_equal(in8(0x43, T0), 0xff);   /* write-only */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_channel2_calibration_loop, setup),
        cmocka_unit_test_setup(test_channel2_gate_holds_the_count, setup),
        cmocka_unit_test_setup(test_live_count_read_lohi, setup),
        cmocka_unit_test_setup(test_channel0_rate_generator_irq, setup),
        cmocka_unit_test_setup(test_missed_periods_keep_the_phase, setup),
        cmocka_unit_test_setup(test_mode4_one_shot_clockevent, setup),
        cmocka_unit_test_setup(test_square_wave, setup),
        cmocka_unit_test_setup(test_counter_latch, setup),
        cmocka_unit_test_setup(test_read_back_status, setup),
        cmocka_unit_test_setup(test_mode0_channel0_interrupt_once, setup),
        cmocka_unit_test_setup(test_byte_access_modes_and_port61, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
