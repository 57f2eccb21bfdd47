/* RDMSR/WRMSR: every MSR exits (the bitmap is all ones). Those a guest needs
 * are emulated from the VMCS or a soft copy; any other raises #GP in the
 * guest, as on a CPU without that MSR, and is logged once per VM. */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "kernel/vm.h"
#include "kernel/log.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/vmcs.h"

#define MSR_TSC            0x10
#define MSR_PLATFORM_ID    0x17
#define MSR_APIC_BASE_     0x1b
#define MSR_FEATURE_CTL    0x3a
#define MSR_BIOS_SIGN      0x8b
#define MSR_MTRRCAP        0xfe
#define MSR_SYSENTER_CS    0x174
#define MSR_SYSENTER_ESP   0x175
#define MSR_SYSENTER_EIP   0x176
#define MSR_MISC_ENABLE    0x1a0
#define MSR_PAT_           0x277
#define MSR_MTRR_DEF_TYPE  0x2ff
#define MSR_EFER_          0xc0000080
#define MSR_STAR           0xc0000081
#define MSR_LSTAR          0xc0000082
#define MSR_CSTAR          0xc0000083
#define MSR_FMASK          0xc0000084
#define MSR_FS_BASE        0xc0000100
#define MSR_GS_BASE        0xc0000101
#define MSR_KERNEL_GS      0xc0000102

#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)

static void unknown_msr(struct vcpu *v, uint32_t msr, bool write)
{
    /* Logged once per MSR per VM, for the first few MSRs (a guest probing
     * every MSR in a loop must not flood the console); then counted. */
    struct vm *vm = v->vm;
    enum report_once_verdict seen = report_once(&vm->msrs_reported, msr);
    if (seen == REPORT_ONCE_NEW)
        VM_WARN(vm, "vm %s: %s of unknown MSR 0x%x at RIP 0x%llx: #GP injected", vm->name,
                write ? "wrmsr" : "rdmsr", msr, (unsigned long long)vmread(VMCS_GUEST_RIP));
    else if (seen == REPORT_ONCE_NOW_FULL)
        VM_WARN(vm, "vm %s: more than %d unknown MSRs; the rest get #GP and are counted, "
                "not logged", vm->name, REPORT_ONCE_KEEP);
    vm->unknown_msr_accesses++;
    vcpu_inject_exception(v, 13, true, 0);
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

enum exit_action exit_rdmsr(struct vcpu *v)
{
    uint32_t msr = (uint32_t)v->regs.rcx;
    uint64_t val;
    switch (msr) {
    case MSR_TSC: val = rdtsc(); break;
    case MSR_PLATFORM_ID: val = 0; break;
    case MSR_APIC_BASE_: val = 0xfee00000ULL | (1ULL << 11) | (v->id == 0 ? 1ULL << 8 : 0); break;
    case MSR_FEATURE_CTL: val = 1; break; /* locked, VMX off: no nested VT-x */
    case MSR_BIOS_SIGN: val = 0; break;
    case MSR_MTRRCAP: val = 0; break;     /* no MTRRs: EPT sets memory types */
    case MSR_MTRR_DEF_TYPE: val = 0; break;
    case MSR_MISC_ENABLE: val = 1; break; /* fast strings */
    case MSR_SYSENTER_CS: val = vmread(VMCS_GUEST_SYSENTER_CS); break;
    case MSR_SYSENTER_ESP: val = vmread(VMCS_GUEST_SYSENTER_ESP); break;
    case MSR_SYSENTER_EIP: val = vmread(VMCS_GUEST_SYSENTER_EIP); break;
    case MSR_PAT_: val = vmread(VMCS_GUEST_PAT); break;
    case MSR_EFER_: val = vmread(VMCS_GUEST_EFER); break;
    case MSR_STAR: val = v->msr_star; break;
    case MSR_LSTAR: val = v->msr_lstar; break;
    case MSR_CSTAR: val = v->msr_cstar; break;
    case MSR_FMASK: val = v->msr_fmask; break;
    case MSR_FS_BASE: val = vmread(VMCS_SEG_BASE(SEG_FS)); break;
    case MSR_GS_BASE: val = vmread(VMCS_SEG_BASE(SEG_GS)); break;
    case MSR_KERNEL_GS: val = v->msr_kernel_gs; break;
    default:
        unknown_msr(v, msr, false);
        return EXIT_CONTINUE;
    }
    v->regs.rax = (uint32_t)val;
    v->regs.rdx = val >> 32;
    vcpu_skip_instruction();
    return EXIT_CONTINUE;
}

static bool canonical(uint64_t a)
{
    return (uint64_t)(((int64_t)(a << 16)) >> 16) == a;
}

enum exit_action exit_wrmsr(struct vcpu *v)
{
    uint32_t msr = (uint32_t)v->regs.rcx;
    uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
    bool ok = true;
    switch (msr) {
    case MSR_APIC_BASE_: case MSR_BIOS_SIGN: case MSR_MISC_ENABLE: case MSR_MTRR_DEF_TYPE:
        break; /* accepted and ignored */
    case MSR_SYSENTER_CS: vmwrite(VMCS_GUEST_SYSENTER_CS, val); break;
    case MSR_SYSENTER_ESP: ok = canonical(val) && vmwrite(VMCS_GUEST_SYSENTER_ESP, val); break;
    case MSR_SYSENTER_EIP: ok = canonical(val) && vmwrite(VMCS_GUEST_SYSENTER_EIP, val); break;
    case MSR_PAT_: ok = pat_valid(val) && vmwrite(VMCS_GUEST_PAT, val); break;
    case MSR_EFER_: {
        if (val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)) {
            ok = false;
            break;
        }
        /* LMA follows paging; the guest cannot set it by itself. */
        uint64_t cur = vmread(VMCS_GUEST_EFER);
        vmwrite(VMCS_GUEST_EFER, (val & ~EFER_LMA) | (cur & EFER_LMA));
        break;
    }
    case MSR_STAR: v->msr_star = val; wrmsr(MSR_STAR, val); break;
    case MSR_LSTAR: ok = canonical(val); if (ok) { v->msr_lstar = val; wrmsr(MSR_LSTAR, val); } break;
    case MSR_CSTAR: ok = canonical(val); if (ok) { v->msr_cstar = val; wrmsr(MSR_CSTAR, val); } break;
    case MSR_FMASK: v->msr_fmask = (uint32_t)val; wrmsr(MSR_FMASK, (uint32_t)val); break;
    case MSR_FS_BASE: ok = canonical(val) && vmwrite(VMCS_SEG_BASE(SEG_FS), val); break;
    case MSR_GS_BASE: ok = canonical(val) && vmwrite(VMCS_SEG_BASE(SEG_GS), val); break;
    case MSR_KERNEL_GS:
        ok = canonical(val);
        if (ok) {
            v->msr_kernel_gs = val;
            wrmsr(MSR_KERNEL_GS, val);
        }
        break;
    default:
        unknown_msr(v, msr, true);
        return EXIT_CONTINUE;
    }
    if (!ok) {
        vcpu_inject_exception(v, 13, true, 0);
        return EXIT_CONTINUE;
    }
    vcpu_skip_instruction();
    return EXIT_CONTINUE;
}
