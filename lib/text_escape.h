/*
 * Untrusted bytes (guest output, config values, file names) made safe for a
 * terminal: a control byte or a byte that is not part of valid UTF-8 would
 * otherwise reach the operator's terminal raw (clear the screen, set the
 * window title, ring the bell, or garble the line). Such bytes are shown as
 * \xNN; valid UTF-8 text and tabs pass unchanged.
 */
#ifndef LIB_TEXT_ESCAPE_H
#define LIB_TEXT_ESCAPE_H

#include "include/hv/types.h"

/* '\n' passes through (multi-line text such as a guest's console); without
 * it a newline is escaped like any control byte. */
#define TEXT_KEEP_NEWLINES 1u

/* Longest output for one input byte: "\xNN". */
#define TEXT_ESCAPE_MAX_PER_BYTE 4

/* Escapes up to `len` bytes of `src` into `dst` (always terminated when
 * size > 0) and returns the bytes written, terminator not counted. Stops
 * early, never inside an escape or a UTF-8 sequence, when `dst` is full;
 * *consumed (may be NULL) says how much of `src` was used. */
size_t text_escape(char *dst, size_t size, const char *src, size_t len, unsigned flags,
                   size_t *consumed);

/* Escapes all `len` bytes of `src` (flags as text_escape) and passes them
 * to `out` in pieces of at most 255 bytes, never splitting an escape or a
 * UTF-8 sequence: for text longer than a buffer (a guest's console, its
 * variables). Returns the bytes passed. */
size_t text_escape_pieces(const char *src, size_t len, unsigned flags,
                          void (*out)(void *ctx, const char *s, size_t n), void *ctx);

/* How much of a bad value a message quotes back: enough to recognise it. */
#define TEXT_QUOTE_MAX 40

/* For quoting a value back in a message: text_escape with flags 0 into
 * `dst` (size >= 4), ending in "..." when `src` did not fit. Returns the
 * bytes written. */
size_t text_escape_cut(char *dst, size_t size, const char *src, size_t len);

/* True when text_escape would copy `len` bytes of `s` unchanged with
 * flags 0: valid UTF-8 without control characters (tab allowed). */
bool text_is_clean(const char *s, size_t len);

#endif
