#include <stdio.h>
/* vmm/vmmem.c: deny/allow nesting by vCPU and on all vCPUs, releases only at
 * poll points with no deny held, check counts restarting when a request
 * drains, and the per-vCPU allocation bound (a VMTrack event, logged once). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vmm/vmmem.h"

static struct vmmem m;
static int logs;
static uint32_t log_vcpu;
static uint64_t log_allocated;

static void track_log(void *ctx, uint32_t vcpu, uint64_t allocated, uint32_t bound)
{
    assert_ptr_equal(ctx, &m);
    assert_int_equal(bound, m.bound);
    logs++;
    log_vcpu = vcpu;
    log_allocated = allocated;
}

static int setup(void **state)
{
    (void)state;
    logs = 0;
    vmmem_init(&m, 4, 0, track_log, &m);
    return 0;
}

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(m.bound, VMMEM_DEFAULT_BOUND);
    assert_int_equal(m.bound, 48);
    assert_int_equal(m.nvcpus, 4);
    for (uint32_t v = 0; v < 4; v++)
        assert_false(vmmem_releases_denied(&m, v));
    struct vmmem big;
    vmmem_init(&big, 1000, 7, NULL, NULL);
    assert_int_equal(big.nvcpus, VMMEM_MAX_VCPUS);
    assert_int_equal(big.bound, 7);
}

/* Denies nest per vCPU and leave the other vCPUs alone. */
static void test_deny_by_vcpu_nests(void **state)
{
    (void)state;
    vmmem_deny_releases(&m, 1);
    vmmem_deny_releases(&m, 1);
    assert_true(vmmem_releases_denied(&m, 1));
    assert_false(vmmem_releases_denied(&m, 0));
    vmmem_allow_releases(&m, 1);
    assert_true(vmmem_releases_denied(&m, 1));
    vmmem_allow_releases(&m, 1);
    assert_false(vmmem_releases_denied(&m, 1));
    assert_int_equal(m.misuse, 0);
}

/* A deny on all vCPUs holds every one, and nests with per-vCPU denies. */
static void test_deny_on_all_vcpus(void **state)
{
    (void)state;
    vmmem_deny_releases_all(&m);
    vmmem_deny_releases(&m, 2);
    for (uint32_t v = 0; v < 4; v++)
        assert_true(vmmem_releases_denied(&m, v));
    vmmem_allow_releases_all(&m);
    assert_false(vmmem_releases_denied(&m, 0));
    assert_true(vmmem_releases_denied(&m, 2));
    vmmem_allow_releases(&m, 2);
    assert_false(vmmem_releases_denied(&m, 2));
}

/* A release is handed out only at a poll point with no deny held, and only
 * once when several vCPUs poll. */
static void test_release_only_at_allowed_poll_point(void **state)
{
    (void)state;
    assert_int_equal(vmmem_check_for_release_requests(&m, 0), 0);   /* nothing asked */
    vmmem_request_release(&m, 100);
    vmmem_deny_releases(&m, 0);
    assert_int_equal(vmmem_check_for_release_requests(&m, 0), 0);
    vmmem_deny_releases_all(&m);
    assert_int_equal(vmmem_check_for_release_requests(&m, 1), 0);
    vmmem_allow_releases_all(&m);
    assert_int_equal(vmmem_check_for_release_requests(&m, 0), 0);   /* its own deny */
    assert_int_equal(vmmem_check_for_release_requests(&m, 1), 100);
    assert_int_equal(vmmem_check_for_release_requests(&m, 2), 0);   /* taken on by 1 */
    vmmem_release_done(&m, 1, 100, 60);                             /* 40 could not go */
    assert_int_equal(m.requested, 40);
    assert_int_equal(vmmem_check_for_release_requests(&m, 2), 40);
    vmmem_release_done(&m, 2, 40, 40);
    assert_int_equal(m.requested, 0);
    assert_int_equal(m.released, 100);
    vmmem_allow_releases(&m, 0);
    assert_int_equal(vmmem_check_for_release_requests(&m, 0), 0);
}

/* Check counts grow while a request waits and restart when it drains. */
static void test_check_count_resets_when_drained(void **state)
{
    (void)state;
    vmmem_check_for_release_requests(&m, 0);
    assert_int_equal(vmmem_check_count(&m, 0), 0);   /* no request: not counted */
    vmmem_request_release(&m, 10);
    vmmem_deny_releases_all(&m);
    for (int i = 0; i < 5; i++) {
        vmmem_check_for_release_requests(&m, 0);
        vmmem_check_for_release_requests(&m, 3);
    }
    assert_int_equal(vmmem_check_count(&m, 0), 5);
    assert_int_equal(vmmem_check_count(&m, 3), 5);
    assert_int_equal(vmmem_check_count(&m, 1), 0);
    vmmem_allow_releases_all(&m);
    uint64_t n = vmmem_check_for_release_requests(&m, 0);
    assert_int_equal(n, 10);
    vmmem_release_done(&m, 0, n, 4);                 /* not drained yet */
    assert_int_equal(vmmem_check_count(&m, 0), 6);
    n = vmmem_check_for_release_requests(&m, 0);
    vmmem_release_done(&m, 0, n, n);
    assert_int_equal(vmmem_check_count(&m, 0), 0);
    assert_int_equal(vmmem_check_count(&m, 3), 0);
    /* A withdrawn request restarts them too. */
    vmmem_request_release(&m, 5);
    vmmem_deny_releases(&m, 1);
    vmmem_check_for_release_requests(&m, 1);
    assert_int_equal(vmmem_check_count(&m, 1), 1);
    vmmem_request_release(&m, 0);
    assert_int_equal(vmmem_check_count(&m, 1), 0);
}

/* 48 pages while denied are fine; the 49th is a VMTrack event, counted once
 * per window and logged once per VM. */
static void test_allocation_bound(void **state)
{
    (void)state;
    vmmem_deny_releases(&m, 2);
    for (int i = 0; i < 48; i++)
        assert_true(vmmem_note_alloc(&m, 2, 1));
    assert_int_equal(m.vmtrack_events, 0);
    assert_false(vmmem_note_alloc(&m, 2, 1));
    assert_int_equal(m.vmtrack_events, 1);
    assert_int_equal(logs, 1);
    assert_int_equal(log_vcpu, 2);
    assert_int_equal(log_allocated, 49);
    assert_false(vmmem_note_alloc(&m, 2, 10));       /* same window: no new event */
    assert_int_equal(m.vmtrack_events, 1);
    /* A poll point while denied releases nothing: the window goes on. */
    vmmem_check_for_release_requests(&m, 2);
    assert_false(vmmem_note_alloc(&m, 2, 1));
    vmmem_allow_releases(&m, 2);
    assert_true(vmmem_note_alloc(&m, 2, 1000));      /* allowed: not counted */
    vmmem_check_for_release_requests(&m, 2);         /* a release point */
    vmmem_deny_releases(&m, 2);
    assert_true(vmmem_note_alloc(&m, 2, 48));
    assert_false(vmmem_note_alloc(&m, 2, 1));
    assert_int_equal(m.vmtrack_events, 2);
    assert_int_equal(m.vcpu[2].over_bound, 2);
    assert_int_equal(logs, 1);                       /* logged once */
}

/* Each vCPU has its own window, also under a deny on all vCPUs. */
static void test_bound_is_per_vcpu(void **state)
{
    (void)state;
    vmmem_deny_releases_all(&m);
    for (uint32_t v = 0; v < 4; v++)
        assert_true(vmmem_note_alloc(&m, v, 40));
    assert_int_equal(m.vmtrack_events, 0);
    assert_false(vmmem_note_alloc(&m, 3, 9));
    assert_true(vmmem_note_alloc(&m, 0, 8));
    assert_int_equal(m.vmtrack_events, 1);
    assert_int_equal(m.vcpu[3].over_bound, 1);
    assert_int_equal(m.vcpu[0].over_bound, 0);
    struct vmmem small;
    vmmem_init(&small, 2, 4, NULL, NULL);            /* no log callback: still counted */
    vmmem_deny_releases(&small, 1);
    assert_false(vmmem_note_alloc(&small, 1, 5));
    assert_int_equal(small.vmtrack_events, 1);
}

/* Bad vCPU numbers and unbalanced allows are counted, never fatal. */
static void test_misuse_is_counted(void **state)
{
    (void)state;
    vmmem_allow_releases(&m, 0);
    vmmem_allow_releases_all(&m);
    vmmem_deny_releases(&m, 4);
    vmmem_allow_releases(&m, 99);
    assert_int_equal(vmmem_check_for_release_requests(&m, 4), 0);
    vmmem_release_done(&m, 7, 1, 1);
    assert_true(vmmem_note_alloc(&m, 5, 100));
    assert_true(vmmem_releases_denied(&m, 4));
    assert_int_equal(vmmem_check_count(&m, 4), 0);
    assert_int_equal(m.misuse, 7);
    assert_false(vmmem_releases_denied(&m, 0));      /* nothing went negative */
    assert_int_equal(m.deny_all, 0);
}

static unsigned rank_fails;
static char rank_lock_name[32];
static bool rank_taking;
static void on_rank_fail(void *ctx, uint32_t vcpu, const char *lock, bool taking)
{
    (void)ctx, (void)vcpu;
    rank_fails++;
    snprintf(rank_lock_name, sizeof rank_lock_name, "%s", lock);
    rank_taking = taking;
}

/* The seed's CheckAcquiredRank/CheckReleasedRank: a lock at or above the
 * release rank needs a deny on the vCPU when taken and when let go; below
 * it, anything goes. */
static void test_lock_rank_checks(void **state)
{
    (void)state;
    rank_fails = 0;
    m.rank_fail = on_rank_fail;
    struct vmmem_lock mem = { "vm-memory", VMMEM_RELEASE_RANK, false };
    struct vmmem_lock low = { "console", VMMEM_RELEASE_RANK - 1, false };
    vmmem_lock_acquire(&m, 1, &low);           /* low rank: fine with releases allowed */
    vmmem_lock_release(&m, 1, &low);
    assert_int_equal(rank_fails, 0);
    vmmem_deny_releases(&m, 1);                /* the idiom: deny, lock, unlock, allow */
    vmmem_lock_acquire(&m, 1, &mem);
    assert_true(mem.held);
    vmmem_lock_release(&m, 1, &mem);
    vmmem_allow_releases(&m, 1);
    assert_int_equal(rank_fails, 0);
    vmmem_lock_acquire(&m, 1, &mem);           /* taken with releases allowed */
    assert_int_equal(rank_fails, 1);
    assert_string_equal(rank_lock_name, "vm-memory");
    assert_true(rank_taking);
    vmmem_deny_releases(&m, 1);
    vmmem_allow_releases(&m, 1);               /* allowed again before the unlock */
    vmmem_lock_release(&m, 1, &mem);
    assert_int_equal(rank_fails, 2);
    assert_false(rank_taking);
    assert_int_equal(m.rank_violations, 2);
    vmmem_deny_releases_all(&m);               /* an all-vCPU deny covers it too */
    vmmem_lock_acquire(&m, 2, &mem);
    vmmem_lock_release(&m, 2, &mem);
    vmmem_allow_releases_all(&m);
    assert_int_equal(rank_fails, 2);
    vmmem_lock_release(&m, 2, &mem);           /* let go twice: misuse, counted */
    assert_true(m.misuse > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults, setup),
        cmocka_unit_test_setup(test_deny_by_vcpu_nests, setup),
        cmocka_unit_test_setup(test_deny_on_all_vcpus, setup),
        cmocka_unit_test_setup(test_release_only_at_allowed_poll_point, setup),
        cmocka_unit_test_setup(test_check_count_resets_when_drained, setup),
        cmocka_unit_test_setup(test_allocation_bound, setup),
        cmocka_unit_test_setup(test_bound_is_per_vcpu, setup),
        cmocka_unit_test_setup(test_misuse_is_counted, setup),
        cmocka_unit_test_setup(test_lock_rank_checks, setup),
    };
    return cmocka_run_group_tests_name("vmmem", tests, NULL, NULL);
}
