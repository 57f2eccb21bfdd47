/* Paged radix array; see ccache_pvec.h. */
#include "mm/ccache_pvec.h"
#include "include/hv/platform.h"
#include "lib/kstring.h"

#define FANOUT_SHIFT 9                       /* 512 MPNs per inner page */
#define FANOUT       (1u << FANOUT_SHIFT)

void pvec_init(struct pvec *v, size_t esize)
{
    unsigned s = 0;
    while ((1u << s) < esize)
        s++;
    v->root = INVALID_MPN;
    v->height = 0;
    v->esize = (uint16_t)(1u << s);
    v->leaf_shift = (uint8_t)(PAGE_SHIFT - s);
}

/* log2 of the number of indices a subtree of `height` covers. */
static inline unsigned span_shift(const struct pvec *v, unsigned height)
{
    return v->leaf_shift + FANOUT_SHIFT * (height - 1);
}

static inline bool fits(const struct pvec *v, uint64_t idx)
{
    unsigned s = span_shift(v, v->height);
    return v->height && (s >= 64 || (idx >> s) == 0);
}

void *pvec_at(const struct pvec *v, uint64_t idx)
{
    if (!fits(v, idx))
        return NULL;
    mpn_t node = v->root;
    for (unsigned h = v->height; h > 1; h--) {
        const mpn_t *kids = plat_mpn_to_va(node);
        node = kids[(idx >> span_shift(v, h - 1)) & (FANOUT - 1)];
        if (node == INVALID_MPN)
            return NULL;
    }
    return (uint8_t *)plat_mpn_to_va(node) + (idx & ((1u << v->leaf_shift) - 1)) * v->esize;
}

static mpn_t new_page(const struct pvec_pager *pg, bool leaf)
{
    mpn_t m = pg->alloc_page(pg->ctx);
    if (m == INVALID_MPN)
        return m;
    /* Leaves start zeroed; inner pages start with no children. */
    memset(plat_mpn_to_va(m), leaf ? 0 : 0xff, PAGE_SIZE);
    (*pg->pages)++;
    return m;
}

static void put_page(const struct pvec_pager *pg, mpn_t m)
{
    pg->free_page(pg->ctx, m);
    (*pg->pages)--;
}

void *pvec_get(struct pvec *v, uint64_t idx, const struct pvec_pager *pg)
{
    void *e = pvec_at(v, idx);
    if (e)
        return e;
    /* Grow upwards until idx is in range: the old root becomes child 0. */
    while (!fits(v, idx)) {
        mpn_t r = new_page(pg, v->height == 0);
        if (r == INVALID_MPN)
            return NULL;
        if (v->height)
            ((mpn_t *)plat_mpn_to_va(r))[0] = v->root;
        v->root = r;
        v->height++;
    }
    /* Then downwards, creating missing children. A failure leaves empty
     * pages in the tree: they are found and reused by the next call, and
     * freed by truncation, so nothing leaks. */
    mpn_t node = v->root;
    for (unsigned h = v->height; h > 1; h--) {
        mpn_t *kids = plat_mpn_to_va(node);
        mpn_t *slot = &kids[(idx >> span_shift(v, h - 1)) & (FANOUT - 1)];
        if (*slot == INVALID_MPN) {
            mpn_t c = new_page(pg, h == 2);
            if (c == INVALID_MPN)
                return NULL;
            *slot = c;
        }
        node = *slot;
    }
    return (uint8_t *)plat_mpn_to_va(node) + (idx & ((1u << v->leaf_shift) - 1)) * v->esize;
}

/* Frees the parts of subtree `node` (of `height`, first index `first`) that
 * hold only indices >= n. Returns true when the whole subtree was freed. */
static bool cut(struct pvec *v, mpn_t node, unsigned height, uint64_t first, uint64_t n,
                const struct pvec_pager *pg)
{
    if (first >= n) {
        if (height > 1) {
            mpn_t *kids = plat_mpn_to_va(node);
            for (unsigned i = 0; i < FANOUT; i++)
                if (kids[i] != INVALID_MPN)
                    cut(v, kids[i], height - 1, first, n, pg);
        }
        put_page(pg, node);
        return true;
    }
    if (height > 1) {
        mpn_t *kids = plat_mpn_to_va(node);
        const unsigned s = span_shift(v, height - 1);
        for (unsigned i = 0; i < FANOUT; i++) {
            uint64_t f = first + ((uint64_t)i << s);
            if (kids[i] != INVALID_MPN && f + ((uint64_t)1 << s) > n &&
                cut(v, kids[i], height - 1, f, n, pg))
                kids[i] = INVALID_MPN;
        }
    }
    return false;
}

void pvec_truncate(struct pvec *v, uint64_t n, const struct pvec_pager *pg)
{
    if (!v->height)
        return;
    if (cut(v, v->root, v->height, 0, n, pg)) {
        v->root = INVALID_MPN;
        v->height = 0;
        return;
    }
    /* Lower the tree while everything left lives under child 0. */
    while (v->height > 1 && (n - 1) >> span_shift(v, v->height - 1) == 0) {
        mpn_t *kids = plat_mpn_to_va(v->root);
        mpn_t child = kids[0];
        put_page(pg, v->root);
        v->root = child;
        v->height--;
        if (child == INVALID_MPN) {   /* cannot happen with n > 0; be safe */
            v->height = 0;
            break;
        }
    }
}
