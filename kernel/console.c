/* The host console on COM1: serialised output through a transmit ring the
 * UART drains as its FIFO empties (kernel/console_ring.h: no writer waits
 * for the line unless the ring is full), a receive ring filled by the UART
 * interrupt, and a lock-free polled path for last words. */
#include "include/hv/console.h"
#include "include/hv/platform.h"
#include "drivers/uart16550.h"
#include "kernel/console_ring.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/spinlock.h"

#define RX_RING 1024
#define TX_RING (64u * 1024)        /* about 5.7 s of output at 115200 baud */
#define TX_WEDGED_SPINS 2000000u    /* a full ring that never drains: give up on the byte */

static spinlock_t out_lock = SPINLOCK_INIT;
static char rx[RX_RING];
static volatile uint32_t rx_head, rx_tail; /* head: next write (IRQ), tail: next read */
static uint64_t rx_dropped;

static char tx_buf[TX_RING];
static struct console_ring tx = { tx_buf, TX_RING, 0, 0 };
static bool tx_irq;                 /* the transmit interrupt reaches us */
static uint64_t tx_full_waits, tx_dropped;

/* With out_lock held and interrupts off: gives the UART what its FIFO takes
 * now. The transmit interrupt is on while bytes wait, so the rest goes when
 * the FIFO empties (without it, the timer tick calls console_tx_service). */
static void tx_kick(void)
{
    unsigned room;
    while (console_ring_used(&tx) && (room = uart_tx_room()) != 0)
        console_ring_send(&tx, room, uart_tx_byte);
    if (tx_irq)
        uart_set_tx_irq(console_ring_used(&tx) != 0);
}

static void tx_put(char c)
{
    if (!uart_present())
        return;
    for (uint32_t spin = 0; !console_ring_put(&tx, c); spin++) {
        /* Full: this writer waits for the line, as every writer once did.
         * Interrupts are off meanwhile (out_hold), for as long as the line
         * takes to send what the writer adds (87 us a byte), and keys the
         * operator types then would overrun the UART's 16-byte receive
         * FIFO: the wait takes them in, as the receive interrupt would. */
        if (spin == 0)
            tx_full_waits++;
        if (spin >= TX_WEDGED_SPINS) {
            tx_dropped++;
            return;
        }
        tx_kick();
        uart_drain_rx(console_rx_push);
        cpu_relax();
    }
}

static void tx_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            tx_put('\r');
        tx_put(s[i]);
    }
}

/* Polled, without the lock: what the ring holds, then `s`. */
static void emit(const char *s, size_t n)
{
    while (console_ring_used(&tx)) {
        char c = tx.buf[tx.tail & (tx.size - 1)];
        tx.tail++;
        uart_putc(c);
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            uart_putc('\r');
        uart_putc(s[i]);
    }
}

static void (*async_before)(void);
static void (*async_after)(void);

/* The output side is held with interrupts off: the UART's interrupt
 * handler takes it too (console_tx_service). */
static uint64_t out_hold(void)
{
    uint64_t irq = plat_irq_save();
    spin_lock(&out_lock);
    return irq;
}

static void out_release(uint64_t irq)
{
    spin_unlock(&out_lock);
    plat_irq_restore(irq);
}

/* Serialised against every other writer, interrupts off meanwhile. */
static void locked_write(const char *s, size_t n, bool async)
{
    uint64_t irq = out_hold();
    if (async && async_before)
        async_before();
    tx_write(s, n);
    if (async && async_after)
        async_after();
    tx_kick();
    out_release(irq);
}

void console_write(const char *s, size_t n)
{
    locked_write(s, n, false);
}

void console_write_to(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    console_write(s, n);
}

void console_puts(const char *s)
{
    console_write(s, strlen(s));
}

void console_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

void console_set_async_hooks(void (*before)(void), void (*after)(void))
{
    async_before = before;
    async_after = after;
}

void console_async_write(const char *s, size_t n)
{
    locked_write(s, n, true);
}

void console_hook_write(const char *s, size_t n)
{
    tx_write(s, n);
}

void console_tx_service(void)
{
    uint64_t irq = out_hold();
    tx_kick();
    out_release(irq);
}

void console_tx_use_irq(bool on)
{
    uint64_t irq = out_hold();
    tx_irq = on;
    if (!on)
        uart_set_tx_irq(false);
    tx_kick();
    out_release(irq);
}

void console_flush(void)
{
    uint64_t irq = out_hold();
    emit("", 0);
    out_release(irq);
}

void console_tx_stats(uint64_t *full_waits, uint64_t *dropped)
{
    *full_waits = tx_full_waits;
    *dropped = tx_dropped;
}

void console_panic_write(const char *s, size_t n)
{
    emit(s, n);
}

void console_panic_printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    emit(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* Interrupt context: one producer. */
void console_rx_push(char c)
{
    uint32_t next = (rx_head + 1) % RX_RING;
    if (next == rx_tail) {
        rx_dropped++;
        return;
    }
    rx[rx_head] = c;
    __atomic_store_n(&rx_head, next, __ATOMIC_RELEASE);
}

/* Main loop: one consumer. */
bool console_getc(char *c)
{
    if (rx_tail == __atomic_load_n(&rx_head, __ATOMIC_ACQUIRE))
        return false;
    *c = rx[rx_tail];
    rx_tail = (rx_tail + 1) % RX_RING;
    return true;
}

bool console_rx_pending(void)
{
    return rx_tail != __atomic_load_n(&rx_head, __ATOMIC_ACQUIRE);
}

uint64_t console_rx_dropped(void) { return rx_dropped; }
