/* mm/sampler.c: the working-set estimator converges on a synthetic VM and
 * reacts fast to growth, slowly to shrinking. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "mm/sampler.h"
#include "tests/fake/fake_gpa.h"
#include "tests/fake/platform_fake.h"

#define NP 5000
#define PERIOD 1000

static struct plat_vm *vm;
static struct sampler smp;
static uint8_t storage[4096];

static void start(enum sampler_mode mode, uint32_t n)
{
    struct sampler_config cfg;
    sampler_default_config(&cfg);
    cfg.period_ns = PERIOD;
    cfg.sample_pages = n;
    cfg.mode = mode;
    fake_plat_seed_random(42);
    fake_plat_set_time_ns(0);
    vm = fake_gpa_create(NP);
    for (ppn_t p = 0; p < NP; p++)
        fake_gpa_map(vm, p);
    assert_true(sampler_init(&smp, &cfg, vm, NP, storage, sizeof storage, 0));
}

/* The guest touches `active` pages spread over the VM; the fault path tells
 * the sampler and remaps, as the monitor does. */
static void guest_touch(uint64_t active)
{
    for (ppn_t i = 0; i < active; i++) {
        ppn_t p = (i * 7919) % NP;      /* spread, not a prefix */
        if (!fake_gpa_touch(vm, p)) {
            sampler_note_touch(&smp, p);
            fake_gpa_map(vm, p);
        }
    }
}

static void guest_period(uint64_t active)
{
    guest_touch(active);
    fake_plat_advance_ns(PERIOD);
    assert_true(sampler_tick(&smp, plat_time_ns()));
}

static double pct(uint32_t q16) { return q16 * 100.0 / 65536.0; }

static void converges(enum sampler_mode mode)
{
    start(mode, 100);
    assert_int_equal(sampler_estimate(&smp), 65536);    /* assumed active at first */
    for (int i = 0; i < 60; i++)
        guest_period(NP * 30 / 100);
    /* slow average of 100-page samples: within 5 points of 30% */
    assert_true(pct(smp.slow_q16) > 25.0 && pct(smp.slow_q16) < 35.0);
    double est = pct(sampler_estimate(&smp));
    assert_true(est > 25.0 && est < 42.0);               /* max() biases upward */
    assert_int_equal(smp.periods, 60);
    fake_gpa_destroy(vm);
}

static void test_converges_invalidate(void **state) { (void)state; converges(SAMPLER_INVALIDATE); }
static void test_converges_accessed_bit(void **state) { (void)state; converges(SAMPLER_ACCESSED_BIT); }

static void test_large_sample_is_accurate(void **state)
{
    (void)state;
    start(SAMPLER_INVALIDATE, 400);
    for (int i = 0; i < 40; i++)
        guest_period(NP * 30 / 100);
    assert_true(pct(smp.slow_q16) > 27.0 && pct(smp.slow_q16) < 33.0);
    fake_gpa_destroy(vm);
}

static void test_fast_up_slow_down(void **state)
{
    (void)state;
    start(SAMPLER_INVALIDATE, 100);
    for (int i = 0; i < 30; i++)
        guest_period(NP / 10);                          /* 10% */
    assert_true(pct(sampler_estimate(&smp)) < 20.0);
    guest_touch(NP * 8 / 10);                           /* jumps to 80% */
    assert_true(pct(sampler_estimate(&smp)) > 60.0);    /* seen within the period */
    guest_period(NP * 8 / 10);
    assert_true(pct(sampler_estimate(&smp)) > 40.0);    /* and by the fast average */
    /* becomes idle: the estimate stays up for a while (slow average) */
    guest_period(0);
    guest_period(0);
    assert_true(pct(sampler_estimate(&smp)) > 10.0);
    for (int i = 0; i < 60; i++)
        guest_period(0);
    assert_true(pct(sampler_estimate(&smp)) < 2.0);
    fake_gpa_destroy(vm);
}

static void test_current_period_counts_at_once(void **state)
{
    (void)state;
    start(SAMPLER_INVALIDATE, 100);
    for (int i = 0; i < 20; i++)
        guest_period(0);
    assert_true(sampler_estimate(&smp) < 1000);
    /* touches within the period raise the estimate before it ends */
    for (ppn_t p = 0; p < NP; p++)
        if (!fake_gpa_touch(vm, p)) {
            sampler_note_touch(&smp, p);
            fake_gpa_map(vm, p);
        }
    assert_int_equal(sampler_estimate(&smp), 65536);
    fake_gpa_destroy(vm);
}

static void test_sample_is_zapped_and_hostile_ppns_ignored(void **state)
{
    (void)state;
    start(SAMPLER_INVALIDATE, 50);
    assert_int_equal(smp.nset, 50);
    assert_int_equal(fake_gpa_unmap_count(vm), 50);
    for (uint32_t i = 0; i < smp.nset; i++) {
        assert_false(fake_gpa_is_mapped(vm, smp.set[i]));
        if (i)
            assert_true(smp.set[i - 1] < smp.set[i]);   /* distinct, sorted */
    }
    sampler_note_touch(&smp, NP + 5);
    sampler_note_touch(&smp, UINT64_MAX);
    assert_int_equal(smp.ntouched, 0);
    sampler_note_touch(&smp, smp.set[3]);
    sampler_note_touch(&smp, smp.set[3]);               /* counted once */
    assert_int_equal(smp.ntouched, 1);
    assert_false(sampler_tick(&smp, PERIOD - 1));       /* not yet */
    fake_gpa_destroy(vm);
}

static void test_small_vm_samples_everything(void **state)
{
    (void)state;
    struct sampler s;
    uint8_t st[2000];
    assert_true(sampler_init(&s, NULL, NULL, 10, st, sizeof st, 0));
    assert_int_equal(s.nset, 10);
    assert_false(sampler_init(&s, NULL, NULL, 0, st, sizeof st, 0));
    assert_false(sampler_init(&s, NULL, NULL, 10, st, 10, 0));
}

/* Pages that are not RAM (the PCI hole) are never picked: the estimate is
 * a fraction of RAM. Every RAM page touched reads as 100%, not as RAM's
 * share of the whole range. */
static void test_hole_is_never_sampled(void **state)
{
    (void)state;
    struct sampler_config cfg;
    sampler_default_config(&cfg);
    cfg.period_ns = PERIOD;
    cfg.sample_pages = 400;
    cfg.hole_first = 1000;
    cfg.hole_pages = 3000;
    fake_plat_seed_random(7);
    fake_plat_set_time_ns(0);
    vm = fake_gpa_create(NP);
    for (ppn_t p = 0; p < NP; p++)
        if (p < 1000 || p >= 4000)
            fake_gpa_map(vm, p);
    assert_true(sampler_init(&smp, &cfg, vm, NP, storage, sizeof storage, 0));
    for (unsigned period = 0; period < 4; period++) {
        for (uint32_t i = 0; i < smp.nset; i++) {
            assert_true(smp.set[i] < 1000 || smp.set[i] >= 4000);
            sampler_note_touch(&smp, smp.set[i]);
        }
        fake_plat_set_time_ns((period + 1) * PERIOD);
        sampler_tick(&smp, (period + 1) * PERIOD);
    }
    assert_int_equal(sampler_estimate(&smp), 65536);
    fake_gpa_destroy(vm);
    /* all of RAM when it is smaller than the sample; a hole past the end is refused */
    struct sampler s;
    uint8_t st[2000];
    cfg.sample_pages = 100;
    cfg.hole_first = 3;
    cfg.hole_pages = 5;
    assert_true(sampler_init(&s, &cfg, NULL, 10, st, sizeof st, 0));
    assert_int_equal(s.nset, 5);
    assert_int_equal(s.set[2], 2);
    assert_int_equal(s.set[3], 8);
    cfg.hole_pages = 8;
    assert_false(sampler_init(&s, &cfg, NULL, 10, st, sizeof st, 0));
    cfg.hole_first = 1000;                 /* no hole: where it would be does not matter */
    cfg.hole_pages = 0;
    assert_true(sampler_init(&s, &cfg, NULL, 10, st, sizeof st, 0));
    assert_int_equal(s.nset, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_converges_invalidate),
        cmocka_unit_test(test_converges_accessed_bit),
        cmocka_unit_test(test_large_sample_is_accurate),
        cmocka_unit_test(test_fast_up_slow_down),
        cmocka_unit_test(test_current_period_counts_at_once),
        cmocka_unit_test(test_sample_is_zapped_and_hostile_ppns_ignored),
        cmocka_unit_test(test_small_vm_samples_everything),
        cmocka_unit_test(test_hole_is_never_sampled),
    };
    return cmocka_run_group_tests_name("sampler", tests, NULL, NULL);
}
