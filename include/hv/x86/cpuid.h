/* CPUID feature bits (Intel SDM vol. 2, CPUID, tables 3-8 to 3-10), named
 * once for the monitor's filtering and the host's feature probe. */
#ifndef HV_X86_CPUID_H
#define HV_X86_CPUID_H

/* leaf 1, ECX */
#define CPUID1_ECX_DTES64       (1u << 2)
#define CPUID1_ECX_MONITOR      (1u << 3)
#define CPUID1_ECX_DS_CPL       (1u << 4)
#define CPUID1_ECX_VMX          (1u << 5)
#define CPUID1_ECX_SMX          (1u << 6)
#define CPUID1_ECX_EST          (1u << 7)
#define CPUID1_ECX_TM2          (1u << 8)
#define CPUID1_ECX_FMA          (1u << 12)
#define CPUID1_ECX_PDCM         (1u << 15)
#define CPUID1_ECX_PCID         (1u << 17)
#define CPUID1_ECX_DCA          (1u << 18)
#define CPUID1_ECX_X2APIC       (1u << 21)
#define CPUID1_EDX_HTT          (1u << 28)
#define CPUID1_EDX_APIC         (1u << 9)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_XSAVE        (1u << 26)
#define CPUID1_ECX_OSXSAVE      (1u << 27)
#define CPUID1_ECX_AVX          (1u << 28)
#define CPUID1_ECX_F16C         (1u << 29)
#define CPUID1_ECX_HYPERVISOR   (1u << 31)

/* leaf 1, EDX */
#define CPUID1_EDX_MCE          (1u << 7)
#define CPUID1_EDX_MCA          (1u << 14)
#define CPUID1_EDX_DS           (1u << 21)
#define CPUID1_EDX_ACPI         (1u << 22)
#define CPUID1_EDX_TM           (1u << 29)
#define CPUID1_EDX_PBE          (1u << 31)

/* leaf 7, sub-leaf 0 */
#define CPUID7_EBX_FSGSBASE     (1u << 0)
#define CPUID7_EBX_TSC_ADJUST   (1u << 1)
#define CPUID7_EBX_SGX          (1u << 2)
#define CPUID7_EBX_AVX2         (1u << 5)
#define CPUID7_EBX_SMEP         (1u << 7)
#define CPUID7_EBX_INVPCID      (1u << 10)
#define CPUID7_EBX_RTM          (1u << 11)
#define CPUID7_EBX_RDT_M        (1u << 12)
#define CPUID7_EBX_MPX          (1u << 14)
#define CPUID7_EBX_RDT_A        (1u << 15)
#define CPUID7_EBX_SMAP         (1u << 20)
#define CPUID7_EBX_PT           (1u << 25)
/* AVX-512 F, DQ, IFMA, PF, ER, CD, BW, VL */
#define CPUID7_EBX_AVX512       ((1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | \
                                 (1u << 27) | (1u << 28) | (1u << 30) | (1u << 31))
#define CPUID7_ECX_UMIP         (1u << 2)
#define CPUID7_ECX_PKU          (1u << 3)
#define CPUID7_ECX_OSPKE        (1u << 4)
#define CPUID7_ECX_WAITPKG      (1u << 5)
/* AVX-512 VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ */
#define CPUID7_ECX_AVX512       ((1u << 1) | (1u << 6) | (1u << 11) | (1u << 12) | (1u << 14))
#define CPUID7_ECX_CET_SS       (1u << 7)
#define CPUID7_ECX_VAES_VPCLMUL ((1u << 9) | (1u << 10))
#define CPUID7_ECX_TME          (1u << 13)
#define CPUID7_ECX_LA57         (1u << 16)
#define CPUID7_ECX_RDPID        (1u << 22)
#define CPUID7_ECX_KL           (1u << 23)
#define CPUID7_ECX_BUS_LOCK_DETECT (1u << 24)  /* IA32_DEBUGCTL bit 2 */
#define CPUID7_ECX_ENQCMD       (1u << 29)
#define CPUID7_ECX_SGX_LC       (1u << 30)
#define CPUID7_ECX_PKS          (1u << 31)
/* AVX-512 4VNNIW, 4FMAPS, VP2INTERSECT, FP16 */
#define CPUID7_EDX_AVX512       ((1u << 2) | (1u << 3) | (1u << 8) | (1u << 23))
#define CPUID7_EDX_UINTR        (1u << 5)
#define CPUID7_EDX_SRBDS_CTRL   (1u << 9)      /* IA32_MCU_OPT_CTRL */
#define CPUID7_EDX_TSX_FORCE_ABORT (1u << 13)  /* MSR 0x10f */
#define CPUID7_EDX_PCONFIG      (1u << 18)
#define CPUID7_EDX_ARCH_LBR     (1u << 19)     /* leaf 0x1c, IA32_LBR_* */
#define CPUID7_EDX_CET_IBT      (1u << 20)
/* AMX-BF16, AMX-TILE, AMX-INT8 */
#define CPUID7_EDX_AMX          ((1u << 22) | (1u << 24) | (1u << 25))
/* speculation controls backed by MSRs: IBRS/IBPB, STIBP, L1D_FLUSH,
 * IA32_ARCH_CAPABILITIES, IA32_CORE_CAPABILITIES, SSBD */
#define CPUID7_EDX_SPEC_MSRS    ((1u << 26) | (1u << 27) | (1u << 28) | (1u << 29) | \
                                 (1u << 30) | (1u << 31))

/* leaf 0xD, sub-leaf 1, EAX */
#define CPUIDD1_EAX_XSAVES      (1u << 3)
#define CPUIDD1_EAX_XFD         (1u << 4)

/* leaf 0x80000001, EDX */
#define CPUIDX1_EDX_SYSCALL     (1u << 11)
#define CPUIDX1_EDX_NX          (1u << 20)
#define CPUIDX1_EDX_PDPE1GB     (1u << 26)
#define CPUIDX1_EDX_RDTSCP      (1u << 27)
#define CPUIDX1_EDX_LM          (1u << 29)

/* leaf 0x80000008, EBX: Intel defines only this bit (AMD's others name
 * speculation-control MSRs) */
#define CPUIDX8_EBX_WBNOINVD    (1u << 9)

/* leaf 0x80000007, EDX */
#define CPUIDX7_EDX_INVARIANT_TSC (1u << 8)

#endif
