/* Architectural bits of the control registers and EFER (Intel SDM vol. 3,
 * 2.5 and 2.2.1), named once for every layer. Definitions only: no code,
 * so policy code may include it without reaching the machine. */
#ifndef HV_X86_REGS_H
#define HV_X86_REGS_H

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_EM (1ULL << 2)
#define CR0_TS (1ULL << 3)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_AM (1ULL << 18)
#define CR0_NW (1ULL << 29)
#define CR0_CD (1ULL << 30)
#define CR0_PG (1ULL << 31)

#define CR4_VME        (1ULL << 0)
#define CR4_PVI        (1ULL << 1)
#define CR4_TSD        (1ULL << 2)
#define CR4_DE         (1ULL << 3)
#define CR4_PSE        (1ULL << 4)
#define CR4_PAE        (1ULL << 5)
#define CR4_MCE        (1ULL << 6)
#define CR4_PGE        (1ULL << 7)
#define CR4_PCE        (1ULL << 8)
#define CR4_OSFXSR     (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_UMIP       (1ULL << 11)
#define CR4_LA57       (1ULL << 12)
#define CR4_VMXE       (1ULL << 13)
#define CR4_SMXE       (1ULL << 14)
#define CR4_FSGSBASE   (1ULL << 16)
#define CR4_PCIDE      (1ULL << 17)
#define CR4_OSXSAVE    (1ULL << 18)
#define CR4_KL         (1ULL << 19)
#define CR4_SMEP       (1ULL << 20)
#define CR4_SMAP       (1ULL << 21)
#define CR4_PKE        (1ULL << 22)
#define CR4_CET        (1ULL << 23)
#define CR4_PKS        (1ULL << 24)
#define CR4_UINTR      (1ULL << 25)

#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)

#define RFLAGS_TF (1ULL << 8)
#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_RF (1ULL << 16)
#define RFLAGS_AC (1ULL << 18)

/* Debug registers at reset (SDM vol. 3, 18.2.3 and 18.2.4). */
#define DR6_RESET 0xffff0ff0ULL
#define DR7_RESET 0x400ULL
#define DR6_BT (1ULL << 15) /* task switch to a TSS with its T flag */
#define DR6_BS (1ULL << 14) /* single step */

/* XCR0 state components (SDM vol. 1, 13.1). */
#define XCR0_X87       (1ULL << 0)
#define XCR0_SSE       (1ULL << 1)
#define XCR0_AVX       (1ULL << 2)
#define XCR0_BNDREGS   (1ULL << 3)
#define XCR0_BNDCSR    (1ULL << 4)
#define XCR0_OPMASK    (1ULL << 5)
#define XCR0_ZMM_HI256 (1ULL << 6)
#define XCR0_HI16_ZMM  (1ULL << 7)
#define XCR0_PKRU      (1ULL << 9)
#define XCR0_TILECFG   (1ULL << 17)
#define XCR0_TILEDATA  (1ULL << 18)
#define XCR0_AVX512    (XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)
#define XCR0_MPX       (XCR0_BNDREGS | XCR0_BNDCSR)
#define XCR0_AMX       (XCR0_TILECFG | XCR0_TILEDATA)

/* Exception vectors (SDM vol. 3, table 6-1). */
#define VEC_DE 0
#define VEC_DB 1
#define VEC_NMI 2
#define VEC_BP 3
#define VEC_UD 6
#define VEC_NM 7
#define VEC_DF 8
#define VEC_TS 10
#define VEC_NP 11
#define VEC_SS 12
#define VEC_GP 13
#define VEC_PF 14
#define PF_ERR_PRESENT 1u /* #PF error code: the page was there, the rights refused */
#define PF_ERR_WRITE 2u /* #PF error code: a write */
#define PF_ERR_USER 4u  /* ... at CPL 3 */
#define VEC_MC 18

/* Exceptions that are traps or aborts; every other vector below 32 is a
 * fault (SDM vol. 3, table 6-1). #DB is a fault or a trap by cause. */
#define VEC_IS_FAULT(v) ((v) < 32 && (v) != VEC_DB && (v) != VEC_BP && (v) != 4 && \
                         (v) != VEC_DF && (v) != VEC_MC)

#endif
