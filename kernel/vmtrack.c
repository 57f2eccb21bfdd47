/* VMTrack's watch on a VM's answers to release requests: see vmtrack.h. */
#include "kernel/vmtrack.h"

enum vmtrack_verdict vmtrack_look(struct vmtrack_watch *w, bool pressure, uint64_t asked,
                                  uint64_t answers, uint64_t cpu, uint64_t now_ns,
                                  uint64_t timeout_ns)
{
    if (!asked || !timeout_ns) {
        w->waiting = false;
        return VMTRACK_FINE;
    }
    /* A new wait, or an answer since the last look: the clock starts again. */
    if (!w->waiting || answers != w->answers) {
        *w = (struct vmtrack_watch){ true, now_ns, answers, cpu };
        return VMTRACK_FINE;
    }
    if (now_ns - w->since_ns < timeout_ns || !pressure)
        return VMTRACK_FINE;
    /* The whole timeout without an answer, memory short: unresponsive if
     * it ran. */
    return cpu != w->cpu ? VMTRACK_UNRESPONSIVE : VMTRACK_FINE;
}

uint64_t vmtrack_waited_ns(const struct vmtrack_watch *w, uint64_t now_ns)
{
    return w->waiting && now_ns > w->since_ns ? now_ns - w->since_ns : 0;
}
