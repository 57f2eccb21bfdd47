/*
 * LZ4 block decoder, safe on any input: every length is checked against the
 * bytes left in the source and the room left in the destination before it
 * is used, and every offset against the bytes already produced. Fast paths
 * copy fixed-size chunks only where a check has shown that the overrun
 * still lies inside both buffers.
 *
 * Most sequences on real pages have fewer than 15 literals and a match of
 * at most 18 bytes; for them one branch admits a copy of 16 literal bytes
 * and 24 match bytes with no loops, so nothing depends on a length that the
 * branch predictor would have to guess.
 */
#include "mm/codec.h"
#include "lib/kstring.h"

static inline void cp8(uint8_t *d, const uint8_t *s)
{
    uint64_t v;
    __builtin_memcpy(&v, s, 8);
    __builtin_memcpy(d, &v, 8);
}

static inline void cp16(uint8_t *d, const uint8_t *s)
{
    __builtin_memcpy(d, s, 16);
}

/* Reads a length's extension bytes: adds them while they are 255. Returns
 * false on truncated input or a length beyond any buffer we could fill. */
static inline bool read_ext(const uint8_t **ipp, const uint8_t *iend, size_t *len)
{
    const uint8_t *ip = *ipp;
    size_t l = *len;
    uint8_t b;
    do {
        if (ip >= iend)
            return false;
        b = *ip++;
        l += b;
        /* Longer than any buffer we are given; also rules out overflow. */
        if (l > (1u << 30))
            return false;
    } while (b == 255);
    *ipp = ip;
    *len = l;
    return true;
}

/* Copies a match of ml bytes from op - off to op, overlapping allowed
 * (off < ml repeats the pattern). Caller has checked off <= produced and
 * ml <= oend - op. */
static inline void copy_match(uint8_t *op, size_t off, size_t ml, uint8_t *oend)
{
    const uint8_t *m = op - off;
    uint8_t *const mend = op + ml;

    if (off >= 16 && (size_t)(oend - mend) >= 16) {
        /* Each chunk's source lies wholly before its destination, so
         * chunk copies are exact even when the match overlaps itself. */
        do {
            cp16(op, m);
            op += 16;
            m += 16;
        } while (op < mend);
        return;
    }
    if (off == 1 && ml >= 16 && (size_t)(oend - op) >= 16) {
        /* A run of one byte: the commonest long match on guest pages. */
        const uint64_t w = m[0] * 0x0101010101010101ull;
        while (op + 16 <= oend && op < mend) {
            __builtin_memcpy(op, &w, 8);
            __builtin_memcpy(op + 8, &w, 8);
            op += 16;
        }
    } else if (off < 16 && ml >= 64 && (size_t)(oend - op) >= 16) {
        /* A long run with a short period (zero runs, tables of words):
         * write its first 16 bytes one by one, keep them in two words,
         * then store those advancing by the largest multiple of the
         * period that fits in 16. No load straddles a recent store. */
        static const uint8_t step16[16] = { 0, 16, 16, 15, 16, 15, 12, 14,
                                            16, 9, 10, 11, 12, 13, 14, 15 };
        for (unsigned i = 0; i < 16; i++)
            op[i] = op[(ptrdiff_t)i - (ptrdiff_t)off];
        uint64_t w0, w1;
        __builtin_memcpy(&w0, op, 8);
        __builtin_memcpy(&w1, op + 8, 8);
        const size_t step = step16[off];
        op += step;
        while (op + 16 <= oend && op < mend) {
            __builtin_memcpy(op, &w0, 8);
            __builtin_memcpy(op + 8, &w1, 8);
            op += step;
        }
    } else if (off >= 8) {
        while (op + 8 <= oend && op < mend) {
            cp8(op, m);
            op += 8;
            m += 8;
        }
    } else {
        /* A short match with a period shorter than a word: one word of
         * the pattern, stored advancing by a multiple of the period. */
        static const uint8_t step_of[8] = { 0, 8, 8, 6, 8, 5, 6, 7 };
        uint8_t pat[8];
        for (unsigned i = 0, j = 0; i < 8; i++) {
            pat[i] = m[j];
            j = j + 1 == off ? 0 : j + 1;
        }
        const size_t step = step_of[off];
        while (op + 8 <= oend && op < mend) {
            __builtin_memcpy(op, pat, 8);
            op += step;
        }
    }
    /* The last bytes of the buffer: bytewise, reading what was just
     * written (the period holds at any point of the match). */
    while (op < mend) {
        *op = *(op - off);
        op++;
    }
}

long codec_lz4_decompress(const void *src, size_t len, void *dst, size_t cap)
{
    const uint8_t *ip = src;
    const uint8_t *const iend = ip + len;
    uint8_t *const obase = dst;
    uint8_t *op = obase;
    uint8_t *const oend = op + cap;
    /* The fast path needs >= 16 + 2 source bytes after the token (so this
     * is not the last sequence and the offset is readable) and 16 + 24
     * destination bytes. As limits: ip < ishort, op < oshort; for buffers
     * too small for that the limits are the buffers' starts, which ip
     * (past a token) and op never lie below. */
    const uint8_t *const ishort = len >= 17 ? iend - 17 : ip;
    uint8_t *const oshort = cap >= 39 ? oend - 39 : obase;
    size_t lit, ml, off;
    unsigned token;

    for (;;) {
        if (ip >= iend)
            return -1;
        token = *ip++;
        lit = token >> 4;
        ml = token & 15;

        /* Marked likely: the compiler then lays the fast path out as
         * straight-line code (measured a few % on text pages). */
        if (__builtin_expect(lit != 15 && ip < ishort && op < oshort, 1)) {
            cp16(op, ip);
            op += lit;
            ip += lit;
            off = (size_t)ip[0] | ((size_t)ip[1] << 8);
            if (__builtin_expect(ml != 15 && off >= 8 && off <= (size_t)(op - obase), 1)) {
                /* lit <= 14, ml + 4 <= 18: the room checked above covers
                 * the 18 bytes written here. 8 + 8 + 2 rather than 3 x 8:
                 * a load that straddles two recent stores stalls, and a
                 * third word would often straddle this match's own. Words
                 * rather than 16 bytes at once: offsets 8..15 are common
                 * and then only word copies are exact (measured: taking
                 * them here beats sending them to copy_match). */
                const uint8_t *m = op - off;
                ip += 2;
                cp8(op, m);
                cp8(op + 8, m + 8);
                __builtin_memcpy(op + 16, m + 16, 2);
                op += ml + 4;
                continue;
            }
        } else {
            if (lit == 15 && !read_ext(&ip, iend, &lit))
                return -1;
            if (lit > (size_t)(iend - ip) || lit > (size_t)(oend - op))
                return -1;
            if ((size_t)(iend - ip) - lit >= 16 && (size_t)(oend - op) - lit >= 16) {
                /* Room past both ends: whole 16-byte chunks, no call. */
                for (size_t i = 0; i < lit; i += 16)
                    cp16(op + i, ip + i);
            } else {
                memcpy(op, ip, lit);
            }
            op += lit;
            ip += lit;
            /* The last sequence has literals only and ends the block. */
            if (ip == iend)
                return (long)(op - obase);
            if ((size_t)(iend - ip) < 2)
                return -1;
            off = (size_t)ip[0] | ((size_t)ip[1] << 8);
        }

        /* A match the fast path did not take: long, close or bad. */
        ip += 2;
        if (off == 0 || off > (size_t)(op - obase))
            return -1;
        if (ml == 15 && !read_ext(&ip, iend, &ml))
            return -1;
        ml += 4;
        if (ml > (size_t)(oend - op))
            return -1;
        copy_match(op, off, ml, oend);
        op += ml;
    }
}
