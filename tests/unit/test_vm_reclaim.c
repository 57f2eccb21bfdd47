/* kernel/vm_reclaim.c on the hosted platform, with the real swapper,
 * compression cache, victim selection and preallocation and a swap device
 * in host memory: a release pages out the pages idle longest in guest
 * order (so a swap-in's read-ahead finds them), pages no store takes are
 * not chosen again, a preallocated VM holds all its memory, a pinned one is
 * never reclaimed, faults say whether they allocated, blocked time adds up. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/vm_reclaim.h"
#include "kernel/vm.h"
#include "kernel/host_config.h"
#include "kernel/swap_store_dev.h"
#include "mm/page_alloc.h"
#include "mm/heap.h"
#include "tests/fake/platform_fake.h"
#include "tests/fake/fake_gpa.h"
#include "tests/fake/fake_swap_store.h"

#define MACHINE_PAGES 2048
#define GUEST_PAGES 256
#define OWNER (OWNER_VM_BASE + 3)

struct host_config g_host_config;
static struct fake_swap_store fs;
static struct swap_store_ops fs_ops;
static bool have_swap;

/* The image's adapter over kernel/swap_dev.c, replaced by the fake device. */
const struct swap_store_ops *swap_store_dev_ops(void) { return have_swap ? &fs_ops : NULL; }

static struct vm vm;

static void start(bool swap, bool pinned, bool prealloc)
{
    fake_plat_arena_init(MACHINE_PAGES);
    page_alloc_init_flat(MACHINE_PAGES);
    heap_init();
    fake_gpa_set_accessed_bits(true);
    memset(&g_host_config, 0, sizeof g_host_config);
    g_host_config.victim_policy = VICTIM_RECENT;
    g_host_config.age_period_ms = 1000;
    g_host_config.ccache_pct = 10;
    have_swap = swap;
    fake_swap_store_init(&fs, 512, &fs_ops);
    memset(&vm, 0, sizeof vm);
    vm.cfg.prealloc_pinned = pinned;
    vm.cfg.prealloc_main = prealloc;
    assert_true(guest_mem_init(&vm.mem.ram, (uint64_t)GUEST_PAGES * PAGE_SIZE, OWNER));
    char why[120];
    assert_true(vm_reclaim_init(&vm, why, sizeof why));
}

static int teardown(void **state)
{
    (void)state;
    vm_reclaim_destroy(&vm);
    guest_mem_destroy(&vm.mem.ram);
    assert_int_equal(fs.slots.used, 0);
    assert_int_equal(page_alloc_check(), 0);
    fake_swap_store_destroy(&fs);
    fake_plat_arena_free();
    return 0;
}

/* Touches pages [lo, hi) through the fault path, each filled with `byte`
 * after its first 8 bytes (its page number): random-looking when byte is
 * 0xff (see fill_random), so that it goes to disk. */
static void fill_random(ppn_t p)
{
    struct pm_entry e;
    physmap_lookup(&vm.mem.ram.pm, p, &e);
    uint32_t *w = plat_mpn_to_va(e.payload);
    uint32_t x = 2463534242u ^ (uint32_t)p * 2654435761u;
    for (unsigned i = 0; i < PAGE_SIZE / 4; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        w[i] = x;
    }
}

static void touch(ppn_t lo, ppn_t hi, bool random)
{
    for (ppn_t p = lo; p < hi; p++) {
        bool took = false;
        assert_int_equal(vm_reclaim_fault(&vm, p * PAGE_SIZE, &took), GM_FAULT_OK);
        if (random)
            fill_random(p);
        fake_gpa_touch(vm.mem.ram.gpa, p);
    }
}

static void age(void)
{
    static uint64_t t = 1;
    t += 2000000000ULL;
    vm_reclaim_age(&vm, t);
}

/* Pages idle longest go first, and their slots follow guest order: a fault
 * on the first brings the next ones in with one read. */
static void test_release_in_guest_order(void **state)
{
    (void)state;
    start(true, false, false);
    touch(16, 80, true);
    age();
    touch(16, 32, false);
    touch(48, 80, false);                    /* 32..47 idle longest, then 16..31 */
    age();
    touch(48, 80, false);
    age();
    uint64_t held = guest_mem_pages(&vm.mem.ram);
    assert_int_equal(vm_reclaim_release(&vm, 32), 32);
    assert_int_equal(guest_mem_pages(&vm.mem.ram), held - 32);
    for (ppn_t p = 16; p < 48; p++) {
        struct pm_entry e;
        physmap_lookup(&vm.mem.ram.pm, p, &e);
        assert_int_equal(e.state, PM_SWAPPED);
        assert_int_equal(e.payload, 0 + (p - 16));   /* slots in guest order */
    }
    assert_int_equal(vm.mem.rc.released, 32);
    assert_int_equal(vm_reclaim_page_kind(&vm, 20 * PAGE_SIZE), VM_RECLAIM_IN_SWAP);
    bool took = false;
    assert_int_equal(vm_reclaim_fault(&vm, 16 * PAGE_SIZE, &took), GM_FAULT_OK);
    assert_true(took);
    assert_int_equal(fs.reads, 1);
    assert_int_equal(vm_reclaim_page_kind(&vm, 23 * PAGE_SIZE), VM_RECLAIM_BACKED);  /* read ahead */
    assert_int_equal(vm_reclaim_page_kind(&vm, 24 * PAGE_SIZE), VM_RECLAIM_IN_SWAP);
}

/* Without swap, incompressible pages stay: the next release takes other
 * pages instead of the same ones (zero pages here, which cost nothing). */
static void test_kept_pages_are_passed_over(void **state)
{
    (void)state;
    start(false, false, false);
    touch(16, 48, true);                     /* incompressible, oldest */
    age();
    touch(48, 80, false);                    /* zero pages */
    age();
    touch(80, 90, false);
    age();
    assert_int_equal(vm_reclaim_release(&vm, 32), 0);   /* nowhere for them */
    assert_int_equal(vm_reclaim_release(&vm, 32), 32);  /* the zero pages go now */
    assert_int_equal(vm_reclaim_page_kind(&vm, 50 * PAGE_SIZE), VM_RECLAIM_IN_ZERO);
    assert_int_equal(vm_reclaim_page_kind(&vm, 20 * PAGE_SIZE), VM_RECLAIM_BACKED);
    assert_int_equal(vm_reclaim_page_kind(&vm, 120 * PAGE_SIZE), VM_RECLAIM_NEW);
    assert_int_equal(vm_reclaim_page_kind(&vm, 200 * PAGE_SIZE), VM_RECLAIM_BACKED);  /* not RAM */
}

/* Preallocation takes every page before the first instruction; pinned
 * pages are never released. */
static void test_prealloc_and_pinned(void **state)
{
    (void)state;
    start(true, true, false);
    char why[120];
    assert_true(vm_reclaim_prealloc(&vm, why, sizeof why));
    assert_int_equal(guest_mem_pages(&vm.mem.ram), GUEST_PAGES);
    assert_int_equal(vm.mem.rc.prealloc_pages, GUEST_PAGES);
    bool took = true;
    assert_int_equal(vm_reclaim_fault(&vm, 5 * PAGE_SIZE, &took), GM_FAULT_OK);
    assert_false(took);                      /* backed already: mapped, not allocated */
    age();
    assert_int_equal(vm_reclaim_release(&vm, 64), 0);
    assert_int_equal(guest_mem_pages(&vm.mem.ram), GUEST_PAGES);
}

/* mainMem (not pinned) is preallocated but stays reclaimable. */
static void test_prealloc_mainmem_reclaimable(void **state)
{
    (void)state;
    start(true, false, true);
    char why[120];
    assert_true(vm_reclaim_prealloc(&vm, why, sizeof why));
    assert_int_equal(guest_mem_pages(&vm.mem.ram), GUEST_PAGES);
    age();
    age();
    assert_int_equal(vm_reclaim_release(&vm, 32), 32);   /* zero pages: tags */
}

/* All or nothing: without the memory, nothing is taken and the reason says so. */
static void test_prealloc_all_or_nothing(void **state)
{
    (void)state;
    start(true, false, true);
    mpn_t hog[MACHINE_PAGES];
    size_t n = 0;
    while (page_free_count() > 100)
        hog[n++] = page_alloc(OWNER_KERNEL);
    uint64_t before = page_free_count();
    char why[120];
    assert_false(vm_reclaim_prealloc(&vm, why, sizeof why));
    assert_string_equal(why, "mainMem: 256 pages could not all be had now");
    assert_int_equal(page_free_count(), before);
    assert_int_equal(guest_mem_pages(&vm.mem.ram), 0);
    while (n)
        page_free(hog[--n]);
}

/* Blocked spells add up; an open spell counts up to now. */
static void test_blocked_time(void **state)
{
    (void)state;
    start(false, false, false);
    vm_reclaim_note_blocked(&vm, 1000);
    vm_reclaim_note_blocked(&vm, 1500);      /* same spell */
    assert_int_equal(vm_reclaim_blocked_ns(&vm, 1800), 800);
    vm_reclaim_note_unblocked(&vm, 2000);
    vm_reclaim_note_unblocked(&vm, 2500);    /* not blocked: nothing */
    vm_reclaim_note_blocked(&vm, 3000);
    assert_int_equal(vm_reclaim_blocked_ns(&vm, 3100), 1100);
    assert_int_equal(vm.mem.rc.blocks, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_release_in_guest_order, teardown),
        cmocka_unit_test_teardown(test_kept_pages_are_passed_over, teardown),
        cmocka_unit_test_teardown(test_prealloc_and_pinned, teardown),
        cmocka_unit_test_teardown(test_prealloc_mainmem_reclaimable, teardown),
        cmocka_unit_test_teardown(test_prealloc_all_or_nothing, teardown),
        cmocka_unit_test_teardown(test_blocked_time, teardown),
    };
    return cmocka_run_group_tests_name("vm_reclaim", tests, NULL, NULL);
}
