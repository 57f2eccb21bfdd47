/* Port I/O: dispatch over the VM's port bus (kernel/vm_devices.h) and the
 * PC devices every VM gets. */
#ifndef VMM_IO_PORTS_H
#define VMM_IO_PORTS_H

#include "include/hv/types.h"
#include "kernel/vm_devices.h"   /* enum io_result, io_handler_fn */

struct vm;

/* Runs the device behind `port`. For reads, *val receives the value (only
 * the low `size` bytes count). A port nobody claimed reads as all ones. */
enum io_result io_dispatch(struct vm *vm, uint16_t port, unsigned size, bool in, uint32_t *val);

/* Attaches the devices of our PC to `vm`: COM1, the exit port, the POST
 * port. False with a reason when their state could not be had. */
bool io_attach_pc_devices(struct vm *vm, char *why, size_t whylen);

/* Device models; each allocates its own state and claims its ports. */
bool dev_uart_attach(struct vm *vm, uint16_t base);
/* A byte written to `port` ends the VM with that status (QEMU's
 * isa-debug-exit). */
bool dev_exit_port_attach(struct vm *vm, uint16_t port);
/* Ports that read as all ones and ignore writes without a word in the log
 * (port 0x80: POST codes and I/O delays). */
bool dev_null_attach(struct vm *vm, uint16_t first, uint16_t last);

#endif
