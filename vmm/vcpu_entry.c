/* What happens before every VM entry for virtual interrupts (vcpu_run calls
 * it): the board's timers that are due, the interrupt to inject or the
 * interrupt window to open (vmm/vcpu_events.c), and how long the guest may
 * run before the next device deadline, so that a guest spinning without
 * exits still gets its timer interrupt on time. Image only: it converts
 * between the board's nanoseconds and the TSC. */
#include "vmm/vcpu.h"
#include "vmm/vcpu_events.h"
#include "vmm/vplatform.h"
#include "include/hv/platform.h"
#include "arch/x86_64/tsc.h"

/* TSC ticks until the next device deadline (at most a second: slices are
 * far shorter). */
static uint64_t device_deadline_tsc(uint64_t due_ns, uint64_t now_ns)
{
    if (due_ns == DEV_NO_DEADLINE)
        return UINT64_MAX;
    if (due_ns <= now_ns)
        return 1;
    uint64_t ns = due_ns - now_ns;
    if (ns > NS_PER_S)
        ns = NS_PER_S;
    return ns * tsc_hz_get() / NS_PER_S + 1;
}

/* The board needs no look before this entry: no model was touched and no
 * interrupt output changed since the last look (its cached deadline is
 * set), none is due yet, no interrupt output is asserted and none waits for
 * a window. Most exits (CPUID, first touches, the UART) pass here, so this
 * test is all they pay: the full look cost a CPUID exit 113 instructions
 * in Bochs, this one 27. */
static bool board_quiet(const struct vcpu *v, uint64_t now_tsc)
{
    const struct vplatform *p = v->plat;
    return p && p->next_deadline != 0 && now_tsc < v->dev_due_tsc && !v->intr_window &&
           !p->pic_int && !p->lapic[v->id].intr;
}

uint64_t vcpu_prepare_entry(struct vcpu *v, uint64_t now_tsc, uint64_t end_tsc)
{
    if (!board_quiet(v, now_tsc)) {
        uint64_t now_ns = plat_time_ns();
        uint64_t dev = device_deadline_tsc(vcpu_events_before_entry(v, now_ns), now_ns);
        v->dev_due_tsc = dev == UINT64_MAX ? UINT64_MAX : now_tsc + dev;
    }
    uint64_t until = v->dev_due_tsc < end_tsc ? v->dev_due_tsc : end_tsc;
    return until > now_tsc ? until - now_tsc : 1;
}
