/*
 * VPIDs: one per vCPU slot. The CPU tags the linear and combined
 * translations it caches with the VPID (and the PCID) of the vCPU that made
 * them, not with its CR3, and a VM entry flushes nothing (SDM vol. 3,
 * 29.4). Two vCPUs of a VM sharing a VPID would use each other's
 * translations: one running process A's page tables and another process
 * B's, both with PCID 0, on the same CPU one after the other. So each vCPU
 * of each VM slot has its own, never 0 (VPID 0 is the host's); a slot's
 * VPIDs are reused by the next VM in it, which flushes them
 * (vmm/vcpu_setup.c).
 */
#ifndef VMM_VPID_H
#define VMM_VPID_H

#include "kernel/vm.h"

_Static_assert((uint32_t)VM_MAX * VM_MAX_VCPUS < 0xffff, "VPIDs are 16 bits");

/* vm_id: 1..VM_MAX (a VM's slot + 1); vcpu: 0..VM_MAX_VCPUS - 1. */
static inline uint16_t vcpu_vpid(unsigned vm_id, unsigned vcpu)
{
    return (uint16_t)(1 + (vm_id - 1) * VM_MAX_VCPUS + vcpu);
}

#endif
