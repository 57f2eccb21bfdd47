/* What the Linux and PVH loaders share when they refuse an image: the
 * message names the file first ("vmlinuz: ..."), the range test every
 * placement check asks, and a guest write that refuses when it fails. */
#ifndef VMM_LOADER_REFUSAL_H
#define VMM_LOADER_REFUSAL_H

#include "include/hv/types.h"
#include "vmm/guest_loader.h"

/* Writes "<name>: <fmt ...>" into err (cut to errlen). */
void loader_refuse(char *err, size_t errlen, const char *name, const char *fmt, ...)
    PRINTF_LIKE(4, 5);

/* Writes `len` bytes (none: nothing to do) at guest-physical `gpa`; false,
 * with "<name>: could not write guest memory ..." in err, when it fails. */
bool loader_put(const struct guest_mem_ops *mem, uint64_t gpa, const void *src, size_t len,
                const char *name, char *err, size_t errlen);

/* [a, a_end) and [b, b_end) share a byte. */
static inline bool ranges_overlap(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
    return a < b_end && b < a_end;
}

#endif
