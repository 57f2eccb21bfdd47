/* The world scheduler: one loop on the boot CPU that runs vCPUs round robin
 * in time slices (the VMX preemption timer ends each) and serves the shell
 * between slices. A halted vCPU is not run at all. */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include "include/hv/types.h"

#define SCHED_SLICE_MS 10
/* A slice's rest goes to a sibling vCPU (kernel/vcpu_handoff.h) only if it
 * is at least 1/SCHED_HANDOFF_MIN_DIV of a slice: below that, the entry
 * costs more than the wait it saves, and the next pick is fair anyway. */
#define SCHED_HANDOFF_MIN_DIV 40
/* ... and at most 1/SCHED_HANDOFF_MAX_DIV of a slice: the sibling answers
 * its interrupt in that (an IPI, an NMI, a timer tick), then the scheduler
 * picks again, so the vCPU that sent the IPI and waits for its answer does
 * not wait out the rest of a 10 ms slice behind a sibling that never exits
 * (kvm-unit-tests' apic test sends 30,000 NMIs to a vCPU spinning in
 * STI;CLI, each waited out a slice). */
#define SCHED_HANDOFF_MAX_DIV 20

NORETURN void sched_loop(void);
/* Starts the VMs the host config names in vm.autostart. */
void sched_autostart(const char *list);

#endif
