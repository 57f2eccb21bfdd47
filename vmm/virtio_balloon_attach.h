/*
 * A VM's virtio-mmio balloon on its board: the transport and balloon models
 * (vmm/dev_virtio_mmio.h, vmm/dev_virtio_balloon.h) given the VM's RAM, an
 * I/O APIC input and the vmkernel's balloon control (kernel/vm_balloon.h).
 *
 * Where: one 512-byte window at VBALLOON_GPA, interrupt on I/O APIC input
 * VBALLOON_GSI (level, active high), as the DSDT's LNRO0005 device says
 * (vmm/acpi_guest_attach.c). The window has a page of its own, where QEMU's
 * microvm puts its first virtio-mmio transport, below the I/O APIC; the
 * VM-exit dispatcher sends its EPT violations to MMIO emulation
 * (vmm/exit_dispatch.c), and vmm/exit_mmio.c hands them to the balloon.
 *
 * Inflate: each PFN's backing is freed at once (guest_mem_balloon); bad
 * PFNs are counted. Deflate: the page is untouched again. A broken queue
 * puts only the device in NEEDS_RESET and says why on the console, once per
 * breakage; the guest runs on.
 */
#ifndef VMM_VIRTIO_BALLOON_ATTACH_H
#define VMM_VIRTIO_BALLOON_ATTACH_H

#include "include/hv/types.h"
#include "vmm/exits.h"

#define VBALLOON_GPA 0xFEB00000ULL
#define VBALLOON_GSI 16

struct vm;
struct vcpu;
struct vplatform;
struct vballoon;

/* When the VM's balloon.present is set: builds the device on `plat`.
 * False with a reason when memory ran out. */
bool vballoon_attach(struct vm *vm, struct vplatform *plat, char *why, size_t whylen);

/* The window. */
bool vballoon_owns(uint64_t gpa);
uint32_t vballoon_read(struct vballoon *vb, struct vcpu *v, uint64_t gpa, unsigned size);
/* False: a ring or list page must come back first; *action says what the
 * vCPU does meanwhile (the access is retried afterwards). */
bool vballoon_write(struct vballoon *vb, struct vcpu *v, uint64_t gpa, unsigned size,
                    uint32_t val, enum exit_action *action);

#endif
