/*
 * The monitor's side of memory release (the seed's VMMem in the monitor):
 * each VM's struct vmmem (vmm/vmmem.h) set up at build, the poll point
 * before every VM entry that carries out memsched's release request, and
 * the RAM fault path with its allocation bound and low-state blocking.
 */
#ifndef VMM_VMMEM_POLL_H
#define VMM_VMMEM_POLL_H

#include "include/hv/types.h"
#include "vmm/vmmem.h"
#include "vmm/exits.h"

struct vm;
struct vcpu;

/* Per VM (vm->mem.vmmem, heap; kernel/vm.c frees it at the reap). */
struct vmmem_vm {
    struct vmmem m;
    uint64_t seen_gen;          /* vm->mem.release_gen last taken into m */
    bool injected_deny;         /* `vmm deny`: vCPU 0 holds a deny for it */
    struct vmmem_lock mem_lock; /* the VM's memory: physmap, swapper, cache */
    struct vm *vm;
    uint64_t lost_faults;       /* faults whose page could not be read back */
    uint64_t block_sleeps;      /* times a vCPU slept blocked from allocating */
};

/* After the vCPUs are counted (cfg.numvcpus). False when no memory. */
bool vmmem_vm_init(struct vm *vm, char *why, size_t whylen);

/* The poll point before every VM entry: applies a newly posted request and
 * the injected deny, and carries out what this vCPU may release now. */
void vmmem_poll_point(struct vcpu *v);
/* The same when the caller knows the VM: the common case (nothing posted
 * since the last look, nothing asked, no injected deny) inline. */
static inline void vmmem_poll_point_fast(struct vcpu *v, struct vmmem_vm *w, unsigned id,
                                         uint64_t gen, bool deny_pending)
{
    if (w && w->seen_gen == gen && !w->m.requested && !deny_pending && !w->injected_deny)
        vmmem_poll_idle(&w->m, id);
    else
        vmmem_poll_point(v);
}
/* An explicit poll point inside a long monitor path. */
static inline void vmmem_check_for_release_requests_now(struct vcpu *v) { vmmem_poll_point(v); }

/* An EPT violation on guest RAM at `gpa`. */
enum exit_action vmmem_ram_fault(struct vcpu *v, uint64_t gpa);

#endif
