/* Sets up, for a VM whose guest a BIOS would have started, what that BIOS
 * leaves behind (vmm/bios_handoff.h): its handlers' ROM page, the interrupt
 * vector table and BIOS data area in the VM's RAM, the 8259s and the PIT. */
#ifndef VMM_BIOS_HANDOFF_ATTACH_H
#define VMM_BIOS_HANDOFF_ATTACH_H

#include "include/hv/types.h"

struct vm;
struct vplatform;

/* Before the guest is loaded (a kernel loaded over the table keeps its
 * bytes). False with a reason when memory for it ran out. */
bool bios_handoff_attach(struct vm *vm, struct vplatform *plat, uint64_t now_ns, char *why,
                         size_t whylen);

#endif
