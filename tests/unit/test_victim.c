/* mm/victim.c: which pages a VM gives back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "mm/victim.h"
#include "tests/fake/fake_gpa.h"
#include "tests/fake/platform_fake.h"

#define NP 100

struct fx {
    struct physmap pm;
    struct plat_vm *vm;
    uint64_t st[NP];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->vm = fake_gpa_create(NP);
    physmap_init(&f->pm, f->vm, f->st, sizeof f->st, NP);
    for (ppn_t p = 0; p < NP; p++) {
        physmap_map(&f->pm, p, 1000 + p, NULL);
        fake_gpa_map(f->vm, p);
    }
    fake_plat_seed_random(7);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    fake_gpa_destroy(f->vm);
    free(f);
    return 0;
}

static void check_valid(struct fx *f, const ppn_t *out, uint64_t k)
{
    for (uint64_t i = 0; i < k; i++) {
        struct pm_entry e;
        assert_int_equal(physmap_lookup(&f->pm, out[i], &e), PM_OK);
        assert_int_equal(e.state, PM_MAPPED);
        assert_false(e.pinned);
        for (uint64_t j = 0; j < i; j++)
            assert_true(out[i] != out[j]);
    }
}

static void only_candidates(struct fx *f, enum victim_policy pol)
{
    struct victim v;
    ppn_t out[NP];
    mpn_t m;
    victim_init(&v, pol);
    for (ppn_t p = 0; p < NP; p += 2)
        physmap_release(&f->pm, p, PM_SWAPPED, 1, &m);   /* half unmapped */
    for (ppn_t p = 1; p < 20; p += 2)
        physmap_pin(&f->pm, p);                          /* ten pinned */
    uint64_t k = victim_select(&v, &f->pm, out, 30);
    assert_int_equal(k, 30);
    check_valid(f, out, k);
    k = victim_select(&v, &f->pm, out, NP);              /* asks for more than exist */
    assert_int_equal(k, 40);
    check_valid(f, out, k);
}

static void test_random_candidates(void **s) { only_candidates(*s, VICTIM_RANDOM); }
static void test_clock_candidates(void **s) { only_candidates(*s, VICTIM_CLOCK); }
static void test_aging_candidates(void **s) { only_candidates(*s, VICTIM_AGING); }

static void test_aging_takes_cold_pages(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    victim_init(&v, VICTIM_AGING);
    for (int scan = 0; scan < 8; scan++) {
        for (ppn_t p = 0; p < 50; p++)
            fake_gpa_touch(f->vm, p);                    /* hot half */
        victim_age_scan(&v, &f->pm);
    }
    /* the cold half, even right after the hot half is touched again */
    for (ppn_t p = 0; p < 50; p++)
        fake_gpa_touch(f->vm, p);
    uint64_t k = victim_select(&v, &f->pm, out, 50);
    assert_int_equal(k, 50);
    for (uint64_t i = 0; i < k; i++)
        assert_true(out[i] >= 50);
}

static void test_aging_prefers_least_recent(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    victim_init(&v, VICTIM_AGING);
    victim_age_scan(&v, &f->pm);                         /* all mapped just now */
    /* page p last touched (NP - p) scans ago, for the first 8 scans */
    for (int scan = 0; scan < 8; scan++) {
        for (ppn_t p = 0; p < 10; p++)
            if ((ppn_t)scan == p % 8)
                fake_gpa_touch(f->vm, p);
        victim_age_scan(&v, &f->pm);
    }
    /* pages 10.. were never touched after mapping: they go first */
    uint64_t k = victim_select(&v, &f->pm, out, 90);
    assert_int_equal(k, 90);
    for (uint64_t i = 0; i < k; i++)
        assert_true(out[i] >= 10);
    /* among the first ten, the least recently touched (p % 8 == 0) go next */
    mpn_t m;
    for (uint64_t i = 0; i < k; i++)
        physmap_release(&f->pm, out[i], PM_SWAPPED, 1, &m);
    k = victim_select(&v, &f->pm, out, 2);
    assert_int_equal(k, 2);
    assert_true(out[0] % 8 == 0 && out[1] % 8 == 0);
}

static void test_clock_second_chance(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    victim_init(&v, VICTIM_CLOCK);
    /* every page was just mapped (accessed); clear all but the first 30 */
    for (ppn_t p = 30; p < NP; p++)
        plat_gpa_test_clear_accessed(f->vm, p);
    uint64_t k = victim_select(&v, &f->pm, out, 20);
    assert_int_equal(k, 20);
    for (uint64_t i = 0; i < k; i++)
        assert_true(out[i] >= 30);
}

static void test_aging_scan_reads_bits(void **state)
{
    struct fx *f = *state;
    struct victim v;
    victim_init(&v, VICTIM_RANDOM);
    victim_age_scan(&v, &f->pm);                         /* not aging: nothing */
    assert_int_equal(fake_gpa_test_count(f->vm), 0);
    victim_init(&v, VICTIM_AGING);
    victim_age_scan(&v, &f->pm);
    assert_int_equal(fake_gpa_test_count(f->vm), NP);
    assert_int_equal(physmap_age(&f->pm, 5), 0x80);
    victim_age_scan(&v, &f->pm);
    assert_int_equal(physmap_age(&f->pm, 5), 0x40);
    assert_string_equal(victim_policy_name(VICTIM_AGING), "aging");
}

static void test_aging_is_scan_resistant(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    victim_init(&v, VICTIM_AGING);
    /* pages 0-39 in steady use for 8 periods; 40-99 untouched since mapping */
    for (int scan = 0; scan < 8; scan++) {
        for (ppn_t p = 0; p < 40; p++)
            fake_gpa_touch(f->vm, p);
        victim_age_scan(&v, &f->pm);
    }
    /* a burst: 40-99 touched once, then the steady pages miss one period */
    for (ppn_t p = 40; p < NP; p++)
        fake_gpa_touch(f->vm, p);
    victim_age_scan(&v, &f->pm);
    /* LRU would now evict the steady pages (their last touch is older);
     * aging takes the burst pages first */
    uint64_t k = victim_select(&v, &f->pm, out, 60);
    assert_int_equal(k, 60);
    for (uint64_t i = 0; i < k; i++)
        assert_true(out[i] >= 40);
    assert_true(victim_age_score(0xff) > victim_age_score(0x80));
    assert_true(victim_age_score(0x80) > victim_age_score(0x01));
    assert_int_equal(victim_age_score(0), 0);
}

static void test_aging_ties_are_random(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    unsigned low_half = 0;
    victim_init(&v, VICTIM_AGING);
    for (int scan = 0; scan < 8; scan++)
        victim_age_scan(&v, &f->pm);          /* every page equally idle */
    for (int round = 0; round < 50; round++) {
        uint64_t k = victim_select(&v, &f->pm, out, 10);
        assert_int_equal(k, 10);
        check_valid(f, out, k);
        for (uint64_t i = 0; i < k; i++)
            low_half += out[i] < NP / 2;
    }
    /* spread over the whole VM, not taken in address order */
    assert_in_range(low_half, 175, 325);
}

static void test_accessed_bit_working_set(void **state)
{
    struct fx *f = *state;
    struct victim v;
    victim_init(&v, VICTIM_AGING);
    assert_int_equal(victim_active_q16(&v, &f->pm), 65536);   /* before a scan */
    for (int scan = 0; scan < 9; scan++) {
        for (ppn_t p = 0; p < 30; p++)
            fake_gpa_touch(f->vm, p);
        victim_age_scan(&v, &f->pm);
    }
    /* 30 of 100 pages touched in the last 8 periods */
    assert_int_equal(v.active_pages, 30);
    assert_int_equal(victim_active_q16(&v, &f->pm), 30 * 65536 / 100);
    for (int scan = 0; scan < 8; scan++)
        victim_age_scan(&v, &f->pm);
    assert_int_equal(v.active_pages, 0);      /* idle for 8 periods */
}

/* ---- VICTIM_REUSE ---------------------------------------------------------- */

/* REUSE's 24 bytes a page plus 4 KiB, or RECENT's 4 bytes a page plus
 * 20 KiB where that is more (a VM this small) */
static uint64_t reuse_store[(NP * 4 + 5 * VICTIM_BUCKETS * 4) / 8 + 1];

static void reuse_init(struct fx *f, struct victim *v)
{
    victim_init(v, VICTIM_REUSE);
    assert_true(victim_attach(v, reuse_store, sizeof reuse_store, NP));
    (void)f;
}

/* One aging period in which pages [lo, hi) are touched. */
static void period(struct fx *f, struct victim *v, ppn_t lo, ppn_t hi)
{
    for (ppn_t p = lo; p < hi; p++)
        fake_gpa_touch(f->vm, p);
    victim_age_scan(v, &f->pm);
}

static bool all_in(const ppn_t *out, uint64_t k, ppn_t lo, ppn_t hi)
{
    for (uint64_t i = 0; i < k; i++)
        if (out[i] < lo || out[i] >= hi)
            return false;
    return true;
}

static void test_reuse_storage(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    victim_init(&v, VICTIM_REUSE);
    assert_int_equal(victim_storage_bytes(NP), NP * 4 + 5 * VICTIM_BUCKETS * 4);
    assert_int_equal(victim_storage_bytes(4096), 4096 * sizeof(struct victim_page) + VICTIM_BUCKETS * 4);
    assert_false(victim_attach(&v, NULL, sizeof reuse_store, NP));
    assert_false(victim_attach(&v, reuse_store, victim_storage_bytes(NP) - 1, NP));
    assert_false(victim_attach(&v, reuse_store, sizeof reuse_store, 0));
    assert_false(victim_attach(&v, (char *)reuse_store + 1, sizeof reuse_store - 1, NP));
    /* without storage REUSE chooses as AGING does */
    assert_int_equal(victim_select(&v, &f->pm, out, 10), 10);
    check_valid(f, out, 10);
    assert_int_equal(victim_bucket(&v, &f->pm, 3), 0);
    /* storage for a smaller VM than the physmap: still AGING */
    assert_true(victim_attach(&v, reuse_store, sizeof reuse_store, NP / 2));
    assert_int_equal(victim_select(&v, &f->pm, out, 10), 10);
    assert_int_equal(victim_bucket(&v, &f->pm, 3), 0);
    assert_string_equal(victim_policy_name(VICTIM_REUSE), "reuse");
}

static void test_reuse_candidates(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    mpn_t m;
    reuse_init(f, &v);
    for (int i = 0; i < 3; i++)
        period(f, &v, 0, 50);
    for (ppn_t p = 0; p < NP; p += 2)
        physmap_release(&f->pm, p, PM_SWAPPED, 1, &m);
    for (ppn_t p = 1; p < 20; p += 2)
        physmap_pin(&f->pm, p);
    uint64_t k = victim_select(&v, &f->pm, out, 30);
    assert_int_equal(k, 30);
    check_valid(f, out, k);
    k = victim_select(&v, &f->pm, out, NP);
    assert_int_equal(k, 40);
    check_valid(f, out, k);
    assert_int_equal(victim_bucket(&v, &f->pm, 0), 0);      /* swapped */
    assert_int_equal(victim_bucket(&v, &f->pm, 1), 0);      /* pinned */
}

/* A buffer filled once goes before everything else, and is no part of the
 * working set; pages in steady use are. */
static void test_reuse_once_pages(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    reuse_init(f, &v);
    period(f, &v, 0, 0);             /* the mapping touch: every page once */
    for (int i = 0; i < 10; i++)
        period(f, &v, 0, 30);        /* 0-29 steady; 30-99 seen once, idle */
    assert_int_equal(v.active_pages, 30);
    assert_int_equal(victim_active_q16(&v, &f->pm), 30 * 65536 / 100);
    assert_int_equal(victim_demand_q16(&v, &f->pm), 30 * 65536 / 100);
    period(f, &v, 0, 30);
    uint64_t k = victim_select(&v, &f->pm, out, 70);
    assert_int_equal(k, 70);
    assert_true(all_in(out, k, 30, NP));
    assert_true(victim_bucket(&v, &f->pm, 50) > victim_bucket(&v, &f->pm, 10));
}

/* A set that went idle before and came back is predicted to come back
 * again: kept over pages that went idle at the same time with no such
 * history, and counted in the working set memsched taxes. */
static void test_reuse_keeps_returning_set(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    reuse_init(f, &v);
    for (int i = 0; i < 4; i++)
        period(f, &v, 0, 80);        /* 0-79 in use */
    for (int i = 0; i < 30; i++)
        period(f, &v, 40, 80);       /* 0-39 idle 30 periods */
    for (int i = 0; i < 4; i++)
        period(f, &v, 0, 80);        /* and back: their gap is ~30 */
    for (int i = 0; i < 20; i++)
        period(f, &v, 80, NP);       /* now all of 0-79 idle for 20 */
    /* 0-39 (predicted back in ~10 periods) are kept; 40-79 go first */
    uint64_t k = victim_select(&v, &f->pm, out, 40);
    assert_int_equal(k, 40);
    assert_true(all_in(out, k, 40, 80));
    assert_int_equal(v.active_pages, 20);
    assert_int_equal(v.due_pages, 40);
    assert_int_equal(victim_demand_q16(&v, &f->pm), 60 * 65536 / 100);
    /* past twice its gap a page no longer counts as coming back */
    for (int i = 0; i < 50; i++)
        period(f, &v, 80, NP);
    assert_int_equal(v.due_pages, 0);
}

/* On pages that went idle one after the other with no return predicted (a
 * loop larger than memory), the page idle the shortest goes first, so the
 * part of the loop that went idle first stays whole. */
static void test_reuse_loop_keeps_oldest(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    reuse_init(f, &v);
    for (ppn_t p = 0; p < NP; p++)
        plat_gpa_test_clear_accessed(f->vm, p);   /* no touch at mapping */
    for (ppn_t w = 0; w + 10 <= NP; w += 10)
        for (int i = 0; i < 3; i++)
            period(f, &v, w, w + 10);    /* a window of 10 pages sweeps the VM */
    for (int i = 0; i < 20; i++)
        period(f, &v, 0, 0);             /* all of it idle */
    uint64_t k = victim_select(&v, &f->pm, out, 50);
    assert_int_equal(k, 50);
    assert_true(all_in(out, k, 50, NP));
    for (ppn_t p = 0; p + 10 < NP; p += 10)
        assert_true(victim_bucket(&v, &f->pm, p) <= victim_bucket(&v, &f->pm, p + 10));
}

/* A page that pauses for a while in the middle of steady use (no touch for
 * a little over 8 periods) is not taken for gone. */
static void test_reuse_pause_is_not_gone(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    reuse_init(f, &v);
    for (int i = 0; i < 12; i++)
        period(f, &v, 0, NP);            /* everything in use */
    for (int i = 0; i < 10; i++)
        period(f, &v, 0, 50);            /* 50-99 pause for 10 */
    for (int i = 0; i < 2; i++)
        period(f, &v, 0, NP);            /* and resume */
    for (int i = 0; i < 12; i++)
        period(f, &v, 0, 0);             /* then all pause for 12 */
    /* 50-99 paused this long before: predicted back; 0-49 never paused and
     * are past the cooling time: taken first */
    uint64_t k = victim_select(&v, &f->pm, out, 50);
    assert_int_equal(k, 50);
    assert_true(all_in(out, k, 0, 50));
}

/* A phase change: set 0-39 comes back at its predicted time (it came back
 * after 30 periods before) while set 40-79, in use until 4 periods ago,
 * retires. Pages of the returning set not touched yet are kept over the
 * retiring set, whose pages still show in the 8-period history. */
static void test_reuse_returning_set_beats_retiring(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    reuse_init(f, &v);
    for (int i = 0; i < 4; i++)
        period(f, &v, 0, 40);        /* set A in use */
    for (int i = 0; i < 30; i++)
        period(f, &v, 40, 80);       /* set B in use, A idle */
    for (int i = 0; i < 4; i++)
        period(f, &v, 0, 40);        /* A back: its gap is ~30 */
    for (int i = 0; i < 26; i++)
        period(f, &v, 40, 80);       /* B again, A idle */
    for (int i = 0; i < 4; i++)
        period(f, &v, 0, 0);         /* B stops; A due back now */
    uint64_t k = victim_select(&v, &f->pm, out, 40);
    assert_int_equal(k, 40);
    assert_true(all_in(out, k, 40, NP));
    assert_true(victim_bucket(&v, &f->pm, 50) > victim_bucket(&v, &f->pm, 10));
}

/* The fixture maps every page touched; start with pages never touched, as
 * a VM's pages are until it first touches them. */
static void untouched(struct fx *f)
{
    for (ppn_t p = 0; p < NP; p++)
        (void)plat_gpa_test_clear_accessed(f->vm, p);
}

/* Pages that come back for a stay (a window drifting over them a second
 * time) and pause inside it are kept over pages whose stay is over, though
 * both came back from the same long idle spell: the pause is measured
 * against the spacing of the last stay, not against the long spell. */
static void test_reuse_pause_inside_stay(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    reuse_init(f, &v);
    untouched(f);
    for (int k = 0; k < 19; k++)         /* stay 1: 0-79 every other period */
        period(f, &v, 0, k % 2 ? 0 : 80);
    for (int k = 0; k < 300; k++)
        period(f, &v, 80, NP);           /* a long idle spell */
    for (int k = 0; k < 27; k++) {
        for (ppn_t p = 0; p < 40; p++)   /* 0-39: back at 14, 16, then pause */
            if (k == 14 || k == 16)
                fake_gpa_touch(f->vm, p);
        for (ppn_t p = 80; p < NP; p++)  /* 80-99 stay in use */
            fake_gpa_touch(f->vm, p);
        period(f, &v, 40, k <= 18 && k % 2 == 0 ? 80 : 40);   /* 40-79: a whole stay */
    }
    /* both idle (9 and 11 periods); 40-79's stay is over, 0-39 is inside its */
    uint64_t k = victim_select(&v, &f->pm, out, 40);
    assert_int_equal(k, 40);
    assert_true(all_in(out, k, 40, 80));
    assert_true(victim_bucket(&v, &f->pm, 50) > victim_bucket(&v, &f->pm, 10));
}

/* Pages used in one period only are a buffer filled once when the VM
 * first touched many pages in that period (a fill); pages it first touched
 * one at a time (a window drifting onto new pages) are not, and go after
 * the buffer. */
static void test_reuse_once_needs_a_fill(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    reuse_init(f, &v);
    untouched(f);
    period(f, &v, 0, 20);                           /* 0-19 steady from here */
    for (int k = 0; k < 40; k++) {
        fake_gpa_touch(f->vm, (ppn_t)(20 + k));   /* 20-59: one new page a period */
        period(f, &v, 0, 20);
    }
    period(f, &v, 60, NP);                          /* 60-99: filled at once */
    for (int k = 0; k < 20; k++)                    /* past the cooling time */
        period(f, &v, 0, 20);
    assert_int_equal(victim_once_pages(&v), 40);
    uint64_t k = victim_select(&v, &f->pm, out, 40);
    assert_int_equal(k, 40);
    assert_true(all_in(out, k, 60, NP));
    assert_true(victim_bucket(&v, &f->pm, 70) > victim_bucket(&v, &f->pm, 50));
}

/* Cohorts. Pages 60-99 are a loop: each is touched in two periods and left,
 * one after the other (they go idle a few at a time). Pages 0-39 are a
 * working set touched every period; at period 40 it moves to 40-59 and the
 * old set is never touched again (a phase change). */
#define HISTORY_PERIODS_T 8

static void phase_until(struct fx *f, struct victim *v, int from, int to)
{
    for (int t = from; t < to; t++) {
        ppn_t lo = t < 40 ? 0 : 40, hi = t < 40 ? 40 : 60;
        for (ppn_t p = lo; p < hi; p++)
            fake_gpa_touch(f->vm, p);
        if (t < 40) {
            fake_gpa_touch(f->vm, (ppn_t)(60 + t));
            if (t > 0)
                fake_gpa_touch(f->vm, (ppn_t)(60 + t - 1));
        }
        victim_age_scan(v, &f->pm);
    }
}

/* A working set that stops all at once is a cohort: here it moves to pages
 * never touched before, so one period after the stop (a move: as many new
 * pages as stopped); its pages go before the loop's idle pages (which the
 * loop bet keeps, the oldest longest) once silent for two periods, though
 * they are still in the 8-period history; once idle they still go first. */
static void test_reuse_cohort_goes_before_loop(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    reuse_init(f, &v);
    untouched(f);
    phase_until(f, &v, 0, 40);
    assert_int_equal(v.cohorts, 0);         /* the loop alone is no cohort */
    phase_until(f, &v, 40, 41);
    assert_int_equal(v.cohorts, 1);         /* a move, seen after one period */
    assert_int_equal(v.moves, 1);
    phase_until(f, &v, 41, 42);
    assert_int_equal(v.cohorts, 1);         /* the stop itself merges with it */
    assert_true(victim_bucket(&v, &f->pm, 5) > victim_bucket(&v, &f->pm, 70));
    uint64_t k = victim_select(&v, &f->pm, out, 30);
    assert_int_equal(k, 30);
    /* the old set, and loop pages last touched in the 8 periods before the
     * stop (taken as part of it); never the new set or the older loop */
    for (uint64_t i = 0; i < k; i++)
        assert_true(out[i] < 40 || out[i] >= 60 + 40 - 2 - HISTORY_PERIODS_T);
    /* idle for good: still before the loop, and the new set stays */
    phase_until(f, &v, 42, 60);
    assert_true(victim_bucket(&v, &f->pm, 5) > victim_bucket(&v, &f->pm, 70));
    k = victim_select(&v, &f->pm, out, 40);
    for (uint64_t i = 0; i < k; i++)
        assert_true(out[i] < 40 || out[i] >= 60 + 40 - 2 - HISTORY_PERIODS_T);
}

/* A set that stops while the VM goes back to pages it touched before is
 * no move: one silent period proves nothing, the cohort comes after two. */
static void test_reuse_stop_without_new_pages(void **state)
{
    struct fx *f = *state;
    struct victim v;
    reuse_init(f, &v);
    untouched(f);
    period(f, &v, 0, 60);                   /* 40-59 seen once, early */
    for (int i = 0; i < 39; i++)
        period(f, &v, 0, 40);
    period(f, &v, 40, 60);                  /* 0-39 stop */
    assert_int_equal(v.cohorts, 0);
    assert_int_equal(v.moves, 0);
    period(f, &v, 40, 60);
    assert_int_equal(v.cohorts, 1);
    assert_int_equal(v.moves, 0);
}

/* A set that pauses while the VM sweeps through far more new pages than
 * the set has (a buffer being filled) is no move; a set that stops while
 * about as many new pages are touched is. */
static void test_reuse_buffer_fill_is_no_move(void **state)
{
    struct fx *f = *state;
    struct victim v;
    reuse_init(f, &v);
    untouched(f);
    for (int i = 0; i < 40; i++)
        period(f, &v, 0, 10);
    period(f, &v, 10, NP);                  /* 90 new pages, 9 times the set */
    assert_int_equal(v.moves, 0);
    assert_int_equal(v.cohorts, 0);
}

static void test_reuse_move_is_seen_at_once(void **state)
{
    struct fx *f = *state;
    struct victim v;
    reuse_init(f, &v);
    untouched(f);
    for (int i = 0; i < 40; i++)
        period(f, &v, 0, 10);
    period(f, &v, 10, 25);                  /* 15 new pages replace 0-9 */
    assert_int_equal(v.moves, 1);
    assert_int_equal(v.cohorts, 1);
}

/* 0-39 touched every period (hot) for 40 periods, and a loop over 80-99
 * in the first 10 (each page in two periods, then idle). Then, 0.6 of a
 * period after the last scan, the VM has first-touched 40 .. new_hi - 1;
 * when `keep_hot`, it has also gone on touching 0-39. */
static void quick_setup(struct fx *f, struct victim *v, bool keep_hot, ppn_t new_hi)
{
    reuse_init(f, v);
    untouched(f);
    for (int k = 0; k < 40; k++) {
        fake_plat_set_time_ns((uint64_t)k * 1000);
        for (int j = k - 1; j <= k; j++)         /* the loop, two pages a period */
            if (j >= 0 && j < 10) {
                fake_gpa_touch(f->vm, (ppn_t)(80 + 2 * j));
                fake_gpa_touch(f->vm, (ppn_t)(81 + 2 * j));
            }
        period(f, v, 0, 40);
    }
    fake_plat_set_time_ns(39 * 1000 + 600);     /* 0.6 of a period after the last scan */
    for (ppn_t p = 40; p < new_hi; p++)
        fake_gpa_touch(f->vm, p);
    if (keep_hot)
        for (ppn_t p = 0; p < 40; p++)
            fake_gpa_touch(f->vm, p);
}

/* A move seen at a selection before the period ends: the VM first-touches
 * new pages at its usual pace while its hot pages have all gone silent
 * since the scan (steady use would have left about a fifth untouched this
 * far in). The silent hot pages go before the loop's idle pages. */
static void test_reuse_quick_move(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    quick_setup(f, &v, false, 60);
    uint64_t k = victim_select(&v, &f->pm, out, 20);
    assert_int_equal(v.quick_moves, 1);
    assert_int_equal(k, 20);
    assert_true(all_in(out, k, 0, 40));
}

/* The same new pages while the hot pages stay in use (the VM grows): no
 * move; the loop's idle pages go first. */
static void test_reuse_growth_is_no_quick_move(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    quick_setup(f, &v, true, 60);
    uint64_t k = victim_select(&v, &f->pm, out, 20);
    assert_int_equal(v.quick_moves, 0);
    assert_int_equal(k, 20);
    assert_true(all_in(out, k, 80, NP));
}

/* New pages first touched far faster than the VM touches pages in a
 * period (a buffer being filled) while the hot pages wait: no move; the
 * hot pages are kept. */
static void test_reuse_fill_is_no_quick_move(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    quick_setup(f, &v, false, 80);
    uint64_t k = victim_select(&v, &f->pm, out, 20);
    assert_int_equal(v.quick_moves, 0);
    assert_int_equal(k, 20);
    for (uint64_t i = 0; i < k; i++)
        assert_true(out[i] >= 40);
}

/* A working set in use for 60 periods (0-39) moves to new pages (40-59)
 * while a window passes over 60-99 (each page in use for 4 periods, two
 * new pages a period). Window pages whose last touch falls in the move's
 * cohort periods were in use for a few periods only: they are not part of
 * the set that stopped, and once idle they do not rank with it. */
static void test_reuse_cohort_needs_tenure(void **state)
{
    struct fx *f = *state;
    struct victim v;
    reuse_init(f, &v);
    untouched(f);
    for (int k = 0; k < 75; k++) {
        for (int j = 0; j < 20; j++)
            if (k >= 40 + j && k < 44 + j) {
                fake_gpa_touch(f->vm, (ppn_t)(60 + 2 * j));
                fake_gpa_touch(f->vm, (ppn_t)(61 + 2 * j));
            }
        period(f, &v, k < 60 ? 0 : 40, k < 60 ? 40 : 60);
    }
    assert_true(v.cohorts >= 1);
    /* 0-39: last touched at 59, idle since; 86-87: last touched at 56 */
    assert_true(victim_bucket(&v, &f->pm, 10) > victim_bucket(&v, &f->pm, 86));
    assert_true(victim_bucket(&v, &f->pm, 10) > victim_bucket(&v, &f->pm, 87));
}

/* A page of a working set in use for a long time (touched every third
 * period for 57 periods) that pauses for 20 is kept over a page that was in
 * use for 3 periods and has been idle as long, though the VM's horizon
 * (pages back after 250 periods) would predict both back that far off. */
static void test_reuse_pause_in_long_stay(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    reuse_init(f, &v);
    untouched(f);
    for (int k = 0; k < 318; k++) {
        if (k < 3 || k == 253)
            for (ppn_t p = 80; p < NP; p++)
                fake_gpa_touch(f->vm, p);          /* 80-99 back after 250: the horizon */
        for (ppn_t p = 0; p < 40; p++)             /* 0-39: every third period, 240-297 */
            if (k >= 240 && k <= 297 && k % 3 == 0)
                fake_gpa_touch(f->vm, p);
        for (ppn_t p = 40; p < 80; p++)            /* 40-79: 295-297 only */
            if (k >= 295 && k <= 297)
                fake_gpa_touch(f->vm, p);
        period(f, &v, 0, 0);
    }
    assert_true(v.horizon >= 250);
    uint64_t k = victim_select(&v, &f->pm, out, 40);
    assert_int_equal(k, 40);
    assert_true(all_in(out, k, 40, 80));
    assert_true(victim_bucket(&v, &f->pm, 50) > victim_bucket(&v, &f->pm, 10));
}

/* A working set whose cold pages are touched every 12 periods (42-53, each
 * at its own phase) and whose hot pages every period (0-29) moves to new
 * pages (60-79): the cold pages made their last touch up to 11 periods
 * before the move, and are part of the set that stopped all the same. */
static void test_reuse_cohort_reaches_back(void **state)
{
    struct fx *f = *state;
    struct victim v;
    reuse_init(f, &v);
    untouched(f);
    for (int k = 0; k < 80; k++) {
        if (k < 60)
            for (int j = 0; j < 12; j++)
                if ((k + j) % 12 == 0)
                    fake_gpa_touch(f->vm, (ppn_t)(42 + j));
        period(f, &v, k < 60 ? 0 : 60, k < 60 ? 30 : 80);
    }
    assert_true(v.cohorts >= 1);
    unsigned hot = victim_bucket(&v, &f->pm, 0);
    for (ppn_t p = 42; p < 54; p++)
        assert_int_equal(victim_bucket(&v, &f->pm, p), hot);
}

/* Steady pages that stop a few at a time (a working set drifting page by
 * page) never make a cohort. */
static void test_reuse_trickle_is_no_cohort(void **state)
{
    struct fx *f = *state;
    struct victim v;
    reuse_init(f, &v);
    for (int t = 0; t < 200; t++) {
        /* a window of 10 pages, moving one page every period */
        for (int i = 0; i < 10; i++)
            fake_gpa_touch(f->vm, (ppn_t)((t + i) % NP));
        victim_age_scan(&v, &f->pm);
    }
    assert_int_equal(v.cohorts, 0);
}

/* A set that came back together once (a job run from time to time) keeps
 * its predicted return when it stops again with others. */
static void test_reuse_cohort_that_came_back(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    reuse_init(f, &v);
    for (int i = 0; i < 40; i++)
        period(f, &v, 0, 80);           /* 0-79 in use, past the warm-up */
    for (int i = 0; i < 20; i++)
        period(f, &v, 40, 80);          /* 0-39 stop together: a cohort */
    assert_true(v.cohorts >= 1);
    for (int i = 0; i < 4; i++)
        period(f, &v, 0, 80);           /* and come back together */
    assert_true(v.pg[5].flags & VICTIM_PG_COHORT_BACK);
    assert_false(v.pg[50].flags & VICTIM_PG_COHORT_BACK);
    for (int i = 0; i < 12; i++)
        period(f, &v, 80, NP);          /* all of 0-79 stop */
    /* 0-39 are predicted back; 40-79, a set that never came back, go first */
    uint64_t k = victim_select(&v, &f->pm, out, 40);
    assert_int_equal(k, 40);
    assert_true(all_in(out, k, 40, 80));
}

/* A touch a selection sees between two scans is history of the period it
 * happened in: the next scan puts it in the newest bit. */
static void test_reuse_selection_touch_is_this_period(void **state)
{
    struct fx *f = *state;
    struct victim v;
    ppn_t out[NP];
    reuse_init(f, &v);
    for (int i = 0; i < 3; i++)
        period(f, &v, 0, NP);
    period(f, &v, 0, 0);
    fake_gpa_touch(f->vm, 7);
    victim_select(&v, &f->pm, out, 1);  /* reads and clears 7's bit */
    assert_int_not_equal(out[0], 7);
    victim_age_scan(&v, &f->pm);
    assert_int_equal(physmap_age(&f->pm, 7), 0x80 | 0x38);
    assert_int_equal(physmap_age(&f->pm, 8), 0x38);
}

/* A window of 10 pages drifting one page every 2 periods over pages 0-84
 * for `periods` periods: each page stays 19 periods. */
static void drift_window(struct fx *f, struct victim *v, int periods)
{
    untouched(f);
    for (int k = 0; k < periods; k++) {
        for (int i = 0; i < 10; i++)
            if (k / 2 + i < 85)
                fake_gpa_touch(f->vm, (ppn_t)(k / 2 + i));
        victim_age_scan(v, &f->pm);
    }
}

/* Behind a drifting window, once enough stays have ended to know how long
 * they last, a page whose stay had that length and which has been idle
 * past it has left: it goes (the shortest idle first, as any page with no
 * prediction) before the pages that left long ago, which come round first
 * on a loop. Cooling and the pause rule alone would keep it. */
static void test_reuse_stay_over(void **state)
{
    struct fx *f = *state;
    struct victim v;
    reuse_init(f, &v);
    drift_window(f, &v, 150);
    assert_true(v.stays_ended >= 16);
    assert_true(v.stay_avg_q4 / 16 >= 15 && v.stay_avg_q4 / 16 <= 19);
    /* 68: last touched at period 137, idle 13 (cooling), stay 19; 30: idle 89 */
    assert_true(victim_bucket(&v, &f->pm, 68) > victim_bucket(&v, &f->pm, 30));
    /* 74 (idle 1) is in the history still, recently touched */
    assert_true(victim_bucket(&v, &f->pm, 74) < victim_bucket(&v, &f->pm, 30));
}

/* A set that arrives together (first touched in a fill) and stays the
 * usual length is no window passing: it keeps its pause predictions. */
static void test_reuse_stay_after_fill_is_kept(void **state)
{
    struct fx *f = *state;
    struct victim v;
    reuse_init(f, &v);
    drift_window(f, &v, 150);
    for (int k = 0; k < 30; k++) {
        /* 86-99 arrive together and stay; 90 pauses after 20 periods */
        for (ppn_t p = 86; p < 100; p++)
            if (p != 90 || k < 20)
                fake_gpa_touch(f->vm, p);
        victim_age_scan(&v, &f->pm);
    }
    /* 90: stay 19, idle 10 (cooling); 30: left the window long ago */
    assert_true(victim_bucket(&v, &f->pm, 90) < victim_bucket(&v, &f->pm, 30));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_random_candidates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_candidates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aging_candidates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aging_takes_cold_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aging_prefers_least_recent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_second_chance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aging_scan_reads_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aging_is_scan_resistant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aging_ties_are_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accessed_bit_working_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_storage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_candidates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_once_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_keeps_returning_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_loop_keeps_oldest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_pause_is_not_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_pause_inside_stay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_once_needs_a_fill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_returning_set_beats_retiring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_cohort_goes_before_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_trickle_is_no_cohort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_stop_without_new_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_buffer_fill_is_no_move, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_move_is_seen_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_quick_move, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_growth_is_no_quick_move, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_fill_is_no_quick_move, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_cohort_needs_tenure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_cohort_reaches_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_pause_in_long_stay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_cohort_that_came_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_selection_touch_is_this_period, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_stay_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_stay_after_fill_is_kept, setup, teardown),
    };
    return cmocka_run_group_tests_name("victim", tests, NULL, NULL);
}
