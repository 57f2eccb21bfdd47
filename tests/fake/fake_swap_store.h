/* A swap device in host memory behind struct swap_store_ops, with the real
 * slot allocator (mm/swap_slots.c) and swap_dev's failure rules: a write
 * error fails the device (later writes refused, reads still served), a read
 * error is returned for that transfer only. For the swapper's tests. */
#ifndef TESTS_FAKE_FAKE_SWAP_STORE_H
#define TESTS_FAKE_FAKE_SWAP_STORE_H

#include "mm/swap_store.h"
#include "mm/swap_slots.h"

struct fake_swap_store {
    struct swap_slots slots;
    uint64_t *map;
    uint8_t *data;                /* nslots pages */
    bool failed;
    bool fail_next_write;         /* the next write reports an I/O error */
    uint64_t bad_read_slot;       /* reads touching it fail; SWAP_SLOT_NONE: none */
    uint64_t writes, pages_written, reads, read_clusters, pages_read, frees;
};

/* Ops bound to `f`, which holds `nslots` slots. */
void fake_swap_store_init(struct fake_swap_store *f, uint64_t nslots, struct swap_store_ops *ops);
void fake_swap_store_destroy(struct fake_swap_store *f);

#endif
