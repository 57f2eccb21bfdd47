/*
 * Swap-space slots: which 4 KiB pages of the swap area hold a swapped-out
 * page. Pages that go out together get consecutive slots, so the device
 * layer writes them in one request and a later read-ahead finds neighbours
 * next to each other. A bitmap with a next-fit cursor: allocation goes on
 * from where the last one ended, so successive clusters are laid out one
 * after the other and freed holes are reused once the cursor wraps.
 * Pure code: the caller supplies the bitmap's storage.
 */
#ifndef MM_SWAP_SLOTS_H
#define MM_SWAP_SLOTS_H

#include "include/hv/types.h"

#define SWAP_SLOT_NONE ((uint64_t)~0ULL)

struct swap_slots {
    uint64_t *map;      /* bit set: slot in use */
    uint64_t nslots;
    uint64_t used;
    uint64_t cursor;    /* where the next search starts */
    uint64_t failures;  /* allocations that found no free slot */
    uint64_t bad_frees; /* frees of a slot not in use (a caller bug) */
};

/* 64-bit words of bitmap storage for `nslots` slots. */
static inline uint64_t swap_slots_words(uint64_t nslots) { return (nslots + 63) / 64; }

/* `map` must hold swap_slots_words(nslots) words; it is cleared here. */
void swap_slots_init(struct swap_slots *s, uint64_t *map, uint64_t nslots);

/* Allocates a run of consecutive free slots, `want` long if there is one,
 * else the longest run the search found (at least 1). Returns the run's
 * length (0 when every slot is in use: counted in `failures`) and its first
 * slot in *first. */
uint32_t swap_slots_alloc(struct swap_slots *s, uint32_t want, uint64_t *first);

/* Frees `n` slots from `first`; false (and nothing changed for that slot)
 * for a slot out of range or not in use. */
bool swap_slots_free(struct swap_slots *s, uint64_t first, uint32_t n);

bool swap_slots_in_use(const struct swap_slots *s, uint64_t slot);
static inline uint64_t swap_slots_free_count(const struct swap_slots *s)
{
    return s->nslots - s->used;
}

#endif
