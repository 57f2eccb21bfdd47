/* Task-switch exits (reason 9): the guest's far CALL or JMP to a TSS or
 * task gate, IRET with NT set, or an event delivered through a task gate.
 * VT-x never runs these in the guest; vmm/task_switch.c carries them out on
 * a snapshot of the vCPU taken here, through the guest's own page tables,
 * and the result goes back to the VMCS. */
#include "vmm/exits.h"
#include "vmm/exit_info.h"
#include "vmm/vcpu.h"
#include "vmm/guest_state.h"
#include "vmm/guest_linear.h"
#include "vmm/task_switch.h"
#include "kernel/vm.h"
#include "include/hv/x86/regs.h"

struct ts_ctx {
    struct guest_linear g;
    enum gl_result r;          /* the first access that failed */
    uint64_t bad;
    bool wrote;                /* a failure while writing */
    /* The rehearsal (exit_task_switch): writes only check and back their
     * pages, and the first page that must come back ends it (`r` GL_WAIT:
     * every later access fails too, so nothing more is backed). */
    bool rehearsal;
};

static bool ts_read(void *ctx, uint32_t gla, void *buf, uint32_t n)
{
    struct ts_ctx *c = ctx;
    if (c->rehearsal && c->r == GL_WAIT)
        return false;
    c->r = guest_linear_read(&c->g, gla, buf, n, &c->bad);
    c->wrote = false;
    return c->r == GL_OK;
}

static bool ts_write(void *ctx, uint32_t gla, const void *buf, uint32_t n)
{
    struct ts_ctx *c = ctx;
    if (c->rehearsal && c->r == GL_WAIT)
        return false;
    c->r = guest_linear_write(&c->g, gla, c->rehearsal ? NULL : buf, n, &c->bad);
    c->wrote = true;
    return c->r == GL_OK;
}

static void ts_set_cr3(void *ctx, uint32_t cr3)
{
    struct ts_ctx *c = ctx;
    c->g.walk.cr3 = cr3;
    /* PAE's entries are read at the load (load_cr3): in the rehearsal
     * their page is backed too. Errors are the real switch's to report. */
    if (c->rehearsal && c->r != GL_WAIT && (c->g.walk.cr4 & CR4_PAE)) {
        uint64_t pdpte[4];
        if (guest_phys_read(&c->g, cr3 & 0xffffffe0u, pdpte, sizeof pdpte) == GL_WAIT)
            c->r = GL_WAIT;
    }
}

static struct ts_seg read_seg(struct vcpu *v, unsigned i)
{
    return (struct ts_seg){ (uint16_t)gs_read(v, VMCS_SEG_SEL(i)),
                            (uint32_t)gs_read(v, VMCS_SEG_BASE(i)),
                            (uint32_t)gs_read(v, VMCS_SEG_LIMIT(i)),
                            (uint32_t)gs_read(v, VMCS_SEG_AR(i)) };
}

static void snapshot(struct vcpu *v, const struct exit_info *e, struct ts_cpu *c)
{
    for (unsigned i = 0; i < 8; i++)
        c->gpr[i] = (uint32_t)vcpu_gpr_read(v, i);
    c->eip = (uint32_t)e->rip;
    c->eflags = (uint32_t)gs_read(v, VMCS_GUEST_RFLAGS);
    c->cr0 = (uint32_t)gs_read(v, VMCS_GUEST_CR0);
    c->cr3 = (uint32_t)gs_read(v, VMCS_GUEST_CR3);
    c->dr7 = (uint32_t)gs_read(v, VMCS_GUEST_DR7);
    for (unsigned i = 0; i < 6; i++)
        c->seg[i] = read_seg(v, i);
    c->ldtr = read_seg(v, SEG_LDTR);
    c->tr = read_seg(v, SEG_TR);
    c->gdt_base = (uint32_t)gs_read(v, VMCS_GUEST_GDTR_BASE);
    c->gdt_limit = (uint32_t)gs_read(v, VMCS_GUEST_GDTR_LIMIT);
}

static void write_seg(struct vcpu *v, unsigned i, const struct ts_seg *s)
{
    gs_write(v, VMCS_SEG_SEL(i), s->sel);
    gs_write(v, VMCS_SEG_BASE(i), s->base);
    gs_write(v, VMCS_SEG_LIMIT(i), s->limit);
    gs_write(v, VMCS_SEG_AR(i), s->ar);
}

static void write_back(struct vcpu *v, const struct ts_cpu *c)
{
    for (unsigned i = 0; i < 8; i++)
        vcpu_gpr_write(v, i, c->gpr[i]);
    gs_write(v, VMCS_GUEST_RIP, c->eip);
    gs_write(v, VMCS_GUEST_RFLAGS, c->eflags);
    gs_write(v, VMCS_GUEST_CR0, c->cr0);
    gs_write(v, VMCS_GUEST_DR7, c->dr7);
    for (unsigned i = 0; i < 6; i++)
        write_seg(v, i, &c->seg[i]);
    write_seg(v, SEG_LDTR, &c->ldtr);
    write_seg(v, SEG_TR, &c->tr);
    /* A task switch ends any STI or MOV SS shadow. */
    uint64_t shadows = INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS;
    gs_write(v, VMCS_GUEST_INTERRUPTIBILITY, gs_read(v, VMCS_GUEST_INTERRUPTIBILITY) & ~shadows);
}

/* CR3 from the new TSS; with PAE paging the CPU reads the four page-
 * directory-pointer entries at the load (vcpu_load_pdptes). False when
 * they cannot be read or one has a reserved bit set (`*reserved`). */
static bool load_cr3(struct vcpu *v, struct ts_ctx *c, uint32_t cr3, bool *reserved)
{
    gs_write(v, VMCS_GUEST_CR3, cr3);
    /* A CR3 load drops the non-global translations (SDM vol. 3, 4.10.4.1),
     * which under VPID the CPU keeps across the exit: the new task must not
     * see the old one's. */
    host_guest_tlb_flush();
    *reserved = false;
    if (!(gs_read(v, VMCS_GUEST_CR4) & CR4_PAE))
        return true;
    c->r = vcpu_load_pdptes(v, &c->g, cr3, reserved);
    return c->r == GL_OK && !*reserved;
}

enum exit_action exit_task_switch(struct vcpu *v, const struct exit_info *e)
{
    uint16_t sel = (uint16_t)e->qual;
    enum ts_source src = (enum ts_source)((e->qual >> 30) & 3);
    static const char *const how[] = { "CALL", "IRET", "JMP", "a task gate in the IDT" };
    if (gs_read(v, VMCS_GUEST_EFER) & EFER_LMA) {
        vcpu_fail(v, "task switch in IA-32e mode (vCPU %u, RIP 0x%llx)", v->id,
                  (unsigned long long)e->rip);
        return EXIT_STOP;
    }

    /* Where the old task resumes: after CALL, JMP or IRET, and after an
     * INT n, INT3 or INTO delivered through a gate; at the instruction an
     * exception or interrupt came at. An event through a gate is delivered
     * by the switch itself, so the re-queueing vmm_handle_exit did is
     * undone. */
    bool push = false;
    uint32_t error = 0, next = (uint32_t)(e->rip + e->insn_len);
    bool nmi = false, ext = false;
    uint64_t requeued = 0;
    if (src == TS_GATE) {
        requeued = gs_read(v, VMCS_ENTRY_INTR_INFO);
        gs_write(v, VMCS_ENTRY_INTR_INFO, 0);
        uint32_t type = e->idt_vec_info & INTR_TYPE_MASK;
        bool soft = type == INTR_TYPE_SW_INT || type == INTR_TYPE_PRIV_SW_EXC ||
                    type == INTR_TYPE_SW_EXC;
        next = (uint32_t)(soft ? e->rip + e->insn_len : e->rip);
        push = (e->idt_vec_info & INTR_INFO_VALID) && (e->idt_vec_info & INTR_INFO_ERR_CODE);
        error = e->idt_vec_error;
        nmi = (e->idt_vec_info & INTR_INFO_VALID) && type == INTR_TYPE_NMI;
        /* EXT, bit 0 of the error code of a fault in the switch: set when
         * an event external to the program is being delivered, an
         * interrupt, an NMI or an exception (INT1's too); clear for INT n,
         * INT3 and INTO (SDM vol. 3, 6.13). */
        ext = (e->idt_vec_info & INTR_INFO_VALID) && type != INTR_TYPE_SW_INT &&
              type != INTR_TYPE_SW_EXC;
    }

    /* A rehearsal first, on a copy, that writes nothing: every page the
     * switch touches, the new task's tables and stack and PAE's entries
     * included, is backed before the switch begins. A page that must come
     * back from swap sends the vCPU to wait with nothing done, and the
     * instruction runs again then; after the commit the old task is saved
     * and could not be. */
    struct ts_cpu cpu;
    snapshot(v, e, &cpu);
    struct ts_cpu trial = cpu;
    struct ts_ctx c = { .r = GL_OK, .rehearsal = true };
    guest_linear_init(&c.g, v);
    struct ts_mem mem = { ts_read, ts_write, ts_set_cr3, &c };
    struct ts_outcome out;
    task_switch(&trial, &mem, sel, src, next, push, error, &out);
    if (c.r == GL_WAIT) {
        gs_write(v, VMCS_ENTRY_INTR_INFO, requeued);
        return c.g.action;
    }
    c = (struct ts_ctx){ .r = GL_OK };
    guest_linear_init(&c.g, v);
    enum ts_result r = task_switch(&cpu, &mem, sel, src, next, push, error, &out);
    bool committed = out.committed;
    bool pf_new_task = false, pf_write = false;
    uint64_t pf_addr = 0;

    switch (r) {
    case TS_REFUSED:
        vcpu_fail(v, "%s, by %s to selector 0x%x (vCPU %u, RIP 0x%llx)", out.why, how[src],
                  sel, v->id, (unsigned long long)e->rip);
        return EXIT_STOP;
    case TS_MEM_FAILED:
        if (c.r == GL_WAIT && !committed) {
            /* Sleeps for memory, then the instruction again (a page taken
             * since the rehearsal); an event through the gate is queued
             * again, or an interrupt or NMI already taken would be lost. */
            gs_write(v, VMCS_ENTRY_INTR_INFO, requeued);
            return c.g.action;
        }
        if (c.r == GL_UNMAPPED && !committed) {
            /* The old task's #PF: a TSS, descriptor table or stack page its
             * paging does not map (supervisor access). */
            v->regs.cr2 = c.bad;
            return vcpu_raise_exception(v, e, VEC_PF, true, c.wrote ? PF_ERR_WRITE : 0);
        }
        if (c.r == GL_UNMAPPED) {
            /* After the commit, the new task's #PF (SDM vol. 3, 7.3: its
             * faults are its own): its LDT, a descriptor or its stack is
             * not mapped by its paging. Before, the VM stopped. */
            pf_new_task = true;
            pf_addr = c.bad;
            pf_write = c.wrote;
            break;
        }
        vcpu_fail(v, "task switch by %s to selector 0x%x: guest-linear 0x%llx %s (vCPU %u, "
                     "RIP 0x%llx)",
                  how[src], sel, (unsigned long long)c.bad,
                  c.r == GL_WAIT ? "was taken from the VM after the switch began" : "is not guest RAM",
                  v->id, (unsigned long long)e->rip);
        return EXIT_STOP;
    case TS_FAULT:
    case TS_DONE:
        break;
    }
    bool reserved;
    if (out.cr3_loaded && !load_cr3(v, &c, cpu.cr3, &reserved)) {
        const char *why = reserved ? "names a page-directory-pointer entry with a reserved bit set"
                          : c.r == GL_WAIT ? "names a page taken from the VM after the switch began"
                                           : "is not guest RAM";
        vcpu_fail(v, "task switch to selector 0x%x: the new task's CR3 0x%x %s (vCPU %u)", sel,
                  cpu.cr3, why, v->id);
        return EXIT_STOP;
    }
    write_back(v, &cpu);
    if (r == TS_FAULT || pf_new_task) {
        if (r == TS_FAULT && ext && out.has_error)
            out.error |= 1;
        /* An NMI's delivery blocks NMIs from its start, even when it
         * faults: the handler of the fault runs with them blocked until an
         * IRET, as it would on the CPU. */
        if (nmi)
            gs_write(v, VMCS_GUEST_INTERRUPTIBILITY,
                     gs_read(v, VMCS_GUEST_INTERRUPTIBILITY) | INTERRUPTIBILITY_NMI);
    }
    if (pf_new_task) {
        v->regs.cr2 = pf_addr;
        vcpu_inject_exception(v, VEC_PF, true, pf_write ? PF_ERR_WRITE : 0);
        return EXIT_CONTINUE;
    }
    if (r == TS_FAULT && committed) {
        /* In the new task's context (SDM vol. 3, 7.3, after the commit). */
        vcpu_inject_exception(v, out.vector, out.has_error, out.error);
        return EXIT_CONTINUE;
    }
    if (r == TS_FAULT)
        return vcpu_raise_exception(v, e, out.vector, out.has_error, out.error);
    /* Delivering an NMI blocks the next until an IRET, which unblocks
     * NMIs even when it switches tasks. */
    uint64_t intr = gs_read(v, VMCS_GUEST_INTERRUPTIBILITY);
    if (nmi)
        gs_write(v, VMCS_GUEST_INTERRUPTIBILITY, intr | INTERRUPTIBILITY_NMI);
    else if (src == TS_IRET)
        gs_write(v, VMCS_GUEST_INTERRUPTIBILITY, intr & ~(uint64_t)INTERRUPTIBILITY_NMI);
    if (out.debug_trap)
        vcpu_debug_trap(v, DR6_BT); /* the T flag of the task's TSS */
    return EXIT_CONTINUE;
}
