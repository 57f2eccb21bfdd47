/* Virtual interrupts for a vCPU: what goes into the VM-entry
 * interruption-information field before each entry, when the guest must be
 * asked to open an interrupt window first, and what HLT does (SDM vol. 3,
 * 26.3.1.4 / 26.6 event injection, 25.2 interrupt-window exiting, 25.4.1
 * interruptibility state). The decisions are pure functions, tested on the
 * host; the rest works through the guest-state accessor. */
#ifndef VMM_VCPU_EVENTS_H
#define VMM_VCPU_EVENTS_H

#include "include/hv/types.h"
#include "vmm/exits.h"

struct vcpu;

enum inject_action {
    INJECT_NONE = 0,    /* nothing pending */
    INJECT_NOW,         /* deliver it at this entry */
    INJECT_WINDOW,      /* pending but blocked: exit when the guest can take it */
};

/* A virtual interrupt is pending (`pending`); may it go in now? Not while
 * another event is already queued for this entry (`entry_intr_info` valid:
 * an interrupted event being delivered again, or an exception a handler
 * raised; it goes first), with RFLAGS.IF clear, or in the shadow of STI or
 * MOV SS. */
enum inject_action inject_decide(bool pending, uint32_t entry_intr_info, uint64_t rflags,
                                 uint32_t interruptibility);

/* An NMI is pending (`pending`); may it go in now? Not while another
 * event is queued for this entry, nor while NMIs are blocked (by an NMI
 * whose handler has not executed IRET yet) or in the shadow of MOV SS or
 * STI (the VM-entry checks refuse an injected NMI there, SDM 26.3.1.5).
 * When it may not, the monitor asks for an NMI-window exit if the CPU has
 * that control, and otherwise tries again at every entry. */
enum inject_action nmi_decide(bool pending, uint32_t entry_intr_info, uint32_t interruptibility);
/* A blocked NMI waits for the interrupt window, not the NMI window, when
 * blocking by STI is all that holds it (no queued event, no NMI or MOV SS
 * blocking): a CPU may take an NMI-window exit inside an STI shadow. */
bool nmi_waits_for_interrupt_window(uint32_t entry_intr_info, uint32_t interruptibility);

/* After HLT (already skipped): with IF=1, an interrupt already pending
 * means run on (it is injected at the entry); otherwise sleep until
 * `next_deadline` (*wake_ns; DEV_NO_DEADLINE: until a device input wakes
 * it). With IF=0 nothing can wake it: EXIT_HALT, the guest's "halt
 * forever". */
enum exit_action hlt_action(bool if_set, bool pending, uint64_t next_deadline, uint64_t *wake_ns);

/* Before each VM entry: runs the VM's device timers that are due, injects
 * the interrupt the vCPU can take or asks for an interrupt-window exit, and
 * returns the next device deadline (plat_time_ns; DEV_NO_DEADLINE: none),
 * for the preemption timer. */
uint64_t vcpu_events_before_entry(struct vcpu *v, uint64_t now_ns);

/* After an exit `v` handled and would run on from: runs the device timers
 * due now (they may be a sibling's) and says whether a sibling vCPU that
 * has had an interrupt since it last ran should have the rest of the slice
 * (kernel/vcpu_handoff.h). False at once for a VM of one vCPU. */
bool vcpu_sibling_due(struct vcpu *v);

/* The HLT exit's decision for `v` (instruction already skipped); sets
 * vm->vcpu_wake_ns for EXIT_SLEEP. */
enum exit_action vcpu_hlt(struct vcpu *v);
/* Before a vCPU asleep in HLT runs again: EXIT_CONTINUE when it has an
 * interrupt it can take (or an NMI), else EXIT_SLEEP with the next wake
 * time set: woken by a deadline that raised nothing it accepts, it stays
 * halted. */
enum exit_action vcpu_hlt_resume(struct vcpu *v);

enum exit_action exit_interrupt_window(struct vcpu *v, const struct exit_info *e);
enum exit_action exit_nmi_window(struct vcpu *v, const struct exit_info *e);

#endif
