/*
 * Page codec: turns one 4 KiB page into the smallest thing the compression
 * cache can keep, and back.
 *
 *   zero page            -> a tag (CODEC_ZERO), no bytes
 *   one repeated u64     -> a tag and the value (CODEC_FILL), no bytes
 *   compressible         -> an LZ4 *block* (CODEC_LZ4), at most `threshold`
 *   anything else        -> CODEC_INCOMPRESSIBLE: the caller sends it to disk
 *
 * The LZ4 block format is the public one (any LZ4 block decoder reads what we
 * write; we read any valid block). The encoder is specialised for exactly one
 * 4 KiB input, which is what lets it beat a general library.
 *
 * Freestanding: no allocation, no libc beyond lib/kstring.h, < 256 bytes of
 * stack. The decoder never reads or writes outside the buffers it is given,
 * whatever the input. Not thread-safe per workspace: give each CPU its own.
 */
#ifndef MM_CODEC_H
#define MM_CODEC_H

#include "include/hv/types.h"

#define CODEC_PAGE_SIZE          4096u
/* A page that does not compress to this many bytes or fewer is rejected. */
#define CODEC_DEFAULT_THRESHOLD  2048u
/* Worst case LZ4 output for one page (all literals): token, 4096/255 length
 * bytes, the literals. Buffers this big never make the encoder give up. */
#define CODEC_LZ4_BOUND          (CODEC_PAGE_SIZE + CODEC_PAGE_SIZE / 255 + 16)

enum codec_kind {
    CODEC_ZERO = 0,
    CODEC_FILL = 1,
    CODEC_LZ4 = 2,
    CODEC_INCOMPRESSIBLE = 3,
};

/* Encoder hash table: 2^CODEC_HASH_LOG 16-bit positions (a page's offsets
 * fit in 16 bits), 16 KiB, cleared at the start of every page. 13 bits
 * rather than 12: measured, the same speed and 0.2% smaller output, which
 * brings the ratio level with liblz4's. */
#ifndef CODEC_HASH_LOG
#define CODEC_HASH_LOG 13
#endif
struct codec_ws {
    uint16_t table[1u << CODEC_HASH_LOG];
};

void codec_ws_init(struct codec_ws *ws);

/* ---- zero / same-filled detection (codec_fill.c) ------------------------ */
/* True when the page is one 64-bit word repeated 512 times; *value gets it
 * (0 for a zero page). Reads the page once, stops at the first mismatch. */
bool codec_page_is_filled(const void *page, uint64_t *value);
/* Writes `value` 512 times: the inverse of the above. */
void codec_page_fill(void *page, uint64_t value);

/* ---- LZ4 block encoder (codec_lz4_enc.c) -------------------------------- */
/* Compresses exactly CODEC_PAGE_SIZE bytes from `page` into dst[0, cap).
 * Returns the block's length, or 0 when it would not fit in `cap` (the
 * encoder gives up as soon as that is certain). */
size_t codec_lz4_compress_page(struct codec_ws *ws, const void *page, void *dst, size_t cap);

/* ---- LZ4 block decoder (codec_lz4_dec.c) -------------------------------- */
/* Decodes one LZ4 block of `len` bytes into dst[0, cap). Returns the number
 * of bytes produced, or -1 for a malformed block or one that does not fit. */
long codec_lz4_decompress(const void *src, size_t len, void *dst, size_t cap);

/* ---- one page, start to end (codec_page.c) ------------------------------ */
struct codec_out {
    enum codec_kind kind;
    uint32_t len;        /* bytes written to dst (CODEC_LZ4 only) */
    uint64_t fill;       /* the repeated word (CODEC_ZERO: 0, CODEC_FILL) */
};

/* Classifies and, when useful, compresses `page`. dst must hold `threshold`
 * bytes; threshold is clamped to [16, CODEC_PAGE_SIZE - 1]. */
void codec_compress_page(struct codec_ws *ws, const void *page, void *dst,
                         size_t threshold, struct codec_out *out);

/* Rebuilds the page from what codec_compress_page produced. Returns 0, or -1
 * when an LZ4 payload is malformed or does not decode to exactly one page. */
int codec_decompress_page(enum codec_kind kind, const void *src, size_t len,
                          uint64_t fill, void *page);

#endif
