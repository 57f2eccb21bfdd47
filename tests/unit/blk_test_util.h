/* Shared by the block-device and swap tests: a small fake machine with the
 * real page allocator, and pages with a pattern per seed. */
#ifndef TESTS_UNIT_BLK_TEST_UTIL_H
#define TESTS_UNIT_BLK_TEST_UTIL_H

#include "include/hv/types.h"

/* `pages` machine pages, the allocator over them, time 0, an empty log and
 * an empty block registry. */
void blk_test_machine(uint64_t pages);
void blk_test_machine_free(void);

/* A fresh page holding the pattern of `seed` (asserts on exhaustion). */
mpn_t blk_test_page(uint64_t seed);
bool blk_test_page_is(mpn_t m, uint64_t seed);

#endif
