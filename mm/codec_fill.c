/* Zero and same-filled page detection. Most non-filled pages differ within
 * the first cache line, so the loop checks one line at a time and leaves at
 * the first mismatch; a filled page costs one streaming read of 4 KiB. */
#include "mm/codec.h"
#include "lib/kstring.h"

static inline uint64_t ld64(const unsigned char *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, sizeof v);  /* unaligned-safe, one mov */
    return v;
}

bool codec_page_is_filled(const void *page, uint64_t *value)
{
    const unsigned char *p = page;
    const uint64_t v = ld64(p);

    for (size_t off = 0; off < CODEC_PAGE_SIZE; off += 64) {
        /* OR of the XORs: one branch per 64-byte line, and the compiler is
         * free to vectorise it in hosted builds. */
        uint64_t d = (ld64(p + off) ^ v) | (ld64(p + off + 8) ^ v) |
                     (ld64(p + off + 16) ^ v) | (ld64(p + off + 24) ^ v) |
                     (ld64(p + off + 32) ^ v) | (ld64(p + off + 40) ^ v) |
                     (ld64(p + off + 48) ^ v) | (ld64(p + off + 56) ^ v);
        if (d)
            return false;
    }
    *value = v;
    return true;
}

void codec_page_fill(void *page, uint64_t value)
{
    unsigned char *p = page;
    if (value == 0) {
        memset(p, 0, CODEC_PAGE_SIZE);
        return;
    }
    for (size_t off = 0; off < CODEC_PAGE_SIZE; off += 8)
        __builtin_memcpy(p + off, &value, sizeof value);
}
