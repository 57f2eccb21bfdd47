/* vmm/insn_decode.c: every form, prefix and addressing mode the MMIO
 * decoder knows, in 64-, 32- and 16-bit modes. Every byte sequence here was
 * assembled with NASM 2.16 on this machine (`nasm -f bin -l x.lst`, source
 * line in the comment beside it) and pasted from the listing. The few that
 * NASM will not emit (a REX before a legacy prefix, C7 /1, LOCK or REP on a
 * MOV, a 16-byte prefix run) are NASM's bytes with the prefix put in by
 * hand (`db 0xf0` before the line, or the byte inserted), as their comments
 * say. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/insn_decode.h"

#define RIP0    0x400000ULL
#define FS_BASE 0x7f0000000000ULL
#define GS_BASE 0xffff880000000000ULL

/* Register N holds (N + 1) * 0x1000: RAX 0x1000, RCX 0x2000, RDX 0x3000,
 * RBX 0x4000, RSP 0x5000, RBP 0x6000, RSI 0x7000, RDI 0x8000, R8 0x9000 ...
 * R15 0x10000, so each address names the registers that formed it. */
static uint64_t gpr[16];

static struct insn_cpu cpu_for(enum insn_mode mode)
{
    struct insn_cpu c = { .mode = mode, .rip = RIP0, .gpr = gpr };
    /* Bases that 64-bit mode must ignore for ES/CS/SS/DS. */
    c.seg_base[SEG_ES] = 0x20000;
    c.seg_base[SEG_CS] = 0x40000;
    c.seg_base[SEG_SS] = 0x30000;
    c.seg_base[SEG_DS] = 0x10000;
    c.seg_base[SEG_FS] = mode == INSN_MODE_64 ? FS_BASE : 0x50000;
    c.seg_base[SEG_GS] = mode == INSN_MODE_64 ? GS_BASE : 0x60000;
    return c;
}

static int setup(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 16; i++)
        gpr[i] = (i + 1) * 0x1000ULL;
    return 0;
}

static struct insn decode_in(enum insn_mode mode, const uint8_t *b, size_t n)
{
    struct insn_cpu c = cpu_for(mode);
    struct insn d;
    memset(&d, 0xa5, sizeof d); /* the decoder must set every field */
    insn_decode(b, n, &c, &d);
    return d;
}

#define BYTES(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })
#define D64(...) decode_in(INSN_MODE_64, BYTES(__VA_ARGS__))
#define D32(...) decode_in(INSN_MODE_32, BYTES(__VA_ARGS__))
#define D16(...) decode_in(INSN_MODE_16, BYTES(__VA_ARGS__))

/* The fields most cases check, in one place. */
static void expect(const struct insn *d, unsigned len, unsigned op, unsigned size, int reg,
                   bool write, uint64_t ea)
{
    assert_int_equal(d->err, INSN_OK);
    assert_int_equal(d->len, len);
    assert_int_equal(d->op, op);
    assert_int_equal(d->size, size);
    assert_int_equal(d->reg, reg);
    assert_int_equal(d->mem_write, write);
    assert_int_equal(d->ea, ea);
}

static void test_mov_reg_forms_64(void **state)
{
    (void)state;
    struct insn d = D64(0x88, 0x18);                     /* mov [rax], bl */
    expect(&d, 2, INSN_MOV, 1, 3, true, 0x1000);
    assert_false(d.high8);
    assert_false(d.mem_read);
    assert_int_equal(d.gla, 0x1000);                     /* DS base ignored */
    d = D64(0x89, 0x4b, 0x08);                           /* mov [rbx+8], ecx */
    expect(&d, 3, INSN_MOV, 4, 1, true, 0x4008);
    d = D64(0x48, 0x8b, 0x94, 0xbe, 0x78, 0x56, 0x34, 0x12); /* mov rdx, [rsi+rdi*4+0x12345678] */
    expect(&d, 8, INSN_MOV, 8, 2, false, 0x7000 + 0x8000 * 4 + 0x12345678);
    assert_true(d.mem_read);
    assert_int_equal(d.rex, 0x48);
    d = D64(0x45, 0x8a, 0x0a);                           /* mov r9b, [r10] */
    expect(&d, 3, INSN_MOV, 1, 9, false, 0xb000);
    assert_false(d.high8);
    d = D64(0x66, 0x45, 0x8b, 0x65, 0x00);               /* mov r12w, [r13+0] */
    expect(&d, 5, INSN_MOV, 2, 12, false, 0xe000);
    d = D64(0x41, 0x8b, 0x04, 0x24);                     /* mov eax, [r12] (SIB, REX.B) */
    expect(&d, 4, INSN_MOV, 4, 0, false, 0xd000);
    assert_int_equal(d.seg, SEG_DS);                     /* R12 is not RSP: no SS default */
    d = D64(0x89, 0x45, 0xf8);                           /* mov [rbp-8], eax */
    expect(&d, 3, INSN_MOV, 4, 0, true, 0x5ff8);
    assert_int_equal(d.seg, SEG_SS);
    d = D64(0x43, 0x8b, 0x44, 0x35, 0x00);               /* mov eax, [r13+r14*1] */
    expect(&d, 5, INSN_MOV, 4, 0, false, 0xe000 + 0xf000);
}

static void test_byte_registers(void **state)
{
    (void)state;
    struct insn d = D64(0x8a, 0x21);                     /* mov ah, [rcx] */
    expect(&d, 2, INSN_MOV, 1, 0, false, 0x2000);
    assert_true(d.high8);
    d = D64(0x40, 0x8a, 0x31);                           /* mov sil, [rcx]: REX turns AH.. into SPL.. */
    expect(&d, 3, INSN_MOV, 1, 6, false, 0x2000);
    assert_false(d.high8);
    d = D64(0x08, 0x33);                                 /* or [rbx], dh */
    expect(&d, 2, INSN_OR, 1, 2, true, 0x4000);
    assert_true(d.high8);
    d = D16(0x88, 0x66, 0x00);                           /* mov [bp], ah (16-bit) */
    expect(&d, 3, INSN_MOV, 1, 0, true, 0x6000);
    assert_true(d.high8);
    assert_int_equal(d.seg, SEG_SS);
}

static void test_rip_relative(void **state)
{
    (void)state;
    struct insn d = D64(0x8b, 0x05, 0xfa, 0x0f, 0x00, 0x00); /* mov eax, [rel $+0x1000] */
    expect(&d, 6, INSN_MOV, 4, 0, false, RIP0 + 0x1000);
    /* mov dword [rel $+0x100], 0x12345678: the displacement counts from the
     * end of the whole instruction, immediate included. */
    d = D64(0xc7, 0x05, 0xf6, 0x00, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12);
    expect(&d, 10, INSN_MOV, 4, -1, true, RIP0 + 0x100);
    assert_true(d.has_imm);
    assert_int_equal(d.imm, 0x12345678);
    /* The same bytes outside 64-bit mode are an absolute disp32. */
    d = D32(0x8b, 0x05, 0xfa, 0x0f, 0x00, 0x00);
    expect(&d, 6, INSN_MOV, 4, 0, false, 0xffa);
    assert_int_equal(d.gla, 0x10000 + 0xffa);
}

static void test_mov_immediate(void **state)
{
    (void)state;
    struct insn d = D64(0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff); /* mov qword [rax], -2 */
    expect(&d, 7, INSN_MOV, 8, -1, true, 0x1000);
    assert_int_equal(d.imm, -2);
    d = D64(0x41, 0xc6, 0x45, 0x00, 0x7f);               /* mov byte [r13], 0x7f */
    expect(&d, 5, INSN_MOV, 1, -1, true, 0xe000);
    assert_int_equal(d.imm, 0x7f);
    d = D64(0x66, 0xc7, 0x44, 0x24, 0x04, 0xef, 0xbe);   /* mov word [rsp+4], 0xbeef */
    expect(&d, 7, INSN_MOV, 2, -1, true, 0x5004);
    assert_int_equal(d.imm, (int16_t)0xbeef);
    assert_int_equal(d.seg, SEG_SS);
    assert_false(d.mem_read);
}

static void test_movzx_movsx(void **state)
{
    (void)state;
    struct insn d = D64(0x0f, 0xb6, 0x02);               /* movzx eax, byte [rdx] */
    expect(&d, 3, INSN_MOV, 1, 0, false, 0x3000);
    assert_int_equal(d.reg_size, 4);
    assert_int_equal(d.ext, INSN_EXT_ZERO);
    assert_true(d.twobyte);
    d = D64(0x4c, 0x0f, 0xb7, 0x1b);                     /* movzx r11, word [rbx] */
    expect(&d, 4, INSN_MOV, 2, 11, false, 0x4000);
    assert_int_equal(d.reg_size, 8);
    d = D64(0x48, 0x0f, 0xbe, 0x0f);                     /* movsx rcx, byte [rdi] */
    expect(&d, 4, INSN_MOV, 1, 1, false, 0x8000);
    assert_int_equal(d.ext, INSN_EXT_SIGN);
    assert_int_equal(d.reg_size, 8);
    d = D64(0x43, 0x0f, 0xbf, 0x54, 0xe0, 0xf0);         /* movsx edx, word [r8+r12*8-0x10] */
    expect(&d, 6, INSN_MOV, 2, 2, false, 0x9000 + 0xd000 * 8 - 0x10);
    assert_int_equal(d.reg_size, 4);
    d = D64(0x48, 0x63, 0x03);                           /* movsxd rax, dword [rbx] */
    expect(&d, 3, INSN_MOV, 4, 0, false, 0x4000);
    assert_int_equal(d.ext, INSN_EXT_SIGN);
    assert_int_equal(d.reg_size, 8);
    d = D32(0x0f, 0xb6, 0x0e);                           /* movzx ecx, byte [esi] (32-bit) */
    expect(&d, 3, INSN_MOV, 1, 1, false, 0x7000);
    d = D64(0x66, 0x0f, 0xb6, 0x03);                     /* movzx ax, byte [rbx] */
    expect(&d, 4, INSN_MOV, 1, 0, false, 0x4000);
    assert_int_equal(d.reg_size, 2);
}

static void test_moffs(void **state)
{
    (void)state;
    /* 64-bit: an 8-byte offset. */
    struct insn d = D64(0xa0, 0x20, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00); /* mov al, [qword 0xfee00020] */
    expect(&d, 9, INSN_MOV, 1, 0, false, 0xfee00020);
    d = D64(0x48, 0xa1, 0x20, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00); /* mov rax, [qword ...] */
    expect(&d, 10, INSN_MOV, 8, 0, false, 0xfee00020);
    d = D64(0xa3, 0x00, 0x00, 0xc0, 0xfe, 0x00, 0x00, 0x00, 0x00); /* mov [qword 0xfec00000], eax */
    expect(&d, 9, INSN_MOV, 4, 0, true, 0xfec00000);
    /* 32-bit: 4 bytes; 16-bit: 2 bytes. */
    d = D32(0xa1, 0xb0, 0x00, 0xe0, 0xfe);               /* mov eax, [0xfee000b0] */
    expect(&d, 5, INSN_MOV, 4, 0, false, 0xfee000b0);
    assert_int_equal(d.gla, (0x10000 + 0xfee000b0ULL) & 0xffffffff);
    d = D32(0xa0, 0x10, 0x00, 0xc0, 0xfe);               /* mov al, [0xfec00010] */
    expect(&d, 5, INSN_MOV, 1, 0, false, 0xfec00010);
    d = D32(0xa3, 0x00, 0x00, 0xc0, 0xfe);               /* mov [0xfec00000], eax */
    expect(&d, 5, INSN_MOV, 4, 0, true, 0xfec00000);
    d = D16(0xa0, 0x70, 0x00);                           /* mov al, [0x0070] */
    expect(&d, 3, INSN_MOV, 1, 0, false, 0x70);
    assert_int_equal(d.gla, 0x10070);
}

static void test_prefixes_64(void **state)
{
    (void)state;
    gpr[0] = 0xabcd00001000ULL;
    struct insn d = D64(0x67, 0x8b, 0x04, 0x58);         /* a32 mov eax, [eax+ebx*2] */
    expect(&d, 4, INSN_MOV, 4, 0, false, 0x1000 + 0x4000 * 2);
    assert_int_equal(d.addr_size, 4);                    /* upper half of RAX dropped */
    d = D64(0x64, 0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00); /* fs mov eax, [0x10] */
    expect(&d, 8, INSN_MOV, 4, 0, false, 0x10);
    assert_int_equal(d.seg, SEG_FS);
    assert_int_equal(d.gla, FS_BASE + 0x10);
    d = D64(0x65, 0x48, 0x8b, 0x03);                     /* gs mov rax, [rbx] */
    assert_int_equal(d.gla, GS_BASE + 0x4000);
    assert_int_equal(d.len, 4);
    /* A REX followed by a legacy prefix is void: 48 66 8b 03 (o16 mov ax,
     * [rbx] with 48 put in front of it by hand) is a 16-bit load. */
    d = D64(0x48, 0x66, 0x8b, 0x03);
    expect(&d, 4, INSN_MOV, 2, 0, false, 0x4000);
    assert_int_equal(d.rex, 0);
    /* REX.W beats 66. */
    d = D64(0x66, 0x48, 0x8b, 0x03);
    expect(&d, 4, INSN_MOV, 8, 0, false, 0x4000);
    /* A DS override in 64-bit mode counts as a byte but has no base. */
    d = D64(0x3e, 0x8b, 0x03);
    expect(&d, 3, INSN_MOV, 4, 0, false, 0x4000);
    assert_int_equal(d.gla, 0x4000);
    /* REP (and XRELEASE-style F3) on a MOV is accepted and recorded. */
    d = D64(0xf3, 0x89, 0x03);
    expect(&d, 3, INSN_MOV, 4, 0, true, 0x4000);
    assert_true(d.rep);
}

static void test_alu_forms(void **state)
{
    (void)state;
    struct insn d = D64(0xf0, 0x83, 0x08, 0x04);         /* lock or dword [rax], 4 */
    expect(&d, 4, INSN_OR, 4, -1, true, 0x1000);
    assert_true(d.lock);
    assert_true(d.mem_read);
    assert_int_equal(d.imm, 4);
    d = D64(0x23, 0x0b);                                 /* and ecx, [rbx] */
    expect(&d, 2, INSN_AND, 4, 1, false, 0x4000);
    assert_false(d.mem_is_dest);
    assert_true(d.mem_read);
    d = D64(0x44, 0x31, 0x01);                           /* xor [rcx], r8d */
    expect(&d, 3, INSN_XOR, 4, 8, true, 0x2000);
    d = D64(0x48, 0x83, 0x2a, 0x01);                     /* sub qword [rdx], 1 */
    expect(&d, 4, INSN_SUB, 8, -1, true, 0x3000);
    d = D64(0x80, 0x38, 0x55);                           /* cmp byte [rax], 0x55 */
    expect(&d, 3, INSN_CMP, 1, -1, false, 0x1000);
    assert_true(d.mem_read);
    d = D64(0x3b, 0x04, 0x0b);                           /* cmp eax, [rbx+rcx] */
    expect(&d, 3, INSN_CMP, 4, 0, false, 0x6000);
    d = D64(0x81, 0x03, 0x00, 0x10, 0x00, 0x00);         /* add dword [rbx], 0x1000 */
    expect(&d, 6, INSN_ADD, 4, -1, true, 0x4000);
    assert_int_equal(d.imm, 0x1000);
    d = D64(0x10, 0x00);                                 /* adc [rax], al */
    expect(&d, 2, INSN_ADC, 1, 0, true, 0x1000);
    d = D64(0x1b, 0x18);                                 /* sbb ebx, [rax] */
    expect(&d, 2, INSN_SBB, 4, 3, false, 0x1000);
    d = D64(0xf6, 0x00, 0x80);                           /* test byte [rax], 0x80 */
    expect(&d, 3, INSN_TEST, 1, -1, false, 0x1000);
    assert_int_equal(d.imm, -128);
    d = D64(0xf7, 0x00, 0x78, 0x56, 0x34, 0x12);         /* test dword [rax], 0x12345678 */
    expect(&d, 6, INSN_TEST, 4, -1, false, 0x1000);
    d = D64(0x85, 0x11);                                 /* test [rcx], edx */
    expect(&d, 2, INSN_TEST, 4, 2, false, 0x2000);
    d = D64(0x4c, 0x87, 0x38);                           /* xchg [rax], r15 */
    expect(&d, 3, INSN_XCHG, 8, 15, true, 0x1000);
    assert_true(d.mem_read);
}

static void test_bt(void **state)
{
    (void)state;
    struct insn d = D64(0x0f, 0xba, 0x23, 0x05);         /* bt dword [rbx], 5 */
    expect(&d, 4, INSN_BT, 4, -1, false, 0x4000);
    assert_int_equal(d.imm, 5);
    /* bt [rbx], rcx with RCX = 0x2000: bit 8192 is bit 0 of the qword at +1024. */
    d = D64(0x48, 0x0f, 0xa3, 0x0b);
    expect(&d, 4, INSN_BT, 8, 1, false, 0x4000 + 1024);
    assert_int_equal(d.imm, 0);
    /* A negative offset reaches below: -1 is bit 63 of the qword at -8. */
    gpr[1] = (uint64_t)-1;
    d = D64(0x48, 0x0f, 0xa3, 0x0b);
    expect(&d, 4, INSN_BT, 8, 1, false, 0x4000 - 8);
    assert_int_equal(d.imm, 63);
}

/* The read-modify-write forms (NASM listings): what is read and written,
 * the register operand, LOCK where the SDM allows it. */
static void test_rmw_forms(void **state)
{
    (void)state;
    struct insn d = D64(0xff, 0x03);                     /* inc dword [rbx] */
    expect(&d, 2, INSN_INC, 4, -1, true, 0x4000);
    assert_true(d.mem_read);
    d = D64(0xfe, 0x0b);                                 /* dec byte [rbx] */
    expect(&d, 2, INSN_DEC, 1, -1, true, 0x4000);
    d = D64(0xf0, 0x48, 0xff, 0x40, 0x08);               /* lock inc qword [rax+8] */
    expect(&d, 5, INSN_INC, 8, -1, true, 0x1008);
    assert_true(d.lock);
    d = D64(0x66, 0xf7, 0x13);                           /* not word [rbx] */
    expect(&d, 3, INSN_NOT, 2, -1, true, 0x4000);
    d = D64(0xf7, 0x1b);                                 /* neg dword [rbx] */
    expect(&d, 2, INSN_NEG, 4, -1, true, 0x4000);
    d = D64(0x0f, 0xab, 0x03);                           /* bts dword [rbx], eax */
    expect(&d, 3, INSN_BTS, 4, 0, true, 0x4000 + 0x1000 / 8);  /* bit 4096: 512 bytes on */
    assert_int_equal(d.imm, 0);
    d = D64(0x48, 0x0f, 0xba, 0x33, 0x05);               /* btr qword [rbx], 5 */
    expect(&d, 5, INSN_BTR, 8, -1, true, 0x4000);
    assert_int_equal(d.imm, 5);
    d = D64(0x0f, 0xbb, 0x0b);                           /* btc dword [rbx], ecx */
    expect(&d, 3, INSN_BTC, 4, 1, true, 0x4000 + 0x2000 / 8);
    d = D64(0xf0, 0x0f, 0xba, 0x2b, 0x1f);               /* lock bts dword [rbx], 31 */
    expect(&d, 5, INSN_BTS, 4, -1, true, 0x4000);
    assert_int_equal(d.imm, 31);
    d = D64(0x0f, 0x9c, 0x03);                           /* setl byte [rbx] */
    expect(&d, 3, INSN_SETCC, 1, -1, true, 0x4000);
    assert_false(d.mem_read);
    assert_int_equal(d.opcode & 15, 0xc);
    d = D64(0x0f, 0xb1, 0x0b);                           /* cmpxchg dword [rbx], ecx */
    expect(&d, 3, INSN_CMPXCHG, 4, 1, true, 0x4000);
    d = D64(0xf0, 0x0f, 0xb0, 0x23);                     /* lock cmpxchg byte [rbx], ah */
    expect(&d, 4, INSN_CMPXCHG, 1, 0, true, 0x4000);
    assert_true(d.high8);
    d = D64(0x4c, 0x0f, 0xc1, 0x0b);                     /* xadd qword [rbx], r9 */
    expect(&d, 4, INSN_XADD, 8, 9, true, 0x4000);
    d = D64(0xff, 0x05, 0xfa, 0x00, 0x00, 0x00);         /* inc dword [rel $+0x100] */
    expect(&d, 6, INSN_INC, 4, -1, true, RIP0 + 0x100);
    d = D32(0x66, 0xff, 0x0b);                           /* dec word [ebx] */
    expect(&d, 3, INSN_DEC, 2, -1, true, 0x4000);
    d = D32(0x66, 0x0f, 0xba, 0x23, 0x03);               /* bt word [ebx], 3 */
    expect(&d, 5, INSN_BT, 2, -1, false, 0x4000);
}

/* Shifts and rotates write the operand back; MUL, IMUL, DIV and IDIV only
 * read it (rAX, and rDX, are their register operands: reg 0); IMUL's two-
 * and three-operand forms load a register. */
static void test_shift_and_multiply_forms(void **state)
{
    (void)state;
    struct insn d = D64(0xd1, 0x23);                     /* shl dword [rbx], 1 */
    expect(&d, 2, INSN_SHL, 4, -1, true, 0x4000);
    assert_true(d.mem_read && d.has_imm);
    assert_int_equal(d.imm, 1);
    d = D64(0xc1, 0x2b, 0x05);                           /* shr dword [rbx], 5 */
    expect(&d, 3, INSN_SHR, 4, -1, true, 0x4000);
    assert_int_equal(d.imm, 5);
    d = D64(0x48, 0xd3, 0x3b);                           /* sar qword [rbx], cl */
    expect(&d, 3, INSN_SAR, 8, 1, true, 0x4000);
    assert_false(d.has_imm || d.high8);
    d = D64(0xd0, 0x03);                                 /* rol byte [rbx], 1 */
    expect(&d, 2, INSN_ROL, 1, -1, true, 0x4000);
    d = D64(0x66, 0xc1, 0x13, 0x03);                     /* rcl word [rbx], 3 */
    expect(&d, 4, INSN_RCL, 2, -1, true, 0x4000);
    d = D64(0xd3, 0x1b);                                 /* rcr dword [rbx], cl */
    expect(&d, 2, INSN_RCR, 4, 1, true, 0x4000);
    d = D64(0x49, 0xc1, 0x4b, 0x08, 0x3f);               /* ror qword [r11+8], 63 */
    expect(&d, 5, INSN_ROR, 8, -1, true, 0xc008);
    assert_int_equal(d.imm, 63);
    d = D64(0xc1, 0x33, 0x02);                           /* C1 /6 (by hand): SHL again */
    expect(&d, 3, INSN_SHL, 4, -1, true, 0x4000);
    d = D64(0xc1, 0x25, 0xf9, 0x00, 0x00, 0x00, 0x07);   /* shl dword [rel $+0x100], 7 */
    expect(&d, 7, INSN_SHL, 4, -1, true, RIP0 + 0x100);  /* from the end, imm8 included */
    d = D64(0xf7, 0x23);                                 /* mul dword [rbx] */
    expect(&d, 2, INSN_MUL, 4, 0, false, 0x4000);
    assert_true(d.mem_read);
    d = D64(0xf6, 0x3b);                                 /* idiv byte [rbx] */
    expect(&d, 2, INSN_IDIV, 1, 0, false, 0x4000);
    d = D64(0x48, 0xf7, 0x33);                           /* div qword [rbx] */
    expect(&d, 3, INSN_DIV, 8, 0, false, 0x4000);
    d = D64(0x66, 0xf7, 0x2b);                           /* imul word [rbx] */
    expect(&d, 3, INSN_IMUL, 2, 0, false, 0x4000);
    d = D64(0x0f, 0xaf, 0x03);                           /* imul eax, [rbx] */
    expect(&d, 3, INSN_IMUL2, 4, 0, false, 0x4000);
    assert_false(d.has_imm);
    d = D64(0x6b, 0x0b, 0xf0);                           /* imul ecx, [rbx], -16 */
    expect(&d, 3, INSN_IMUL2, 4, 1, false, 0x4000);
    assert_int_equal(d.imm, -16);
    d = D64(0x66, 0x69, 0x13, 0x34, 0x12);               /* imul dx, [rbx], 0x1234 */
    expect(&d, 5, INSN_IMUL2, 2, 2, false, 0x4000);
    assert_int_equal(d.imm, 0x1234);
    d = D64(0x48, 0x6b, 0x03, 0xff);                     /* imul rax, [rbx], -1 */
    expect(&d, 4, INSN_IMUL2, 8, 0, false, 0x4000);
    assert_int_equal(d.imm, -1);
    d = D64(0x69, 0x0d, 0xf6, 0x00, 0x00, 0x00, 0x44, 0x33, 0x22, 0x11);
    expect(&d, 10, INSN_IMUL2, 4, 1, false, RIP0 + 0x100); /* imul ecx, [rel $+0x100], 0x11223344 */
    assert_int_equal(d.imm, 0x11223344);
    d = D32(0xd3, 0x3b);                                 /* sar dword [ebx], cl */
    expect(&d, 2, INSN_SAR, 4, 1, true, 0x4000);
    d = D32(0xf7, 0x33);                                 /* div dword [ebx] */
    expect(&d, 2, INSN_DIV, 4, 0, false, 0x4000);
    d = D16(0xd1, 0x20);                                 /* shl word [bx+si], 1 */
    expect(&d, 2, INSN_SHL, 2, -1, true, 0xb000);
    d = D64(0xd1, 0xe0);                                 /* shl eax, 1: no memory */
    assert_int_equal(d.err, INSN_ERR_NO_MEMORY);
}

static void test_string_ops(void **state)
{
    (void)state;
    struct insn d = D64(0xf3, 0xab);                     /* rep stosd */
    expect(&d, 2, INSN_STOS, 4, 0, true, 0x8000);
    assert_true(d.rep);
    assert_int_equal(d.seg, SEG_ES);
    d = D64(0xf3, 0xaa);                                 /* rep stosb */
    expect(&d, 2, INSN_STOS, 1, 0, true, 0x8000);
    d = D64(0xa4);                                       /* movsb */
    expect(&d, 1, INSN_MOVS, 1, -1, true, 0x7000);
    assert_int_equal(d.ea2, 0x8000);
    assert_true(d.mem_read);
    d = D64(0xf3, 0x48, 0xa5);                           /* rep movsq */
    expect(&d, 3, INSN_MOVS, 8, -1, true, 0x7000);
    d = D16(0xf3, 0xab);                                 /* rep stosw (16-bit): ES:DI */
    expect(&d, 2, INSN_STOS, 2, 0, true, 0x8000);
    assert_int_equal(d.gla, 0x20000 + 0x8000);
    d = D16(0xa4);                                       /* movsb (16-bit) */
    assert_int_equal(d.gla, 0x10000 + 0x7000);
    assert_int_equal(d.gla2, 0x20000 + 0x8000);
}

static void test_mode_32(void **state)
{
    (void)state;
    struct insn d = D32(0x88, 0x18);                     /* mov [eax], bl */
    expect(&d, 2, INSN_MOV, 1, 3, true, 0x1000);
    assert_int_equal(d.gla, 0x11000);
    d = D32(0x8b, 0x8c, 0xf3, 0x00, 0x01, 0x00, 0x00);   /* mov ecx, [ebx+esi*8+0x100] */
    expect(&d, 7, INSN_MOV, 4, 1, false, 0x4000 + 0x7000 * 8 + 0x100);
    d = D32(0x66, 0x89, 0x55, 0x04);                     /* mov [ebp+4], dx */
    expect(&d, 4, INSN_MOV, 2, 2, true, 0x6004);
    assert_int_equal(d.gla, 0x36004);                    /* SS by default for EBP */
    d = D32(0x66, 0x8b, 0x03);                           /* o16 mov ax, [ebx] */
    expect(&d, 3, INSN_MOV, 2, 0, false, 0x4000);
    d = D32(0x67, 0x8b, 0x40, 0x02);                     /* a16 mov eax, [bx+si+2] */
    expect(&d, 4, INSN_MOV, 4, 0, false, 0xb002);
    assert_int_equal(d.addr_size, 2);
    d = D32(0x26, 0x88, 0x07);                           /* es mov [edi], al */
    assert_int_equal(d.gla, 0x20000 + 0x8000);
    d = D32(0x36, 0x8b, 0x03);                           /* ss mov eax, [ebx] */
    assert_int_equal(d.gla, 0x30000 + 0x4000);
    d = D32(0xc7, 0x44, 0x24, 0x08, 0x01, 0x00, 0x00, 0x00); /* mov dword [esp+8], 1 */
    expect(&d, 8, INSN_MOV, 4, -1, true, 0x5008);
    assert_int_equal(d.gla, 0x35008);
    /* 82 is 80 (group 1, byte, imm8) again outside 64-bit mode; a CPU runs it. */
    d = D32(0x82, 0x3b, 0x55);                           /* cmp byte [ebx], 0x55 (82 /7) */
    expect(&d, 3, INSN_CMP, 1, -1, false, 0x4000);
    assert_true(d.has_imm);
    assert_int_equal(d.imm, 0x55);
    d = D32(0x82, 0x8b, 0xf0, 0x00, 0x00, 0x00, 0x80);   /* or byte [ebx+0xf0], 0x80 (82 /1) */
    expect(&d, 7, INSN_OR, 1, -1, true, 0x40f0);
    assert_int_equal(d.imm, -128);
    d = D64(0x82, 0x3b, 0x55);                           /* #UD in 64-bit mode */
    assert_int_equal(d.err, INSN_ERR_UNSUPPORTED);
    /* The linear address wraps at 4 GiB. */
    gpr[3] = 0xfffff000;
    d = D32(0x8b, 0x03);
    assert_int_equal(d.gla, (0x10000 + 0xfffff000ULL) & 0xffffffff);
}

static void test_mode_16(void **state)
{
    (void)state;
    struct insn d = D16(0x88, 0x00);                     /* mov [bx+si], al */
    expect(&d, 2, INSN_MOV, 1, 0, true, 0xb000);
    assert_int_equal(d.gla, 0x1b000);
    d = D16(0x8b, 0x43, 0x10);                           /* mov ax, [bp+di+0x10] */
    expect(&d, 3, INSN_MOV, 2, 0, false, 0xe010);
    assert_int_equal(d.seg, SEG_SS);
    d = D16(0x8b, 0x0e, 0x34, 0x12);                     /* mov cx, [0x1234] */
    expect(&d, 4, INSN_MOV, 2, 1, false, 0x1234);
    assert_int_equal(d.seg, SEG_DS);
    d = D16(0x8b, 0x97, 0x00, 0x20);                     /* mov dx, [bx+0x2000] */
    expect(&d, 4, INSN_MOV, 2, 2, false, 0x6000);
    d = D16(0x66, 0x8b, 0x04);                           /* mov eax, [si] */
    expect(&d, 3, INSN_MOV, 4, 0, false, 0x7000);
    d = D16(0x66, 0x67, 0x8b, 0x04, 0x8b);               /* a32 mov eax, [ebx+ecx*4] */
    expect(&d, 5, INSN_MOV, 4, 0, false, 0x4000 + 0x2000 * 4);
    d = D16(0x66, 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12);   /* mov dword [bx], 0x12345678 */
    expect(&d, 7, INSN_MOV, 4, -1, true, 0x4000);
    assert_int_equal(d.imm, 0x12345678);
    d = D16(0xc6, 0x45, 0xff, 0x12);                     /* mov byte [di-1], 0x12 */
    expect(&d, 4, INSN_MOV, 1, -1, true, 0x7fff);
    d = D16(0x64, 0x8b, 0x07);                           /* fs mov ax, [bx] */
    assert_int_equal(d.gla, 0x50000 + 0x4000);
    /* 16-bit offsets wrap at 64 KiB: BX 0xffff + SI 2 is offset 1. */
    gpr[3] = 0xffff;
    gpr[6] = 2;
    d = D16(0x88, 0x00);
    assert_int_equal(d.ea, 1);
}

static void test_errors_name_the_bytes(void **state)
{
    (void)state;
    char msg[96];
    struct insn d = D64(0x0f, 0x0b);                     /* ud2 */
    assert_int_equal(d.err, INSN_ERR_UNSUPPORTED);
    insn_describe(&d, msg, sizeof msg);
    assert_string_equal(msg, "unsupported instruction 0f 0b");
    d = D32(0x40, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90);  /* inc eax: not REX outside 64-bit */
    assert_int_equal(d.err, INSN_ERR_UNSUPPORTED);
    insn_describe(&d, msg, sizeof msg);
    assert_string_equal(msg, "unsupported instruction 40 90 90 ...");
    d = D64(0x89, 0xc0);                                 /* mov eax, eax */
    assert_int_equal(d.err, INSN_ERR_NO_MEMORY);
    d = D64(0xf0, 0x8b, 0x03);                           /* lock mov: #UD */
    assert_int_equal(d.err, INSN_ERR_BAD_LOCK);
    insn_describe(&d, msg, sizeof msg);
    assert_string_equal(msg, "LOCK prefix on an instruction that forbids it f0 8b 03");
    d = D64(0xf0, 0x80, 0x38, 0x55);                     /* lock cmp: #UD */
    assert_int_equal(d.err, INSN_ERR_BAD_LOCK);
    d = D64(0xc7, 0x08, 0x00, 0x00, 0x00, 0x00);         /* C7 /1 (by hand): not MOV */
    assert_int_equal(d.err, INSN_ERR_UNSUPPORTED);
    d = D32(0x63, 0x03);                                 /* ARPL in 32-bit mode */
    assert_int_equal(d.err, INSN_ERR_UNSUPPORTED);
    d = D64(0x0f, 0xba, 0x13, 0x05);                     /* 0F BA /2 (by hand): no such form */
    assert_int_equal(d.err, INSN_ERR_UNSUPPORTED);
    d = D64(0xff, 0x13);                                 /* call [rbx]: not a device access */
    assert_int_equal(d.err, INSN_ERR_UNSUPPORTED);
    d = D64(0xd9, 0x03);                                 /* fld dword [rbx]: x87 */
    assert_int_equal(d.err, INSN_ERR_UNSUPPORTED);
    d = D64(0x8e, 0x1b);                                 /* mov ds, [rbx] */
    assert_int_equal(d.err, INSN_ERR_UNSUPPORTED);
    d = D64(0xff, 0x33);                                 /* push qword [rbx] */
    assert_int_equal(d.err, INSN_ERR_UNSUPPORTED);
    d = D64(0xf7, 0x0b, 0, 0, 0, 0);                     /* F7 /1 (by hand) */
    assert_int_equal(d.err, INSN_ERR_UNSUPPORTED);
    d = D64(0xf0, 0xd1, 0x23);                           /* lock shl (by hand): #UD */
    assert_int_equal(d.err, INSN_ERR_BAD_LOCK);
    d = D64(0xf0, 0xf7, 0x23);                           /* lock mul (by hand): #UD */
    assert_int_equal(d.err, INSN_ERR_BAD_LOCK);
    d = D64(0xf0, 0x0f, 0x94, 0x03);                     /* lock sete (by hand): #UD */
    assert_int_equal(d.err, INSN_ERR_BAD_LOCK);
    d = D64(0xf0, 0x0f, 0xba, 0x23, 0x05);               /* lock bt (by hand): #UD */
    assert_int_equal(d.err, INSN_ERR_BAD_LOCK);
    assert_string_equal(insn_strerror(INSN_ERR_TRUNCATED), "truncated instruction");
    /* LOCK where it belongs is fine. */
    d = D64(0xf0, 0x87, 0x03);                           /* lock xchg [rbx], eax */
    expect(&d, 3, INSN_XCHG, 4, 0, true, 0x4000);
    assert_true(d.lock);
    d = D64(0xf0, 0x01, 0x03);                           /* lock add [rbx], eax */
    expect(&d, 3, INSN_ADD, 4, 0, true, 0x4000);
}

static void test_truncation_and_length_limit(void **state)
{
    (void)state;
    /* Every proper prefix of a valid instruction is truncated, never a read past it. */
    const uint8_t full[] = { 0x48, 0x8b, 0x94, 0xbe, 0x78, 0x56, 0x34, 0x12 };
    struct insn_cpu c = cpu_for(INSN_MODE_64);
    struct insn d;
    for (size_t n = 0; n < sizeof full; n++) {
        assert_int_equal(insn_decode(full, n, &c, &d), INSN_ERR_TRUNCATED);
        assert_true(d.len <= n);
    }
    assert_int_equal(insn_decode(full, sizeof full, &c, &d), INSN_OK);
    /* 15 bytes exactly is legal: 5 prefixes (by hand) + mov dword [0], 1. */
    d = D32(0x2e, 0x3e, 0x2e, 0x3e, 0x3e, 0xc7, 0x05, 0, 0, 0, 0, 1, 0, 0, 0);
    assert_int_equal(d.err, INSN_OK);
    assert_int_equal(d.len, 15);
    assert_int_equal(d.seg, SEG_DS);                     /* the last override wins */
    /* One more prefix makes 16: #GP on a CPU, an error here. */
    d = D32(0x2e, 0x2e, 0x3e, 0x2e, 0x3e, 0x3e, 0xc7, 0x05, 0, 0, 0, 0, 1, 0, 0, 0);
    assert_int_equal(d.err, INSN_ERR_TOO_LONG);
    assert_true(d.len <= INSN_MAX_LEN);
}

static void test_mode_of(void **state)
{
    (void)state;
    assert_int_equal(insn_mode_of(true, true, false), INSN_MODE_64);
    assert_int_equal(insn_mode_of(true, false, true), INSN_MODE_32);  /* compatibility mode */
    assert_int_equal(insn_mode_of(false, false, true), INSN_MODE_32);
    assert_int_equal(insn_mode_of(false, false, false), INSN_MODE_16);
    assert_int_equal(insn_mode_of(false, true, false), INSN_MODE_16); /* L ignored without LMA */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_mov_reg_forms_64, setup),
        cmocka_unit_test_setup(test_byte_registers, setup),
        cmocka_unit_test_setup(test_rip_relative, setup),
        cmocka_unit_test_setup(test_mov_immediate, setup),
        cmocka_unit_test_setup(test_movzx_movsx, setup),
        cmocka_unit_test_setup(test_moffs, setup),
        cmocka_unit_test_setup(test_prefixes_64, setup),
        cmocka_unit_test_setup(test_alu_forms, setup),
        cmocka_unit_test_setup(test_bt, setup),
        cmocka_unit_test_setup(test_rmw_forms, setup),
        cmocka_unit_test_setup(test_shift_and_multiply_forms, setup),
        cmocka_unit_test_setup(test_string_ops, setup),
        cmocka_unit_test_setup(test_mode_32, setup),
        cmocka_unit_test_setup(test_mode_16, setup),
        cmocka_unit_test_setup(test_errors_name_the_bytes, setup),
        cmocka_unit_test_setup(test_truncation_and_length_limit, setup),
        cmocka_unit_test(test_mode_of),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
