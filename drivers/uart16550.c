/* 16550 UART. Registers (offsets from the base port): 0 RBR/THR (DLL when
 * DLAB), 1 IER (DLM when DLAB), 2 IIR/FCR, 3 LCR, 4 MCR, 5 LSR, 7 SCR. */
#include "drivers/uart16550.h"
#include "arch/x86_64/cpu.h"

#define LSR_DR   0x01 /* data ready */
#define LSR_THRE 0x20 /* transmit holding register empty */

static uint16_t base;
static bool present;
static unsigned fifo_depth = 1;  /* bytes THR takes when THRE is set */
static uint8_t ier;              /* what we wrote to IER */

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
    /* IIR bits 7:6 read 11 when the FIFOs are on: a 16550A, whose transmit
     * FIFO takes 16 bytes once THRE says it is empty; a 16450 takes one. */
    fifo_depth = (inb(base + 2) & 0xc0) == 0xc0 ? 16 : 1;
    outb(base + 4, 0x0b);                /* DTR, RTS, OUT2 (gates the IRQ line) */
    ier = 0;
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

static void set_ier(uint8_t v)
{
    if (present && v != ier) {
        ier = v;
        outb(base + 1, v);
    }
}

void uart_enable_rx_irq(void) { set_ier(ier | 0x01); }

void uart_set_tx_irq(bool on) { set_ier(on ? ier | 0x02 : ier & ~0x02); }

unsigned uart_tx_room(void)
{
    return present && (inb(base + 5) & LSR_THRE) ? fifo_depth : 0;
}

void uart_tx_byte(char c)
{
    if (present)
        outb(base, (uint8_t)c);
}

bool uart_irq_pending(void)
{
    return present && !(inb(base + 2) & 0x01);
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
