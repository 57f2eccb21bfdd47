/*
 * The guest's 16550A UART (National Semiconductor PC16550D datasheet): its
 * registers as a pure state machine, and the VM's COM1 built on it
 * (dev_uart.c). The transmitter is instantaneous (each THR byte goes to the
 * `tx` callback, and THR is empty again at once); the receiver takes bytes
 * the operator types (`vm console`) into a 16-byte FIFO.
 *
 * Interrupts, by the datasheet's priority (IIR bits 3:0):
 *   0x6 receiver line status  never here: a full FIFO refuses the byte
 *                             (the sender keeps it) instead of overrunning
 *   0x4 received data         IER bit 0, FIFO at its trigger level (FCR
 *                             bits 7:6: 1, 4, 8, 14 bytes; 1 without FIFOs)
 *   0xC character timeout     IER bit 0, FIFO mode, data below the trigger
 *                             level (a real chip waits four character times;
 *                             typed bytes come slower than that)
 *   0x2 THR empty             IER bit 1; raised when THR empties (after
 *                             each write) and when bit 1 is enabled while
 *                             THR is empty; cleared by writing THR or by
 *                             reading IIR while it is the one shown
 *   0x0 modem status          never: the modem lines do not change
 * The interrupt output `irq` follows "IIR shows an interrupt" AND MCR.OUT2
 * (bit 3): on a PC, OUT2 gates the UART's IRQ line to the interrupt
 * controller. In loopback (MCR bit 4) THR bytes return through the
 * receiver, the modem inputs mirror MCR (the test Linux's 8250 driver runs)
 * and OUT2 does not reach the pin, so the line stays low.
 */
#ifndef VMM_DEV_UART_H
#define VMM_DEV_UART_H

#include "include/hv/types.h"
#include "vmm/dev_irq.h"

#define UART_FIFO_SIZE 16
#define UART_COM1_IRQ 4

enum uart_reg {
    UART_RBR_THR = 0, UART_IER = 1, UART_IIR_FCR = 2, UART_LCR = 3,
    UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

#define UART_LSR_DR   0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_IIR_NONE 0x01
#define UART_IER_RDA  0x01
#define UART_IER_THRE 0x02
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10

struct dev_uart {
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
    uint8_t rx[UART_FIFO_SIZE];
    unsigned rx_head, rx_count;
    bool thre_pending;            /* the THR-empty interrupt is raised */
    bool line;                    /* what `irq` was last told */
    struct dev_irq irq;           /* the interrupt output; .set NULL: unwired */
    unsigned irq_line;            /* passed to irq.set: the ISA IRQ (4 for COM1) */
    void (*tx)(void *ctx, char c);
    void *tx_ctx;
    uint64_t rx_refused;          /* bytes offered while the FIFO was full */
};

/* A UART after reset, sending its bytes to `tx`. */
void dev_uart_init(struct dev_uart *u, void (*tx)(void *ctx, char c), void *tx_ctx);
uint8_t dev_uart_read(struct dev_uart *u, unsigned reg);
void dev_uart_write(struct dev_uart *u, unsigned reg, uint8_t val);
/* A byte from the far end of the line. False (and nothing changes) when
 * the receiver has no room: the sender keeps it and offers it again. */
bool dev_uart_receive(struct dev_uart *u, uint8_t byte);

struct vm;
/* The UART dev_uart_attach gave `vm` (its COM1), NULL when none: for the
 * monitor to wire `irq` to its interrupt controller. */
struct dev_uart *dev_uart_of(struct vm *vm);

#endif
