/* What this CPU can do, from CPUID and (when VT-x exists) the VMX
 * capability MSRs: enough for the `cpu` shell command and for deciding
 * whether guests can run. */
#ifndef ARCH_X86_64_CPU_FEATURES_H
#define ARCH_X86_64_CPU_FEATURES_H

#include "include/hv/types.h"

enum vmx_state {
    VMX_ABSENT,             /* CPUID.1:ECX.VMX = 0 */
    VMX_DISABLED_LOCKED,    /* IA32_FEATURE_CONTROL locked without VMX */
    VMX_UNLOCKED,           /* not locked: we may enable it ourselves */
    VMX_ENABLED,            /* locked with VMX outside SMX on */
};

struct cpu_features {
    char vendor[13];
    char brand[49];
    uint32_t family, model, stepping;
    uint32_t max_leaf, max_ext_leaf;
    bool hypervisor_bit;    /* we are nested under another hypervisor */
    bool x2apic, tsc_invariant, tsc_deadline, pdpe1gb, nx, xsave, rdtscp;
    enum vmx_state vmx;
    uint64_t feature_control;
    /* VMX capabilities, valid when vmx != VMX_ABSENT */
    uint32_t vmcs_revision;
    bool vmx_true_ctls;
    bool ept, vpid, unrestricted, preemption_timer;
    bool ept_4level, ept_wb, ept_2m, ept_1g, ept_ad, invept, invvpid;
    bool invvpid_single, invvpid_all;   /* INVVPID types 1 and 2 */
    uint32_t preemption_timer_shift; /* timer ticks every 2^shift TSC ticks */
};

void cpu_features_read(struct cpu_features *f);
/* The decision alone, from CPUID.1:ECX and IA32_FEATURE_CONTROL (whose value
 * is ignored when CPUID says there is no VMX). Pure: unit-tested hosted. */
enum vmx_state vmx_state_decode(uint32_t cpuid1_ecx, uint64_t feature_control);
const char *vmx_state_text(enum vmx_state s);

#endif
