/* Single-instruction helpers for this CPU family. Only arch/, drivers/ and
 * the kernel's machine-facing modules include this; policy code never does. */
#ifndef ARCH_X86_64_CPU_H
#define ARCH_X86_64_CPU_H

#include "include/hv/types.h"
#include "include/hv/x86/msr.h"
#include "include/hv/x86/regs.h"

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* DR0-DR3 and DR6: the debug state VMX leaves to the monitor (DR7 and
 * IA32_DEBUGCTL are in the VMCS, loaded and saved by the debug controls).
 * dr[0..3] = DR0..DR3, dr[4] = DR6. */
static inline void debugregs_save(uint64_t dr[5])
{
    __asm__ volatile("mov %%dr0, %0" : "=r"(dr[0]));
    __asm__ volatile("mov %%dr1, %0" : "=r"(dr[1]));
    __asm__ volatile("mov %%dr2, %0" : "=r"(dr[2]));
    __asm__ volatile("mov %%dr3, %0" : "=r"(dr[3]));
    __asm__ volatile("mov %%dr6, %0" : "=r"(dr[4]));
}

static inline uint64_t read_dr6(void)
{
    uint64_t v;
    __asm__ volatile("mov %%dr6, %0" : "=r"(v));
    return v;
}

static inline void write_dr6(uint64_t v) { __asm__ volatile("mov %0, %%dr6" : : "r"(v)); }

/* DR0-DR3 by number (a MOV from DRn names its register in the opcode). */
static inline uint64_t read_dr(unsigned i)
{
    uint64_t v = 0;
    switch (i) {
    case 0: __asm__ volatile("mov %%dr0, %0" : "=r"(v)); break;
    case 1: __asm__ volatile("mov %%dr1, %0" : "=r"(v)); break;
    case 2: __asm__ volatile("mov %%dr2, %0" : "=r"(v)); break;
    case 3: __asm__ volatile("mov %%dr3, %0" : "=r"(v)); break;
    default: break;
    }
    return v;
}

static inline void debugregs_load(const uint64_t dr[5])
{
    __asm__ volatile("mov %0, %%dr0" : : "r"(dr[0]));
    __asm__ volatile("mov %0, %%dr1" : : "r"(dr[1]));
    __asm__ volatile("mov %0, %%dr2" : : "r"(dr[2]));
    __asm__ volatile("mov %0, %%dr3" : : "r"(dr[3]));
    __asm__ volatile("mov %0, %%dr6" : : "r"(dr[4]));
}

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t sub)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(sub));
    return r;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR(n)                                                               \
    static inline uint64_t read_cr##n(void)                                        \
    {                                                                              \
        uint64_t v;                                                                \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                          \
        return v;                                                                  \
    }                                                                              \
    static inline void write_cr##n(uint64_t v)                                     \
    {                                                                              \
        __asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");                 \
    }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline uint64_t read_rflags(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    return f;
}

static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
/* Enables interrupts and halts with no window between the two: an interrupt
 * that arrives right after sti still wakes the hlt. */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
static inline void invlpg(const void *va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }
static inline void io_wait(void) { outb(0x80, 0); }

#define RFLAGS_IF (1ULL << 9)


#endif
