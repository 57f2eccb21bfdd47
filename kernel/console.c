/* The host console on COM1: serialised output for the shell and the log, a
 * receive ring filled by the UART interrupt, and a lock-free path for last
 * words. */
#include "include/hv/console.h"
#include "include/hv/platform.h"
#include "drivers/uart16550.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/spinlock.h"

#define RX_RING 1024

static spinlock_t out_lock = SPINLOCK_INIT;
static char rx[RX_RING];
static volatile uint32_t rx_head, rx_tail; /* head: next write (IRQ), tail: next read */
static uint64_t rx_dropped;

static void emit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            uart_putc('\r');
        uart_putc(s[i]);
    }
}

static void (*async_before)(void);
static void (*async_after)(void);

/* Serialised against every other writer, interrupts off meanwhile. */
static void locked_write(const char *s, size_t n, bool async)
{
    uint64_t irq = plat_irq_save();
    spin_lock(&out_lock);
    if (async && async_before)
        async_before();
    emit(s, n);
    if (async && async_after)
        async_after();
    spin_unlock(&out_lock);
    plat_irq_restore(irq);
}

void console_write(const char *s, size_t n)
{
    locked_write(s, n, false);
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
