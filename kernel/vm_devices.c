/* The per-VM device table and port bus: see vm_devices.h. */
#include "kernel/vm_devices.h"
#include "lib/kstring.h"

bool vm_device_add(struct vm_devices *d, const char *name, void *state,
                   void (*destroy)(void *state))
{
    if (d->ndev >= VM_MAX_DEVICES)
        return false;
    d->dev[d->ndev++] = (struct vm_device){ name, state, destroy };
    return true;
}

bool vm_ports_claim(struct vm_devices *d, uint16_t first, uint16_t last, io_handler_fn fn,
                    void *dev)
{
    if (d->nports >= VM_MAX_PORT_RANGES || first > last || !fn)
        return false;
    for (unsigned i = 0; i < d->nports; i++)
        if (first <= d->port[i].last && last >= d->port[i].first)
            return false;
    d->port[d->nports++] = (struct vm_port_range){ first, last, fn, dev };
    return true;
}

const struct vm_port_range *vm_ports_find(const struct vm_devices *d, uint16_t port)
{
    /* A handful of ranges: a linear scan beats anything cleverer here. */
    for (unsigned i = 0; i < d->nports; i++)
        if (port >= d->port[i].first && port <= d->port[i].last)
            return &d->port[i];
    return NULL;
}

void vm_devices_destroy(struct vm_devices *d)
{
    for (unsigned i = d->ndev; i-- > 0;)
        if (d->dev[i].destroy)
            d->dev[i].destroy(d->dev[i].state);
    memset(d, 0, sizeof *d);
}
