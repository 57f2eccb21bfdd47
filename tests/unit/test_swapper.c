/* mm/swapper*.c on the hosted platform: every page-out store and the way
 * back through the fault path (mm/guest_mem.c), with the data compared byte
 * for byte; clustering, read-ahead, cache eviction to swap, and every
 * failure (swap full, write error, read error) losing nothing it must not.
 * Each test ends by checking that no machine page leaked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "mm/swapper.h"
#include "mm/guest_mem.h"
#include "mm/page_alloc.h"
#include "mm/heap.h"
#include "tests/fake/platform_fake.h"
#include "tests/fake/fake_gpa.h"
#include "tests/fake/fake_swap_store.h"

#define MACHINE_PAGES 1024
#define GUEST_PAGES 256
#define OWNER (OWNER_VM_BASE + 5)

static struct guest_mem gm;
static struct swapper sw;
static struct ccache cc;
static struct fake_swap_store fs;
static uint64_t baseline;                       /* free pages before the swapper */
static uint8_t expect[GUEST_PAGES][PAGE_SIZE];  /* what each page must hold */

enum kind { ZEROS, FILL32, FILL64, TEXT, RANDOM };

/* Sets up guest RAM, a cache of `cap` pages (0: none) and a swap device of
 * `nslots` slots (0: none). */
static void start(uint64_t cap, uint64_t nslots)
{
    fake_plat_arena_init(MACHINE_PAGES);
    page_alloc_init_flat(MACHINE_PAGES);
    heap_init();
    assert_true(guest_mem_init(&gm, (uint64_t)GUEST_PAGES * PAGE_SIZE, OWNER));
    baseline = page_free_count();
    struct ccache_config cfg;
    ccache_config_default(&cfg, MACHINE_PAGES);
    cfg.cap_pages = cap;
    cfg.checksums = false;   /* the image's default: the swapper turns them on */
    struct ccache_ops pages = { ccache_page_alloc, ccache_page_free, NULL, NULL };
    struct swap_store_ops ops;
    fake_swap_store_init(&fs, nslots, &ops);
    swapper_init(&sw, &gm.pm, OWNER, cap ? &cc : NULL, &cfg, &pages, nslots ? &ops : NULL);
    gm.swapper = &sw;
}

static int teardown(void **state)
{
    (void)state;
    if (gm.pm_storage) {
        swapper_destroy(&sw);
        assert_int_equal(fs.slots.used, 0);   /* every slot given back */
        /* Every page is free or still backs a guest page: none leaked. */
        assert_int_equal(page_free_count() + physmap_consumed(&gm.pm), baseline);
    }
    guest_mem_destroy(&gm);
    assert_int_equal(page_alloc_check(), 0);
    fake_swap_store_destroy(&fs);
    fake_plat_arena_free();
    return 0;
}

static void make_page(uint8_t *p, enum kind k, ppn_t ppn)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL * (ppn + 1);
    switch (k) {
    case ZEROS: memset(p, 0, PAGE_SIZE); break;
    case FILL32: for (size_t i = 0; i < PAGE_SIZE; i += 4) memcpy(p + i, "\xef\xbe\xad\xde", 4); break;
    case FILL64: for (size_t i = 0; i < PAGE_SIZE; i += 8) memcpy(p + i, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8); break;
    case TEXT:
        for (size_t i = 0; i < PAGE_SIZE; i += 32)
            snprintf((char *)p + i, 33, "page %5llu line %4zu: hello....\n", (unsigned long long)ppn, i / 32);
        break;
    case RANDOM:
        for (size_t i = 0; i < PAGE_SIZE; i++) {
            x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
            p[i] = (uint8_t)((x * 0x2545f4914f6cdd1dULL) >> 56);
        }
        break;
    }
}

/* Guest page ppn gets contents of kind k (backed, mapped). */
static void fill(ppn_t ppn, enum kind k)
{
    make_page(expect[ppn], k, ppn);
    assert_true(guest_mem_write(&gm, ppn * PAGE_SIZE, expect[ppn], PAGE_SIZE));
    assert_true(guest_mem_touch(&gm, ppn * PAGE_SIZE));   /* mapped for the guest */
}

/* Pages base.. base + n - 1, listed in v[], all of kind k. */
static void fill_run(ppn_t *v, ppn_t base, uint32_t n, enum kind k)
{
    for (uint32_t i = 0; i < n; i++) {
        v[i] = base + i;
        fill(v[i], k);
    }
}

static struct pm_entry entry(ppn_t ppn)
{
    struct pm_entry e;
    assert_int_equal(physmap_lookup(&gm.pm, ppn, &e), PM_OK);
    return e;
}

/* The page is resident, mapped to the guest, and holds what it should. */
static void check_resident(ppn_t ppn)
{
    struct pm_entry e = entry(ppn);
    assert_int_equal(e.state, PM_MAPPED);
    assert_int_equal(plat_gpa_lookup(gm.gpa, ppn), e.payload);
    assert_memory_equal(plat_mpn_to_va(e.payload), expect[ppn], PAGE_SIZE);
}

/* The guest touches the page: it must come back intact. */
static void fault_and_check(ppn_t ppn)
{
    assert_int_equal(guest_mem_fault(&gm, ppn * PAGE_SIZE), GM_FAULT_OK);
    check_resident(ppn);
}

/* Takes every free machine page (memory exhausted); unhog gives k back. */
static mpn_t hog[MACHINE_PAGES];
static size_t hog_all(void)
{
    size_t n = 0;
    for (mpn_t m; (m = page_alloc(OWNER_KERNEL)) != INVALID_MPN;)
        hog[n++] = m;
    return n;
}

static void unhog(size_t *n, size_t k)
{
    while (k-- && *n)
        page_free(hog[--*n]);
}

static uint32_t out1(ppn_t ppn)
{
    return swapper_page_out(&sw, &ppn, 1);
}

static void test_zero_and_fill32_pages_cost_nothing(void **state)
{
    (void)state;
    start(64, 64);
    fill(1, ZEROS);
    fill(2, FILL32);
    uint64_t free_before = page_free_count();
    ppn_t v[] = { 1, 2 };
    assert_int_equal(swapper_page_out(&sw, v, 2), 2);
    assert_int_equal(page_free_count(), free_before + 2);
    assert_int_equal(entry(1).state, PM_ZERO);
    assert_int_equal(entry(1).payload, 0);
    assert_int_equal(entry(2).state, PM_ZERO);
    assert_int_equal(entry(2).payload, PM_ZERO_FILL | 0xdeadbeef);
    assert_false(fake_gpa_is_mapped(gm.gpa, 1));
    assert_int_equal(fs.pages_written, 0);
    struct ccache_stats cs;
    ccache_get_stats(&cc, &cs);
    assert_int_equal(cs.stores, 0);
    struct swapper_stats st;
    swapper_get_stats(&sw, &st);
    assert_int_equal(st.out_zero, 2);
    assert_int_equal(st.zero_pages, 2);
    fault_and_check(1);
    fault_and_check(2);
    swapper_get_stats(&sw, &st);
    assert_int_equal(st.in_zero, 2);
    assert_int_equal(st.zero_pages, 0);
    assert_int_equal(gm.page_ins, 2);
    assert_true(physmap_check(&gm.pm));
}

static void test_compressible_pages_go_to_the_cache(void **state)
{
    (void)state;
    start(64, 64);
    fill(3, TEXT);
    fill(4, FILL64);
    ppn_t v[] = { 3, 4 };
    assert_int_equal(swapper_page_out(&sw, v, 2), 2);
    assert_int_equal(entry(3).state, PM_COMPRESSED);
    assert_int_equal(entry(4).state, PM_COMPRESSED);
    assert_int_equal(fs.pages_written, 0);
    struct swapper_stats st;
    swapper_get_stats(&sw, &st);
    assert_int_equal(st.out_compressed, 2);
    assert_int_equal(st.compressed_pages, 2);
    assert_true(st.compressed_bytes > 0 && st.compressed_bytes <= 2048);
    fault_and_check(3);
    fault_and_check(4);
    struct ccache_stats cs;
    ccache_get_stats(&cc, &cs);
    assert_int_equal(cs.lz4_pages + cs.fill_pages, 0);   /* entries freed on page-in */
    swapper_get_stats(&sw, &st);
    assert_int_equal(st.in_compressed, 2);
    assert_int_equal(ccache_check(&cc), 0);
}

/* Incompressible pages of one batch: one write, consecutive slots; a fault
 * on one reads its cluster neighbours in with it. */
static void test_incompressible_pages_swap_as_one_cluster(void **state)
{
    (void)state;
    start(64, 64);
    ppn_t v[6];
    fill_run(v, 10, 6, RANDOM);
    assert_int_equal(swapper_page_out(&sw, v, 6), 6);
    assert_int_equal(fs.writes, 1);
    for (ppn_t i = 0; i < 6; i++) {
        assert_int_equal(entry(v[i]).state, PM_SWAPPED);
        assert_int_equal(entry(v[i]).payload, entry(v[0]).payload + i);
    }
    struct swapper_stats st;
    swapper_get_stats(&sw, &st);
    assert_int_equal(st.out_swapped, 6);
    assert_int_equal(st.swapped_pages, 6);
    assert_int_equal(st.clusters, 1);
    fault_and_check(12);   /* the middle: read-ahead both ways, one read */
    assert_int_equal(fs.reads, 1);
    for (ppn_t i = 0; i < 6; i++)
        check_resident(v[i]);
    swapper_get_stats(&sw, &st);
    assert_int_equal(st.in_swapped, 6);
    assert_int_equal(st.in_readahead, 5);
    assert_int_equal(fs.slots.used, 0);
    assert_true(physmap_check(&gm.pm));
}

/* Read-ahead stops at a page that is no longer SWAPPED in the next slot. */
static void test_readahead_takes_only_cluster_neighbours(void **state)
{
    (void)state;
    start(64, 64);
    ppn_t v[] = { 20, 21, 22, 24 };
    for (int i = 0; i < 4; i++)
        fill(v[i], RANDOM);
    fill(23, RANDOM);
    assert_int_equal(swapper_page_out(&sw, v, 4), 4);
    assert_int_equal(out1(23), 1);   /* slot after 24's: not 22's neighbour */
    fault_and_check(21);
    assert_int_equal(entry(20).state, PM_MAPPED);
    assert_int_equal(entry(22).state, PM_MAPPED);
    assert_int_equal(entry(23).state, PM_SWAPPED);
    assert_int_equal(entry(24).state, PM_SWAPPED);
    fault_and_check(23);
    fault_and_check(24);
    check_resident(20);
    check_resident(22);
}

/* A mixed batch (memtouch fill=mix: zero, text, random by page): the
 * random pages share a cluster though they are three guest pages apart;
 * a fault on one reads the others in with it, passing over the pages that
 * went to the zero tags and the cache, and only pages of the cluster. */
static void test_readahead_passes_over_other_stores(void **state)
{
    (void)state;
    start(64, 64);
    ppn_t v[12];
    static const int kinds[] = { ZEROS, TEXT, RANDOM };
    for (int i = 0; i < 12; i++) {
        v[i] = 30 + i;
        fill(v[i], kinds[i % 3]);
    }
    assert_int_equal(swapper_page_out(&sw, v, 12), 12);
    assert_int_equal(fs.writes, 1);                  /* 32, 35, 38, 41 in one cluster */
    fault_and_check(35);
    assert_int_equal(fs.reads, 1);
    for (ppn_t p = 32; p <= 41; p += 3)
        check_resident(p);                           /* all four came in */
    assert_int_equal(entry(31).state, PM_COMPRESSED);   /* other stores untouched */
    assert_int_equal(entry(33).state, PM_ZERO);
    struct swapper_stats st;
    swapper_get_stats(&sw, &st);
    assert_int_equal(st.in_readahead, 3);
    assert_int_equal(fs.slots.used, 0);
    assert_true(physmap_check(&gm.pm));
}

/* A mixed batch: the guest mappings go with one invalidation. */
static void test_batch_is_flushed_once(void **state)
{
    (void)state;
    start(64, 64);
    const enum kind kinds[] = { ZEROS, FILL32, FILL64, TEXT, RANDOM };
    ppn_t v[20];
    for (ppn_t i = 0; i < 20; i++) {
        v[i] = 30 + i;
        fill(v[i], kinds[i % 5]);
    }
    uint64_t inv = fake_gpa_invalidation_count(gm.gpa), unmaps = fake_gpa_unmap_count(gm.gpa);
    assert_int_equal(swapper_page_out(&sw, v, 20), 20);
    assert_int_equal(fake_gpa_invalidation_count(gm.gpa), inv + 1);
    assert_int_equal(fake_gpa_unmap_count(gm.gpa), unmaps + 20);
    for (ppn_t i = 0; i < 20; i++)
        assert_false(fake_gpa_is_mapped(gm.gpa, v[i]));
    for (ppn_t i = 0; i < 20; i++)
        fault_and_check(v[i]);
}

/* Pinned, untouched and repeated victims are skipped, not touched. */
static void test_ineligible_victims_are_skipped(void **state)
{
    (void)state;
    start(64, 64);
    fill(5, TEXT);
    fill(6, TEXT);
    assert_int_equal(physmap_pin(&gm.pm, 6), PM_OK);
    ppn_t v[] = { 5, 5, 6, 7, GUEST_PAGES + 3 };
    assert_int_equal(swapper_page_out(&sw, v, 5), 1);
    struct swapper_stats st;
    swapper_get_stats(&sw, &st);
    assert_int_equal(st.skipped, 4);
    assert_int_equal(entry(5).state, PM_COMPRESSED);
    check_resident(6);
    assert_int_equal(entry(7).state, PM_UNTOUCHED);
    physmap_unpin(&gm.pm, 6);
    fault_and_check(5);
}

/* The cache over its cap evicts its oldest entries to swap: those pages
 * become SWAPPED and come back from there. */
static void test_cache_eviction_goes_to_swap(void **state)
{
    (void)state;
    start(4, 64);
    ppn_t v[40];
    fill_run(v, 60, 40, TEXT);
    assert_int_equal(swapper_page_out(&sw, v, 40), 40);
    struct swapper_stats st;
    swapper_get_stats(&sw, &st);
    assert_true(st.evicted_to_swap > 0);
    assert_int_equal(st.swapped_pages, st.evicted_to_swap);
    assert_int_equal(st.compressed_pages + st.swapped_pages, 40);
    assert_int_equal(entry(60).state, PM_SWAPPED);   /* the oldest went first */
    assert_int_equal(entry(99).state, PM_COMPRESSED);
    for (ppn_t i = 0; i < 40; i++)
        fault_and_check(v[i]);
    assert_int_equal(ccache_check(&cc), 0);
}

/* Swap has fewer free slots than the cluster: what fits goes out (in
 * smaller clusters), the rest stays resident, intact. */
static void test_out_of_slots_keeps_pages_resident(void **state)
{
    (void)state;
    start(0, 5);
    ppn_t v[8];
    fill_run(v, 100, 8, RANDOM);
    uint64_t free_before = page_free_count();
    /* 8 does not fit; 4 does, then 4 and 2 do not, 1 does: every slot used */
    assert_int_equal(swapper_page_out(&sw, v, 8), 5);
    assert_int_equal(page_free_count(), free_before + 5);
    assert_int_equal(fs.slots.used, 5);
    for (ppn_t i = 0; i < 5; i++)
        assert_int_equal(entry(v[i]).state, PM_SWAPPED);
    for (ppn_t i = 5; i < 8; i++)
        check_resident(v[i]);   /* mapped again, contents untouched */
    struct swapper_stats st;
    swapper_get_stats(&sw, &st);
    assert_int_equal(st.swap_full, 4);   /* 8, 4, 2, then 1 with none left */
    assert_int_equal(st.clusters, 2);
    assert_int_equal(st.kept_resident, 3);
    assert_false(st.swap_failed);
    assert_int_equal(swapper_page_out(&sw, v + 5, 3), 0);   /* none left */
    for (ppn_t i = 5; i < 8; i++)
        check_resident(v[i]);
    for (ppn_t i = 0; i < 8; i++)
        fault_and_check(v[i]);
}

/* A write error: the pages stay, swap is off for good, compressible pages
 * still go to the cache and incompressible ones stay; nothing is lost. */
static void test_write_error_falls_back_to_the_cache(void **state)
{
    (void)state;
    start(64, 64);
    fill(110, RANDOM);
    fill(111, RANDOM);
    fill(112, TEXT);
    fill(113, RANDOM);
    fs.fail_next_write = true;
    ppn_t v[] = { 110, 111 };
    assert_int_equal(swapper_page_out(&sw, v, 2), 0);
    check_resident(110);
    check_resident(111);
    struct swapper_stats st;
    swapper_get_stats(&sw, &st);
    assert_true(st.swap_failed);
    assert_int_equal(st.swap_write_errors, 1);
    uint64_t writes = fs.writes;
    ppn_t w[] = { 112, 113 };
    assert_int_equal(swapper_page_out(&sw, w, 2), 1);
    assert_int_equal(entry(112).state, PM_COMPRESSED);
    check_resident(113);
    assert_int_equal(fs.writes, writes);   /* not asked again */
    fault_and_check(112);
}

/* With swap gone, an entry the cache evicts comes back resident. */
static void test_eviction_without_swap_keeps_pages_resident(void **state)
{
    (void)state;
    start(3, 0);
    ppn_t v[30];
    fill_run(v, 120, 30, TEXT);
    assert_true(swapper_page_out(&sw, v, 30) > 0);
    struct swapper_stats st;
    swapper_get_stats(&sw, &st);
    assert_true(st.evicted_resident > 0);
    assert_int_equal(st.lost, 0);
    check_resident(120);   /* evicted first, brought back */
    for (ppn_t i = 0; i < 30; i++)
        fault_and_check(v[i]);
}

/* The worst case: swap failed and no machine page free when the cache is
 * told to give everything back. The evictions are refused, the entries stay,
 * and every page comes back intact once memory is there again. */
static void test_eviction_with_nowhere_to_go_is_refused(void **state)
{
    (void)state;
    start(64, 64);
    fs.failed = true;
    ppn_t v[24];
    fill_run(v, 40, 24, TEXT);
    assert_int_equal(swapper_page_out(&sw, v, 24), 24);
    size_t n = hog_all();
    ccache_set_cap(&cc, 0);
    assert_int_equal(ccache_shrink(&cc, 24), 0);
    struct swapper_stats st;
    swapper_get_stats(&sw, &st);
    assert_true(st.evict_refused >= 2);
    assert_int_equal(st.lost, 0);
    assert_int_equal(st.compressed_pages, 24);
    /* One free page: the oldest entry comes back resident, which frees
     * cache storage for the next ones, until that runs out again. */
    unhog(&n, 1);
    uint64_t k = ccache_shrink(&cc, 24);
    assert_true(k >= 1 && k < 24);
    swapper_get_stats(&sw, &st);
    assert_int_equal(st.evicted_resident, k);
    for (ppn_t i = 0; i < 24; i++) {
        if (i < k)
            check_resident(v[i]);   /* oldest first */
        else
            assert_int_equal(entry(v[i]).state, PM_COMPRESSED);
    }
    unhog(&n, n);
    for (ppn_t i = 0; i < 24; i++)
        fault_and_check(v[i]);
    assert_int_equal(ccache_check(&cc), 0);
}

/* A read error on the faulting page is "data lost", distinct from a
 * failure to allocate; one on a read-ahead neighbour only costs the
 * read-ahead. */
static void test_read_error_is_data_lost(void **state)
{
    (void)state;
    start(0, 64);
    ppn_t v[] = { 130, 131, 132, 133 };
    for (int i = 0; i < 4; i++)
        fill(v[i], RANDOM);
    assert_int_equal(swapper_page_out(&sw, v, 4), 4);
    fs.bad_read_slot = entry(133).payload;
    fault_and_check(131);          /* the cluster read fails; alone it works */
    assert_int_equal(entry(130).state, PM_SWAPPED);
    assert_int_equal(entry(132).state, PM_SWAPPED);
    uint64_t free_before = page_free_count();
    assert_int_equal(guest_mem_fault(&gm, 133 * PAGE_SIZE), GM_FAULT_LOST);
    assert_int_equal(swapper_page_in(&sw, 133), SWAPPER_IN_LOST);
    assert_int_equal(page_free_count(), free_before);
    assert_int_equal(entry(133).state, PM_SWAPPED);
    struct swapper_stats st;
    swapper_get_stats(&sw, &st);
    assert_int_equal(st.lost, 2);
    fault_and_check(130);
    fault_and_check(132);
}

/* Cache data damaged while out (checksums on): the page-in says "lost",
 * gives back what it allocated, and the entry is freed. */
static void test_corrupt_cache_entry_is_data_lost(void **state)
{
    (void)state;
    start(64, 0);
    fill(135, TEXT);
    assert_int_equal(out1(135), 1);
    assert_int_equal(entry(135).state, PM_COMPRESSED);
    bool flipped = false;
    for (unsigned k = 0; k < CCACHE_NCLASSES && !flipped; k++) {
        if (cc.cls[k].count == 1) {
            ((uint8_t *)plat_mpn_to_va(cc.cls[k].inl[0]))[CCACHE_SLOT_HDR + 5] ^= 0x40;
            flipped = true;
        }
    }
    assert_true(flipped);
    uint64_t free_before = page_free_count();
    assert_int_equal(guest_mem_fault(&gm, 135 * PAGE_SIZE), GM_FAULT_LOST);
    assert_int_equal(page_free_count(), free_before + 1);   /* the entry's storage page too */
    struct swapper_stats st;
    swapper_get_stats(&sw, &st);
    assert_int_equal(st.lost, 1);
    assert_int_equal(swapper_page_in(&sw, 135), SWAPPER_IN_LOST);   /* still lost */
    assert_int_equal(ccache_check(&cc), 0);
}

/* Out of machine pages: page-in says so and changes nothing. */
static void test_page_in_without_memory_changes_nothing(void **state)
{
    (void)state;
    start(64, 64);
    fill(140, TEXT);
    fill(141, RANDOM);
    ppn_t v[] = { 140, 141 };
    assert_int_equal(swapper_page_out(&sw, v, 2), 2);
    size_t n = hog_all();
    assert_int_equal(swapper_page_in(&sw, 140), SWAPPER_IN_NOMEM);
    assert_int_equal(guest_mem_fault(&gm, 141 * PAGE_SIZE), GM_FAULT_FAIL);
    assert_int_equal(entry(140).state, PM_COMPRESSED);
    assert_int_equal(entry(141).state, PM_SWAPPED);
    assert_int_equal(swapper_page_in(&sw, 7), SWAPPER_IN_NOT_OUT);
    unhog(&n, n);
    fault_and_check(140);
    fault_and_check(141);
}

/* Tearing the VM down (guest_mem_destroy alone) gives back its slots,
 * cache entries and pages. */
static void test_destroy_gives_back_slots_and_entries(void **state)
{
    (void)state;
    start(64, 64);
    fill(150, TEXT);
    fill(151, RANDOM);
    fill(152, ZEROS);
    fill(153, RANDOM);
    ppn_t v[] = { 150, 151, 152 };
    assert_int_equal(swapper_page_out(&sw, v, 3), 3);
    assert_int_equal(fs.slots.used, 1);
    assert_int_equal(guest_mem_destroy(&gm), 1);      /* 153 was resident */
    assert_int_equal(fs.slots.used, 0);
    assert_true(page_free_count() >= baseline);       /* the heap may keep its pages */
    assert_null(gm.swapper);
    swapper_destroy(&sw);                             /* twice is harmless */
}

/* The balloon takes pages that are paged out: the swap slot and the cache
 * entry are freed at once (swapper_drop), a zero tag costs nothing; a
 * touch of a ballooned page maps a fresh zero page, not the old contents. */
static void test_balloon_drops_slots_and_entries(void **state)
{
    (void)state;
    start(64, 64);
    fill(20, TEXT);
    fill(21, RANDOM);
    fill(22, ZEROS);
    ppn_t v[] = { 20, 21, 22 };
    assert_int_equal(swapper_page_out(&sw, v, 3), 3);
    assert_int_equal(entry(20).state, PM_COMPRESSED);
    assert_int_equal(entry(21).state, PM_SWAPPED);
    assert_int_equal(entry(22).state, PM_ZERO);
    assert_int_equal(fs.slots.used, 1);
    for (ppn_t p = 20; p <= 22; p++)
        assert_int_equal(guest_mem_balloon(&gm, p), GM_BALLOON_OK);
    assert_int_equal(fs.slots.used, 0);
    struct ccache_stats cs;
    ccache_get_stats(&cc, &cs);
    assert_int_equal(cs.lz4_pages + cs.fill_pages, 0);
    assert_int_equal(ccache_check(&cc), 0);
    assert_int_equal(physmap_count(&gm.pm, PM_BALLOONED), 3);
    assert_true(guest_mem_touch(&gm, 21 * PAGE_SIZE));
    struct pm_entry e = entry(21);
    assert_int_equal(e.state, PM_MAPPED);
    const uint8_t *page = plat_mpn_to_va(e.payload);
    for (size_t i = 0; i < PAGE_SIZE; i++)
        assert_int_equal(page[i], 0);
    assert_true(physmap_check(&gm.pm));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_zero_and_fill32_pages_cost_nothing, teardown),
        cmocka_unit_test_teardown(test_balloon_drops_slots_and_entries, teardown),
        cmocka_unit_test_teardown(test_compressible_pages_go_to_the_cache, teardown),
        cmocka_unit_test_teardown(test_incompressible_pages_swap_as_one_cluster, teardown),
        cmocka_unit_test_teardown(test_readahead_takes_only_cluster_neighbours, teardown),
        cmocka_unit_test_teardown(test_readahead_passes_over_other_stores, teardown),
        cmocka_unit_test_teardown(test_batch_is_flushed_once, teardown),
        cmocka_unit_test_teardown(test_ineligible_victims_are_skipped, teardown),
        cmocka_unit_test_teardown(test_cache_eviction_goes_to_swap, teardown),
        cmocka_unit_test_teardown(test_out_of_slots_keeps_pages_resident, teardown),
        cmocka_unit_test_teardown(test_write_error_falls_back_to_the_cache, teardown),
        cmocka_unit_test_teardown(test_eviction_without_swap_keeps_pages_resident, teardown),
        cmocka_unit_test_teardown(test_eviction_with_nowhere_to_go_is_refused, teardown),
        cmocka_unit_test_teardown(test_read_error_is_data_lost, teardown),
        cmocka_unit_test_teardown(test_corrupt_cache_entry_is_data_lost, teardown),
        cmocka_unit_test_teardown(test_page_in_without_memory_changes_nothing, teardown),
        cmocka_unit_test_teardown(test_destroy_gives_back_slots_and_entries, teardown),
    };
    return cmocka_run_group_tests_name("swapper", tests, NULL, NULL);
}
