/* The fault path (mm/guest_mem.c) on the hosted platform: first touches map
 * zeroed pages, mappings taken away are refilled without allocating, pages
 * released and touched again come back zeroed, and running out of machine
 * pages (or of the platform's table memory) changes nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "mm/guest_mem.h"
#include "mm/page_alloc.h"
#include "mm/mpn_db.h"
#include "mm/heap.h"
#include "mm/sampler.h"
#include "tests/fake/platform_fake.h"
#include "tests/fake/fake_gpa.h"
#include "mm/guest_rom.h"
#include "mm/guest_devmem.h"

#define MACHINE_PAGES 512
#define GUEST_MB 2
#define OWNER (OWNER_VM_BASE + 3)

static struct guest_mem gm;

static int setup(void **state)
{
    (void)state;
    /* Dirty every machine page so that "zeroed" means something. */
    uint8_t *arena = fake_plat_arena_init(MACHINE_PAGES);
    memset(arena, 0xa5, (size_t)MACHINE_PAGES * PAGE_SIZE);
    page_alloc_init_flat(MACHINE_PAGES);
    heap_init();
    assert_true(guest_mem_init(&gm, (uint64_t)GUEST_MB << 20, OWNER));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    guest_mem_destroy(&gm);
    guest_rom_drop();
    assert_int_equal(page_alloc_check(), 0);
    fake_plat_arena_free();
    return 0;
}

static bool all_zero(mpn_t m)
{
    const uint8_t *p = plat_mpn_to_va(m);
    for (size_t i = 0; i < PAGE_SIZE; i++)
        if (p[i])
            return false;
    return true;
}

static struct pm_entry entry(ppn_t ppn)
{
    struct pm_entry e;
    assert_int_equal(physmap_lookup(&gm.pm, ppn, &e), PM_OK);
    return e;
}

static void test_first_touch_maps_a_zeroed_page(void **state)
{
    (void)state;
    uint64_t free_before = page_free_count();
    assert_true(guest_mem_touch(&gm, 0x100123));
    ppn_t ppn = 0x100;
    struct pm_entry e = entry(ppn);
    assert_int_equal(e.state, PM_MAPPED);
    assert_int_equal(plat_gpa_lookup(gm.gpa, ppn), e.payload);
    assert_int_equal(fake_gpa_rights(gm.gpa, ppn), PLAT_GPA_RWX);
    assert_true(all_zero(e.payload));
    assert_int_equal(mpn_db_rec(e.payload)->owner, OWNER);
    assert_int_equal(page_free_count(), free_before - 1);
    assert_int_equal(guest_mem_pages(&gm), 1);
    assert_int_equal(gm.first_touches, 1);
    assert_true(physmap_check(&gm.pm));
}

/* The sampler (or, later, the swapper before it decides) takes a mapping
 * away: the next touch maps the same page again, contents intact. */
static void test_unmapped_backed_page_is_refilled(void **state)
{
    (void)state;
    assert_true(guest_mem_write(&gm, 0x2000, "kept", 4));
    mpn_t m = entry(2).payload;
    assert_true(guest_mem_unmap(&gm, 0x2abc));        /* as pc-testdev's page drop asks */
    assert_false(fake_gpa_touch(gm.gpa, 2));          /* the guest would fault */
    assert_int_equal(entry(2).state, PM_MAPPED);      /* still backed */
    assert_false(guest_mem_unmap(&gm, 0x7000));       /* never touched: nothing to drop */
    assert_false(guest_mem_unmap(&gm, 0xe0000000));   /* not RAM */
    uint64_t free_before = page_free_count();
    assert_true(guest_mem_touch(&gm, 0x2ff0));
    assert_true(fake_gpa_touch(gm.gpa, 2));
    assert_int_equal(plat_gpa_lookup(gm.gpa, 2), m);
    assert_int_equal(page_free_count(), free_before);  /* nothing allocated */
    assert_memory_equal(plat_mpn_to_va(m), "kept", 4);
    assert_int_equal(gm.refills, 1);
}

/* Released to ZERO (what reclamation of a zero page does): the mapping goes
 * with it, and the next touch gets a fresh zeroed page. */
static void test_released_page_faults_back_zeroed(void **state)
{
    (void)state;
    assert_true(guest_mem_write(&gm, 0x5000, "data", 4));
    mpn_t old = INVALID_MPN;
    assert_int_equal(physmap_release(&gm.pm, 5, PM_ZERO, 0, &old), PM_OK);
    page_free(old);
    assert_false(fake_gpa_is_mapped(gm.gpa, 5));
    assert_int_equal(guest_mem_pages(&gm), 0);
    assert_true(guest_mem_touch(&gm, 0x5000));
    struct pm_entry e = entry(5);
    assert_int_equal(e.state, PM_MAPPED);
    assert_true(all_zero(e.payload));
    assert_int_equal(gm.first_touches, 2);
}

/* The balloon takes a page: its machine page is freed at once and the
 * mapping goes; a second inflate is a repeat, the legacy hole and pages
 * past the end are not RAM; a touch without deflating maps a fresh zero
 * page, and a deflated page is untouched again. */
/* A look from the shell reads what the guest would without changing
 * anything: a page in memory as it is, untouched and zero pages as zeros,
 * a ballooned one said so; nothing is faulted in, and a range past a page
 * or outside RAM is refused. */
static void test_peek_changes_nothing(void **state)
{
    (void)state;
    uint8_t buf[16];
    assert_true(guest_mem_write(&gm, 0x5ff8, "0123456789abcdef", 16));
    assert_int_equal(guest_mem_peek(&gm, 0x5ff8, buf, 8), GM_PEEK_IN_MEMORY);
    assert_memory_equal(buf, "01234567", 8);
    assert_int_equal(guest_mem_peek(&gm, 0x6000, buf, 8), GM_PEEK_IN_MEMORY);
    assert_memory_equal(buf, "89abcdef", 8);
    assert_int_equal(guest_mem_peek(&gm, 0x5ff8, buf, 16), GM_PEEK_NOT_RAM);   /* two pages */
    plat_gpa_unmap(gm.gpa, 5);         /* the sampler's zap: still backed */
    assert_int_equal(guest_mem_peek(&gm, 0x5ff8, buf, 4), GM_PEEK_IN_MEMORY);
    assert_memory_equal(buf, "0123", 4);
    uint64_t free_before = page_free_count(), touches = gm.first_touches;
    memset(buf, 0x77, sizeof buf);
    assert_int_equal(guest_mem_peek(&gm, 0x9000, buf, 16), GM_PEEK_UNBACKED);
    assert_true(buf[0] == 0 && buf[15] == 0);
    assert_int_equal(entry(9).state, PM_UNTOUCHED);
    /* released as one value repeated, or to swap: nothing read back */
    const enum pm_state to[] = { PM_ZERO, PM_SWAPPED, PM_COMPRESSED };
    const uint64_t payload[] = { PM_ZERO_FILL | 0x11223344, 7, 42 };
    const enum gm_peek want[] = { GM_PEEK_UNBACKED, GM_PEEK_PAGED_OUT, GM_PEEK_PAGED_OUT };
    for (unsigned i = 0; i < 3; i++) {
        assert_true(guest_mem_touch(&gm, (0x20 + i) << PAGE_SHIFT));
        mpn_t old = INVALID_MPN;
        assert_int_equal(physmap_release(&gm.pm, 0x20 + i, to[i], payload[i], &old), PM_OK);
        page_free(old);
        assert_int_equal(guest_mem_peek(&gm, ((0x20 + i) << PAGE_SHIFT) + 2, buf, 4), want[i]);
        assert_int_equal(entry(0x20 + i).state, to[i]);
    }
    /* the first one: bytes 2-5 of 44 33 22 11 44 33 22 11 ... */
    assert_true(guest_mem_peek(&gm, 0x20002, buf, 4) == GM_PEEK_UNBACKED &&
                buf[0] == 0x22 && buf[1] == 0x11 && buf[2] == 0x44 && buf[3] == 0x33);
    assert_int_equal(guest_mem_balloon(&gm, 6), GM_BALLOON_OK);
    assert_int_equal(guest_mem_peek(&gm, 0x6000, buf, 8), GM_PEEK_BALLOONED);
    assert_int_equal(guest_mem_peek(&gm, 0xb8000, buf, 8), GM_PEEK_NOT_RAM);
    assert_int_equal(guest_mem_peek(&gm, (uint64_t)GUEST_MB << 20, buf, 8), GM_PEEK_NOT_RAM);
    assert_int_equal(page_free_count(), free_before + 1);   /* the balloon's page, the three
                                                               touched and released */
    assert_int_equal(gm.first_touches, touches + 3);        /* the three touches only */
}

static void test_balloon_frees_and_touch_gets_zero(void **state)
{
    (void)state;
    assert_true(guest_mem_write(&gm, 0x6000, "data", 4));
    uint64_t free_before = page_free_count();
    assert_int_equal(guest_mem_balloon(&gm, 6), GM_BALLOON_OK);
    assert_int_equal(page_free_count(), free_before + 1);
    assert_false(fake_gpa_is_mapped(gm.gpa, 6));
    assert_int_equal(entry(6).state, PM_BALLOONED);
    assert_int_equal(guest_mem_balloon(&gm, 6), GM_BALLOON_AGAIN);
    assert_int_equal(guest_mem_balloon(&gm, 0xa0), GM_BALLOON_BAD);
    assert_int_equal(guest_mem_balloon(&gm, (GUEST_MB << 20) >> PAGE_SHIFT), GM_BALLOON_BAD);
    assert_int_equal(guest_mem_balloon(&gm, UINT64_MAX), GM_BALLOON_BAD);
    /* An untouched page can be given too (nothing to free). */
    assert_int_equal(guest_mem_balloon(&gm, 7), GM_BALLOON_OK);
    assert_int_equal(guest_mem_unballoon(&gm, 7), GM_BALLOON_OK);
    assert_int_equal(entry(7).state, PM_UNTOUCHED);
    assert_int_equal(guest_mem_unballoon(&gm, 7), GM_BALLOON_AGAIN);
    assert_int_equal(guest_mem_unballoon(&gm, 0xa0), GM_BALLOON_BAD);
    /* Touched while still in the balloon. */
    assert_true(guest_mem_touch(&gm, 0x6000));
    struct pm_entry e = entry(6);
    assert_int_equal(e.state, PM_MAPPED);
    assert_true(all_zero(e.payload));
    assert_true(physmap_check(&gm.pm));
}

/* Without a swapper attached, a page whose contents are elsewhere cannot be
 * made here: the fault fails and changes nothing (a plain ZERO page can). */
static void test_paged_out_page_without_swapper_fails(void **state)
{
    (void)state;
    const ppn_t ppns[] = { 0x10, 0x11, 0x12 };
    const enum pm_state to[] = { PM_COMPRESSED, PM_SWAPPED, PM_ZERO };
    const uint64_t payload[] = { 42, 7, PM_ZERO_FILL | 0x1234 };
    for (int i = 0; i < 3; i++) {
        assert_true(guest_mem_touch(&gm, ppns[i] << PAGE_SHIFT));
        mpn_t old = INVALID_MPN;
        assert_int_equal(physmap_release(&gm.pm, ppns[i], to[i], payload[i], &old), PM_OK);
        page_free(old);
        uint64_t free_before = page_free_count();
        assert_int_equal(guest_mem_fault(&gm, ppns[i] << PAGE_SHIFT), GM_FAULT_FAIL);
        assert_false(guest_mem_touch(&gm, ppns[i] << PAGE_SHIFT));
        assert_int_equal(entry(ppns[i]).state, to[i]);
        assert_int_equal(entry(ppns[i]).payload, payload[i]);
        assert_int_equal(page_free_count(), free_before);
    }
    assert_int_equal(guest_mem_fault(&gm, GUEST_LOW_RAM_END), GM_FAULT_FAIL);
}

/* Out of machine pages: the touch fails, the page stays untouched and
 * unmapped; with a page back, the same touch succeeds. */
static void test_out_of_machine_pages(void **state)
{
    (void)state;
    mpn_t hog[MACHINE_PAGES];
    size_t n = 0;
    for (mpn_t m; (m = page_alloc(OWNER_KERNEL)) != INVALID_MPN;)
        hog[n++] = m;
    assert_false(guest_mem_touch(&gm, 0x7000));
    assert_int_equal(entry(7).state, PM_UNTOUCHED);
    assert_false(fake_gpa_is_mapped(gm.gpa, 7));
    assert_false(guest_mem_write(&gm, 0x7000, "x", 1));
    assert_int_equal(guest_mem_pages(&gm), 0);
    page_free(hog[--n]);
    assert_true(guest_mem_touch(&gm, 0x7000));
    assert_int_equal(entry(7).state, PM_MAPPED);
    assert_int_equal(page_free_count(), 0);
    while (n)
        page_free(hog[--n]);
    assert_true(physmap_check(&gm.pm));
}

/* The platform cannot map (EPT out of table pages): the page allocated for
 * the touch goes back and nothing is recorded. */
static void test_platform_map_failure_leaks_nothing(void **state)
{
    (void)state;
    uint64_t free_before = page_free_count();
    fake_gpa_fail_maps(gm.gpa, true);
    assert_false(guest_mem_touch(&gm, 0x9000));
    assert_int_equal(page_free_count(), free_before);
    assert_int_equal(entry(9).state, PM_UNTOUCHED);
    fake_gpa_fail_maps(gm.gpa, false);
    assert_true(guest_mem_touch(&gm, 0x9000));
}

/* RAM is [0, 640 KiB) and [1 MiB, ram_bytes): the hole and what lies past
 * the end are refused without allocating. */
static void test_hole_and_end_are_not_ram(void **state)
{
    (void)state;
    uint64_t free_before = page_free_count();
    assert_false(guest_mem_touch(&gm, GUEST_LOW_RAM_END));
    assert_false(guest_mem_touch(&gm, 0xfffff));
    assert_false(guest_mem_touch(&gm, (uint64_t)GUEST_MB << 20));
    assert_false(guest_mem_touch(&gm, ~0ULL));
    assert_false(guest_mem_write(&gm, 0x9fffe, "abcd", 4)); /* runs into the hole */
    assert_int_equal(page_free_count(), free_before - 1);  /* 0x9f000 was backed first */
    assert_true(guest_mem_touch(&gm, GUEST_LOW_RAM_END - 1));
    assert_true(guest_mem_touch(&gm, GUEST_HIGH_RAM_START));
    assert_true(guest_mem_touch(&gm, ((uint64_t)GUEST_MB << 20) - 1));
}

/* More than 3 GiB: RAM stops at 3 GiB and goes on at 4 GiB, as on a PC, so
 * the devices' pages below 4 GiB are never RAM; the hole's pages are ABSENT
 * in the physmap and take no machine page. */
#define BIG_MACHINE_PAGES 8192
static int setup_big(void **state)
{
    (void)state;
    fake_plat_arena_init(BIG_MACHINE_PAGES);
    page_alloc_init_flat(BIG_MACHINE_PAGES);
    heap_init();
    assert_true(guest_mem_init(&gm, GUEST_PCI_HOLE_START + (8 << 20), OWNER));
    return 0;
}

static void test_pci_hole_is_not_ram(void **state)
{
    (void)state;
    const uint64_t hole = GUEST_PCI_HOLE_END - GUEST_PCI_HOLE_START;
    assert_int_equal(gm.pm.npages, (GUEST_PCI_HOLE_END + (8 << 20)) >> PAGE_SHIFT);
    assert_int_equal(physmap_count(&gm.pm, PM_ABSENT), hole >> PAGE_SHIFT);
    assert_int_equal(physmap_ram_pages(&gm.pm), (GUEST_PCI_HOLE_START + (8 << 20)) >> PAGE_SHIFT);
    assert_true(physmap_check(&gm.pm));
    uint64_t free_before = page_free_count();
    assert_true(guest_mem_is_ram(&gm, GUEST_PCI_HOLE_START - 1));
    assert_false(guest_mem_is_ram(&gm, GUEST_PCI_HOLE_START));
    assert_false(guest_mem_is_ram(&gm, 0xfee00000));
    assert_false(guest_mem_touch(&gm, 0xfec00000));
    assert_int_equal(entry(0xfec00).state, PM_ABSENT);
    assert_int_equal(page_free_count(), free_before);
    assert_true(guest_mem_touch(&gm, GUEST_PCI_HOLE_START - 1));
    assert_true(guest_mem_touch(&gm, GUEST_PCI_HOLE_END));
    assert_true(guest_mem_touch(&gm, GUEST_PCI_HOLE_END + (8 << 20) - 1));
    assert_false(guest_mem_touch(&gm, GUEST_PCI_HOLE_END + (8 << 20)));
    assert_int_equal(page_free_count(), free_before - 3);
    /* a balloon cannot take a page that is not there */
    assert_int_equal(physmap_balloon(&gm.pm, 0xfee00, NULL), PM_ESTATE);
    assert_int_equal(physmap_map(&gm.pm, 0xfee00, 5, NULL), PM_ESTATE);
    assert_true(physmap_check(&gm.pm));
}

static void test_write_spans_pages(void **state)
{
    (void)state;
    const char msg[] = "0123456789abcdef";
    assert_true(guest_mem_write(&gm, 0x1ff8, msg, 16));
    assert_memory_equal((uint8_t *)plat_mpn_to_va(entry(1).payload) + 0xff8, msg, 8);
    assert_memory_equal(plat_mpn_to_va(entry(2).payload), msg + 8, 8);
    /* Writing a mapped page again allocates nothing and counts no fault. */
    uint64_t touches = gm.first_touches, free_before = page_free_count();
    assert_true(guest_mem_write(&gm, 0x1000, "z", 1));
    assert_int_equal(gm.first_touches, touches);
    assert_int_equal(page_free_count(), free_before);
}

/* Each touch is a sample for the working-set estimate. */
static void test_touches_reach_the_sampler(void **state)
{
    (void)state;
    struct sampler smp;
    struct sampler_config sc;
    sampler_default_config(&sc);
    sc.mode = SAMPLER_INVALIDATE;
    uint64_t npages = gm.pm.npages;
    sc.sample_pages = (uint32_t)npages;             /* every page sampled */
    static uint8_t storage[64 * 1024];
    assert_true(sampler_storage_bytes(sc.sample_pages) <= sizeof storage);
    assert_true(sampler_init(&smp, &sc, gm.gpa, npages, storage, sizeof storage, 0));
    gm.sampler = &smp;
    assert_true(guest_mem_touch(&gm, 0x3000));
    assert_true(guest_mem_touch(&gm, 0x4000));
    assert_true(guest_mem_touch(&gm, 0x3000));      /* mapped already: refill */
    assert_int_equal(smp.ntouched, 2);
    gm.sampler = NULL;
}

/* Destroying gives every page back, and a second destroy is harmless. */
static void test_destroy_returns_every_page(void **state)
{
    (void)state;
    uint64_t free_before = page_free_count();
    for (uint64_t gpa = 0; gpa < 0x20000; gpa += PAGE_SIZE)
        assert_true(guest_mem_touch(&gm, gpa));
    assert_int_equal(guest_mem_destroy(&gm), 32);
    assert_int_equal(guest_mem_destroy(&gm), 0);
    assert_false(guest_mem_touch(&gm, 0));
    /* The physmap storage and the fake mappings were heap and host memory. */
    assert_true(page_free_count() >= free_before);
}

/* The BIOS area reads as one shared zero page, read and execute only; the
 * rest of the hole and RAM are not ROM; the page outlives every VM. */
static void test_bios_area_reads_as_rom(void **state)
{
    (void)state;
    assert_true(guest_rom_map(&gm, 0xf0123));
    assert_true(guest_rom_map(&gm, 0xe0000));
    mpn_t a = plat_gpa_lookup(gm.gpa, 0xf0), b = plat_gpa_lookup(gm.gpa, 0xe0);
    assert_true(a != INVALID_MPN && a == b);
    assert_true(all_zero(a));
    assert_int_equal(fake_gpa_rights(gm.gpa, 0xf0), PLAT_GPA_R | PLAT_GPA_X);
    assert_false(guest_rom_map(&gm, 0xb8000));   /* VGA: not ROM */
    assert_false(guest_rom_map(&gm, 0x100000));  /* RAM */
    assert_false(guest_rom_map(&gm, 0xdffff));
    assert_int_equal(guest_mem_pages(&gm), 0);   /* no guest page was backed */
    guest_mem_destroy(&gm);
    assert_int_equal(mpn_db_rec(a)->owner, OWNER_GUEST_ROM); /* not freed with the VM */
}

/* Code fetched from the legacy hole: its pages map one shared page of all
 * ones, read and execute only, not RAM, kept when the VM goes; nowhere
 * else. */
static void test_legacy_hole_fetches_read_all_ones(void **state)
{
    (void)state;
    assert_true(guest_rom_map_floating(&gm, 0xa0000));
    assert_true(guest_rom_map_floating(&gm, 0xdffff));
    mpn_t a = plat_gpa_lookup(gm.gpa, 0xa0), b = plat_gpa_lookup(gm.gpa, 0xdf);
    assert_true(a != INVALID_MPN && a == b);
    const uint8_t *p = plat_mpn_to_va(a);
    for (size_t i = 0; i < PAGE_SIZE; i++)
        assert_int_equal(p[i], 0xff);
    assert_int_equal(fake_gpa_rights(gm.gpa, 0xa0), PLAT_GPA_R | PLAT_GPA_X);
    assert_false(guest_rom_map_floating(&gm, 0x9ffff));   /* RAM */
    assert_false(guest_rom_map_floating(&gm, 0xe0000));   /* the BIOS area */
    assert_int_equal(guest_mem_pages(&gm), 0);
    guest_mem_destroy(&gm);
    assert_int_equal(mpn_db_rec(a)->owner, OWNER_GUEST_ROM);
}

/* A VM's own ROM page (its ACPI tables): its content, read and execute
 * only, apart from the shared zero page; wrong places refused; freed by its
 * owner after the VM's mappings are gone. */
static void test_own_rom_page(void **state)
{
    (void)state;
    uint64_t free_before = page_free_count();
    static const char rsdp[] = "RSD PTR ";
    assert_int_equal(guest_rom_install(&gm, 0xe0010, rsdp, 8, false), INVALID_MPN); /* unaligned */
    assert_int_equal(guest_rom_install(&gm, 0x100000, rsdp, 8, false), INVALID_MPN); /* RAM */
    assert_int_equal(guest_rom_install(&gm, 0xe0000, rsdp, PAGE_SIZE + 1, false), INVALID_MPN);
    assert_int_equal(page_free_count(), free_before);
    mpn_t own = guest_rom_install(&gm, 0xe0000, rsdp, 8, false);
    assert_true(own != INVALID_MPN);
    assert_int_equal(page_free_count(), free_before - 1);
    assert_int_equal(plat_gpa_lookup(gm.gpa, 0xe0), own);
    assert_int_equal(fake_gpa_rights(gm.gpa, 0xe0), PLAT_GPA_R | PLAT_GPA_X);
    const uint8_t *p = plat_mpn_to_va(own);
    assert_memory_equal(p, "RSD PTR ", 8);
    for (size_t i = 8; i < PAGE_SIZE; i++)
        assert_int_equal(p[i], 0);
    /* The next page is the shared zero page, not this one. */
    assert_true(guest_rom_map(&gm, 0xe1000));
    mpn_t zero = plat_gpa_lookup(gm.gpa, 0xe1);
    assert_true(zero != own && all_zero(zero));
    assert_int_equal(guest_mem_pages(&gm), 0); /* ROM is not the guest's RAM */
    assert_int_equal(page_free_count(), free_before - 2);
    /* A writable one (the ACPI page, with the FACS). */
    mpn_t rw = guest_rom_install(&gm, 0xe2000, rsdp, 8, true);
    assert_true(rw != INVALID_MPN);
    assert_int_equal(fake_gpa_rights(gm.gpa, 0xe2), PLAT_GPA_R | PLAT_GPA_W | PLAT_GPA_X);
    guest_mem_destroy(&gm);
    uint64_t free_after = page_free_count();
    assert_int_equal(mpn_db_rec(own)->owner, OWNER_GUEST_ROM); /* the VM did not free it */
    guest_rom_free(own);
    guest_rom_free(rw);
    guest_rom_drop();
    assert_int_equal(page_free_count(), free_after + 3);
}

/* A device's memory outside RAM (pc-testdev's window): zeroed pages mapped
 * read, write and execute where the guest put no RAM; refused over RAM or
 * unaligned with nothing taken; not the VM's pages, freed by their owner. */
static void test_device_memory_outside_ram(void **state)
{
    (void)state;
    uint64_t free_before = page_free_count();
    mpn_t pages[4];
    assert_false(guest_devmem_map(&gm, 0x100000, pages, 4));          /* RAM */
    assert_false(guest_devmem_map(&gm, 0xff000010, pages, 4));        /* unaligned */
    assert_false(guest_devmem_map(&gm, 0xfe000, pages, 4));           /* runs into RAM */
    assert_int_equal(page_free_count(), free_before);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(pages[i], INVALID_MPN);
    /* (The fake's mappings end with the guest's RAM: the legacy hole stands
     * for pc-testdev's window at 0xff000000 here.) */
    assert_true(guest_devmem_map(&gm, 0xa0000, pages, 4));
    assert_int_equal(page_free_count(), free_before - 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(plat_gpa_lookup(gm.gpa, 0xa0 + i), pages[i]);
        assert_int_equal(fake_gpa_rights(gm.gpa, 0xa0 + i),
                         PLAT_GPA_R | PLAT_GPA_W | PLAT_GPA_X);
        assert_true(all_zero(pages[i]));
        assert_int_equal(mpn_db_rec(pages[i])->owner, OWNER_DEVMEM);
    }
    assert_int_equal(guest_mem_pages(&gm), 0);   /* not the guest's RAM */
    assert_false(guest_mem_unmap(&gm, 0xa0000));  /* nor dropped as RAM is */
    guest_mem_destroy(&gm);
    uint64_t free_after = page_free_count();
    assert_int_equal(mpn_db_rec(pages[0])->owner, OWNER_DEVMEM); /* the VM did not free them */
    guest_devmem_free(pages, 4);
    assert_int_equal(pages[3], INVALID_MPN);
    assert_int_equal(page_free_count(), free_after + 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_touch_maps_a_zeroed_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bios_area_reads_as_rom, setup, teardown),
cmocka_unit_test_setup_teardown(test_legacy_hole_fetches_read_all_ones, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_rom_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmapped_backed_page_is_refilled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_released_page_faults_back_zeroed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peek_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_balloon_frees_and_touch_gets_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paged_out_page_without_swapper_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_machine_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_platform_map_failure_leaks_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hole_and_end_are_not_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pci_hole_is_not_ram, setup_big, teardown),
        cmocka_unit_test_setup_teardown(test_write_spans_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_touches_reach_the_sampler, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_returns_every_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_memory_outside_ram, setup, teardown),
    };
    return cmocka_run_group_tests_name("guest_mem", tests, NULL, NULL);
}
