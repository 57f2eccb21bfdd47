/*
 * A growable array of fixed-size elements kept in machine pages: a radix
 * tree whose leaves hold the elements and whose inner pages hold 512 child
 * MPNs. The compression cache keeps its entry table and each size class's
 * page list in these, so all of its memory comes from (and is counted as)
 * machine pages, and an empty class costs nothing.
 */
#ifndef MM_CCACHE_PVEC_H
#define MM_CCACHE_PVEC_H

#include "include/hv/types.h"

struct pvec_pager {
    mpn_t (*alloc_page)(void *ctx);        /* INVALID_MPN when none */
    void (*free_page)(void *ctx, mpn_t mpn);
    void *ctx;
    uint64_t *pages;                       /* incremented/decremented per page */
};

struct pvec {
    mpn_t root;
    uint8_t height;      /* 0: empty; 1: root is a leaf; h: h-1 inner levels */
    uint8_t leaf_shift;  /* log2(elements per leaf) */
    uint16_t esize;      /* element size in bytes, a power of two <= 4096 */
};

void pvec_init(struct pvec *v, size_t esize);
/* The element at idx, or NULL when its leaf does not exist. */
void *pvec_at(const struct pvec *v, uint64_t idx);
/* The element at idx, creating the path to it (new leaves are zeroed);
 * NULL when a page could not be allocated (nothing is leaked). */
void *pvec_get(struct pvec *v, uint64_t idx, const struct pvec_pager *pg);
/* Frees every leaf (and inner page) holding only indices >= n, and lowers
 * the tree when a smaller one suffices. n == 0 frees everything. */
void pvec_truncate(struct pvec *v, uint64_t n, const struct pvec_pager *pg);

#endif
