/* A bounded byte writer for the guest ACPI generator: every write checks
 * the room left; a write that does not fit sets `overflow` and writes
 * nothing, so the caller checks once at the end. Little-endian, as ACPI. */
#ifndef VMM_ACPI_GUEST_BUF_H
#define VMM_ACPI_GUEST_BUF_H

#include "include/hv/types.h"
#include "lib/kstring.h"

struct abuf {
    uint8_t *p;
    size_t cap, len;
    bool overflow;
};

static inline bool ab_room(struct abuf *b, size_t n)
{
    if (b->overflow || n > b->cap - b->len) {
        b->overflow = true;
        return false;
    }
    return true;
}

static inline void ab_bytes(struct abuf *b, const void *src, size_t n)
{
    if (ab_room(b, n)) {
        memcpy(b->p + b->len, src, n);
        b->len += n;
    }
}

static inline void ab_le(struct abuf *b, uint64_t v, unsigned n)
{
    if (!ab_room(b, n))
        return;
    for (unsigned i = 0; i < n; i++)
        b->p[b->len++] = (uint8_t)(v >> (8 * i));
}

static inline void ab_u8(struct abuf *b, uint8_t v) { ab_le(b, v, 1); }
static inline void ab_u16(struct abuf *b, uint16_t v) { ab_le(b, v, 2); }
static inline void ab_u32(struct abuf *b, uint32_t v) { ab_le(b, v, 4); }
static inline void ab_u64(struct abuf *b, uint64_t v) { ab_le(b, v, 8); }

/* Zero bytes up to a multiple of `align` (a power of two). */
static inline void ab_align(struct abuf *b, size_t align)
{
    while (!b->overflow && (b->len & (align - 1)))
        ab_u8(b, 0);
}

#endif
