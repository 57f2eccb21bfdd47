/* The exit table and the handlers too small for a file of their own. A
 * reason without a handler stops the VM with its name: nothing a guest does
 * is ignored silently. */
#include "vmm/exits.h"
#include "vmm/vmmem_poll.h"
#include "vmm/vcpu.h"
#include "vmm/guest_state.h"
#include "vmm/guest_rules.h"
#include "vmm/vcpu_events.h"
#include "vmm/vplatform.h"
#include "vmm/virtio_balloon_attach.h"
#include "kernel/vm.h"
#include "mm/guest_rom.h"
#include "kernel/vcpu_handoff.h"
#include "kernel/log.h"
#include "include/hv/x86/regs.h"
#include "include/hv/x86/msr.h"

bool vcpu_in_64bit_mode(struct vcpu *v)
{
    return (gs_read(v, VMCS_GUEST_EFER) & EFER_LMA) && (gs_read(v, VMCS_SEG_AR(SEG_CS)) & (1u << 13));
}

void vcpu_debug_trap(struct vcpu *v, unsigned dr6_bits)
{
    host_guest_dr6_set(dr6_bits);
    gs_write(v, VMCS_ENTRY_INTR_INFO, VEC_DB | INTR_TYPE_HW_EXC | INTR_INFO_VALID);
}

void vcpu_complete_instruction(struct vcpu *v, uint32_t interruptibility, uint64_t next_rip)
{
    /* EIP wraps at 4 GiB outside 64-bit mode (a RIP above it would fail
     * the VM entry); the mode is read only then, off the common path. */
    if (next_rip > 0xffffffffULL && !vcpu_in_64bit_mode(v))
        next_rip = (uint32_t)next_rip;
    gs_write(v, VMCS_GUEST_RIP, next_rip);
    /* STI/MOV-SS blocking ends with the instruction. */
    uint32_t blocking = INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS;
    if (interruptibility & blocking)
        gs_write(v, VMCS_GUEST_INTERRUPTIBILITY, interruptibility & ~blocking);
    /* RF clears when an instruction completes (SDM vol. 3, 18.3.1.1), or
     * it would hide the next instruction's breakpoint. */
    uint64_t rflags = gs_read(v, VMCS_GUEST_RFLAGS);
    if (rflags & RFLAGS_RF)
        gs_write(v, VMCS_GUEST_RFLAGS, rflags & ~RFLAGS_RF);
    /* Single-step (SDM vol. 3, 18.3.1.4; 32.2): with TF set, and BTF clear,
     * the instruction ends in a #DB trap with DR6.BS. The CPU raises it for
     * the instructions it runs; for one the monitor ran, it is queued here,
     * ahead of any interrupt waiting, which is the trap's priority. */
    if ((rflags & RFLAGS_TF) && !(gs_read(v, VMCS_GUEST_DEBUGCTL) & DEBUGCTL_BTF))
        vcpu_debug_trap(v, DR6_BS);
}

void vcpu_skip_instruction(struct vcpu *v, const struct exit_info *e)
{
    vcpu_complete_instruction(v, e->interruptibility, e->rip + e->insn_len);
}

bool vcpu_in_protected_mode(struct vcpu *v)
{
    return gs_read(v, VMCS_GUEST_CR0) & CR0_PE;
}

void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
    uint32_t info = vector | INTR_TYPE_HW_EXC | INTR_INFO_VALID;
    /* A CPU delivering a fault pushes RFLAGS with RF set, so that the
     * handler's IRET does not take an instruction breakpoint again; event
     * injection pushes the guest's RFLAGS as it is, so set RF here. */
    if (VEC_IS_FAULT(vector))
        gs_write(v, VMCS_GUEST_RFLAGS, gs_read(v, VMCS_GUEST_RFLAGS) | RFLAGS_RF);
    if (has_error && vcpu_in_protected_mode(v)) {
        info |= INTR_INFO_ERR_CODE;
        gs_write(v, VMCS_ENTRY_EXC_ERR, error);
    }
    gs_write(v, VMCS_ENTRY_INTR_INFO, info);
}

uint64_t vcpu_gpr_read(struct vcpu *v, unsigned index)
{
    index &= 15;
    return index == REG_RSP ? gs_read(v, VMCS_GUEST_RSP) : v->regs.gpr[index];
}

void vcpu_gpr_write(struct vcpu *v, unsigned index, uint64_t value)
{
    index &= 15;
    if (index == REG_RSP)
        gs_write(v, VMCS_GUEST_RSP, value);
    else
        v->regs.gpr[index] = value;
}

static bool contributory(unsigned vector)
{
    return vector == VEC_DE || (vector >= VEC_TS && vector <= VEC_GP);
}

/* Table 6-5 of SDM vol. 3 (exits.h): used for faults the monitor raises
 * in the guest's stead during an event's delivery (a task switch through a
 * task gate, an intercepted #GP). */
enum exit_action vcpu_raise_exception(struct vcpu *v, const struct exit_info *e, uint8_t vector,
                                      bool has_error, uint32_t error)
{
    uint32_t first = e->idt_vec_info;
    if ((first & INTR_INFO_VALID) && (first & INTR_TYPE_MASK) == INTR_TYPE_HW_EXC) {
        unsigned f = first & 0xff;
        bool serious = contributory(vector) || vector == VEC_PF;
        if (f == VEC_DF && serious) {
            /* Said as the CPU's own triple-fault exit says it, and why. */
            vcpu_fail(v, "triple fault (vCPU %u, RIP 0x%llx): exception %u while delivering #DF",
                      v->id, (unsigned long long)e->rip, vector);
            return EXIT_STOP;
        }
        if ((f == VEC_PF && serious) || (contributory(f) && contributory(vector))) {
            vector = VEC_DF;
            has_error = true;
            error = 0;
        }
    }
    vcpu_inject_exception(v, vector, has_error, error);
    return EXIT_CONTINUE;
}

/* An event (exception, interrupt, NMI) was being delivered when the exit hit,
 * e.g. its stack or IDT page was not mapped yet: deliver it again on the next
 * entry, or it is lost (SDM vol. 3, 28.2.4 and 27.2.4 "Information for VM
 * Exits During Event Delivery"). Software interrupts and exceptions need the
 * instruction length to push the right return address. */
static void reinject_interrupted_event(struct vcpu *v, const struct exit_info *e)
{
    if (!(e->idt_vec_info & INTR_INFO_VALID))
        return;
    uint32_t type = e->idt_vec_info & INTR_TYPE_MASK;
    gs_write(v, VMCS_ENTRY_INTR_INFO, e->idt_vec_info & ~INTR_INFO_NMI_UNBLOCK);
    /* The NMI's delivery had begun, so the exit saved blocking by NMI; an
     * entry injecting an NMI with that bit set fails (SDM vol. 3, 26.3.1.5,
     * with virtual NMIs). Delivery blocks NMIs again. */
    if (type == INTR_TYPE_NMI && (e->interruptibility & INTERRUPTIBILITY_NMI))
        gs_write(v, VMCS_GUEST_INTERRUPTIBILITY, e->interruptibility & ~INTERRUPTIBILITY_NMI);
    if (e->idt_vec_info & INTR_INFO_ERR_CODE)
        gs_write(v, VMCS_ENTRY_EXC_ERR, e->idt_vec_error);
    if (type == INTR_TYPE_SW_INT || type == INTR_TYPE_PRIV_SW_EXC || type == INTR_TYPE_SW_EXC)
        gs_write(v, VMCS_ENTRY_INSN_LEN, e->insn_len);
}

static enum exit_action exit_external_interrupt(struct vcpu *v, const struct exit_info *e)
{
    (void)v;
    (void)e;
    /* The interrupt is still pending at the local APIC (we do not ack on
     * exit): back to vcpu_run, whose interrupt window lets the host's handler
     * run, and to the scheduler. */
    return EXIT_YIELD;
}

static enum exit_action exit_preemption_timer(struct vcpu *v, const struct exit_info *e)
{
    (void)v;
    (void)e;
    /* Armed for the slice's end or the next device deadline, whichever is
     * first: vcpu_run ends the slice if it is used up, and otherwise the
     * next entry runs the device timers and injects what they raised. */
    return EXIT_CONTINUE;
}

static enum exit_action exit_triple_fault(struct vcpu *v, const struct exit_info *e)
{
    vcpu_fail(v, "triple fault (vCPU %u, RIP 0x%llx)", v->id, (unsigned long long)e->rip);
    return EXIT_STOP;
}

static enum exit_action exit_hlt(struct vcpu *v, const struct exit_info *e)
{
    vcpu_skip_instruction(v, e);
    /* A single-step trap after the HLT is a debug exception, which resumes
     * a halted CPU at once (SDM vol. 2, HLT): it is delivered now. */
    if (gs_read(v, VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID)
        return EXIT_CONTINUE;
    /* With interrupts enabled it sleeps until its next virtual interrupt;
     * with them off it stays halted (vcpu_events.c). Either way the
     * scheduler takes it off the run queue and it costs nothing. */
    return vcpu_hlt(v);
}

static enum exit_action exit_ept_violation(struct vcpu *v, const struct exit_info *e)
{
    struct vm *vm = v->vm;
    /* A fault that interrupted an IRET re-blocks NMIs (SDM vol. 3, 28.2.3),
     * unless the exit hit during event delivery. */
    if ((e->qual & EPT_QUAL_NMI_UNBLOCK) && !(e->idt_vec_info & INTR_INFO_VALID))
        gs_write(v, VMCS_GUEST_INTERRUPTIBILITY, e->interruptibility | INTERRUPTIBILITY_NMI);
    if (vm_gpa_is_ram(vm, e->gpa))
        return vmmem_ram_fault(v, e->gpa);   /* first touch, page-in, blocking */
    /* Code fetched from the legacy hole reads all ones, as from an empty
     * bus (0xff 0xff is #UD, which the guest then takes): the page is
     * mapped to a page of them. */
    if ((e->qual & EPT_QUAL_FETCH) && mmio_is_legacy_hole(e->gpa) &&
        vm_map_floating_bus(vm, e->gpa))
        return EXIT_CONTINUE;
    /* The APICs' pages (wherever IA32_APIC_BASE put them), the virtio
     * balloon's window and the legacy hole: every access is decoded and
     * emulated. (pc-testdev's window is memory, mapped: vmm/testdev_attach.c.) */
    if (mmio_is_register_device(v, e->gpa) || mmio_is_legacy_hole(e->gpa))
        return exit_mmio(v, e);
    /* The BIOS area reads as ROM (guests scan it for ACPI and MP tables);
     * a write there is emulated and dropped, as ROM drops it (a DOS memory
     * manager probes the upper memory area so). */
    if (!(e->qual & EPT_QUAL_WRITE) && vm_map_bios_rom(vm, e->gpa))
        return EXIT_CONTINUE;
    if ((e->qual & EPT_QUAL_WRITE) && guest_rom_contains(e->gpa))
        return exit_mmio(v, e);
    /* Nothing there: on a PC the access ends in a master abort, reads
     * float to all ones and writes vanish, and so here by default
     * (exit_mmio.c). Never mapped, so a guest sweeping the address space
     * costs its own exits and no host memory. */
    return exit_unknown_memory(v, e);
}

static enum exit_action exit_ept_misconfig(struct vcpu *v, const struct exit_info *e)
{
    vcpu_fail(v, "EPT misconfiguration at guest-physical 0x%llx (a monitor bug)",
              (unsigned long long)e->gpa);
    return EXIT_STOP;
}

unsigned vcpu_cpl(struct vcpu *v)
{
    return (gs_read(v, VMCS_SEG_AR(SEG_SS)) >> 5) & 3;
}

static enum exit_action exit_xsetbv(struct vcpu *v, const struct exit_info *e)
{
    uint64_t value = (v->regs.gpr[REG_RDX] << 32) | (uint32_t)v->regs.gpr[REG_RAX];
    struct cr_state s;
    vcpu_cr_state(v, &s);
    if (!(s.cr4 & CR4_OSXSAVE)) {
        vcpu_inject_exception(v, VEC_UD, false, 0);
        return EXIT_CONTINUE;
    }
    /* Every rule of SDM vol. 1, 13.3 first; the guarded XSETBV then turns a
     * rule this CPU adds (and we missed) into the guest's #GP as well. */
    if (vcpu_cpl(v) != 0 ||
        xsetbv_refusal((uint32_t)v->regs.gpr[REG_RCX], value, host_xcr0_offered()) ||
        !host_guest_xsetbv(value)) {
        vcpu_inject_exception(v, VEC_GP, true, 0);
        return EXIT_CONTINUE;
    }
    v->xcr0 = value;
    vcpu_skip_instruction(v, e);
    return EXIT_CONTINUE;
}

static enum exit_action exit_invalid_opcode(struct vcpu *v, const struct exit_info *e)
{
    (void)e;
    /* VMX instructions, MONITOR/MWAIT, GETSEC, ENCLS/ENCLV (hidden in
     * CPUID), SEAMCALL and TDCALL: #UD, as on a CPU without them. */
    vcpu_inject_exception(v, VEC_UD, false, 0);
    return EXIT_CONTINUE;
}

static enum exit_action exit_skip(struct vcpu *v, const struct exit_info *e)
{
    vcpu_skip_instruction(v, e); /* INVD, WBINVD: nothing to do */
    return EXIT_CONTINUE;
}

/* INVLPG exits only on a CPU that forces INVLPG exiting (no TRUE controls,
 * arch/x86_64/vmx.c); the CPU checked CPL 0 before the exit. The page's
 * translations go with all of the vCPU's (a superset the CPU may always
 * drop). */
static enum exit_action exit_invlpg(struct vcpu *v, const struct exit_info *e)
{
    host_guest_tlb_flush();
    vcpu_skip_instruction(v, e);
    return EXIT_CONTINUE;
}

/* Only VMs of several vCPUs exit on PAUSE (a PAUSE loop, or every PAUSE
 * where the CPU lacks PAUSE-loop exiting: vcpu_setup.c). A vCPU spinning
 * there waits for another CPU, and on this one physical CPU the vCPU it
 * waits for runs only once this one stops: the rest of its slice goes to a
 * sibling that can run (kernel/vcpu_handoff.h). */
static enum exit_action exit_pause(struct vcpu *v, const struct exit_info *e)
{
    vcpu_skip_instruction(v, e);
    return vcpu_handoff_spin(v->vm, v->id) ? EXIT_YIELD : EXIT_CONTINUE;
}

static enum exit_action exit_nmi(struct vcpu *v, const struct exit_info *e)
{
    if ((e->intr_info & INTR_TYPE_MASK) == INTR_TYPE_NMI) {
        /* A host NMI arrived while the guest ran: nothing sends us NMIs
         * on purpose, so note it. */
        LOG_WARN("NMI while a guest was running");
        return EXIT_YIELD;
    }
    return exit_exception(v, e);   /* the #GP intercepted for the backdoor */
}

static enum exit_action exit_entry_failure(struct vcpu *v, const struct exit_info *e)
{
    vcpu_fail(v, "VM entry failed: %s (exit qualification %llu, vCPU %u, RIP 0x%llx)",
              vmx_exit_reason_name(e->reason), (unsigned long long)e->qual, v->id,
              (unsigned long long)e->rip);
    return EXIT_STOP;
}

static const exit_handler_fn handlers[EXIT_REASON_COUNT] = {
    [EXIT_EXCEPTION_NMI] = exit_nmi,
    [EXIT_EXTERNAL_INTR] = exit_external_interrupt,
    [EXIT_TRIPLE_FAULT] = exit_triple_fault,
    [EXIT_INTR_WINDOW] = exit_interrupt_window,
    [EXIT_NMI_WINDOW] = exit_nmi_window,
    [EXIT_CPUID] = exit_cpuid,
    [EXIT_HLT] = exit_hlt,
    [EXIT_INVD] = exit_skip,
    [EXIT_INVLPG] = exit_invlpg,
    [EXIT_WBINVD] = exit_skip,
    [EXIT_PAUSE] = exit_pause,
    [EXIT_RDPMC] = exit_rdpmc,
    /* Instructions that exit unconditionally, for features the guest does
     * not have (SDM 26.1.2; CPUID hides SMX, and there is no TDX): #UD, as
     * on a CPU without them. */
    [EXIT_GETSEC] = exit_invalid_opcode,
    [EXIT_SEAMCALL] = exit_invalid_opcode,
    [EXIT_TDCALL] = exit_invalid_opcode,
    [EXIT_ENCLS] = exit_invalid_opcode,    /* SGX: hidden, every leaf exits */
    [EXIT_ENCLV] = exit_invalid_opcode,
    [EXIT_VMCALL] = exit_vmcall,
    [EXIT_VMCLEAR] = exit_invalid_opcode,
    [EXIT_VMLAUNCH] = exit_invalid_opcode,
    [EXIT_VMPTRLD] = exit_invalid_opcode,
    [EXIT_VMPTRST] = exit_invalid_opcode,
    [EXIT_VMREAD] = exit_invalid_opcode,
    [EXIT_VMRESUME] = exit_invalid_opcode,
    [EXIT_VMWRITE] = exit_invalid_opcode,
    [EXIT_VMXOFF] = exit_invalid_opcode,
    [EXIT_VMXON] = exit_invalid_opcode,
    [EXIT_INVEPT] = exit_invalid_opcode,
    [EXIT_INVVPID] = exit_invalid_opcode,
    [EXIT_MWAIT] = exit_invalid_opcode,
    [EXIT_MONITOR] = exit_invalid_opcode,
    [EXIT_CR_ACCESS] = exit_cr_access,
    [EXIT_IO] = exit_io,
    [EXIT_RDMSR] = exit_rdmsr,
    [EXIT_WRMSR] = exit_wrmsr,
    [EXIT_EPT_VIOLATION] = exit_ept_violation,
    [EXIT_EPT_MISCONFIG] = exit_ept_misconfig,
    [EXIT_PREEMPT_TIMER] = exit_preemption_timer,
    [EXIT_XSETBV] = exit_xsetbv,
    [EXIT_TASK_SWITCH] = exit_task_switch,
};

enum exit_action vmm_handle_exit(struct vcpu *v, uint32_t raw_reason)
{
    struct exit_info e;
    exit_decode(v, raw_reason, &e);
    /* Where this exit found the guest, for `stats exits`: exit_decode read
     * all of it but RFLAGS, one VMREAD more an exit. */
    v->last_exit = (struct vcpu_last_exit){
        .rip = e.rip, .rflags = gs_read(v, VMCS_GUEST_RFLAGS), .reason = e.reason,
        .interruptibility = e.interruptibility, .valid = true,
    };
    if (e.entry_failed)
        return exit_entry_failure(v, &e);
    /* First, so a handler's own injection (a #GP it raises) takes its place. */
    reinject_interrupted_event(v, &e);
    if (e.reason < EXIT_REASON_COUNT && handlers[e.reason])
        return handlers[e.reason](v, &e);
    vcpu_fail(v, "unhandled VM exit %u (%s), qualification 0x%llx, vCPU %u, RIP 0x%llx",
              e.reason, vmx_exit_reason_name(e.reason), (unsigned long long)e.qual, v->id,
              (unsigned long long)e.rip);
    return EXIT_STOP;
}
