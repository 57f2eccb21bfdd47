/* MPN database and buddy allocator: accounting, runs, failures, misuse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mm/page_alloc.h"
#include "tests/fake/platform_fake.h"
#include "tests/fake/panic_fake.h"

static uint64_t owned_sum(const struct mpn_db_stats *st)
{
    uint64_t s = 0;
    for (unsigned i = 0; i < OWNER_BUCKETS; i++)
        s += st->owner_pages[i];
    return s;
}

static void test_flat_all_pages(void **state)
{
    (void)state;
    fake_plat_arena_init(1000);
    page_alloc_init_flat(1000);
    /* 1000 records of 16 bytes take 4 pages. */
    assert_int_equal(page_free_count(), 996);
    assert_int_equal(page_alloc_check(), 0);
    static mpn_t got[1000];
    uint64_t n = 0;
    for (;;) {
        mpn_t m = page_alloc(OWNER_TEST);
        if (m == INVALID_MPN)
            break;
        assert_true(m < 1000);
        got[n++] = m;
    }
    assert_int_equal(n, 996);
    assert_int_equal(page_free_count(), 0);
    /* Every page handed out once. */
    static unsigned char seen[1000];
    for (uint64_t i = 0; i < n; i++) {
        assert_int_equal(seen[got[i]], 0);
        seen[got[i]] = 1;
        assert_int_equal(mpn_db_rec(got[i])->owner, OWNER_TEST);
    }
    for (uint64_t i = 0; i < n; i++)
        page_free(got[i]);
    assert_int_equal(page_free_count(), 996);
    assert_int_equal(page_alloc_check(), 0);
    /* Everything merged back: the one aligned 256-page block clear of the
     * database (pages 0-3) is whole again. */
    assert_int_equal(page_alloc_run(256, OWNER_TEST), 256);
    fake_plat_arena_free();
}

static void test_runs(void **state)
{
    (void)state;
    fake_plat_arena_init(4096);
    page_alloc_init_flat(4096);
    uint64_t before = page_free_count();
    mpn_t r = page_alloc_run(5, OWNER_TEST);
    assert_int_not_equal(r, INVALID_MPN);
    assert_int_equal(r % 4, 0);
    for (mpn_t m = r; m < r + 5; m++)
        assert_int_equal(mpn_db_rec(m)->owner, OWNER_TEST);
    assert_int_equal(mpn_db_rec(r + 5)->owner, OWNER_FREE);
    assert_int_equal(page_free_count(), before - 5);
    assert_int_equal(page_alloc_check(), 0);
    page_free_run(r, 5);
    assert_int_equal(page_free_count(), before);
    assert_int_equal(page_alloc_check(), 0);
    assert_int_equal(page_alloc_run(0, OWNER_TEST), INVALID_MPN);
    assert_int_equal(page_alloc_run(8192, OWNER_TEST), INVALID_MPN);
    assert_int_equal(page_alloc_run(1, OWNER_FREE), INVALID_MPN);
    /* Zeroed pages are zero even after someone scribbled on them. */
    mpn_t z = page_alloc(OWNER_TEST);
    ((unsigned char *)plat_mpn_to_va(z))[100] = 0xaa;
    page_free(z);
    mpn_t z2 = page_alloc_zeroed(OWNER_TEST);
    assert_int_equal(z2, z);
    assert_int_equal(((unsigned char *)plat_mpn_to_va(z2))[100], 0);
    fake_plat_arena_free();
}

static void test_misuse_panics(void **state)
{
    (void)state;
    fake_plat_arena_init(64);
    page_alloc_init_flat(64);
    mpn_t m = page_alloc(OWNER_TEST);
    page_free(m);
    assert_true(FAKE_EXPECT_PANIC(page_free(m)));
    assert_non_null(strstr(fake_panic_msg, "not an allocated page"));
    assert_true(FAKE_EXPECT_PANIC(page_free(1000)));
    assert_int_equal(page_alloc_check(), 0);
    fake_plat_arena_free();
}

/* A UEFI-like map: low memory, a hole, ACPI, runtime, MMIO far above, an
 * overlapping lie, and claims for the kernel and boot files. */
static void test_firmware_map(void **state)
{
    (void)state;
    const uint64_t K = 1024, M = 1024 * K;
    fake_plat_arena_init((64 * M) / PAGE_SIZE);
    struct mem_range map[] = {
        { 0, 160, MEM_USABLE },                       /* 0 - 640K */
        { 1 * M, (30 * M) / PAGE_SIZE, MEM_USABLE },  /* 1M - 31M */
        { 31 * M, 16, MEM_ACPI_RECLAIM },
        { 31 * M + 64 * K, 16, MEM_ACPI_NVS },
        { 32 * M, (16 * M) / PAGE_SIZE, MEM_USABLE }, /* 32M - 48M */
        { 48 * M, 256, MEM_RUNTIME },
        { 49 * M, (15 * M) / PAGE_SIZE, MEM_USABLE }, /* 49M - 64M */
        { 40 * M, 2, MEM_RESERVED },                  /* a lie inside usable */
        { 0xfee00000ULL, 1, MEM_MMIO },               /* must not stretch the db */
    };
    struct mem_claim claims[] = {
        { 2 * M, 256, OWNER_KERNEL },
        { 4 * M, 1, OWNER_BOOTINFO },
        { 50 * M, 1024, OWNER_BOOTFILES },
    };
    enum mpn_db_err e = page_alloc_init(map, 9, claims, 3, true);
    assert_int_equal(e, MPN_DB_OK);
    struct mpn_db_stats st;
    mpn_db_get_stats(&st);
    assert_int_equal(st.total_pages, (64 * M) / PAGE_SIZE);
    uint64_t usable = 160 + (30 * M + 16 * M + 15 * M) / PAGE_SIZE;
    assert_int_equal(st.map_pages[MEM_USABLE], usable);
    /* The lie costs 2 usable pages; everything else is accounted for. */
    assert_int_equal(st.db_pages[MEM_USABLE], usable - 2);
    assert_int_equal(st.overlaps, 2);
    assert_int_equal(owned_sum(&st), usable - 2);
    assert_int_equal(st.owner_pages[OWNER_LOWMEM], 160);
    assert_int_equal(st.owner_pages[OWNER_KERNEL], 256);
    assert_int_equal(st.owner_pages[OWNER_BOOTINFO], 1);
    assert_int_equal(st.owner_pages[OWNER_BOOTFILES], 1024);
    assert_int_equal(st.owner_pages[OWNER_MPNDB], (64 * M / PAGE_SIZE) * 16 / PAGE_SIZE);
    assert_int_equal(st.owner_pages[OWNER_FREE], page_free_count());
    assert_int_equal(mpn_db_rec((40 * M) / PAGE_SIZE)->type, MEM_RESERVED);
    assert_int_equal(mpn_db_rec((48 * M) / PAGE_SIZE)->type, MEM_RUNTIME);
    assert_int_equal(mpn_db_rec((640 * K) / PAGE_SIZE)->type, MEM_HOLE);
    assert_null(mpn_db_rec((64 * M) / PAGE_SIZE));
    /* The database landed in free usable memory, clear of every claim. */
    for (mpn_t m = 0; m < st.total_pages; m++) {
        struct mpn_rec *r = mpn_db_rec(m);
        if (r->owner == OWNER_MPNDB) {
            assert_int_equal(r->type, MEM_USABLE);
            assert_true(m >= 256);
        }
    }
    assert_int_equal(page_alloc_check(), 0);
    /* Firmware pages are never ours to free. */
    assert_true(FAKE_EXPECT_PANIC(page_free((31 * M) / PAGE_SIZE)));
    assert_true(FAKE_EXPECT_PANIC(page_free((40 * M) / PAGE_SIZE)));
    /* No allocation ever returns a page that is not free usable RAM. */
    uint64_t n = 0;
    for (mpn_t m; (m = page_alloc(OWNER_TEST)) != INVALID_MPN; n++) {
        struct mpn_rec *r = mpn_db_rec(m);
        assert_int_equal(r->type, MEM_USABLE);
        assert_true(m >= 256);
    }
    assert_int_equal(n, st.owner_pages[OWNER_FREE]);
    fake_plat_arena_free();
}

static void test_map_errors(void **state)
{
    (void)state;
    fake_plat_arena_init(16);
    struct mem_range none[] = { { 0, 16, MEM_RESERVED } };
    assert_int_equal(page_alloc_init(none, 1, NULL, 0, false), MPN_DB_NO_RAM);
    /* 16 usable pages, but all claimed: no room for the database. */
    struct mem_range some[] = { { 0, 16, MEM_USABLE } };
    struct mem_claim all[] = { { 0, 16, OWNER_KERNEL } };
    assert_int_equal(page_alloc_init(some, 1, all, 1, false), MPN_DB_NO_ROOM);
    struct mem_range huge[] = { { 0, 0x100000000ULL, MEM_USABLE } };
    assert_int_equal(page_alloc_init(huge, 1, NULL, 0, false), MPN_DB_TOO_BIG);
    assert_string_equal(mpn_db_strerror(MPN_DB_NO_ROOM),
                        "no free usable range can hold the MPN database");
    fake_plat_arena_free();
}

static void test_random_stress(void **state)
{
    (void)state;
    enum { N = 8192 };
    fake_plat_arena_init(N);
    page_alloc_init_flat(N);
    fake_plat_seed_random(42);
    static mpn_t first[2000];
    static uint64_t count[2000];
    unsigned live = 0;
    uint64_t start_free = page_free_count();
    for (int step = 0; step < 20000; step++) {
        if (live < 2000 && (plat_random() % 3 != 0 || live == 0)) {
            uint64_t c = 1 + plat_random() % 17;
            mpn_t m = page_alloc_run(c, (uint16_t)(OWNER_VM_BASE + c));
            if (m == INVALID_MPN)
                continue;
            first[live] = m;
            count[live++] = c;
        } else {
            unsigned i = (unsigned)(plat_random() % live);
            page_free_run(first[i], count[i]);
            first[i] = first[--live];
            count[i] = count[live];
        }
        if (step % 2000 == 0)
            assert_int_equal(page_alloc_check(), 0);
    }
    while (live) {
        live--;
        page_free_run(first[live], count[live]);
    }
    assert_int_equal(page_free_count(), start_free);
    assert_int_equal(page_alloc_check(), 0);
    fake_plat_arena_free();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat_all_pages),
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_misuse_panics),
        cmocka_unit_test(test_firmware_map),
        cmocka_unit_test(test_map_errors),
        cmocka_unit_test(test_random_stress),
    };
    return cmocka_run_group_tests_name("page_alloc", tests, NULL, NULL);
}
