/* Page-out: take a batch of guest pages away and put each in the first store
 * that takes it (zero fill, compression cache, swap); see swapper.h. */
#include "mm/swapper.h"
#include "mm/page_alloc.h"
#include "mm/codec.h"

struct batch {
    ppn_t ppn[SWAPPER_BATCH_MAX];
    mpn_t mpn[SWAPPER_BATCH_MAX];
    uint32_t n;
};

static bool in_batch(const struct batch *b, ppn_t ppn)
{
    for (uint32_t i = 0; i < b->n; i++)
        if (b->ppn[i] == ppn)
            return true;
    return false;
}

/* Zaps every eligible page of ppns[0..n) without invalidating; the caller
 * flushes once for all of them. */
static void collect(struct swapper *sw, const ppn_t *ppns, uint32_t n, struct batch *b)
{
    b->n = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct pm_entry e;
        if (physmap_lookup(sw->pm, ppns[i], &e) != PM_OK || e.state != PM_MAPPED || e.pinned ||
            in_batch(b, ppns[i])) {
            sw->st.skipped++;
            continue;
        }
        plat_gpa_unmap_noflush(sw->pm->vm, ppns[i]);
        b->ppn[b->n] = ppns[i];
        b->mpn[b->n] = e.payload;
        b->n++;
    }
}

/* Records the page as released to `to` and frees its machine page: only
 * called once the contents are safe in that store. */
static void release(struct swapper *sw, ppn_t ppn, enum pm_state to, uint64_t payload)
{
    mpn_t old = INVALID_MPN;
    if (physmap_release_zapped(sw->pm, ppn, to, payload, &old) == PM_OK)
        page_free(old);
}

/* No store took it: it goes back as it was (mapped again; if that fails the
 * fault path refills a MAPPED page). */
static void keep(struct swapper *sw, ppn_t ppn, mpn_t mpn)
{
    plat_gpa_map(sw->pm->vm, ppn, mpn, PLAT_GPA_RWX);
    sw->st.kept_resident++;
}

/* Zero and 32-bit fills need no storage; true when the page went that way. */
static bool try_fill(struct swapper *sw, ppn_t ppn, const void *va)
{
    uint64_t w;
    if (!codec_page_is_filled(va, &w) || (w >> 32) != (w & 0xffffffffu))
        return false;
    release(sw, ppn, PM_ZERO, w ? PM_ZERO_FILL | (w & 0xffffffffu) : 0);
    sw->st.out_zero++;
    return true;
}

static bool try_cache(struct swapper *sw, ppn_t ppn, const void *va)
{
    ccache_handle_t h;
    if (!sw->cc || ccache_store(sw->cc, va, ppn, &h) != CCACHE_OK)
        return false;   /* incompressible, or no room even after evicting */
    if (h > PM_PAYLOAD_MAX) {   /* a zero handle: zero pages never get here */
        ccache_free(sw->cc, h);
        return false;
    }
    release(sw, ppn, PM_COMPRESSED, h);
    sw->st.out_compressed++;
    return true;
}

/* What is left of the batch goes out as one cluster. When the device has
 * fewer free slots than that, smaller clusters (halving) take what fits;
 * whatever is not written stays. */
static uint32_t to_swap(struct swapper *sw, const struct batch *rest)
{
    uint64_t slots[SWAPPER_BATCH_MAX];
    uint32_t done = 0, k = rest->n;

    while (done < rest->n && k > 0 && swapper_swap_usable(sw)) {
        k = MIN(k, rest->n - done);
        int r = swapper_swap_write(sw, rest->mpn + done, k, slots);
        if (r == SWAP_STORE_FULL) {
            k /= 2;
            continue;
        }
        if (r != SWAP_STORE_OK)
            break;
        sw->st.clusters++;
        for (uint32_t i = 0; i < k; i++)
            release(sw, rest->ppn[done + i], PM_SWAPPED, slots[i]);
        done += k;
    }
    for (uint32_t i = done; i < rest->n; i++)
        keep(sw, rest->ppn[i], rest->mpn[i]);
    sw->st.out_swapped += done;
    return done;
}

static uint32_t page_out_batch(struct swapper *sw, const ppn_t *ppns, uint32_t n)
{
    struct batch b, rest = { .n = 0 };
    uint32_t freed = 0;

    collect(sw, ppns, n, &b);
    if (b.n == 0)
        return 0;
    /* One invalidation for the batch; only after it may the guest no longer
     * write the pages, so only now are their contents final. */
    plat_gpa_flush(sw->pm->vm);
    sw->st.batches++;
    for (uint32_t i = 0; i < b.n; i++) {
        const void *va = plat_mpn_to_va(b.mpn[i]);
        if (try_fill(sw, b.ppn[i], va) || try_cache(sw, b.ppn[i], va)) {
            freed++;
            continue;
        }
        rest.ppn[rest.n] = b.ppn[i];
        rest.mpn[rest.n] = b.mpn[i];
        rest.n++;
    }
    return freed + to_swap(sw, &rest);
}

uint32_t swapper_page_out(struct swapper *sw, const ppn_t *ppns, uint32_t n)
{
    uint32_t freed = 0;
    /* Init may not have got one; evictions to swap need it. */
    if (sw->bounce == INVALID_MPN && sw->store.write_cluster)
        sw->bounce = page_alloc(sw->owner);
    for (uint32_t done = 0; done < n;) {
        uint32_t k = MIN(n - done, (uint32_t)SWAPPER_BATCH_MAX);
        freed += page_out_batch(sw, ppns + done, k);
        done += k;
    }
    return freed;
}
