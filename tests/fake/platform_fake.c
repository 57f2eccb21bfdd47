/* In-memory platform: machine pages are an arena of host memory, time is set
 * by the test, randomness is a seeded xorshift so every run is repeatable.
 * Guest-mapping operations live in fake_gpa.c. */
#include <stdlib.h>
#include <assert.h>
#include "tests/fake/platform_fake.h"

static unsigned char *arena;
static uint64_t arena_pages;
static uint64_t now_ns;
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

void *fake_plat_arena_init(uint64_t npages)
{
    free(arena);
    arena = calloc(npages ? npages : 1, PAGE_SIZE);
    assert(arena);
    arena_pages = npages;
    return arena;
}

void fake_plat_arena_free(void)
{
    free(arena);
    arena = NULL;
    arena_pages = 0;
}

uint64_t fake_plat_arena_pages(void) { return arena_pages; }

void *plat_mpn_to_va(mpn_t mpn)
{
    /* A wild MPN is a bug in the code under test: fail loudly. */
    assert(arena && mpn < arena_pages);
    return arena + mpn * PAGE_SIZE;
}

mpn_t plat_va_to_mpn(const void *va)
{
    const unsigned char *p = va;
    if (!arena || p < arena || p >= arena + arena_pages * PAGE_SIZE)
        return INVALID_MPN;
    return (mpn_t)((uint64_t)(p - arena) / PAGE_SIZE);
}

uint64_t plat_time_ns(void) { return now_ns; }
void fake_plat_set_time_ns(uint64_t ns) { now_ns = ns; }
void fake_plat_advance_ns(uint64_t ns) { now_ns += ns; }

void fake_plat_seed_random(uint64_t seed) { rng_state = seed ? seed : 1; }

uint64_t plat_random(void)
{
    /* xorshift64* */
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

/* One thread, no interrupts: nothing to mask. */
uint64_t plat_irq_save(void) { return 0; }
void plat_irq_restore(uint64_t state) { (void)state; }
