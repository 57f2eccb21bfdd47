/* The host console (COM1). Normal output goes through the log; these are
 * for the shell and for last words. */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include "include/hv/types.h"

/* Writes with "\n" -> "\r\n", serialised against other writers. */
void console_write(const char *s, size_t n);
void console_puts(const char *s);
void console_printf(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Output that arrives on its own (log lines, guest consoles) rather than in
 * answer to a command: when the shell's prompt is showing, it clears the
 * prompt line first and redraws the prompt and the typed input after, so the
 * two never run together on one line. */
void console_async_write(const char *s, size_t n);
void console_set_async_hooks(void (*before)(void), void (*after)(void));

/* For panics and exception dumps: no locks, polled, works before and after
 * anything else has failed. */
void console_panic_write(const char *s, size_t n);
void console_panic_printf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Input: bytes received by the UART interrupt handler, in order. */
void console_rx_push(char c);
bool console_getc(char *c);
bool console_rx_pending(void);
uint64_t console_rx_dropped(void);

#endif
