/* kernel/admission.c and kernel/prealloc.c: who may start, and what
 * preallocation guarantees. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/admission.h"
#include "kernel/prealloc.h"
#include "kernel/memsched.h"
#include "tests/fake/fake_gpa.h"

static void test_admits_what_fits(void **state)
{
    (void)state;
    struct admission a;
    char msg[200];
    admission_init(&a, 10000, 600, 8000);
    assert_int_equal(admission_unreserved(&a), 9400);
    struct admission_req r = { "web", 4000, 3000, 100 };
    assert_int_equal(admission_admit(&a, &r, msg, sizeof msg), ADMIT_OK);
    assert_int_equal(admission_unreserved(&a), 6300);
    assert_int_equal(admission_swap_free(&a), 7000);
    admission_release(&a, &r);
    assert_int_equal(admission_unreserved(&a), 9400);
    assert_int_equal(admission_swap_free(&a), 8000);
}

static void test_reservation_too_big(void **state)
{
    (void)state;
    struct admission a;
    char msg[200];
    admission_init(&a, 10000, 600, 100000);
    struct admission_req r1 = { "a", 9000, 6000, 100 }, r2 = { "b", 9000, 3200, 140 };
    assert_int_equal(admission_admit(&a, &r1, msg, sizeof msg), ADMIT_OK);
    assert_int_equal(admission_admit(&a, &r2, msg, sizeof msg), ADMIT_NO_MEMORY);
    assert_string_equal(msg, "VM 'b': reservation 3200 + overhead 140 pages exceeds "
                             "unreserved memory (3300 pages) by 40 pages");
    assert_int_equal(admission_unreserved(&a), 3300);     /* nothing committed */
    /* overflowing values from a hostile config */
    struct admission_req r3 = { "c", UINT64_MAX, UINT64_MAX - 1, 10 };
    assert_int_equal(admission_check(&a, &r3, msg, sizeof msg), ADMIT_NO_MEMORY);
}

/* With machine_backs, memory nobody reserved backs memsize - reservation
 * too, shared by every VM's commitment; a reservation takes its share away. */
static void test_machine_backs_unreserved(void **state)
{
    (void)state;
    struct admission a;
    char msg[240];
    admission_init(&a, 10000, 1000, 2000);        /* 9000 promisable + 2000 swap */
    admission_set_machine_backs(&a, true);
    assert_int_equal(admission_swap_free(&a), 11000);
    struct admission_req r1 = { "a", 6000, 0, 100 }, r2 = { "b", 6000, 0, 100 };
    assert_int_equal(admission_admit(&a, &r1, msg, sizeof msg), ADMIT_OK);
    /* 8900 unreserved + 2000 swap - 6000 committed = 4900 < 6000 */
    assert_int_equal(admission_admit(&a, &r2, msg, sizeof msg), ADMIT_NO_SWAP);
    assert_string_equal(msg, "VM 'b': memsize - reservation (6000 pages) exceeds what swap, "
                             "compression and unreserved memory can still back (4800 pages) "
                             "by 1200 pages");
    r2.memsize = 4800;
    assert_int_equal(admission_admit(&a, &r2, msg, sizeof msg), ADMIT_OK);
    assert_int_equal(admission_swap_free(&a), 0);
    /* A reservation now would take memory that backs the others. */
    struct admission_req r3 = { "c", 100, 100, 0 };
    assert_int_equal(admission_admit(&a, &r3, msg, sizeof msg), ADMIT_NO_MEMORY);
    assert_string_equal(msg, "VM 'c': reservation 100 pages would take memory that backs "
                             "running VMs (100 pages short)");
    admission_release(&a, &r2);
    assert_int_equal(admission_swap_free(&a), 11000 - 100 - 6000);
    assert_int_equal(admission_admit(&a, &r3, msg, sizeof msg), ADMIT_OK);
    assert_int_equal(admission_swap_free(&a), 11000 - 200 - 6000);
}

static void test_swap_must_cover(void **state)
{
    (void)state;
    struct admission a;
    char msg[200];
    admission_init(&a, 10000, 600, 5000);
    struct admission_req r1 = { "a", 4000, 1000, 0 }, r2 = { "b", 4000, 500, 0 };
    assert_int_equal(admission_admit(&a, &r1, msg, sizeof msg), ADMIT_OK);
    assert_int_equal(admission_admit(&a, &r2, msg, sizeof msg), ADMIT_NO_SWAP);
    assert_string_equal(msg, "VM 'b': swap for memsize - reservation (3500 pages) exceeds "
                             "free swap (2000 pages) by 1500 pages");
    r2.min = 2000;
    assert_int_equal(admission_admit(&a, &r2, msg, sizeof msg), ADMIT_OK);
    assert_int_equal(admission_swap_free(&a), 0);
}

static void test_bad_config(void **state)
{
    (void)state;
    struct admission a;
    char msg[200];
    admission_init(&a, 10000, 600, 5000);
    struct admission_req r = { "x", 100, 200, 0 };
    assert_int_equal(admission_check(&a, &r, msg, sizeof msg), ADMIT_BAD_CONFIG);
    assert_string_equal(msg, "VM 'x': reservation 200 pages exceeds memsize 100 pages");
    r.memsize = 0;
    r.min = 0;
    assert_int_equal(admission_check(&a, &r, NULL, 0), ADMIT_BAD_CONFIG);
    assert_string_equal(admit_result_name(ADMIT_NO_SWAP), "no swap");
}

static void test_change_reservation(void **state)
{
    (void)state;
    struct admission a;
    char msg[200];
    admission_init(&a, 10000, 1000, 10000);
    struct admission_req r = { "a", 9000, 1000, 0 };
    assert_int_equal(admission_admit(&a, &r, msg, sizeof msg), ADMIT_OK);
    assert_int_equal(admission_change_min(&a, &r, 5000, msg, sizeof msg), ADMIT_OK);
    assert_int_equal(r.min, 5000);
    assert_int_equal(admission_unreserved(&a), 4000);
    assert_int_equal(admission_change_min(&a, &r, 8000, msg, sizeof msg), ADMIT_OK);
    struct admission_req r2 = { "b", 2000, 1000, 0 };
    assert_int_equal(admission_admit(&a, &r2, msg, sizeof msg), ADMIT_OK);
    /* refused: the old reservation stays committed */
    assert_int_equal(admission_change_min(&a, &r, 8500, msg, sizeof msg), ADMIT_NO_MEMORY);
    assert_int_equal(r.min, 8000);
    assert_int_equal(admission_unreserved(&a), 0);
    assert_int_equal(a.reserved_pages, 9000);
}

/* ---- preallocation ----------------------------------------------------- */

struct pool_alloc { uint64_t next, limit, freed, live; };
static mpn_t t_alloc(void *ctx)
{
    struct pool_alloc *p = ctx;
    if (p->next >= p->limit)
        return INVALID_MPN;
    p->live++;
    return p->next++;
}
static void t_free(void *ctx, mpn_t m) { struct pool_alloc *p = ctx; (void)m; p->freed++; p->live--; }

#define NP 32

static void test_mode_from_config(void **state)
{
    (void)state;
    assert_int_equal(prealloc_mode_from_config(false, false, false), PREALLOC_NONE);
    assert_int_equal(prealloc_mode_from_config(false, true, false), PREALLOC_MAINMEM);
    assert_int_equal(prealloc_mode_from_config(true, false, false), PREALLOC_ALL);
    assert_int_equal(prealloc_mode_from_config(true, true, true), PREALLOC_PINNED);
    assert_string_equal(prealloc_mode_name(PREALLOC_PINNED), "pinnedMainMem");
}

static void test_full_reservation_at_start(void **state)
{
    (void)state;
    struct physmap pm;
    uint64_t st[NP];
    mpn_t pool[NP];
    struct pool_alloc pa_ctx = { 100, 1000, 0, 0 };
    struct prealloc_ops ops = { t_alloc, t_free, &pa_ctx };
    struct prealloc pa;
    physmap_init(&pm, NULL, st, sizeof st, NP);
    physmap_map(&pm, 0, 5, NULL);                 /* the loader already touched one */
    prealloc_init(&pa, PREALLOC_MAINMEM, 20, pool, prealloc_pool_entries(NP));
    assert_true(prealloc_monitor_started(&pa, &pm, &ops));
    assert_int_equal(physmap_consumed(&pm), 20);
    assert_int_equal(pa_ctx.live, 19);
    assert_true(pm.flags & PM_F_NO_SHARE);
    assert_int_equal(pm.pinned, 0);               /* mainMem: swappable */
    mpn_t m;
    assert_int_equal(physmap_release(&pm, 3, PM_SWAPPED, 1, &m), PM_OK);
    assert_true(prealloc_never_blocks(&pa));
    assert_false(prealloc_allows_sharing(&pa));
    assert_true(physmap_check(&pm));
}

static void test_pinned_never_swapped(void **state)
{
    (void)state;
    struct physmap pm;
    uint64_t st[NP];
    mpn_t pool[NP];
    struct pool_alloc pa_ctx = { 100, 1000, 0, 0 };
    struct prealloc_ops ops = { t_alloc, t_free, &pa_ctx };
    struct prealloc pa;
    struct plat_vm *vm = fake_gpa_create(NP);
    physmap_init(&pm, vm, st, sizeof st, NP);
    prealloc_init(&pa, PREALLOC_PINNED, 10, pool, NP);
    assert_true(prealloc_monitor_started(&pa, &pm, &ops));
    assert_int_equal(pm.pinned, 10);
    mpn_t m;
    struct pm_entry e;
    for (ppn_t p = 0; p < 10; p++) {
        assert_int_equal(physmap_release(&pm, p, PM_SWAPPED, 1, &m), PM_EPINNED);
        assert_int_equal(physmap_balloon(&pm, p, &e), PM_EPINNED);
        assert_int_equal(physmap_map(&pm, p, 999, NULL), PM_ESTATE);
    }
    assert_int_equal(fake_gpa_unmap_count(vm), 0);
    fake_gpa_destroy(vm);
}

static void test_all_or_nothing(void **state)
{
    (void)state;
    struct physmap pm;
    uint64_t st[NP];
    mpn_t pool[NP];
    struct pool_alloc pa_ctx = { 100, 110, 0, 0 };  /* only 10 pages left */
    struct prealloc_ops ops = { t_alloc, t_free, &pa_ctx };
    struct prealloc pa;
    physmap_init(&pm, NULL, st, sizeof st, NP);
    prealloc_init(&pa, PREALLOC_ALL, 16, pool, NP);
    assert_false(prealloc_monitor_started(&pa, &pm, &ops));
    assert_int_equal(pa_ctx.live, 0);              /* everything given back */
    assert_int_equal(physmap_consumed(&pm), 0);
    assert_int_equal(physmap_count(&pm, PM_UNTOUCHED), NP);
    /* no storage for the pool is a failure, not an overflow */
    prealloc_init(&pa, PREALLOC_ALL, 16, pool, 4);
    assert_false(prealloc_monitor_started(&pa, &pm, &ops));
}

static void test_reservation_increase(void **state)
{
    (void)state;
    struct physmap pm;
    uint64_t st[NP];
    mpn_t pool[NP];
    struct pool_alloc pa_ctx = { 100, 120, 0, 0 };
    struct prealloc_ops ops = { t_alloc, t_free, &pa_ctx };
    struct prealloc pa;
    physmap_init(&pm, NULL, st, sizeof st, NP);
    prealloc_init(&pa, PREALLOC_MAINMEM, 8, pool, NP);
    assert_true(prealloc_monitor_started(&pa, &pm, &ops));
    assert_true(prealloc_grow(&pa, 12, &ops));    /* feeds the pool */
    assert_int_equal(pa.pool_count, 4);
    assert_int_equal(pa.reserved, 12);
    assert_false(prealloc_grow(&pa, 30, &ops));   /* 18 more: only 8 left */
    assert_int_equal(pa.reserved, 12);
    assert_int_equal(pa.pool_count, 4);
    assert_int_equal(pa_ctx.live, 12);
    mpn_t m = prealloc_take(&pa);                 /* a first touch */
    assert_true(m != INVALID_MPN);
    assert_int_equal(physmap_map(&pm, 20, m, NULL), PM_OK);
    prealloc_drain(&pa, &ops);
    assert_int_equal(pa.pool_count, 0);
    assert_int_equal(prealloc_take(&pa), INVALID_MPN);
    assert_int_equal(pa_ctx.live, 9);
}

static void test_prealloc_vm_never_blocks(void **state)
{
    (void)state;
    struct memsched ms;
    memsched_init(&ms, NULL, 10000, NULL, NULL);
    struct memsched_vm v = { .memsize = 5000, .consumed = 5000, .target = 100, .prealloc = true };
    ms.state = MEM_LOW;
    assert_false(memsched_should_block(&ms, &v));
    v.prealloc = false;
    assert_true(memsched_should_block(&ms, &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admits_what_fits),
        cmocka_unit_test(test_reservation_too_big),
        cmocka_unit_test(test_swap_must_cover),
        cmocka_unit_test(test_machine_backs_unreserved),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_change_reservation),
        cmocka_unit_test(test_mode_from_config),
        cmocka_unit_test(test_full_reservation_at_start),
        cmocka_unit_test(test_pinned_never_swapped),
        cmocka_unit_test(test_all_or_nothing),
        cmocka_unit_test(test_reservation_increase),
        cmocka_unit_test(test_prealloc_vm_never_blocks),
    };
    return cmocka_run_group_tests_name("admission", tests, NULL, NULL);
}
