/* What happens before every VM entry for virtual interrupts (vcpu_run calls
 * vcpu_prepare_entry): the board's timers that are due, the interrupt to
 * inject or the interrupt window to open (vmm/vcpu_events.c), and how long
 * the guest may run before the next device deadline, so that a guest
 * spinning without exits still gets its timer interrupt on time. Image only
 * (it converts between the board's nanoseconds and the TSC). */
#ifndef VMM_VCPU_ENTRY_H
#define VMM_VCPU_ENTRY_H

#include "vmm/vcpu.h"
#include "vmm/vplatform.h"

/* The board's look (out of line, vcpu_entry.c): sets v->dev_due_tsc and v->dev_due_ns. */
void vcpu_entry_look(struct vcpu *v, uint64_t now_tsc);

/* The board needs no look before this entry: its next deadline is still
 * the one this vCPU's last look saw (nothing was touched since, and no
 * sibling moved it: a sibling's own look, or its timer write followed by the
 * tick after its exit, recomputes the cached deadline without this vCPU
 * seeing it, and this vCPU would then run past that deadline to its stale
 * one while the sibling's timer waited, up to a second: Linux's clocksource
 * watchdog saw its jiffies fall behind), that deadline is not due yet, no
 * interrupt output is asserted and none waits for a window. Most exits
 * (CPUID, first touches, the UART) pass here, so this test is all they pay,
 * inline: the look cost a CPUID exit 113 instructions in Bochs, this test
 * 24, and 42 when it was an out-of-line call. */
static inline bool vcpu_board_quiet(const struct vcpu *v, uint64_t now_tsc)
{
    const struct vplatform *p = v->plat;
    return p && p->next_deadline != 0 && p->next_deadline == v->dev_due_ns &&
           now_tsc < v->dev_due_tsc && !v->intr_window && !p->pic_int &&
           !p->lapic[v->id].intr && !v->nmi_window && !vplatform_cpu_event(p, v->id);
}

/* TSC ticks the guest may run: to the earlier of `end_tsc` and the next
 * device deadline (at least 1). */
static inline uint64_t vcpu_prepare_entry(struct vcpu *v, uint64_t now_tsc, uint64_t end_tsc)
{
    if (!vcpu_board_quiet(v, now_tsc))
        vcpu_entry_look(v, now_tsc);
    uint64_t until = v->dev_due_tsc < end_tsc ? v->dev_due_tsc : end_tsc;
    return until > now_tsc ? until - now_tsc : 1;
}

#endif
