/* Devices of a single port and no state: the exit port and silent ports. */
#include "vmm/io_ports.h"
#include "kernel/vm.h"

static enum io_result exit_port_io(void *dev, struct vm *vm, uint16_t port, unsigned size,
                                   bool in, uint32_t *val)
{
    (void)dev, (void)port, (void)size;
    if (in) {
        *val = 0xffffffffu;
        return IO_DONE;
    }
    vm_exit_guest(vm, (int)(*val & 0xff));
    return IO_STOP;
}

static enum io_result null_io(void *dev, struct vm *vm, uint16_t port, unsigned size, bool in,
                              uint32_t *val)
{
    (void)dev, (void)vm, (void)port, (void)size;
    if (in)
        *val = 0xffffffffu;
    return IO_DONE;
}

bool dev_exit_port_attach(struct vm *vm, uint16_t port)
{
    return vm_ports_claim(&vm->devices, port, port, exit_port_io, NULL);
}

bool dev_null_attach(struct vm *vm, uint16_t first, uint16_t last)
{
    return vm_ports_claim(&vm->devices, first, last, null_io, NULL);
}
