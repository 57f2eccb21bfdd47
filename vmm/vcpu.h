/* A virtual CPU: its VMCS, the registers the VMCS does not hold, its FPU
 * state, and the monitor's run loop. */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include "include/hv/types.h"
#include "arch/x86_64/guest_regs.h"
#include "vmm/guest_loader.h"
#include "vmm/vcpu_describe.h"

#include "kernel/monitor_ops.h"   /* enum vcpu_state, enum run_result */

struct vm;
struct vplatform;

struct vcpu {
    struct vm *vm;
    unsigned id;
    struct vcpu_last_exit last_exit;    /* for `stats exits` (vcpu_describe.h) */
    mpn_t vmcs;
    bool launched;
    struct guest_regs regs;
    mpn_t fpu;              /* XSAVE/FXSAVE area */
    bool fpu_valid;         /* fpu holds this vCPU's state */
    /* MSRs the VMCS does not switch; the host never uses them, so the
     * guest's values live in the CPU while this vCPU owns it (it can change
     * KERNEL_GS_BASE with SWAPGS, without an exit) and are read back here
     * when another vCPU takes the CPU. Index: monitor.c's syscall_msrs. */
    uint64_t syscall_msr[5];
    /* IA32_TSC_AUX, switched the same way when the CPU has RDTSCP (RDTSCP
     * and RDPID read it without an exit; Linux keeps the CPU number in it). */
    uint64_t tsc_aux;
    /* DR0-DR3 and DR6, switched the same way (DR7 is in the VMCS). */
    uint64_t dr[5];
    uint64_t xcr0;
    /* IA32_MISC_ENABLE as the guest set it (exit_msr.c); limit-CPUID and
     * XD-disable act on CPUID and EFER (exit_cpuid.c, exit_cr.c). */
    uint64_t misc_enable;
    /* What the guest wrote to CR0/CR4 when a write exited; only the bits we
     * own (the VMCS masks) mean anything. */
    uint64_t cr0_shadow, cr4_shadow;
    /* guest_cr4_offered(), computed once (0: not yet; the bits every CPU
     * has make it nonzero) */
    uint64_t cr4_offered;
    /* The VM's interrupt controllers and timers (vmm/vplatform.h); NULL
     * when it has none (hosted tests of unrelated handlers). */
    struct vplatform *plat;
    /* Asleep in HLT with interrupts on: it resumes only for an interrupt it
     * can take (or an NMI, or INIT), not merely because a deadline came
     * (a timer it has masked, say), as a halted CPU stays halted. */
    bool in_hlt;
    /* ... and what IF was: halted with it clear (only an NMI ends that HLT,
     * but a device may raise one at a deadline), a maskable interrupt
     * does not wake it. */
    bool hlt_if;
    bool intr_window;       /* interrupt-window exiting is on (vcpu_events.c) */
    bool nmi_window;        /* NMI-window exiting is on (vcpu_events.c) */
    uint32_t tsc_gen;       /* the board's shared TSC offset last loaded (vcpu_startup.c) */
    uint64_t dev_due_tsc;   /* TSC when the board's next deadline falls (vcpu_run) */
    uint64_t dev_due_ns;    /* that deadline, as the board's clock gave it at the look */
};

/* Allocates the VMCS and FPU pages and programs the VMCS for `boot`. False
 * (with a reason) when memory ran out or VMX refused. */
bool vcpu_create(struct vm *vm, unsigned id, const struct guest_boot_state *boot,
                 struct vcpu **out, char *why, size_t whylen);
void vcpu_destroy(struct vcpu *v);

/* Runs `v` until its time slice (in TSC ticks) ends, it halts, or its VM
 * stops. Interrupts are off inside and on when it returns. */
enum run_result vcpu_run(struct vcpu *v, uint64_t slice_tsc);

#endif
