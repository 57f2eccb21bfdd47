/* CPUID: the host's answers, filtered. VT-x, SMX and MONITOR/MWAIT are
 * hidden (we do not offer them), x2APIC too (no virtual local APIC yet), the
 * hypervisor bit is set, and leaves 0x40000000+ carry our signature. */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "kernel/vm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/vmcs.h"
#include "arch/x86_64/fpu.h"

#define HV_MAX_LEAF 0x40000001u
/* "hvMicroHVisr" split over EBX, ECX, EDX as little-endian words */
#define SIG_EBX 0x694d7668u /* "hvMi" */
#define SIG_ECX 0x486f7263u /* "croH" */
#define SIG_EDX 0x72736956u /* "Visr" */

enum exit_action exit_cpuid(struct vcpu *v)
{
    uint32_t leaf = (uint32_t)v->regs.rax, sub = (uint32_t)v->regs.rcx;
    struct cpuid_regs r = { 0, 0, 0, 0 };
    if (leaf >= 0x40000000u && leaf <= 0x400000ffu) {
        if (leaf == 0x40000000u)
            r = (struct cpuid_regs){ HV_MAX_LEAF, SIG_EBX, SIG_ECX, SIG_EDX };
    } else {
        r = cpuid(leaf, sub);
        switch (leaf) {
        case 1:
            r.ecx &= ~((1u << 5) | (1u << 6) | (1u << 3) | (1u << 21));
            r.ecx |= 1u << 31;
            /* OSXSAVE mirrors the guest's own CR4.OSXSAVE, a bit it owns
             * (writes to it do not exit), so read it live. */
            if (vmread(VMCS_GUEST_CR4) & (1u << 18))
                r.ecx |= 1u << 27;
            else
                r.ecx &= ~(1u << 27);
            r.ebx = (r.ebx & 0x00ffffffu) | ((uint32_t)v->id << 24);
            break;
        case 0xd: {
            /* XSAVE components: only those XSETBV accepts (fpu.c may offer
             * fewer than the CPU has); no supervisor (XSS) components and no
             * XSAVES, which the monitor does not enable. */
            uint64_t offered = fpu_supported_xcr0();
            if (sub == 0) {
                r.eax &= (uint32_t)offered;
                r.edx &= (uint32_t)(offered >> 32);
            } else if (sub == 1) {
                r.eax &= ~(1u << 3);
                r.ecx = r.edx = 0;
            } else if (sub >= 64 || !((offered >> sub) & 1)) {
                r = (struct cpuid_regs){ 0, 0, 0, 0 };
            }
            break;
        }
        case 5:  /* MONITOR/MWAIT leaf: hidden with the feature */
        case 0xa: /* no performance counters for guests */
            r = (struct cpuid_regs){ 0, 0, 0, 0 };
            break;
        default:
            break;
        }
    }
    v->regs.rax = r.eax;
    v->regs.rbx = r.ebx;
    v->regs.rcx = r.ecx;
    v->regs.rdx = r.edx;
    vcpu_skip_instruction();
    return EXIT_CONTINUE;
}
