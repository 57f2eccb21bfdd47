/* kernel/memsched.c: MinFreePct, states and hysteresis, targets, release
 * requests, the swap-target cap and low-state blocking. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "kernel/memsched.h"

#define GIB_PAGES 262144ULL

static uint64_t free_now;
static uint64_t read_free(void *ctx) { (void)ctx; return free_now; }

/* A 10000-page machine with MinFree = 10% = 1000 pages. */
static void init_small(struct memsched *ms)
{
    struct memsched_config cfg;
    memsched_default_config(&cfg);
    cfg.minfree_pct = 10;
    memsched_init(ms, &cfg, 10000, read_free, NULL);
}

static struct memsched_vm vm_make(uint64_t memsize, uint64_t consumed, uint32_t active_pct)
{
    struct memsched_vm v = {0};
    v.memsize = memsize;
    v.consumed = consumed;
    v.active_q16 = active_pct * Q16_ONE / 100;
    v.shares = 1000;
    v.vcpus = 1;
    return v;
}

static void test_sliding_scale(void **state)
{
    (void)state;
    assert_int_equal(memsched_minfree_sliding(0), 0);
    assert_int_equal(memsched_minfree_sliding(1 * GIB_PAGES), 15728);    /* 6% */
    assert_int_equal(memsched_minfree_sliding(4 * GIB_PAGES), 62914);    /* 6% of 4 */
    assert_int_equal(memsched_minfree_sliding(12 * GIB_PAGES), 146800);  /* + 4% of 8 */
    assert_int_equal(memsched_minfree_sliding(28 * GIB_PAGES), 230686);  /* + 2% of 16 */
    assert_int_equal(memsched_minfree_sliding(64 * GIB_PAGES), 325058);  /* + 1% of 36 */
    /* a big machine keeps little more than 1% */
    uint64_t tib = 1024 * GIB_PAGES, mf = memsched_minfree_sliding(tib);
    assert_int_equal(mf, 2841640);
    assert_true(mf * 100 / tib < 2);

    struct memsched ms;
    memsched_init(&ms, NULL, 4 * GIB_PAGES, read_free, NULL);
    assert_int_equal(ms.minfree_pages, 62914);
    init_small(&ms);
    assert_int_equal(ms.minfree_pages, 1000);
}

static void test_state_thresholds(void **state)
{
    (void)state;
    struct memsched ms;
    init_small(&ms);
    assert_int_equal(memsched_state_floor(&ms, MEM_HIGH), 640);
    assert_int_equal(memsched_state_floor(&ms, MEM_SOFT), 320);
    assert_int_equal(memsched_state_floor(&ms, MEM_HARD), 160);
    assert_int_equal(memsched_state_for(&ms, MEM_HIGH, 5000), MEM_HIGH);
    assert_int_equal(memsched_state_for(&ms, MEM_HIGH, 640), MEM_HIGH);
    assert_int_equal(memsched_state_for(&ms, MEM_HIGH, 639), MEM_SOFT);
    assert_int_equal(memsched_state_for(&ms, MEM_HIGH, 319), MEM_HARD);
    assert_int_equal(memsched_state_for(&ms, MEM_HIGH, 159), MEM_LOW);
    assert_int_equal(memsched_state_for(&ms, MEM_SOFT, 0), MEM_LOW);
    assert_string_equal(mem_state_name(MEM_HARD), "hard");
}

static void test_hysteresis(void **state)
{
    (void)state;
    struct memsched ms;
    init_small(&ms);           /* margin 8% of 1000 = 80 pages */
    assert_int_equal(memsched_state_for(&ms, MEM_LOW, 200), MEM_LOW);
    assert_int_equal(memsched_state_for(&ms, MEM_LOW, 239), MEM_LOW);
    assert_int_equal(memsched_state_for(&ms, MEM_LOW, 240), MEM_HARD);
    assert_int_equal(memsched_state_for(&ms, MEM_LOW, 400), MEM_SOFT);
    assert_int_equal(memsched_state_for(&ms, MEM_LOW, 720), MEM_HIGH);
    assert_int_equal(memsched_state_for(&ms, MEM_SOFT, 719), MEM_SOFT);
    assert_int_equal(memsched_state_for(&ms, MEM_SOFT, 720), MEM_HIGH);

    /* free memory wobbling around the high/soft floor changes state once */
    enum mem_state s = MEM_HIGH;
    int changes = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t free = (i & 1) ? 650 : 630;
        enum mem_state n = memsched_state_for(&ms, s, free);
        changes += n != s;
        s = n;
    }
    assert_int_equal(changes, 1);
    assert_int_equal(s, MEM_SOFT);
}

static void test_poll_balances_on_change_and_period(void **state)
{
    (void)state;
    struct memsched ms;
    struct memsched_vm a = vm_make(4000, 1000, 100);
    init_small(&ms);
    memsched_add_vm(&ms, &a);
    free_now = 5000;
    assert_true(memsched_poll(&ms, 0));                 /* first cycle */
    assert_false(memsched_poll(&ms, 1000));
    free_now = 300;                                     /* -> hard: at once */
    assert_true(memsched_poll(&ms, 2000));
    assert_int_equal(ms.state, MEM_HARD);
    assert_false(memsched_poll(&ms, 3000));
    assert_true(memsched_poll(&ms, 2000 + ms.cfg.balance_period_ns));
    assert_int_equal(ms.balances, 3);
    /* each state entered is counted (the shell's `memsched` shows them) */
    assert_int_equal(ms.entered[MEM_HARD], 1);
    assert_int_equal(ms.entered[MEM_SOFT] + ms.entered[MEM_LOW], 0);
    free_now = 0;
    memsched_poll(&ms, 4 * ms.cfg.balance_period_ns);
    assert_int_equal(ms.entered[MEM_LOW], 1);
}

static void test_targets_when_memory_suffices(void **state)
{
    (void)state;
    struct memsched ms;
    struct memsched_vm a = vm_make(4000, 1000, 25), b = vm_make(4000, 2000, 10);
    init_small(&ms);
    memsched_add_vm(&ms, &a);
    memsched_add_vm(&ms, &b);
    memsched_balance(&ms, 0);
    /* nobody short of memory: each keeps what it holds plus headroom
     * (25%, at least 256 pages) */
    assert_int_equal(a.target, 1256);
    assert_int_equal(b.target, 2500);
    assert_int_equal(a.swap_target + a.balloon_target + b.swap_target + b.balloon_target, 0);
}

static void balance_full(struct memsched *ms, struct memsched_vm *a, struct memsched_vm *b)
{
    memsched_balance(ms, 0);
    /* overcommitted: the targets leave exactly MinFree free */
    assert_int_equal(a->target + b->target, ms->total_pages - ms->minfree_pages);
}

static void test_idle_pages_go_first(void **state)
{
    (void)state;
    struct memsched ms;
    init_small(&ms);                                    /* 9000 pages for VMs */
    struct memsched_vm busy = vm_make(9000, 8000, 100), idle = vm_make(9000, 8000, 0);
    memsched_add_vm(&ms, &busy);
    memsched_add_vm(&ms, &idle);
    balance_full(&ms, &busy, &idle);
    /* the idle VM's demand is its headroom alone */
    assert_int_equal(idle.target, 256);
    assert_int_equal(busy.target, 8744);

    /* 2800 of 4000 pages active against 80: the idle one keeps its active
     * pages plus headroom, the busy one all it needs */
    ms.total_pages = 4000; ms.minfree_pages = 240;
    busy.memsize = idle.memsize = 4000;
    busy.consumed = 2800; idle.consumed = 4000;
    busy.active_q16 = 2800 * Q16_ONE / 4000;
    idle.active_q16 = 80 * Q16_ONE / 4000;
    balance_full(&ms, &busy, &idle);
    assert_in_range(idle.target, 335, 337);             /* 80 + 256 */
    assert_true(busy.target > 3400);
}

/* The host's own pages (its kernel, per-VM overheads, compression caches)
 * are neither free nor a VM's: targets leave them out, so reclaim begins
 * once free memory falls below MinFree, not that many pages further down
 * (in the image's bochs_linux_initramfs run the host held about 2,900
 * pages against a MinFree of 3,874). Here the host holds 500 pages, an
 * idle VM with a balloon 3500, a busy one 5100. */
static void test_host_pages_are_not_for_vms(void **state)
{
    (void)state;
    struct memsched ms;
    init_small(&ms);                                    /* MinFree 1000 */
    struct memsched_vm idle = vm_make(4000, 3500, 10), busy = vm_make(6000, 5100, 100);
    idle.has_balloon = true;
    memsched_add_vm(&ms, &idle);
    memsched_add_vm(&ms, &busy);
    free_now = 10000 - 500 - 3500 - 5100;               /* 900: below MinFree */
    memsched_poll(&ms, 0);
    assert_int_equal(ms.host_pages, 500);
    assert_int_equal(ms.state, MEM_HIGH);               /* 90% of MinFree */
    /* the targets add up to what leaves MinFree free beside the host's */
    assert_int_equal(idle.target + busy.target, 10000 - 1000 - 500);
    /* and the idle VM's balloon is asked for the difference */
    assert_true(idle.balloon_target >= 100);
    assert_int_equal(idle.balloon_target, idle.consumed - idle.target);
    assert_int_equal(busy.balloon_target + busy.swap_target, 0);

    /* The balloon took them: free is back at MinFree or above, and
     * nothing more is asked for (the host's pages stay the host's). */
    idle.consumed = idle.target;
    free_now = 10000 - 500 - idle.consumed - busy.consumed;
    memsched_poll(&ms, 15000000000ULL);
    assert_int_equal(ms.host_pages, 500);
    assert_true(free_now >= 1000);
    assert_int_equal(idle.balloon_target + idle.swap_target, 0);
}

/* Pages a VM used once and dropped (once_pages) are no reason for it to keep
 * memory past its demand: with the same active pages, the VM whose idle
 * pages are single-use gets less of what is left than the one whose idle
 * pages have been used again; with no contention nothing changes. */
static void test_once_pages_not_kept(void **state)
{
    (void)state;
    struct memsched ms;
    init_small(&ms);                                    /* 9000 pages for VMs */
    struct memsched_vm a = vm_make(9000, 5000, 10), b = vm_make(9000, 5000, 10);
    memsched_add_vm(&ms, &a);
    memsched_add_vm(&ms, &b);
    balance_full(&ms, &a, &b);
    assert_int_equal(a.target, 4500);                   /* alike: an even split */
    b.once_pages = 4000;                                /* b filled a buffer once */
    memsched_balance(&ms, 0);
    /* b keeps at most its 1000 other pages plus headroom (256 < 25%); a all
     * it holds plus headroom */
    assert_int_equal(b.target, 1256);
    assert_int_equal(a.target, 6250);
    b.once_pages = 9999;                                /* more than consumed: clamped */
    memsched_balance(&ms, 0);
    assert_true(b.target >= memsched_active_pages(&b));
    /* while free memory is above MinFree nothing is taken for it */
    b.once_pages = 4000;
    ms.state = MEM_HIGH;
    ms.last_free = 2000;
    memsched_balance(&ms, 0);
    assert_true(b.target < b.consumed);
    assert_int_equal(b.balloon_target + b.swap_target, 0);
    b.has_balloon = true;
    ms.last_free = 900;                                 /* below MinFree: balloon */
    memsched_balance(&ms, 0);
    assert_int_equal(b.balloon_target, b.consumed - b.target);
}

static void test_idle_tax(void **state)
{
    (void)state;
    struct memsched ms;
    init_small(&ms);
    ms.cfg.grow_pct = 400;                              /* demands reach memsize */
    struct memsched_vm busy = vm_make(9000, 8000, 100), some = vm_make(9000, 8000, 20);
    memsched_add_vm(&ms, &busy);
    memsched_add_vm(&ms, &some);
    assert_in_range(memsched_active_pages(&some), 1799, 1800);   /* Q16 rounding */
    /* equal prices: busy = SL; some = 1800 + (SL - 1800) / k */
    balance_full(&ms, &busy, &some);                    /* tax 75%: k = 4 */
    assert_in_range(busy.target, 6118, 6122);           /* SL = 6120 */
    ms.cfg.idle_tax_pct = 50;                           /* k = 2: SL = 5400 */
    balance_full(&ms, &busy, &some);
    assert_in_range(busy.target, 5398, 5402);
    ms.cfg.idle_tax_pct = 0;                            /* no tax: by shares only */
    balance_full(&ms, &busy, &some);
    assert_int_equal(busy.target, 4500);
    assert_int_equal(some.target, 4500);
}

static void test_shares(void **state)
{
    (void)state;
    struct memsched ms;
    init_small(&ms);
    struct memsched_vm a = vm_make(9000, 8000, 100), b = vm_make(9000, 8000, 100);
    a.shares = 2000;
    memsched_add_vm(&ms, &a);
    memsched_add_vm(&ms, &b);
    balance_full(&ms, &a, &b);
    assert_int_equal(a.target, 6000);
    assert_int_equal(b.target, 3000);
    /* default ("normal") shares scale with memsize */
    a.shares = b.shares = 0;
    a.memsize = 9000; b.memsize = 4500; b.consumed = 4400;
    balance_full(&ms, &a, &b);
    assert_in_range(a.target, 5990, 6010);  /* shares round per MiB */
}

static void test_reservation_and_limit(void **state)
{
    (void)state;
    struct memsched ms;
    init_small(&ms);
    struct memsched_vm busy = vm_make(9000, 8000, 100), idle = vm_make(9000, 8000, 0);
    idle.min = 3000;                                    /* reservation beats the tax */
    memsched_add_vm(&ms, &busy);
    memsched_add_vm(&ms, &idle);
    balance_full(&ms, &busy, &idle);
    assert_int_equal(idle.target, 3000);
    assert_int_equal(busy.target, 6000);

    idle.min = 0;
    busy.max = 5000;                                    /* limit caps; rest goes to idle */
    balance_full(&ms, &busy, &idle);
    assert_int_equal(busy.target, 5000);
    assert_int_equal(idle.target, 4000);

    /* a target never exceeds the limit even with memory to spare */
    busy.consumed = 100; idle.consumed = 100;
    memsched_balance(&ms, 0);
    assert_true(busy.target <= 5000);
    /* reservations alone overcommit: each gets its reservation */
    busy.max = 0; busy.min = 6000; idle.min = 6000;
    busy.consumed = idle.consumed = 8000;
    memsched_balance(&ms, 0);
    assert_int_equal(busy.target, 6000);
    assert_int_equal(idle.target, 6000);
}

static void test_release_by_state_and_swap_cap(void **state)
{
    (void)state;
    struct memsched ms;
    init_small(&ms);
    struct memsched_vm v = vm_make(9000, 9000, 100);
    v.min = 8000; v.max = 8000;                         /* target 8000, owes 1000 */
    v.vcpus = 2;
    memsched_add_vm(&ms, &v);
    assert_int_equal(memsched_swap_cap(&ms, &v), 2 * 2 * 48);   /* MemSchedMaxVmmSwapTarget */

    ms.state = MEM_HIGH;
    ms.last_free = 5000;                                /* above MinFree */
    memsched_balance(&ms, 0);
    assert_int_equal(v.target, 8000);
    /* above its limit even with memory free: swapped without a balloon */
    assert_int_equal(v.swap_target, 192);
    assert_true(memsched_over_limit(&v));
    v.max = 0;                                          /* no limit: nothing */
    assert_false(memsched_over_limit(&v));
    memsched_balance(&ms, 0);
    assert_int_equal(v.swap_target + v.balloon_target, 0);
    v.max = 8000;
    ms.last_free = 0;                                   /* below MinFree */
    memsched_balance(&ms, 0);
    assert_int_equal(v.swap_target, 192);               /* the limit, still */
    v.max = 0;
    memsched_balance(&ms, 0);
    assert_int_equal(v.swap_target + v.balloon_target, 0);  /* no balloon driver */
    v.max = 8000;
    v.has_balloon = true;
    memsched_balance(&ms, 0);
    assert_int_equal(v.balloon_target, 1000);
    assert_int_equal(v.swap_target, 0);
    v.balloon_stalled = true;                           /* the limit binds anyway */
    memsched_balance(&ms, 0);
    assert_int_equal(v.balloon_target, 0);
    assert_int_equal(v.swap_target, 192);
    v.balloon_stalled = false;

    ms.state = MEM_SOFT;                                /* balloon first */
    memsched_balance(&ms, 0);
    assert_int_equal(v.balloon_target, 1000);
    assert_int_equal(v.swap_target, 0);
    v.balloon_stalled = true;                           /* ... fall back to swap */
    memsched_balance(&ms, 0);
    assert_int_equal(v.swap_target, 192);
    v.balloon_stalled = false;
    v.has_balloon = false;
    memsched_balance(&ms, 0);
    assert_int_equal(v.swap_target, 192);

    ms.state = MEM_HARD;                                /* swap, capped */
    v.has_balloon = true;
    memsched_balance(&ms, 0);
    assert_int_equal(v.balloon_target, 0);
    assert_int_equal(v.swap_target, 192);

    ms.state = MEM_LOW;                                 /* reissued as it allocates */
    v.consumed = 8050;
    memsched_reissue(&ms, &v);
    assert_int_equal(v.swap_target, 50);
    v.consumed = 8000;
    memsched_reissue(&ms, &v);
    assert_int_equal(v.swap_target, 0);
}

/* A request is recomputed from what the VM holds now: once it is down to
 * its target it is asked for nothing more until the next balance cycle,
 * in soft as in hard (the image used to post soft's balance-time request
 * again at every tick, and a VM went on giving pages past its target). */
static void test_request_stops_at_the_target(void **state)
{
    (void)state;
    struct memsched ms;
    init_small(&ms);
    struct memsched_vm v = vm_make(9000, 8500, 100);   /* no limit */
    assert_true(memsched_add_vm(&ms, &v));
    ms.state = MEM_SOFT;
    ms.last_free = 0;
    v.target = 8000;                                        /* as a balance left it */
    assert_int_equal(memsched_release_now(&ms, &v), 96);   /* one swap cap */
    v.consumed = 8010;                                      /* nearly there */
    assert_int_equal(memsched_release_now(&ms, &v), 96);   /* still a whole batch */
    v.consumed = 8000;
    assert_int_equal(memsched_release_now(&ms, &v), 0);
    assert_int_equal(v.swap_target, 0);

    v.has_balloon = true;                                   /* balloon alike */
    v.consumed = 8600;
    assert_int_equal(memsched_release_now(&ms, &v), 0);     /* no swap: balloon first */
    assert_int_equal(v.balloon_target, 600);
    v.consumed = 8100;                                      /* it took 500 */
    memsched_release_now(&ms, &v);
    assert_int_equal(v.balloon_target, 100);
    v.consumed = 8000;
    memsched_release_now(&ms, &v);
    assert_int_equal(v.balloon_target, 0);
}

static void test_low_state_blocking(void **state)
{
    (void)state;
    struct memsched ms;
    init_small(&ms);
    struct memsched_vm v = vm_make(9000, 5001, 100);
    v.target = 5000;
    ms.state = MEM_HARD;
    assert_false(memsched_should_block(&ms, &v));       /* only in low */
    ms.state = MEM_LOW;
    assert_true(memsched_should_block(&ms, &v));        /* above target */
    v.consumed = 5000;
    assert_false(memsched_should_block(&ms, &v));       /* at target */
    v.consumed = 10;
    assert_false(memsched_should_block(&ms, &v));       /* under */
    v.consumed = 9000;
    v.prealloc = true;
    assert_false(memsched_should_block(&ms, &v));       /* never preallocated */
}

static void test_vm_registry(void **state)
{
    (void)state;
    struct memsched ms;
    struct memsched_vm v[MEMSCHED_MAX_VMS + 1];
    init_small(&ms);
    for (int i = 0; i < MEMSCHED_MAX_VMS; i++)
        assert_true(memsched_add_vm(&ms, &v[i]));
    assert_false(memsched_add_vm(&ms, &v[MEMSCHED_MAX_VMS]));
    assert_true(memsched_remove_vm(&ms, &v[3]));
    assert_false(memsched_remove_vm(&ms, &v[3]));
    assert_false(memsched_add_vm(&ms, &v[4]));          /* already there */
    assert_true(memsched_add_vm(&ms, &v[3]));
}

static void test_parse_shares(void **state)
{
    (void)state;
    uint64_t s;
    assert_true(memsched_parse_shares("normal", 256 * 1024, &s));  /* 1 GiB */
    assert_int_equal(s, 10240);
    assert_true(memsched_parse_shares("LOW", 256 * 1024, &s));
    assert_int_equal(s, 5120);
    assert_true(memsched_parse_shares("high", 256 * 1024, &s));
    assert_int_equal(s, 20480);
    assert_true(memsched_parse_shares("1234", 1, &s));
    assert_int_equal(s, 1234);
    assert_false(memsched_parse_shares("0", 1, &s));
    assert_false(memsched_parse_shares("lots", 1, &s));
    assert_false(memsched_parse_shares(NULL, 1, &s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sliding_scale),
        cmocka_unit_test(test_state_thresholds),
        cmocka_unit_test(test_hysteresis),
        cmocka_unit_test(test_poll_balances_on_change_and_period),
        cmocka_unit_test(test_targets_when_memory_suffices),
        cmocka_unit_test(test_idle_pages_go_first),
        cmocka_unit_test(test_idle_tax),
        cmocka_unit_test(test_once_pages_not_kept),
        cmocka_unit_test(test_shares),
        cmocka_unit_test(test_host_pages_are_not_for_vms),
        cmocka_unit_test(test_reservation_and_limit),
        cmocka_unit_test(test_release_by_state_and_swap_cap),
        cmocka_unit_test(test_request_stops_at_the_target),
        cmocka_unit_test(test_low_state_blocking),
        cmocka_unit_test(test_vm_registry),
        cmocka_unit_test(test_parse_shares),
    };
    return cmocka_run_group_tests_name("memsched", tests, NULL, NULL);
}
