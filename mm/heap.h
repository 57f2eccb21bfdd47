/*
 * The kernel heap: small objects in size classes carved from single machine
 * pages (one class per page, free objects linked inside the page), large
 * ones as runs of pages. Every allocation can fail and returns NULL.
 * Pages come from the machine page allocator with owner OWNER_HEAP and are
 * reached through plat_mpn_to_va().
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include "include/hv/types.h"

#define HEAP_MIN_ALIGN 16

void heap_init(void);
void *kmalloc(size_t size);          /* 16-byte aligned; size 0 -> NULL */
void *kzalloc(size_t size);
void *kcalloc(size_t n, size_t size); /* overflow -> NULL */
void kfree(void *p);                  /* NULL is fine; a wild pointer panics */
/* Usable size of an allocation (>= what was asked). */
size_t ksize(const void *p);

struct heap_stats {
    uint64_t pages;          /* machine pages the heap holds */
    uint64_t bytes_in_use;   /* sum of class sizes / run sizes of live objects */
    uint64_t allocs, frees, failures;
};
void heap_get_stats(struct heap_stats *out);

#endif
