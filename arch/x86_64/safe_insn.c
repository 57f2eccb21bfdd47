/* Exception fixups: each guarded instruction gets a record (its address,
 * where to resume) in the `.extable` section; trap_entry asks extable_fixup
 * before treating an exception as fatal. The resume code sets the `faulted`
 * register operand, which the trap path restores from the frame unchanged. */
#include "arch/x86_64/safe_insn.h"

struct extable_entry {
    uint64_t insn, fixup;
};

extern const struct extable_entry __extable_start[], __extable_end[];

/* One guarded instruction: INSN at label 1, resume at 2 with FAULTED = 1. */
#define GUARDED(insn)                                                       \
    "1: " insn "\n"                                                         \
    "2:\n"                                                                  \
    ".pushsection .extable, \"a\"\n"                                        \
    ".balign 8\n"                                                           \
    ".quad 1b, 3f\n"                                                        \
    ".popsection\n"                                                         \
    ".pushsection .text.fixup, \"ax\"\n"                                    \
    "3: movl $1, %[faulted]\n"                                              \
    "jmp 2b\n"                                                              \
    ".popsection\n"

bool safe_xsetbv(uint32_t index, uint64_t value)
{
    uint32_t faulted = 0;
    __asm__ volatile(GUARDED("xsetbv")
                     : [faulted] "+r"(faulted)
                     : "c"(index), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
                     : "memory");
    return !faulted;
}

bool safe_wrmsr(uint32_t msr, uint64_t value)
{
    uint32_t faulted = 0;
    __asm__ volatile(GUARDED("wrmsr")
                     : [faulted] "+r"(faulted)
                     : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
                     : "memory");
    return !faulted;
}

bool safe_xrstor(const void *area, uint64_t mask)
{
    uint32_t faulted = 0;
    __asm__ volatile(GUARDED("xrstor64 (%[area])")
                     : [faulted] "+r"(faulted)
                     : [area] "r"(area), "a"((uint32_t)mask), "d"((uint32_t)(mask >> 32))
                     : "memory");
    return !faulted;
}

uint64_t extable_fixup(uint64_t rip)
{
    for (const struct extable_entry *e = __extable_start; e < __extable_end; e++)
        if (e->insn == rip)
            return e->fixup;
    return 0;
}
