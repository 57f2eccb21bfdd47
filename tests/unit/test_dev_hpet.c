/* vmm/dev_hpet.c: the HPET as the IA-PC HPET specification 1.0a and the
 * ICH describe it, and as Linux programs it, on a clock the test owns.
 * The counter runs at 14,318,180 Hz: N counts take N * 1e9 / 14318180 ns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vmm/dev_hpet.h"

#define T0 5000000000ULL                    /* an arbitrary start time */
#define US 1000ULL
#define MS 1000000ULL
#define S 1000000000ULL

#define GCAP 0x000
#define GEN_CONF 0x010
#define GINTR_STA 0x020
#define MAIN_CNT 0x0f0
#define TCONF(n) (0x100 + 0x20 * (n))
#define TCMP(n) (0x108 + 0x20 * (n))

#define ENABLE 1
#define LEG_RT 2
#define TN_LEVEL (1u << 1)
#define TN_INT_ENB (1u << 2)
#define TN_PERIODIC (1u << 3)
#define TN_VAL_SET (1u << 6)
#define TN_32MODE (1u << 8)
#define ROUTE(n) ((uint64_t)(n) << 9)

static unsigned rises[HPET_LINES], falls[HPET_LINES];
static bool level[HPET_LINES];

static void irq_set(void *ctx, unsigned line, bool lvl)
{
    (void)ctx;
    assert_true(line < HPET_LINES);
    if (lvl && !level[line])
        rises[line]++;
    if (!lvl && level[line])
        falls[line]++;
    level[line] = lvl;
}

static struct hpet h;

static int setup(void **state)
{
    (void)state;
    for (unsigned i = 0; i < HPET_LINES; i++)
        rises[i] = falls[i] = 0, level[i] = false;
    hpet_init(&h, (struct dev_irq){ irq_set, NULL }, T0);
    return 0;
}

static uint64_t rd(uint64_t off, uint64_t now) { return hpet_read(&h, off, 8, now); }
static uint32_t rd32(uint64_t off, uint64_t now) { return (uint32_t)hpet_read(&h, off, 4, now); }
static void wr(uint64_t off, uint64_t v, uint64_t now) { hpet_write(&h, off, 8, v, now); }
static void wr32(uint64_t off, uint32_t v, uint64_t now) { hpet_write(&h, off, 4, v, now); }

/* The time the counter, started at T0 from 0, shows `counts`. */
static uint64_t at(uint64_t counts)
{
    return T0 + (counts * S + 14318180 - 1) / 14318180;
}

static void test_capabilities_and_reset_state(void **state)
{
    (void)state;
    uint64_t cap = rd(GCAP, T0);
    assert_int_equal(cap >> 32, 69841279);          /* fs: 14.31818 MHz */
    assert_int_equal((cap >> 16) & 0xffff, 0x8086);
    assert_true(cap & (1u << 15));                   /* legacy replacement capable */
    assert_true(cap & (1u << 13));                   /* a 64-bit counter */
    assert_int_equal((cap >> 8) & 0x1f, 2);          /* three timers */
    assert_int_equal(cap & 0xff, 1);
    assert_int_equal(rd32(GCAP + 4, T0), 69841279); /* the high half alone */
    assert_int_equal(hpet_capabilities(), cap);
    /* Timer 0: periodic capable and 64-bit; 1 and 2: neither (ICH). */
    assert_int_equal(rd(TCONF(0), T0), 0x00f0000000000030ULL);
    assert_int_equal(rd(TCONF(1), T0), 0x00f0000000000000ULL);
    assert_int_equal(rd(TCONF(2), T0), 0x00f0000000000000ULL);
    assert_int_equal(rd(TCMP(0), T0), ~0ULL);        /* comparators reset to all ones */
    assert_int_equal(rd(TCMP(1), T0), 0xffffffffULL);
    assert_int_equal(rd(GEN_CONF, T0), 0);
    assert_int_equal(rd(MAIN_CNT, T0 + S), 0);       /* halted at reset */
    assert_int_equal(hpet_next_deadline(&h, T0), DEV_NO_DEADLINE);
    assert_int_equal(rd(0x160, T0), 0);              /* timer 3 is not there */
    assert_int_equal(rd(0x3f8, T0), 0);
}

static void test_counter_rate_halt_and_write(void **state)
{
    (void)state;
    wr(GEN_CONF, ENABLE, T0);
    assert_int_equal(rd(MAIN_CNT, T0), 0);
    assert_int_equal(rd(MAIN_CNT, T0 + MS), 14318);
    assert_int_equal(rd(MAIN_CNT, T0 + S), 14318180);
    assert_int_equal(rd(MAIN_CNT, T0 + 3600 * S), 3600ULL * 14318180);
    /* Halted it holds; enabled again it runs on from there. */
    wr(GEN_CONF, 0, T0 + 2 * S);
    assert_int_equal(rd(MAIN_CNT, T0 + 5 * S), 2 * 14318180);
    /* Written while running: ignored (spec 2.3.6: only while halted). */
    wr32(GEN_CONF, ENABLE, T0 + 5 * S);
    wr(MAIN_CNT, 7, T0 + 5 * S);
    assert_int_equal(rd(MAIN_CNT, T0 + 6 * S), 3 * 14318180);
    wr(GEN_CONF, 0, T0 + 6 * S);
    wr32(MAIN_CNT, 0x1234, T0 + 6 * S);              /* the low half only */
    assert_int_equal(rd(MAIN_CNT, T0 + 6 * S), 0x1234);
    wr32(MAIN_CNT + 4, 0x5, T0 + 6 * S);
    assert_int_equal(rd(MAIN_CNT, T0 + 6 * S), 0x500001234ULL);
    assert_int_equal(rd32(MAIN_CNT + 4, T0 + 6 * S), 5);
}

/* A one-shot 32-bit timer routed to I/O APIC input 20, edge-triggered:
 * one edge at the match, exactly when the deadline said, then none until
 * the counter's low half comes round again. */
static void test_one_shot_edge_on_route(void **state)
{
    (void)state;
    wr(GEN_CONF, ENABLE, T0);
    wr(TCONF(2), TN_INT_ENB | ROUTE(20), T0);
    assert_int_equal((rd(TCONF(2), T0) >> 9) & 0x1f, 20);
    wr(TCMP(2), 1432, T0);
    assert_int_equal(hpet_next_deadline(&h, T0), at(1432));
    hpet_tick(&h, at(1432) - 1);
    assert_int_equal(rises[20], 0);
    hpet_tick(&h, at(1432));
    assert_int_equal(rises[20], 1);
    assert_int_equal(falls[20], 1);                  /* an edge: a pulse */
    assert_int_equal(rd(GINTR_STA, at(1432)), 0);    /* edge mode keeps no status */
    hpet_tick(&h, at(1432) + 10 * S);
    assert_int_equal(rises[20], 1);
    /* The next match is the low half's next turn, 2^32 counts on. */
    assert_int_equal(hpet_next_deadline(&h, at(2000)), at(1432 + (1ULL << 32)));
    assert_int_equal(h.irqs, 1);
}

/* Level-triggered: the status bit holds the line until written with a 1;
 * with the interrupt disabled the bit is set all the same. */
static void test_level_status_write_one_to_clear(void **state)
{
    (void)state;
    wr(GEN_CONF, ENABLE, T0);
    wr(TCONF(1), TN_LEVEL | TN_INT_ENB | ROUTE(21), T0);
    wr(TCMP(1), 100, T0);
    hpet_tick(&h, at(100));
    assert_true(level[21]);
    assert_int_equal(rd(GINTR_STA, at(100)), 2);
    wr(GINTR_STA, 0, at(100));                        /* zeros: no effect */
    assert_true(level[21]);
    wr(GINTR_STA, 2, at(101));
    assert_false(level[21]);
    assert_int_equal(rd(GINTR_STA, at(101)), 0);
    /* Disabled: the status is still set, the line stays low. */
    wr(TCONF(1), TN_LEVEL | ROUTE(21), at(101));
    wr(TCMP(1), 200, at(101));
    assert_int_equal(rd(GINTR_STA, at(200)), 2);
    assert_false(level[21]);
    /* Enabling it with the status set raises the line. */
    wr(TCONF(1), TN_LEVEL | TN_INT_ENB | ROUTE(21), at(201));
    assert_true(level[21]);
    /* Back to edge mode: the status goes, and the line with it. */
    wr(TCONF(1), TN_INT_ENB | ROUTE(21), at(202));
    assert_false(level[21]);
    assert_int_equal(rd(GINTR_STA, at(202)), 0);
}

/* Linux's periodic set-up (hpet_clkevt_set_state_periodic): legacy mode,
 * PERIODIC | VAL_SET | 32-bit, the comparator written with now + delta,
 * then with delta, the period. */
static void test_periodic_linux_sequence_and_catch_up(void **state)
{
    (void)state;
    const uint32_t delta = 14318;                     /* about 1 ms */
    wr32(GEN_CONF, ENABLE | LEG_RT, T0);
    assert_true(hpet_legacy(&h));
    wr32(TCONF(0), TN_PERIODIC | TN_VAL_SET | TN_INT_ENB | TN_32MODE, T0);
    uint32_t now = rd32(MAIN_CNT, T0 + 10 * US);
    wr32(TCMP(0), now + delta, T0 + 10 * US);
    wr32(TCMP(0), delta, T0 + 11 * US);
    assert_false(rd(TCONF(0), T0 + 11 * US) & TN_VAL_SET); /* it clears itself */
    uint64_t first = now + delta;
    for (unsigned k = 0; k < 10; k++)
        hpet_tick(&h, at(first + (uint64_t)k * delta));
    assert_int_equal(rises[HPET_LEGACY_IRQ0], 10);
    assert_int_equal(rises[20], 0);
    /* Five and a half periods unseen: one interrupt, the phase kept. */
    uint64_t last = first + 9ULL * delta;
    hpet_tick(&h, at(last + 5 * delta + delta / 2));
    assert_int_equal(rises[HPET_LEGACY_IRQ0], 11);
    assert_int_equal(rd(TCMP(0), at(last + 5 * delta + delta / 2)), last + 6 * delta);
    assert_int_equal(hpet_next_deadline(&h, 0), at(last + 6 * delta));
}

/* Legacy replacement: timer 0 on ISA IRQ 0, timer 1 on IRQ 8, whatever
 * their routes; out of it, the routes again. */
static void test_legacy_replacement_lines(void **state)
{
    (void)state;
    wr(GEN_CONF, ENABLE | LEG_RT, T0);
    wr(TCONF(0), TN_INT_ENB | ROUTE(22), T0);
    wr(TCONF(1), TN_LEVEL | TN_INT_ENB | ROUTE(23), T0);
    wr(TCMP(0), 50, T0);
    wr(TCMP(1), 60, T0);
    hpet_tick(&h, at(60));
    assert_int_equal(rises[HPET_LEGACY_IRQ0], 1);
    assert_true(level[HPET_LEGACY_IRQ8]);
    assert_int_equal(rises[22] + rises[23], 0);
    /* Legacy off: the held level moves from IRQ 8 to the route. */
    wr(GEN_CONF, ENABLE, at(61));
    assert_false(hpet_legacy(&h));
    assert_false(level[HPET_LEGACY_IRQ8]);
    assert_true(level[23]);
    wr(TCMP(0), 100, at(61));
    hpet_tick(&h, at(100));
    assert_int_equal(rises[22], 1);
    assert_int_equal(rises[HPET_LEGACY_IRQ0], 1);
}

/* A route outside Tn_INT_ROUTE_CAP reads back as it was; a timer with no
 * valid route interrupts nowhere. */
static void test_route_outside_capability(void **state)
{
    (void)state;
    wr(TCONF(2), TN_INT_ENB | ROUTE(5), T0);
    assert_int_equal((rd(TCONF(2), T0) >> 9) & 0x1f, 0);
    wr(GEN_CONF, ENABLE, T0);
    wr(TCMP(2), 10, T0);
    hpet_tick(&h, at(10));
    for (unsigned l = 0; l < HPET_LINES; l++)
        assert_int_equal(rises[l], 0);
    wr(TCONF(2), TN_INT_ENB | ROUTE(22), at(10));
    assert_int_equal((rd(TCONF(2), at(10)) >> 9) & 0x1f, 22);
    /* Read-only bits stay: periodic and 32-bit mode on a timer without them. */
    wr(TCONF(2), ~0ULL, at(10));
    assert_int_equal(rd(TCONF(2), at(10)) & (TN_PERIODIC | TN_32MODE | 0x30), 0);
}

/* 32-bit mode on the 64-bit timer: the comparator's upper half goes and
 * the match is on the counter's low half, across its carry. */
static void test_32bit_mode_matches_low_half(void **state)
{
    (void)state;
    wr(MAIN_CNT, 0x1ffffff00ULL, T0);                 /* halted: written */
    wr(TCMP(0), 0x300000100ULL, T0);
    wr(TCONF(0), TN_INT_ENB | TN_32MODE | ROUTE(20), T0);
    assert_int_equal(rd(TCMP(0), T0), 0x100);
    wr32(TCMP(0) + 4, 7, T0);                         /* the upper half: gone */
    assert_int_equal(rd(TCMP(0), T0), 0x100);
    wr(GEN_CONF, ENABLE, T0);
    assert_int_equal(hpet_next_deadline(&h, T0), at(0x200));
    hpet_tick(&h, at(0x1ff));
    assert_int_equal(rises[20], 0);
    hpet_tick(&h, at(0x200));
    assert_int_equal(rises[20], 1);
    assert_int_equal(rd(MAIN_CNT, at(0x200)), 0x200000100ULL);
}

/* A 64-bit one-shot matches once; no deadline after it. */
static void test_64bit_one_shot(void **state)
{
    (void)state;
    wr(GEN_CONF, ENABLE, T0);
    wr(TCONF(0), TN_INT_ENB | ROUTE(23), T0);
    wr(TCMP(0), 0x123456789ULL, T0);                  /* about 5 min on */
    assert_int_equal(hpet_next_deadline(&h, T0), at(0x123456789ULL));
    hpet_tick(&h, at(0x123456789ULL));
    assert_int_equal(rises[23], 1);
    assert_int_equal(hpet_next_deadline(&h, at(0x123456789ULL)), DEV_NO_DEADLINE);
    hpet_tick(&h, at(0x123456789ULL) + 1000 * S);
    assert_int_equal(rises[23], 1);
    /* A comparator already passed matches only when the counter comes
     * round: never, for 64 bits. */
    wr(TCMP(0), 5, at(0x123456789ULL) + 1000 * S);
    assert_int_equal(hpet_next_deadline(&h, 0), DEV_NO_DEADLINE);
}

/* Accesses of 1 to 8 bytes inside one register; across two, or past the
 * block, nothing. */
static void test_access_sizes(void **state)
{
    (void)state;
    /* Byte 1: legacy capable, 64-bit counter, three timers. */
    assert_int_equal(hpet_read(&h, GCAP + 1, 1, T0), 0xa2);
    assert_int_equal(hpet_read(&h, GCAP + 2, 2, T0), 0x8086);
    hpet_write(&h, GEN_CONF, 1, ENABLE, T0);
    assert_int_equal(rd(GEN_CONF, T0), ENABLE);
    assert_int_equal(hpet_read(&h, GEN_CONF + 6, 4, T0), ~0ULL); /* crosses into 0x18 */
    assert_int_equal(hpet_read(&h, HPET_REG_SIZE, 4, T0), ~0ULL);
    hpet_write(&h, GEN_CONF + 6, 4, 0, T0);                    /* ignored */
    assert_int_equal(rd(GEN_CONF, T0), ENABLE);
    /* Writing one byte of GINTR_STA clears only what it names there. */
    wr(TCONF(1), TN_LEVEL | ROUTE(21), T0);
    wr(TCONF(2), TN_LEVEL | ROUTE(21), T0);
    wr(TCMP(1), 10, T0);
    wr(TCMP(2), 10, T0);
    assert_int_equal(rd(GINTR_STA, at(10)), 6);
    hpet_write(&h, GINTR_STA, 1, 4, at(10));
    assert_int_equal(rd(GINTR_STA, at(10)), 2);
    hpet_write(&h, GINTR_STA + 1, 1, 0xff, at(10));           /* other bits: nothing */
    assert_int_equal(rd(GINTR_STA, at(10)), 2);
}

/* S3 (hpet_reset): halted, reset values, the held line lowered. */
static void test_reset_lowers_lines(void **state)
{
    (void)state;
    wr(GEN_CONF, ENABLE, T0);
    wr(TCONF(1), TN_LEVEL | TN_INT_ENB | ROUTE(22), T0);
    wr(TCMP(1), 10, T0);
    hpet_tick(&h, at(10));
    assert_true(level[22]);
    hpet_reset(&h, at(20));
    assert_false(level[22]);
    assert_int_equal(rd(GEN_CONF, at(20)), 0);
    assert_int_equal(rd(MAIN_CNT, at(20) + S), 0);
    assert_int_equal(rd(TCONF(1), at(20)), 0x00f0000000000000ULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_capabilities_and_reset_state, setup),
        cmocka_unit_test_setup(test_counter_rate_halt_and_write, setup),
        cmocka_unit_test_setup(test_one_shot_edge_on_route, setup),
        cmocka_unit_test_setup(test_level_status_write_one_to_clear, setup),
        cmocka_unit_test_setup(test_periodic_linux_sequence_and_catch_up, setup),
        cmocka_unit_test_setup(test_legacy_replacement_lines, setup),
        cmocka_unit_test_setup(test_route_outside_capability, setup),
        cmocka_unit_test_setup(test_32bit_mode_matches_low_half, setup),
        cmocka_unit_test_setup(test_64bit_one_shot, setup),
        cmocka_unit_test_setup(test_access_sizes, setup),
        cmocka_unit_test_setup(test_reset_lowers_lines, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
