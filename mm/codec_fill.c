/* Zero and same-filled page detection. Most non-filled pages differ within
 * the first bytes, so the loop tests a short block at a time (64 bytes on
 * general registers, 128 with SSE2) and leaves at the first mismatch; a
 * filled page costs one streaming read of 4 KiB. One pass finds zero and
 * same-filled pages alike: the word to compare with is the page's first. */
#include "mm/codec.h"
#include "lib/kstring.h"

static inline uint64_t ld64(const unsigned char *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, sizeof v);  /* unaligned-safe, one mov */
    return v;
}

#ifdef __SSE2__
/* Hosted builds (and any image built with SSE): 16-byte lanes through the
 * compiler's vector extension, no intrinsics. The image is built with
 * general registers only, where this is not defined. */
typedef uint64_t v2u64 __attribute__((vector_size(16), aligned(1)));

static inline v2u64 ldv(const unsigned char *p)
{
    v2u64 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

bool codec_page_is_filled(const void *page, uint64_t *value)
{
    const unsigned char *p = page;
    const uint64_t w = ld64(p);
    const v2u64 v = { w, w };

    /* Most pages that are not filled differ in their first 16 bytes. */
    if (ld64(p + 8) != w)
        return false;

    for (size_t off = 0; off < CODEC_PAGE_SIZE; off += 128) {
        v2u64 d = (ldv(p + off) ^ v) | (ldv(p + off + 16) ^ v) |
                  (ldv(p + off + 32) ^ v) | (ldv(p + off + 48) ^ v) |
                  (ldv(p + off + 64) ^ v) | (ldv(p + off + 80) ^ v) |
                  (ldv(p + off + 96) ^ v) | (ldv(p + off + 112) ^ v);
        if (d[0] | d[1])
            return false;
    }
    *value = w;
    return true;
}
#else
bool codec_page_is_filled(const void *page, uint64_t *value)
{
    const unsigned char *p = page;
    const uint64_t v = ld64(p);

    if (ld64(p + 8) != v)   /* most pages that are not filled stop here */
        return false;
    for (size_t off = 0; off < CODEC_PAGE_SIZE; off += 64) {
        /* OR of the XORs: one branch per 64-byte line. */
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
#endif

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
