/* The guest registers that the VMCS does not hold: saved and restored by
 * vmx_entry.asm around every VM entry and exit. Offsets are used there. */
#ifndef ARCH_X86_64_GUEST_REGS_H
#define ARCH_X86_64_GUEST_REGS_H

#include "include/hv/types.h"

struct guest_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;   /* 0x00 - 0x30 */
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15; /* 0x38 - 0x70 */
    uint64_t cr2;                                  /* 0x78 */
    /* TSC read by the stub just after the exit (after saving registers)
     * and just before the entry (before loading them): the whole root-mode
     * stay between the two is what exit statistics count. */
    uint64_t exit_tsc;                             /* 0x80 */
    uint64_t entry_tsc;                            /* 0x88 */
};

/* Enters the guest whose VMCS is current with `regs` loaded; returns 0 after
 * a VM exit (regs hold the guest's values) or 1 when the VMLAUNCH/VMRESUME
 * instruction itself failed (see VMCS_INSN_ERROR). */
int vmx_enter(struct guest_regs *regs, int launched);

/* Index of a general register as the CPU encodes it in exit qualifications
 * (0 = RAX ... 15 = R15; 4 = RSP lives in the VMCS). */
uint64_t *guest_gpr(struct guest_regs *r, unsigned index);

#endif
