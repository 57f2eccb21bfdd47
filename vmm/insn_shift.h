/* The arithmetic of the MMIO emulator's shift, rotate, multiply and divide
 * forms (vmm/insn_emulate.c performs the accesses around it). Pure code:
 * Intel SDM vol. 2, "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "MUL", "IMUL",
 * "DIV", "IDIV", each "Operation" and "Flags Affected". Flags the SDM calls
 * undefined keep their values, as the emulator does for BTS. */
#ifndef VMM_INSN_SHIFT_H
#define VMM_INSN_SHIFT_H

#include "include/hv/types.h"

/* Group 2 (`op` INSN_ROL ... INSN_SAR) on the `size`-byte value `v` by
 * `count` (masked to 5 bits, 6 for 8-byte operands, as the CPU masks it).
 * Returns the result; *rflags gets CF and, for a count of 1, OF; shifts set
 * SF, ZF and PF too. A masked count of 0 changes no flag. */
uint64_t insn_shift(unsigned op, uint64_t v, uint64_t count, unsigned size, uint64_t *rflags);

/* Group 3 /4-/7 (`op` INSN_MUL ... INSN_IDIV) of rAX (and rDX) by the
 * `size`-byte `src`, on the register file. False for a divide error (a zero
 * divisor or a quotient too wide): nothing is changed, the CPU's #DE. */
bool insn_muldiv(unsigned op, uint64_t src, unsigned size, uint64_t gpr[16], uint64_t *rflags);

/* IMUL's two- and three-operand forms: the `size`-byte product of `a` and
 * `b` truncated, CF and OF set when that lost significant bits. */
uint64_t insn_imul_trunc(uint64_t a, uint64_t b, unsigned size, uint64_t *rflags);

#endif
