/* CPUID: the host's answers, filtered. VT-x, SMX and MONITOR/MWAIT are
 * hidden (we do not offer them), x2APIC too (no virtual local APIC yet), the
 * hypervisor bit is set, and leaves 0x40000000+ carry our signature. */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/guest_state.h"
#include "include/hv/x86/regs.h"
#include "include/hv/x86/cpuid.h"

#define HV_MAX_LEAF 0x40000001u
/* "hvMicroHVisr" split over EBX, ECX, EDX as little-endian words */
#define SIG_EBX 0x694d7668u /* "hvMi" */
#define SIG_ECX 0x486f7263u /* "croH" */
#define SIG_EDX 0x72736956u /* "Visr" */

enum exit_action exit_cpuid(struct vcpu *v, const struct exit_info *e)
{
    uint32_t leaf = (uint32_t)v->regs.gpr[REG_RAX], sub = (uint32_t)v->regs.gpr[REG_RCX];
    struct host_cpuid r = { 0, 0, 0, 0 };
    if (leaf >= 0x40000000u && leaf <= 0x400000ffu) {
        if (leaf == 0x40000000u)
            r = (struct host_cpuid){ HV_MAX_LEAF, SIG_EBX, SIG_ECX, SIG_EDX };
    } else {
        r = host_cpuid(leaf, sub);
        switch (leaf) {
        case 1:
            r.ecx &= ~(CPUID1_ECX_VMX | CPUID1_ECX_SMX | CPUID1_ECX_MONITOR | CPUID1_ECX_X2APIC);
            r.ecx |= CPUID1_ECX_HYPERVISOR;
            /* OSXSAVE mirrors the guest's own CR4.OSXSAVE, a bit it owns
             * (writes to it do not exit), so read it live. */
            if (gs_read(v, VMCS_GUEST_CR4) & CR4_OSXSAVE)
                r.ecx |= CPUID1_ECX_OSXSAVE;
            else
                r.ecx &= ~CPUID1_ECX_OSXSAVE;
            r.ebx = (r.ebx & 0x00ffffffu) | ((uint32_t)v->id << 24);
            break;
        case 0xd: {
            /* XSAVE components: only those XSETBV accepts (fpu.c may offer
             * fewer than the CPU has); no supervisor (XSS) components and no
             * XSAVES, which the monitor does not enable. */
            uint64_t offered = host_xcr0_offered();
            if (sub == 0) {
                r.eax &= (uint32_t)offered;
                r.edx &= (uint32_t)(offered >> 32);
            } else if (sub == 1) {
                r.eax &= ~CPUIDD1_EAX_XSAVES;
                r.ecx = r.edx = 0;
            } else if (sub >= 64 || !((offered >> sub) & 1)) {
                r = (struct host_cpuid){ 0, 0, 0, 0 };
            }
            break;
        }
        case 5:  /* MONITOR/MWAIT leaf: hidden with the feature */
        case 0xa: /* no performance counters for guests */
            r = (struct host_cpuid){ 0, 0, 0, 0 };
            break;
        default:
            break;
        }
    }
    v->regs.gpr[REG_RAX] = r.eax;
    v->regs.gpr[REG_RBX] = r.ebx;
    v->regs.gpr[REG_RCX] = r.ecx;
    v->regs.gpr[REG_RDX] = r.edx;
    vcpu_skip_instruction(v, e);
    return EXIT_CONTINUE;
}
