/* The VMX instructions as inline functions; the field encodings and control
 * bits they take are in include/hv/x86/vmcs_fields.h. */
#ifndef ARCH_X86_64_VMCS_H
#define ARCH_X86_64_VMCS_H

#include "include/hv/types.h"
#include "include/hv/x86/vmcs_fields.h"

/* Returns false (and leaves the error in VMCS_INSN_ERROR when valid) when the
 * instruction failed. */
static inline bool vmwrite(uint64_t field, uint64_t value)
{
    uint8_t ok;
    __asm__ volatile("vmwrite %2, %1; seta %0" : "=qm"(ok) : "r"(field), "rm"(value) : "cc", "memory");
    return ok;
}

static inline uint64_t vmread(uint64_t field)
{
    uint64_t v;
    __asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc");
    return v;
}

static inline bool vmptrld(uint64_t pa)
{
    uint8_t ok;
    __asm__ volatile("vmptrld %1; seta %0" : "=qm"(ok) : "m"(pa) : "cc", "memory");
    return ok;
}

static inline bool vmclear(uint64_t pa)
{
    uint8_t ok;
    __asm__ volatile("vmclear %1; seta %0" : "=qm"(ok) : "m"(pa) : "cc", "memory");
    return ok;
}

static inline bool vmxon(uint64_t pa)
{
    uint8_t ok;
    __asm__ volatile("vmxon %1; seta %0" : "=qm"(ok) : "m"(pa) : "cc", "memory");
    return ok;
}

/* INVEPT / INVVPID descriptors are 128 bits. */
static inline void invept_single(uint64_t eptp)
{
    struct { uint64_t eptp, zero; } d = { eptp, 0 };
    __asm__ volatile("invept %0, %1" : : "m"(d), "r"(1ULL) : "cc", "memory");
}

static inline void invept_all(void)
{
    struct { uint64_t eptp, zero; } d = { 0, 0 };
    __asm__ volatile("invept %0, %1" : : "m"(d), "r"(2ULL) : "cc", "memory");
}

static inline void invvpid_single(uint16_t vpid)
{
    struct { uint64_t vpid, addr; } d = { vpid, 0 };
    __asm__ volatile("invvpid %0, %1" : : "m"(d), "r"(1ULL) : "cc", "memory");
}

static inline void invvpid_all(void)
{
    struct { uint64_t vpid, addr; } d = { 0, 0 };
    __asm__ volatile("invvpid %0, %1" : : "m"(d), "r"(2ULL) : "cc", "memory");
}

#endif
