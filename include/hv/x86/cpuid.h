/* CPUID feature bits (Intel SDM vol. 2, CPUID, tables 3-8 to 3-10), named
 * once for the monitor's filtering and the host's feature probe. */
#ifndef HV_X86_CPUID_H
#define HV_X86_CPUID_H

/* leaf 1, ECX */
#define CPUID1_ECX_MONITOR      (1u << 3)
#define CPUID1_ECX_VMX          (1u << 5)
#define CPUID1_ECX_SMX          (1u << 6)
#define CPUID1_ECX_X2APIC       (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_XSAVE        (1u << 26)
#define CPUID1_ECX_OSXSAVE      (1u << 27)
#define CPUID1_ECX_HYPERVISOR   (1u << 31)

/* leaf 0xD, sub-leaf 1, EAX */
#define CPUIDD1_EAX_XSAVES      (1u << 3)

/* leaf 0x80000001, EDX */
#define CPUIDX1_EDX_SYSCALL     (1u << 11)
#define CPUIDX1_EDX_NX          (1u << 20)
#define CPUIDX1_EDX_PDPE1GB     (1u << 26)
#define CPUIDX1_EDX_RDTSCP      (1u << 27)
#define CPUIDX1_EDX_LM          (1u << 29)

/* leaf 0x80000007, EDX */
#define CPUIDX7_EDX_INVARIANT_TSC (1u << 8)

#endif
