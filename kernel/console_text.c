/* A guest's console ring as escaped text (see console_text.h). */
#include "kernel/console_text.h"
#include "lib/text_escape.h"

size_t console_text_write(const char *ring, size_t ring_size, uint64_t start, uint64_t total,
                          char *scratch, void (*out)(void *ctx, const char *s, size_t n),
                          void *ctx)
{
    /* In one straight piece first: a UTF-8 sequence may straddle the ring's
     * end, and must be judged whole. */
    size_t len = 0;
    if (total - start > ring_size)
        start = total - ring_size;
    for (uint64_t i = start; i < total; i++) {
        char c = ring[i % ring_size];
        if (c != '\r')
            scratch[len++] = c;
    }
    return text_escape_pieces(scratch, len, TEXT_KEEP_NEWLINES, out, ctx);
}
