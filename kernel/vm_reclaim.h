/*
 * Reclaiming a VM's memory in the image: the per-VM swapper (zero tags, the
 * compression cache, the host's swap device), victim selection over the EPT
 * accessed bits, preallocation, and the figures `memstats` shows.
 *
 * Who calls what:
 *   - kernel/vm.c builds and reaps it with the VM (vm_reclaim_init,
 *     vm_reclaim_prealloc before the first instruction, vm_reclaim_destroy);
 *   - kernel/vm_mem.c ages every VM each aging period and posts memsched's
 *     release requests (vm->mem.release_request);
 *   - the monitor (vmm/vmmem_poll.c) carries a request out at a poll point,
 *     through vm_reclaim_release, and sends RAM faults through
 *     vm_reclaim_fault (with vm_reclaim_should_block in the low state).
 * Policy code (tools/check-layers.py): no arch, no drivers; the swap device
 * comes as an ops table (kernel/swap_store_dev.c).
 */
#ifndef KERNEL_VM_RECLAIM_H
#define KERNEL_VM_RECLAIM_H

#include "include/hv/types.h"
#include "mm/swapper.h"
#include "mm/victim.h"
#include "mm/guest_mem.h"

struct vm;

enum { VM_RECLAIM_IN_ZERO = 0, VM_RECLAIM_IN_ZIP, VM_RECLAIM_IN_SWAP };

/* Per VM (struct vm_memory.rc). */
struct vm_reclaim {
    bool ready;                 /* swapper attached to the VM's guest_mem */
    bool pinned;                /* sched.mem.prealloc.pinnedMainMem: never reclaimed */
    struct swapper sw;
    struct ccache *cc;          /* heap: the VM's compression cache */
    struct victim victim;
    void *victim_storage;
    uint64_t age_ns;            /* plat_time_ns the last aging pass began */
    bool aging;                 /* a pass is under way, in parts (vm_reclaim_age) */
    uint64_t releases;          /* release calls carried out */
    uint64_t released;          /* machine pages they freed */
    uint64_t prealloc_pages;    /* pages preallocated at start */
    /* Blocked from allocating (low state, above target). */
    uint64_t blocked_since_ns;  /* 0: not blocked now */
    uint64_t blocked_ns;        /* total time blocked, ended spells */
    uint64_t blocks;            /* spells */
    /* Costs, in TSC ticks of VMX root (the monitor measures them: in Bochs a
     * tick is an instruction): releases, and faults by what the page was. */
    uint64_t out_tsc;           /* release calls, all stores */
    uint64_t in_tsc[3], in_faults[3];   /* VM_RECLAIM_IN_ZERO/ZIP/SWAP */
    /* The monitor's VMMem, as counts the shell can show: allocations past
     * the bound while denied, lock-rank violations. */
    uint64_t vmtrack_events, rank_violations;
    /* Swap rates, pages per second over the last rate window. */
    uint64_t rate_ns, rate_out, rate_in;
    uint32_t out_per_s, in_per_s;
};

/* Pages a VM's reclaim costs beyond its RAM (cache structure, victim
 * storage), for admission. */
uint64_t vm_reclaim_overhead_pages(uint64_t memsize_pages);
/* After guest_mem_init: sets the swapper up and attaches it. False with a
 * reason (no memory for the cache or the victim storage). */
bool vm_reclaim_init(struct vm *vm, char *why, size_t whylen);
/* "True preallocation" for sched.mem.prealloc* VMs, just before the first
 * instruction: all of memsize taken now (pinned in pinnedMainMem mode), or
 * false with the reason and nothing taken. A no-op for other VMs. */
bool vm_reclaim_prealloc(struct vm *vm, char *why, size_t whylen);
/* Before guest_mem_destroy (which gives back swap slots and cache entries
 * through the attached swapper): frees the rest. Safe to call twice. */
void vm_reclaim_destroy(struct vm *vm);

/* Chooses up to `n` victims and pages them out; returns machine pages freed.
 * 0 for a pinned VM. */
uint64_t vm_reclaim_release(struct vm *vm, uint64_t n);
/* An aging scan when the period is over (from vm_mem_tick); refreshes rates. */
void vm_reclaim_age(struct vm *vm, uint64_t now_ns);

/* The fault path for guest RAM: guest_mem_fault, then victim selection is
 * told of the mapping. `allocated` (may be NULL) says whether a machine page
 * was taken (first touch or page-in). */
enum gm_fault vm_reclaim_fault(struct vm *vm, uint64_t gpa, bool *allocated);
/* What a fault at gpa would do, from one physmap lookup: bring a page back
 * (VM_RECLAIM_IN_*), back a page never touched (VM_RECLAIM_NEW), or take
 * no machine page (VM_RECLAIM_BACKED: mapped again; also for what is not
 * RAM). */
#define VM_RECLAIM_NEW    (-1)
#define VM_RECLAIM_BACKED (-2)
int vm_reclaim_page_kind(struct vm *vm, uint64_t gpa);

/* Blocked-time accounting (memstats BLOCKED). */
void vm_reclaim_note_blocked(struct vm *vm, uint64_t now_ns);
void vm_reclaim_note_unblocked(struct vm *vm, uint64_t now_ns);
uint64_t vm_reclaim_blocked_ns(const struct vm *vm, uint64_t now_ns);

/* Faults, in every VM since boot, whose page could not be read back (a swap
 * read error, a corrupt cache entry): each stopped its VM. */
uint64_t vm_reclaim_lost_total(void);

/* The host config's mem.victimPolicy as a policy. */
enum victim_policy vm_reclaim_policy(void);

#endif
