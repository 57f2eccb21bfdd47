/* INS and OUTS (with or without REP) as the CPU executes them (Intel SDM
 * vol. 2, INS/INSB/INSW/INSD and OUTS/OUTSB/OUTSW/OUTSD; REP), for a guest
 * whose port I/O exits: the element moves between a port and memory at
 * seg:rSI (OUTS) or ES:rDI (INS), the index steps by the element size, up
 * or down by RFLAGS.DF, and rCX counts down under REP. The address size
 * (16, 32 or 64 bits) says which part of rSI/rDI/rCX is used and changes:
 * a 16-bit index wraps within 64 KiB and leaves the upper bits alone, a
 * 32-bit one zero-extends as any 32-bit register write does.
 *
 * Pure: memory and ports are reached through callbacks, so every rule runs
 * in hosted tests. The caller decodes the prefixes (string_io_decode) and
 * reads the registers; string_io_run does up to a bound of iterations, as
 * a REP string instruction interrupted between iterations does: the
 * registers say how far it got and the instruction runs again. */
#ifndef VMM_STRING_IO_H
#define VMM_STRING_IO_H

#include "include/hv/types.h"

/* Segment registers in the encoding of the VMCS and the ModRM reg field. */
enum { SIO_SEG_ES = 0, SIO_SEG_CS, SIO_SEG_SS, SIO_SEG_DS, SIO_SEG_FS, SIO_SEG_GS };

/* What the instruction's prefixes and the CPU mode say. */
struct string_io_insn {
    unsigned addr_bits;     /* 16, 32 or 64 */
    unsigned seg;           /* OUTS: DS or the override; INS: always ES */
    bool rep;               /* F3 or F2 (both repeat INS/OUTS) */
};

/* Decodes the bytes of an INS/OUTS instruction (`n` of them, its length
 * from the VM exit). `long64`: 64-bit mode (IA32_EFER.LMA and CS.L);
 * `cs_d`: CS.D (default 32-bit operands and addresses) outside it. False
 * when the bytes are not an INS/OUTS (opcodes 6C-6F after prefixes). */
bool string_io_decode(const uint8_t *bytes, size_t n, bool long64, bool cs_d,
                      struct string_io_insn *out);

enum sio_mem {
    SIO_MEM_OK,
    SIO_MEM_UNMAPPED,   /* the guest's paging does not map it */
    SIO_MEM_NOT_RAM,    /* mapped to something that is not guest RAM */
    SIO_MEM_WAIT,       /* its page cannot be had now (the vCPU waits for memory) */
};

struct string_io_bus {
    /* `n` bytes at guest-linear `gla` (they may cross a page). */
    enum sio_mem (*mem_read)(void *ctx, uint64_t gla, void *buf, unsigned n);
    enum sio_mem (*mem_write)(void *ctx, uint64_t gla, const void *buf, unsigned n);
    /* False: the device stopped the VM. */
    bool (*port_in)(void *ctx, uint16_t port, unsigned size, uint32_t *val);
    bool (*port_out)(void *ctx, uint16_t port, unsigned size, uint32_t val);
    /* Called each time the memory index enters a new page: a long transfer
     * is a long monitor path, and release requests are served there. */
    void (*page_poll)(void *ctx);
    void *ctx;
};

struct string_io {
    bool in;                /* INS (port to memory) or OUTS */
    unsigned size;          /* 1, 2 or 4 */
    uint16_t port;
    struct string_io_insn insn;
    uint64_t seg_base;      /* of insn.seg (0 for ES/DS/SS/CS in 64-bit mode) */
    bool long64;            /* 64-bit mode: linear addresses are not cut to 32 bits */
    bool df;                /* RFLAGS.DF: the index steps down */
    uint64_t rcx, rsi, rdi; /* in and out */
};

enum sio_result {
    SIO_DONE,       /* the instruction completed: step past it */
    SIO_MORE,       /* iterations remain (rCX != 0): run it again */
    SIO_FAULT,      /* the element at *fault_gla is not mapped: #PF */
    SIO_NOT_RAM,    /* it is mapped to something that is not guest RAM */
    SIO_STOPPED,    /* a device stopped the VM */
    SIO_WAIT,       /* a page could not be had now: run it again later */
};

/* Runs up to `max_iter` iterations (at least 1). Registers in `s` are
 * updated for every iteration completed, as the CPU leaves them when a
 * fault or an interrupt stops a REP string instruction. */
enum sio_result string_io_run(struct string_io *s, const struct string_io_bus *b,
                              uint64_t max_iter, uint64_t *fault_gla);

#endif
