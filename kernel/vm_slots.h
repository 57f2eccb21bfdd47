/*
 * Which slot of the VM table a starting VM takes. Ended VMs keep their slot
 * so that `vm list` shows why they ended, but only until the slot is needed:
 * a host whose VMs come and go must not run out of slots while none of them
 * runs. Pure policy, tested hosted; kernel/vm.c owns the table.
 */
#ifndef KERNEL_VM_SLOTS_H
#define KERNEL_VM_SLOTS_H

#include "include/hv/types.h"

struct vm_slot_view {
    bool used;         /* holds a VM record, running or ended */
    bool live;         /* that VM runs (or is halted): never taken */
    bool same_name;    /* that VM has the starting VM's name */
    uint64_t start_ns; /* when that VM started: the oldest ended record goes first */
};

/* The slot for a VM: the slot of a VM of the same name (the caller refuses
 * it if that VM is live), else a free slot, else the slot of the ended VM
 * that started first. -1 when every slot holds a live VM. */
int vm_slot_pick(const struct vm_slot_view *slots, unsigned n);

#endif
