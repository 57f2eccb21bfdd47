/*
 * The swapper's view of the swap device: a small ops table, so that mm/
 * (policy code, hosted-tested) never includes kernel/. The image fills it
 * with thin wrappers around kernel/swap_dev.c; tests with a fake device in
 * host memory. The results have the values of swap_dev's enum swap_err, so
 * a wrapper passes them through unchanged.
 *
 * Rules the swapper relies on (swap_dev's): write_cluster is all or nothing
 * (on any error no slot stays allocated); after a write error the device is
 * failed and refuses writes, but reads go on working; a read error is this
 * transfer's alone.
 */
#ifndef MM_SWAP_STORE_H
#define MM_SWAP_STORE_H

#include "include/hv/types.h"

/* Most pages one write_cluster / read_cluster call takes (SWAP_CLUSTER_MAX). */
#define SWAP_STORE_CLUSTER_MAX 32

enum swap_store_result {
    SWAP_STORE_OK = 0,
    SWAP_STORE_NODEV = -1,   /* no device */
    SWAP_STORE_FAILED = -2,  /* failed earlier: writes refused */
    SWAP_STORE_FULL = -3,    /* not enough free slots for the whole cluster */
    SWAP_STORE_IO = -4,      /* this transfer failed */
    SWAP_STORE_ARG = -5,     /* bad count or slot */
};

struct swap_store_ops {
    /* Writes n (1..SWAP_STORE_CLUSTER_MAX) machine pages; pages[i] goes to
     * slots[i], consecutive where the device has room. */
    int (*write_cluster)(void *ctx, const mpn_t *pages, uint32_t n, uint64_t *slots);
    /* Reads one slot into a machine page. */
    int (*read)(void *ctx, uint64_t slot, mpn_t page);
    /* Reads slots [first, first + n), each in use, into pages[0..n). */
    int (*read_cluster)(void *ctx, uint64_t first, const mpn_t *pages, uint32_t n);
    /* Gives slots back (page read back in, VM gone). */
    void (*free)(void *ctx, const uint64_t *slots, uint32_t n);
    /* Present and not failed: worth trying. */
    bool (*writable)(void *ctx);
    void *ctx;
};

#endif
