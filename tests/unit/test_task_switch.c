/* Hardware task switches (vmm/task_switch.c) on a flat fake memory: a GDT
 * with two 32-bit TSSs and a 16-bit one, code, data and stack segments, and
 * an LDT; each test
 * checks what SDM vol. 3 chapter 8 says the CPU leaves in memory and in the
 * registers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/task_switch.h"

#define MEM_SIZE 0x20000u
static uint8_t mem[MEM_SIZE];
static uint32_t fail_from;      /* accesses at or above it fail (0: none) */
static unsigned writes;
static uint32_t cr3_seen;

static bool in_range(uint32_t gla, uint32_t n)
{
    return gla + n <= MEM_SIZE && gla + n >= gla && !(fail_from && gla + n > fail_from);
}

static bool rd(void *ctx, uint32_t gla, void *buf, uint32_t n)
{
    (void)ctx;
    if (!in_range(gla, n))
        return false;
    memcpy(buf, mem + gla, n);
    return true;
}

static bool wr(void *ctx, uint32_t gla, const void *buf, uint32_t n)
{
    (void)ctx;
    if (!in_range(gla, n))
        return false;
    if (buf) {
        memcpy(mem + gla, buf, n);
        writes++;
    }
    return true;
}

static void set_cr3(void *ctx, uint32_t cr3)
{
    (void)ctx;
    cr3_seen = cr3;
}

static const struct ts_mem M = { rd, wr, set_cr3, NULL };

static uint32_t get32(uint32_t at) { uint32_t v; memcpy(&v, mem + at, 4); return v; }
static void put32(uint32_t at, uint32_t v) { memcpy(mem + at, &v, 4); }

/* The layout. */
#define GDT      0x1000u
#define TSS_A    0x2000u        /* the running task */
#define TSS_B    0x3000u
#define LDT      0x4000u
#define STACK_B  0x9000u
#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_A    0x18
#define SEL_B    0x20
#define SEL_LDT  0x28
#define SEL_CODE3 0x30          /* DPL 3 code */
#define SEL_DATA3 0x38          /* DPL 3 data */
#define SEL_T16  0x40           /* a 16-bit TSS */
#define SEL_NPDATA 0x48         /* data, not present */
#define LSEL_DATA 0x04          /* LDT entry 0 (TI set), data DPL 0 */

static void desc(uint32_t at, uint32_t base, uint32_t limit, uint32_t access, uint32_t flags)
{
    put32(at, (limit & 0xffff) | (base << 16));
    put32(at + 4, ((base >> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (flags << 20) |
                      (base & 0xff000000u));
}

static struct ts_cpu cpu;

static void tss(uint32_t at, uint32_t eip, uint32_t eflags, uint16_t cs, uint16_t ss,
                uint16_t ds, uint32_t esp, uint16_t ldt)
{
    memset(mem + at, 0, 0x68);
    put32(at + 0x1c, 0x7000);          /* CR3 */
    put32(at + 0x20, eip);
    put32(at + 0x24, eflags);
    for (unsigned i = 0; i < 8; i++)
        put32(at + 0x28 + 4 * i, 0x100 * (i + 1) + (at >> 12));
    put32(at + 0x38, esp);
    put32(at + 0x48, ds);
    put32(at + 0x4c, cs);
    put32(at + 0x50, ss);
    put32(at + 0x54, ds);
    put32(at + 0x58, 0);
    put32(at + 0x5c, ds);
    put32(at + 0x60, ldt);
}

static int setup(void **state)
{
    (void)state;
    memset(mem, 0, sizeof mem);
    fail_from = 0;
    writes = 0;
    cr3_seen = 0;
    desc(GDT + SEL_CODE, 0, 0xfffff, 0x9a, 0xc);       /* code, DPL 0, 4 GiB */
    desc(GDT + SEL_DATA, 0, 0xfffff, 0x92, 0xc);       /* data, DPL 0 */
    desc(GDT + SEL_A, TSS_A, 0x67, 0x8b, 0);           /* busy: the running task */
    desc(GDT + SEL_B, TSS_B, 0x67, 0x89, 0);           /* available */
    desc(GDT + SEL_LDT, LDT, 0xf, 0x82, 0);
    desc(GDT + SEL_CODE3, 0, 0xfffff, 0xfa, 0xc);
    desc(GDT + SEL_DATA3, 0, 0xfffff, 0xf2, 0xc);
    desc(GDT + SEL_T16, 0x5000, 0x2b, 0x81, 0);
    desc(GDT + SEL_NPDATA, 0, 0xfffff, 0x12, 0xc);
    desc(LDT, 0x100000, 0xffff, 0x92, 0x4);            /* LDT data at 1 MiB */
    tss(TSS_B, 0x4444, 0x202, SEL_CODE, SEL_DATA, SEL_DATA, STACK_B, 0);

    memset(&cpu, 0, sizeof cpu);
    for (unsigned i = 0; i < 8; i++)
        cpu.gpr[i] = 0xa0 + i;
    cpu.eip = 0x1234;
    cpu.eflags = 0x246;
    cpu.cr0 = 0x11;                   /* PE, ET: paging off */
    cpu.cr3 = 0x1111000;
    cpu.dr7 = 0x4ff;
    for (unsigned i = 0; i < 6; i++)
        cpu.seg[i] = (struct ts_seg){ SEL_DATA, 0, 0xffffffff, 0xc093 };
    cpu.seg[1] = (struct ts_seg){ SEL_CODE, 0, 0xffffffff, 0xc09b };
    cpu.ldtr = (struct ts_seg){ 0, 0, 0, TS_AR_UNUSABLE };
    cpu.tr = (struct ts_seg){ SEL_A, TSS_A, 0x67, 0x8b };
    cpu.gdt_base = GDT;
    cpu.gdt_limit = 0x4f;
    return 0;
}

static bool busy(uint16_t sel) { return get32(GDT + sel + 4) & (1u << 9); }

static enum ts_result go(uint16_t sel, enum ts_source src, struct ts_outcome *out)
{
    return task_switch(&cpu, &M, sel, src, cpu.eip + 7, false, 0, out);
}

static void test_call_then_iret(void **state)
{
    (void)state;
    struct ts_outcome out;
    assert_int_equal(go(SEL_B, TS_CALL, &out), TS_DONE);
    /* The old task saved: EIP after the CALL, EFLAGS, registers, selectors. */
    assert_int_equal(get32(TSS_A + 0x20), 0x1234 + 7);
    assert_int_equal(get32(TSS_A + 0x24), 0x246);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(get32(TSS_A + 0x28 + 4 * i), 0xa0 + i);
    assert_int_equal(get32(TSS_A + 0x4c) & 0xffff, SEL_CODE);
    /* Linked, both busy, NT set in the new task. */
    assert_int_equal(get32(TSS_B) & 0xffff, SEL_A);
    assert_true(busy(SEL_A) && busy(SEL_B));
    assert_int_equal(cpu.tr.sel, SEL_B);
    assert_int_equal(cpu.tr.base, TSS_B);
    assert_int_equal(cpu.tr.ar & 0xf, 0xb);
    assert_int_equal(cpu.eip, 0x4444);
    assert_int_equal(cpu.eflags, 0x202 | (1u << 14));
    assert_int_equal(cpu.gpr[4], STACK_B);
    assert_int_equal(cpu.gpr[0], 0x103);
    /* CR0.TS set, DR7's local enables cleared, CR3 kept with paging off. */
    assert_true(cpu.cr0 & 8);
    assert_int_equal(cpu.dr7, 0x4aa);
    assert_int_equal(cpu.cr3, 0x1111000);
    assert_false(out.cr3_loaded);
    /* Segments from the descriptors, accessed in memory and in the AR. */
    assert_int_equal(cpu.seg[1].sel, SEL_CODE);
    assert_int_equal(cpu.seg[1].limit, 0xffffffff);
    assert_int_equal(cpu.seg[1].ar, 0xc09b);
    assert_true(get32(GDT + SEL_CODE + 4) & (1u << 8));
    assert_int_equal(cpu.seg[2].ar, 0xc093);
    assert_int_equal(cpu.seg[4].ar, TS_AR_UNUSABLE); /* FS null */
    assert_int_equal(cpu.ldtr.ar, TS_AR_UNUSABLE);

    /* IRET from B: back to A, B no longer busy, NT clear in B's image. */
    cpu.gpr[0] = 0xbbbb;
    assert_int_equal(task_switch(&cpu, &M, SEL_A, TS_IRET, 0x4450, false, 0, &out), TS_DONE);
    assert_false(busy(SEL_B));
    assert_true(busy(SEL_A));
    assert_int_equal(get32(TSS_B + 0x24), 0x202);
    assert_int_equal(get32(TSS_B + 0x20), 0x4450);
    assert_int_equal(get32(TSS_B + 0x28), 0xbbbb);
    assert_int_equal(cpu.eip, 0x1234 + 7);
    assert_int_equal(cpu.eflags, 0x246);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(cpu.gpr[i], 0xa0 + i);
}

static void test_jmp_and_paging(void **state)
{
    (void)state;
    struct ts_outcome out;
    cpu.cr0 |= 1u << 31;
    assert_int_equal(go(SEL_B, TS_JMP, &out), TS_DONE);
    assert_false(busy(SEL_A));          /* JMP frees the old task */
    assert_true(busy(SEL_B));
    assert_int_equal(get32(TSS_B) & 0xffff, 0); /* no link */
    assert_false(cpu.eflags & (1u << 14));
    assert_true(out.cr3_loaded);
    assert_int_equal(cpu.cr3, 0x7000);
    assert_int_equal(cr3_seen, 0x7000);
    /* Back by JMP: A was freed, so it is available again. */
    assert_int_equal(go(SEL_A, TS_JMP, &out), TS_DONE);
    assert_int_equal(cpu.eip, 0x1234 + 7);
    assert_false(busy(SEL_B));
}

static void test_gate_pushes_error_code(void **state)
{
    (void)state;
    struct ts_outcome out;
    assert_int_equal(task_switch(&cpu, &M, SEL_B, TS_GATE, 0x1234, true, 0x1230, &out),
                     TS_DONE);
    assert_int_equal(cpu.gpr[4], STACK_B - 4);
    assert_int_equal(get32(STACK_B - 4), 0x1230);
    assert_int_equal(get32(TSS_A + 0x20), 0x1234); /* the faulting instruction */
    assert_true(cpu.eflags & (1u << 14));
    assert_int_equal(get32(TSS_B) & 0xffff, SEL_A);
    /* The T flag asks for #DB on entry. */
    setup(NULL);
    put32(TSS_B + 0x64, 1);
    assert_int_equal(go(SEL_B, TS_CALL, &out), TS_DONE);
    assert_true(out.debug_trap);
}

/* The 16-bit (80286) TSS, SDM figure 8-11 and 8.6: a 32-bit task calls
 * one (its state, a word each, the registers' upper halves kept and FS and
 * GS null, as QEMU loads them; no CR3 even with paging on),
 * the 16-bit task IRETs back (saved as words), and an exception through a
 * task gate pushes a word. */
static uint16_t get16(uint32_t at) { uint16_t v; memcpy(&v, mem + at, 2); return v; }
static void put16(uint32_t at, uint16_t v) { memcpy(mem + at, &v, 2); }

/* The reserved EFLAGS bits of a TSS image (3, 5, 15, 22-31) load as 0,
 * bit 1 as 1, as the CPU loads them: set, they would fail the VM entry. */
static void test_reserved_eflags_bits_not_loaded(void **state)
{
    (void)state;
    put32(TSS_B + 0x24, 0xffc0802au | 0x200 | 0x40000 | 0x1); /* reserved, IF, AC, CF */
    struct ts_outcome out;
    assert_int_equal(go(SEL_B, TS_JMP, &out), TS_DONE);
    assert_int_equal(cpu.eflags, 0x40203);
}

static void test_16bit_tss(void **state)
{
    (void)state;
    const uint32_t T16 = 0x5000;
    put16(T16 + 0x0e, 0x0100);                  /* IP */
    put16(T16 + 0x10, 0x0202);                  /* FLAGS */
    for (unsigned i = 0; i < 8; i++)
        put16(T16 + 0x12 + 2 * i, (uint16_t)(0x1110 + i));
    put16(T16 + 0x12 + 2 * 4, 0x8000);          /* SP */
    put16(T16 + 0x22, SEL_DATA);                /* ES */
    put16(T16 + 0x24, SEL_CODE);                /* CS */
    put16(T16 + 0x26, SEL_DATA);                /* SS */
    put16(T16 + 0x28, SEL_DATA);                /* DS */
    put16(T16 + 0x2a, 0);                       /* LDT */
    cpu.cr0 |= 1u << 31;                        /* paging on: CR3 stays */
    cpu.seg[5].sel = SEL_DATA3 | 3;             /* GS: loaded null */
    struct ts_outcome out;
    assert_int_equal(go(SEL_T16, TS_CALL, &out), TS_DONE);
    assert_int_equal(get32(TSS_A + 0x20), 0x1234 + 7);  /* A saved in its own format */
    assert_int_equal(get16(T16), SEL_A);                /* the link */
    assert_true(busy(SEL_A) && busy(SEL_T16));
    assert_int_equal(cpu.tr.ar & 0xf, 3);               /* a busy 16-bit TSS */
    assert_int_equal(cpu.eip, 0x100);
    assert_int_equal(cpu.eflags, 0x0202 | (1u << 14));
    assert_int_equal(cpu.gpr[0], 0x1110);        /* A's EAX was 0xa0 */
    assert_int_equal(cpu.gpr[7], 0x1117);
    assert_int_equal(cpu.gpr[4], 0x8000);
    assert_false(out.cr3_loaded);
    assert_int_equal(cpu.cr3, 0x1111000);
    assert_false(out.debug_trap);
    assert_int_equal(cpu.seg[5].sel, 0);
    assert_int_equal(cpu.seg[5].ar, TS_AR_UNUSABLE);
    assert_int_equal(cpu.seg[4].ar, TS_AR_UNUSABLE);
    assert_int_equal(cpu.seg[1].sel, SEL_CODE);
    assert_true(cpu.dr7 == 0x4aa && (cpu.cr0 & 8));

    /* IRET back: the 16-bit task's state saved as words, NT clear. */
    cpu.gpr[0] = 0x12345678;
    cpu.gpr[1] = 0xabcd0000;
    assert_int_equal(task_switch(&cpu, &M, SEL_A, TS_IRET, 0xabcd0123, false, 0, &out), TS_DONE);
    assert_int_equal(get16(T16 + 0x0e), 0x0123);
    assert_int_equal(get16(T16 + 0x10), 0x0202);
    assert_int_equal(get16(T16 + 0x12), 0x5678);
    assert_int_equal(get16(T16 + 0x24), SEL_CODE);
    assert_false(busy(SEL_T16));
    assert_int_equal(cpu.tr.sel, SEL_A);
    assert_int_equal(cpu.eip, 0x1234 + 7);
    assert_int_equal(cpu.gpr[0], 0xa0);

    /* The registers' upper halves stay what they were in the old task. */
    cpu.gpr[2] = 0x77770000;
    /* Through a task gate with an error code: a word on the new task's
     * 16-bit stack (SS.B clear: SP, ESP's upper half kept). */
    desc(GDT + 0x50, 0, 0xffff, 0x92, 0);
    cpu.gdt_limit = 0x57;
    put16(T16 + 0x26, 0x50);
    put16(T16 + 0x12 + 2 * 4, 0x8000);
    put32(0x7ffc, 0xeeeeeeee);
    assert_int_equal(task_switch(&cpu, &M, SEL_T16, TS_GATE, 0x1234, true, 0x0d58, &out),
                     TS_DONE);
    assert_int_equal(cpu.gpr[4], 0x7ffe);
    assert_int_equal(get32(0x7ffc), 0x0d58eeee);
    assert_int_equal(cpu.gpr[2], 0x77771112);
}

/* Refusals before the commit leave the old task and memory as they were. */
static void expect_early_fault(uint16_t sel, enum ts_source src, uint8_t vector, uint16_t err)
{
    struct ts_cpu before = cpu;
    uint8_t image[MEM_SIZE];
    memcpy(image, mem, sizeof image);
    struct ts_outcome out;
    assert_int_equal(go(sel, src, &out), TS_FAULT);
    assert_int_equal(out.vector, vector);
    assert_true(out.has_error);
    assert_int_equal(out.error, err);
    assert_memory_equal(&cpu, &before, sizeof cpu);
    assert_memory_equal(mem, image, sizeof image);
}

static void test_checks_before_the_commit(void **state)
{
    (void)state;
    expect_early_fault(SEL_A, TS_CALL, 13, SEL_A);      /* busy: #GP */
    expect_early_fault(SEL_B, TS_IRET, 10, SEL_B);      /* IRET to a free TSS: #TS */
    expect_early_fault(SEL_CODE, TS_JMP, 13, SEL_CODE); /* not a TSS */
    expect_early_fault(0x50, TS_JMP, 13, 0x50);         /* beyond the GDT */
    expect_early_fault(SEL_B | 4, TS_JMP, 13, SEL_B | 4);
    desc(GDT + SEL_B, TSS_B, 0x67, 0x09, 0);            /* not present */
    expect_early_fault(SEL_B, TS_CALL, 11, SEL_B);
    desc(GDT + SEL_B, TSS_B, 0x60, 0x89, 0);            /* too short */
    expect_early_fault(SEL_B, TS_CALL, 10, SEL_B);
    desc(GDT + SEL_T16, 0x5000, 0x2a, 0x81, 0);         /* a 16-bit TSS too short */
    expect_early_fault(SEL_T16, TS_CALL, 10, SEL_T16);
    /* TR holding no TSS (an LDT): not carried out, with the reason. */
    struct ts_outcome out;
    desc(GDT + SEL_B, TSS_B, 0x67, 0x89, 0);
    struct ts_cpu before = cpu;
    cpu.tr.ar = 0x82;
    assert_int_equal(go(SEL_B, TS_CALL, &out), TS_REFUSED);
    assert_non_null(out.why);
    cpu = before;
    /* Memory that fails before the commit: nothing written. */
    fail_from = TSS_B + 0x10;
    writes = 0;
    assert_int_equal(go(SEL_B, TS_CALL, &out), TS_MEM_FAILED);
    assert_int_equal(writes, 0);
    assert_int_equal(cpu.tr.sel, SEL_A);
}

/* Faults after the commit belong to the new task: TR is already B. */
static void expect_late_fault(uint8_t vector, uint16_t err)
{
    struct ts_outcome out;
    assert_int_equal(go(SEL_B, TS_CALL, &out), TS_FAULT);
    assert_int_equal(out.vector, vector);
    assert_int_equal(out.error, err);
    assert_int_equal(cpu.tr.sel, SEL_B);
    assert_true(busy(SEL_B));
    assert_int_equal(cpu.eip, 0x4444);
}

static void test_checks_after_the_commit(void **state)
{
    (void)state;
    put32(TSS_B + 0x4c, SEL_DATA);                      /* CS a data segment */
    expect_late_fault(10, SEL_DATA);
    setup(NULL);
    put32(TSS_B + 0x50, SEL_CODE);                      /* SS a code segment */
    expect_late_fault(10, SEL_CODE);
    setup(NULL);
    put32(TSS_B + 0x50, SEL_DATA3 | 3);                 /* SS at another privilege */
    expect_late_fault(10, SEL_DATA3);
    setup(NULL);
    put32(TSS_B + 0x50, 0);                             /* SS null */
    expect_late_fault(10, 0);
    setup(NULL);
    desc(GDT + SEL_NPDATA, 0, 0xfffff, 0x12, 0xc);
    put32(TSS_B + 0x50, SEL_NPDATA);                    /* SS not present: #SS */
    expect_late_fault(12, SEL_NPDATA);
    setup(NULL);
    put32(TSS_B + 0x54, SEL_NPDATA);                    /* DS not present: #NP */
    expect_late_fault(11, SEL_NPDATA);
    setup(NULL);
    put32(TSS_B + 0x60, SEL_DATA);                      /* LDT a data segment */
    expect_late_fault(10, SEL_DATA);
    setup(NULL);
    put32(TSS_B + 0x4c, SEL_CODE3 | 3);                 /* CPL 3 with a DPL 0 stack */
    expect_late_fault(10, SEL_DATA);
}

/* The state a fault after the commit is injected from passes the VM entry's
 * checks (SDM vol. 3, 28.3.1.2): a virtual-8086 task's segments are all
 * real-mode style; otherwise CS and SS agree in RPL and (CS non-conforming)
 * in DPL. */
static void assert_enterable(void)
{
    if (cpu.eflags & 0x20000) {
        for (unsigned i = 0; i < 6; i++) {
            assert_int_equal(cpu.seg[i].base, (uint32_t)cpu.seg[i].sel << 4);
            assert_int_equal(cpu.seg[i].limit, 0xffff);
            assert_int_equal(cpu.seg[i].ar, 0xf3);
        }
        return;
    }
    assert_int_equal(cpu.seg[1].sel & 3, cpu.seg[2].sel & 3);
    assert_int_equal((cpu.seg[1].ar >> 5) & 3, (cpu.seg[2].ar >> 5) & 3);
}

static void test_late_faults_leave_an_enterable_state(void **state)
{
    (void)state;
    struct ts_outcome out;
    /* A virtual-8086 task whose LDT selector is bad: #TS in the new task,
     * its segments already loaded (they cannot fault). */
    put32(TSS_B + 0x24, 0x20202);
    put32(TSS_B + 0x4c, 0x1000);
    put32(TSS_B + 0x60, SEL_DATA);
    assert_int_equal(go(SEL_B, TS_JMP, &out), TS_FAULT);
    assert_true(out.committed);
    assert_int_equal(out.vector, 10);
    assert_int_equal(cpu.seg[1].base, 0x10000);
    assert_enterable();
    /* CS at CPL 3, SS a DPL 0 stack: #TS(SS), and CS is left as it was
     * with SS, not at CPL 3 beside a ring-0 stack. */
    setup(NULL);
    put32(TSS_B + 0x4c, SEL_CODE3 | 3);
    assert_int_equal(go(SEL_B, TS_JMP, &out), TS_FAULT);
    assert_int_equal(out.vector, 10);
    assert_int_equal(cpu.seg[1].sel, SEL_CODE);
    assert_enterable();
    /* SS not present at CPL 3: #SS, the same. */
    setup(NULL);
    desc(GDT + SEL_NPDATA, 0, 0xfffff, 0x72, 0xc);
    put32(TSS_B + 0x4c, SEL_CODE3 | 3);
    put32(TSS_B + 0x50, SEL_NPDATA | 3);
    assert_int_equal(go(SEL_B, TS_JMP, &out), TS_FAULT);
    assert_int_equal(out.vector, 12);
    assert_enterable();
    /* A data segment's fault comes after CS and SS: both are the new task's. */
    setup(NULL);
    put32(TSS_B + 0x4c, SEL_CODE3 | 3);
    put32(TSS_B + 0x50, SEL_DATA3 | 3);
    put32(TSS_B + 0x54, SEL_NPDATA);
    assert_int_equal(go(SEL_B, TS_JMP, &out), TS_FAULT);
    assert_int_equal(cpu.seg[1].sel, SEL_CODE3 | 3);
    assert_enterable();
}

static void test_ldt_and_user_task(void **state)
{
    (void)state;
    struct ts_outcome out;
    /* DS from the new task's LDT. */
    put32(TSS_B + 0x60, SEL_LDT);
    put32(TSS_B + 0x54, LSEL_DATA);
    assert_int_equal(go(SEL_B, TS_CALL, &out), TS_DONE);
    assert_int_equal(cpu.ldtr.sel, SEL_LDT);
    assert_int_equal(cpu.ldtr.base, LDT);
    assert_int_equal(cpu.seg[3].base, 0x100000);
    assert_int_equal(cpu.seg[3].limit, 0xffff);
    /* A ring-3 task: CS, SS and DS at DPL 3. */
    setup(NULL);
    put32(TSS_B + 0x4c, SEL_CODE3 | 3);
    put32(TSS_B + 0x50, SEL_DATA3 | 3);
    put32(TSS_B + 0x54, SEL_DATA3 | 3);
    put32(TSS_B + 0x48, SEL_DATA3 | 3);
    put32(TSS_B + 0x5c, SEL_DATA3 | 3);
    assert_int_equal(go(SEL_B, TS_CALL, &out), TS_DONE);
    assert_int_equal((cpu.seg[2].ar >> 5) & 3, 3);
    /* A virtual-8086 task: segments as in real mode. */
    setup(NULL);
    put32(TSS_B + 0x24, 0x20202);
    put32(TSS_B + 0x4c, 0x1000);
    assert_int_equal(go(SEL_B, TS_CALL, &out), TS_DONE);
    assert_int_equal(cpu.seg[1].base, 0x10000);
    assert_int_equal(cpu.seg[1].limit, 0xffff);
    assert_int_equal(cpu.seg[1].ar, 0xf3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_call_then_iret, setup),
        cmocka_unit_test_setup(test_jmp_and_paging, setup),
        cmocka_unit_test_setup(test_gate_pushes_error_code, setup),
        cmocka_unit_test_setup(test_checks_before_the_commit, setup),
        cmocka_unit_test_setup(test_reserved_eflags_bits_not_loaded, setup),
        cmocka_unit_test_setup(test_16bit_tss, setup),
        cmocka_unit_test_setup(test_checks_after_the_commit, setup),
        cmocka_unit_test_setup(test_ldt_and_user_task, setup),
        cmocka_unit_test_setup(test_late_faults_leave_an_enterable_state, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
