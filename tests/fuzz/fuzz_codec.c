/*
 * libFuzzer target for the page codec. Each input is used three ways:
 *  1. as an LZ4 block for our decoder, into exact-size heap buffers (ASan
 *     sees any byte read or written outside them), at two capacities;
 *  2. against liblz4: whatever LZ4_decompress_safe accepts, we accept too,
 *     with the same bytes (we may accept more: we are lenient about the
 *     format's end-of-block rules, which only protect fast decoders). One
 *     exception: liblz4 1.9.4 does not reject an offset of 0, which the
 *     format calls invalid (it would copy unwritten output); we do;
 *  3. as a page (zero-padded to 4 KiB): compress at a threshold taken from
 *     the input, decode, compare bit for bit; and liblz4 must decode it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <lz4.h>
#include "mm/codec.h"

#define PG CODEC_PAGE_SIZE

static struct codec_ws ws;

/* Does the block use a zero offset before it ends or goes wrong? */
static int has_zero_offset(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t tok = p[i++];
        size_t lit = tok >> 4;
        if (lit == 15) {
            uint8_t x;
            do {
                if (i >= n)
                    return 0;
                x = p[i++];
                lit += x;
            } while (x == 255);
        }
        if (lit > n - i)
            return 0;
        i += lit;
        if (n - i < 2)
            return 0;
        if (p[i] == 0 && p[i + 1] == 0)
            return 1;
        i += 2;
        if ((tok & 15) == 15) {
            uint8_t x;
            do {
                if (i >= n)
                    return 0;
                x = p[i++];
            } while (x == 255);
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *out = malloc(PG), *ref = malloc(PG);

    /* 1 + 2: the input as a block. */
    long n = codec_lz4_decompress(data, size, out, PG);
    if (n < -1 || n > (long)PG)
        abort();
    int m = LZ4_decompress_safe((const char *)data, (char *)ref, (int)size, PG);
    if (m >= 0 && !has_zero_offset(data, size) && (n != m || memcmp(out, ref, (size_t)m) != 0))
        abort();
    size_t small = size ? data[0] * 7u % PG : 0;
    uint8_t *tiny = malloc(small ? small : 1);
    long t = codec_lz4_decompress(data, size, tiny, small);
    if (t < -1 || t > (long)small || (t >= 0 && (n != t || memcmp(tiny, out, (size_t)t) != 0)))
        abort();
    free(tiny);

    /* 3: the input as a page. */
    uint8_t *page = calloc(1, PG);
    memcpy(page, data, size < PG ? size : PG);
    size_t threshold = size >= 2 ? 16 + ((size_t)data[1] << 4) : CODEC_DEFAULT_THRESHOLD;
    uint8_t *blk = malloc(threshold);
    struct codec_out co;
    codec_compress_page(&ws, page, blk, threshold, &co);
    if (co.kind != CODEC_INCOMPRESSIBLE) {
        if (co.len > threshold)
            abort();
        memset(out, 0x55, PG);
        if (codec_decompress_page(co.kind, blk, co.len, co.fill, out) != 0 || memcmp(out, page, PG) != 0)
            abort();
        if (co.kind == CODEC_LZ4 &&
            (LZ4_decompress_safe((const char *)blk, (char *)ref, (int)co.len, PG) != (int)PG ||
             memcmp(ref, page, PG) != 0))
            abort();
    }
    free(blk);
    free(page);
    free(out);
    free(ref);
    return 0;
}
