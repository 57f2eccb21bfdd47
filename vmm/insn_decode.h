/* An x86 instruction decoder for MMIO emulation: the instruction at the
 * guest's RIP touched a page that is a device, not RAM, and the monitor must
 * do what the instruction would have done. The integer forms with a memory
 * operand are known (MOV and its variants, the ALU group, TEST, XCHG, the
 * bit tests, INC, DEC, NOT, NEG, SETcc, CMPXCHG, XADD, shifts and rotates,
 * MUL, IMUL, DIV, IDIV, STOS, MOVS); anything else (x87, SSE, MOV Sreg,
 * control transfers and PUSH/POP through memory) is an error naming the
 * bytes, so the caller stops that VM and no other.
 *
 * Pure code (Intel SDM vol. 2, chapter 2 and the opcode map, appendix A): no
 * guest access, no arch/ headers; the caller fetches the bytes, supplies the
 * registers and segment bases, and checks the computed address against the
 * faulting one. */
#ifndef VMM_INSN_DECODE_H
#define VMM_INSN_DECODE_H

#include "include/hv/types.h"

#define INSN_MAX_LEN 15

enum insn_mode { INSN_MODE_16 = 2, INSN_MODE_32 = 4, INSN_MODE_64 = 8 };

/* Segment registers in the CPU's encoding (SDM vol. 2, 3.4.2.1). */
enum insn_seg { SEG_ES = 0, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

enum insn_op {
    INSN_MOV = 0,   /* load or store; MOVZX/MOVSX/MOVSXD are loads with `ext` */
    INSN_ADD, INSN_OR, INSN_ADC, INSN_SBB, INSN_AND, INSN_SUB, INSN_XOR, INSN_CMP,
    INSN_TEST,
    INSN_XCHG,
    INSN_BT, INSN_BTS, INSN_BTR, INSN_BTC,
    INSN_INC, INSN_DEC, INSN_NOT, INSN_NEG,
    INSN_SETCC,     /* the condition is the low nibble of `opcode` (0F 90-9F) */
    INSN_CMPXCHG,   /* rAX is an operand too */
    INSN_XADD,
    INSN_STOS,
    INSN_MOVS,
    /* group 2 (C0/C1 imm8, D0/D1 by 1, D2/D3 by CL: `reg` is RCX): /0-/5
     * in order, /6 SHL again (as CPUs run it), /7 SAR */
    INSN_ROL, INSN_ROR, INSN_RCL, INSN_RCR, INSN_SHL, INSN_SHR, INSN_SAR,
    /* group 3 /4-/7: rAX (and rDX) with the memory operand as the source */
    INSN_MUL, INSN_IMUL, INSN_DIV, INSN_IDIV,
    INSN_IMUL2,     /* IMUL r, r/m (0F AF) and IMUL r, r/m, imm (69, 6B) */
};

enum insn_ext { INSN_EXT_NONE = 0, INSN_EXT_ZERO, INSN_EXT_SIGN };

enum insn_err {
    INSN_OK = 0,
    INSN_ERR_TRUNCATED,   /* the bytes end before the instruction does */
    INSN_ERR_TOO_LONG,    /* more than 15 bytes: #GP on a CPU */
    INSN_ERR_UNSUPPORTED, /* an opcode this decoder does not know */
    INSN_ERR_NO_MEMORY,   /* register-only form (ModRM.mod = 3): cannot be an MMIO access */
    INSN_ERR_BAD_LOCK,    /* LOCK on an instruction that forbids it: #UD on a CPU */
};

/* What the instruction runs on. `gpr` is indexed as the CPU encodes
 * registers (0 = RAX ... 15 = R15, as struct guest_regs); RSP must be
 * filled in. seg_base[] are the ES/CS/SS/DS/FS/GS bases; in 64-bit mode only
 * FS and GS are used (SDM vol. 1, 3.4.2.1). */
struct insn_cpu {
    enum insn_mode mode;
    uint64_t rip;
    const uint64_t *gpr;
    uint64_t seg_base[6];
};

struct insn {
    enum insn_err err;
    uint8_t len;            /* bytes the instruction takes (or took before the error) */
    uint8_t op;             /* enum insn_op */
    uint8_t opcode;         /* primary opcode byte (after 0F when `twobyte`) */
    bool twobyte;
    uint8_t size;           /* memory access size in bytes: 1, 2, 4 or 8 */
    uint8_t reg_size;       /* register operand size (differs for MOVZX/MOVSX) */
    uint8_t addr_size;      /* 2, 4 or 8 */
    uint8_t ext;            /* enum insn_ext: how a load widens to reg_size */
    bool mem_read, mem_write;
    /* The register operand (-1: none). high8: AH/CH/DH/BH, the byte at
     * bits 15:8 of register reg - 4, which only exists without REX. */
    int8_t reg;
    bool high8;
    /* Memory is the destination (op mem, reg/imm) or the source. */
    bool mem_is_dest;
    bool has_imm;
    int64_t imm;            /* sign-extended from its encoding */
    uint8_t seg;            /* enum insn_seg of the memory operand */
    bool seg_override;
    bool lock, rep, repne;
    uint8_t rex;            /* 0 when absent */
    /* The memory operand: offset within the segment (truncated to the
     * address size) and linear address (segment base added; 32 bits outside
     * 64-bit mode). MOVS also has its destination ES:rDI in ea2/gla2. A
     * bit test (BT, BTS, BTR, BTC) with a register bit offset has the
     * address already moved to the unit holding the bit, and the bit's
     * index in imm (SDM vol. 2, BT). */
    uint64_t ea, gla;
    uint64_t ea2, gla2;
    uint8_t bytes[INSN_MAX_LEN];
    uint8_t avail;          /* bytes[] filled: min(n, 15) */
};

/* The decode mode from CS.L, CS.D and EFER.LMA (SDM vol. 3, 5.2.1). */
enum insn_mode insn_mode_of(bool efer_lma, bool cs_l, bool cs_d);

/* Decodes the instruction at the start of bytes[0..n). Never reads past n.
 * Returns d->err; on error d->len and d->bytes hold what was looked at, for
 * insn_describe. */
enum insn_err insn_decode(const uint8_t *bytes, size_t n, const struct insn_cpu *cpu,
                          struct insn *d);

/* "unsupported instruction 0f 0b" and the like, for vm_fail. Always
 * terminated when size > 0. */
void insn_describe(const struct insn *d, char *buf, size_t size);
const char *insn_strerror(enum insn_err e);

/* Register `reg` (CPU encoding) at `size` bytes; high8: AH/CH/DH/BH, bits
 * 15:8 of register reg (0-3). */
uint64_t insn_reg_read(const uint64_t gpr[16], int reg, bool high8, unsigned size);

#endif
