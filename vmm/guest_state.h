/* How exit handlers see and change a guest: VMCS fields by their encoding
 * (include/hv/x86/vmcs_fields.h), general registers in struct guest_regs,
 * and the few host-CPU facts a handler needs. Two implementations: the VMCS
 * and the CPU in the image (vmm/guest_state_vmcs.c) and a fake in hosted
 * tests (tests/fake/guest_state_fake.c), so every handler runs under cmocka,
 * ASan and UBSan with the same code the image runs. */
#ifndef VMM_GUEST_STATE_H
#define VMM_GUEST_STATE_H

#include "include/hv/types.h"
#include "include/hv/x86/vmcs_fields.h"

struct vcpu;

/* The current VMCS is `v`'s (monitor_switch_to made it so). In the image
 * these are the VMREAD/VMWRITE instructions themselves, inlined: every exit
 * runs through them, and a call apiece doubled the root-mode cost of a
 * CPUID exit in Bochs. Hosted builds link the fake's functions. */
#if HV_HOSTED
uint64_t gs_read(struct vcpu *v, uint32_t field);
void gs_write(struct vcpu *v, uint32_t field, uint64_t value);
#else
#include "arch/x86_64/vmcs.h"
static inline uint64_t gs_read(struct vcpu *v, uint32_t field)
{
    (void)v;
    return vmread(field);
}
static inline void gs_write(struct vcpu *v, uint32_t field, uint64_t value)
{
    (void)v;
    vmwrite(field, value);
}
#endif

/* Host CPU facts and actions behind handlers. */
struct host_cpuid {
    uint32_t eax, ebx, ecx, edx;
};
struct host_cpuid host_cpuid(uint32_t leaf, uint32_t sub);
uint64_t host_tsc(void);
/* An MSR the vCPU owns while it runs (syscall MSRs): read from the CPU. */
uint64_t host_guest_msr_read(uint32_t msr);
/* Loads a guest-chosen value; false if the CPU refused it (a #GP caught). */
bool host_guest_msr_write(uint32_t msr, uint64_t value);
bool host_guest_xsetbv(uint64_t xcr0);
/* Sets bits in the guest's DR6, which is in the CPU while the vCPU runs
 * (vmm/monitor.c loads it): a #DB the monitor raises names its cause there,
 * as one the CPU raises does. */
void host_guest_dr6_set(uint64_t bits);
/* DR0-DR3 (`i` 0-3), in the CPU while the vCPU runs. */
uint64_t host_guest_dr_read(unsigned i);
/* Drops the translations the CPU cached for the current vCPU (its VPID),
 * global ones too: INIT invalidates a processor's TLBs (SDM vol. 3, table
 * 10-1), and a VM entry does not. */
void host_guest_tlb_flush(void);
/* XCR0 bits offered to guests (what fpu.c saves and restores). */
uint64_t host_xcr0_offered(void);
/* CR4 bits the CPU allows in VMX operation (IA32_VMX_CR4_FIXED1). */
uint64_t host_cr4_fixed1(void);
/* The processor-based VM-execution controls in force (primary, secondary):
 * what the guest may use without a #UD (RDTSCP, INVPCID, TSC offsetting). */
uint32_t host_vmx_proc(void);
uint32_t host_vmx_proc2(void);
/* NMI-window exiting may be turned on (virtual NMIs are in force). */
bool host_vmx_nmi_window(void);
/* The CR0/CR4 values the CPU runs with for a guest that wrote `shadow`. */
uint64_t vcpu_real_cr0(uint64_t shadow);
uint64_t vcpu_real_cr4(uint64_t shadow);

#endif
