/* Performs a decoded MMIO instruction (vmm/insn_emulate.h): one device
 * access (two for MOVS), then the register and flag updates the instruction
 * would have made (Intel SDM vol. 2, each instruction's "Operation" and
 * "Flags Affected"). */
#include "vmm/insn_emulate.h"
#include "vmm/insn_shift.h"

static uint64_t mask_of(unsigned size)
{
    return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

void insn_reg_write(uint64_t gpr[16], int reg, bool high8, unsigned size, uint64_t val)
{
    if (reg < 0 || reg > 15)
        return;
    if (high8) {
        gpr[reg] = (gpr[reg] & ~0xff00ULL) | ((val & 0xff) << 8);
    } else if (size >= 4) {
        /* A 32-bit destination zero-extends into bits 63:32 (vol. 1, 3.4.1.1). */
        gpr[reg] = val & mask_of(size);
    } else {
        /* 8- and 16-bit destinations leave the rest of the register alone. */
        uint64_t mask = mask_of(size);
        gpr[reg] = (gpr[reg] & ~mask) | (val & mask);
    }
}

static uint64_t widen(uint64_t v, unsigned from, enum insn_ext ext)
{
    v &= mask_of(from);
    if (ext == INSN_EXT_SIGN && from < 8 && (v >> (8 * from - 1)) & 1)
        v |= ~mask_of(from);
    return v;
}

/* PF, ZF and SF from a result; PF looks at the low byte only. */
static uint64_t szp_flags(uint64_t r, unsigned size)
{
    uint64_t f = 0;
    unsigned bits = 8 * size;
    if (!(r & mask_of(size)))
        f |= INSN_FLAG_ZF;
    if ((r >> (bits - 1)) & 1)
        f |= INSN_FLAG_SF;
    if (!__builtin_parity((unsigned)(r & 0xff)))
        f |= INSN_FLAG_PF;
    return f;
}

/* The ALU result of `a op b` and the six arithmetic flags it sets. Carry
 * and overflow come from the sign bits of operands and result, so one
 * formula serves every width. */
static uint64_t alu(unsigned op, uint64_t a, uint64_t b, unsigned size, uint64_t *rflags)
{
    unsigned top = 8 * size - 1;
    uint64_t cin = *rflags & INSN_FLAG_CF, r, f = 0;
    a &= mask_of(size);
    b &= mask_of(size);
    switch (op) {
    case INSN_ADD: case INSN_ADC:
        r = a + b + (op == INSN_ADC ? cin : 0);
        if ((((a & b) | ((a | b) & ~r)) >> top) & 1)
            f |= INSN_FLAG_CF;
        if ((((a ^ r) & (b ^ r)) >> top) & 1)
            f |= INSN_FLAG_OF;
        f |= (a ^ b ^ r) & INSN_FLAG_AF;
        break;
    case INSN_SUB: case INSN_SBB: case INSN_CMP:
        r = a - b - (op == INSN_SBB ? cin : 0);
        if ((((~a & b) | ((~a | b) & r)) >> top) & 1)
            f |= INSN_FLAG_CF;
        if ((((a ^ b) & (a ^ r)) >> top) & 1)
            f |= INSN_FLAG_OF;
        f |= (a ^ b ^ r) & INSN_FLAG_AF;
        break;
    case INSN_OR: r = a | b; break;
    case INSN_XOR: r = a ^ b; break;
    default: r = a & b; break;  /* AND, TEST: CF = OF = 0, AF undefined (0) */
    }
    r &= mask_of(size);
    *rflags = (*rflags & ~(uint64_t)INSN_FLAGS_ARITH) | f | szp_flags(r, size);
    return r;
}

/* SETcc's condition, the low nibble of its opcode (SDM vol. 2, appendix
 * B.1.4.7): even codes test a flag combination, odd ones its negation. */
static bool condition(unsigned cc, uint64_t rflags)
{
    bool cf = rflags & INSN_FLAG_CF, zf = rflags & INSN_FLAG_ZF, sf = rflags & INSN_FLAG_SF;
    bool of = rflags & INSN_FLAG_OF, pf = rflags & INSN_FLAG_PF, t;
    switch ((cc >> 1) & 7) {
    case 0: t = of; break;                  /* O */
    case 1: t = cf; break;                  /* B */
    case 2: t = zf; break;                  /* E */
    case 3: t = cf || zf; break;            /* BE */
    case 4: t = sf; break;                  /* S */
    case 5: t = pf; break;                  /* P */
    case 6: t = sf != of; break;            /* L */
    default: t = zf || sf != of; break;     /* LE */
    }
    return (cc & 1) ? !t : t;
}

/* INC, DEC, NOT, NEG, BTS, BTR, BTC, SETcc, CMPXCHG, XADD, the shifts and
 * rotates: the memory operand read (SETcc: not read) and written back, then
 * any register changed, so a refused write changes nothing. A shift by 0
 * writes the value back unchanged, as KVM's and QEMU's emulators do. `other` is the register or
 * immediate operand, `mem` the value read. */
static enum insn_emul emulate_rmw(const struct insn *d, uint64_t gpr[16], uint64_t *rflags,
                                  const struct insn_mmio_ops *ops, uint64_t other, uint64_t mem)
{
    uint64_t r, flags = *rflags, acc = 0;
    bool acc_load = false, reg_load = false;
    switch (d->op) {
    case INSN_INC: case INSN_DEC:
        /* ADD or SUB of 1 that leaves CF alone (vol. 2, INC and DEC) */
        r = alu(d->op == INSN_INC ? INSN_ADD : INSN_SUB, mem, 1, d->size, &flags);
        flags = (flags & ~(uint64_t)INSN_FLAG_CF) | (*rflags & INSN_FLAG_CF);
        break;
    case INSN_NOT:
        r = ~mem;                           /* no flags */
        break;
    case INSN_NEG:
        r = alu(INSN_SUB, 0, mem, d->size, &flags);    /* CF = (mem != 0) */
        break;
    case INSN_BTS: case INSN_BTR: case INSN_BTC: {
        /* CF the bit as it was; the other flags are undefined and kept */
        unsigned bit = (unsigned)d->imm & (8u * d->size - 1);
        uint64_t m = 1ULL << bit;
        flags = (flags & ~(uint64_t)INSN_FLAG_CF) | ((mem >> bit) & 1);
        r = d->op == INSN_BTS ? mem | m : d->op == INSN_BTR ? mem & ~m : mem ^ m;
        break;
    }
    case INSN_SETCC:
        r = condition(d->opcode & 15, *rflags);
        break;
    case INSN_ROL: case INSN_ROR: case INSN_RCL: case INSN_RCR:
    case INSN_SHL: case INSN_SHR: case INSN_SAR:
        r = insn_shift(d->op, mem, other, d->size, &flags);   /* `other`: the count */
        break;
    case INSN_CMPXCHG:
        /* Flags as CMP rAX, mem. Equal: the register is stored; not equal:
         * the destination is written back unchanged (the processor always
         * writes it) and rAX loaded from it (vol. 2, CMPXCHG). */
        acc = insn_reg_read(gpr, 0, false, d->size);
        alu(INSN_CMP, acc, mem, d->size, &flags);
        acc_load = !(flags & INSN_FLAG_ZF);
        r = acc_load ? mem : other;
        break;
    default:                                /* XADD: the sum stored, the old value to the register */
        r = alu(INSN_ADD, mem, other, d->size, &flags);
        reg_load = true;
        break;
    }
    if (!ops->write(ops->ctx, d->gla, d->size, r & mask_of(d->size)))
        return INSN_EMUL_FAILED;
    *rflags = flags;
    if (acc_load)
        insn_reg_write(gpr, 0, false, d->size, mem);
    if (reg_load)
        insn_reg_write(gpr, d->reg, d->high8, d->size, mem);
    return INSN_EMUL_DONE;
}

/* rSI/rDI/rCX at the address size: a 32-bit update zero-extends, a 16-bit
 * one keeps bits 63:16 (vol. 1, 3.3.7). */
static uint64_t areg(const uint64_t gpr[16], int reg, unsigned asize)
{
    return gpr[reg] & mask_of(asize);
}

static enum insn_emul emulate_string(const struct insn *d, uint64_t gpr[16], uint64_t *rflags,
                                     const struct insn_mmio_ops *ops)
{
    unsigned as = d->addr_size;
    bool rep = d->rep || d->repne;
    if (rep && areg(gpr, 1, as) == 0)
        return INSN_EMUL_DONE;
    uint64_t v = gpr[0];
    if (d->op == INSN_MOVS && !ops->read(ops->ctx, d->gla, d->size, &v))
        return INSN_EMUL_FAILED;
    uint64_t dst = d->op == INSN_MOVS ? d->gla2 : d->gla;
    if (!ops->write(ops->ctx, dst, d->size, v & mask_of(d->size)))
        return INSN_EMUL_FAILED;
    uint64_t step = (*rflags & INSN_FLAG_DF) ? (uint64_t)-(int64_t)d->size : d->size;
    insn_reg_write(gpr, 7, false, as, areg(gpr, 7, as) + step);
    if (d->op == INSN_MOVS)
        insn_reg_write(gpr, 6, false, as, areg(gpr, 6, as) + step);
    if (!rep)
        return INSN_EMUL_DONE;
    insn_reg_write(gpr, 1, false, as, areg(gpr, 1, as) - 1);
    return areg(gpr, 1, as) ? INSN_EMUL_AGAIN : INSN_EMUL_DONE;
}

enum insn_emul insn_emulate_mmio(const struct insn *d, uint64_t gpr[16], uint64_t *rflags,
                                 const struct insn_mmio_ops *ops)
{
    if (d->err != INSN_OK)
        return INSN_EMUL_FAILED;
    if (d->op == INSN_MOVS || d->op == INSN_STOS)
        return emulate_string(d, gpr, rflags, ops);

    /* The non-memory operand: an immediate or the register (at the memory
     * access size, except MOVZX/MOVSX whose register is the wider one). */
    uint64_t other = d->has_imm ? (uint64_t)d->imm : insn_reg_read(gpr, d->reg, d->high8, d->size);
    uint64_t mem = 0;
    if (d->mem_read && !ops->read(ops->ctx, d->gla, d->size, &mem))
        return INSN_EMUL_FAILED;
    mem &= mask_of(d->size);

    switch (d->op) {
    case INSN_MOV:
        if (d->mem_write)
            return ops->write(ops->ctx, d->gla, d->size, other & mask_of(d->size))
                       ? INSN_EMUL_DONE : INSN_EMUL_FAILED;
        insn_reg_write(gpr, d->reg, d->high8, d->reg_size, widen(mem, d->size, d->ext));
        return INSN_EMUL_DONE;
    case INSN_XCHG:
        if (!ops->write(ops->ctx, d->gla, d->size, other & mask_of(d->size)))
            return INSN_EMUL_FAILED;
        insn_reg_write(gpr, d->reg, d->high8, d->size, mem);
        return INSN_EMUL_DONE;
    case INSN_BT: {
        /* The decoder already moved the access to the unit holding the bit
         * and left the bit's index there in imm. */
        unsigned bit = (unsigned)d->imm & (8u * d->size - 1);
        *rflags = (*rflags & ~(uint64_t)INSN_FLAG_CF) | ((mem >> bit) & 1);
        return INSN_EMUL_DONE;
    }
    case INSN_TEST:
        alu(INSN_AND, mem, other, d->size, rflags);
        return INSN_EMUL_DONE;
    case INSN_BTS: case INSN_BTR: case INSN_BTC:
    case INSN_INC: case INSN_DEC: case INSN_NOT: case INSN_NEG:
    case INSN_SETCC: case INSN_CMPXCHG: case INSN_XADD:
    case INSN_ROL: case INSN_ROR: case INSN_RCL: case INSN_RCR:
    case INSN_SHL: case INSN_SHR: case INSN_SAR:
        return emulate_rmw(d, gpr, rflags, ops, other, mem);
    case INSN_MUL: case INSN_IMUL: case INSN_DIV: case INSN_IDIV:
        return insn_muldiv(d->op, mem, d->size, gpr, rflags) ? INSN_EMUL_DONE
                                                             : INSN_EMUL_DIVIDE_ERROR;
    case INSN_IMUL2: {
        /* the register times the memory operand, or the memory operand
         * times the immediate, into the register */
        uint64_t b = d->has_imm ? (uint64_t)d->imm : insn_reg_read(gpr, d->reg, false, d->size);
        insn_reg_write(gpr, d->reg, false, d->size, insn_imul_trunc(mem, b, d->size, rflags));
        return INSN_EMUL_DONE;
    }
    default:
        break;
    }
    /* The ALU group: memory op= other, or register op= memory. */
    uint64_t a = d->mem_is_dest ? mem : other, b = d->mem_is_dest ? other : mem;
    uint64_t r = alu(d->op, a, b, d->size, rflags);
    if (d->op == INSN_CMP)
        return INSN_EMUL_DONE;
    if (d->mem_is_dest)
        return ops->write(ops->ctx, d->gla, d->size, r) ? INSN_EMUL_DONE : INSN_EMUL_FAILED;
    insn_reg_write(gpr, d->reg, d->high8, d->size, r);
    return INSN_EMUL_DONE;
}
