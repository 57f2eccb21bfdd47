/* libFuzzer target for the MMIO instruction decoder and emulator. Input:
 * byte 0 picks the mode (16/32/64-bit), byte 1 seeds the registers and
 * segment bases, the rest are the instruction bytes, copied to a buffer of
 * exactly their size so ASan flags any read past them. Checked: the decoder
 * never claims more than 15 bytes or more than it was given; a decoded
 * instruction decodes the same from exactly its own bytes and is truncated
 * one byte shorter; its fields are in range; the emulator performs it with
 * accesses of the decoded size at the decoded addresses and touches no
 * register but its own operands (a divide error: none). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vmm/insn_emulate.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool same(const struct insn *a, const struct insn *b)
{
    return a->err == b->err && a->len == b->len && a->op == b->op && a->opcode == b->opcode &&
           a->twobyte == b->twobyte && a->size == b->size && a->reg_size == b->reg_size &&
           a->addr_size == b->addr_size && a->ext == b->ext && a->mem_read == b->mem_read &&
           a->mem_write == b->mem_write && a->reg == b->reg && a->high8 == b->high8 &&
           a->mem_is_dest == b->mem_is_dest && a->has_imm == b->has_imm && a->imm == b->imm &&
           a->seg == b->seg && a->seg_override == b->seg_override && a->lock == b->lock &&
           a->rep == b->rep && a->repne == b->repne && a->rex == b->rex && a->ea == b->ea &&
           a->gla == b->gla && a->ea2 == b->ea2 && a->gla2 == b->gla2;
}

/* The device: every access must be of the decoded size at a decoded address. */
static const struct insn *cur;
static unsigned accesses;

static bool size_ok(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

static bool f_read(void *ctx, uint64_t gla, unsigned size, uint64_t *val)
{
    (void)ctx;
    check(size == cur->size && size_ok(size));
    check(gla == cur->gla);
    check(cur->mem_read);
    accesses++;
    *val = 0x8badf00ddeadbeefULL ^ gla;
    return true;
}

static bool f_write(void *ctx, uint64_t gla, unsigned size, uint64_t val)
{
    (void)ctx;
    check(size == cur->size && size_ok(size));
    check(gla == (cur->op == INSN_MOVS ? cur->gla2 : cur->gla));
    check(size == 8 || val >> (8 * size) == 0);
    check(cur->mem_write);
    accesses++;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const enum insn_mode modes[3] = { INSN_MODE_16, INSN_MODE_32, INSN_MODE_64 };
    enum insn_mode mode = modes[data[0] % 3];
    uint64_t gpr[16], seed = data[1] * 0x9e3779b97f4a7c15ULL + 1;
    struct insn_cpu cpu = { .mode = mode, .gpr = gpr };
    for (unsigned i = 0; i < 16; i++) {
        seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
        gpr[i] = (data[1] & 0x80) ? seed : seed & 0xffff;
    }
    for (unsigned i = 0; i < 6; i++)
        cpu.seg_base[i] = (gpr[i] << 4) & 0xffffffffULL;
    cpu.rip = gpr[15] ^ gpr[14];

    size_t n = size - 2;
    uint8_t *bytes = malloc(n ? n : 1);
    if (!bytes)
        return 0;
    memcpy(bytes, data + 2, n);

    struct insn d, again;
    enum insn_err e = insn_decode(bytes, n, &cpu, &d);
    check(e == d.err);
    check(d.len <= INSN_MAX_LEN && d.len <= n);
    char msg[128];
    insn_describe(&d, msg, sizeof msg);
    check(memchr(msg, '\0', sizeof msg) != NULL);
    if (e != INSN_OK) {
        free(bytes);
        return 0;
    }
    check(d.len > 0);
    check(size_ok(d.size) && size_ok(d.reg_size) && d.reg_size >= d.size);
    check(d.addr_size == 2 || d.addr_size == 4 || d.addr_size == 8);
    check(d.reg >= -1 && d.reg <= 15);
    check(!d.high8 || (d.reg >= 0 && d.reg < 4 && d.rex == 0));
    check(d.mem_read || d.mem_write);
    check(d.seg <= SEG_GS);
    check(d.addr_size == 8 || d.ea >> (8 * d.addr_size) == 0);
    check(mode == INSN_MODE_64 || d.gla >> 32 == 0);
    check(mode == INSN_MODE_64 || d.rex == 0);

    /* Exactly its own bytes decode the same; one fewer is truncated. */
    uint8_t *exact = malloc(d.len);
    if (exact) {
        memcpy(exact, bytes, d.len);
        check(insn_decode(exact, d.len, &cpu, &again) == INSN_OK);
        check(same(&d, &again));
        check(insn_decode(exact, d.len - 1u, &cpu, &again) == INSN_ERR_TRUNCATED);
        free(exact);
    }

    /* Performed: only the instruction's own registers may change. */
    uint64_t regs[16], rflags = 0x2 | (data[1] & 1 ? INSN_FLAG_DF | INSN_FLAG_CF : 0);
    memcpy(regs, gpr, sizeof regs);
    struct insn_mmio_ops ops = { f_read, f_write, NULL };
    cur = &d;
    accesses = 0;
    enum insn_emul r = insn_emulate_mmio(&d, regs, &rflags, &ops);
    bool divides = d.op == INSN_DIV || d.op == INSN_IDIV;
    check(r == INSN_EMUL_DONE || r == INSN_EMUL_AGAIN || (divides && r == INSN_EMUL_DIVIDE_ERROR));
    check(r != INSN_EMUL_AGAIN || d.rep || d.repne);
    check(accesses <= 2);
    check((rflags & ~(uint64_t)INSN_FLAGS_ARITH) == (0x2 | (data[1] & 1 ? INSN_FLAG_DF : 0)));
    for (int i = 0; i < 16; i++) {
        bool operand = i == d.reg ||
                       ((d.op == INSN_STOS || d.op == INSN_MOVS) && (i == 1 || i == 6 || i == 7)) ||
                       (d.op == INSN_CMPXCHG && i == 0) ||
                       (d.op >= INSN_MUL && d.op <= INSN_IDIV && (i == 0 || i == 2));
        check(operand || regs[i] == gpr[i]);
    }
    free(bytes);
    return 0;
}
