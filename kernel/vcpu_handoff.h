/*
 * Siblings on one physical CPU: the vCPUs of a VM take turns on the boot
 * CPU, so an interrupt for vCPU 1 raised while vCPU 0 holds the CPU would
 * wait up to the rest of vCPU 0's slice, and a guest that expects its CPUs
 * to run at once (a timer tick every 4 ms on each, a TLB shootdown IPI
 * answered in microseconds, a spinlock released by a preempted holder)
 * sees ticks lost and locks held for whole slices. So the vCPU holding the
 * CPU gives the rest of its slice to a sibling
 *   - that has had an interrupt or start-up event since it last ran
 *     (vcpu_handoff_due, checked after every exit), or
 *   - when it spins (a PAUSE loop exit) and a sibling could run, as the
 *     lock holder it waits for may be that sibling (vcpu_handoff_spin).
 * Only the rest of the slice passes on, at most 1/20 of a slice
 * (vcpu_handoff_slice, kernel/sched.c), so a VM's vCPUs
 * together never hold the CPU longer than the slice they were given:
 * fairness between VMs is unchanged.
 *
 * Pure (policy-clean): the scheduler's state lives in struct vm.
 */
#ifndef KERNEL_VCPU_HANDOFF_H
#define KERNEL_VCPU_HANDOFF_H

#include "include/hv/types.h"

struct vm;

/* Something arrived for vCPU `idx` that it should see soon (a virtual
 * interrupt, INIT/SIPI, NMI, memory it waited for); noted only while `idx`
 * is off the CPU. */
void vcpu_handoff_note_event(struct vm *vm, unsigned idx);
/* vCPU `idx` is given the CPU: it sees what arrived, and what arrives for
 * it until vcpu_handoff_off_cpu is its own business, not a sibling's. */
void vcpu_handoff_ran(struct vm *vm, unsigned idx);
void vcpu_handoff_off_cpu(struct vm *vm);
/* vCPU `self` holds the CPU and just handled an exit: true (and the
 * sibling recorded for vcpu_handoff_take) when a runnable sibling has had
 * an event since it last ran. */
bool vcpu_handoff_due(struct vm *vm, unsigned self);
/* vCPU `self` spins: true (and a sibling recorded) when another of its
 * VM's vCPUs could run: the one with an event first, else the one that has
 * had the CPU least. */
bool vcpu_handoff_spin(struct vm *vm, unsigned self);
/* The sibling recorded by the last true answer, cleared; -1: none. */
int vcpu_handoff_take(struct vm *vm);
/* What the sibling is given when the giver used `used` of its `slice` (a
 * full slice is `full`): the rest, at most full / SCHED_HANDOFF_MAX_DIV;
 * 0 (nothing handed on) when the rest is under full / SCHED_HANDOFF_MIN_DIV
 * (kernel/sched.h). */
uint64_t vcpu_handoff_slice(uint64_t slice, uint64_t used, uint64_t full);

#endif
