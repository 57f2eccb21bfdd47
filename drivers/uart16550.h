/* A 16550-compatible UART (COM1 at 0x3f8 on PCs): output polled (uart_putc
 * waits for the transmitter) or fed as the transmit FIFO empties (its
 * interrupt), interrupt-driven input. */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#include "include/hv/types.h"

#define COM1_PORT 0x3f8
#define COM1_IRQ  4

/* Programs 8N1 at `baud` with FIFOs; false when no UART answers. */
bool uart_init(uint16_t port, uint32_t baud);
bool uart_present(void);
void uart_putc(char c);
/* Enables the received-data interrupt (the line must be routed first). */
void uart_enable_rx_irq(void);
/* The transmitter-empty interrupt on or off (on only while bytes wait:
 * with nothing to send it would stay asserted). */
void uart_set_tx_irq(bool on);
/* Bytes the transmitter takes now without waiting: the FIFO's depth when it
 * is empty, else 0 (0 without a UART). */
unsigned uart_tx_room(void);
void uart_tx_byte(char c);
/* Drains the receiver into `sink`; returns the bytes read. Called from the
 * interrupt handler, from the timer tick (a lost edge, or no IOAPIC), and
 * by a writer waiting for a full output ring. */
unsigned uart_drain_rx(void (*sink)(char c));
/* The UART asserts its interrupt (IIR bit 0 clear). Reading IIR clears a
 * transmitter-empty interrupt it reports, as the 16550 does. */
bool uart_irq_pending(void);

#endif
