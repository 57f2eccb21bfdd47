/* A 16550 UART for the guest: output only. The guest's bytes go to its
 * console ring and, a line at a time, to the host console. It never raises
 * an interrupt, always reports the transmitter empty, and never has input:
 * enough for polled drivers and for probing. Its registers are its own
 * state, allocated per VM when it is attached. */
#include "vmm/io_ports.h"
#include "kernel/vm.h"
#include "mm/heap.h"

#define LSR_THRE_TEMT 0x60
#define MSR_DCD_DSR_CTS 0xb0

struct uart {
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
};

static enum io_result uart_io(void *dev, struct vm *vm, uint16_t port, unsigned size, bool in,
                              uint32_t *val)
{
    (void)size;
    struct uart *u = dev;
    unsigned reg = port & 7;
    bool dlab = u->lcr & 0x80;
    if (in) {
        uint8_t v = 0;
        switch (reg) {
        case 0: v = dlab ? u->dll : 0; break;          /* RBR: nothing received */
        case 1: v = dlab ? u->dlm : u->ier; break;
        case 2: v = (u->fcr & 1) ? 0xc1 : 0x01; break; /* IIR: no interrupt */
        case 3: v = u->lcr; break;
        case 4: v = u->mcr; break;
        case 5: v = LSR_THRE_TEMT; break;
        case 6: v = MSR_DCD_DSR_CTS; break;
        case 7: v = u->scr; break;
        }
        *val = v;
        return IO_DONE;
    }
    uint8_t b = (uint8_t)*val;
    switch (reg) {
    case 0:
        if (dlab)
            u->dll = b;
        else
            vm_console_putc(vm, (char)b);
        break;
    case 1:
        if (dlab)
            u->dlm = b;
        else
            u->ier = b & 0x0f;
        break;
    case 2: u->fcr = b; break;
    case 3: u->lcr = b; break;
    case 4: u->mcr = b & 0x1f; break;
    case 7: u->scr = b; break;
    default: break; /* LSR/MSR writes are ignored */
    }
    return IO_DONE;
}

static void uart_destroy(void *state) { kfree(state); }

bool dev_uart_attach(struct vm *vm, uint16_t base)
{
    struct uart *u = kzalloc(sizeof *u);
    if (!u)
        return false;
    if (!vm_device_add(&vm->devices, "uart", u, uart_destroy)) {
        kfree(u);
        return false;
    }
    return vm_ports_claim(&vm->devices, base, (uint16_t)(base + 7), uart_io, u);
}
