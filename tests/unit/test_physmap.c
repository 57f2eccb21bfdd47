/* mm/physmap.c: every transition, its refusals, and the invariants. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "mm/physmap.h"
#include "tests/fake/fake_gpa.h"

#define NP 64

struct fixture {
    struct physmap pm;
    struct plat_vm *vm;
    uint64_t storage[NP];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->vm = fake_gpa_create(NP);
    assert_true(physmap_init(&f->pm, f->vm, f->storage, sizeof f->storage, NP));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    fake_gpa_destroy(f->vm);
    free(f);
    return 0;
}

static void test_init_rejects_bad_storage(void **state)
{
    (void)state;
    struct physmap pm;
    uint64_t st[4];
    assert_false(physmap_init(&pm, NULL, st, sizeof st, 5));
    assert_false(physmap_init(&pm, NULL, NULL, 100, 1));
    assert_false(physmap_init(&pm, NULL, st, sizeof st, 0));
    assert_true(physmap_init(&pm, NULL, st, sizeof st, 4));
    assert_int_equal(physmap_count(&pm, PM_UNTOUCHED), 4);
    assert_int_equal(physmap_storage_bytes(10), 80);
    assert_int_equal(physmap_storage_bytes(UINT64_MAX), 0);
}

static void test_map_and_release_cycle(void **state)
{
    struct fixture *f = *state;
    struct pm_entry old, e;
    assert_int_equal(physmap_map(&f->pm, 3, 100, &old), PM_OK);
    assert_int_equal(old.state, PM_UNTOUCHED);
    assert_int_equal(physmap_consumed(&f->pm), 1);
    fake_gpa_map(f->vm, 3);

    mpn_t freed = 0;
    assert_int_equal(physmap_release(&f->pm, 3, PM_SWAPPED, 7, &freed), PM_OK);
    assert_int_equal(freed, 100);
    assert_false(fake_gpa_is_mapped(f->vm, 3));     /* zapped before reuse */
    assert_int_equal(fake_gpa_unmap_count(f->vm), 1);
    assert_int_equal(physmap_consumed(&f->pm), 0);
    assert_int_equal(physmap_lookup(&f->pm, 3, &e), PM_OK);
    assert_int_equal(e.state, PM_SWAPPED);
    assert_int_equal(e.payload, 7);

    /* swap-in hands back the slot to free */
    assert_int_equal(physmap_map(&f->pm, 3, 101, &old), PM_OK);
    assert_int_equal(old.state, PM_SWAPPED);
    assert_int_equal(old.payload, 7);

    assert_int_equal(physmap_release(&f->pm, 3, PM_COMPRESSED, 9, &freed), PM_OK);
    assert_int_equal(freed, 101);
    assert_int_equal(physmap_map(&f->pm, 3, 102, &old), PM_OK);
    assert_int_equal(old.state, PM_COMPRESSED);
    assert_int_equal(physmap_release(&f->pm, 3, PM_ZERO, 0, &freed), PM_OK);
    assert_int_equal(physmap_count(&f->pm, PM_ZERO), 1);
    assert_true(physmap_check(&f->pm));
}

static void test_refusals_change_nothing(void **state)
{
    struct fixture *f = *state;
    mpn_t freed = 55;
    assert_int_equal(physmap_map(&f->pm, 1, 10, NULL), PM_OK);
    /* double map would leak the first MPN */
    assert_int_equal(physmap_map(&f->pm, 1, 11, NULL), PM_ESTATE);
    /* release of a page with no backing */
    assert_int_equal(physmap_release(&f->pm, 2, PM_SWAPPED, 1, &freed), PM_ESTATE);
    assert_int_equal(freed, 55);
    /* release to a state that is no release */
    assert_int_equal(physmap_release(&f->pm, 1, PM_MAPPED, 0, &freed), PM_EINVAL);
    assert_int_equal(physmap_release(&f->pm, 1, PM_UNTOUCHED, 0, &freed), PM_EINVAL);
    /* zero page with a payload, slot too large */
    assert_int_equal(physmap_release(&f->pm, 1, PM_ZERO, 5, &freed), PM_EPAYLOAD);
    assert_int_equal(physmap_release(&f->pm, 1, PM_SWAPPED, PM_PAYLOAD_MAX + 1, &freed),
                     PM_EPAYLOAD);
    assert_int_equal(physmap_map(&f->pm, 2, INVALID_MPN, NULL), PM_EPAYLOAD);
    assert_int_equal(physmap_map(&f->pm, 2, PM_PAYLOAD_MAX + 1, NULL), PM_EPAYLOAD);
    assert_int_equal(physmap_consumed(&f->pm), 1);
    assert_int_equal(fake_gpa_unmap_count(f->vm), 0);
    assert_true(physmap_check(&f->pm));
}

static void test_hostile_ppns(void **state)
{
    struct fixture *f = *state;
    struct pm_entry e;
    mpn_t m;
    const ppn_t bad[] = { NP, NP + 1, UINT64_MAX, 1ULL << 40 };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_int_equal(physmap_lookup(&f->pm, bad[i], &e), PM_ERANGE);
        assert_int_equal(physmap_map(&f->pm, bad[i], 1, NULL), PM_ERANGE);
        assert_int_equal(physmap_release(&f->pm, bad[i], PM_ZERO, 0, &m), PM_ERANGE);
        assert_int_equal(physmap_balloon(&f->pm, bad[i], &e), PM_ERANGE);
        assert_int_equal(physmap_pin(&f->pm, bad[i]), PM_ERANGE);
        assert_int_equal(physmap_unpin(&f->pm, bad[i]), PM_ERANGE);
        physmap_set_age(&f->pm, bad[i], 5);
        assert_int_equal(physmap_age(&f->pm, bad[i]), 0);
    }
    assert_int_equal(physmap_count(&f->pm, PM_UNTOUCHED), NP);
    assert_true(physmap_check(&f->pm));
}

static void test_pinned_pages_stay(void **state)
{
    struct fixture *f = *state;
    struct pm_entry e;
    mpn_t m;
    assert_int_equal(physmap_pin(&f->pm, 4), PM_ESTATE);  /* nothing to pin */
    assert_int_equal(physmap_map(&f->pm, 4, 40, NULL), PM_OK);
    assert_int_equal(physmap_pin(&f->pm, 4), PM_OK);
    assert_int_equal(physmap_pin(&f->pm, 4), PM_OK);      /* idempotent */
    assert_int_equal(f->pm.pinned, 1);
    assert_int_equal(physmap_release(&f->pm, 4, PM_SWAPPED, 1, &m), PM_EPINNED);
    assert_int_equal(physmap_balloon(&f->pm, 4, &e), PM_EPINNED);
    assert_int_equal(physmap_map(&f->pm, 4, 41, NULL), PM_ESTATE);
    assert_int_equal(physmap_unpin(&f->pm, 4), PM_OK);
    assert_int_equal(f->pm.pinned, 0);
    assert_int_equal(physmap_release(&f->pm, 4, PM_SWAPPED, 1, &m), PM_OK);
    assert_true(physmap_check(&f->pm));
}

static void test_balloon_from_each_state(void **state)
{
    struct fixture *f = *state;
    struct pm_entry old;
    mpn_t m;
    /* untouched */
    assert_int_equal(physmap_balloon(&f->pm, 0, &old), PM_OK);
    assert_int_equal(old.state, PM_UNTOUCHED);
    assert_int_equal(physmap_balloon(&f->pm, 0, &old), PM_ESTATE);
    /* mapped: zapped, MPN handed back */
    physmap_map(&f->pm, 1, 11, NULL);
    fake_gpa_map(f->vm, 1);
    assert_int_equal(physmap_balloon(&f->pm, 1, &old), PM_OK);
    assert_int_equal(old.state, PM_MAPPED);
    assert_int_equal(old.payload, 11);
    assert_false(fake_gpa_is_mapped(f->vm, 1));
    /* swapped: slot handed back */
    physmap_map(&f->pm, 2, 12, NULL);
    physmap_release(&f->pm, 2, PM_SWAPPED, 33, &m);
    assert_int_equal(physmap_balloon(&f->pm, 2, &old), PM_OK);
    assert_int_equal(old.state, PM_SWAPPED);
    assert_int_equal(old.payload, 33);
    /* deflate: the guest touches a ballooned page again */
    assert_int_equal(physmap_map(&f->pm, 1, 13, &old), PM_OK);
    assert_int_equal(old.state, PM_BALLOONED);
    assert_int_equal(physmap_count(&f->pm, PM_BALLOONED), 2);
    /* deflate told: back to untouched; only a ballooned page can be */
    assert_int_equal(physmap_unballoon(&f->pm, 2), PM_OK);
    assert_int_equal(physmap_unballoon(&f->pm, 2), PM_ESTATE);
    assert_int_equal(physmap_unballoon(&f->pm, 1), PM_ESTATE);
    assert_int_equal(physmap_unballoon(&f->pm, f->pm.npages), PM_ERANGE);
    physmap_lookup(&f->pm, 2, &old);
    assert_int_equal(old.state, PM_UNTOUCHED);
    assert_int_equal(physmap_count(&f->pm, PM_BALLOONED), 1);
    assert_true(physmap_check(&f->pm));
}

static void test_age_survives_transitions(void **state)
{
    struct fixture *f = *state;
    mpn_t m;
    physmap_map(&f->pm, 5, 50, NULL);
    physmap_set_age(&f->pm, 5, 0xa5);
    assert_int_equal(physmap_age(&f->pm, 5), 0xa5);
    physmap_pin(&f->pm, 5);
    physmap_unpin(&f->pm, 5);
    physmap_release(&f->pm, 5, PM_SWAPPED, 2, &m);
    assert_int_equal(physmap_age(&f->pm, 5), 0xa5);
    struct pm_entry e;
    physmap_lookup(&f->pm, 5, &e);
    assert_int_equal(e.payload, 2);
    assert_true(physmap_check(&f->pm));
}

/* A ZERO page may carry a 32-bit fill value; nothing else is a ZERO payload. */
static void test_zero_fill_payload(void **state)
{
    struct fixture *f = *state;
    struct pm_entry e;
    mpn_t m = 0;
    physmap_map(&f->pm, 4, 40, NULL);
    assert_int_equal(physmap_release(&f->pm, 4, PM_ZERO, PM_ZERO_FILL | 0xdeadbeef, &m), PM_OK);
    physmap_lookup(&f->pm, 4, &e);
    assert_int_equal(e.payload, PM_ZERO_FILL | 0xdeadbeef);
    assert_true(physmap_check(&f->pm));
    physmap_map(&f->pm, 5, 50, NULL);
    assert_int_equal(physmap_release(&f->pm, 5, PM_ZERO, 2 * PM_ZERO_FILL, &m), PM_EPAYLOAD);
    f->storage[6] = PM_ZERO | ((PM_ZERO_FILL | 7) << 16);
    f->pm.count[PM_UNTOUCHED]--;
    f->pm.count[PM_ZERO]++;
    assert_true(physmap_check(&f->pm));
    f->storage[6] = PM_ZERO | ((2 * PM_ZERO_FILL) << 16);
    assert_false(physmap_check(&f->pm));
}

/* The caller zapped a batch itself: the release records without unmapping. */
static void test_release_zapped_does_not_unmap(void **state)
{
    struct fixture *f = *state;
    mpn_t m = 0;
    physmap_map(&f->pm, 8, 80, NULL);
    assert_int_equal(physmap_release_zapped(&f->pm, 8, PM_COMPRESSED, 99, &m), PM_OK);
    assert_int_equal(m, 80);
    assert_int_equal(fake_gpa_unmap_count(f->vm), 0);
    assert_int_equal(physmap_release_zapped(&f->pm, 8, PM_SWAPPED, 1, &m), PM_ESTATE);
    physmap_map(&f->pm, 9, 90, NULL);
    physmap_pin(&f->pm, 9);
    assert_int_equal(physmap_release_zapped(&f->pm, 9, PM_SWAPPED, 1, &m), PM_EPINNED);
    assert_true(physmap_check(&f->pm));
}

/* COMPRESSED -> SWAPPED (a cache entry evicted to swap), only from the
 * expected state and payload. */
static void test_move_backing(void **state)
{
    struct fixture *f = *state;
    struct pm_entry e;
    mpn_t m = 0;
    physmap_map(&f->pm, 10, 100, NULL);
    physmap_release(&f->pm, 10, PM_COMPRESSED, 1234, &m);
    assert_int_equal(physmap_move_backing(&f->pm, 10, PM_COMPRESSED, 1235, PM_SWAPPED, 3), PM_ESTATE);
    assert_int_equal(physmap_move_backing(&f->pm, 10, PM_SWAPPED, 1234, PM_SWAPPED, 3), PM_ESTATE);
    assert_int_equal(physmap_move_backing(&f->pm, 10, PM_COMPRESSED, 1234, PM_MAPPED, 3), PM_EINVAL);
    assert_int_equal(physmap_move_backing(&f->pm, 10, PM_COMPRESSED, 1234, PM_SWAPPED, 3), PM_OK);
    physmap_lookup(&f->pm, 10, &e);
    assert_int_equal(e.state, PM_SWAPPED);
    assert_int_equal(e.payload, 3);
    assert_int_equal(physmap_count(&f->pm, PM_COMPRESSED), 0);
    assert_int_equal(physmap_count(&f->pm, PM_SWAPPED), 1);
    assert_int_equal(physmap_move_backing(&f->pm, NP, PM_SWAPPED, 3, PM_ZERO, 0), PM_ERANGE);
    assert_true(physmap_check(&f->pm));
}

static void test_check_detects_corruption(void **state)
{
    struct fixture *f = *state;
    physmap_map(&f->pm, 6, 60, NULL);
    assert_true(physmap_check(&f->pm));
    f->pm.count[PM_MAPPED]++;             /* counts disagree */
    assert_false(physmap_check(&f->pm));
    f->pm.count[PM_MAPPED]--;
    f->storage[7] = PM_ZERO | (5ULL << 16); /* payload on a page with no backing */
    assert_false(physmap_check(&f->pm));
    f->storage[7] = PM_UNTOUCHED | 0x10;  /* pinned but not mapped */
    assert_false(physmap_check(&f->pm));
    f->storage[7] = 0;
    assert_true(physmap_check(&f->pm));
}

static void test_mpn_unique_across_vms(void **state)
{
    (void)state;
    struct physmap a, b;
    uint64_t sa[8], sb[8], bitmap[2];
    physmap_init(&a, NULL, sa, sizeof sa, 8);
    physmap_init(&b, NULL, sb, sizeof sb, 8);
    const struct physmap *both[] = { &a, &b };
    physmap_map(&a, 0, 1, NULL);
    physmap_map(&b, 0, 2, NULL);
    assert_true(physmap_check_mpns_unique(both, 2, bitmap, 128));
    physmap_map(&b, 1, 1, NULL);          /* MPN 1 owned twice */
    assert_false(physmap_check_mpns_unique(both, 2, bitmap, 128));
    mpn_t m;
    physmap_release(&b, 1, PM_ZERO, 0, &m);
    assert_true(physmap_check_mpns_unique(both, 2, bitmap, 128));
    physmap_map(&b, 2, 500, NULL);        /* beyond the machine */
    assert_false(physmap_check_mpns_unique(both, 2, bitmap, 128));
}

static void test_random_walk_keeps_invariants(void **state)
{
    struct fixture *f = *state;
    uint64_t next_mpn = 1000, x = 12345;
    for (int i = 0; i < 20000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        ppn_t ppn = (x >> 33) % (NP + 4);      /* some out of range */
        unsigned op = (x >> 20) % 6;
        struct pm_entry old;
        mpn_t m;
        switch (op) {
        case 0: physmap_map(&f->pm, ppn, next_mpn++, &old); break;
        case 1: physmap_release(&f->pm, ppn, PM_SWAPPED, x % 1000, &m); break;
        case 2: physmap_release(&f->pm, ppn, PM_ZERO, 0, &m); break;
        case 3: physmap_balloon(&f->pm, ppn, &old); break;
        case 4: physmap_pin(&f->pm, ppn); break;
        case 5: physmap_unpin(&f->pm, ppn); break;
        }
    }
    assert_true(physmap_check(&f->pm));
    uint64_t sum = 0;
    for (unsigned s = 0; s < PM_STATE_COUNT; s++)
        sum += physmap_count(&f->pm, s);
    assert_int_equal(sum, NP);
    assert_string_equal(pm_state_name(PM_SWAPPED), "swapped");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_rejects_bad_storage),
        cmocka_unit_test_setup_teardown(test_map_and_release_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_ppns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pinned_pages_stay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_balloon_from_each_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_age_survives_transitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_fill_payload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_zapped_does_not_unmap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_move_backing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_detects_corruption, setup, teardown),
        cmocka_unit_test(test_mpn_unique_across_vms),
        cmocka_unit_test_setup_teardown(test_random_walk_keeps_invariants, setup, teardown),
    };
    return cmocka_run_group_tests_name("physmap", tests, NULL, NULL);
}
