/*
 * LZ4 block encoder for exactly one 4 KiB page, written from the public
 * block-format description:
 *   sequence = token (literal length << 4 | match length - 4), literal-length
 *              extension bytes (while 255), literals, 16-bit little-endian
 *              offset, match-length extension bytes;
 *   the last sequence is literals only; the last 5 bytes are literals and the
 *   last match starts at least 12 bytes before the end.
 *
 * Why it is fast on pages: positions fit in 16 bits and the input size is a
 * constant, so every bound is a compile-time offset from the page; the hash
 * table is never cleared (an epoch tag invalidates stale entries); match
 * lengths come from the first set bit of an XOR of 8-byte words.
 */
#include "mm/codec.h"
#include "lib/kstring.h"

#define MINMATCH      4
#define LASTLITERALS  5    /* format rule: the last 5 bytes are literals */
#define MFLIMIT       12   /* format rule: last match starts >= 12 from end */
#define SKIP_TRIGGER  6    /* after 64 misses, probe every 2nd byte, ... */

static inline uint64_t ld64(const uint8_t *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t ld32(const uint8_t *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

/* Hash of the 4 bytes at p: Knuth's multiplicative hash, top bits kept.
 * Four bytes (the minimum match) rather than five: on text and code the
 * extra 4-byte matches it finds are worth more than the collisions cost. */
static inline uint32_t hash4(const uint8_t *p)
{
    return (ld32(p) * 2654435761u) >> (32 - CODEC_HASH_LOG);
}

static inline size_t count_equal(const uint8_t *p, const uint8_t *m, const uint8_t *limit)
{
    const uint8_t *start = p;
    while (p + 8 <= limit) {
        uint64_t x = ld64(p) ^ ld64(m);
        if (x)
            return (size_t)(p - start) + ((unsigned)__builtin_ctzll(x) >> 3);
        p += 8;
        m += 8;
    }
    while (p < limit && *p == *m) {
        p++;
        m++;
    }
    return (size_t)(p - start);
}

/* Bytes that a length needs beyond its 4-bit nibble. */
static inline size_t ext_bytes(size_t len)
{
    return len < 15 ? 0 : (len - 15) / 255 + 1;
}

static inline uint8_t *put_ext(uint8_t *op, size_t len)
{
    len -= 15;
    while (len >= 255) {
        *op++ = 255;
        len -= 255;
    }
    *op++ = (uint8_t)len;
    return op;
}

void codec_ws_init(struct codec_ws *ws)
{
    memset(ws->table, 0, sizeof ws->table);
    ws->epoch = 0;
}

static inline uint32_t next_tag(struct codec_ws *ws)
{
    if (++ws->epoch > 0xffff) {
        /* Every 65535 pages: entries tagged with a reused epoch would look
         * current, so clear them once. */
        memset(ws->table, 0, sizeof ws->table);
        ws->epoch = 1;
    }
    return ws->epoch << 16;
}

size_t codec_lz4_compress_page(struct codec_ws *ws, const void *page, void *dst, size_t cap)
{
    const uint8_t *const base = page;
    const uint8_t *const iend = base + CODEC_PAGE_SIZE;
    const uint8_t *const mflimit = iend - MFLIMIT;         /* last match start */
    const uint8_t *const matchlimit = iend - LASTLITERALS; /* last match end */
    uint8_t *op = dst;
    uint8_t *const oend = op + cap;
    uint32_t *const tab = ws->table;
    const uint32_t tag = next_tag(ws);
    const uint8_t *anchor = base;
    const uint8_t *ip = base;

    tab[hash4(ip)] = tag;
    ip++;

    for (;;) {
        const uint8_t *match;
        unsigned attempts = 1u << SKIP_TRIGGER;

        /* Find a 4-byte match; speed up over data that has none. Positions
         * are integers here because a skip may step past the page's end. */
        size_t pos = (size_t)(ip - base);
        const size_t room = (size_t)(oend - op);
        const size_t apos = (size_t)(anchor - base);
        for (;;) {
            if (pos > CODEC_PAGE_SIZE - MFLIMIT)
                goto last_literals;
            uint32_t h = hash4(base + pos);
            uint32_t e = tab[h];
            tab[h] = tag | (uint32_t)pos;
            /* One branch, not two: whether the entry is from this page is
             * a coin toss on text and would mispredict half the time. A
             * stale entry still holds a position inside the page (< 4096),
             * so the load is safe before we know it is current. */
            match = base + (e & 0xffffu);
            uint32_t diff = (ld32(match) ^ ld32(base + pos)) | ((e ^ tag) & 0xffff0000u);
            /* Keep the compiler from splitting the test back into two. */
            __asm__("" : "+r"(diff));
            if (diff == 0)
                break;
            pos += attempts++ >> SKIP_TRIGGER;
            /* Pending literals alone no longer fit: the page is (almost
             * surely) not worth keeping, stop spending time on it. */
            if (pos - apos >= room)
                return 0;
        }
        ip = base + pos;

        /* Extend backwards over literals we would otherwise emit. */
        while (ip > anchor && match > base && ip[-1] == match[-1]) {
            ip--;
            match--;
        }

        size_t lit = (size_t)(ip - anchor);
        size_t ml = MINMATCH + count_equal(ip + MINMATCH, match + MINMATCH, matchlimit);
        size_t need = 1 + ext_bytes(lit) + lit + 2 + ext_bytes(ml - MINMATCH);
        if (need > (size_t)(oend - op))
            return 0;

        uint8_t *token = op++;
        uint8_t t = (uint8_t)((lit < 15 ? lit : 15) << 4);
        if (lit >= 15)
            op = put_ext(op, lit);
        if (op + lit + 8 <= oend) {
            /* Wild copy: whole words, the overrun is overwritten next. The
             * source stays inside the page because ip <= mflimit. */
            for (size_t i = 0; i < lit; i += 8)
                __builtin_memcpy(op + i, anchor + i, 8);
        } else {
            memcpy(op, anchor, lit);
        }
        op += lit;

        uint16_t off = (uint16_t)(ip - match);
        op[0] = (uint8_t)off;
        op[1] = (uint8_t)(off >> 8);
        op += 2;
        size_t mcode = ml - MINMATCH;
        t |= (uint8_t)(mcode < 15 ? mcode : 15);
        if (mcode >= 15)
            op = put_ext(op, mcode);
        *token = t;

        ip += ml;
        anchor = ip;
        if (ip > mflimit)
            break;
        /* Index a position inside the match we just took: repeats inside
         * structures are often a few bytes apart. */
        tab[hash4(ip - 2)] = tag | (uint32_t)(ip - 2 - base);
    }

last_literals: {
        size_t lit = (size_t)(iend - anchor);
        if (1 + ext_bytes(lit) + lit > (size_t)(oend - op))
            return 0;
        *op++ = (uint8_t)((lit < 15 ? lit : 15) << 4);
        if (lit >= 15)
            op = put_ext(op, lit);
        memcpy(op, anchor, lit);
        op += lit;
    }
    return (size_t)(op - (uint8_t *)dst);
}
