/* CPUID: the host's answers, for the leaves this filter knows, filtered so
 * that every feature it advertises works in the guest (any other leaf is
 * zeros, and one past the highest answers as the highest basic leaf):
 * VT-x, SMX and MONITOR/MWAIT are hidden (we do not offer them), features
 * backed by MSRs or XSAVES state the monitor does not emulate (debug
 * store, thermal and power, PDCM, DCA, the speculation-control MSRs, PT,
 * SGX, RDT, MPX, CET, TME, ENQCMD, user interrupts, Key Locker, XFD) with
 * their leaves, instructions whose VM-execution control is off (RDTSCP,
 * RDPID, INVPCID, WAITPKG, PCONFIG) and vector and matrix extensions whose
 * XSAVE state is not offered; IA32_TSC_ADJUST is shown where the host has
 * it and the VM has the PC board (it is emulated through the TSC offset);
 * the hypervisor bit is set, and leaves 0x40000000+ carry our signature. */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/guest_state.h"
#include "vmm/vplatform.h"
#include "include/hv/x86/regs.h"
#include "include/hv/x86/cpuid.h"
#include "include/hv/x86/msr.h"

#define HV_MAX_LEAF 0x40000001u
/* "hvMicroHVisr" split over EBX, ECX, EDX as little-endian words */
#define SIG_EBX 0x694d7668u /* "hvMi" */
#define SIG_ECX 0x486f7263u /* "croH" */
#define SIG_EDX 0x72736956u /* "Visr" */

/* The topology every vCPU reports: one package of `n` cores, one thread
 * each, with APIC IDs 0..n-1 (the MADT's, vmm/acpi_guest.c). */
static unsigned vcpus_of(const struct vcpu *v) { return v->plat ? v->plat->ncpus : 1; }

static unsigned id_bits(unsigned n) /* bits of APIC ID a package of n spans */
{
    unsigned b = 0;
    while ((1u << b) < n)
        b++;
    return b;
}

/* Leaves 0xB and 0x1F (extended topology): level 0 the thread (SMT) level,
 * level 1 the core level, then invalid levels; EDX the x2APIC ID. */
static struct host_cpuid topology_leaf(const struct vcpu *v, uint32_t sub)
{
    unsigned n = vcpus_of(v);
    if (sub == 0)
        return (struct host_cpuid){ 0, 1, 0 | (1u << 8), v->id };
    if (sub == 1)
        return (struct host_cpuid){ id_bits(n), n, 1 | (2u << 8), v->id };
    return (struct host_cpuid){ 0, 0, sub & 0xff, v->id };
}

/* CPUID.(0xD, 0).ECX: the XSAVE area (standard format) that holds every
 * component offered, as a CPU reports for every component it supports
 * (SDM vol. 1, 13.2): the legacy region and header, then each component at
 * the offset and size its own sub-leaf gives. The host's figure counts
 * components the monitor does not offer (AMX's 8 KiB, for one). */
static uint32_t xsave_area_bytes(uint64_t offered)
{
    uint32_t end = 512 + 64;
    for (uint32_t i = 2; i < 64; i++) {
        if (!((offered >> i) & 1))
            continue;
        struct host_cpuid c = host_cpuid(0xd, i);
        if (c.ebx + c.eax > end)
            end = c.ebx + c.eax;
    }
    return end;
}

/* A leaf within the range leaf 0 or 0x80000000 gives: the host's answer,
 * filtered. */
static struct host_cpuid leaf_in_range(struct vcpu *v, uint32_t leaf, uint32_t sub)
{
    struct host_cpuid r = host_cpuid(leaf, sub);
    uint64_t xcr0 = host_xcr0_offered();
    switch (leaf) {
    case 1:
        /* Hidden: what the monitor does not offer (VT-x, SMX, MONITOR,
         * x2APIC) and what is backed by MSRs it does not emulate (debug
         * store, SpeedStep, thermal monitors, PDCM's PERF_CAPABILITIES). */
        r.ecx &= ~(CPUID1_ECX_VMX | CPUID1_ECX_SMX | CPUID1_ECX_MONITOR | CPUID1_ECX_X2APIC |
                   CPUID1_ECX_DTES64 | CPUID1_ECX_DS_CPL | CPUID1_ECX_EST | CPUID1_ECX_TM2 |
                   CPUID1_ECX_PDCM | CPUID1_ECX_DCA);
        r.edx &= ~(CPUID1_EDX_DS | CPUID1_EDX_ACPI | CPUID1_EDX_TM | CPUID1_EDX_PBE);
        if (!(xcr0 & XCR0_AVX))
            r.ecx &= ~(CPUID1_ECX_AVX | CPUID1_ECX_FMA | CPUID1_ECX_F16C);
        r.ecx |= CPUID1_ECX_HYPERVISOR;
        /* OSXSAVE mirrors the guest's own CR4.OSXSAVE, a bit it owns
         * (writes to it do not exit), so read it live. */
        if (gs_read(v, VMCS_GUEST_CR4) & CR4_OSXSAVE)
            r.ecx |= CPUID1_ECX_OSXSAVE;
        else
            r.ecx &= ~CPUID1_ECX_OSXSAVE;
        /* Initial APIC ID in 31:24; IDs the package spans in 23:16
         * (with HTT set when that is more than one). */
        r.ebx = (r.ebx & 0x0000ffffu) | ((uint32_t)v->id << 24) |
                ((1u << id_bits(vcpus_of(v))) << 16);
        if (vcpus_of(v) > 1)
            r.edx |= CPUID1_EDX_HTT;
        else
            r.edx &= ~CPUID1_EDX_HTT;
        /* The local APIC's TSC-deadline mode is the model's, whatever
         * the host has; without the model (hosted tests of other
         * handlers) there is no MSR behind it. */
        if (v->plat)
            r.ecx |= CPUID1_ECX_TSC_DEADLINE | CPUID1_ECX_X2APIC; /* the model's */
        else
            r.ecx &= ~CPUID1_ECX_TSC_DEADLINE;
        /* A local APIC disabled in IA32_APIC_BASE is not there: the
         * flag reads 0 until it is enabled again (SDM vol. 3, 11.4.3). */
        if (v->plat && v->id < v->plat->ncpus && !v->plat->apic_hw_enabled[v->id])
            r.edx &= ~CPUID1_EDX_APIC;
        break;
    case 7:
        if (sub != 0) {
            r = (struct host_cpuid){ 0, 0, 0, 0 };
            break;
        }
        r.ebx &= ~(CPUID7_EBX_SGX | CPUID7_EBX_RDT_M | CPUID7_EBX_RDT_A | CPUID7_EBX_PT |
                   CPUID7_EBX_MPX);
        if (!tsc_adjust_offered(v))
            r.ebx &= ~CPUID7_EBX_TSC_ADJUST;
        r.eax = 0; /* sub-leaves past 0: none (zeroed above) */
        r.ecx &= ~(CPUID7_ECX_WAITPKG | CPUID7_ECX_SGX_LC | CPUID7_ECX_PKS |
                   CPUID7_ECX_CET_SS | CPUID7_ECX_TME | CPUID7_ECX_ENQCMD | CPUID7_ECX_KL |
                   CPUID7_ECX_BUS_LOCK_DETECT);
        r.edx &= ~(CPUID7_EDX_SPEC_MSRS | CPUID7_EDX_UINTR | CPUID7_EDX_PCONFIG |
                   CPUID7_EDX_CET_IBT | CPUID7_EDX_SRBDS_CTRL | CPUID7_EDX_TSX_FORCE_ABORT |
                   CPUID7_EDX_ARCH_LBR);
        /* Instructions that #UD unless their VM-execution control is on. */
        if (!(host_vmx_proc2() & PROC2_INVPCID))
            r.ebx &= ~CPUID7_EBX_INVPCID;
        if (!(host_vmx_proc2() & PROC2_RDTSCP)) /* "enable RDTSCP" governs RDPID too */
            r.ecx &= ~CPUID7_ECX_RDPID;
        /* Features whose state XSETBV would refuse. */
        if (!(xcr0 & XCR0_AVX)) {
            r.ebx &= ~CPUID7_EBX_AVX2;
            r.ecx &= ~CPUID7_ECX_VAES_VPCLMUL; /* VEX/EVEX-encoded only */
        }
        if ((xcr0 & XCR0_AMX) != XCR0_AMX)
            r.edx &= ~CPUID7_EDX_AMX;
        if ((xcr0 & XCR0_AVX512) != XCR0_AVX512) {
            r.ebx &= ~CPUID7_EBX_AVX512;
            r.ecx &= ~CPUID7_ECX_AVX512;
            r.edx &= ~CPUID7_EDX_AVX512;
        }
        if (!(xcr0 & XCR0_PKRU))
            r.ecx &= ~CPUID7_ECX_PKU;
        if (gs_read(v, VMCS_GUEST_CR4) & CR4_PKE)
            r.ecx |= CPUID7_ECX_OSPKE;
        else
            r.ecx &= ~CPUID7_ECX_OSPKE;
        break;
    case 4:
        /* Cores per package - 1 in 31:26, for a valid cache level. */
        if (r.eax & 0x1f)
            r.eax = (r.eax & 0x03ffffffu) | (((1u << id_bits(vcpus_of(v))) - 1) << 26);
        break;
    case 0xb:
    case 0x1f:
        r = topology_leaf(v, sub);
        break;
    case 0x80000001u:
        /* Intel CPUs have SYSCALL/SYSRET in 64-bit mode only and show
         * the flag only there (SDM vol. 2A, CPUID); the host asked in
         * 64-bit mode, the guest may not have. */
        if (!vcpu_in_64bit_mode(v))
            r.edx &= ~CPUIDX1_EDX_SYSCALL;
        if (!(host_vmx_proc2() & PROC2_RDTSCP))
            r.edx &= ~CPUIDX1_EDX_RDTSCP;
        if (v->misc_enable & MISC_ENABLE_XD_OFF)
            r.edx &= ~CPUIDX1_EDX_NX;
        break;
    case 0:
        /* IA32_MISC_ENABLE's limit: leaf 2 at most (SDM vol. 4, 2-2). */
        if ((v->misc_enable & MISC_ENABLE_LIMIT_CPUID) && r.eax > 2)
            r.eax = 2;
        break;
    case 0xd: {
        /* XSAVE components: only those XSETBV accepts (fpu.c may offer
         * fewer than the CPU has); no supervisor (XSS) components and no
         * XSAVES, which the monitor does not enable. */
        uint64_t offered = xcr0;
        if (sub == 0) {
            r.eax &= (uint32_t)offered;
            r.edx &= (uint32_t)(offered >> 32);
            r.ecx = xsave_area_bytes(offered);
        } else if (sub == 1) {
            /* No XSAVES, and no XFD: its MSRs #GP here (Linux writes
             * IA32_XFD unguarded when CPUID offers it). */
            r.eax &= ~(CPUIDD1_EAX_XSAVES | CPUIDD1_EAX_XFD);
            r.ecx = r.edx = 0;
        } else if (sub >= 64 || !((offered >> sub) & 1)) {
            r = (struct host_cpuid){ 0, 0, 0, 0 };
        }
        break;
    }
    case 0x1d: /* AMX tile and TMUL leaves: only with AMX's state */
    case 0x1e:
        if ((xcr0 & XCR0_AMX) != XCR0_AMX)
            r = (struct host_cpuid){ 0, 0, 0, 0 };
        break;
    /* Leaves of features hidden above: RDT monitoring and allocation,
     * SGX, PT, Key Locker, PCONFIG, architectural LBRs, and the PMU's
     * extended leaf. */
    case 0xf:
    case 0x10:
    case 0x12:
    case 0x14:
    case 0x19:
    case 0x1b:
    case 0x1c:
    case 0x23:
    case 5:  /* MONITOR/MWAIT leaf: hidden with the feature */
    case 6:  /* thermal and power management: no such MSRs for guests */
    case 0xa: /* no performance counters for guests */
    /* TSC and core frequencies: the CPU's nominal ones need not be what
     * its TSC runs at (under Bochs leaf 0x16 says 1500 MHz for a TSC of
     * 200 MHz, and Linux took it: its clocksource watchdog then found
     * the TSC "unstable"). Hidden, guests measure the TSC against the
     * PIT, which is the truth. */
    case 0x15:
    case 0x16:
        r = (struct host_cpuid){ 0, 0, 0, 0 };
        break;
    /* Descriptive leaves passed as they are: caches and TLBs (2, 4
     * above, 0x18), the serial number (3, zeros since the Pentium
     * III), the hybrid core type (0x1a), the brand string, the cache
     * and invariant-TSC leaves (0x80000002-7); the address sizes below. */
    case 2:
    case 3:
    case 0x18:
    case 0x1a:
    case 0x80000000u:
    case 0x80000002u:
    case 0x80000003u:
    case 0x80000004u:
    case 0x80000005u:
    case 0x80000006u:
    case 0x80000007u:
        break;
    case 0x80000008u:
        /* Address sizes as the host's. EBX: WBNOINVD, whose exit is
         * WBINVD's, is the only bit Intel defines; a host that sets AMD's
         * (IBPB, IBRS, STIBP, SSBD) would promise MSRs that #GP here, as
         * leaf 7's speculation controls are hidden. ECX and EDX are
         * reserved on Intel CPUs. */
        r.ebx &= CPUIDX8_EBX_WBNOINVD;
        r.ecx = r.edx = 0;
        break;
    /* Any other: reserved (zeros on the CPU too) or a feature this
     * monitor does not know (DCA's 9, the SoC vendor's 0x17, HRESET's
     * 0x20, TDX's 0x21, AVX10's 0x24, those of CPUs newer than this
     * code), which it cannot vouch for: zeros, as for a feature
     * hidden. */
    default:
        r = (struct host_cpuid){ 0, 0, 0, 0 };
        break;
    }
    return r;
}

struct host_cpuid guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub)
{
    if (leaf >= 0x40000000u && leaf <= 0x400000ffu) {
        if (leaf == 0x40000000u)
            return (struct host_cpuid){ HV_MAX_LEAF, SIG_EBX, SIG_ECX, SIG_EDX };
        return (struct host_cpuid){ 0, 0, 0, 0 };
    }
    /* Past the highest basic or extended leaf (as leaf 0, with IA32_MISC_
     * ENABLE's limit, and 0x80000000 give them), an Intel CPU answers with
     * the highest basic leaf's data (SDM vol. 2A, CPUID); the host's CPU
     * would answer with its own highest, unfiltered. */
    uint32_t max_basic = leaf_in_range(v, 0, 0).eax;
    bool in_range = leaf >= 0x80000000u ? leaf <= host_cpuid(0x80000000u, 0).eax
                                        : leaf <= max_basic;
    return leaf_in_range(v, in_range ? leaf : max_basic, sub);
}

/* CR4 bits of features CPUID can hide (SDM vol. 3, 2.5: setting a CR4 bit
 * for a feature the processor does not support is a #GP), by the leaf-1
 * or leaf-7 bit that offers each. */
static const struct {
    uint64_t cr4;
    uint32_t leaf, reg, bits;   /* reg: 1 EBX, 2 ECX, 3 EDX */
} cr4_features[] = {
    { CR4_UMIP, 7, 2, CPUID7_ECX_UMIP },
    { CR4_LA57, 7, 2, CPUID7_ECX_LA57 },
    { CR4_FSGSBASE, 7, 1, CPUID7_EBX_FSGSBASE },
    { CR4_PCIDE, 1, 2, CPUID1_ECX_PCID },
    { CR4_OSXSAVE, 1, 2, CPUID1_ECX_XSAVE },
    { CR4_KL, 7, 2, CPUID7_ECX_KL },
    { CR4_SMEP, 7, 1, CPUID7_EBX_SMEP },
    { CR4_SMAP, 7, 1, CPUID7_EBX_SMAP },
    { CR4_PKE, 7, 2, CPUID7_ECX_PKU },
    { CR4_CET, 7, 2, CPUID7_ECX_CET_SS },
    { CR4_CET, 7, 3, CPUID7_EDX_CET_IBT },
    { CR4_PKS, 7, 2, CPUID7_ECX_PKS },
    { CR4_UINTR, 7, 3, CPUID7_EDX_UINTR },
};

/* Leaf 7 sub-leaf 1, where LASS, LAM and FRED are offered, is all zeros
 * for guests: their CR4 bits (27, 28, 32) are never offered. VMXE and SMXE
 * neither: VT-x and SMX are hidden. */
uint64_t guest_cr4_offered(struct vcpu *v)
{
    if (v->cr4_offered)
        return v->cr4_offered;
    uint64_t cr4 = CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE |
                   CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    struct host_cpuid l1 = guest_cpuid(v, 1, 0), l7 = guest_cpuid(v, 7, 0);
    for (unsigned i = 0; i < sizeof cr4_features / sizeof cr4_features[0]; i++) {
        const struct host_cpuid *l = cr4_features[i].leaf == 1 ? &l1 : &l7;
        uint32_t reg = cr4_features[i].reg == 1 ? l->ebx : cr4_features[i].reg == 2 ? l->ecx : l->edx;
        if (reg & cr4_features[i].bits)
            cr4 |= cr4_features[i].cr4;
    }
    v->cr4_offered = cr4;
    return cr4;
}

enum exit_action exit_cpuid(struct vcpu *v, const struct exit_info *e)
{
    struct host_cpuid r = guest_cpuid(v, (uint32_t)v->regs.gpr[REG_RAX],
                                      (uint32_t)v->regs.gpr[REG_RCX]);
    v->regs.gpr[REG_RAX] = r.eax;
    v->regs.gpr[REG_RBX] = r.ebx;
    v->regs.gpr[REG_RCX] = r.ecx;
    v->regs.gpr[REG_RDX] = r.edx;
    vcpu_skip_instruction(v, e);
    return EXIT_CONTINUE;
}
