/* Hardware task switching, written from Intel SDM vol. 3, chapter 8
 * ("Task Management": 8.2 the TSS and its descriptor, 8.3 task switching and
 * table 8-1, the checks and the exceptions they raise, 8.4 task linking,
 * 8.6 the 16-bit TSS) and 17.2.4 (DR7's local enables end with the task).
 * See task_switch.h. */
#include "vmm/task_switch.h"
#include "lib/kstring.h"
#include "lib/le.h"

#define TSS_LINK 0x00           /* the previous task link, in both formats */

/* System-descriptor types (S = 0; SDM table 3-2). */
#define TYPE_LDT        0x2
#define TYPE_TSS16_FREE 0x1
#define TYPE_TSS16_BUSY 0x3
#define TYPE_TSS32_FREE 0x9
#define TYPE_TSS32_BUSY 0xb
#define TSS_BUSY_BIT    (1u << 9)   /* in a descriptor's high dword: type bit 1 */

/* The two TSS formats (SDM figures 8-2 and 8-11): where the fields a switch
 * uses are and how wide they are. The 16-bit (80286) TSS has no CR3 (the
 * task keeps the page tables in force), no FS, GS or T flag, and holds the
 * low halves of EIP, EFLAGS and the registers; 8.6 leaves the upper halves
 * of the registers undefined: here they keep what they held, as QEMU does,
 * EIP's and EFLAGS's are zero, and FS and GS are loaded null. */
struct tss_fmt {
    uint32_t width;             /* of IP, FLAGS, each register and the selector slots */
    uint32_t ip, flags, gpr, seg, nseg, ldt;
    uint32_t size;              /* the bytes a switch reads: the minimum limit + 1 */
    int cr3, trap;              /* offsets, or -1: not in this format */
    uint8_t free_type, busy_type;
};
static const struct tss_fmt TSS32 = { 4, 0x20, 0x24, 0x28, 0x48, 6, 0x60, 0x68, 0x1c, 0x64,
                                      TYPE_TSS32_FREE, TYPE_TSS32_BUSY };
static const struct tss_fmt TSS16 = { 2, 0x0e, 0x10, 0x12, 0x22, 4, 0x2a, 0x2c, -1, -1,
                                      TYPE_TSS16_FREE, TYPE_TSS16_BUSY };
#define TSS_MAX_SIZE 0x68

/* The format of a TSS descriptor of type `type`, free or busy; NULL if not a TSS. */
static const struct tss_fmt *tss_format(unsigned type)
{
    if (type == TYPE_TSS32_FREE || type == TYPE_TSS32_BUSY)
        return &TSS32;
    if (type == TYPE_TSS16_FREE || type == TYPE_TSS16_BUSY)
        return &TSS16;
    return NULL;
}
#define DESC_ACCESSED   (1u << 8)   /* code and data: type bit 0 */

/* Access rights in the VMCS format (the descriptor's high dword, 8-23). */
#define AR_TYPE(ar)   ((ar) & 0xf)
#define AR_S          (1u << 4)
#define AR_DPL(ar)    (((ar) >> 5) & 3)
#define AR_P          (1u << 7)
#define AR_DB         (1u << 14)
#define TYPE_CODE     0x8
#define TYPE_CONFORM  0x4           /* code: conforming */
#define TYPE_RW       0x2           /* code: readable; data: writable */
#define TYPE_ACCESSED 0x1

#define EFLAGS_FIXED  (1u << 1)
/* The flags a task's EFLAGS image can set: CF, PF, AF, ZF, SF, TF, IF, DF,
 * OF, IOPL, NT, RF, VM, AC, VIF, VIP, ID. The CPU loads the reserved ones
 * (3, 5, 15, 22-31) as 0, and a VM entry with one set would fail. */
#define EFLAGS_DEFINED 0x003f7fd5u
#define EFLAGS_NT     (1u << 14)
#define EFLAGS_VM     (1u << 17)
#define CR0_TS_BIT    (1u << 3)
#define CR0_PG_BIT    (1u << 31)
#define DR7_LOCAL     0x55u         /* L0-L3 */

#define VEC_TS 10
#define VEC_NP 11
#define VEC_SS 12
#define VEC_GP 13

enum desc_read { DESC_OK, DESC_OUTSIDE, DESC_MEM };

/* The descriptor `sel` names, from the GDT or (TI set) the current LDT. */
static enum desc_read read_desc(const struct ts_cpu *c, const struct ts_mem *m, uint16_t sel,
                                uint32_t d[2], uint32_t *at)
{
    uint32_t base = c->gdt_base, limit = c->gdt_limit;
    if (sel & 4) {
        if (c->ldtr.ar & TS_AR_UNUSABLE)
            return DESC_OUTSIDE;
        base = c->ldtr.base;
        limit = c->ldtr.limit;
    }
    uint32_t off = sel & 0xfff8u;
    if (off + 7 > limit)
        return DESC_OUTSIDE;
    *at = base + off;
    return m->read(m->ctx, *at, d, 8) ? DESC_OK : DESC_MEM;
}

static struct ts_seg seg_of(uint16_t sel, const uint32_t d[2])
{
    uint32_t limit = (d[0] & 0xffff) | (d[1] & 0xf0000);
    if (d[1] & (1u << 23))
        limit = (limit << 12) | 0xfff;
    return (struct ts_seg){ .sel = sel,
                            .base = (d[0] >> 16) | ((d[1] & 0xff) << 16) | (d[1] & 0xff000000u),
                            .limit = limit,
                            .ar = (d[1] >> 8) & 0xf0ff };
}

static enum ts_result fault(struct ts_outcome *out, uint8_t vector, uint16_t sel)
{
    out->vector = vector;
    out->has_error = true;
    out->error = sel & 0xfffcu;   /* EXT and IDT clear: the selector's index and TI */
    return TS_FAULT;
}


/* Sets the accessed bit a segment load sets, in the descriptor and in *s. */
static bool mark_accessed(const struct ts_mem *m, uint32_t at, uint32_t d[2], struct ts_seg *s)
{
    s->ar |= TYPE_ACCESSED;
    if (d[1] & DESC_ACCESSED)
        return true;
    d[1] |= DESC_ACCESSED;
    return m->write(m->ctx, at + 4, &d[1], 4);
}

/* The new task's LDTR: null, or an LDT descriptor in the GDT (table 8-1). */
static enum ts_result load_ldtr(struct ts_cpu *c, const struct ts_mem *m, uint16_t sel,
                                struct ts_outcome *out)
{
    if ((sel & 0xfffc) == 0) {
        c->ldtr = (struct ts_seg){ .sel = sel, .ar = TS_AR_UNUSABLE };
        return TS_DONE;
    }
    uint32_t d[2], at;
    if (sel & 4)
        return fault(out, VEC_TS, sel);
    enum desc_read r = read_desc(c, m, sel, d, &at);
    if (r == DESC_MEM)
        return TS_MEM_FAILED;
    struct ts_seg s = seg_of(sel, d);
    if (r == DESC_OUTSIDE || (s.ar & AR_S) || AR_TYPE(s.ar) != TYPE_LDT || !(s.ar & AR_P))
        return fault(out, VEC_TS, sel);
    c->ldtr = s;
    return TS_DONE;
}

/* Segment register `i` (ES, CS, SS, DS, FS, GS) of the new task, whose
 * privilege level is `cpl`, with the checks of table 8-1. */
static enum ts_result load_seg(struct ts_cpu *c, const struct ts_mem *m, unsigned i,
                               uint16_t sel, unsigned cpl, struct ts_outcome *out)
{
    const unsigned CS = 1, SS = 2;
    if ((sel & 0xfffc) == 0) {
        if (i == CS || i == SS)
            return fault(out, VEC_TS, sel);
        c->seg[i] = (struct ts_seg){ .sel = sel, .ar = TS_AR_UNUSABLE };
        return TS_DONE;
    }
    uint32_t d[2], at;
    enum desc_read r = read_desc(c, m, sel, d, &at);
    if (r == DESC_MEM)
        return TS_MEM_FAILED;
    if (r == DESC_OUTSIDE)
        return fault(out, VEC_TS, sel);
    struct ts_seg s = seg_of(sel, d);
    unsigned type = AR_TYPE(s.ar), dpl = AR_DPL(s.ar), rpl = sel & 3;
    bool code = type & TYPE_CODE;
    if (!(s.ar & AR_S))
        return fault(out, VEC_TS, sel);
    if (i == CS) {
        if (!code || ((type & TYPE_CONFORM) ? dpl > cpl : dpl != cpl))
            return fault(out, VEC_TS, sel);
    } else if (i == SS) {
        if (code || !(type & TYPE_RW) || rpl != cpl || dpl != cpl)
            return fault(out, VEC_TS, sel);
    } else {
        if (code && !(type & TYPE_RW))
            return fault(out, VEC_TS, sel);   /* execute-only code */
        bool conforming = code && (type & TYPE_CONFORM);
        if (!conforming && (dpl < cpl || dpl < rpl))
            return fault(out, VEC_TS, sel);
    }
    if (!(s.ar & AR_P))
        return fault(out, i == SS ? VEC_SS : VEC_NP, sel);
    if (!mark_accessed(m, at, d, &s))
        return TS_MEM_FAILED;
    c->seg[i] = s;
    return TS_DONE;
}

/* Virtual-8086 mode: every segment as in real mode, at privilege 3. */
static void load_v86_segs(struct ts_cpu *c, const uint16_t sel[6])
{
    for (unsigned i = 0; i < 6; i++)
        c->seg[i] = (struct ts_seg){ .sel = sel[i], .base = (uint32_t)sel[i] << 4,
                                     .limit = 0xffff, .ar = 0xf3 };
}

/* Sets or clears the busy bit of the TSS descriptor `sel` in the GDT. */
static bool set_busy(const struct ts_cpu *c, const struct ts_mem *m, uint16_t sel, bool busy)
{
    uint32_t d[2], at;
    if (read_desc(c, m, sel & ~4u, d, &at) != DESC_OK)
        return false;
    d[1] = busy ? d[1] | TSS_BUSY_BIT : d[1] & ~TSS_BUSY_BIT;
    return m->write(m->ctx, at + 4, &d[1], 4);
}

/* Saves the old task's dynamic fields into its TSS, of format `f` (SDM
 * 8.3, step 7). */
static bool save_old(const struct ts_cpu *c, const struct ts_mem *m, const struct tss_fmt *f,
                     uint32_t eip, uint32_t eflags)
{
    uint8_t buf[TSS_MAX_SIZE];
    le_put(buf, eip, f->width);
    le_put(buf + f->flags - f->ip, eflags, f->width);
    for (unsigned i = 0; i < 8; i++)
        le_put(buf + f->gpr - f->ip + f->width * i, c->gpr[i], f->width);
    if (!m->write(m->ctx, c->tr.base + f->ip, buf, f->seg - f->ip))
        return false;
    /* Selector fields are 16 bits, a 32-bit TSS's upper halves reserved:
     * left alone. */
    for (unsigned i = 0; i < f->nseg; i++)
        if (!m->write(m->ctx, c->tr.base + f->seg + f->width * i, &c->seg[i].sel, 2))
            return false;
    return true;
}

enum ts_result task_switch(struct ts_cpu *cpu, const struct ts_mem *mem, uint16_t sel,
                           enum ts_source src, uint32_t next_eip, bool push_error,
                           uint32_t error, struct ts_outcome *out)
{
    memset(out, 0, sizeof *out);
    /* Before the commit: faults here belong to the old task, which is
     * left as it was. */
    uint8_t not_free = src == TS_IRET ? VEC_TS : VEC_GP;
    uint32_t d[2], at;
    if (sel & 4)
        return fault(out, not_free, sel);     /* a TSS lives in the GDT */
    enum desc_read r = read_desc(cpu, mem, sel, d, &at);
    if (r == DESC_MEM)
        return TS_MEM_FAILED;
    struct ts_seg tss = seg_of(sel, d);
    unsigned type = AR_TYPE(tss.ar);
    if (r == DESC_OUTSIDE || (tss.ar & AR_S))
        return fault(out, not_free, sel);
    const struct tss_fmt *nf = tss_format(type);
    if (!nf || type != (src == TS_IRET ? nf->busy_type : nf->free_type))
        return fault(out, not_free, sel);
    if (!(tss.ar & AR_P))
        return fault(out, VEC_NP, sel);
    if (tss.limit < nf->size - 1)
        return fault(out, VEC_TS, sel);
    /* The task running now: TR holds a busy TSS (VM entry checked it). */
    const struct tss_fmt *of = tss_format(AR_TYPE(cpu->tr.ar));
    if (!of) {
        out->why = "the task register holds no TSS";
        return TS_REFUSED;
    }
    if (cpu->tr.limit < of->size - 1)
        return fault(out, VEC_TS, cpu->tr.sel);
    uint8_t img[TSS_MAX_SIZE];
    if (!mem->read(mem->ctx, tss.base, img, nf->size))
        return TS_MEM_FAILED;
    /* Everything the commit writes must be there first (a NULL write only
     * checks, and backs the page), so a commit never stops half done. */
    uint32_t old_at = cpu->gdt_base + (cpu->tr.sel & 0xfff8u);
    if (((src == TS_JMP || src == TS_IRET) && !mem->write(mem->ctx, old_at + 4, NULL, 4)) ||
        !mem->write(mem->ctx, cpu->tr.base + of->ip, NULL, of->ldt - of->ip) ||
        ((src == TS_CALL || src == TS_GATE) && !mem->write(mem->ctx, tss.base, NULL, 2)) ||
        (src != TS_IRET && !mem->write(mem->ctx, at + 4, NULL, 4)))
        return TS_MEM_FAILED;

    /* The commit: the old task saved, the busy flags and link updated. */
    uint32_t old_eflags = cpu->eflags;
    if (src == TS_IRET)
        old_eflags &= ~EFLAGS_NT;
    if ((src == TS_JMP || src == TS_IRET) && !set_busy(cpu, mem, cpu->tr.sel, false))
        return TS_MEM_FAILED;
    if (!save_old(cpu, mem, of, next_eip, old_eflags))
        return TS_MEM_FAILED;
    if (src == TS_CALL || src == TS_GATE) {
        if (!mem->write(mem->ctx, tss.base + TSS_LINK, &cpu->tr.sel, 2))
            return TS_MEM_FAILED;
    }
    if (src != TS_IRET && !set_busy(cpu, mem, sel, true))
        return TS_MEM_FAILED;

    /* The new task: TR, CR0.TS, CR3, registers; then LDTR and the
     * segments, whose faults belong to the new task. */
    tss.ar = (tss.ar & ~0xfu) | nf->busy_type;
    cpu->tr = tss;
    out->committed = true;
    cpu->cr0 |= CR0_TS_BIT;
    cpu->dr7 &= ~DR7_LOCAL;
    if ((cpu->cr0 & CR0_PG_BIT) && nf->cr3 >= 0) {
        cpu->cr3 = (uint32_t)le_get(img + nf->cr3, 4);
        out->cr3_loaded = true;
        mem->set_cr3(mem->ctx, cpu->cr3);
    }
    cpu->eip = (uint32_t)le_get(img + nf->ip, nf->width);
    cpu->eflags = ((uint32_t)le_get(img + nf->flags, nf->width) & EFLAGS_DEFINED) | EFLAGS_FIXED;
    if (src == TS_CALL || src == TS_GATE)
        cpu->eflags |= EFLAGS_NT;
    uint32_t keep = nf->width == 2 ? 0xffff0000u : 0;
    for (unsigned i = 0; i < 8; i++)
        cpu->gpr[i] = (cpu->gpr[i] & keep) |
                      (uint32_t)le_get(img + nf->gpr + nf->width * i, nf->width);
    out->debug_trap = nf->trap >= 0 && (img[nf->trap] & 1);
    /* A 16-bit TSS has no FS and GS: they are loaded null. */
    uint16_t sels[6];
    for (unsigned i = 0; i < 6; i++)
        sels[i] = i < nf->nseg ? (uint16_t)le_get(img + nf->seg + nf->width * i, 2) : 0;

    /* A fault from here on is delivered in the new task, from a state the
     * VM entry that injects it must accept (SDM vol. 3, 28.3.1.2): so a
     * virtual-8086 task's segments, which cannot fault, come before the
     * LDT, whose selector can; and CS and SS change together, never one
     * without the other (their RPLs and DPLs must agree). */
    if (cpu->eflags & EFLAGS_VM)
        load_v86_segs(cpu, sels);
    enum ts_result res = load_ldtr(cpu, mem, (uint16_t)le_get(img + nf->ldt, 2), out);
    if (res != TS_DONE)
        return res;
    if (!(cpu->eflags & EFLAGS_VM)) {
        /* CS first: its RPL is the new privilege level the rest is checked
         * against; then SS, then the data segments. */
        static const unsigned order[6] = { 1, 2, 0, 3, 4, 5 };
        unsigned cpl = sels[1] & 3;
        struct ts_seg old_cs = cpu->seg[1];
        for (unsigned k = 0; k < 6; k++) {
            res = load_seg(cpu, mem, order[k], sels[order[k]], cpl, out);
            if (res != TS_DONE) {
                if (order[k] == 2)
                    cpu->seg[1] = old_cs;
                return res;
            }
        }
    }

    /* An exception's error code goes on the new task's stack. */
    if (push_error) {
        /* A doubleword for a 32-bit TSS, a word for a 16-bit one; below
         * ESP on a 32-bit stack (SS.B), below SP on a 16-bit one, the upper
         * half of ESP kept. */
        bool big = cpu->seg[2].ar & AR_DB;
        uint32_t n = nf->width == 2 ? 2 : 4;
        uint32_t esp = big ? cpu->gpr[4] - n
                           : (cpu->gpr[4] & 0xffff0000u) | ((cpu->gpr[4] - n) & 0xffff);
        uint32_t offset = big ? esp : esp & 0xffff;
        if (!mem->write(mem->ctx, cpu->seg[2].base + offset, &error, n))
            return TS_MEM_FAILED;
        cpu->gpr[4] = esp;
    }
    return TS_DONE;
}
