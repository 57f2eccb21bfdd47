/* Shift, rotate, multiply and divide for the MMIO emulator: see
 * vmm/insn_shift.h. */
#include "vmm/insn_shift.h"
#include "vmm/insn_emulate.h"

static uint64_t mask_of(unsigned size)
{
    return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static uint64_t sign_extend(uint64_t v, unsigned size)
{
    v &= mask_of(size);
    if (size < 8 && (v >> (8 * size - 1)) & 1)
        v |= ~mask_of(size);
    return v;
}

static uint64_t set_flag(uint64_t rflags, uint64_t flag, bool on)
{
    return on ? rflags | flag : rflags & ~flag;
}

/* SF, ZF and PF of a shift's result (AF is undefined: kept). */
static uint64_t szp(uint64_t rflags, uint64_t r, unsigned size)
{
    rflags = set_flag(rflags, INSN_FLAG_ZF, (r & mask_of(size)) == 0);
    rflags = set_flag(rflags, INSN_FLAG_SF, (r >> (8 * size - 1)) & 1);
    return set_flag(rflags, INSN_FLAG_PF, !__builtin_parity((unsigned)(r & 0xff)));
}

uint64_t insn_shift(unsigned op, uint64_t v, uint64_t count, unsigned size, uint64_t *rflags)
{
    unsigned n = 8 * size, c = (unsigned)(count & (size == 8 ? 0x3f : 0x1f));
    uint64_t m = mask_of(size), f = *rflags, r;
    v &= m;
    if (c == 0)
        return v;
    bool cf = f & INSN_FLAG_CF;
    switch (op) {
    case INSN_SHL:
        /* bit by bit: the last bit out is bit n - c, none once c > n */
        r = c < n ? (v << c) & m : 0;
        cf = c <= n && ((v >> (n - c)) & 1);
        f = szp(f, r, size);
        if (c == 1)
            f = set_flag(f, INSN_FLAG_OF, ((r >> (n - 1)) & 1) != cf);
        break;
    case INSN_SHR:
        r = c < n ? v >> c : 0;
        cf = c <= n && ((v >> (c - 1)) & 1);
        f = szp(f, r, size);
        if (c == 1)
            f = set_flag(f, INSN_FLAG_OF, (v >> (n - 1)) & 1);
        break;
    case INSN_SAR: {
        int64_t s = (int64_t)sign_extend(v, size);
        r = (uint64_t)(s >> (c < n ? c : n - 1)) & m;
        cf = (s >> (c <= n ? c - 1 : n - 1)) & 1;
        f = szp(f, r, size);
        if (c == 1)
            f &= ~(uint64_t)INSN_FLAG_OF;
        break;
    }
    case INSN_ROL: case INSN_ROR: {
        unsigned t = c % n;
        if (!t)
            r = v;
        else if (op == INSN_ROL)
            r = ((v << t) | (v >> (n - t))) & m;
        else
            r = ((v >> t) | (v << (n - t))) & m;
        /* CF is the bit that went round last; only CF and OF change */
        cf = op == INSN_ROL ? (r & 1) : ((r >> (n - 1)) & 1);
        if (c == 1) {
            bool msb = (r >> (n - 1)) & 1;
            bool second = op == INSN_ROL ? cf : ((r >> (n - 2)) & 1);
            f = set_flag(f, INSN_FLAG_OF, msb != second);
        }
        break;
    }
    default: {      /* RCL, RCR: through CF, a rotation of n + 1 bits */
        unsigned t = size == 1 ? c % 9 : size == 2 ? c % 17 : c;
        if (op == INSN_RCR && c == 1)
            f = set_flag(f, INSN_FLAG_OF, (((v >> (n - 1)) & 1) != 0) != cf);
        r = v;
        for (unsigned i = 0; i < t; i++) {
            bool out;
            if (op == INSN_RCL) {
                out = (r >> (n - 1)) & 1;
                r = ((r << 1) | (cf ? 1 : 0)) & m;
            } else {
                out = r & 1;
                r = (r >> 1) | ((cf ? 1ULL : 0) << (n - 1));
            }
            cf = out;
        }
        if (op == INSN_RCL && c == 1)
            f = set_flag(f, INSN_FLAG_OF, (((r >> (n - 1)) & 1) != 0) != cf);
        break;
    }
    }
    *rflags = set_flag(f, INSN_FLAG_CF, cf);
    return r;
}

/* 128 by 64 bits, unsigned, without a library: *q and *r, or false when the
 * quotient does not fit 64 bits (hi >= d, d = 0 included). */
static bool udiv128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *q, uint64_t *r)
{
    if (hi >= d)
        return false;
    uint64_t quot = 0, rem = hi;
    for (int i = 63; i >= 0; i--) {
        bool carry = rem >> 63;
        rem = (rem << 1) | ((lo >> i) & 1);
        quot <<= 1;
        if (carry || rem >= d) {
            rem -= d;
            quot |= 1;
        }
    }
    *q = quot;
    *r = rem;
    return true;
}

/* The accumulator pair as one value: AX for bytes, DX:AX, EDX:EAX, RDX:RAX. */
static void write_pair(uint64_t gpr[16], unsigned size, uint64_t lo, uint64_t hi)
{
    if (size == 1) {
        insn_reg_write(gpr, 0, false, 2, (lo & 0xff) | ((hi & 0xff) << 8));
        return;
    }
    insn_reg_write(gpr, 0, false, size, lo);
    insn_reg_write(gpr, 2, false, size, hi);
}

/* The 2n-bit hi:lo divided by `d`: false when the quotient needs more than
 * n bits (d = 0 included). */
static bool udiv_pair(uint64_t hi, uint64_t lo, uint64_t d, unsigned size, uint64_t *q,
                      uint64_t *r)
{
    if (size == 8)
        return udiv128(hi, lo, d, q, r);
    uint64_t dividend = (hi << (8 * size)) | lo;
    *q = dividend / d;
    *r = dividend % d;
    return *q <= mask_of(size);
}

static bool divide(bool sign, uint64_t src, unsigned size, uint64_t gpr[16])
{
    unsigned n = 8 * size;
    uint64_t m = mask_of(size);
    uint64_t lo = gpr[0] & m, hi = size == 1 ? (gpr[0] >> 8) & 0xff : gpr[2] & m;
    src &= m;
    if (src == 0)
        return false;
    uint64_t q, r;
    if (!sign) {
        if (!udiv_pair(hi, lo, src, size, &q, &r))
            return false;
        write_pair(gpr, size, q, r);
        return true;
    }
    /* Signed: on magnitudes, then the signs (the quotient rounds toward
     * zero, the remainder has the dividend's sign); the quotient must fit
     * the signed range, so MIN / -1 is a divide error. */
    bool neg_dividend = (hi >> (n - 1)) & 1, neg_divisor = (src >> (n - 1)) & 1;
    if (neg_dividend) {     /* negate the 2n-bit dividend, half by half */
        lo = (~lo + 1) & m;
        hi = (~hi + (lo == 0)) & m;
    }
    if (!udiv_pair(hi, lo, neg_divisor ? (~src + 1) & m : src, size, &q, &r))
        return false;
    bool neg_q = neg_dividend != neg_divisor;
    uint64_t limit = 1ULL << (n - 1);          /* |MIN|; MAX is limit - 1 */
    if (neg_q ? q > limit : q >= limit)
        return false;
    write_pair(gpr, size, neg_q ? ~q + 1 : q, neg_dividend ? ~r + 1 : r);
    return true;
}

bool insn_muldiv(unsigned op, uint64_t src, unsigned size, uint64_t gpr[16], uint64_t *rflags)
{
    if (op == INSN_DIV || op == INSN_IDIV)
        return divide(op == INSN_IDIV, src, size, gpr);   /* every flag undefined: kept */
    unsigned n = 8 * size;
    uint64_t m = mask_of(size), a = gpr[0] & m, lo, hi;
    bool wide;
    if (op == INSN_MUL) {
        unsigned __int128 p = (unsigned __int128)a * (src & m);
        lo = (uint64_t)p & m;
        hi = size == 8 ? (uint64_t)(p >> 64) : (uint64_t)(p >> n) & m;
        wide = hi != 0;
    } else {
        __int128 p = (__int128)(int64_t)sign_extend(a, size) * (int64_t)sign_extend(src, size);
        lo = (uint64_t)p & m;
        hi = size == 8 ? (uint64_t)((unsigned __int128)p >> 64) : (uint64_t)(p >> n) & m;
        wide = p != (__int128)(int64_t)sign_extend(lo, size);
    }
    write_pair(gpr, size, lo, hi);
    /* CF = OF = the upper half is significant; SF, ZF, AF, PF undefined */
    *rflags = set_flag(set_flag(*rflags, INSN_FLAG_CF, wide), INSN_FLAG_OF, wide);
    return true;
}

uint64_t insn_imul_trunc(uint64_t a, uint64_t b, unsigned size, uint64_t *rflags)
{
    __int128 p = (__int128)(int64_t)sign_extend(a, size) * (int64_t)sign_extend(b, size);
    uint64_t r = (uint64_t)p & mask_of(size);
    bool wide = p != (__int128)(int64_t)sign_extend(r, size);
    *rflags = set_flag(set_flag(*rflags, INSN_FLAG_CF, wide), INSN_FLAG_OF, wide);
    return r;
}
