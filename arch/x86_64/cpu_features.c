/* CPUID and VMX capability decoding (Intel SDM vol. 3, appendix A). */
#include "arch/x86_64/cpu_features.h"
#include "include/hv/x86/cpuid.h"
#include "arch/x86_64/cpu.h"
#include "lib/kstring.h"

static void put_regs(char *dst, const struct cpuid_regs *r)
{
    memcpy(dst, &r->eax, 4);
    memcpy(dst + 4, &r->ebx, 4);
    memcpy(dst + 8, &r->ecx, 4);
    memcpy(dst + 12, &r->edx, 4);
}

/* The allowed-1 half of a VMX control MSR: which controls may be set. */
static uint32_t allowed1(uint32_t msr)
{
    return (uint32_t)(rdmsr(msr) >> 32);
}

static void read_vmx(struct cpu_features *f)
{
    uint64_t basic = rdmsr(MSR_VMX_BASIC);
    f->vmcs_revision = (uint32_t)basic & 0x7fffffff;
    f->vmx_true_ctls = (basic >> 55) & 1;
    uint32_t pin = allowed1(f->vmx_true_ctls ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED);
    uint32_t proc = allowed1(f->vmx_true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED);
    f->preemption_timer = (pin >> 6) & 1;
    f->preemption_timer_shift = (uint32_t)rdmsr(MSR_VMX_MISC) & 0x1f;
    if (!((proc >> 31) & 1))
        return; /* no secondary controls: no EPT, VPID or unrestricted guest */
    uint32_t proc2 = allowed1(MSR_VMX_PROCBASED2);
    f->ept = (proc2 >> 1) & 1;
    f->vpid = (proc2 >> 5) & 1;
    f->unrestricted = (proc2 >> 7) & 1;
    if (f->ept || f->vpid) {
        uint64_t cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
        f->ept_4level = (cap >> 6) & 1;
        f->ept_wb = (cap >> 14) & 1;
        f->ept_2m = (cap >> 16) & 1;
        f->ept_1g = (cap >> 17) & 1;
        f->invept = (cap >> 20) & 1;
        f->ept_ad = (cap >> 21) & 1;
        f->invvpid = (cap >> 32) & 1;
        f->invvpid_single = (cap >> 41) & 1;
        f->invvpid_all = (cap >> 42) & 1;
    }
}

void cpu_features_read(struct cpu_features *f)
{
    memset(f, 0, sizeof *f);
    struct cpuid_regs r = cpuid(0, 0);
    f->max_leaf = r.eax;
    memcpy(f->vendor, &r.ebx, 4);
    memcpy(f->vendor + 4, &r.edx, 4);
    memcpy(f->vendor + 8, &r.ecx, 4);

    struct cpuid_regs l1 = cpuid(1, 0);
    f->stepping = l1.eax & 0xf;
    f->model = (l1.eax >> 4) & 0xf;
    f->family = (l1.eax >> 8) & 0xf;
    if (f->family == 0xf)
        f->family += (l1.eax >> 20) & 0xff;
    if (f->family == 0x6 || f->family >= 0xf)
        f->model |= ((l1.eax >> 16) & 0xf) << 4;
    f->x2apic = (l1.ecx & CPUID1_ECX_X2APIC) != 0;
    f->tsc_deadline = (l1.ecx & CPUID1_ECX_TSC_DEADLINE) != 0;
    f->xsave = (l1.ecx & CPUID1_ECX_XSAVE) != 0;
    f->hypervisor_bit = (l1.ecx & CPUID1_ECX_HYPERVISOR) != 0;

    r = cpuid(0x80000000, 0);
    f->max_ext_leaf = r.eax;
    if (f->max_ext_leaf >= 0x80000001) {
        struct cpuid_regs e = cpuid(0x80000001, 0);
        f->nx = (e.edx & CPUIDX1_EDX_NX) != 0;
        f->pdpe1gb = (e.edx & CPUIDX1_EDX_PDPE1GB) != 0;
        f->rdtscp = (e.edx & CPUIDX1_EDX_RDTSCP) != 0;
    }
    if (f->max_ext_leaf >= 0x80000004) {
        for (uint32_t i = 0; i < 3; i++) {
            struct cpuid_regs b = cpuid(0x80000002 + i, 0);
            put_regs(f->brand + 16 * i, &b);
        }
        /* trim the leading spaces some CPUs pad with */
        size_t lead = 0;
        while (f->brand[lead] == ' ')
            lead++;
        memmove(f->brand, f->brand + lead, sizeof f->brand - lead);
    }
    if (f->max_ext_leaf >= 0x80000007)
        f->tsc_invariant = (cpuid(0x80000007, 0).edx & CPUIDX7_EDX_INVARIANT_TSC) != 0;

    if (!(l1.ecx & CPUID1_ECX_VMX)) {
        f->vmx = VMX_ABSENT;
        return;
    }
    f->feature_control = rdmsr(MSR_IA32_FEATURE_CONTROL);
    f->vmx = vmx_state_decode(l1.ecx, f->feature_control);
    read_vmx(f);
}

enum vmx_state vmx_state_decode(uint32_t cpuid1_ecx, uint64_t feature_control)
{
    if (!(cpuid1_ecx & CPUID1_ECX_VMX))
        return VMX_ABSENT;
    bool locked = feature_control & 1;
    bool outside_smx = (feature_control >> 2) & 1;
    if (!locked)
        return VMX_UNLOCKED;
    return outside_smx ? VMX_ENABLED : VMX_DISABLED_LOCKED;
}

const char *vmx_state_text(enum vmx_state s)
{
    switch (s) {
    case VMX_ABSENT: return "absent (CPUID.1:ECX.VMX = 0): guests cannot run";
    case VMX_DISABLED_LOCKED:
        return "disabled by firmware (IA32_FEATURE_CONTROL locked without VMX): "
               "enable VT-x in the firmware setup";
    case VMX_UNLOCKED: return "present, not yet enabled (IA32_FEATURE_CONTROL unlocked)";
    case VMX_ENABLED: return "present and enabled";
    }
    return "?";
}
