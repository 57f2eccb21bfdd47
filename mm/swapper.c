/* The swapper: set-up, the compression cache's eviction to swap, statistics.
 * Page-out is in swapper_out.c, page-in in swapper_in.c; see swapper.h. */
#include "mm/swapper.h"
#include "mm/page_alloc.h"
#include "lib/kstring.h"

bool swapper_map_in(struct swapper *sw, ppn_t ppn, mpn_t m)
{
    /* Map before recording, as the first touch does: a failed map leaves
     * the page's contents where they were and nothing to undo. */
    if (!plat_gpa_map(sw->pm->vm, ppn, m, PLAT_GPA_RWX))
        return false;
    if (physmap_map(sw->pm, ppn, m, NULL) != PM_OK) {
        plat_gpa_unmap(sw->pm->vm, ppn);
        return false;
    }
    return true;
}

bool swapper_swap_usable(const struct swapper *sw)
{
    return sw->store.write_cluster && !sw->st.swap_failed &&
           (!sw->store.writable || sw->store.writable(sw->store.ctx));
}

int swapper_swap_write(struct swapper *sw, const mpn_t *pages, uint32_t n, uint64_t *slots)
{
    int r = sw->store.write_cluster(sw->store.ctx, pages, n, slots);
    if (r == SWAP_STORE_FULL) {
        sw->st.swap_full++;
    } else if (r == SWAP_STORE_IO || r == SWAP_STORE_FAILED) {
        /* The device marked itself failed; stop asking it for writes, so
         * that later pages go to the cache only (reads still work). */
        sw->st.swap_write_errors += r == SWAP_STORE_IO;
        sw->st.swap_failed = true;
    }
    return r;
}

/* An evicted entry that swap could not take comes back as a resident page
 * if one can be had. */
static bool evict_to_resident(struct swapper *sw, ppn_t ppn, const void *page)
{
    mpn_t m = page_alloc(sw->owner);
    if (m == INVALID_MPN)
        return false;
    memcpy(plat_mpn_to_va(m), page, PAGE_SIZE);
    if (physmap_map(sw->pm, ppn, m, NULL) != PM_OK) {
        page_free(m);
        return false;
    }
    /* Recorded even if the guest mapping fails: the fault path refills a
     * MAPPED page that is not mapped. */
    plat_gpa_map(sw->pm->vm, ppn, m, PLAT_GPA_RWX);
    sw->st.evicted_resident++;
    return true;
}

/* The cache's evict hook (cookie = the guest page). Must not call into the
 * cache. The page goes to swap, or back resident; when neither can take it
 * (swap failed or full, no machine page) the eviction is refused and the
 * entry stays in the cache: nothing is lost. */
static bool on_evict(void *ctx, ccache_handle_t h, uint64_t cookie, const void *page)
{
    struct swapper *sw = ctx;
    ppn_t ppn = cookie;
    struct pm_entry e;
    if (physmap_lookup(sw->pm, ppn, &e) != PM_OK || e.state != PM_COMPRESSED || e.payload != h)
        return true;   /* not this VM's page as recorded: nothing to keep */
    if (!page) {
        /* The cache found the data corrupt; the page keeps its dead handle
         * and its page-in reports it lost. */
        sw->st.lost++;
        return true;
    }
    if (sw->bounce != INVALID_MPN && swapper_swap_usable(sw)) {
        uint64_t slot;
        memcpy(plat_mpn_to_va(sw->bounce), page, PAGE_SIZE);
        if (swapper_swap_write(sw, &sw->bounce, 1, &slot) == SWAP_STORE_OK) {
            physmap_move_backing(sw->pm, ppn, PM_COMPRESSED, h, PM_SWAPPED, slot);
            sw->st.evicted_to_swap++;
            return true;
        }
    }
    if (evict_to_resident(sw, ppn, page))
        return true;
    sw->st.evict_refused++;
    return false;
}

void swapper_init(struct swapper *sw, struct physmap *pm, uint16_t owner, struct ccache *cc,
                  const struct ccache_config *cc_cfg, const struct ccache_ops *cc_pages,
                  const struct swap_store_ops *store)
{
    memset(sw, 0, sizeof *sw);
    sw->pm = pm;
    sw->owner = owner;
    sw->cc = cc;
    if (store)
        sw->store = *store;
    if (cc) {
        struct ccache_ops ops = *cc_pages;
        ops.evict = on_evict;
        ops.ctx = sw;
        /* Guest data: a damaged block must come back as "lost", never as
         * wrong contents, so checksums are on whatever the default. */
        struct ccache_config cfg = *cc_cfg;
        cfg.checksums = true;
        ccache_init(cc, &cfg, &ops);
    }
    /* Taken now, while memory is likely easier to get than at eviction. */
    sw->bounce = sw->store.write_cluster ? page_alloc(owner) : INVALID_MPN;
}

void swapper_destroy(struct swapper *sw)
{
    struct physmap *pm = sw->pm;
    for (ppn_t p = 0; pm && p < pm->npages; p++) {
        struct pm_entry e;
        physmap_lookup(pm, p, &e);
        if (e.state == PM_SWAPPED && sw->store.free)
            sw->store.free(sw->store.ctx, &e.payload, 1);
        if (e.state == PM_ZERO || e.state == PM_COMPRESSED || e.state == PM_SWAPPED)
            physmap_move_backing(pm, p, e.state, e.payload, PM_ZERO, 0);
    }
    if (sw->cc)
        ccache_destroy(sw->cc);   /* every entry at once, no eviction */
    if (sw->bounce != INVALID_MPN)
        page_free(sw->bounce);
    sw->bounce = INVALID_MPN;
    sw->cc = NULL;
    sw->store.write_cluster = NULL;
    sw->pm = NULL;   /* a second call finds nothing to give back */
}

void swapper_drop(struct swapper *sw, const struct pm_entry *old)
{
    if (old->state == PM_SWAPPED && sw->store.free) {
        uint64_t slot = old->payload;
        sw->store.free(sw->store.ctx, &slot, 1);
    } else if (old->state == PM_COMPRESSED && sw->cc) {
        ccache_free(sw->cc, old->payload);
    }
}

void swapper_get_stats(const struct swapper *sw, struct swapper_stats *out)
{
    *out = sw->st;
    out->zero_pages = physmap_count(sw->pm, PM_ZERO);
    out->compressed_pages = physmap_count(sw->pm, PM_COMPRESSED);
    out->swapped_pages = physmap_count(sw->pm, PM_SWAPPED);
    out->compressed_bytes = 0;
    if (sw->cc) {
        struct ccache_stats cs;
        ccache_get_stats(sw->cc, &cs);
        out->compressed_bytes = cs.payload_bytes;
    }
}

const char *swapper_in_result_name(enum swapper_in_result r)
{
    switch (r) {
    case SWAPPER_IN_OK: return "ok";
    case SWAPPER_IN_NOMEM: return "no memory";
    case SWAPPER_IN_NOT_OUT: return "not paged out";
    case SWAPPER_IN_LOST: return "data lost";
    }
    return "?";
}
