/* The exit table and the handlers too small for a file of their own. A
 * reason without a handler stops the VM with its name: nothing a guest does
 * is ignored silently. */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/monitor.h"
#include "kernel/vm.h"
#include "kernel/log.h"
#include "arch/x86_64/vmcs.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/safe_insn.h"
#include "vmm/guest_rules.h"
#include "include/hv/x86/regs.h"

void vcpu_skip_instruction(void)
{
    vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + vmread(VMCS_EXIT_INSN_LEN));
    /* An instruction completed: STI/MOV-SS blocking ends with it. */
    uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
    if (intr & 3)
        vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr & ~3ULL);
}

bool vcpu_in_protected_mode(void)
{
    return vmread(VMCS_GUEST_CR0) & CR0_PE;
}

void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
    (void)v;
    uint32_t info = vector | INTR_TYPE_HW_EXC | INTR_INFO_VALID;
    if (has_error && vcpu_in_protected_mode()) {
        info |= INTR_INFO_ERR_CODE;
        vmwrite(VMCS_ENTRY_EXC_ERR, error);
    }
    vmwrite(VMCS_ENTRY_INTR_INFO, info);
}

static uint64_t guest_rip(void) { return vmread(VMCS_GUEST_RIP); }

static enum exit_action exit_external_interrupt(struct vcpu *v)
{
    (void)v;
    /* The interrupt is still pending at the local APIC (we do not ack on
     * exit): open a window so the host's handler runs now. */
    __asm__ volatile("sti; nop; cli" ::: "memory");
    return EXIT_YIELD;
}

static enum exit_action exit_preemption_timer(struct vcpu *v)
{
    (void)v;
    return EXIT_YIELD;
}

static enum exit_action exit_triple_fault(struct vcpu *v)
{
    vm_fail(v->vm, "triple fault (vCPU %u, RIP 0x%llx)", v->id, (unsigned long long)guest_rip());
    return EXIT_STOP;
}

static enum exit_action exit_hlt(struct vcpu *v)
{
    vcpu_skip_instruction();
    /* No virtual interrupt source exists yet, so a halted vCPU stays halted:
     * it is taken off the run queue and costs nothing. */
    v->state = VCPU_HALTED;
    return EXIT_HALT;
}

static enum exit_action exit_ept_violation(struct vcpu *v)
{
    uint64_t gpa = vmread(VMCS_GUEST_PHYS_ADDR);
    uint64_t q = vmread(VMCS_EXIT_QUAL);
    struct vm *vm = v->vm;
    if (vm_gpa_is_ram(vm, gpa)) {
        if (vm_touch_page(vm, gpa))
            return EXIT_CONTINUE;
        vm_fail(vm, "out of machine memory backing guest-physical 0x%llx",
                (unsigned long long)gpa);
        return EXIT_STOP;
    }
    vm_fail(vm, "%s of guest-physical 0x%llx outside RAM and MMIO (vCPU %u, RIP 0x%llx)",
            (q & 4) ? "instruction fetch" : (q & 2) ? "write" : "read", (unsigned long long)gpa,
            v->id, (unsigned long long)guest_rip());
    return EXIT_STOP;
}

static enum exit_action exit_ept_misconfig(struct vcpu *v)
{
    vm_fail(v->vm, "EPT misconfiguration at guest-physical 0x%llx (a monitor bug)",
            (unsigned long long)vmread(VMCS_GUEST_PHYS_ADDR));
    return EXIT_STOP;
}

static unsigned guest_cpl(void)
{
    return (vmread(VMCS_SEG_AR(SEG_SS)) >> 5) & 3;
}

static enum exit_action exit_xsetbv(struct vcpu *v)
{
    uint64_t value = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
    struct cr_state s;
    vcpu_cr_state(&s);
    if (!(s.cr4 & CR4_OSXSAVE)) {
        vcpu_inject_exception(v, VEC_UD, false, 0);
        return EXIT_CONTINUE;
    }
    /* Every rule of SDM vol. 1, 13.3 first; the guarded XSETBV then turns a
     * rule this CPU adds (and we missed) into the guest's #GP as well. */
    if (guest_cpl() != 0 ||
        xsetbv_refusal((uint32_t)v->regs.rcx, value, fpu_supported_xcr0()) ||
        !safe_xsetbv(0, value)) {
        vcpu_inject_exception(v, VEC_GP, true, 0);
        return EXIT_CONTINUE;
    }
    v->xcr0 = value;
    vcpu_skip_instruction();
    return EXIT_CONTINUE;
}

static enum exit_action exit_invalid_opcode(struct vcpu *v)
{
    /* VMX instructions, MONITOR/MWAIT (hidden in CPUID): #UD, as on a CPU
     * without them. */
    vcpu_inject_exception(v, 6, false, 0);
    return EXIT_CONTINUE;
}

static enum exit_action exit_gp(struct vcpu *v)
{
    vcpu_inject_exception(v, 13, true, 0); /* RDPMC with no counters */
    return EXIT_CONTINUE;
}

static enum exit_action exit_skip(struct vcpu *v)
{
    (void)v;
    vcpu_skip_instruction(); /* INVD, WBINVD, PAUSE: nothing to do */
    return EXIT_CONTINUE;
}

static enum exit_action exit_nmi(struct vcpu *v)
{
    (void)v;
    uint32_t info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);
    if (((info >> 8) & 7) == 2) {
        /* A host NMI arrived while the guest ran: nothing sends us NMIs
         * on purpose, so note it. */
        LOG_WARN("NMI while a guest was running");
        return EXIT_YIELD;
    }
    vm_fail(v->vm, "unexpected exception exit (info 0x%x)", info);
    return EXIT_STOP;
}

static enum exit_action exit_entry_failure(struct vcpu *v, uint32_t reason)
{
    vm_fail(v->vm, "VM entry failed: %s (exit qualification %llu, vCPU %u, RIP 0x%llx)",
            vmx_exit_reason_name(reason), (unsigned long long)vmread(VMCS_EXIT_QUAL), v->id,
            (unsigned long long)guest_rip());
    return EXIT_STOP;
}

static const exit_handler_fn handlers[EXIT_REASON_COUNT] = {
    [EXIT_EXCEPTION_NMI] = exit_nmi,
    [EXIT_EXTERNAL_INTR] = exit_external_interrupt,
    [EXIT_TRIPLE_FAULT] = exit_triple_fault,
    [EXIT_CPUID] = exit_cpuid,
    [EXIT_HLT] = exit_hlt,
    [EXIT_INVD] = exit_skip,
    [EXIT_WBINVD] = exit_skip,
    [EXIT_PAUSE] = exit_skip,
    [EXIT_RDPMC] = exit_gp,
    [EXIT_VMCALL] = exit_invalid_opcode,
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
};

enum exit_action vmm_handle_exit(struct vcpu *v, uint32_t reason)
{
    uint32_t basic = reason & 0xffff;
    if (reason & EXIT_REASON_ENTRY_FAIL)
        return exit_entry_failure(v, basic);
    if (basic < EXIT_REASON_COUNT && handlers[basic])
        return handlers[basic](v);
    vm_fail(v->vm, "unhandled VM exit %u (%s), qualification 0x%llx, vCPU %u, RIP 0x%llx", basic,
            vmx_exit_reason_name(basic), (unsigned long long)vmread(VMCS_EXIT_QUAL), v->id,
            (unsigned long long)guest_rip());
    return EXIT_STOP;
}
