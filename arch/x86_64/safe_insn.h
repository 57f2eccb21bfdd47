/* Instructions executed in VMX root mode with an operand a guest chose
 * (XSETBV of its XCR0, WRMSR of its syscall MSRs, XRSTOR of its FPU state).
 * The monitor checks those operands first, but a check that misses one rule
 * must not become a host crash: each of these runs under an exception fixup,
 * so a #GP (or #UD) it raises returns false instead of reaching trap_fatal.
 * The caller then injects #GP into the guest or stops only that VM. */
#ifndef ARCH_X86_64_SAFE_INSN_H
#define ARCH_X86_64_SAFE_INSN_H

#include "include/hv/types.h"

bool safe_xsetbv(uint32_t index, uint64_t value);
bool safe_wrmsr(uint32_t msr, uint64_t value);
bool safe_xrstor(const void *area, uint64_t mask);

/* For trap_entry: the resume address for a fault at `rip` inside one of the
 * instructions above, or 0 when `rip` has no fixup (a real host fault). */
uint64_t extable_fixup(uint64_t rip);

#endif
