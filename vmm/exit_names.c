/* Names of VM-exit reasons, for messages and `stats exits`. */
#include "include/hv/x86/vmcs_fields.h"

const char *vmx_exit_reason_name(uint32_t reason)
{
    static const char *const names[EXIT_REASON_COUNT] = {
        [EXIT_EXCEPTION_NMI] = "exception", [EXIT_EXTERNAL_INTR] = "external-interrupt",
        [EXIT_TRIPLE_FAULT] = "triple-fault", [EXIT_INIT] = "init", [EXIT_SIPI] = "sipi",
        [EXIT_INTR_WINDOW] = "interrupt-window", [EXIT_NMI_WINDOW] = "nmi-window",
        [EXIT_TASK_SWITCH] = "task-switch", [EXIT_CPUID] = "cpuid", [EXIT_GETSEC] = "getsec",
        [EXIT_HLT] = "hlt", [EXIT_INVD] = "invd", [EXIT_INVLPG] = "invlpg",
        [EXIT_RDPMC] = "rdpmc", [EXIT_RDTSC] = "rdtsc", [EXIT_VMCALL] = "vmcall",
        [EXIT_VMCLEAR] = "vmclear", [EXIT_VMLAUNCH] = "vmlaunch", [EXIT_VMPTRLD] = "vmptrld",
        [EXIT_VMPTRST] = "vmptrst", [EXIT_VMREAD] = "vmread", [EXIT_VMRESUME] = "vmresume",
        [EXIT_VMWRITE] = "vmwrite", [EXIT_VMXOFF] = "vmxoff", [EXIT_VMXON] = "vmxon",
        [EXIT_CR_ACCESS] = "cr-access", [EXIT_DR_ACCESS] = "dr-access", [EXIT_IO] = "io",
        [EXIT_RDMSR] = "rdmsr", [EXIT_WRMSR] = "wrmsr",
        [EXIT_INVALID_GUEST_STATE] = "invalid-guest-state", [EXIT_MSR_LOADING] = "msr-loading",
        [EXIT_MWAIT] = "mwait", [EXIT_MTF] = "monitor-trap", [EXIT_MONITOR] = "monitor",
        [EXIT_PAUSE] = "pause", [EXIT_MACHINE_CHECK] = "machine-check",
        [EXIT_TPR_BELOW] = "tpr-below-threshold", [EXIT_APIC_ACCESS] = "apic-access",
        [EXIT_GDTR_IDTR] = "gdtr-idtr", [EXIT_LDTR_TR] = "ldtr-tr",
        [EXIT_EPT_VIOLATION] = "ept-violation", [EXIT_EPT_MISCONFIG] = "ept-misconfig",
        [EXIT_INVEPT] = "invept", [EXIT_RDTSCP] = "rdtscp",
        [EXIT_PREEMPT_TIMER] = "preemption-timer", [EXIT_INVVPID] = "invvpid",
        [EXIT_WBINVD] = "wbinvd", [EXIT_XSETBV] = "xsetbv", [EXIT_APIC_WRITE] = "apic-write",
        [EXIT_RDRAND] = "rdrand", [EXIT_INVPCID] = "invpcid", [EXIT_VMFUNC] = "vmfunc",
        [EXIT_ENCLS] = "encls", [EXIT_RDSEED] = "rdseed", [EXIT_XSAVES] = "xsaves",
        [EXIT_XRSTORS] = "xrstors", [EXIT_SEAMCALL] = "seamcall", [EXIT_TDCALL] = "tdcall",
        [EXIT_ENCLV] = "enclv",
    };
    if (reason < EXIT_REASON_COUNT && names[reason])
        return names[reason];
    return "unknown";
}
