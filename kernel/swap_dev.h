/*
 * The swap device: one block device, its slots, and the rules for failure.
 * The swapper hands it a cluster of machine pages going out together and
 * gets back the slots they went to (consecutive where possible, written in
 * one request per run); it reads one page, or a small read-ahead cluster of
 * consecutive slots, back into machine pages it supplies.
 *
 * Failure rules: a write error marks the device failed (logged once); every
 * later write is refused with SWAP_ERR_FAILED, so callers fall back to the
 * compression cache. Reads keep working after a write failure (pages already
 * out must come back); a read error is returned to the caller, which knows
 * which guest page the slot held. One device per host.
 */
#ifndef KERNEL_SWAP_DEV_H
#define KERNEL_SWAP_DEV_H

#include "drivers/block.h"
#include "mm/swap_slots.h"

/* Most pages one write_cluster/read_cluster call takes. */
#define SWAP_CLUSTER_MAX 32

enum swap_err {
    SWAP_OK = 0,
    SWAP_ERR_NODEV = -1,   /* no swap device configured */
    SWAP_ERR_FAILED = -2,  /* the device failed earlier: writes refused */
    SWAP_ERR_FULL = -3,    /* not enough free slots for the whole cluster */
    SWAP_ERR_IO = -4,      /* this transfer failed (reason: swap_dev_last_error) */
    SWAP_ERR_ARG = -5,     /* bad count or slot (a caller bug) */
};

struct swap_dev_stats {
    const char *name;      /* the block device; NULL without one */
    uint64_t slots, used;
    bool failed;
    uint64_t pages_out, pages_in;
    uint64_t write_requests, read_requests;
    uint64_t write_errors, read_errors, refused_writes, full;
};

/* Uses `d` with `pages` slots (0, or more than the device has: the whole
 * device). Returns false with a reason in why[] (no memory for the bitmap,
 * a device already open). */
bool swap_dev_open(struct blk_dev *d, uint64_t pages, char *why, size_t why_size);
/* Forgets the device and every slot (hosted tests; the host never closes). */
void swap_dev_close(void);
bool swap_dev_present(void);
/* Present and not failed: writes are accepted. */
bool swap_dev_writable(void);

/* Writes `n` (1..SWAP_CLUSTER_MAX) machine pages; slot of pages[i] goes to
 * slots[i]. All or nothing: on any error no slot stays allocated. */
enum swap_err swap_dev_write_cluster(const mpn_t *pages, uint32_t n, uint64_t *slots);
/* Reads slot `slot` into machine page `page`. */
enum swap_err swap_dev_read(uint64_t slot, mpn_t page);
/* Reads slots [first, first + n) (n <= SWAP_CLUSTER_MAX, each in use) into
 * pages[0..n): read-ahead of pages that went out together. */
enum swap_err swap_dev_read_cluster(uint64_t first, const mpn_t *pages, uint32_t n);
/* Frees slots the caller no longer needs (page faulted back in, VM gone). */
void swap_dev_free(const uint64_t *slots, uint32_t n);

/* Fault injection: while on, every device write fails as if the device had
 * reported an error (so the failure path runs for real). */
void swap_dev_fail_writes(bool on);
bool swap_dev_failing_writes(void);
/* Fault injection: the next device read fails, and every later read of the
 * slots it asked for fails too until they are written again (a bad sector
 * until the drive remaps it). One bad range at a time. */
void swap_dev_fail_next_read(void);

void swap_dev_get_stats(struct swap_dev_stats *out);
/* The last error as one line ("write of slots 12-15 on nvme0n1: ..."). */
const char *swap_dev_last_error(void);
const char *swap_strerror(enum swap_err e);

#endif
