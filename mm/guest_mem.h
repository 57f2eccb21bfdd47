/*
 * A VM's guest RAM and its fault path: the physmap (what backs each guest
 * page), the guest mappings (through the platform interface: EPT in the
 * image, an in-memory table in tests) and the first touch that allocates a
 * zeroed machine page, maps it and records it. A page the swapper took away
 * (ZERO, COMPRESSED, SWAPPED) comes back through its page-in when a swapper
 * is attached. Everything below goes through include/hv/platform.h, so the
 * whole path runs hosted.
 *
 * Guest RAM is [0, GUEST_LOW_RAM_END) and [GUEST_HIGH_RAM_START, ram_bytes):
 * the legacy hole between them (VGA, option ROMs, BIOS on a PC) is not RAM.
 * A VM of more than 3 GiB has the PCI hole too, as a PC does: RAM stops at
 * GUEST_PCI_HOLE_START and its rest starts at 4 GiB, so the devices' windows
 * below 4 GiB (the I/O APIC, the local APIC, the balloon's) are never RAM.
 * Its pages are ABSENT in the physmap (never backed; policies skip them).
 */
#ifndef MM_GUEST_MEM_H
#define MM_GUEST_MEM_H

#include "include/hv/types.h"
#include "include/hv/platform.h"
#include "mm/physmap.h"

#define GUEST_LOW_RAM_END    0xA0000ULL
#define GUEST_HIGH_RAM_START 0x100000ULL
#define GUEST_PCI_HOLE_START 0xC0000000ULL   /* 3 GiB */
#define GUEST_PCI_HOLE_END   0x100000000ULL  /* 4 GiB */

/* Where RAM below the PCI hole ends, and where the highest RAM ends (past
 * 4 GiB when the VM has more than 3 GiB), for `ram_bytes` of RAM. */
static inline uint64_t guest_ram_low_end(uint64_t ram_bytes)
{
    return ram_bytes < GUEST_PCI_HOLE_START ? ram_bytes : GUEST_PCI_HOLE_START;
}
static inline uint64_t guest_ram_top(uint64_t ram_bytes)
{
    return ram_bytes <= GUEST_PCI_HOLE_START
               ? ram_bytes
               : ram_bytes - GUEST_PCI_HOLE_START + GUEST_PCI_HOLE_END;
}
/* The PCI hole's pages, from PPN GUEST_PCI_HOLE_START >> PAGE_SHIFT on: none
 * for a VM of 3 GiB or less, whose RAM ends below it. */
static inline uint64_t guest_pci_hole_pages(uint64_t ram_bytes)
{
    return ram_bytes > GUEST_PCI_HOLE_START
               ? (GUEST_PCI_HOLE_END - GUEST_PCI_HOLE_START) >> PAGE_SHIFT
               : 0;
}

struct sampler;
struct swapper;

/* What a fault on guest RAM came to. */
enum gm_fault {
    GM_FAULT_OK = 0,   /* the page is present */
    GM_FAULT_FAIL,     /* not RAM, or no memory now: nothing changed */
    GM_FAULT_LOST,     /* its contents could not be read back: stop the VM */
};

struct guest_mem {
    struct physmap pm;
    void *pm_storage;          /* NULL: not set up, or destroyed */
    struct plat_vm *gpa;       /* the guest mappings */
    uint64_t ram_bytes;
    uint16_t owner;            /* MPN owner tag of the VM's pages */
    struct sampler *sampler;   /* told of every touch; NULL when none */
    struct swapper *swapper;   /* pages in ZERO/COMPRESSED/SWAPPED; NULL when none */
    uint64_t first_touches;    /* pages allocated on a fault */
    uint64_t refills;          /* backed pages whose mapping had been taken away */
    uint64_t page_ins;         /* pages the swapper brought back on a fault */
};

/* An empty guest RAM of `ram_bytes` whose pages will be owned by `owner`.
 * False when the physmap or the guest mappings could not be had; everything
 * made is undone then. */
bool guest_mem_init(struct guest_mem *gm, uint64_t ram_bytes, uint16_t owner);
/* Frees every machine page the guest held, what its swapper holds for it
 * (swapper_destroy: swap slots, cache entries), the physmap and the
 * mappings; returns the guest pages freed. Safe to call twice. */
uint64_t guest_mem_destroy(struct guest_mem *gm);

bool guest_mem_is_ram(const struct guest_mem *gm, uint64_t gpa);
/* Makes `gpa`'s page present: maps it again if it is backed, brings it back
 * through the swapper if it was paged out, else backs it with a zeroed
 * machine page. GM_FAULT_FAIL when not RAM, when machine memory ran out, or
 * the page is paged out and no swapper is attached (nothing changed then);
 * GM_FAULT_LOST when its contents are gone (swap read error, corrupt). */
enum gm_fault guest_mem_fault(struct guest_mem *gm, uint64_t gpa);
/* guest_mem_fault() == GM_FAULT_OK. */
bool guest_mem_touch(struct guest_mem *gm, uint64_t gpa);
/* Takes the guest's mapping of a backed page away, its contents kept, as
 * the sampler does: the next access faults and guest_mem_fault maps it
 * again. QEMU's pc-testdev asks this (vmm/dev_testdev.h). False, nothing
 * changed: not RAM, or not a page mapped to a machine page of its own. */
bool guest_mem_unmap(struct guest_mem *gm, uint64_t gpa);
/* Copies into guest RAM, backing pages as needed; false as guest_mem_touch. */
bool guest_mem_write(struct guest_mem *gm, uint64_t gpa, const void *src, size_t len);

/* What a look at guest RAM from the shell (`vm peek`) found in a page. */
enum gm_peek {
    GM_PEEK_IN_MEMORY = 0, /* copied from its machine page */
    GM_PEEK_UNBACKED,      /* no machine page: never touched (zeros), or
                            * released as zeros or one 32-bit value repeated;
                            * the look has what the guest would read */
    GM_PEEK_PAGED_OUT,     /* compressed or in swap: not read back for a look */
    GM_PEEK_BALLOONED,     /* in the balloon: the guest gave it up */
    GM_PEEK_NOT_RAM,
};
/* Copies `n` bytes at `gpa`, within one page, into `buf` as the guest would
 * read them, without faulting, allocating or reading anything back; `buf` is
 * zeroed when the answer is neither GM_PEEK_IN_MEMORY nor GM_PEEK_UNBACKED. */
enum gm_peek guest_mem_peek(const struct guest_mem *gm, uint64_t gpa, void *buf, size_t n);
/* The guest's balloon driver gives `ppn` (inflate): whatever backed it (a
 * machine page, a swap slot, a cache entry) is freed and the page is
 * BALLOONED; a later touch maps a fresh zero page. GM_BALLOON_AGAIN: it was
 * already ballooned; GM_BALLOON_BAD: not RAM, pinned or shared (nothing
 * changed). The deflate side: BALLOONED -> UNTOUCHED. */
enum gm_balloon { GM_BALLOON_OK = 0, GM_BALLOON_AGAIN, GM_BALLOON_BAD };
enum gm_balloon guest_mem_balloon(struct guest_mem *gm, ppn_t ppn);
enum gm_balloon guest_mem_unballoon(struct guest_mem *gm, ppn_t ppn);
/* Pages backed by machine pages the VM holds. */
uint64_t guest_mem_pages(const struct guest_mem *gm);

#endif
