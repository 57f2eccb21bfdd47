/*
 * memsched: decides how much machine memory each VM may hold (its target) and
 * what each VM above target must give back, following the seed's MemSched:
 *
 *  - MinFreePct: memory kept free for the vmkernel, 6% of the first 4 GiB, 4%
 *    of the next 8, 2% of the next 16, 1% of the rest (the sliding scale), or a
 *    configured percentage.
 *  - Free-memory states. MinFree is the free memory memsched aims to keep; the
 *    state is named after how far below that free memory has fallen:
 *        high  free >= 64% of MinFree   balloon VMs above target while
 *                                       free < MinFree ("can balloon")
 *        soft  free >= 32%              balloon, fall back to swap
 *        hard  free >= 16%              swap (compression cache, SSD, disk)
 *        low   free <  16%              swap repeatedly, block VMs above target
 *    Dropping to a worse state is immediate; climbing back needs free memory
 *    hysteresis_pct of MinFree above the boundary, so states do not flap.
 *  - A balance cycle every MEM_BALANCE_PERIOD (15 s) or at once on a change of
 *    state: targets from reservation (sched.mem.min), limit (sched.mem.max) and
 *    shares (sched.mem.shares) with the idle memory tax applied to the sampled
 *    active pages (an idle page costs 1/(1 - tax) active ones), such that the
 *    targets leave MinFree free. A VM's demand is what it holds plus room to
 *    grow ("target increased as delta above consumed").
 *  - Release requests: soft asks for balloon first, swap if the VM has no
 *    balloon or ballooning stalls; hard and low ask for swap. A swap target is
 *    capped at MemSchedMaxVmmSwapTarget: twice the pages the VM could allocate
 *    between two release points (vCPUs x VmTrack_AllocAllowance), not more.
 *    Requests follow the VM's consumption between balance cycles: the image
 *    recomputes them at every tick and, in hard and low or above a limit, on
 *    allocation (memsched_release_now); memsim reissues on allocation
 *    (memsched_reissue) and counts down what it serves.
 *
 * No floating point (the image is built -mgeneral-regs-only): fractions are
 * Q16 fixed point (65536 = 100%).
 */
#ifndef KERNEL_MEMSCHED_H
#define KERNEL_MEMSCHED_H

#include "include/hv/types.h"

#define MEMSCHED_MAX_VMS 64
#define Q16_ONE 65536u

enum mem_state { MEM_HIGH = 0, MEM_SOFT, MEM_HARD, MEM_LOW, MEM_STATE_COUNT };

struct memsched_config {
    uint32_t minfree_pct;        /* 0: the sliding scale; else % of all pages */
    uint32_t idle_tax_pct;       /* idle memory tax, default 75 (0..99) */
    uint32_t hysteresis_pct;     /* of MinFree, needed to climb a state; default 8 */
    uint64_t balance_period_ns;  /* MEM_BALANCE_PERIOD, default 15 s */
    uint32_t alloc_allowance;    /* VmTrack_AllocAllowance per vCPU, default 48 */
    /* How far above its consumed pages a VM's target may reach in one cycle
     * ("target increased as delta above consumed"): max(grow_min_pages,
     * consumed * grow_pct / 100). Defaults 256 pages, 25%. */
    uint64_t grow_min_pages;
    uint32_t grow_pct;
};

/* Where memsched reads the machine's free page count (the page allocator in
 * the image, a counter in tests). */
typedef uint64_t (*memsched_free_fn)(void *ctx);

struct memsched_vm {
    /* configuration: sched.mem.* in pages */
    uint64_t memsize;
    uint64_t min;                /* reservation */
    uint64_t max;                /* limit; 0 means memsize */
    uint64_t shares;             /* 0 means "normal" */
    uint32_t vcpus;              /* 0 counts as 1 */
    bool prealloc;               /* sched.mem.prealloc*: never blocks */
    bool has_balloon;            /* the guest runs a balloon driver */
    /* inputs the caller keeps current */
    uint64_t consumed;           /* pages held (physmap_consumed) */
    uint32_t active_q16;         /* sampled active fraction (sampler) */
    bool balloon_stalled;        /* soft: ballooning made no progress */
    uint64_t once_pages;         /* of consumed, idle pages used once only
                                  * (victim_once_pages; 0 if unknown): no
                                  * reason to keep memory past demand */
    /* outputs */
    uint64_t target;
    uint64_t balloon_target;     /* pages the balloon should take now */
    uint64_t swap_target;        /* pages to swap out now (capped) */
};

struct memsched {
    struct memsched_config cfg;
    uint64_t total_pages;
    uint64_t minfree_pages;
    enum mem_state state;
    uint64_t last_free;          /* free pages at the last poll */
    uint64_t host_pages;         /* at the last poll: pages neither free nor
                                  * held by a VM (the host's own, per-VM
                                  * overheads, compression caches) */
    uint64_t last_balance_ns;
    uint64_t balances;           /* cycles run, for statistics */
    uint64_t entered[MEM_STATE_COUNT];  /* times each state was entered */
    memsched_free_fn free_pages;
    void *free_ctx;
    struct memsched_vm *vms[MEMSCHED_MAX_VMS];
    unsigned nvms;
};

void memsched_default_config(struct memsched_config *cfg);

/* MinFree in pages for a machine of `total_pages`: the sliding scale. */
uint64_t memsched_minfree_sliding(uint64_t total_pages);

void memsched_init(struct memsched *ms, const struct memsched_config *cfg,
                   uint64_t total_pages, memsched_free_fn free_fn, void *ctx);
bool memsched_add_vm(struct memsched *ms, struct memsched_vm *vm);
bool memsched_remove_vm(struct memsched *ms, struct memsched_vm *vm);

/* Page boundaries below which each state starts (soft, hard, low). */
uint64_t memsched_state_floor(const struct memsched *ms, enum mem_state s);
/* The state for `free` pages coming from state `cur` (pure; hysteresis). */
enum mem_state memsched_state_for(const struct memsched *ms, enum mem_state cur,
                                  uint64_t free);

/* Reads free memory, updates the state, and runs a balance cycle if the state
 * changed or the period elapsed. Returns true when it balanced. */
bool memsched_poll(struct memsched *ms, uint64_t now_ns);
/* Recomputes every VM's target and release request now. */
void memsched_balance(struct memsched *ms, uint64_t now_ns);
/* Recomputes one VM's release request from its current consumed pages
 * (targets unchanged): on allocation in hard/low states. */
void memsched_reissue(const struct memsched *ms, struct memsched_vm *vm);

/* The pages `vm` is asked to give back now, in swap (0: none), its balloon
 * target updated alike: both recomputed from its current consumption in
 * every state, since a request is posted again and again until the next
 * balance cycle and must stop once the VM is down to its target (posted as
 * the balance left it, it was answered anew each time, down past the
 * target until the state changed). At least one swap cap: each release
 * runs a victim selection over the whole VM, paid per batch, not per page. */
uint64_t memsched_release_now(const struct memsched *ms, struct memsched_vm *vm);

/* The VM holds more than sched.mem.max: it must release even when memory
 * is plentiful (the monitor reissues on allocation then too). */
bool memsched_over_limit(const struct memsched_vm *vm);

/* MemSchedMaxVmmSwapTarget for `vm`: 2 x vCPUs x VmTrack_AllocAllowance. */
uint64_t memsched_swap_cap(const struct memsched *ms, const struct memsched_vm *vm);
/* Active pages of a VM: the sampled active fraction of its memsize. */
uint64_t memsched_active_pages(const struct memsched_vm *vm);
/* Low state: block an allocating VM above target, never one at or under it,
 * never a preallocated one. */
bool memsched_should_block(const struct memsched *ms, const struct memsched_vm *vm);

/* "low"/"normal"/"high" (5/10/20 per MiB of memsize, as ESX) or a number. */
bool memsched_parse_shares(const char *s, uint64_t memsize_pages, uint64_t *out);

const char *mem_state_name(enum mem_state s);

#endif
