/* EPT trees: mapping, lookup, unmapping, limits, and that destroying a tree
 * gives back every page it took (run hosted: only INVEPT needs VMX). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "arch/x86_64/ept.h"
#include "mm/page_alloc.h"
#include "tests/fake/platform_fake.h"

#define NPAGES 2048

static uint64_t leaves, leaf_sum;

static void count_leaf(void *ctx, uint64_t gpa, mpn_t mpn)
{
    (void)ctx;
    leaves++;
    leaf_sum += gpa ^ mpn;
}

static void test_map_lookup_unmap(void **state)
{
    (void)state;
    fake_plat_arena_init(NPAGES);
    page_alloc_init_flat(NPAGES);
    uint64_t free0 = page_free_count();
    struct ept e;
    assert_true(ept_init(&e, true));
    assert_int_equal(e.eptp & 7, 6);            /* write-back walks */
    assert_int_equal((e.eptp >> 3) & 7, 3);     /* 4 levels */
    assert_int_equal((e.eptp >> 6) & 1, 1);     /* A/D on */
    assert_int_equal(ept_lookup(&e, 0x1000), INVALID_MPN);

    /* Three pages far apart: each needs its own path of tables. */
    assert_true(ept_map(&e, 0x0, 10, EPT_RWX));
    assert_true(ept_map(&e, 0x40000000, 11, EPT_RWX));        /* 1 GiB */
    assert_true(ept_map(&e, 0x7f0000000000ULL, 12, EPT_R));   /* near the 48-bit top */
    assert_false(ept_map(&e, 1ULL << 48, 13, EPT_RWX));       /* beyond EPT's reach */
    assert_int_equal(e.mapped, 3);
    assert_int_equal(ept_lookup(&e, 0x0), 10);
    assert_int_equal(ept_lookup(&e, 0x40000fff), 11);          /* offsets ignored */
    assert_int_equal(ept_lookup(&e, 0x7f0000000000ULL), 12);
    /* root + (PDPT, PD, PT) for 0 and 1 GiB sharing the PDPT + three for the top */
    assert_int_equal(e.table_pages, 1 + 1 + 2 + 2 + 3);

    /* Remapping replaces without counting twice. */
    assert_true(ept_map(&e, 0x0, 20, EPT_RWX));
    assert_int_equal(e.mapped, 3);
    assert_int_equal(ept_lookup(&e, 0x0), 20);

    assert_int_equal(ept_unmap(&e, 0x40000000), 11);
    assert_int_equal(ept_unmap(&e, 0x40000000), INVALID_MPN);
    assert_int_equal(ept_lookup(&e, 0x40000000), INVALID_MPN);
    assert_false(ept_test_clear_accessed(&e, 0x40000000));
    /* A fresh mapping has not been accessed (the CPU sets the bit). */
    assert_false(ept_test_clear_accessed(&e, 0x0));
    assert_int_equal(e.mapped, 2);

    leaves = leaf_sum = 0;
    ept_destroy(&e, count_leaf, NULL);
    assert_int_equal(leaves, 2);
    assert_int_equal(leaf_sum, (0x0ULL ^ 20) + (0x7f0000000000ULL ^ 12));
    assert_int_equal(e.table_pages, 0);
    assert_int_equal(page_free_count(), free0);
    assert_int_equal(page_alloc_check(), 0);
    fake_plat_arena_free();
}

/* The last leaf table is remembered: walks that alternate between two
 * 2 MiB regions, and neighbours at a region's edges, find the right entry. */
static void test_leaf_table_reuse(void **state)
{
    (void)state;
    fake_plat_arena_init(NPAGES);
    page_alloc_init_flat(NPAGES);
    struct ept e;
    assert_true(ept_init(&e, true));
    assert_true(ept_map(&e, 0x1ff000, 20, EPT_RWX));    /* last page of region 0 */
    assert_true(ept_map(&e, 0x200000, 21, EPT_RWX));    /* first of region 1 */
    assert_true(ept_map(&e, 0x201000, 22, EPT_RWX));
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ept_lookup(&e, 0x1ff000), 20);
        assert_int_equal(ept_lookup(&e, 0x200000), 21);
        assert_int_equal(ept_lookup(&e, 0x201000), 22);
        assert_int_equal(ept_lookup(&e, 0x1fe000), INVALID_MPN);
        assert_int_equal(ept_lookup(&e, 0x400000), INVALID_MPN);   /* no table: not cached */
        assert_int_equal(ept_lookup(&e, 0x201000), 22);
    }
    assert_int_equal(ept_unmap(&e, 0x200000), 21);
    assert_int_equal(ept_lookup(&e, 0x200000), INVALID_MPN);
    ept_destroy(&e, NULL, NULL);
    assert_int_equal(page_alloc_check(), 0);
    fake_plat_arena_free();
}

static void test_out_of_memory(void **state)
{
    (void)state;
    fake_plat_arena_init(16);
    page_alloc_init_flat(16);
    struct ept e;
    assert_true(ept_init(&e, false));
    /* Each mapping 512 GiB apart needs three new table pages: memory runs
     * out, and the failure is reported, not a crash. */
    bool failed = false;
    for (uint64_t i = 0; i < 8 && !failed; i++)
        failed = !ept_map(&e, i << 39, 1, EPT_RWX);
    assert_true(failed);
    ept_destroy(&e, NULL, NULL);
    assert_int_equal(page_free_count(), 15);
    fake_plat_arena_free();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_lookup_unmap),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_leaf_table_reuse),
    };
    return cmocka_run_group_tests_name("ept", tests, NULL, NULL);
}
