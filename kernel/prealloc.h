/*
 * Preallocation (the seed's sched.mem.prealloc*):
 *   sched.mem.prealloc.mainMem        the full reservation taken at monitor
 *                                     start, no page sharing
 *   sched.mem.prealloc.pinnedMainMem  the same, and those pages are pinned:
 *                                     never remapped, swapped or ballooned
 *   sched.mem.prealloc                overhead/anon and mainMem (as mainMem
 *                                     for guest memory)
 * "True preallocation" happens in Monitor_MonitorStarted, just before the
 * guest runs: all or nothing. Later reservation increases feed the prealloc
 * pool (taken by first touches) or fail. Preallocated VMs never block, even in
 * the low state (memsched_vm.prealloc).
 *
 * MPNs come from the caller's allocator through prealloc_ops, and the pool is
 * caller storage: policy code does not allocate.
 */
#ifndef KERNEL_PREALLOC_H
#define KERNEL_PREALLOC_H

#include "include/hv/types.h"
#include "mm/physmap.h"

enum prealloc_mode {
    PREALLOC_NONE = 0,
    PREALLOC_MAINMEM,          /* sched.mem.prealloc.mainMem */
    PREALLOC_PINNED,           /* sched.mem.prealloc.pinnedMainMem */
    PREALLOC_ALL,              /* sched.mem.prealloc */
};

struct prealloc_ops {
    mpn_t (*alloc)(void *ctx);          /* INVALID_MPN when none */
    void (*free)(void *ctx, mpn_t mpn);
    void *ctx;
};

struct prealloc {
    enum prealloc_mode mode;
    uint64_t reserved;         /* pages guaranteed: the reservation */
    mpn_t *pool;               /* taken but not yet mapped MPNs */
    uint64_t pool_cap;
    uint64_t pool_count;
    bool started;
};

/* The strongest mode the three config booleans ask for. */
enum prealloc_mode prealloc_mode_from_config(bool prealloc, bool main_mem, bool pinned_main_mem);
const char *prealloc_mode_name(enum prealloc_mode m);

/* `pool` must hold at least `memsize` entries (prealloc_pool_entries). */
uint64_t prealloc_pool_entries(uint64_t memsize);
void prealloc_init(struct prealloc *pa, enum prealloc_mode mode, uint64_t reservation,
                   mpn_t *pool, uint64_t pool_cap);

/* Monitor_MonitorStarted: takes the whole reservation (less pages already
 * mapped), maps it to the lowest untouched or zero PPNs, pins them in pinned
 * mode, marks the physmap unshareable. All or nothing: on failure every page
 * taken is freed and the physmap is as before. No-op for PREALLOC_NONE. */
bool prealloc_monitor_started(struct prealloc *pa, struct physmap *pm,
                              const struct prealloc_ops *ops);

/* A reservation increase to `new_reservation` after start: the difference is
 * taken into the pool now, or nothing is taken and false is returned. */
bool prealloc_grow(struct prealloc *pa, uint64_t new_reservation,
                   const struct prealloc_ops *ops);

/* For a first touch: an MPN from the pool, or INVALID_MPN when it is empty. */
mpn_t prealloc_take(struct prealloc *pa);

/* Power-off: frees what is left in the pool. */
void prealloc_drain(struct prealloc *pa, const struct prealloc_ops *ops);

static inline bool prealloc_never_blocks(const struct prealloc *pa) { return pa->mode != PREALLOC_NONE; }
static inline bool prealloc_allows_sharing(const struct prealloc *pa) { return pa->mode == PREALLOC_NONE; }
/* Pinned pages are never remapped, swapped or ballooned. */
static inline bool prealloc_pins(const struct prealloc *pa) { return pa->mode == PREALLOC_PINNED; }

#endif
