/*
 * A guest's console output (a byte ring) as text for the operator's
 * terminal: what the guest printed, with its control and non-UTF-8 bytes
 * shown as \xNN (lib/text_escape.h), so that `vm console` cannot clear the
 * host's screen, set its window title or ring its bell. Newlines are kept;
 * carriage returns are dropped (the console adds its own).
 */
#ifndef KERNEL_CONSOLE_TEXT_H
#define KERNEL_CONSOLE_TEXT_H

#include "include/hv/types.h"

/* Passes the bytes numbered [start, total) of `ring` (ring_size bytes,
 * byte i at i % ring_size; start >= total - ring_size) to `out`, escaped, in
 * pieces. `scratch` holds ring_size bytes. Returns the bytes passed. */
size_t console_text_write(const char *ring, size_t ring_size, uint64_t start, uint64_t total,
                          char *scratch, void (*out)(void *ctx, const char *s, size_t n),
                          void *ctx);

#endif
