/* RDMSR/WRMSR: every MSR exits (the bitmap is all ones). Those a guest needs
 * are emulated from the VMCS or the CPU (the syscall MSRs live there while
 * the vCPU runs); any other raises #GP in the guest, as on a CPU without that
 * MSR, and is logged once per VM. A value the CPU would refuse is #GP too,
 * never a failed VM entry (EFER: vmm/guest_rules.c; bases: canonical). */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/guest_state.h"
#include "vmm/guest_rules.h"
#include "vmm/vplatform.h"
#include "vmm/virtio_balloon_attach.h"
#include "mm/guest_mem.h"
#include "include/hv/platform.h"
#include "kernel/vm.h"
#include "kernel/log.h"
#include "include/hv/x86/regs.h"
#include "include/hv/x86/msr.h"
#include "include/hv/x86/cpuid.h"

static void unknown_msr(struct vcpu *v, const struct exit_info *e, uint32_t msr, bool write)
{
    /* Logged once per MSR per VM, for the first few MSRs (a guest probing
     * every MSR in a loop must not flood the console); then counted. */
    struct vm *vm = v->vm;
    enum report_once_verdict seen = report_once(&vm->msrs_reported, msr);
    if (seen == REPORT_ONCE_NEW)
        VM_WARN(vm, "vm %s: %s of unknown MSR 0x%x at RIP 0x%llx: #GP injected", vm->name,
                write ? "wrmsr" : "rdmsr", msr, (unsigned long long)e->rip);
    else if (seen == REPORT_ONCE_NOW_FULL)
        VM_WARN(vm, "vm %s: more than %d unknown MSRs; the rest get #GP and are counted, "
                "not logged", vm->name, REPORT_ONCE_KEEP);
    vm->unknown_msr_accesses++;
    vcpu_inject_exception(v, VEC_GP, true, 0);
}

static bool pat_valid(uint64_t pat)
{
    for (int i = 0; i < 8; i++) {
        uint8_t t = (uint8_t)(pat >> (8 * i));
        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
}

/* Canonical for the addresses MSRs hold: 57 bits wide where the guest's
 * CPUID offers 5-level paging, whatever CR4.LA57 says (as the CPU checks
 * WRMSR on such a processor), else 48. */
static bool canonical(struct vcpu *v, uint64_t a)
{
    unsigned unused = guest_cr4_offered(v) & CR4_LA57 ? 7 : 16;
    return (uint64_t)(((int64_t)(a << unused)) >> unused) == a;
}

/* The VM's TSC moves by its VMCS offset, one for all its vCPUs: the other
 * vCPUs load it when they next run (vmm/vcpu_startup.c). */
static void set_vm_tsc_offset(struct vcpu *v, uint64_t offset)
{
    gs_write(v, VMCS_TSC_OFFSET, offset);
    if (v->plat) {
        v->plat->tsc_offset = offset;
        v->tsc_gen = ++v->plat->tsc_gen;
    }
}

/* IA32_TSC_ADJUST needs the board (where the VM's value lives) and TSC
 * offsetting (through which it moves the TSC); CPUID says so alike. */
bool tsc_adjust_offered(const struct vcpu *v)
{
    return v->plat && (host_vmx_proc() & PROC_TSC_OFFSETTING);
}

/* The x2APIC's range (SDM 11.12.1.2): the board answers, or #GP. */
static bool x2apic_msr(const struct vcpu *v, uint32_t msr)
{
    return v->plat && msr >= 0x800 && msr <= 0x8ff;
}

enum exit_action exit_rdmsr(struct vcpu *v, const struct exit_info *e)
{
    uint32_t msr = (uint32_t)v->regs.gpr[REG_RCX];
    uint64_t val;
    switch (msr) {
    case MSR_IA32_TSC: val = host_tsc() + gs_read(v, VMCS_TSC_OFFSET); break;
    case MSR_IA32_PLATFORM_ID: val = 0; break;
    case MSR_IA32_APIC_BASE:
        val = v->plat ? vplatform_apic_base_read(v->plat, v->id)
                      : VLAPIC_DEFAULT_BASE | (v->id == 0 ? APIC_BASE_BSP : 0) | APIC_BASE_ENABLE;
        break;
    case MSR_IA32_TSC_DEADLINE:
        if (!v->plat) {
            unknown_msr(v, e, msr, false);
            return EXIT_CONTINUE;
        }
        val = vplatform_tsc_deadline_read(v->plat, v->id);
        break;
    case MSR_IA32_TSC_ADJUST:
        if (!tsc_adjust_offered(v)) {
            unknown_msr(v, e, msr, false);
            return EXIT_CONTINUE;
        }
        val = v->plat->tsc_adjust;
        break;
    case MSR_IA32_FEATURE_CONTROL: val = 1; break; /* locked, VMX off: no nested VT-x */
    case MSR_IA32_BIOS_SIGN_ID: val = 0; break;
    case MSR_IA32_MTRRCAP: val = 0; break;     /* no MTRRs: EPT sets memory types */
    case MSR_IA32_MTRR_DEF_TYPE: val = 0; break;
    /* fast strings; branch trace and PEBS unavailable (CPUID hides DS) */
    case MSR_IA32_MISC_ENABLE: val = v->misc_enable; break;
    /* Machine-check architecture with no banks: CPUID's MCE/MCA hold, and
     * nothing is ever reported. */
    case MSR_IA32_MCG_CAP: case MSR_IA32_MCG_STATUS: val = 0; break;
    case MSR_IA32_SYSENTER_CS: val = gs_read(v, VMCS_GUEST_SYSENTER_CS); break;
    case MSR_IA32_SYSENTER_ESP: val = gs_read(v, VMCS_GUEST_SYSENTER_ESP); break;
    case MSR_IA32_SYSENTER_EIP: val = gs_read(v, VMCS_GUEST_SYSENTER_EIP); break;
    case MSR_IA32_PAT: val = gs_read(v, VMCS_GUEST_PAT); break;
    case MSR_IA32_DEBUGCTL: val = gs_read(v, VMCS_GUEST_DEBUGCTL); break;
    case MSR_IA32_EFER: val = gs_read(v, VMCS_GUEST_EFER); break;
    /* Live in the CPU while this vCPU runs: SWAPGS changes KERNEL_GS_BASE
     * without an exit, so a soft copy would be stale. */
    case MSR_IA32_STAR: case MSR_IA32_LSTAR: case MSR_IA32_CSTAR: case MSR_IA32_FMASK:
    case MSR_IA32_KERNEL_GS_BASE:
        val = host_guest_msr_read(msr);
        break;
    case MSR_IA32_FS_BASE: val = gs_read(v, VMCS_SEG_BASE(SEG_FS)); break;
    case MSR_IA32_GS_BASE: val = gs_read(v, VMCS_SEG_BASE(SEG_GS)); break;
    /* Lives in the CPU while this vCPU runs, where RDTSCP exists (else
     * unknown: #GP, as on such a CPU). */
    case MSR_IA32_TSC_AUX:
        if (!(host_vmx_proc2() & PROC2_RDTSCP)) {
            unknown_msr(v, e, msr, false);
            return EXIT_CONTINUE;
        }
        val = host_guest_msr_read(msr);
        break;
    default:
        if (x2apic_msr(v, msr)) {
            /* #GP unless in x2APIC mode and the register may be read */
            if (!vplatform_x2apic_read(v->plat, v->id, msr, &val, plat_time_ns())) {
                vcpu_inject_exception(v, VEC_GP, true, 0);
                return EXIT_CONTINUE;
            }
            break;
        }
        unknown_msr(v, e, msr, false);
        return EXIT_CONTINUE;
    }
    v->regs.gpr[REG_RAX] = (uint32_t)val;
    v->regs.gpr[REG_RDX] = val >> 32;
    vcpu_skip_instruction(v, e);
    return EXIT_CONTINUE;
}

/* A VMCS field that the guest may set to any canonical address. */
static bool write_canonical(struct vcpu *v, uint32_t field, uint64_t val)
{
    if (!canonical(v, val))
        return false;
    gs_write(v, field, val);
    return true;
}

/* The guest's MAXPHYADDR: the host's, which CPUID leaf 0x80000008 passes
 * through (36 where the leaf is missing, SDM vol. 3, 4.1.4). */
unsigned guest_phys_bits(void)
{
    if (host_cpuid(0x80000000u, 0).eax < 0x80000008u)
        return 36;
    return host_cpuid(0x80000008u, 0).eax & 0xff;
}

/* A local APIC may move to `page` if nothing else answers there for any
 * vCPU: its default page, or one above the first MiB (low RAM, the legacy
 * hole and the BIOS area) that is neither RAM nor another device's, within
 * the 48 bits of guest-physical space EPT's four levels map. */
static bool apic_page_free(const struct vm *vm, const struct vplatform *plat, uint64_t page)
{
    if (page == VLAPIC_DEFAULT_BASE)
        return true;
    return page >= GUEST_HIGH_RAM_START && page < (1ULL << 48) && !vm_gpa_is_ram(vm, page) &&
           !vplatform_is_ioapic(page) && !vplatform_is_hpet(plat, page) && !vballoon_owns(page);
}

enum exit_action exit_wrmsr(struct vcpu *v, const struct exit_info *e)
{
    uint32_t msr = (uint32_t)v->regs.gpr[REG_RCX];
    uint64_t val = (v->regs.gpr[REG_RDX] << 32) | (uint32_t)v->regs.gpr[REG_RAX];
    bool ok = true;
    switch (msr) {
    case MSR_IA32_BIOS_SIGN_ID: case MSR_IA32_MTRR_DEF_TYPE:
        break; /* accepted and ignored */
    /* The architectural bits are kept and read back; the read-only ones
     * keep their value. The rest are model-specific (prefetcher controls
     * on some models, reserved on others): dropped, as before, so a guest
     * written for one model does not fault here. */
    case MSR_IA32_MISC_ENABLE:
        v->misc_enable = (v->misc_enable & ~MISC_ENABLE_WRITABLE) | (val & MISC_ENABLE_WRITABLE);
        break;
    /* Enable and EXTD follow the SDM's transitions
     * (vplatform_apic_base_write); clearing the global enable takes the
     * local APIC out, and the 8259's INTR goes to the core directly. The
     * base moves the vCPU's xAPIC page; onto RAM or another device it
     * cannot go (EPT maps a page for every vCPU alike), and the VM stops. */
    case MSR_IA32_APIC_BASE:
        if (!v->plat) {
            ok = !(val & APIC_BASE_EXTD);
            break;
        }
        ok = vplatform_apic_base_write(v->plat, v->id, val, guest_phys_bits());
        if (ok && !apic_page_free(v->vm, v->plat, v->plat->apic_base[v->id])) {
            vcpu_fail(v, "vCPU %u moved its local APIC to guest-physical 0x%llx, over RAM or "
                         "another device: not supported (RIP 0x%llx)", v->id,
                      (unsigned long long)v->plat->apic_base[v->id], (unsigned long long)e->rip);
            return EXIT_STOP;
        }
        break;
    case MSR_IA32_TSC_DEADLINE:
        if (!v->plat) {
            unknown_msr(v, e, msr, true);
            return EXIT_CONTINUE;
        }
        vplatform_tsc_deadline_write(v->plat, v->id, val, plat_time_ns(),
                                     host_tsc() + gs_read(v, VMCS_TSC_OFFSET));
        break;
    /* Writing the TSC moves this guest's TSC, through the VMCS offset that
     * RDTSC and RDMSR both see (SDM vol. 3, 26.6.5). */
    case MSR_IA32_TSC: {
        ok = (host_vmx_proc() & PROC_TSC_OFFSETTING) != 0;
        if (!ok)
            break;
        uint64_t now = host_tsc(), old = gs_read(v, VMCS_TSC_OFFSET);
        /* IA32_TSC_ADJUST takes the change (SDM 17.17.3). */
        if (v->plat)
            v->plat->tsc_adjust += val - (now + old);
        set_vm_tsc_offset(v, val - now);
        break;
    }
    /* Moves the TSC by the change, as the SDM says (17.17.3). */
    case MSR_IA32_TSC_ADJUST:
        if (!tsc_adjust_offered(v)) {
            unknown_msr(v, e, msr, true);
            return EXIT_CONTINUE;
        }
        set_vm_tsc_offset(v, gs_read(v, VMCS_TSC_OFFSET) + (val - v->plat->tsc_adjust));
        v->plat->tsc_adjust = val;
        break;
    case MSR_IA32_MCG_STATUS: ok = val == 0; break; /* no machine check in progress */
    case MSR_IA32_SYSENTER_CS: gs_write(v, VMCS_GUEST_SYSENTER_CS, val); break;
    case MSR_IA32_SYSENTER_ESP: ok = write_canonical(v, VMCS_GUEST_SYSENTER_ESP, val); break;
    case MSR_IA32_SYSENTER_EIP: ok = write_canonical(v, VMCS_GUEST_SYSENTER_EIP, val); break;
    case MSR_IA32_PAT:
        ok = pat_valid(val);
        if (ok)
            gs_write(v, VMCS_GUEST_PAT, val);
        break;
    /* Loaded at entry and saved at exit (the debug controls). LBR and BTF,
     * the two bits every VT-x CPU has (and the only ones VM entry takes
     * on the first of them, SDM vol. 3, 27.3.1.1), are kept, and RTM
     * debugging where CPUID shows RTM (a CPU with RTM has the bit, SDM
     * vol. 3, 17.3.3); the others drive the PMU and bus-lock detection,
     * which CPUID does not offer, and a CPU without them refuses them
     * (#GP). */
    case MSR_IA32_DEBUGCTL: {
        uint64_t allowed = DEBUGCTL_LBR | DEBUGCTL_BTF;
        if (guest_cpuid(v, 7, 0).ebx & CPUID7_EBX_RTM)
            allowed |= DEBUGCTL_RTM;
        ok = !(val & ~allowed);
        if (ok)
            gs_write(v, VMCS_GUEST_DEBUGCTL, val);
        break;
    }
    case MSR_IA32_EFER: {
        struct cr_state s;
        vcpu_cr_state(v, &s);
        ok = !efer_refusal(&s, val);
        /* LMA follows paging; the guest cannot set it by itself. */
        if (ok)
            gs_write(v, VMCS_GUEST_EFER, (val & ~EFER_LMA) | (s.efer & EFER_LMA));
        break;
    }
    /* The syscall MSRs live in the CPU while this vCPU runs (monitor.c
     * switches them); a value the CPU refuses is the guest's #GP. */
    case MSR_IA32_STAR: ok = host_guest_msr_write(msr, val); break;
    case MSR_IA32_LSTAR: case MSR_IA32_CSTAR: case MSR_IA32_KERNEL_GS_BASE:
        ok = canonical(v, val) && host_guest_msr_write(msr, val);
        break;
    case MSR_IA32_FMASK: ok = !(val >> 32) && host_guest_msr_write(msr, val); break;
    /* Linux writes each CPU's number here before its IDT is loaded on an
     * AP: a #GP there would be a triple fault. Bits 63:32 are reserved. */
    case MSR_IA32_TSC_AUX:
        if (!(host_vmx_proc2() & PROC2_RDTSCP)) {
            unknown_msr(v, e, msr, true);
            return EXIT_CONTINUE;
        }
        ok = !(val >> 32) && host_guest_msr_write(msr, val);
        break;
    case MSR_IA32_FS_BASE: ok = write_canonical(v, VMCS_SEG_BASE(SEG_FS), val); break;
    case MSR_IA32_GS_BASE: ok = write_canonical(v, VMCS_SEG_BASE(SEG_GS), val); break;
    default:
        if (x2apic_msr(v, msr)) {
            ok = vplatform_x2apic_write(v->plat, v->id, msr, val, plat_time_ns());
            break;
        }
        unknown_msr(v, e, msr, true);
        return EXIT_CONTINUE;
    }
    if (!ok) {
        vcpu_inject_exception(v, VEC_GP, true, 0);
        return EXIT_CONTINUE;
    }
    vcpu_skip_instruction(v, e);
    return EXIT_CONTINUE;
}
