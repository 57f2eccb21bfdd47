/* A 16550 UART for the guest at 0x3f8: output only. The guest's bytes go to
 * its console ring and, a line at a time, to the host console. It never
 * raises an interrupt, always reports the transmitter empty, and never has
 * input: enough for polled drivers and for probing. */
#include "vmm/io_ports.h"
#include "kernel/vm.h"

#define LSR_THRE_TEMT 0x60
#define MSR_DCD_DSR_CTS 0xb0

enum io_result uart_io(struct vm *vm, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    (void)size;
    unsigned reg = port & 7;
    bool dlab = vm->uart.lcr & 0x80;
    if (in) {
        uint8_t v = 0;
        switch (reg) {
        case 0: v = dlab ? vm->uart.dll : 0; break;          /* RBR: nothing received */
        case 1: v = dlab ? vm->uart.dlm : vm->uart.ier; break;
        case 2: v = (vm->uart.fcr & 1) ? 0xc1 : 0x01; break; /* IIR: no interrupt */
        case 3: v = vm->uart.lcr; break;
        case 4: v = vm->uart.mcr; break;
        case 5: v = LSR_THRE_TEMT; break;
        case 6: v = MSR_DCD_DSR_CTS; break;
        case 7: v = vm->uart.scr; break;
        }
        *val = v;
        return IO_DONE;
    }
    uint8_t b = (uint8_t)*val;
    switch (reg) {
    case 0:
        if (dlab)
            vm->uart.dll = b;
        else
            vm_console_putc(vm, (char)b);
        break;
    case 1:
        if (dlab)
            vm->uart.dlm = b;
        else
            vm->uart.ier = b & 0x0f;
        break;
    case 2: vm->uart.fcr = b; break;
    case 3: vm->uart.lcr = b; break;
    case 4: vm->uart.mcr = b & 0x1f; break;
    case 7: vm->uart.scr = b; break;
    default: break; /* LSR/MSR writes are ignored */
    }
    return IO_DONE;
}

enum io_result exit_port_io(struct vm *vm, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    (void)port, (void)size;
    if (in) {
        *val = 0xffffffffu;
        return IO_DONE;
    }
    vm_exit_guest(vm, (int)(*val & 0xff));
    return IO_STOP;
}
