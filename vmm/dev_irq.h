/* How a device model reports an interrupt line and when it next needs time.
 * Models are pure state machines: the caller passes the time (ns, any
 * monotonic origin) into every call, runs `tick` at or after the model's
 * `next_deadline`, and connects the line callback to an interrupt
 * controller model (vmm/dev_pic.h) or to the monitor's injection. */
#ifndef VMM_DEV_IRQ_H
#define VMM_DEV_IRQ_H

#include "include/hv/types.h"

#define DEV_NO_DEADLINE UINT64_MAX
#define NS_PER_S 1000000000ULL

/* `line` changes to `level`. Models report only changes (and, for a
 * periodic source, a low-high pulse per period, which an edge-triggered
 * input counts once). */
struct dev_irq {
    void (*set)(void *ctx, unsigned line, bool level);
    void *ctx;
};

static inline void dev_irq_set(const struct dev_irq *o, unsigned line, bool level)
{
    if (o->set)
        o->set(o->ctx, line, level);
}

#endif
