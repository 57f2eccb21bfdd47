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
 * constant, so every bound is a compile-time offset from the page and the
 * hash table is small (16 KiB, cheap to clear); match lengths come from the
 * first set bit of an XOR of 8-byte words; tests that would mispredict are
 * kept to one branch each. (An epoch-tagged table that is never cleared was
 * tried and measured slower: the tag test costs more than the clear.)
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
}

/* Appends literals base[anchor, anchor + lit) at op; room for them has
 * been checked. */
static inline uint8_t *put_literals(uint8_t *op, const uint8_t *oend, const uint8_t *base,
                                    size_t anchor, size_t lit)
{
    const uint8_t *s = base + anchor;
    if (lit <= 16 && anchor + 16 <= CODEC_PAGE_SIZE && (size_t)(oend - op) >= 16) {
        __builtin_memcpy(op, s, 16);       /* the common case: one chunk */
    } else if ((size_t)(oend - op) >= lit + 8) {
        /* Whole words; the source stays inside the page because literals
         * end at a match start (<= page - 12). */
        for (size_t i = 0; i < lit; i += 8)
            __builtin_memcpy(op + i, s + i, 8);
    } else {
        memcpy(op, s, lit);
    }
    return op + lit;
}

#define LAST_START (CODEC_PAGE_SIZE - MFLIMIT)       /* latest match start */
#define MATCH_END  (CODEC_PAGE_SIZE - LASTLITERALS)  /* latest match end */

size_t codec_lz4_compress_page(struct codec_ws *ws, const void *page, void *dst, size_t cap)
{
    const uint8_t *const base = page;
    uint8_t *op = dst;
    uint8_t *const oend = op + cap;
    uint16_t *const tab = ws->table;
    /* Integer positions in the page: a skip may step past its end. */
    size_t anchor = 0, pos = 1, cand;

    /* Cleared per page: 16 KiB of stores is a few % of a page's encoding, and
     * an entry of 0 needs no validity check (position 0 is always behind
     * us, and the 4-byte compare rejects it when it does not match). */
    memset(tab, 0, sizeof ws->table);

    for (;;) {
        /* Find a 4-byte match; probe less often over data that has none.
         * The next position's hash is computed before the current one is
         * tested, so its table load overlaps the compare. */
        {
            unsigned attempts = 1u << SKIP_TRIGGER;
            /* Past `stop` either the page ends or the pending literals
             * alone no longer fit in the output: one check for both. */
            const size_t room = (size_t)(oend - op);
            const size_t stop = MIN((size_t)LAST_START + 1, anchor + room);
            if (pos >= stop)   /* after the immediate test's pos++ */
                goto last_literals;
            uint32_t h = hash4(base + pos);
            for (;;) {
                cand = tab[h];
                tab[h] = (uint16_t)pos;
                size_t next = pos + (attempts++ >> SKIP_TRIGGER);
                if (ld32(base + cand) == ld32(base + pos))
                    break;
                if (next >= stop) {
                    if (next > LAST_START)
                        goto last_literals;
                    return 0;
                }
                /* next < stop <= LAST_START + 1: its 4 bytes are in the
                 * page, no clamp needed (the branches above predict well,
                 * so this still overlaps the compare). */
                pos = next;
                h = hash4(base + pos);
            }
        }

        /* Extend backwards over literals we would otherwise emit. */
        while (pos > anchor && cand > 0 && base[pos - 1] == base[cand - 1]) {
            pos--;
            cand--;
        }

        for (;;) {
            const size_t lit = pos - anchor;
            const size_t mcode = count_equal(base + pos + MINMATCH, base + cand + MINMATCH,
                                             base + MATCH_END);
            /* Room for the sequence: the cheap bound (ext_bytes(l) <=
             * l / 128 + 1) settles it nearly always; the exact size only
             * when that bound does not fit, so the answer is the same. */
            const size_t room = (size_t)(oend - op);
            if (__builtin_expect(lit + (lit >> 7) + (mcode >> 7) + 5 > room, 0) &&
                lit + ext_bytes(lit) + 3 + ext_bytes(mcode) > room)
                return 0;

            uint8_t *token = op++;
            uint8_t t;
            if (lit < 15) {
                t = (uint8_t)(lit << 4);
            } else {
                t = 0xf0;
                op = put_ext(op, lit);
            }
            op = put_literals(op, oend, base, anchor, lit);
            const size_t off = pos - cand;
            op[0] = (uint8_t)off;
            op[1] = (uint8_t)(off >> 8);
            op += 2;
            if (mcode < 15) {
                t |= (uint8_t)mcode;
            } else {
                t |= 15;
                op = put_ext(op, mcode);
            }
            *token = t;

            pos += mcode + MINMATCH;
            anchor = pos;
            if (pos > LAST_START)
                goto last_literals;
            /* Index a position inside the match just taken (repeats inside
             * structures are often a few bytes apart), then try for a
             * match right here, with no literals in between. */
            tab[hash4(base + pos - 2)] = (uint16_t)(pos - 2);
            uint32_t h = hash4(base + pos);
            cand = tab[h];
            tab[h] = (uint16_t)pos;
            if (ld32(base + cand) != ld32(base + pos))
                break;
        }
        pos++;
    }

last_literals: {
        const size_t lit = CODEC_PAGE_SIZE - anchor;
        if (1 + ext_bytes(lit) + lit > (size_t)(oend - op))
            return 0;
        *op++ = (uint8_t)((lit < 15 ? lit : 15) << 4);
        if (lit >= 15)
            op = put_ext(op, lit);
        memcpy(op, base + anchor, lit);
        op += lit;
    }
    return (size_t)(op - (uint8_t *)dst);
}
