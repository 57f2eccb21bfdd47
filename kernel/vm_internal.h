/* VM internals shared by kernel/vm.c, the scheduler, the shell and VMTrack
 * (kernel/vm_mem.c), which end VMs. */
#ifndef KERNEL_VM_INTERNAL_H
#define KERNEL_VM_INTERNAL_H

#include "kernel/vm.h"

/* Frees everything an ended VM holds (idempotent). */
void vm_reap(struct vm *vm);

#endif
