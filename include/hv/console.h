/* The host console (COM1). Normal output goes through the log; these are
 * for the shell and for last words. */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include "include/hv/types.h"

/* Writes with "\n" -> "\r\n", serialised against other writers. */
void console_write(const char *s, size_t n);
/* console_write with a context it ignores: an output callback's shape
 * (kernel/console_text.h, lib/text_escape.h's pieces). */
void console_write_to(void *ctx, const char *s, size_t n);
void console_puts(const char *s);
void console_printf(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Output that arrives on its own (log lines, guest consoles) rather than in
 * answer to a command: when the shell's prompt is showing, it clears the
 * prompt line first and redraws the prompt and the typed input after, so the
 * two never run together on one line. */
void console_async_write(const char *s, size_t n);
/* The hooks run with the console held: they write with console_hook_write. */
void console_set_async_hooks(void (*before)(void), void (*after)(void));
void console_hook_write(const char *s, size_t n);

/* Output waits in a ring and leaves as the UART's FIFO empties: from its
 * transmit interrupt once console_tx_use_irq(true) (COM1 routed), else
 * from console_tx_service, which the timer tick calls. console_flush
 * waits until all of it is on the line (before a reset, for instance). */
void console_tx_service(void);
void console_tx_use_irq(bool on);
void console_flush(void);
/* Writers that found the ring full and waited; bytes given up on a UART
 * that never drained. */
void console_tx_stats(uint64_t *full_waits, uint64_t *dropped);

/* For panics and exception dumps: no locks, polled (what the ring holds
 * first, so nothing is reordered), works before and after anything else has
 * failed. */
void console_panic_write(const char *s, size_t n);
void console_panic_printf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Input: bytes received by the UART interrupt handler, in order. */
void console_rx_push(char c);
bool console_getc(char *c);
bool console_rx_pending(void);
uint64_t console_rx_dropped(void);

#endif
