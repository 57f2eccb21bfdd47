/* Controls for the in-memory platform used by hosted tests and the simulator. */
#ifndef TESTS_FAKE_PLATFORM_FAKE_H
#define TESTS_FAKE_PLATFORM_FAKE_H

#include "include/hv/platform.h"

/* Backs machine pages [0, npages) with zeroed host memory; returns it. */
void *fake_plat_arena_init(uint64_t npages);
void fake_plat_arena_free(void);
uint64_t fake_plat_arena_pages(void);

void fake_plat_set_time_ns(uint64_t ns);
void fake_plat_advance_ns(uint64_t ns);
void fake_plat_seed_random(uint64_t seed);

#endif
