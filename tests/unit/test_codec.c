/* mm/codec*.c: bit-exact round trips on the page corpus, cross-checks with
 * Debian's liblz4 in both directions, and decoder safety on damaged input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <lz4.h>
#include "mm/codec.h"
#include "tests/unit/test_codec_corpus.h"

#define PG CODEC_PAGE_SIZE

static struct corpus corpus;
static struct codec_ws ws;

static int setup(void **state)
{
    (void)state;
    if (corpus_load(&corpus, NULL) == 0)
        fprintf(stderr, "test_codec: no file classes; generated pages only\n");
    codec_ws_init(&ws);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    corpus_free(&corpus);
    return 0;
}

static void test_fill_detector(void **state)
{
    (void)state;
    static uint8_t page[PG];
    uint64_t v = 1;

    memset(page, 0, PG);
    assert_true(codec_page_is_filled(page, &v));
    assert_int_equal(v, 0);

    const uint64_t pat = 0x0123456789abcdefull;
    codec_page_fill(page, pat);
    assert_true(codec_page_is_filled(page, &v));
    assert_true(v == pat);

    /* One changed byte anywhere must be seen. */
    for (size_t pos = 0; pos < PG; pos++) {
        page[pos] ^= 1;
        assert_false(codec_page_is_filled(page, &v));
        page[pos] ^= 1;
    }
    /* A repeated 32-bit value is also a repeated 64-bit one; a repeated
     * 128-bit value is not. */
    for (size_t o = 0; o < PG; o += 4)
        memcpy(page + o, &(uint32_t){ 0xdeadbeef }, 4);
    assert_true(codec_page_is_filled(page, &v));
    for (size_t o = 0; o < PG; o += 16) {
        memcpy(page + o, &(uint64_t){ 1 }, 8);
        memcpy(page + o + 8, &(uint64_t){ 2 }, 8);
    }
    assert_false(codec_page_is_filled(page, &v));
}

/* Round trip through the page API at a given threshold; returns the kind. */
static enum codec_kind round_trip(const uint8_t *page, size_t threshold, size_t *len)
{
    static uint8_t buf[CODEC_LZ4_BOUND], out[PG];
    struct codec_out co;

    codec_compress_page(&ws, page, buf, threshold, &co);
    if (co.kind == CODEC_INCOMPRESSIBLE) {
        *len = PG;
        return co.kind;
    }
    assert_true(co.len <= threshold);
    memset(out, 0x5a, PG);
    assert_int_equal(codec_decompress_page(co.kind, buf, co.len, co.fill, out), 0);
    assert_memory_equal(out, page, PG);
    *len = co.kind == CODEC_LZ4 ? co.len : 0;
    return co.kind;
}

static void test_round_trip_corpus(void **state)
{
    (void)state;
    for (size_t k = 0; k < corpus.ncls; k++) {
        const struct corpus_class *c = &corpus.cls[k];
        size_t kinds[4] = { 0 }, bytes = 0;
        for (size_t i = 0; i < c->npages; i++) {
            size_t len;
            enum codec_kind kind = round_trip(c->pages + i * PG, CODEC_DEFAULT_THRESHOLD, &len);
            kinds[kind]++;
            bytes += len;
            /* With room for the worst case every non-filled page compresses. */
            kind = round_trip(c->pages + i * PG, PG - 1, &len);
            (void)kind;
        }
        printf("  %-9s %4zu pages: zero %zu fill %zu lz4 %zu rejected %zu, %.1f%% of input\n",
               c->name, c->npages, kinds[0], kinds[1], kinds[2], kinds[3],
               c->npages ? 100.0 * (double)bytes / (double)(c->npages * PG) : 0.0);
        if (strcmp(c->name, "zero") == 0)
            assert_int_equal(kinds[CODEC_ZERO], c->npages);
        if (strcmp(c->name, "fill") == 0)
            assert_int_equal(kinds[CODEC_FILL], c->npages);
        if (strcmp(c->name, "random") == 0)
            assert_int_equal(kinds[CODEC_INCOMPRESSIBLE], c->npages);
    }
}

/* Walks a block and checks the format's end-of-block rules, which some
 * decoders rely on: the last match starts at least 12 bytes before the end,
 * the last 5 bytes are literals. Returns the decoded size. */
static size_t check_block_rules(const uint8_t *b, size_t n)
{
    size_t i = 0, out = 0, last_match_start = 0, last_match_end = 0;
    for (;;) {
        uint8_t tok = b[i++];
        size_t lit = tok >> 4, ml = tok & 15;
        if (lit == 15) {
            uint8_t x;
            do { x = b[i++]; lit += x; } while (x == 255);
        }
        i += lit;
        out += lit;
        if (i == n)
            break;
        i += 2;
        if (ml == 15) {
            uint8_t x;
            do { x = b[i++]; ml += x; } while (x == 255);
        }
        ml += 4;
        last_match_start = out;
        out += ml;
        last_match_end = out;
        assert_true(i < n);
    }
    if (last_match_end) {
        assert_true(last_match_start + 12 <= out);
        assert_true(last_match_end + 5 <= out);
    }
    return out;
}

/* Every page the encoder writes, with a buffer big enough for anything, is
 * a valid LZ4 block for liblz4; and liblz4's blocks are valid for us. */
static void test_cross_check_liblz4(void **state)
{
    (void)state;
    static uint8_t ours[CODEC_LZ4_BOUND], theirs[LZ4_COMPRESSBOUND(PG)], out[PG];
    size_t n_ours = 0, n_theirs = 0;

    for (size_t k = 0; k < corpus.ncls; k++) {
        const struct corpus_class *c = &corpus.cls[k];
        for (size_t i = 0; i < c->npages; i++) {
            const uint8_t *page = c->pages + i * PG;

            size_t n = codec_lz4_compress_page(&ws, page, ours, sizeof ours);
            assert_true(n > 0 && n <= CODEC_LZ4_BOUND);
            assert_int_equal(check_block_rules(ours, n), PG);
            memset(out, 0, PG);
            assert_int_equal(LZ4_decompress_safe((const char *)ours, (char *)out, (int)n, PG), PG);
            assert_memory_equal(out, page, PG);
            n_ours += n;

            int m = LZ4_compress_default((const char *)page, (char *)theirs, PG, sizeof theirs);
            assert_true(m > 0);
            memset(out, 0, PG);
            assert_int_equal(codec_lz4_decompress(theirs, (size_t)m, out, PG), PG);
            assert_memory_equal(out, page, PG);
            n_theirs += (size_t)m;
        }
    }
    printf("  all classes: ours %zu bytes, liblz4 %zu bytes (%.3fx)\n", n_ours, n_theirs,
           (double)n_ours / (double)n_theirs);
}

/* A cap smaller than the block: the encoder either fits or says 0, and
 * never writes past the cap. */
static void test_encoder_respects_cap(void **state)
{
    (void)state;
    static uint8_t buf[PG + 64], out[PG];
    const struct corpus_class *classes[] = { corpus_find(&corpus, "sparse"),
                                             corpus_find(&corpus, "periodic"),
                                             corpus_find(&corpus, "alphabet") };
    for (size_t k = 0; k < ARRAY_SIZE(classes); k++) {
        for (size_t i = 0; i < 8; i++) {
            const uint8_t *page = classes[k]->pages + i * PG;
            for (size_t cap = 0; cap < 3000; cap += 37) {
                memset(buf, 0xee, sizeof buf);
                size_t n = codec_lz4_compress_page(&ws, page, buf, cap);
                assert_true(n <= cap);
                for (size_t j = cap; j < sizeof buf; j++)
                    assert_int_equal(buf[j], 0xee);
                if (n) {
                    assert_int_equal(codec_lz4_decompress(buf, n, out, PG), PG);
                    assert_memory_equal(out, page, PG);
                }
            }
        }
    }
}

/* Truncated, bit-flipped and random blocks: the decoder returns -1 or a
 * length within the buffer, and never touches bytes outside it (ASan). */
static void test_decoder_damaged_input(void **state)
{
    (void)state;
    static uint8_t block[CODEC_LZ4_BOUND];
    uint64_t r = 12345;
    const struct corpus_class *c = corpus_find(&corpus, "text");
    if (!c || !c->npages)
        c = corpus_find(&corpus, "sparse");

    for (size_t i = 0; i < MIN(c->npages, (size_t)16); i++) {
        size_t n = codec_lz4_compress_page(&ws, c->pages + i * PG, block, sizeof block);
        for (size_t cut = 0; cut < n; cut++) {
            /* Exact-size heap buffers so ASan sees any overrun. */
            uint8_t *in = malloc(cut ? cut : 1), *out = malloc(PG);
            memcpy(in, block, cut);
            long got = codec_lz4_decompress(in, cut, out, PG);
            assert_true(got == -1 || (got >= 0 && got <= (long)PG));
            free(in);
            free(out);
        }
        for (int t = 0; t < 200; t++) {
            uint8_t *in = malloc(n), *out = malloc(PG - (t % 7));
            memcpy(in, block, n);
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            in[(r >> 33) % n] ^= (uint8_t)(1u << ((r >> 29) & 7));
            long got = codec_lz4_decompress(in, n, out, PG - (t % 7));
            assert_true(got == -1 || (got >= 0 && got <= (long)(PG - (t % 7))));
            free(in);
            free(out);
        }
        /* The exact-size output buffer is the only one a page may need. */
        uint8_t *small = malloc(PG - 1);
        assert_int_equal(codec_lz4_decompress(block, n, small, PG - 1), -1);
        free(small);
    }
}

static void test_decoder_format_edges(void **state)
{
    (void)state;
    uint8_t out[64];
    /* An empty literal-only block: valid, zero bytes. */
    assert_int_equal(codec_lz4_decompress((const uint8_t[]){ 0x00 }, 1, out, sizeof out), 0);
    /* No input at all is not a block. */
    assert_int_equal(codec_lz4_decompress(out, 0, out, sizeof out), -1);
    /* Offset 0 is invalid. */
    assert_int_equal(codec_lz4_decompress((const uint8_t[]){ 0x10, 'a', 0, 0, 0x00 }, 5, out, 64), -1);
    /* Offset past the start is invalid. */
    assert_int_equal(codec_lz4_decompress((const uint8_t[]){ 0x10, 'a', 2, 0, 0x00 }, 5, out, 64), -1);
    /* "a" then a 4-byte match at offset 1 then the empty last sequence. */
    assert_int_equal(codec_lz4_decompress((const uint8_t[]){ 0x10, 'a', 1, 0, 0x00 }, 5, out, 64), 5);
    assert_memory_equal(out, "aaaaa", 5);
    /* A block that ends right after a match is incomplete. */
    assert_int_equal(codec_lz4_decompress((const uint8_t[]){ 0x10, 'a', 1, 0 }, 4, out, 64), -1);
    /* Literal length 15 + 255 + 0 extension bytes, truncated literals. */
    assert_int_equal(codec_lz4_decompress((const uint8_t[]){ 0xf0, 255, 0, 'x' }, 4, out, 64), -1);
    /* A huge run of 255s must not overflow the length. */
    static uint8_t ff[1 << 16];
    memset(ff, 255, sizeof ff);
    assert_int_equal(codec_lz4_decompress(ff, sizeof ff, out, 64), -1);
}

/* The obvious decoder, one byte at a time, every check spelled out: the
 * specification the fast one is held to (same result, same bytes). */
static long ref_decompress(const uint8_t *ip, size_t len, uint8_t *op, size_t cap)
{
    size_t i = 0, o = 0;
    for (;;) {
        if (i >= len)
            return -1;
        unsigned tok = ip[i++];
        size_t lit = tok >> 4, ml = tok & 15;
        if (lit == 15) {
            uint8_t b;
            do {
                if (i >= len || lit > (1u << 30))
                    return -1;
                b = ip[i++];
                lit += b;
            } while (b == 255);
        }
        if (lit > len - i || lit > cap - o)
            return -1;
        for (size_t k = 0; k < lit; k++)
            op[o++] = ip[i++];
        if (i == len)
            return (long)o;
        if (len - i < 2)
            return -1;
        size_t off = ip[i] | (size_t)ip[i + 1] << 8;
        i += 2;
        if (off == 0 || off > o)
            return -1;
        if (ml == 15) {
            uint8_t b;
            do {
                if (i >= len || ml > (1u << 30))
                    return -1;
                b = ip[i++];
                ml += b;
            } while (b == 255);
        }
        ml += 4;
        if (ml > cap - o)
            return -1;
        for (size_t k = 0; k < ml; k++, o++)
            op[o] = op[o - off];
    }
}

/* Appends a sequence to a block being built: `lit` literals, then (ml > 0)
 * a match of ml >= 4 bytes at `off`; ml == 0 makes it the last sequence. */
static size_t put_len(uint8_t *b, size_t n, size_t rest)
{
    while (rest >= 255) {
        b[n++] = 255;
        rest -= 255;
    }
    b[n++] = (uint8_t)rest;
    return n;
}

static size_t put_seq(uint8_t *b, size_t n, const uint8_t *lits, size_t lit, size_t off, size_t ml)
{
    size_t tl = lit < 15 ? lit : 15, tm = ml < 19 ? (ml ? ml - 4 : 0) : 15;
    b[n++] = (uint8_t)(tl << 4 | tm);
    if (lit >= 15)
        n = put_len(b, n, lit - 15);
    memcpy(b + n, lits, lit);
    n += lit;
    if (!ml)
        return n;
    b[n++] = (uint8_t)off;
    b[n++] = (uint8_t)(off >> 8);
    if (ml >= 19)
        n = put_len(b, n, ml - 19);
    return n;
}

/* Checks one block against the reference at several output capacities,
 * in exact-size heap buffers (ASan sees any stray byte). */
static void check_against_ref(const uint8_t *blk, size_t n, size_t want)
{
    static uint8_t ref[PG + 64];
    uint8_t *in = malloc(n ? n : 1);
    memcpy(in, blk, n);
    const size_t caps[] = { want, want + 1, want + 7, want + 31, want ? want - 1 : 0, PG };
    for (size_t c = 0; c < ARRAY_SIZE(caps); c++) {
        size_t cap = caps[c];
        if (cap > PG)
            continue;
        uint8_t *out = malloc(cap ? cap : 1);
        long r = ref_decompress(in, n, ref, cap);
        long got = codec_lz4_decompress(in, n, out, cap);
        assert_int_equal(got, r);
        if (r > 0)
            assert_memory_equal(out, ref, (size_t)r);
        free(out);
    }
    free(in);
}

/* Every path of the decoder against the reference: literal runs of 0..70,
 * matches of 4..300 bytes at offsets 1..40 and a few far ones, placed at
 * every distance from the end of the page that the fast loop's limits care
 * about; then damaged corpus blocks, result for result. */
static void test_decoder_reference(void **state)
{
    (void)state;
    static uint8_t blk[2 * PG], lits[PG];
    static const size_t offs[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 17, 18, 23, 24, 31, 32, 40, 300, 2000 };
    static const size_t mls[] = { 4, 5, 8, 17, 18, 19, 20, 31, 32, 33, 47, 64, 100, 255 + 19, 300 };
    static const size_t lls[] = { 0, 1, 7, 14, 15, 16, 17, 31, 32, 33, 70 };
    uint64_t r = 99;
    for (size_t i = 0; i < sizeof lits; i++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        lits[i] = (uint8_t)(r >> 56);
    }
    size_t blocks = 0;
    for (size_t a = 0; a < ARRAY_SIZE(offs); a++)
        for (size_t b = 0; b < ARRAY_SIZE(mls); b++)
            for (size_t c = 0; c < ARRAY_SIZE(lls); c++)
                for (size_t tail = 0; tail < 80; tail += 1 + tail / 8) {
                    /* A prefix of literals so the offset is valid, the
                     * sequence under test, a short match, `tail` final
                     * literals. */
                    size_t n = 0, o = 0, pre = offs[a] + 3 * (tail & 3);
                    if (pre + lls[c] + mls[b] + tail + 24 > PG)
                        continue;
                    n = put_seq(blk, n, lits, pre, 1 + (pre > 1), 4);
                    o = pre + 4;
                    n = put_seq(blk, n, lits + 100, lls[c], offs[a], mls[b]);
                    o += lls[c] + mls[b];
                    n = put_seq(blk, n, lits + 200, 5, 9, 6);
                    o += 11;
                    n = put_seq(blk, n, lits + 300, tail, 0, 0);
                    o += tail;
                    check_against_ref(blk, n, o);
                    blocks++;
                }
    /* Damaged corpus blocks: every outcome must be the reference's. */
    const char *names[] = { "text", "code", "procmem", "sparse", "periodic" };
    for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
        const struct corpus_class *cl = corpus_find(&corpus, names[k]);
        for (size_t i = 0; cl && i < MIN(cl->npages, (size_t)24); i++) {
            int m = LZ4_compress_default((const char *)cl->pages + i * PG, (char *)blk, PG, sizeof blk);
            assert_true(m > 0);
            check_against_ref(blk, (size_t)m, PG);
            for (int t = 0; t < 60; t++) {
                static uint8_t bad[2 * PG];
                memcpy(bad, blk, (size_t)m);
                r = r * 6364136223846793005ull + 1442695040888963407ull;
                size_t at = (r >> 33) % (size_t)m;
                if (t & 1)
                    bad[at] ^= (uint8_t)(1u << ((r >> 29) & 7));
                else
                    bad[at] = (uint8_t)(r >> 20);
                check_against_ref(bad, (size_t)m - (t % 3 == 2 ? (r >> 40) % 8 : 0), PG);
                blocks++;
            }
        }
    }
    printf("  %zu blocks decoded as the reference does\n", blocks);
}

/* The output depends on the page alone, not on what the workspace saw
 * before: a used workspace gives the same bytes as a fresh one. */
static void test_deterministic(void **state)
{
    (void)state;
    static uint8_t a[CODEC_LZ4_BOUND], b[CODEC_LZ4_BOUND], out[PG];
    static struct codec_ws fresh;
    const struct corpus_class *c = corpus_find(&corpus, "sparse");

    memset(&ws, 0xa5, sizeof ws);   /* garbage positions, even out of range */
    for (int i = 0; i < 6; i++) {
        const uint8_t *page = c->pages + (size_t)i * PG;
        codec_ws_init(&fresh);
        size_t n = codec_lz4_compress_page(&ws, page, a, sizeof a);
        size_t m = codec_lz4_compress_page(&fresh, page, b, sizeof b);
        assert_int_equal(n, m);
        assert_memory_equal(a, b, n);
        assert_int_equal(codec_lz4_decompress(a, n, out, PG), PG);
        assert_memory_equal(out, page, PG);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill_detector),
        cmocka_unit_test(test_round_trip_corpus),
        cmocka_unit_test(test_cross_check_liblz4),
        cmocka_unit_test(test_encoder_respects_cap),
        cmocka_unit_test(test_decoder_damaged_input),
        cmocka_unit_test(test_decoder_format_edges),
        cmocka_unit_test(test_decoder_reference),
        cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests_name("codec", tests, setup, teardown);
}
