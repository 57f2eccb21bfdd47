/* Page-in: a ZERO, COMPRESSED or SWAPPED page back into a machine page,
 * mapped; a swapped page brings its cluster neighbours along. See swapper.h. */
#include "mm/swapper.h"
#include "mm/page_alloc.h"
#include "mm/codec.h"

static enum swapper_in_result in_zero(struct swapper *sw, ppn_t ppn, uint64_t fill)
{
    mpn_t m = fill ? page_alloc(sw->owner) : page_alloc_zeroed(sw->owner);
    if (m == INVALID_MPN)
        return SWAPPER_IN_NOMEM;
    if (fill)
        codec_page_fill(plat_mpn_to_va(m), (fill & 0xffffffffu) * 0x100000001ULL);
    if (!swapper_map_in(sw, ppn, m)) {
        page_free(m);
        return SWAPPER_IN_NOMEM;
    }
    sw->st.in_zero++;
    return SWAPPER_IN_OK;
}

static enum swapper_in_result in_compressed(struct swapper *sw, ppn_t ppn, ccache_handle_t h)
{
    if (!sw->cc)
        return SWAPPER_IN_LOST;
    mpn_t m = page_alloc(sw->owner);
    if (m == INVALID_MPN)
        return SWAPPER_IN_NOMEM;
    /* Load, map, then free the entry: a failed map keeps the only copy. */
    enum ccache_result r = ccache_load(sw->cc, h, plat_mpn_to_va(m));
    if (r != CCACHE_OK) {
        /* Corrupt now, or found corrupt at eviction (a dead handle):
         * either way the contents are gone. */
        page_free(m);
        ccache_free(sw->cc, h);
        sw->st.lost += r == CCACHE_BAD_HANDLE ? 0 : 1;   /* counted at eviction */
        return SWAPPER_IN_LOST;
    }
    if (!swapper_map_in(sw, ppn, m)) {
        page_free(m);
        return SWAPPER_IN_NOMEM;
    }
    ccache_free(sw->cc, h);
    sw->st.in_compressed++;
    return SWAPPER_IN_OK;
}

/* The guest pages around `ppn` whose slots follow on from `slot` in the
 * same order (written together, so read together): m[] and pg[] in slot
 * order, the faulting page at index *back. Pages are allocated here; the
 * run shrinks to what memory allows. False when not even the faulting page
 * could be had. */
static bool plan_run(struct swapper *sw, ppn_t ppn, uint64_t slot, mpn_t *m, ppn_t *pg,
                     uint32_t *back, uint32_t *fwd)
{
    mpn_t fm[SWAPPER_READAHEAD], bm[SWAPPER_READAHEAD];
    ppn_t fp[SWAPPER_READAHEAD], bp[SWAPPER_READAHEAD];
    uint32_t f = 0, b = 0;
    mpn_t own = page_alloc(sw->owner);
    if (own == INVALID_MPN)
        return false;
    /* Forward first: guests mostly walk memory upwards. */
    ppn_t at = ppn;
    while (1 + f + b < SWAPPER_READAHEAD &&
           physmap_next_swapped(sw->pm, ppn, at, 1, slot + f + 1, SWAPPER_READAHEAD_SPAN,
                                &fp[f]) &&
           (fm[f] = page_alloc(sw->owner)) != INVALID_MPN)
        at = fp[f++];
    at = ppn;
    while (1 + f + b < SWAPPER_READAHEAD && slot > b &&
           physmap_next_swapped(sw->pm, ppn, at, -1, slot - b - 1, SWAPPER_READAHEAD_SPAN,
                                &bp[b]) &&
           (bm[b] = page_alloc(sw->owner)) != INVALID_MPN)
        at = bp[b++];
    for (uint32_t i = 0; i < b; i++) {
        m[i] = bm[b - 1 - i];
        pg[i] = bp[b - 1 - i];
    }
    m[b] = own;
    pg[b] = ppn;
    for (uint32_t i = 0; i < f; i++) {
        m[b + 1 + i] = fm[i];
        pg[b + 1 + i] = fp[i];
    }
    *back = b;
    *fwd = f;
    return true;
}

static int store_read(struct swapper *sw, uint64_t first, const mpn_t *m, uint32_t n)
{
    if (n == 1 || !sw->store.read_cluster)
        return sw->store.read ? sw->store.read(sw->store.ctx, first, m[0]) : SWAP_STORE_NODEV;
    return sw->store.read_cluster(sw->store.ctx, first, m, n);
}

static enum swapper_in_result in_swapped(struct swapper *sw, ppn_t ppn, uint64_t slot)
{
    mpn_t m[SWAPPER_READAHEAD];
    ppn_t pg[SWAPPER_READAHEAD];
    uint64_t done[SWAPPER_READAHEAD];
    uint32_t back, fwd, nd = 0;

    if (!plan_run(sw, ppn, slot, m, pg, &back, &fwd))
        return SWAPPER_IN_NOMEM;
    uint32_t n = back + 1 + fwd;
    if (store_read(sw, slot - back, m, n) != SWAP_STORE_OK) {
        sw->st.read_errors++;
        /* The neighbours may be fine; the faulting page alone decides. */
        for (uint32_t i = 0; i < n; i++)
            if (i != back)
                page_free(m[i]);
        m[0] = m[back];
        back = fwd = 0;
        n = 1;
        if (store_read(sw, slot, m, 1) != SWAP_STORE_OK) {
            sw->st.read_errors++;
            sw->st.lost++;
            page_free(m[0]);
            return SWAPPER_IN_LOST;   /* the slot stays: the VM is stopped */
        }
    }
    if (!swapper_map_in(sw, ppn, m[back])) {
        for (uint32_t i = 0; i < n; i++)
            page_free(m[i]);
        return SWAPPER_IN_NOMEM;     /* still SWAPPED, slot intact */
    }
    done[nd++] = slot;
    for (uint32_t i = 0; i < n; i++) {
        if (i == back)
            continue;
        if (swapper_map_in(sw, pg[i], m[i])) {
            done[nd++] = slot - back + i;
            sw->st.in_readahead++;
        } else {
            page_free(m[i]);         /* stays SWAPPED; its own fault reads it */
        }
    }
    if (sw->store.free)
        sw->store.free(sw->store.ctx, done, nd);
    sw->st.in_swapped += nd;
    return SWAPPER_IN_OK;
}

enum swapper_in_result swapper_page_in(struct swapper *sw, ppn_t ppn)
{
    struct pm_entry e;
    if (physmap_lookup(sw->pm, ppn, &e) != PM_OK)
        return SWAPPER_IN_NOT_OUT;
    switch (e.state) {
    case PM_ZERO: return in_zero(sw, ppn, e.payload);
    case PM_COMPRESSED: return in_compressed(sw, ppn, e.payload);
    case PM_SWAPPED: return in_swapped(sw, ppn, e.payload);
    default: return SWAPPER_IN_NOT_OUT;
    }
}
