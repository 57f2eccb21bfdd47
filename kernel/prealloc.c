/* Preallocation: see prealloc.h. */
#include "kernel/prealloc.h"

enum prealloc_mode prealloc_mode_from_config(bool prealloc, bool main_mem, bool pinned_main_mem)
{
    if (pinned_main_mem)
        return PREALLOC_PINNED;
    if (prealloc)
        return PREALLOC_ALL;
    if (main_mem)
        return PREALLOC_MAINMEM;
    return PREALLOC_NONE;
}

const char *prealloc_mode_name(enum prealloc_mode m)
{
    switch (m) {
    case PREALLOC_NONE: return "none";
    case PREALLOC_MAINMEM: return "mainMem";
    case PREALLOC_PINNED: return "pinnedMainMem";
    case PREALLOC_ALL: return "prealloc";
    }
    return "?";
}

uint64_t prealloc_pool_entries(uint64_t memsize) { return memsize; }

void prealloc_init(struct prealloc *pa, enum prealloc_mode mode, uint64_t reservation,
                   mpn_t *pool, uint64_t pool_cap)
{
    pa->mode = mode;
    pa->reserved = reservation;
    pa->pool = pool;
    pa->pool_cap = pool_cap;
    pa->pool_count = 0;
    pa->started = false;
}

/* Takes `n` MPNs into the pool, or none. */
static bool fill_pool(struct prealloc *pa, uint64_t n, const struct prealloc_ops *ops)
{
    if (!pa->pool || n > pa->pool_cap - pa->pool_count)
        return false;
    uint64_t base = pa->pool_count;
    for (uint64_t i = 0; i < n; i++) {
        mpn_t m = ops->alloc(ops->ctx);
        if (m == INVALID_MPN) {
            while (pa->pool_count > base)
                ops->free(ops->ctx, pa->pool[--pa->pool_count]);
            return false;
        }
        pa->pool[pa->pool_count++] = m;
    }
    return true;
}

mpn_t prealloc_take(struct prealloc *pa)
{
    if (!pa->pool_count)
        return INVALID_MPN;
    return pa->pool[--pa->pool_count];
}

bool prealloc_monitor_started(struct prealloc *pa, struct physmap *pm,
                              const struct prealloc_ops *ops)
{
    if (pa->mode == PREALLOC_NONE) {
        pa->started = true;
        return true;
    }
    uint64_t want = MIN(pa->reserved, pm->npages);
    uint64_t have = physmap_consumed(pm);
    uint64_t need = want > have ? want - have : 0;
    if (!fill_pool(pa, need, ops))
        return false;
    for (ppn_t ppn = 0; ppn < pm->npages && need; ppn++) {
        struct pm_entry e;
        physmap_lookup(pm, ppn, &e);
        /* A ZERO page with a fill value (the swapper's) holds data: only
         * pages with nothing in them take a fresh page here. */
        if (e.state != PM_UNTOUCHED && !(e.state == PM_ZERO && e.payload == 0))
            continue;
        physmap_map(pm, ppn, prealloc_take(pa), NULL);
        need--;
    }
    if (prealloc_pins(pa))
        for (ppn_t ppn = 0; ppn < pm->npages; ppn++)
            physmap_pin(pm, ppn);     /* refuses everything but MAPPED */
    pm->flags |= PM_F_NO_SHARE;
    pa->started = true;
    /* pages not placeable (no untouched page left) stay in the pool */
    return true;
}

bool prealloc_grow(struct prealloc *pa, uint64_t new_reservation,
                   const struct prealloc_ops *ops)
{
    if (new_reservation <= pa->reserved) {
        pa->reserved = new_reservation;
        return true;
    }
    if (pa->mode != PREALLOC_NONE && pa->started &&
        !fill_pool(pa, new_reservation - pa->reserved, ops))
        return false;
    pa->reserved = new_reservation;
    return true;
}

void prealloc_drain(struct prealloc *pa, const struct prealloc_ops *ops)
{
    while (pa->pool_count)
        ops->free(ops->ctx, pa->pool[--pa->pool_count]);
}
