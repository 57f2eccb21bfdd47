/* The image's host-CPU side of the guest-state accessor (gs_read and
 * gs_write are inline in vmm/guest_state.h). */
#include "vmm/guest_state.h"
#include "vmm/vcpu.h"
#include "arch/x86_64/vmcs.h"
#include "arch/x86_64/vmx.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/safe_insn.h"

/* vmx_entry.asm's offsets */
_Static_assert(offsetof(struct guest_regs, gpr[REG_R15]) == 0x78, "guest_regs layout");
_Static_assert(offsetof(struct guest_regs, cr2) == 0x80, "guest_regs layout");
_Static_assert(offsetof(struct guest_regs, entry_tsc) == 0x90, "guest_regs layout");

struct host_cpuid host_cpuid(uint32_t leaf, uint32_t sub)
{
    struct cpuid_regs r = cpuid(leaf, sub);
    return (struct host_cpuid){ r.eax, r.ebx, r.ecx, r.edx };
}

uint64_t host_tsc(void) { return rdtsc(); }
uint64_t host_guest_msr_read(uint32_t msr) { return rdmsr(msr); }
bool host_guest_msr_write(uint32_t msr, uint64_t value) { return safe_wrmsr(msr, value); }
bool host_guest_xsetbv(uint64_t xcr0) { return safe_xsetbv(0, xcr0); }
void host_guest_dr6_set(uint64_t bits) { write_dr6(read_dr6() | bits); }
uint64_t host_guest_dr_read(unsigned i) { return read_dr(i); }

void host_guest_tlb_flush(void)
{
    const struct vmx_caps *c = vmx_caps();
    if (!(c->proc2 & PROC2_VPID))
        return;             /* VM entry and exit flush everything then */
    if (c->invvpid_single)
        invvpid_single((uint16_t)vmread(VMCS_VPID));
    else
        invvpid_all();
}
/* Not MPX's state: MPX is hidden (its IA32_BNDCFGS is not emulated), and a
 * CPU without it refuses XCR0 bits 3-4 (SDM vol. 1, 13.3). */
uint64_t host_xcr0_offered(void) { return fpu_supported_xcr0() & ~XCR0_MPX; }
uint64_t host_cr4_fixed1(void) { return vmx_caps()->cr4_fixed1; }
uint32_t host_vmx_proc(void) { return vmx_caps()->proc; }
uint32_t host_vmx_proc2(void) { return vmx_caps()->proc2; }
bool host_vmx_nmi_window(void) { return vmx_caps()->nmi_window; }
