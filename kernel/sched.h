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

NORETURN void sched_loop(void);
/* Starts the VMs the host config names in vm.autostart. */
void sched_autostart(const char *list);

#endif
