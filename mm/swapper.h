/*
 * The swapper's mechanism for one VM's guest RAM: page-out of pages chosen
 * elsewhere (victim selection, memsched's target) and page-in from the fault
 * path. Policy code: the machine only through include/hv/platform.h, the swap
 * device only through struct swap_store_ops (mm/swap_store.h).
 *
 * Page-out takes a page from the guest (unmap each, one invalidation for the
 * batch) and gives it to the first store that takes it:
 *   zero or one 32-bit value repeated   PM_ZERO (payload: the fill), no storage
 *   compresses to <= the threshold      PM_COMPRESSED (payload: cache handle)
 *   (a 64-bit fill goes there too: an entry that costs no storage)
 *   otherwise                           PM_SWAPPED (payload: slot); the pages of
 *                                       a batch go out as one cluster (halved
 *                                       while it does not fit the free slots)
 * The machine page is freed only once its contents are safe. A page no store
 * takes (cache full and swap full, failed or absent) stays MAPPED and mapped:
 * nothing is ever lost by paging out. A swap write error marks swap failed
 * for this swapper: later pages go to the cache only.
 *
 * Page-in restores a ZERO, COMPRESSED or SWAPPED page into a fresh machine
 * page and maps it. A swapped page brings in its neighbours on swap in guest
 * order (within SWAPPER_READAHEAD_SPAN pages; pages not on swap between them
 * are passed over) whose slots follow on from its own (pages that went out
 * together), with one read. A read error, or cache data found
 * corrupt, is SWAPPER_IN_LOST: the caller stops that VM ("its data is lost").
 *
 * The compression cache belongs to the swapper (one per VM, as ESX's): its
 * entries evicted under pressure are written to swap and their pages become
 * SWAPPED; if swap cannot take one, it is brought back resident, and if no
 * page can be had either, the eviction is refused and the entry stays.
 *
 * Not thread-safe: the caller holds the VM's memory lock across page-out,
 * page-in and anything that makes the cache evict (ccache_shrink / set_cap).
 */
#ifndef MM_SWAPPER_H
#define MM_SWAPPER_H

#include "include/hv/types.h"
#include "mm/physmap.h"
#include "mm/ccache.h"
#include "mm/swap_store.h"

/* Pages handled per batch (one invalidation, at most one swap write). */
#define SWAPPER_BATCH_MAX SWAP_STORE_CLUSTER_MAX
/* Most pages one swap-in reads (the faulting page and its neighbours). */
#define SWAPPER_READAHEAD 8
/* How far from the faulting page (in guest pages) its neighbours on swap
 * are looked for: pages of one cluster are spread out in the guest when
 * the batch's other pages went to the zero tags or the cache. */
#define SWAPPER_READAHEAD_SPAN (4 * SWAPPER_READAHEAD)

enum swapper_in_result {
    SWAPPER_IN_OK = 0,      /* restored and mapped */
    SWAPPER_IN_NOMEM,       /* no machine page or mapping: nothing changed, retry */
    SWAPPER_IN_NOT_OUT,     /* the page is not ZERO, COMPRESSED or SWAPPED, or out of range */
    SWAPPER_IN_LOST,        /* read error or corrupt data: stop the VM */
};

struct swapper_stats {
    /* What the VM has out now (from the physmap and its cache). */
    uint64_t zero_pages, compressed_pages, compressed_bytes, swapped_pages;
    /* Page-outs and page-ins by store, since init. */
    uint64_t out_zero, out_compressed, out_swapped;
    uint64_t in_zero, in_compressed;
    uint64_t in_swapped;          /* pages read back, read-ahead included */
    uint64_t in_readahead;        /* ... of which neighbours of a faulting page */
    uint64_t batches;            /* page-out batches (one invalidation each) */
    uint64_t clusters;           /* swap writes of page-out batches */
    uint64_t skipped;            /* victims not MAPPED, pinned or repeated */
    uint64_t kept_resident;      /* victims no store took */
    uint64_t evicted_to_swap;    /* cache entries evicted to swap */
    uint64_t evicted_resident;   /* ... brought back resident instead */
    uint64_t evict_refused;      /* ... refused: no swap, no page (entry kept) */
    uint64_t swap_full;          /* swap writes refused: no slots */
    uint64_t swap_write_errors;  /* swap writes that failed (swap then off) */
    uint64_t read_errors;        /* swap reads that failed */
    uint64_t lost;               /* pages whose data is gone (read error, corrupt) */
    bool swap_failed;            /* a write failed: swap no longer tried */
};

struct swapper {
    struct physmap *pm;          /* its plat_vm is the guest mappings */
    uint16_t owner;              /* MPN owner tag of the VM's pages */
    struct ccache *cc;           /* NULL: no compression tier */
    struct swap_store_ops store; /* write_cluster NULL: no swap */
    mpn_t bounce;                /* an evicted entry goes to swap from here */
    struct swapper_stats st;
};

/* Sets the swapper up over a VM's physmap. `cc` (may be NULL) is storage
 * for the VM's compression cache, initialised here with `cc_cfg` and
 * `cc_pages` (page alloc/free for its storage; its evict hook is the
 * swapper's), with checksums on. `store` may be NULL (no swap device). */
void swapper_init(struct swapper *sw, struct physmap *pm, uint16_t owner, struct ccache *cc,
                  const struct ccache_config *cc_cfg, const struct ccache_ops *cc_pages,
                  const struct swap_store_ops *store);
/* Gives back what the VM's pages hold outside memory (cache entries, swap
 * slots; those pages become ZERO), the cache and the bounce page.
 * guest_mem_destroy calls it for the attached swapper; safe to call twice. */
void swapper_destroy(struct swapper *sw);
/* A page that was ZERO, COMPRESSED or SWAPPED (`old`, as the physmap
 * reported it when the page left that state without coming back in: the
 * balloon took it) no longer needs its copy: the cache entry or swap slot
 * is freed. Other states: nothing to do. */
void swapper_drop(struct swapper *sw, const struct pm_entry *old);

/* Pages out `n` guest pages; returns how many machine pages were freed.
 * Pages not MAPPED, pinned, or listed twice are skipped. */
uint32_t swapper_page_out(struct swapper *sw, const ppn_t *ppns, uint32_t n);

/* Restores `ppn` (ZERO, COMPRESSED or SWAPPED) and maps it. */
enum swapper_in_result swapper_page_in(struct swapper *sw, ppn_t ppn);

void swapper_get_stats(const struct swapper *sw, struct swapper_stats *out);
const char *swapper_in_result_name(enum swapper_in_result r);

/* ---- internal to swapper*.c ---------------------------------------------- */
/* Puts machine page m in for ppn: maps it, then records it. */
bool swapper_map_in(struct swapper *sw, ppn_t ppn, mpn_t m);
/* Swap is present, has not failed here, and the device says it takes writes. */
bool swapper_swap_usable(const struct swapper *sw);
/* One swap write of n pages, with the failure rules applied (a write error
 * turns swap off for this swapper). */
int swapper_swap_write(struct swapper *sw, const mpn_t *pages, uint32_t n, uint64_t *slots);

#endif
