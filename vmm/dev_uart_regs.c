/* The 16550A's registers as a state machine: see dev_uart.h for the rules
 * and where they come from. */
#include "vmm/dev_uart.h"
#include "lib/kstring.h"

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define IIR_FIFO_ON  0xc0
#define IIR_RDA      0x04
#define IIR_TIMEOUT  0x0c
#define IIR_THRE     0x02
#define LCR_DLAB     0x80
/* Modem status with no modem: carrier, data set ready, clear to send. */
#define MSR_IDLE     0xb0

void dev_uart_init(struct dev_uart *u, void (*tx)(void *ctx, char c), void *tx_ctx)
{
    memset(u, 0, sizeof *u);
    u->tx = tx;
    u->tx_ctx = tx_ctx;
    u->irq_line = UART_COM1_IRQ;
}

static unsigned trigger_level(const struct dev_uart *u)
{
    static const unsigned level[4] = { 1, 4, 8, 14 };
    return (u->fcr & FCR_ENABLE) ? level[u->fcr >> 6] : 1;
}

static unsigned capacity(const struct dev_uart *u)
{
    return (u->fcr & FCR_ENABLE) ? UART_FIFO_SIZE : 1;
}

/* The highest-priority interrupt now, as IIR bits 3:0 (0x1: none). */
static uint8_t pending_id(const struct dev_uart *u)
{
    if ((u->ier & UART_IER_RDA) && u->rx_count) {
        if (u->rx_count >= trigger_level(u))
            return IIR_RDA;
        return IIR_TIMEOUT;
    }
    if ((u->ier & UART_IER_THRE) && u->thre_pending)
        return IIR_THRE;
    return UART_IIR_NONE;
}

/* The output pin follows "an interrupt is pending" gated by OUT2, which
 * loopback keeps off the pin. Only changes are reported. */
static void update_irq(struct dev_uart *u)
{
    bool level = pending_id(u) != UART_IIR_NONE && (u->mcr & UART_MCR_OUT2) &&
                 !(u->mcr & UART_MCR_LOOP);
    if (level == u->line)
        return;
    u->line = level;
    dev_irq_set(&u->irq, u->irq_line, level);
}

static bool rx_push(struct dev_uart *u, uint8_t b)
{
    if (u->rx_count >= capacity(u)) {
        u->rx_refused++;
        return false;
    }
    u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = b;
    u->rx_count++;
    return true;
}

static uint8_t rx_pop(struct dev_uart *u)
{
    if (!u->rx_count)
        return 0; /* an empty RBR reads as the last byte on a chip; 0 is as good */
    uint8_t b = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
    u->rx_count--;
    return b;
}

static void rx_clear(struct dev_uart *u)
{
    u->rx_head = 0;
    u->rx_count = 0;
}

bool dev_uart_receive(struct dev_uart *u, uint8_t byte)
{
    if (u->mcr & UART_MCR_LOOP)
        return false; /* in loopback the receiver hears only THR */
    bool ok = rx_push(u, byte);
    update_irq(u);
    return ok;
}

static uint8_t modem_status(const struct dev_uart *u)
{
    if (!(u->mcr & UART_MCR_LOOP))
        return MSR_IDLE;
    /* Loopback: CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2. */
    uint8_t m = u->mcr;
    return (uint8_t)(((m & 0x02) << 3) | ((m & 0x01) << 5) | ((m & 0x04) << 4) |
                     ((m & 0x08) << 4));
}

uint8_t dev_uart_read(struct dev_uart *u, unsigned reg)
{
    bool dlab = u->lcr & LCR_DLAB;
    uint8_t v = 0;
    switch (reg & 7) {
    case UART_RBR_THR:
        v = dlab ? u->dll : rx_pop(u);
        break;
    case UART_IER:
        v = dlab ? u->dlm : u->ier;
        break;
    case UART_IIR_FCR: {
        uint8_t id = pending_id(u);
        /* Reading IIR while it shows THR empty is what acknowledges it. */
        if (id == IIR_THRE)
            u->thre_pending = false;
        v = (uint8_t)(((u->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0) | id);
        break;
    }
    case UART_LCR: v = u->lcr; break;
    case UART_MCR: v = u->mcr; break;
    case UART_LSR:
        v = UART_LSR_THRE | UART_LSR_TEMT | (u->rx_count ? UART_LSR_DR : 0);
        break;
    case UART_MSR: v = modem_status(u); break;
    case UART_SCR: v = u->scr; break;
    }
    update_irq(u);
    return v;
}

void dev_uart_write(struct dev_uart *u, unsigned reg, uint8_t b)
{
    bool dlab = u->lcr & LCR_DLAB;
    switch (reg & 7) {
    case UART_RBR_THR:
        if (dlab) {
            u->dll = b;
            break;
        }
        if (u->mcr & UART_MCR_LOOP)
            rx_push(u, b);
        else if (u->tx)
            u->tx(u->tx_ctx, (char)b);
        /* Sent at once: THR is empty again, which raises its interrupt. */
        u->thre_pending = true;
        break;
    case UART_IER:
        if (dlab) {
            u->dlm = b;
            break;
        }
        /* Enabling the THR-empty interrupt while THR is empty (always,
         * here) raises it at once: drivers start output that way. */
        if ((b & UART_IER_THRE) && !(u->ier & UART_IER_THRE))
            u->thre_pending = true;
        u->ier = b & 0x0f;
        break;
    case UART_IIR_FCR:
        /* Turning the FIFOs on or off empties them; bit 1 empties the
         * receiver's. Bits 1 and 2 clear themselves. */
        if ((b ^ u->fcr) & FCR_ENABLE || (b & FCR_CLEAR_RX))
            rx_clear(u);
        u->fcr = b & (FCR_ENABLE | 0xc0);
        break;
    case UART_LCR: u->lcr = b; break;
    case UART_MCR: u->mcr = b & 0x1f; break;
    case UART_SCR: u->scr = b; break;
    default: break; /* LSR and MSR writes: factory test only */
    }
    update_irq(u);
}
