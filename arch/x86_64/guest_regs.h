/* The guest registers that the VMCS does not hold: saved and restored by
 * vmx_entry.asm around every VM entry and exit (its R_* offsets follow this
 * layout). General registers are indexed as the CPU encodes them in exit
 * qualifications and instruction information, so "register N" is gpr[N];
 * slot 4 (RSP) is unused: the guest's RSP lives in the VMCS. */
#ifndef ARCH_X86_64_GUEST_REGS_H
#define ARCH_X86_64_GUEST_REGS_H

#include "include/hv/types.h"

enum gpr_index {
    REG_RAX = 0, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
    REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

struct guest_regs {
    uint64_t gpr[16];                              /* 0x00 - 0x78 */
    uint64_t cr2;                                  /* 0x80 */
    /* TSC read by the stub just after the exit (after saving registers)
     * and just before the entry (before loading them): the whole root-mode
     * stay between the two is what exit statistics count. */
    uint64_t exit_tsc;                             /* 0x88 */
    uint64_t entry_tsc;                            /* 0x90 */
};

/* Enters the guest whose VMCS is current with `regs` loaded; returns 0 after
 * a VM exit (regs hold the guest's values) or 1 when the VMLAUNCH/VMRESUME
 * instruction itself failed (see VMCS_INSN_ERROR). */
int vmx_enter(struct guest_regs *regs, int launched);

#endif
