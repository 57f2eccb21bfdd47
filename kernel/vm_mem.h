/*
 * Each VM's memory as the memory scheduler sees it: the policy core
 * (kernel/memsched.c, mm/sampler.c) running in the image on real VMs. Every
 * VM gets a working-set sampler (EPT accessed bits where the CPU has them,
 * else invalidation and the fault path) and a memsched entry fed with its
 * consumed pages and active estimate; memsched computes targets each balance
 * period or on a change of free-memory state.
 *
 * Each VM above its target gets a release request (vm->mem.release_request)
 * that its monitor carries out at poll points (vmm/vmmem_poll.c) through
 * kernel/vm_reclaim.c: victim selection and the swapper. A VM whose guest
 * runs the virtio balloon driver is asked through its balloon instead while
 * memsched says so (high and soft states; kernel/vm_balloon.h).
 */
#ifndef KERNEL_VM_MEM_H
#define KERNEL_VM_MEM_H

#include "include/hv/types.h"
#include "kernel/memsched.h"

struct vm;

/* After the MPN database and the host config: sizes memsched. */
void vm_mem_init(void);
/* Admission (kernel/admission.c), before anything of the VM is allocated.
 * A VM starts only if its reservation (sched.mem.min; all of memsize for a
 * preallocated VM) plus its overhead fits in machine memory that is not
 * MinFree and not reserved by running VMs, and the rest of its memsize can
 * be backed by swap, the compression caches or memory nobody reserved
 * (what the VMs may have to give back must fit somewhere). False with the
 * reason naming the limit (sizes in MiB). Given back by vm_mem_detach. */
bool vm_mem_admit(struct vm *vm, char *why, size_t whylen);
/* A VM was built / is being reaped. False (with a reason) when the sampler's
 * storage could not be had. */
bool vm_mem_attach(struct vm *vm, char *why, size_t whylen);
void vm_mem_detach(struct vm *vm);
/* From the scheduler loop: ends sampling periods, refreshes consumed pages,
 * runs memsched when its period is over or the free state changed. */
void vm_mem_tick(void);
/* A fault allocated a page for `vm`: in hard/low (or above a limit) its
 * release request follows its consumption (memsched_release_now). */
void vm_mem_note_alloc(struct vm *vm);
/* Low state and the VM is above its target (not preallocated): it must not
 * allocate until it is back under. */
bool vm_mem_should_block(struct vm *vm);
/* MemSchedMaxVmmSwapTarget for the VM: the most one release takes. */
uint64_t vm_mem_swap_cap(struct vm *vm);
enum mem_state vm_mem_state(void);
uint64_t vm_mem_minfree(void);
/* Pages neither free nor any VM's at memsched's last poll: the host's own,
 * which targets leave out. */
uint64_t vm_mem_host_pages(void);
/* Shell: memsched's state and every VM's figures. */
void vm_mem_report(void);

#endif
