/* What the Linux and PVH loaders share when they refuse an image: the
 * message names the file first ("vmlinuz: ..."), and the range test
 * every placement check asks. */
#ifndef VMM_LOADER_REFUSAL_H
#define VMM_LOADER_REFUSAL_H

#include "include/hv/types.h"

/* Writes "<name>: <fmt ...>" into err (cut to errlen). */
void loader_refuse(char *err, size_t errlen, const char *name, const char *fmt, ...)
    PRINTF_LIKE(4, 5);

/* [a, a_end) and [b, b_end) share a byte. */
static inline bool ranges_overlap(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
    return a < b_end && b < a_end;
}

#endif
