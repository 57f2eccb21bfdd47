/* x86 instruction decoder for MMIO emulation (vmm/insn_decode.h). Follows
 * the SDM vol. 2: prefixes (2.1.1), REX (2.2.1), ModRM/SIB and their 16- and
 * 32/64-bit address forms (tables 2-1 to 2-3), RIP-relative addressing
 * (2.2.1.6), operand- and address-size attributes (table 3-4 of vol. 1 and
 * 2.2.1.2), and the opcode map (appendix A). Every read of the instruction
 * goes through fetch(), which refuses to pass the caller's byte count. */
#include "vmm/insn_decode.h"

struct cursor {
    const uint8_t *bytes;
    size_t n;       /* bytes the caller gave */
    unsigned pos;   /* next byte to read */
    enum insn_err err;
};

/* The address form of a memory operand, resolved to an address once the
 * whole length is known (RIP-relative needs the next instruction's RIP). */
struct mem_form {
    int base, index;    /* -1: none */
    unsigned scale;
    int64_t disp;
    bool riprel;
};

static bool fetch(struct cursor *c, unsigned k, uint64_t *out, bool sign)
{
    if (c->err)
        return false;
    if (c->pos + k > INSN_MAX_LEN) {
        c->err = INSN_ERR_TOO_LONG;
        return false;
    }
    if (c->pos + k > c->n) {
        c->err = INSN_ERR_TRUNCATED;
        return false;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < k; i++)
        v |= (uint64_t)c->bytes[c->pos + i] << (8 * i);
    c->pos += k;
    if (sign && k < 8 && (v >> (8 * k - 1)) & 1)
        v |= ~0ULL << (8 * k);
    *out = v;
    return true;
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

enum insn_mode insn_mode_of(bool efer_lma, bool cs_l, bool cs_d)
{
    if (efer_lma && cs_l)
        return INSN_MODE_64;
    return cs_d ? INSN_MODE_32 : INSN_MODE_16;
}

/* ModRM and what follows it up to the immediate. Register-only forms are
 * refused: a device access always has a memory operand. */
static bool decode_modrm(struct cursor *c, struct insn *d, bool long_mode, uint8_t *reg_field,
                         struct mem_form *m)
{
    uint64_t b;
    if (!fetch(c, 1, &b, false))
        return false;
    unsigned mod = (unsigned)b >> 6, reg = ((unsigned)b >> 3) & 7, rm = (unsigned)b & 7;
    *reg_field = (uint8_t)reg;
    *m = (struct mem_form){ .base = -1, .index = -1, .scale = 1 };
    if (mod == 3) {
        c->err = INSN_ERR_NO_MEMORY;
        return false;
    }
    uint64_t disp = 0;
    if (d->addr_size == 2) {
        /* Table 2-1: BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP, BX. */
        static const int8_t base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
        static const int8_t index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
        if (mod == 0 && rm == 6) {
            if (!fetch(c, 2, &disp, false))
                return false;
        } else {
            m->base = base16[rm];
            m->index = index16[rm];
            if (m->base == 5 && !d->seg_override)
                d->seg = SEG_SS;
            if (mod && !fetch(c, mod == 1 ? 1 : 2, &disp, true))
                return false;
        }
        m->disp = (int64_t)disp;
        return true;
    }
    unsigned rex_b = d->rex & 1 ? 8 : 0;
    if (rm == 4) {
        uint64_t sib;
        if (!fetch(c, 1, &sib, false))
            return false;
        unsigned base = (unsigned)sib & 7, index = ((unsigned)sib >> 3) & 7;
        index |= d->rex & 2 ? 8 : 0;
        m->scale = 1u << (sib >> 6);
        if (index != 4)         /* 4 without REX.X means "no index"; R12 is one */
            m->index = (int)index;
        if (base == 5 && mod == 0) {
            if (!fetch(c, 4, &disp, true))
                return false;
        } else {
            m->base = (int)(base | rex_b);
        }
    } else if (rm == 5 && mod == 0) {
        if (!fetch(c, 4, &disp, true))
            return false;
        /* 64-bit mode makes this RIP-relative (EIP-relative under 67);
         * elsewhere it is a plain disp32 (2.2.1.6). */
        m->riprel = long_mode;
    } else {
        m->base = (int)(rm | rex_b);
    }
    if (m->base == 4 || m->base == 5) {
        if (!d->seg_override)
            d->seg = SEG_SS;
    }
    if (mod == 1 && !fetch(c, 1, &disp, true))
        return false;
    if (mod == 2 && !fetch(c, 4, &disp, true))
        return false;
    m->disp = (int64_t)disp;
    return true;
}

static uint64_t form_address(const struct mem_form *m, const struct insn *d,
                             const struct insn_cpu *cpu)
{
    uint64_t ea = (uint64_t)m->disp;
    if (m->riprel)
        ea += cpu->rip + d->len;
    if (m->base >= 0)
        ea += cpu->gpr[m->base];
    if (m->index >= 0)
        ea += cpu->gpr[m->index] * m->scale;
    return ea & size_mask(d->addr_size);
}

/* Segment base + offset. In 64-bit mode only FS and GS have a base (and the
 * address wraps at 64 bits); elsewhere linear addresses are 32 bits. */
static uint64_t linear(const struct insn_cpu *cpu, unsigned seg, uint64_t ea)
{
    if (cpu->mode == INSN_MODE_64)
        return (seg == SEG_FS || seg == SEG_GS) ? cpu->seg_base[seg] + ea : ea;
    return (cpu->seg_base[seg] + ea) & 0xffffffffULL;
}

/* The register operand from ModRM.reg. Byte registers 4-7 are AH/CH/DH/BH
 * without a REX prefix and SPL/BPL/SIL/DIL with one (2.2.1.2). */
static void set_reg(struct insn *d, unsigned reg_field, bool byte_reg)
{
    unsigned r = reg_field | (d->rex & 4 ? 8 : 0);
    if (byte_reg && !d->rex && r >= 4 && r < 8) {
        d->reg = (int8_t)(r - 4);
        d->high8 = true;
    } else {
        d->reg = (int8_t)r;
    }
}

/* An immediate of the operand size: 8 for bytes, 16 or 32 bits, and 32
 * sign-extended for 64-bit operands (no x86 ALU/MOV r/m form has imm64). */
static bool fetch_imm(struct cursor *c, struct insn *d, unsigned size)
{
    uint64_t v;
    if (!fetch(c, size > 4 ? 4 : size, &v, true))
        return false;
    d->imm = (int64_t)v;
    d->has_imm = true;
    return true;
}

/* Bit offset of BT r/m, r: a signed register value that may reach any bit
 * of memory relative to the operand; the access moves to the operand-sized
 * unit holding the bit (SDM vol. 2, BT, "bit base addressing"). */
static void bt_register_offset(struct insn *d, const struct insn_cpu *cpu, uint64_t *ea)
{
    unsigned bits = d->size * 8u;
    uint64_t raw = insn_reg_read(cpu->gpr, d->reg, false, d->size);
    int64_t off = (int64_t)(raw << (64 - bits)) >> (64 - bits); /* sign-extend */
    /* bits is 16, 32 or 64: an arithmetic shift is the floor division, and
     * the low bits are the bit's index in its unit, for any sign. */
    int64_t unit = off >> __builtin_ctz(bits);
    d->imm = (int64_t)((uint64_t)off & (bits - 1));
    *ea = (*ea + (uint64_t)unit * d->size) & size_mask(d->addr_size);
}

uint64_t insn_reg_read(const uint64_t gpr[16], int reg, bool high8, unsigned size)
{
    if (reg < 0 || reg > 15)
        return 0;
    if (high8)
        return (gpr[reg] >> 8) & 0xff;
    return gpr[reg] & size_mask(size);
}

/* Legacy prefixes and REX. A REX followed by anything but the opcode is
 * ignored (2.2.1); segment overrides other than FS/GS are ignored in 64-bit
 * mode (vol. 1, 3.3.7.1) though the byte still counts. */
static bool decode_prefixes(struct cursor *c, struct insn *d, bool long_mode, bool *opsize66,
                            bool *addr67)
{
    for (;;) {
        uint64_t b;
        if (!fetch(c, 1, &b, false))
            return false;
        d->rex = 0;
        switch (b) {
        case 0xf0: d->lock = true; continue;
        case 0xf2: d->repne = true; d->rep = false; continue;
        case 0xf3: d->rep = true; d->repne = false; continue;
        case 0x66: *opsize66 = true; continue;
        case 0x67: *addr67 = true; continue;
        case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65: {
            unsigned seg = b == 0x64 ? SEG_FS : b == 0x65 ? SEG_GS : ((unsigned)b >> 3) & 3;
            if (!long_mode || seg >= SEG_FS) {
                d->seg = (uint8_t)seg;
                d->seg_override = true;
            }
            continue;
        }
        default:
            break;
        }
        if (long_mode && (b & 0xf0) == 0x40) {
            d->rex = (uint8_t)b;
            if (!fetch(c, 1, &b, false))
                return false;
            if (b == 0x0f || (b & 0xf0) != 0x40) {
                /* rex applies only if this is the opcode; a prefix after REX
                 * cancels it: go round again with the REX dropped. */
                bool legacy = b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x66 || b == 0x67 ||
                              b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 ||
                              b == 0x65;
                if (legacy) {
                    c->pos--;
                    continue;
                }
            } else {
                /* REX REX: the first is a prefix that does nothing. */
                c->pos--;
                continue;
            }
        }
        d->opcode = (uint8_t)b;
        return true;
    }
}

/* String instructions: the source is seg:rSI (DS unless overridden), the
 * destination always ES:rDI (vol. 2, MOVS/STOS). */
static void string_addresses(struct insn *d, const struct insn_cpu *cpu)
{
    uint64_t mask = size_mask(d->addr_size);
    if (d->op == INSN_MOVS) {
        d->ea = cpu->gpr[6] & mask;
        d->gla = linear(cpu, d->seg, d->ea);
        d->ea2 = cpu->gpr[7] & mask;
        d->gla2 = linear(cpu, SEG_ES, d->ea2);
    } else {
        d->seg = SEG_ES;
        d->ea = cpu->gpr[7] & mask;
        d->gla = linear(cpu, SEG_ES, d->ea);
    }
}

/* The one-byte opcodes with a ModRM memory operand. Returns false with
 * c->err set. */
static bool decode_onebyte(struct cursor *c, struct insn *d, bool long_mode, unsigned opsize,
                           struct mem_form *m, bool *has_modrm)
{
    uint8_t op = d->opcode, reg_field = 0;
    bool byte_op = !(op & 1);
    unsigned size = byte_op ? 1 : opsize;
    d->size = d->reg_size = (uint8_t)size;
    *has_modrm = true;

    if (op < 0x40 && (op & 7) < 4) {
        /* 00-3B: ADD OR ADC SBB AND SUB XOR CMP in four forms each. */
        d->op = (uint8_t)(INSN_ADD + (op >> 3));
        d->mem_is_dest = !(op & 2);
        if (!decode_modrm(c, d, long_mode, &reg_field, m))
            return false;
        set_reg(d, reg_field, byte_op);
        d->mem_read = true;
        d->mem_write = d->mem_is_dest && d->op != INSN_CMP;
        return true;
    }
    switch (op) {
    case 0x84: case 0x85:   /* TEST r/m, r */
    case 0x86: case 0x87:   /* XCHG r/m, r */
        d->op = op < 0x86 ? INSN_TEST : INSN_XCHG;
        if (!decode_modrm(c, d, long_mode, &reg_field, m))
            return false;
        set_reg(d, reg_field, byte_op);
        d->mem_is_dest = true;
        d->mem_read = true;
        d->mem_write = d->op == INSN_XCHG;
        return true;
    case 0x88: case 0x89:   /* MOV r/m, r */
    case 0x8a: case 0x8b:   /* MOV r, r/m */
        d->op = INSN_MOV;
        if (!decode_modrm(c, d, long_mode, &reg_field, m))
            return false;
        set_reg(d, reg_field, byte_op);
        d->mem_is_dest = op < 0x8a;
        d->mem_write = d->mem_is_dest;
        d->mem_read = !d->mem_is_dest;
        return true;
    case 0x63:              /* MOVSXD r, r/m32 (64-bit mode only; ARPL elsewhere) */
        if (!long_mode)
            break;
        d->op = INSN_MOV;
        if (!decode_modrm(c, d, long_mode, &reg_field, m))
            return false;
        set_reg(d, reg_field, false);
        d->reg_size = (uint8_t)opsize;
        d->size = (uint8_t)(opsize > 4 ? 4 : opsize);
        d->ext = opsize > 4 ? INSN_EXT_SIGN : INSN_EXT_NONE;
        d->mem_read = true;
        return true;
    case 0xc0: case 0xc1:   /* group 2: ROL ROR RCL RCR SHL SHR SAL SAR r/m, imm8 */
    case 0xd0: case 0xd1:   /* ... r/m, 1 */
    case 0xd2: case 0xd3:   /* ... r/m, CL */
        if (!decode_modrm(c, d, long_mode, &reg_field, m))
            return false;
        d->op = reg_field == 7 ? INSN_SAR : reg_field == 6 ? INSN_SHL
                                          : (uint8_t)(INSN_ROL + reg_field);
        d->mem_is_dest = true;
        d->mem_read = d->mem_write = true;
        if (op >= 0xd2) {
            d->reg = 1;     /* the count is CL's low bits */
            return true;
        }
        if (op >= 0xd0) {
            d->has_imm = true;
            d->imm = 1;
            return true;
        }
        return fetch_imm(c, d, 1);
    case 0x69: case 0x6b:   /* IMUL r, r/m, imm32 (imm16) or imm8 */
        if (!decode_modrm(c, d, long_mode, &reg_field, m))
            return false;
        set_reg(d, reg_field, false);
        d->op = INSN_IMUL2;
        d->mem_read = true;
        return fetch_imm(c, d, op == 0x6b ? 1 : d->size);
    case 0x82:              /* group 1's byte form again; #UD in 64-bit mode (SDM vol. 2, A.3) */
        if (long_mode)
            break;
        /* fall through */
    case 0xc6: case 0xc7:   /* MOV r/m, imm (/0) */
    case 0x80: case 0x81: case 0x83:   /* group 1: ALU r/m, imm (/0-/7) */
    case 0xf6: case 0xf7:   /* group 3: TEST r/m, imm (/0), NOT (/2), NEG (/3) */
    case 0xfe: case 0xff:   /* groups 4 and 5: INC (/0), DEC (/1) */
        if (!decode_modrm(c, d, long_mode, &reg_field, m))
            return false;
        d->mem_is_dest = true;
        if (op >= 0xfe || ((op == 0xf6 || op == 0xf7) && (reg_field == 2 || reg_field == 3))) {
            /* unary: the memory operand read, changed and written back */
            if (op >= 0xfe && reg_field > 1) {
                c->err = INSN_ERR_UNSUPPORTED;  /* CALL, JMP, PUSH through memory */
                return false;
            }
            d->op = op >= 0xfe ? (uint8_t)(INSN_INC + reg_field)
                               : (uint8_t)(INSN_NOT + reg_field - 2);
            d->mem_read = d->mem_write = true;
            return true;
        }
        if ((op == 0xf6 || op == 0xf7) && reg_field >= 4) {
            /* MUL, IMUL, DIV, IDIV: rAX (and rDX) by the memory operand */
            d->op = (uint8_t)(INSN_MUL + reg_field - 4);
            d->reg = 0;
            d->mem_is_dest = false;
            d->mem_read = true;
            return true;
        }
        if ((op == 0xc6 || op == 0xc7 || op == 0xf6 || op == 0xf7) && reg_field != 0) {
            c->err = INSN_ERR_UNSUPPORTED;      /* XABORT, XBEGIN; F6/F7 /1 */
            return false;
        }
        d->op = op >= 0xf6 ? INSN_TEST : op >= 0xc6 ? INSN_MOV : (uint8_t)(INSN_ADD + reg_field);
        d->mem_read = d->op != INSN_MOV;
        d->mem_write = d->op != INSN_CMP && d->op != INSN_TEST;
        return fetch_imm(c, d, op == 0x83 ? 1 : d->size);
    default:
        break;
    }
    *has_modrm = false;
    switch (op) {
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
        /* MOV AL/eAX <-> moffs: an address-size offset, no ModRM. */
        uint64_t off;
        if (!fetch(c, d->addr_size, &off, false))
            return false;
        d->op = INSN_MOV;
        d->reg = 0;
        d->mem_is_dest = op >= 0xa2;
        d->mem_write = d->mem_is_dest;
        d->mem_read = !d->mem_is_dest;
        m->disp = (int64_t)off;
        return true;
    }
    case 0xa4: case 0xa5:   /* MOVS */
    case 0xaa: case 0xab:   /* STOS */
        d->op = op < 0xaa ? INSN_MOVS : INSN_STOS;
        d->mem_is_dest = true;
        d->mem_write = true;
        d->mem_read = d->op == INSN_MOVS;
        if (d->op == INSN_STOS)
            d->reg = 0;
        return true;
    default:
        c->err = INSN_ERR_UNSUPPORTED;
        return false;
    }
}

/* 0F xx: MOVZX, MOVSX, the bit tests, SETcc, CMPXCHG, XADD, IMUL. */
static bool decode_twobyte(struct cursor *c, struct insn *d, bool long_mode, unsigned opsize,
                           struct mem_form *m)
{
    uint64_t b;
    if (!fetch(c, 1, &b, false))
        return false;
    d->twobyte = true;
    d->opcode = (uint8_t)b;
    uint8_t reg_field = 0;
    switch (b) {
    case 0xb6: case 0xb7: case 0xbe: case 0xbf:
        if (!decode_modrm(c, d, long_mode, &reg_field, m))
            return false;
        d->op = INSN_MOV;
        set_reg(d, reg_field, false);
        d->size = (b & 1) ? 2 : 1;
        d->reg_size = (uint8_t)opsize;
        d->ext = b >= 0xbe ? INSN_EXT_SIGN : INSN_EXT_ZERO;
        d->mem_read = true;
        return true;
    case 0xa3: case 0xab: case 0xb3: case 0xbb: /* BT, BTS, BTR, BTC r/m, r */
    case 0xba:              /* group 8: BT, BTS, BTR, BTC r/m, imm8 (/4-/7) */
        if (!decode_modrm(c, d, long_mode, &reg_field, m))
            return false;
        d->size = d->reg_size = (uint8_t)opsize;
        d->mem_read = true;
        d->mem_is_dest = true;
        if (b != 0xba) {
            d->op = (uint8_t)(INSN_BT + ((b >> 3) & 3));   /* a3, ab, b3, bb */
            d->mem_write = d->op != INSN_BT;
            set_reg(d, reg_field, false);
            return true;
        }
        if (reg_field < 4) {
            c->err = INSN_ERR_UNSUPPORTED;
            return false;
        }
        d->op = (uint8_t)(INSN_BT + reg_field - 4);
        d->mem_write = d->op != INSN_BT;
        if (!fetch(c, 1, &b, false))
            return false;
        d->has_imm = true;
        d->imm = (int64_t)(b & (opsize * 8u - 1));
        return true;
    case 0x90: case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97:
    case 0x98: case 0x99: case 0x9a: case 0x9b: case 0x9c: case 0x9d: case 0x9e: case 0x9f:
        /* SETcc r/m8: one byte written; the ModRM's reg field is unused */
        if (!decode_modrm(c, d, long_mode, &reg_field, m))
            return false;
        d->op = INSN_SETCC;
        d->size = d->reg_size = 1;
        d->mem_is_dest = true;
        d->mem_write = true;
        return true;
    case 0xaf:              /* IMUL r, r/m */
        if (!decode_modrm(c, d, long_mode, &reg_field, m))
            return false;
        set_reg(d, reg_field, false);
        d->op = INSN_IMUL2;
        d->size = d->reg_size = (uint8_t)opsize;
        d->mem_read = true;
        return true;
    case 0xb0: case 0xb1:   /* CMPXCHG r/m, r (and rAX) */
    case 0xc0: case 0xc1:   /* XADD r/m, r */
        if (!decode_modrm(c, d, long_mode, &reg_field, m))
            return false;
        d->op = b >= 0xc0 ? INSN_XADD : INSN_CMPXCHG;
        d->size = d->reg_size = (b & 1) ? (uint8_t)opsize : 1;
        set_reg(d, reg_field, !(b & 1));
        d->mem_is_dest = true;
        d->mem_read = d->mem_write = true;
        return true;
    default:
        c->err = INSN_ERR_UNSUPPORTED;
        return false;
    }
}

/* LOCK is legal only on read-modify-write forms with a memory destination
 * (vol. 2, LOCK); XCHG locks without it. */
static bool lock_allowed(const struct insn *d)
{
    switch (d->op) {
    case INSN_ADD: case INSN_OR: case INSN_ADC: case INSN_SBB:
    case INSN_AND: case INSN_SUB: case INSN_XOR: case INSN_XCHG:
    case INSN_BTS: case INSN_BTR: case INSN_BTC:
    case INSN_INC: case INSN_DEC: case INSN_NOT: case INSN_NEG:
    case INSN_CMPXCHG: case INSN_XADD:
        return d->mem_is_dest;
    default:
        return false;
    }
}

enum insn_err insn_decode(const uint8_t *bytes, size_t n, const struct insn_cpu *cpu,
                          struct insn *d)
{
    *d = (struct insn){ .reg = -1, .seg = SEG_DS };
    d->avail = (uint8_t)(n < INSN_MAX_LEN ? n : INSN_MAX_LEN);
    for (unsigned i = 0; i < d->avail; i++)
        d->bytes[i] = bytes[i];

    struct cursor c = { .bytes = bytes, .n = n };
    bool long_mode = cpu->mode == INSN_MODE_64, o66 = false, a67 = false;
    bool ok = decode_prefixes(&c, d, long_mode, &o66, &a67);

    /* Operand size: vol. 1, table 3-4; REX.W wins over 66. Address size:
     * 67 toggles 16/32 outside 64-bit mode and selects 32 in it. */
    unsigned opsize = cpu->mode == INSN_MODE_16 ? (o66 ? 4 : 2) : (o66 ? 2 : 4);
    if (long_mode && (d->rex & 8))
        opsize = 8;
    if (long_mode)
        d->addr_size = a67 ? 4 : 8;
    else
        d->addr_size = (uint8_t)((cpu->mode == INSN_MODE_16) != a67 ? 2 : 4);

    struct mem_form m = { .base = -1, .index = -1, .scale = 1 };
    bool has_modrm = true;
    if (ok) {
        if (d->opcode == 0x0f)
            ok = decode_twobyte(&c, d, long_mode, opsize, &m);
        else
            ok = decode_onebyte(&c, d, long_mode, opsize, &m, &has_modrm);
    }
    if (ok && d->lock && !lock_allowed(d)) {
        c.err = INSN_ERR_BAD_LOCK;
        ok = false;
    }
    d->len = (uint8_t)c.pos;
    if (!ok) {
        d->err = c.err;
        return d->err;
    }
    if (d->op == INSN_MOVS || d->op == INSN_STOS) {
        string_addresses(d, cpu);
    } else {
        d->ea = has_modrm ? form_address(&m, d, cpu) : (uint64_t)m.disp & size_mask(d->addr_size);
        if (d->op >= INSN_BT && d->op <= INSN_BTC && !d->has_imm)
            bt_register_offset(d, cpu, &d->ea);
        d->gla = linear(cpu, d->seg, d->ea);
    }
    return INSN_OK;
}

const char *insn_strerror(enum insn_err e)
{
    switch (e) {
    case INSN_OK: return "ok";
    case INSN_ERR_TRUNCATED: return "truncated instruction";
    case INSN_ERR_TOO_LONG: return "instruction longer than 15 bytes";
    case INSN_ERR_UNSUPPORTED: return "unsupported instruction";
    case INSN_ERR_NO_MEMORY: return "instruction without a memory operand";
    case INSN_ERR_BAD_LOCK: return "LOCK prefix on an instruction that forbids it";
    }
    return "unknown decoder error";
}

/* The message plus the bytes: those decoded, and a few more for an
 * unsupported opcode so its ModRM shows ("unsupported instruction 0f 0b"). */
void insn_describe(const struct insn *d, char *buf, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    if (!size)
        return;
    size_t o = 0;
    for (const char *s = insn_strerror(d->err); *s && o + 1 < size; s++)
        buf[o++] = *s;
    unsigned shown = d->len;
    if (d->err == INSN_ERR_UNSUPPORTED || d->err == INSN_ERR_TRUNCATED)
        shown = d->len + 2u < d->avail ? d->len + 2u : d->avail;
    for (unsigned i = 0; i < shown && o + 4 < size; i++) {
        buf[o++] = ' ';
        buf[o++] = hex[d->bytes[i] >> 4];
        buf[o++] = hex[d->bytes[i] & 15];
    }
    if (shown < d->avail && o + 5 < size) {
        buf[o++] = ' ';
        buf[o++] = '.';
        buf[o++] = '.';
        buf[o++] = '.';
    }
    buf[o] = '\0';
}
