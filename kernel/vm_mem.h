/*
 * Each VM's memory as the memory scheduler sees it: the policy core
 * (kernel/memsched.c, mm/sampler.c) running in the image on real VMs. Every
 * VM gets a working-set sampler (EPT accessed bits where the CPU has them,
 * else invalidation and the fault path) and a memsched entry fed with its
 * consumed pages and active estimate; memsched computes targets each balance
 * period or on a change of free-memory state.
 *
 * Reclamation (ballooning, compression, swap) is not wired yet: targets are
 * computed and shown (`memsched` in the shell), not yet enforced.
 */
#ifndef KERNEL_VM_MEM_H
#define KERNEL_VM_MEM_H

#include "include/hv/types.h"

struct vm;

/* After the MPN database and the host config: sizes memsched. */
void vm_mem_init(void);
/* Admission (kernel/admission.c), before anything of the VM is allocated.
 * Until memory can be reclaimed (the swapper), every guest page must be
 * backable: a VM starts only if its whole memsize plus its overhead fits in
 * machine memory that is not MinFree and not promised to running VMs. False
 * with the reason (sizes in MiB) otherwise. Given back by vm_mem_detach. */
bool vm_mem_admit(struct vm *vm, char *why, size_t whylen);
/* A VM was built / is being reaped. False (with a reason) when the sampler's
 * storage could not be had. */
bool vm_mem_attach(struct vm *vm, char *why, size_t whylen);
void vm_mem_detach(struct vm *vm);
/* From the scheduler loop: ends sampling periods, refreshes consumed pages,
 * runs memsched when its period is over or the free state changed. */
void vm_mem_tick(void);
/* Shell: memsched's state and every VM's figures. */
void vm_mem_report(void);

#endif
