/* One MMIO access emulated, from the guest's CPU state to the device: fetch
 * the instruction at CS:RIP, decode it (vmm/insn_decode.h) in the mode
 * EFER.LMA, CS.L and CS.D give, check that the address it computes is the
 * one that faulted, perform it (vmm/insn_emulate.h) against the device and
 * advance RIP. Pure code with the guest's memory and the device behind
 * callbacks, so it runs hosted; vmm/exit_mmio.c fills it from the VMCS.
 * (This header names no segment register: vmcs_fields.h and insn_decode.h
 * both do, so no file includes both.) */
#ifndef VMM_MMIO_EMULATE_H
#define VMM_MMIO_EMULATE_H

#include "include/hv/types.h"

struct mmio_cpu {
    bool lma, cs_l, cs_d;
    uint64_t rip, rflags;
    uint64_t gpr[16];       /* CPU encoding, RSP included */
    uint64_t seg_base[6];   /* ES CS SS DS FS GS */
};

struct mmio_bus {
    /* Copies up to n bytes of the guest's memory at linear address `gla`
     * (through its page tables); returns how many it could (0: none). */
    size_t (*fetch)(void *ctx, uint64_t gla, uint8_t *buf, size_t n);
    /* The device access at the faulting address. */
    bool (*read)(void *ctx, unsigned size, uint64_t *val);
    bool (*write)(void *ctx, unsigned size, uint64_t val);
    /* MOVS's other operand, at guest-linear `gla` through the guest's
     * paging with the rights the CPU checks (RAM, or memory-like bytes such
     * as the legacy hole): false when it cannot be reached, the reason in
     * the caller's context (a #PF for the guest, a page to wait for, a
     * register device). NULL: MOVS is refused. */
    bool (*mem_read)(void *ctx, uint64_t gla, unsigned size, uint64_t *val);
    bool (*mem_write)(void *ctx, uint64_t gla, unsigned size, uint64_t val);
    void *ctx;
};

enum mmio_result {
    MMIO_DONE = 0,   /* performed; c->rip advanced past it */
    MMIO_AGAIN,      /* a REP string form with count left: RIP kept */
    MMIO_FAILED,     /* `why` says what: stop the VM */
    MMIO_DIVIDE_ERROR, /* DIV/IDIV faulted: the guest's #DE, RIP kept */
    MMIO_MEM_FAILED,   /* MOVS's other operand could not be reached: the
                        * caller's context says why; nothing was written */
};

/* `fault_gla`: the linear address the CPU reported for the access. */
enum mmio_result mmio_emulate(struct mmio_cpu *c, uint64_t fault_gla, const struct mmio_bus *bus,
                              char *why, size_t whylen);

#endif
