/* Model-specific register numbers (Intel SDM vol. 4), named once. */
#ifndef HV_X86_MSR_H
#define HV_X86_MSR_H

#define MSR_IA32_TSC             0x10
#define MSR_IA32_PLATFORM_ID     0x17
#define MSR_IA32_APIC_BASE       0x1b
#define APIC_BASE_BSP            (1ULL << 8)
#define APIC_BASE_EXTD           (1ULL << 10)  /* x2APIC mode */
#define APIC_BASE_ENABLE         (1ULL << 11)
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_TSC_ADJUST      0x3b
#define MSR_IA32_BIOS_SIGN_ID    0x8b
#define MSR_IA32_MTRRCAP         0xfe
#define MSR_IA32_SYSENTER_CS     0x174
#define MSR_IA32_SYSENTER_ESP    0x175
#define MSR_IA32_SYSENTER_EIP    0x176
#define MSR_IA32_MCG_CAP         0x179
#define MSR_IA32_MCG_STATUS      0x17a
#define MSR_IA32_MISC_ENABLE     0x1a0
#define MSR_IA32_DEBUGCTL        0x1d9
#define DEBUGCTL_LBR             (1ULL << 0)   /* last-branch records */
#define DEBUGCTL_BTF             (1ULL << 1)   /* single-step on branches */
#define DEBUGCTL_RTM             (1ULL << 15)  /* #DB in RTM regions, with DR7.RTM */
#define MSR_IA32_PAT             0x277
#define MSR_IA32_TSC_DEADLINE    0x6e0
#define MSR_IA32_MTRR_DEF_TYPE   0x2ff
#define MSR_IA32_EFER            0xc0000080
#define MSR_IA32_STAR            0xc0000081
#define MSR_IA32_LSTAR           0xc0000082
#define MSR_IA32_CSTAR           0xc0000083
#define MSR_IA32_FMASK           0xc0000084
#define MSR_IA32_FS_BASE         0xc0000100
#define MSR_IA32_GS_BASE         0xc0000101
#define MSR_IA32_KERNEL_GS_BASE  0xc0000102
#define MSR_IA32_TSC_AUX         0xc0000103  /* what RDTSCP and RDPID return */

/* IA32_MISC_ENABLE bits (SDM vol. 4, table 2-2). */
#define MISC_ENABLE_FAST_STRINGS (1ULL << 0)
#define MISC_ENABLE_NO_BTS       (1ULL << 11)
#define MISC_ENABLE_NO_PEBS      (1ULL << 12)
#define MISC_ENABLE_THERMAL      (1ULL << 3)
#define MISC_ENABLE_PERFMON      (1ULL << 7)   /* read-only: set when a PMU is there */
#define MISC_ENABLE_EIST         (1ULL << 16)
#define MISC_ENABLE_MONITOR      (1ULL << 18)
#define MISC_ENABLE_LIMIT_CPUID  (1ULL << 22)  /* CPUID.0 reports at most leaf 2 */
#define MISC_ENABLE_XTPR_OFF     (1ULL << 23)
#define MISC_ENABLE_XD_OFF       (1ULL << 34)  /* NX hidden and refused */
/* What a vCPU holds at power-on, the bits a write may change, and the
 * read-only bits (the rest are model-specific: vmm/exit_msr.c drops them). */
#define MISC_ENABLE_RESET (MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_NO_BTS | MISC_ENABLE_NO_PEBS)
#define MISC_ENABLE_WRITABLE                                                                   \
    (MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_THERMAL | MISC_ENABLE_EIST | MISC_ENABLE_MONITOR | \
     MISC_ENABLE_LIMIT_CPUID | MISC_ENABLE_XTPR_OFF | MISC_ENABLE_XD_OFF)
#define MISC_ENABLE_READ_ONLY (MISC_ENABLE_PERFMON | MISC_ENABLE_NO_BTS | MISC_ENABLE_NO_PEBS)

/* VMX capability MSRs (SDM vol. 3, appendix A). */
#define MSR_VMX_BASIC            0x480
#define MSR_VMX_PINBASED         0x481
#define MSR_VMX_PROCBASED        0x482
#define MSR_VMX_EXIT             0x483
#define MSR_VMX_ENTRY            0x484
#define MSR_VMX_MISC             0x485
#define MSR_VMX_CR0_FIXED0       0x486
#define MSR_VMX_CR0_FIXED1       0x487
#define MSR_VMX_CR4_FIXED0       0x488
#define MSR_VMX_CR4_FIXED1       0x489
#define MSR_VMX_PROCBASED2       0x48b
#define MSR_VMX_EPT_VPID_CAP     0x48c
#define MSR_VMX_TRUE_PINBASED    0x48d
#define MSR_VMX_TRUE_PROCBASED   0x48e
#define MSR_VMX_TRUE_EXIT        0x48f
#define MSR_VMX_TRUE_ENTRY       0x490

#endif
