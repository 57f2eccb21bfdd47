/* 16550 UART. Registers (offsets from the base port): 0 RBR/THR (DLL when
 * DLAB), 1 IER (DLM when DLAB), 2 IIR/FCR, 3 LCR, 4 MCR, 5 LSR, 7 SCR. */
#include "drivers/uart16550.h"
#include "arch/x86_64/cpu.h"

#define LSR_DR   0x01 /* data ready */
#define LSR_THRE 0x20 /* transmit holding register empty */

static uint16_t base;
static bool present;

bool uart_init(uint16_t port, uint32_t baud)
{
    base = port;
    /* No UART answers with all ones, and the scratch register of a real one
     * keeps what we write. */
    outb(base + 7, 0x5a);
    if (inb(base + 7) != 0x5a) {
        present = false;
        return false;
    }
    uint16_t div = (uint16_t)(115200 / (baud ? baud : 115200));
    outb(base + 1, 0x00);                /* interrupts off while programming */
    outb(base + 3, 0x80);                /* DLAB */
    outb(base + 0, div & 0xff);
    outb(base + 1, div >> 8);
    outb(base + 3, 0x03);                /* 8 data bits, no parity, 1 stop */
    outb(base + 2, 0xc7);                /* FIFOs on and cleared, 14-byte trigger */
    outb(base + 4, 0x0b);                /* DTR, RTS, OUT2 (gates the IRQ line) */
    present = true;
    return true;
}

bool uart_present(void) { return present; }

void uart_putc(char c)
{
    if (!present)
        return;
    /* Bounded wait: a wedged UART must not hang the host forever. At
     * 115200 baud one byte takes about 87 us. */
    for (uint32_t spin = 0; spin < 1000000; spin++) {
        if (inb(base + 5) & LSR_THRE)
            break;
        __builtin_ia32_pause();
    }
    outb(base, (uint8_t)c);
}

void uart_enable_rx_irq(void)
{
    if (present)
        outb(base + 1, 0x01);
}

unsigned uart_drain_rx(void (*sink)(char c))
{
    unsigned n = 0;
    if (!present)
        return 0;
    while ((inb(base + 5) & LSR_DR) && n < 4096) {
        sink((char)inb(base));
        n++;
    }
    return n;
}
