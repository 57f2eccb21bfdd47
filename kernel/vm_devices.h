/*
 * A VM's devices and the port bus they sit on. Each device model owns its
 * state (allocated when it is attached, freed by the destroy function it
 * registers) and claims the ports it answers; the bus is per VM, so two VMs
 * can have different machines. Pure bookkeeping: the models live in vmm/.
 */
#ifndef KERNEL_VM_DEVICES_H
#define KERNEL_VM_DEVICES_H

#include "include/hv/types.h"

struct vm;

enum io_result {
    IO_DONE = 0,
    IO_STOP,    /* the access ended the VM (exit port, or a refused port) */
};

/* One port access: for reads, *val receives the value (only the low `size`
 * bytes count). `dev` is the state the device registered with its ports. */
typedef enum io_result (*io_handler_fn)(void *dev, struct vm *vm, uint16_t port, unsigned size,
                                        bool in, uint32_t *val);

#define VM_MAX_DEVICES 12   /* COM1, fw_cfg, the PC platform, ACPI's tables and PM, the
                               balloon, pc-testdev, the BIOS's ROM, GuestRPC's channels:
                               9 at most today */
#define VM_MAX_PORT_RANGES 20   /* COM1, fw_cfg, exit and POST ports, the PC platform's 7,
                                   ACPI PM's 2, pc-testdev's 2 */

struct vm_device {
    const char *name;
    void *state;
    void (*destroy)(void *state);   /* NULL: nothing to free */
};

struct vm_port_range {
    uint16_t first, last;
    io_handler_fn fn;
    void *dev;
};

struct vm_devices {
    struct vm_device dev[VM_MAX_DEVICES];
    unsigned ndev;
    struct vm_port_range port[VM_MAX_PORT_RANGES];
    unsigned nports;
};

/* Records a device so that its state is destroyed with the VM. False when
 * the table is full (the caller destroys `state` itself then). */
bool vm_device_add(struct vm_devices *d, const char *name, void *state,
                   void (*destroy)(void *state));
/* Claims ports [first, last] for `fn` with `dev`; false when the table is
 * full, the range is empty or it overlaps a claimed one. */
bool vm_ports_claim(struct vm_devices *d, uint16_t first, uint16_t last, io_handler_fn fn,
                    void *dev);
/* The range that answers `port`, NULL when no device claimed it. */
const struct vm_port_range *vm_ports_find(const struct vm_devices *d, uint16_t port);
/* Destroys every device's state and forgets every claim (idempotent). */
void vm_devices_destroy(struct vm_devices *d);

#endif
