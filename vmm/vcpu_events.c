/* Virtual interrupt injection and HLT: see vcpu_events.h. */
#include "vmm/vcpu_events.h"
#include "vmm/vcpu.h"
#include "vmm/vplatform.h"
#include "vmm/guest_state.h"
#include "kernel/vm.h"
#include "kernel/vcpu_handoff.h"
#include "include/hv/platform.h"
#include "include/hv/x86/regs.h"

enum inject_action inject_decide(bool pending, uint32_t entry_intr_info, uint64_t rflags,
                                 uint32_t interruptibility)
{
    if (!pending)
        return INJECT_NONE;
    if (entry_intr_info & INTR_INFO_VALID)
        return INJECT_WINDOW; /* one event per entry: the queued one first */
    if (!(rflags & RFLAGS_IF))
        return INJECT_WINDOW;
    if (interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
        return INJECT_WINDOW;
    return INJECT_NOW;
}

enum inject_action nmi_decide(bool pending, uint32_t entry_intr_info, uint32_t interruptibility)
{
    if (!pending)
        return INJECT_NONE;
    if (entry_intr_info & INTR_INFO_VALID)
        return INJECT_WINDOW;
    if (interruptibility & (INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
        return INJECT_WINDOW;
    return INJECT_NOW;
}

enum exit_action hlt_action(bool if_set, bool pending, uint64_t next_deadline, uint64_t *wake_ns)
{
    if (!if_set)
        return EXIT_HALT;
    if (pending)
        return EXIT_CONTINUE;
    *wake_ns = next_deadline;
    return EXIT_SLEEP;
}

/* Interrupt-window exiting is a primary processor-based control we turn on
 * only while an interrupt waits; a soft copy spares a VMREAD per entry. */
static void set_window(struct vcpu *v, bool on)
{
    if (v->intr_window == on)
        return;
    uint64_t proc = gs_read(v, VMCS_PROC_CTLS);
    gs_write(v, VMCS_PROC_CTLS, on ? proc | PROC_INTR_WINDOW : proc & ~(uint64_t)PROC_INTR_WINDOW);
    v->intr_window = on;
}

static void set_nmi_window(struct vcpu *v, bool on)
{
    if (v->nmi_window == on)
        return;
    uint64_t proc = gs_read(v, VMCS_PROC_CTLS);
    gs_write(v, VMCS_PROC_CTLS, on ? proc | PROC_NMI_WINDOW : proc & ~(uint64_t)PROC_NMI_WINDOW);
    v->nmi_window = on;
}

bool nmi_waits_for_interrupt_window(uint32_t entry_intr_info, uint32_t interruptibility)
{
    const uint32_t blocks = INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS;
    return !(entry_intr_info & INTR_INFO_VALID) && (interruptibility & blocks) == INTERRUPTIBILITY_STI;
}

/* An NMI goes first: it outranks maskable interrupts (SDM 6.9). Returns
 * true when it waits for the interrupt window rather than the NMI window. */
static bool nmi_before_entry(struct vcpu *v, struct vplatform *p)
{
    if (!p->cpu[v->id].nmi_pending) {
        set_nmi_window(v, false);
        return false;
    }
    uint32_t blocking = (uint32_t)gs_read(v, VMCS_GUEST_INTERRUPTIBILITY);
    /* In its NMI handler a CPU latches one NMI, however many come. */
    if ((blocking & INTERRUPTIBILITY_NMI) && p->cpu[v->id].nmi_pending > 1)
        p->cpu[v->id].nmi_pending = 1;
    uint32_t queued = (uint32_t)gs_read(v, VMCS_ENTRY_INTR_INFO);
    enum inject_action a = nmi_decide(true, queued, blocking);
    if (a == INJECT_NOW) {
        gs_write(v, VMCS_ENTRY_INTR_INFO, VEC_NMI | INTR_TYPE_NMI | INTR_INFO_VALID);
        vplatform_nmi_taken(p, v->id);
        /* One still latched: its window opens at the handler's IRET (the
         * injection blocks NMIs before the guest runs, SDM vol. 3, 26.7.6). */
        set_nmi_window(v, p->cpu[v->id].nmi_pending && host_vmx_nmi_window());
        return false;
    }
    /* Blocked: the window exit says when it opens; without that control
     * the next entry tries again. Under blocking by STI alone a CPU may
     * take the NMI-window exit at once (the SDM lets it hold the exit off
     * then, not all do), and each entry would find the same blocking and
     * arm it again: the vCPU would never run its next instruction. The
     * interrupt window opens as the shadow ends (IF is set under STI
     * blocking), which every CPU honours; KVM waits so too. */
    bool sti_only = nmi_waits_for_interrupt_window(queued, blocking);
    set_nmi_window(v, !sti_only && host_vmx_nmi_window());
    return sti_only;
}

uint64_t vcpu_events_before_entry(struct vcpu *v, uint64_t now_ns)
{
    struct vplatform *p = v->plat;
    if (!p)
        return DEV_NO_DEADLINE;
    uint64_t next = vplatform_tick(p, now_ns);
    bool nmi_waits = nmi_before_entry(v, p);
    if (!vplatform_pending(p, v->id)) {
        set_window(v, nmi_waits);
        return next;
    }
    enum inject_action a =
        inject_decide(true, (uint32_t)gs_read(v, VMCS_ENTRY_INTR_INFO),
                      gs_read(v, VMCS_GUEST_RFLAGS), (uint32_t)gs_read(v, VMCS_GUEST_INTERRUPTIBILITY));
    if (a == INJECT_NOW) {
        int vector = vplatform_ack(p, v->id);
        if (vector >= 0)
            gs_write(v, VMCS_ENTRY_INTR_INFO, (uint32_t)vector | INTR_TYPE_EXT | INTR_INFO_VALID);
        vplatform_taken(p, v->id, vector, now_ns);
        /* Another one waiting: it is taken when the handler re-enables
         * interrupts (the window exit comes after this delivery). */
        a = vplatform_pending(p, v->id) ? INJECT_WINDOW : INJECT_NONE;
        /* Acking can move a model's deadline (a PIC level re-latch). */
        next = vplatform_next_deadline(p, now_ns);
    }
    set_window(v, a == INJECT_WINDOW || nmi_waits);
    return next;
}

bool vcpu_sibling_due(struct vcpu *v)
{
    struct vm *vm = v->vm;
    if (vm->nvcpus < 2 || !v->plat)
        return false;
    /* A sibling's timer that fell due during this exit raises its interrupt
     * now (the preemption timer was armed for it), not at the next entry. */
    vplatform_tick(v->plat, plat_time_ns());
    return vcpu_handoff_due(vm, v->id);
}

enum exit_action vcpu_hlt(struct vcpu *v)
{
    struct vplatform *p = v->plat;
    bool if_set = gs_read(v, VMCS_GUEST_RFLAGS) & RFLAGS_IF;
    if (p && p->cpu[v->id].nmi_pending)
        return EXIT_CONTINUE;    /* an NMI ends a HLT whatever IF says */
    /* IF clear: only an NMI (or INIT) ends it. Halted for good, unless a
     * device can raise one: then it sleeps until the devices' deadlines,
     * where the NMI may come. */
    if (!p || (!if_set && !vplatform_device_nmi_possible(p)))
        return EXIT_HALT;
    uint64_t now = plat_time_ns();
    uint64_t next = vplatform_tick(p, now);
    if (p->cpu[v->id].nmi_pending)
        return EXIT_CONTINUE;
    uint64_t wake = 0;
    enum exit_action a = hlt_action(true, if_set && vplatform_pending(p, v->id), next, &wake);
    if (a == EXIT_SLEEP)
        v->vm->vcpu_wake_ns[v->id] = wake;
    v->in_hlt = a == EXIT_SLEEP;
    v->hlt_if = if_set;
    return a;
}

enum exit_action vcpu_hlt_resume(struct vcpu *v)
{
    struct vplatform *p = v->plat;
    if (!v->in_hlt || !p || p->cpu[v->id].nmi_pending) {
        v->in_hlt = false;
        return EXIT_CONTINUE;
    }
    uint64_t now = plat_time_ns();
    uint64_t next = vplatform_tick(p, now);
    uint64_t wake = 0;
    /* IF is as it was when it halted: nothing ran since to change it. A
     * deadline may have raised an NMI (a watchdog), which ends any HLT. */
    bool pending = p->cpu[v->id].nmi_pending || (v->hlt_if && vplatform_pending(p, v->id));
    if (hlt_action(true, pending, next, &wake) == EXIT_SLEEP) {
        v->vm->vcpu_wake_ns[v->id] = wake;
        return EXIT_SLEEP;
    }
    v->in_hlt = false;
    return EXIT_CONTINUE;
}

enum exit_action exit_interrupt_window(struct vcpu *v, const struct exit_info *e)
{
    (void)v;
    (void)e;
    /* The guest can take an interrupt now, or an NMI that waited out an
     * STI shadow: the next entry injects it (vcpu_events_before_entry
     * turns the window off when done). */
    return EXIT_CONTINUE;
}

enum exit_action exit_nmi_window(struct vcpu *v, const struct exit_info *e)
{
    (void)v;
    (void)e;
    /* NMIs are no longer blocked: the next entry injects the one waiting. */
    return EXIT_CONTINUE;
}
