/*
 * The machine page allocator: every usable MPN of the machine is either free
 * here or owned by exactly one owner tag. Single pages and contiguous runs
 * (buddy system over the MPN database). Every allocation can fail: callers
 * check for INVALID_MPN.
 */
#ifndef MM_PAGE_ALLOC_H
#define MM_PAGE_ALLOC_H

#include "include/hv/types.h"
#include "mm/mpn_db.h"

/* Allocates one page for `owner`; INVALID_MPN when none is free. The page's
 * contents are undefined (use page_alloc_zeroed for a clean one). */
mpn_t page_alloc(uint16_t owner);
mpn_t page_alloc_zeroed(uint16_t owner);
/* Allocates `count` physically contiguous pages, the first aligned to the
 * largest power of two not above `count`; INVALID_MPN when impossible. */
mpn_t page_alloc_run(uint64_t count, uint16_t owner);
/* Returns pages to the free pool. Freeing a page that is not allocated is a
 * bug and panics (hosted: aborts). */
void page_free(mpn_t mpn);
void page_free_run(mpn_t first, uint64_t count);
/* Changes the owner tag of an allocated page (e.g. a VM page handed to the
 * compression cache). */
void page_set_owner(mpn_t mpn, uint16_t owner);

uint64_t page_free_count(void);

/* Builds the database (see mpn_db_init) and the free lists. */
enum mpn_db_err page_alloc_init(const struct mem_range *ranges, size_t nranges,
                                const struct mem_claim *claims, size_t nclaims,
                                bool reserve_lowmem);

/* Hosted tests and the simulator: a machine of `npages` usable pages backed
 * by the fake platform's arena (set up by the caller first), all free except the database's own pages. */
void page_alloc_init_flat(uint64_t npages);

/* Checks every free list against the database (debug shell, tests); returns
 * the number of inconsistencies found. */
uint64_t page_alloc_check(void);

#endif
