/* The VM's COM1: the 16550A model (dev_uart_regs.c) on the VM's port bus.
 * Its output goes to the VM's console (kernel/vm_console.h: the ring and
 * the host console); its input comes from `vm console` through the
 * console's input hook, which this file sets and clears. */
#include "vmm/dev_uart.h"
#include "vmm/io_ports.h"
#include "kernel/vm.h"
#include "mm/heap.h"
#include "lib/kstring.h"

#define UART_DEV_NAME "uart"

struct uart_dev {
    struct dev_uart regs;   /* first: dev_uart_of returns it */
    struct vm *vm;
};

static void to_console(void *ctx, char c)
{
    vm_console_putc(ctx, c);
}

static bool from_console(void *dev, char c)
{
    struct uart_dev *d = dev;
    return dev_uart_receive(&d->regs, (uint8_t)c);
}

static enum io_result uart_io(void *dev, struct vm *vm, uint16_t port, unsigned size, bool in,
                              uint32_t *val)
{
    (void)vm, (void)size;
    struct uart_dev *d = dev;
    if (in)
        *val = dev_uart_read(&d->regs, port & 7);
    else
        dev_uart_write(&d->regs, port & 7, (uint8_t)*val);
    return IO_DONE;
}

static void uart_destroy(void *state)
{
    struct uart_dev *d = state;
    /* The console outlives the device (the VM's record stays for `vm
     * list`): it must not keep a way into freed state. */
    if (d->vm->console.input_dev == d) {
        d->vm->console.input = NULL;
        d->vm->console.input_dev = NULL;
    }
    kfree(d);
}

bool dev_uart_attach(struct vm *vm, uint16_t base)
{
    struct uart_dev *d = kzalloc(sizeof *d);
    if (!d)
        return false;
    dev_uart_init(&d->regs, to_console, vm);
    d->vm = vm;
    if (!vm_device_add(&vm->devices, UART_DEV_NAME, d, uart_destroy)) {
        kfree(d);
        return false;
    }
    if (!vm_ports_claim(&vm->devices, base, (uint16_t)(base + 7), uart_io, d))
        return false;
    vm->console.input = from_console;
    vm->console.input_dev = d;
    return true;
}

struct dev_uart *dev_uart_of(struct vm *vm)
{
    for (unsigned i = 0; i < vm->devices.ndev; i++)
        if (strcmp(vm->devices.dev[i].name, UART_DEV_NAME) == 0)
            return &((struct uart_dev *)vm->devices.dev[i].state)->regs;
    return NULL;
}
