/*
 * The monitor's run loop for one vCPU and one time slice. Exits the guest
 * causes and we can finish here (CPUID, port I/O, MSRs, first touches of
 * RAM) re-enter at once without going back to the scheduler: that path is
 * what `stats exits` measures: TSC from the exit stub's first timestamp to
 * the entry stub's last, so register saving and restoring are counted too.
 *
 * A slice is bounded in host time, not guest time: the VMX preemption timer
 * counts only while the guest runs, and a guest that exits in a tight loop
 * (CPUID forever, a COM1 flood) spends most of its slice in root mode. So
 * the loop reads the TSC at every exit and ends the slice when it is used
 * up, the preemption timer is re-armed with what is left before every entry
 * (the VMCS value is reloaded in full at each entry), and host interrupts
 * get a window between exits: a timer tick or console input taken there
 * ends the slice, as it would have ended it in the guest.
 */
#include "vmm/vcpu.h"
#include "vmm/exits.h"
#include "vmm/monitor.h"
#include "vmm/vmmem_poll.h"
#include "vmm/vcpu_entry.h"
#include "vmm/vcpu_events.h"
#include "vmm/vcpu_startup.h"
#include "kernel/vm.h"
#include "arch/x86_64/vmx.h"
#include "arch/x86_64/vmcs.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"

static void arm_preemption_timer(uint64_t tsc_left, unsigned shift)
{
    uint64_t ticks = tsc_left >> shift;
    vmwrite(VMCS_PREEMPT_TIMER, ticks ? (ticks > 0xffffffffu ? 0xffffffffu : ticks) : 1);
}

/* Lets pending host interrupts in for one instruction; true if any came. */
static bool host_interrupt_window(void)
{
    uint64_t before = irq_total();
    __asm__ volatile("sti; nop; cli" ::: "memory");
    return irq_total() != before;
}

enum run_result vcpu_run(struct vcpu *v, uint64_t slice_tsc)
{
    struct vm *vm = v->vm;
    enum run_result result = RUN_YIELD;
    uint64_t start = rdtsc(), end = start + slice_tsc;
    cli();
    if (!monitor_switch_to(v)) {
        vm_fail(vm, "the CPU refused this vCPU's saved FPU state (XRSTOR/XSETBV)");
        sti();
        return RUN_STOPPED;
    }
    /* A poll point before anything else: a vCPU woken only so that its VM
     * answers a release request (kernel/vm_mem.c) passes one even when it
     * goes back to sleep below without a VM entry. */
    vmmem_poll_point_fast(v, vm->mem.vmmem, v->id, vm->mem.release_gen,
                          vm->mem.deny_until_ns != 0);
    /* INIT/SIPI another vCPU sent, the shared TSC offset; an AP waiting
     * for its SIPI gives the CPU back at once and sleeps until one comes. */
    uint64_t wake_ns;
    if (!vcpu_startup(v, &wake_ns)) {
        vm->vcpu_wake_ns[v->id] = wake_ns;
        sti();
        return vm_is_live(vm) ? RUN_SLEEP : RUN_STOPPED; /* a wake from S3 can end it */
    }
    /* Woken from HLT by a deadline that raised nothing it takes: it stays
     * halted, without a VM entry. */
    if (vcpu_hlt_resume(v) == EXIT_SLEEP) {
        sti();
        return RUN_SLEEP;
    }
    const unsigned shift = vmx_caps()->preempt_shift;

    uint32_t last = EXIT_REASON_COUNT;
    uint64_t t_exit = 0;
    for (;;) {
        /* A poll point: memsched's release request is carried out here,
         * between exits, where the monitor holds nothing of the guest. */
        vmmem_poll_point_fast(v, vm->mem.vmmem, v->id, vm->mem.release_gen,
                              vm->mem.deny_until_ns != 0);
        /* Virtual interrupts; the preemption timer for the slice's end or
         * the next device deadline, whichever is first (vcpu_entry.h). */
        arm_preemption_timer(vcpu_prepare_entry(v, rdtsc(), end), shift);
        int failed = vmx_enter(&v->regs, v->launched);
        /* The stub stamped this entry and the exit that followed it. */
        if (last < EXIT_REASON_COUNT && !failed)
            vm->stats.cycles[last] += v->regs.entry_tsc - t_exit;
        t_exit = v->regs.exit_tsc;
        if (failed) {
            uint64_t err = vmread(VMCS_INSN_ERROR);
            vcpu_fail(v, "VM%s failed: VM-instruction error %llu", v->launched ? "RESUME" : "LAUNCH",
                      (unsigned long long)err);
            result = RUN_STOPPED;
            last = EXIT_REASON_COUNT;
            break;
        }
        v->launched = true;
        uint32_t reason = (uint32_t)vmread(VMCS_EXIT_REASON);
        last = reason & 0xffff;
        if (last >= EXIT_REASON_COUNT)
            last = EXIT_REASON_COUNT - 1;
        vm->stats.count[last]++;
        enum exit_action a = vmm_handle_exit(v, reason);
        /* An INIT this vCPU sent itself (all-including-self) takes effect
         * at the next run. */
        if (a == EXIT_CONTINUE && v->plat && v->plat->cpu[v->id].init_pending)
            a = EXIT_YIELD;
        /* ... and an INIT IPI to the BSP, sent by MMIO or MSR, resets the VM. */
        if (a == EXIT_CONTINUE && !vm_is_live(vm))
            a = EXIT_STOP;
        /* A sibling with an interrupt waiting gets the rest of the slice:
         * on this one physical CPU it cannot take it while we run. */
        if (a == EXIT_CONTINUE && vcpu_sibling_due(v))
            a = EXIT_YIELD;
        if (a == EXIT_CONTINUE) {
            uint64_t now = rdtsc();
            if (now < end && !host_interrupt_window())
                continue;
            a = EXIT_YIELD; /* slice used up, or the host has work */
        }
        vm->stats.cycles[last] += rdtsc() - t_exit;
        result = a == EXIT_YIELD  ? RUN_YIELD
                 : a == EXIT_HALT ? RUN_HALTED
                 : a == EXIT_SLEEP ? RUN_SLEEP
                                   : RUN_STOPPED;
        break;
    }
    /* A VM exit leaves the GDTR and IDTR limits at 0xffff: put ours back. */
    gdt_load();
    idt_load();
    sti();
    uint64_t used = rdtsc() - start;
    vm->stats.cpu_tsc += used;
    vm->stats.slices++;
    return result;
}
