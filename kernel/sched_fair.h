/*
 * Fair share between vCPUs on the one physical CPU: the runnable vCPU that
 * has held the CPU least runs next (vm->vcpu_runtime, charged by the
 * scheduler around each run: guest time and the monitor's exit handling
 * alike), in slot order among equals.
 *
 * Credit is bounded, so no vCPU waits longer than about a slice for one
 * that is owed time:
 *   - a vCPU that was new, asleep or halted is lifted to one slice behind
 *     the least runtime among the vCPUs that kept running (min_runtime),
 *     so a fresh VM, or a vCPU that idled, cannot claim the time the
 *     others used meanwhile;
 *   - a runnable vCPU is never more than one slice behind a sibling that
 *     just ran. Siblings pass the rest of a slice to each other
 *     (kernel/vcpu_handoff.h), and the one given it is charged: without
 *     the bound, the other banked that time and then kept the CPU for as
 *     long, while its sibling's timer interrupt waited (Linux on 2 vCPUs:
 *     a tick 190 ms late).
 *
 * Pure (policy-clean): the state lives in struct vm and struct sched_fair.
 */
#ifndef KERNEL_SCHED_FAIR_H
#define KERNEL_SCHED_FAIR_H

#include "include/hv/types.h"

struct vm;

struct sched_fair {
    unsigned cursor;       /* place after the last pick, in (slot, vCPU) order */
    uint64_t min_runtime;  /* no runnable vCPU is lifted above this less a slice */
};

struct sched_pick {
    struct vm *vm;         /* NULL: nothing runnable */
    unsigned idx;
};

/* The VM in each slot (NULL: empty), for `slots` slots. */
typedef struct vm *(*sched_vm_at_fn)(unsigned slot);

/* vCPU `idx` of `vm` can be given the CPU (its VM running, it runnable). */
bool sched_runnable(const struct vm *vm, unsigned idx);
/* The runnable vCPU to run next. */
struct sched_pick sched_fair_pick(struct sched_fair *f, sched_vm_at_fn at, unsigned slots,
                                  uint64_t slice_tsc);
/* vCPU `idx` of `vm` held the CPU for `used` TSC ticks; called once its
 * state after the run is set. */
void sched_fair_charge(struct sched_fair *f, sched_vm_at_fn at, unsigned slots, struct vm *vm,
                       unsigned idx, uint64_t used, uint64_t slice_tsc);

#endif
