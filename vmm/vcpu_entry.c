/* The board's look before a VM entry: see vcpu_entry.h. */
#include "vmm/vcpu_entry.h"
#include "vmm/vcpu_events.h"
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

void vcpu_entry_look(struct vcpu *v, uint64_t now_tsc)
{
    uint64_t now_ns = plat_time_ns();
    uint64_t dev = device_deadline_tsc(vcpu_events_before_entry(v, now_ns), now_ns);
    v->dev_due_tsc = dev == UINT64_MAX ? UINT64_MAX : now_tsc + dev;
    v->dev_due_ns = v->plat ? v->plat->next_deadline : 0;
}
