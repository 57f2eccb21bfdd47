/* QEMU's pc-testdev (vmm/dev_testdev.h) on a VM that asks for it
 * (testdev.present): its ports on the VM's port bus, its interrupt lines
 * into the VM's 8259s and I/O APIC, its page drops into the VM's guest
 * memory, and its memory window in the board (vplatform->testdev), whose
 * EPT violations vmm/exit_mmio.c emulates. */
#ifndef VMM_TESTDEV_ATTACH_H
#define VMM_TESTDEV_ATTACH_H

#include "include/hv/types.h"

struct vm;
struct vplatform;

/* True when attached or not asked for; false with `why` when memory or
 * port slots ran out. */
bool testdev_attach(struct vm *vm, struct vplatform *plat, char *why, size_t whylen);

#endif
