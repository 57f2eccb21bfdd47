/* VMX operation on this CPU: enabling it, and the control values every
 * VMCS uses (wanted bits adjusted to what the CPU allows). */
#ifndef ARCH_X86_64_VMX_H
#define ARCH_X86_64_VMX_H

#include "include/hv/types.h"

struct vmx_caps {
    uint32_t revision;
    uint32_t preempt_shift;   /* preemption timer ticks every 2^shift TSC ticks */
    bool vpid;
    bool ept_ad;              /* EPT accessed/dirty bits */
    bool ept_2m, ept_1g;
    bool invvpid;
    bool invvpid_single;      /* single-context INVVPID; else all-context */
    bool nmi_window;          /* NMI-window exiting can be used (needs virtual NMIs) */
    /* PAUSE-loop exiting, else PAUSE exiting, can be turned on (per VMCS,
     * for VMs of several vCPUs: vmm/vcpu_setup.c); neither is in proc/proc2 */
    bool pause_loop, pause_exit;
    /* control values, already adjusted */
    uint32_t pin, proc, proc2, exit, entry;
    uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

/* Turns VMX on (IA32_FEATURE_CONTROL, CR4.VMXE, VMXON). On failure returns
 * false and says why in `why` ("EPT missing", "disabled by firmware"...). */
bool vmx_init(char *why, size_t size);
bool vmx_enabled(void);
const struct vmx_caps *vmx_caps(void);

#endif
