/* vcpu_dump_format: see vmm/vcpu_dump.h. Pure: names for the SDM's
 * encodings (vol. 3, 25.4.1 segment access rights, 25.4.2 activity and
 * interruptibility states, 25.9.3 IDT-vectoring information). */
#include "vmm/vcpu_dump.h"
#include "include/hv/x86/regs.h"
#include "include/hv/x86/vmcs_fields.h"
#include "lib/format.h"

#define RFLAGS_VM       (1ULL << 17)
#define AR_DB           (1u << 14)   /* CS: 32-bit default operand size */
#define AR_L            (1u << 13)   /* CS: 64-bit code */
#define AR_UNUSABLE     (1u << 16)
#define SEG_CS_INDEX    1
#define SEG_SS_INDEX    2

struct out {
    char line[200];
    int len;
};

static void put(struct out *o, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void put(struct out *o, const char *fmt, ...)
{
    if (o->len < 0 || (size_t)o->len >= sizeof o->line)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(o->line + o->len, sizeof o->line - (size_t)o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += n;
    if ((size_t)o->len >= sizeof o->line)
        o->len = (int)sizeof o->line - 1;
}

static void flush(struct out *o, vcpu_dump_line_fn emit, void *ctx)
{
    emit(o->line, ctx);
    o->len = 0;
    o->line[0] = '\0';
}

static const char *mode_name(const struct vcpu_dump *d)
{
    uint32_t cs = d->seg[SEG_CS_INDEX].ar;
    if (!(d->cr0 & CR0_PE))
        return "real mode";
    if (d->efer & EFER_LMA)
        return (cs & AR_L) ? "64-bit mode" : "compatibility mode";
    if (d->rflags & RFLAGS_VM)
        return "virtual-8086 mode";
    return (cs & AR_DB) ? "32-bit protected mode" : "16-bit protected mode";
}

static const char *paging_name(const struct vcpu_dump *d)
{
    if (!(d->cr0 & CR0_PG))
        return "paging off";
    if (d->efer & EFER_LMA)
        return (d->cr4 & CR4_LA57) ? "5-level paging" : "4-level paging";
    return (d->cr4 & CR4_PAE) ? "PAE paging" : "32-bit paging";
}

static const char *activity_name(uint32_t a)
{
    static const char *const names[] = { "active", "halted (HLT)", "shut down",
                                         "waiting for SIPI" };
    return a < 4 ? names[a] : "in an unknown activity state";
}

static const char *event_type_name(uint32_t info)
{
    switch (info & INTR_TYPE_MASK) {
    case INTR_TYPE_EXT: return "external interrupt";
    case INTR_TYPE_NMI: return "NMI";
    case INTR_TYPE_HW_EXC: return "exception";
    case INTR_TYPE_SW_INT: return "software interrupt (INT n)";
    case INTR_TYPE_PRIV_SW_EXC: return "privileged software exception (INT1)";
    case INTR_TYPE_SW_EXC: return "software exception (INT3, INTO)";
    default: return "event of a reserved type";
    }
}

static void put_seg(struct out *o, const char *name, const struct vcpu_dump_seg *s)
{
    if (s->ar & AR_UNUSABLE)
        put(o, "%s %04x unusable", name, s->sel);
    else
        put(o, "%s %04x base 0x%llx limit 0x%x attr 0x%x", name, s->sel,
            (unsigned long long)s->base, s->limit, s->ar);
}

static void put_regs(struct out *o, const char *const names[4], const uint64_t *r)
{
    for (unsigned i = 0; i < 4; i++)
        put(o, "%s%s %016llx", i ? " " : "", names[i], (unsigned long long)r[i]);
}

void vcpu_dump_format(const struct vcpu_dump *d, vcpu_dump_line_fn emit, void *ctx)
{
    struct out o = { .len = 0 };
    o.line[0] = '\0';
    unsigned cpl = (d->cr0 & CR0_PE) ? (d->seg[SEG_SS_INDEX].ar >> 5) & 3 : 0;
    if (d->rflags & RFLAGS_VM)
        cpl = 3;
    put(&o, "RIP %016llx RFLAGS %08llx, CPL %u, %s, %s, %s", (unsigned long long)d->rip,
        (unsigned long long)d->rflags, cpl, mode_name(d), paging_name(d),
        activity_name(d->activity));
    put(&o, "%s%s%s", (d->interruptibility & INTERRUPTIBILITY_STI) ? ", STI shadow" : "",
        (d->interruptibility & INTERRUPTIBILITY_MOV_SS) ? ", MOV SS shadow" : "",
        (d->interruptibility & INTERRUPTIBILITY_NMI) ? ", NMIs blocked" : "");
    flush(&o, emit, ctx);

    /* The CPU's numbering: RAX RCX RDX RBX RSP RBP RSI RDI; printed in the
     * order people read them. */
    static const char *const n1[4] = { "RAX", "RBX", "RCX", "RDX" };
    static const char *const n2[4] = { "RSI", "RDI", "RBP", "RSP" };
    const uint64_t r1[4] = { d->gpr[0], d->gpr[3], d->gpr[1], d->gpr[2] };
    const uint64_t r2[4] = { d->gpr[6], d->gpr[7], d->gpr[5], d->gpr[4] };
    put_regs(&o, n1, r1);
    flush(&o, emit, ctx);
    put_regs(&o, n2, r2);
    flush(&o, emit, ctx);
    if (d->efer & EFER_LMA) {   /* R8-R15 exist only in IA-32e mode */
        static const char *const n3[4] = { "R8 ", "R9 ", "R10", "R11" };
        static const char *const n4[4] = { "R12", "R13", "R14", "R15" };
        put_regs(&o, n3, &d->gpr[8]);
        flush(&o, emit, ctx);
        put_regs(&o, n4, &d->gpr[12]);
        flush(&o, emit, ctx);
    }

    put(&o, "CR0 %llx CR2 %llx CR3 %llx CR4 %llx EFER %llx DR7 %llx",
        (unsigned long long)d->cr0, (unsigned long long)d->cr2, (unsigned long long)d->cr3,
        (unsigned long long)d->cr4, (unsigned long long)d->efer, (unsigned long long)d->dr7);
    flush(&o, emit, ctx);

    static const char *const seg_names[8] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR" };
    for (unsigned i = 0; i < 6; i++) {
        put_seg(&o, seg_names[i], &d->seg[i]);
        if (i % 3 == 2)
            flush(&o, emit, ctx);
        else
            put(&o, ", ");
    }
    put_seg(&o, seg_names[6], &d->seg[6]);
    put(&o, ", ");
    put_seg(&o, seg_names[7], &d->seg[7]);
    flush(&o, emit, ctx);
    put(&o, "GDTR base 0x%llx limit 0x%x, IDTR base 0x%llx limit 0x%x",
        (unsigned long long)d->gdtr_base, d->gdtr_limit, (unsigned long long)d->idtr_base,
        d->idtr_limit);
    flush(&o, emit, ctx);

    if (d->idt_vec_info & INTR_INFO_VALID) {
        put(&o, "delivering vector %u, %s", d->idt_vec_info & 0xff, event_type_name(d->idt_vec_info));
        if (d->idt_vec_info & INTR_INFO_ERR_CODE)
            put(&o, ", error code 0x%x", d->idt_vec_err);
        put(&o, ", when the exit came");
        flush(&o, emit, ctx);
    }
    if (d->entry_intr_info & INTR_INFO_VALID) {
        put(&o, "injecting vector %u, %s, at the next entry", d->entry_intr_info & 0xff,
            event_type_name(d->entry_intr_info));
        flush(&o, emit, ctx);
    }
    if (d->pending_dbg) {
        put(&o, "pending debug exceptions 0x%llx", (unsigned long long)d->pending_dbg);
        flush(&o, emit, ctx);
    }

    put(&o, "code at 0x%llx:", (unsigned long long)d->code_at);
    for (unsigned i = 0; i < d->code_len && i < VCPU_DUMP_CODE_BYTES; i++)
        put(&o, " %02x", d->code[i]);
    if (!d->code_len)
        put(&o, " not readable (not mapped by the guest, not in memory, or not RAM)");
    flush(&o, emit, ctx);
}
