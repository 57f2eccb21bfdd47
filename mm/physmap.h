/*
 * Physmap: per VM, the state of every guest page (PPN). The monitor allocates
 * MPNs and hands them here; the physmap records them, counts what the VM
 * consumes exactly, and checks every transition. Storage is provided by the
 * caller (physmap_storage_bytes) because policy code never allocates.
 *
 * A page is in exactly one state:
 *   UNTOUCHED   never touched by the guest, no backing
 *   MAPPED      backed by a private MPN (payload = MPN); may be pinned
 *   ZERO        known to be all zero, or one 32-bit value repeated (payload:
 *               0, or PM_ZERO_FILL | value), no backing (a touch maps a
 *               fresh page holding it)
 *   COMPRESSED  contents in the compression cache (payload = cache handle)
 *   SWAPPED     contents in a swap slot (payload = slot)
 *   BALLOONED   given to the balloon driver by the guest, no backing
 *   SHARED      backed by a shared MPN with a count (page sharing, later)
 *   ABSENT      no RAM at this PPN (the PCI hole below 4 GiB): set once at
 *               init (physmap_mark_absent), never left, never backed
 *
 * Every PPN argument may come from the guest: out-of-range PPNs fail with
 * PM_ERANGE and change nothing.
 */
#ifndef MM_PHYSMAP_H
#define MM_PHYSMAP_H

#include "include/hv/types.h"
#include "include/hv/platform.h"

enum pm_state {
    PM_UNTOUCHED = 0,
    PM_MAPPED,
    PM_ZERO,
    PM_COMPRESSED,
    PM_SWAPPED,
    PM_BALLOONED,
    PM_SHARED,
    PM_ABSENT,
    PM_STATE_COUNT,
};

enum pm_err {
    PM_OK = 0,
    PM_ERANGE,      /* PPN outside the VM's memory */
    PM_ESTATE,      /* transition not allowed from the page's current state */
    PM_EPINNED,     /* page is pinned (sched.mem.prealloc.pinnedMainMem) */
    PM_EPAYLOAD,    /* MPN/slot/handle does not fit, or is INVALID_MPN */
    PM_EINVAL,      /* bad argument (e.g. a target state that is no release) */
};

/* Payloads are 48 bits: enough for any MPN of a 52-bit physical address. */
#define PM_PAYLOAD_MAX ((1ULL << 48) - 1)

/* A ZERO page's payload: 0 for zeros, PM_ZERO_FILL | v for a page that is
 * the 32-bit value v repeated (same-filled pages cost no storage either). */
#define PM_ZERO_FILL (1ULL << 32)
static inline bool pm_zero_payload_ok(uint64_t payload)
{
    return payload == 0 || (payload >> 32) == 1;
}

/* physmap flags */
#define PM_F_NO_SHARE 0x1u  /* sched.mem.prealloc*: pages never shared */

struct physmap {
    uint64_t *e;                      /* one packed entry per PPN */
    uint64_t npages;
    uint64_t count[PM_STATE_COUNT];   /* pages in each state, kept exact */
    uint64_t pinned;                  /* MAPPED pages that are pinned */
    struct plat_vm *vm;               /* for zapping mappings */
    uint32_t flags;
};

/* A page's decoded entry. */
struct pm_entry {
    enum pm_state state;
    uint64_t payload;                 /* MPN, slot or handle; 0 otherwise */
    bool pinned;
};

size_t physmap_storage_bytes(uint64_t npages);
/* Fails (false) when storage is NULL or too small, or npages is 0. Every page
 * starts UNTOUCHED. */
bool physmap_init(struct physmap *pm, struct plat_vm *vm, void *storage,
                  size_t storage_bytes, uint64_t npages);

enum pm_err physmap_lookup(const struct physmap *pm, ppn_t ppn, struct pm_entry *out);

/* Backs `ppn` with `mpn`: from UNTOUCHED, ZERO, COMPRESSED, SWAPPED or
 * BALLOONED. `old` (may be NULL) receives the previous entry so the caller can
 * free the swap slot or cache handle it just read back. */
enum pm_err physmap_map(struct physmap *pm, ppn_t ppn, mpn_t mpn, struct pm_entry *old);

/* Takes the backing away from a MAPPED, unpinned page: zaps the guest
 * mapping first (plat_gpa_unmap), then records `to` (ZERO, COMPRESSED,
 * SWAPPED or BALLOONED) with `payload` (slot/handle, 0 for ZERO/BALLOONED).
 * `old_mpn` receives the MPN the caller must now free. */
enum pm_err physmap_release(struct physmap *pm, ppn_t ppn, enum pm_state to,
                            uint64_t payload, mpn_t *old_mpn);

/* As physmap_release, for a page whose guest mapping the caller has already
 * removed and invalidated (plat_gpa_unmap_noflush for a batch, then one
 * plat_gpa_flush): no second zap. */
enum pm_err physmap_release_zapped(struct physmap *pm, ppn_t ppn, enum pm_state to,
                                   uint64_t payload, mpn_t *old_mpn);

/* Moves a page's contents from one store to another with no machine page in
 * between (a compression-cache entry evicted to swap): the page must be in
 * `from` with `from_payload` (so a stale request changes nothing:
 * PM_ESTATE); `from` and `to` are ZERO, COMPRESSED or SWAPPED. */
enum pm_err physmap_move_backing(struct physmap *pm, ppn_t ppn, enum pm_state from,
                                 uint64_t from_payload, enum pm_state to, uint64_t payload);

/* The guest's balloon driver hands `ppn` over: allowed from any state but
 * SHARED and pinned MAPPED. A mapped page is zapped. `old` tells the caller
 * what to free (the MPN, slot or handle). Ballooning twice is PM_ESTATE. */
enum pm_err physmap_balloon(struct physmap *pm, ppn_t ppn, struct pm_entry *old);
/* The balloon driver takes `ppn` back (deflate): BALLOONED -> UNTOUCHED, a
 * page with no backing whose next touch maps a fresh zero page, as before
 * its first touch. Any other state is PM_ESTATE. */
enum pm_err physmap_unballoon(struct physmap *pm, ppn_t ppn);

/* Pinning (pinnedMainMem): a pinned page is never released, ballooned or
 * remapped. Only MAPPED pages can be pinned. */
enum pm_err physmap_pin(struct physmap *pm, ppn_t ppn);
enum pm_err physmap_unpin(struct physmap *pm, ppn_t ppn);

/* 8-bit age used by victim selection (accessed-bit history). Reads of an
 * out-of-range PPN return 0; writes are ignored. */
uint8_t physmap_age(const struct physmap *pm, ppn_t ppn);
void physmap_set_age(struct physmap *pm, ppn_t ppn, uint8_t age);

/* Marks [first, first + count) ABSENT: no RAM there (the PCI hole). Only
 * UNTOUCHED pages may be marked (PM_ESTATE, nothing changed, otherwise). */
enum pm_err physmap_mark_absent(struct physmap *pm, ppn_t first, uint64_t count);
/* The pages that are RAM: npages less the ABSENT ones. */
uint64_t physmap_ram_pages(const struct physmap *pm);

/* Pages backed by MPNs this VM holds privately (memsched's "consumed"). */
uint64_t physmap_consumed(const struct physmap *pm);
/* Swap-in's read-ahead rule (mm/swapper_in.c, and memsim's model of it):
 * the guest page after (dir > 0) or before (dir < 0) `from`, no further than
 * `span` pages from `ppn`, that is SWAPPED in slot `slot`. Pages not on swap
 * are passed over (a batch's zero and compressed pages went to other
 * stores); a page on swap in another slot ends the search. */
bool physmap_next_swapped(const struct physmap *pm, ppn_t ppn, ppn_t from, int dir,
                          uint64_t slot, uint32_t span, ppn_t *out);
uint64_t physmap_count(const struct physmap *pm, enum pm_state s);

/* Recounts every entry and checks the invariants: counts match, only MAPPED
 * pages are pinned, pages without backing have no payload. */
bool physmap_check(const struct physmap *pm);
/* Checks that no MPN is MAPPED twice across `n` physmaps. `bitmap` is caller
 * scratch of at least `mpn_limit` bits; an MPN >= mpn_limit fails. */
bool physmap_check_mpns_unique(const struct physmap *const *pms, size_t n,
                               uint64_t *bitmap, uint64_t mpn_limit);

const char *pm_state_name(enum pm_state s);

#endif
