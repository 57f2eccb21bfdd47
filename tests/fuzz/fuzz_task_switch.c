/*
 * libFuzzer target: a task switch (vmm/task_switch.c) through guest memory
 * the input fills: the GDT, both TSSs, an LDT and the stack are whatever the
 * bytes say. Beyond the sanitizers' checks it asserts the contract: memory
 * is touched only through the callbacks and only inside the guest's 64 KiB;
 * a fault before the commit leaves the registers as they were; a completed
 * switch leaves TR on the new TSS (32- or 16-bit), marked busy, CS and SS usable with SS's
 * DPL the new CPL (what VM entry needs), and a fault has a vector a task
 * switch can raise with a selector-shaped error code; a fault after the
 * commit leaves a state a VM entry accepts too (a virtual-8086 task's
 * segments real-mode style, CS and SS agreeing), since it is injected from it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vmm/task_switch.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define GUEST 0x10000u

static uint8_t mem[GUEST];

static bool rd(void *ctx, uint32_t gla, void *buf, uint32_t n)
{
    (void)ctx;
    if (gla >= GUEST || n > GUEST - gla)
        return false;
    memcpy(buf, mem + gla, n);
    return true;
}

static bool wr(void *ctx, uint32_t gla, const void *buf, uint32_t n)
{
    (void)ctx;
    if (gla >= GUEST || n > GUEST - gla)
        return false;
    if (buf)
        memcpy(mem + gla, buf, n);
    return true;
}

static void set_cr3(void *ctx, uint32_t cr3) { (void)ctx, (void)cr3; }

/* What VM entry checks of the segments that a task switch changes. */
static void check_enterable(const struct ts_cpu *c)
{
    if (c->eflags & (1u << 17)) {
        for (unsigned i = 0; i < 6; i++)
            CHECK(c->seg[i].base == (uint32_t)c->seg[i].sel << 4 && c->seg[i].limit == 0xffff &&
                  c->seg[i].ar == 0xf3);
        return;
    }
    CHECK(!(c->seg[1].ar & TS_AR_UNUSABLE) && !(c->seg[2].ar & TS_AR_UNUSABLE));
    CHECK(((c->seg[2].ar >> 5) & 3) == (c->seg[1].sel & 3u));
    CHECK((c->seg[2].sel & 3u) == (c->seg[1].sel & 3u));
    CHECK(c->seg[1].ar & 0x80);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    memset(mem, 0, sizeof mem);
    /* Header: selector, source, TR's selector, GDT limit, flags. */
    uint16_t sel = (uint16_t)(data[0] | data[1] << 8);
    enum ts_source src = (enum ts_source)(data[2] & 3);
    uint16_t tr = (uint16_t)(data[3] | data[4] << 8);
    uint32_t gdt_limit = data[5] * 8u + 7;
    bool push = data[6] & 1, paging = data[6] & 2, old16 = data[6] & 4;
    /* The rest is guest memory from 0: the GDT at 0x100, the new TSS where
     * its descriptor says; the old TSS is at 0x8000 whatever TR's
     * descriptor says (the CPU uses TR's cached base too). */
    size_t n = size - 8 < GUEST ? size - 8 : GUEST;
    memcpy(mem, data + 8, n);

    struct ts_cpu cpu;
    memset(&cpu, 0, sizeof cpu);
    for (unsigned i = 0; i < 8; i++)
        cpu.gpr[i] = 0x1000u * i;
    cpu.eip = 0x500;
    cpu.eflags = 0x2;
    cpu.cr0 = paging ? 0x80000011u : 0x11;
    cpu.seg[1] = (struct ts_seg){ 0x08, 0, 0xffffffff, 0xc09b };
    for (unsigned i = 0; i < 6; i++)
        if (i != 1)
            cpu.seg[i] = (struct ts_seg){ 0x10, 0, 0xffffffff, 0xc093 };
    cpu.ldtr = (struct ts_seg){ 0, 0, 0, TS_AR_UNUSABLE };
    /* The running task's TSS: 32-bit, or (flag 4) 16-bit. */
    cpu.tr = old16 ? (struct ts_seg){ tr, 0x8000, 0x2b, 0x83 }
                   : (struct ts_seg){ tr, 0x8000, 0x67, 0x8b };
    cpu.gdt_base = 0x100;
    cpu.gdt_limit = gdt_limit;
    struct ts_cpu before = cpu;

    struct ts_mem m = { rd, wr, set_cr3, NULL };
    struct ts_outcome out;
    enum ts_result r = task_switch(&cpu, &m, sel, src, 0x507, push, 0xabcd, &out);
    switch (r) {
    case TS_DONE:
        CHECK(cpu.tr.sel == sel);
        CHECK(((cpu.tr.ar & 0xf) == 0xb && cpu.tr.limit >= 0x67) ||
              ((cpu.tr.ar & 0xf) == 0x3 && cpu.tr.limit >= 0x2b));
        check_enterable(&cpu);
        if (!(cpu.eflags & (1u << 17))) {
            for (unsigned i = 0; i < 6; i++)
                CHECK((cpu.seg[i].ar & TS_AR_UNUSABLE) || (cpu.seg[i].ar & 1));
        }
        CHECK(cpu.cr0 & 8);
        CHECK(cpu.eflags & 2);
        break;
    case TS_FAULT:
        CHECK(out.vector == 10 || out.vector == 11 || out.vector == 12 || out.vector == 13);
        CHECK(out.has_error && !(out.error & 3));
        if (!out.committed)
            CHECK(memcmp(&cpu, &before, sizeof cpu) == 0);
        else
            check_enterable(&cpu);
        break;
    case TS_REFUSED:
        CHECK(out.why && out.why[0]);
        CHECK(memcmp(&cpu, &before, sizeof cpu) == 0);
        break;
    case TS_MEM_FAILED:
        break;
    default:
        CHECK(0);
    }
    return 0;
}
