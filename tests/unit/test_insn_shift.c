/* vmm/insn_shift.c against the CPU this test runs on: every shift and
 * rotate at every operand size, MUL, IMUL (one-, two- and three-operand
 * results), DIV and IDIV, on random and edge values, run here by the
 * instruction itself (inline assembly on a stack variable) and compared in
 * the result and in the flags the SDM defines for that case. The hosted
 * tests run on x86-64 machines, whose silicon is the specification the
 * emulator follows. Divide errors are checked by hand (the CPU's #DE would
 * end the test). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/insn_shift.h"
#include "vmm/insn_emulate.h"

#define CF INSN_FLAG_CF
#define PF INSN_FLAG_PF
#define AF INSN_FLAG_AF
#define ZF INSN_FLAG_ZF
#define SF INSN_FLAG_SF
#define OF INSN_FLAG_OF
#define ARITH (CF | PF | AF | ZF | SF | OF)

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Values that find the edges: 0, 1, all ones, the sign bit alone and its
 * neighbours, or random. */
static uint64_t value(unsigned size)
{
    uint64_t m = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1, top = 1ULL << (8 * size - 1);
    switch (next() % 8) {
    case 0: return 0;
    case 1: return 1;
    case 2: return m;
    case 3: return top;
    case 4: return top - 1;
    case 5: return top + 1;
    default: return next() & m;
    }
}

/* The flags in, the instruction, the flags out: below the red zone, so the
 * pushes clobber nothing the compiler keeps there. Memory operands are
 * reached through a register holding their address, as %rsp moves. */
#define WITH_FLAGS(body)                                                   \
    "lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t" body                 \
    "\n\tpushf\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"

#define SHIFT_CASE(name, sfx, type)                                                    \
    {                                                                                  \
        type x = (type)v;                                                              \
        type *p = &x;                                                                  \
        __asm__ volatile(WITH_FLAGS(#name sfx " %%cl, (%[p])")                         \
                         : [f] "+r"(f) : [p] "r"(p), "c"((uint8_t)count) : "cc", "memory"); \
        *flags = f;                                                                    \
        return (uint64_t)x;                                                            \
    }

#define SHIFT_SIZES(name)                                  \
    switch (size) {                                        \
    case 1: SHIFT_CASE(name, "b", uint8_t)                 \
    case 2: SHIFT_CASE(name, "w", uint16_t)                \
    case 4: SHIFT_CASE(name, "l", uint32_t)                \
    default: SHIFT_CASE(name, "q", uint64_t)               \
    }

static uint64_t cpu_shift(unsigned op, uint64_t v, unsigned count, unsigned size, uint64_t *flags)
{
    uint64_t f = *flags;
    switch (op) {
    case INSN_ROL: SHIFT_SIZES(rol)
    case INSN_ROR: SHIFT_SIZES(ror)
    case INSN_RCL: SHIFT_SIZES(rcl)
    case INSN_RCR: SHIFT_SIZES(rcr)
    case INSN_SHL: SHIFT_SIZES(shl)
    case INSN_SHR: SHIFT_SIZES(shr)
    default: SHIFT_SIZES(sar)
    }
}

/* The flags the SDM defines after a shift or rotate by `count`. */
static uint64_t defined_shift_flags(unsigned op, unsigned count, unsigned size)
{
    unsigned c = count & (size == 8 ? 0x3f : 0x1f), n = 8 * size;
    if (c == 0)
        return ARITH;                       /* none changes */
    uint64_t f = c == 1 ? (CF | OF) : CF;
    if (op >= INSN_SHL) {
        f |= SF | ZF | PF;                  /* AF undefined */
        if (op != INSN_SAR && c >= n)
            f &= ~(uint64_t)CF;             /* "undefined ... count >= size" */
    }
    return f;
}

static void test_shifts_match_the_cpu(void **state)
{
    (void)state;
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    for (unsigned i = 0; i < 200000; i++) {
        unsigned op = INSN_ROL + (unsigned)(next() % 7), size = sizes[next() % 4];
        unsigned count = next() % 4 ? (unsigned)(next() % 70) : (unsigned)(next() & 0xff);
        uint64_t v = value(size), in = 0x2 | (next() & ARITH);
        uint64_t hw_flags = in, our_flags = in;
        uint64_t hw = cpu_shift(op, v, count, size, &hw_flags);
        uint64_t ours = insn_shift(op, v, count, size, &our_flags);
        uint64_t keep = defined_shift_flags(op, count, size);
        if (hw != ours || ((hw_flags ^ our_flags) & keep) ||
            ((our_flags ^ in) & ~(uint64_t)ARITH)) {
            print_error("op %u size %u count %u value 0x%llx flags 0x%llx: cpu 0x%llx/0x%llx, "
                        "ours 0x%llx/0x%llx\n", op, size, count, (unsigned long long)v,
                        (unsigned long long)in, (unsigned long long)hw,
                        (unsigned long long)hw_flags, (unsigned long long)ours,
                        (unsigned long long)our_flags);
            fail();
        }
    }
}

/* One-operand MUL and IMUL on RAX/RDX as the CPU leaves them. */
static void cpu_mul(bool sign, unsigned size, uint64_t src, uint64_t *rax, uint64_t *rdx,
                    uint64_t *flags)
{
    uint64_t a = *rax, d = *rdx, f = *flags;
    uint8_t b1 = (uint8_t)src;
    uint16_t b2 = (uint16_t)src;
    uint32_t b4 = (uint32_t)src;
    switch (size * 2 + sign) {
    case 2: __asm__ volatile(WITH_FLAGS("mulb (%[s])") : "+a"(a), [f] "+r"(f) : [s] "r"(&b1) : "cc", "memory"); break;
    case 3: __asm__ volatile(WITH_FLAGS("imulb (%[s])") : "+a"(a), [f] "+r"(f) : [s] "r"(&b1) : "cc", "memory"); break;
    case 4: __asm__ volatile(WITH_FLAGS("mulw (%[s])") : "+a"(a), "+d"(d), [f] "+r"(f) : [s] "r"(&b2) : "cc", "memory"); break;
    case 5: __asm__ volatile(WITH_FLAGS("imulw (%[s])") : "+a"(a), "+d"(d), [f] "+r"(f) : [s] "r"(&b2) : "cc", "memory"); break;
    case 8: __asm__ volatile(WITH_FLAGS("mull (%[s])") : "+a"(a), "+d"(d), [f] "+r"(f) : [s] "r"(&b4) : "cc", "memory"); break;
    case 9: __asm__ volatile(WITH_FLAGS("imull (%[s])") : "+a"(a), "+d"(d), [f] "+r"(f) : [s] "r"(&b4) : "cc", "memory"); break;
    case 16: __asm__ volatile(WITH_FLAGS("mulq (%[s])") : "+a"(a), "+d"(d), [f] "+r"(f) : [s] "r"(&src) : "cc", "memory"); break;
    default: __asm__ volatile(WITH_FLAGS("imulq (%[s])") : "+a"(a), "+d"(d), [f] "+r"(f) : [s] "r"(&src) : "cc", "memory"); break;
    }
    *rax = a;
    *rdx = d;
    *flags = f;
}

static void cpu_div(bool sign, unsigned size, uint64_t src, uint64_t *rax, uint64_t *rdx)
{
    uint64_t a = *rax, d = *rdx, f = 0x2;
    uint8_t b1 = (uint8_t)src;
    uint16_t b2 = (uint16_t)src;
    uint32_t b4 = (uint32_t)src;
    switch (size * 2 + sign) {
    case 2: __asm__ volatile(WITH_FLAGS("divb (%[s])") : "+a"(a), [f] "+r"(f) : [s] "r"(&b1) : "cc", "memory"); break;
    case 3: __asm__ volatile(WITH_FLAGS("idivb (%[s])") : "+a"(a), [f] "+r"(f) : [s] "r"(&b1) : "cc", "memory"); break;
    case 4: __asm__ volatile(WITH_FLAGS("divw (%[s])") : "+a"(a), "+d"(d), [f] "+r"(f) : [s] "r"(&b2) : "cc", "memory"); break;
    case 5: __asm__ volatile(WITH_FLAGS("idivw (%[s])") : "+a"(a), "+d"(d), [f] "+r"(f) : [s] "r"(&b2) : "cc", "memory"); break;
    case 8: __asm__ volatile(WITH_FLAGS("divl (%[s])") : "+a"(a), "+d"(d), [f] "+r"(f) : [s] "r"(&b4) : "cc", "memory"); break;
    case 9: __asm__ volatile(WITH_FLAGS("idivl (%[s])") : "+a"(a), "+d"(d), [f] "+r"(f) : [s] "r"(&b4) : "cc", "memory"); break;
    case 16: __asm__ volatile(WITH_FLAGS("divq (%[s])") : "+a"(a), "+d"(d), [f] "+r"(f) : [s] "r"(&src) : "cc", "memory"); break;
    default: __asm__ volatile(WITH_FLAGS("idivq (%[s])") : "+a"(a), "+d"(d), [f] "+r"(f) : [s] "r"(&src) : "cc", "memory"); break;
    }
    *rax = a;
    *rdx = d;
}

static void test_multiply_and_divide_match_the_cpu(void **state)
{
    (void)state;
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    unsigned divided = 0;
    for (unsigned i = 0; i < 200000; i++) {
        unsigned size = sizes[next() % 4], op = INSN_MUL + (unsigned)(next() % 4);
        bool sign = op == INSN_IMUL || op == INSN_IDIV;
        uint64_t src = value(size), gpr[16] = { 0 }, in = 0x2 | (next() & ARITH);
        gpr[0] = next() % 3 ? next() : value(size);
        gpr[2] = next() % 3 ? next() : value(size);
        /* a divide that fits more often: a small upper half */
        if (op >= INSN_DIV && next() % 2)
            gpr[2] = next() % 2 ? 0 : ~0ULL;
        uint64_t before[16];
        memcpy(before, gpr, sizeof before);
        uint64_t flags = in;
        bool ok = insn_muldiv(op, src, size, gpr, &flags);
        uint64_t a = before[0], d = before[2], hw_flags = in;
        if (op <= INSN_IMUL) {
            assert_true(ok);
            cpu_mul(sign, size, src, &a, &d, &hw_flags);
            /* CF and OF are defined; the rest undefined and kept here */
            assert_int_equal(flags & (CF | OF), hw_flags & (CF | OF));
            assert_int_equal(flags & ~(uint64_t)(CF | OF), in & ~(uint64_t)(CF | OF));
        } else if (ok) {
            cpu_div(sign, size, src, &a, &d);
            assert_int_equal(flags, in);
            divided++;
        } else {
            assert_memory_equal(gpr, before, sizeof before);   /* #DE: nothing changed */
            continue;
        }
        if (gpr[0] != a || gpr[2] != d) {
            print_error("op %u size %u src 0x%llx rax 0x%llx rdx 0x%llx: cpu 0x%llx:0x%llx, "
                        "ours 0x%llx:0x%llx\n", op, size, (unsigned long long)src,
                        (unsigned long long)before[0], (unsigned long long)before[2],
                        (unsigned long long)d, (unsigned long long)a,
                        (unsigned long long)gpr[2], (unsigned long long)gpr[0]);
            fail();
        }
        for (unsigned r = 0; r < 16; r++)
            if (r != 0 && r != 2)
                assert_int_equal(gpr[r], before[r]);
    }
    assert_true(divided > 20000);   /* the comparison reached the divisions */
}

/* Divide errors (SDM vol. 2, DIV and IDIV): a zero divisor, a quotient
 * wider than the destination, and the signed minimum divided by -1. */
static void test_divide_errors(void **state)
{
    (void)state;
    static const struct { unsigned op, size; uint64_t rax, rdx, src; } cases[] = {
        { INSN_DIV, 1, 0x1234, 0, 0 },
        { INSN_DIV, 1, 0x1234, 0, 0x12 },              /* 0x1234 / 0x12 = 0x102 */
        { INSN_DIV, 4, 0, 5, 5 },                      /* EDX:EAX / 5 >= 2^32 */
        { INSN_DIV, 8, 0, 1, 1 },                      /* RDX >= divisor */
        { INSN_IDIV, 1, 0x8000, 0, 0xff },             /* -32768 / -1 */
        { INSN_IDIV, 2, 0x0000, 0x8000, 0xffff },      /* -2^31 / -1 */
        { INSN_IDIV, 4, 0x80000000, 0, 1 },            /* +2^31 / 1 */
        { INSN_IDIV, 8, 0, 0x8000000000000000ULL, 0xffffffffffffffffULL },
        { INSN_IDIV, 8, 0, 0, 0 },
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t gpr[16] = { 0 }, flags = 0x2 | CF | ZF;
        gpr[0] = cases[i].rax;
        gpr[2] = cases[i].rdx;
        assert_false(insn_muldiv(cases[i].op, cases[i].src, cases[i].size, gpr, &flags));
        assert_int_equal(gpr[0], cases[i].rax);
        assert_int_equal(gpr[2], cases[i].rdx);
        assert_int_equal(flags, 0x2 | CF | ZF);
    }
    /* The edges that fit: -128 / 1 and 0xff * 0x100 + 0xff / 0x100. */
    uint64_t gpr[16] = { 0 }, flags = 0x2;
    gpr[0] = 0xff80;
    assert_true(insn_muldiv(INSN_IDIV, 1, 1, gpr, &flags));
    assert_int_equal(gpr[0], 0x0080);                   /* AL -128, AH 0 */
}

/* IMUL r, r/m (and with an immediate): the truncated product, CF and OF
 * when it lost significant bits, as the CPU's two-operand IMUL. */
static void test_imul_truncated_matches_the_cpu(void **state)
{
    (void)state;
    static const unsigned sizes[] = { 2, 4, 8 };
    for (unsigned i = 0; i < 100000; i++) {
        unsigned size = sizes[next() % 3];
        uint64_t a = value(size), b = value(size), in = 0x2 | (next() & ARITH);
        uint64_t flags = in, hw_flags = in, hw;
        uint64_t r = insn_imul_trunc(a, b, size, &flags);
        if (size == 2) {
            uint16_t x = (uint16_t)a, y = (uint16_t)b;
            __asm__ volatile(WITH_FLAGS("imulw (%[y]), %[x]") : [x] "+r"(x), [f] "+r"(hw_flags)
                             : [y] "r"(&y) : "cc", "memory");
            hw = x;
        } else if (size == 4) {
            uint32_t x = (uint32_t)a, y = (uint32_t)b;
            __asm__ volatile(WITH_FLAGS("imull (%[y]), %[x]") : [x] "+r"(x), [f] "+r"(hw_flags)
                             : [y] "r"(&y) : "cc", "memory");
            hw = x;
        } else {
            uint64_t x = a, y = b;
            __asm__ volatile(WITH_FLAGS("imulq (%[y]), %[x]") : [x] "+r"(x), [f] "+r"(hw_flags)
                             : [y] "r"(&y) : "cc", "memory");
            hw = x;
        }
        assert_int_equal(r, hw);
        assert_int_equal(flags & (CF | OF), hw_flags & (CF | OF));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shifts_match_the_cpu),
        cmocka_unit_test(test_multiply_and_divide_match_the_cpu),
        cmocka_unit_test(test_divide_errors),
        cmocka_unit_test(test_imul_truncated_matches_the_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
