/* INIT and SIPI for a vCPU (SDM vol. 3, 9.4 multiple-processor
 * initialisation, 11.6.1 INIT and start-up IPIs): the board records them
 * when another vCPU sends them (vmm/vplatform.h, struct vplatform_cpu); the
 * target applies them to its own VMCS here, when it next runs, since only
 * the running vCPU's VMCS is loaded. Also where each vCPU picks up the
 * VM's shared TSC offset. */
#ifndef VMM_VCPU_STARTUP_H
#define VMM_VCPU_STARTUP_H

#include "include/hv/types.h"

struct vcpu;

/* Called with v's VMCS current, before it enters. Applies a pending INIT
 * (events queued for entry dropped; the vCPU waits) or SIPI (real mode at
 * CS = vector << 8, base vector << 12, IP 0) and the shared TSC offset.
 * While the VM is in ACPI S3 the BSP checks for the wake here (the board
 * ticked) and, woken, starts at the OS's waking vector; a wake with no
 * vector restarts the VM, one with a vector no mode reaches stops it.
 * False: v must not run; it sleeps until *wake_ns (plat_time_ns;
 * UINT64_MAX: until kicked). */
bool vcpu_startup(struct vcpu *v, uint64_t *wake_ns);

#endif
