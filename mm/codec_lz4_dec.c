/*
 * LZ4 block decoder, safe on any input: every length is checked against the
 * bytes left in the source and the room left in the destination before it
 * is used, and every offset against the bytes already produced. The fast
 * paths copy whole 8-byte words only where the check has shown that the
 * overrun still lies inside both buffers.
 */
#include "mm/codec.h"
#include "lib/kstring.h"

static inline void cp8(uint8_t *d, const uint8_t *s)
{
    uint64_t v;
    __builtin_memcpy(&v, s, 8);
    __builtin_memcpy(d, &v, 8);
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
        /* A length this big cannot be valid for any buffer we are given;
         * stopping here also rules out overflow on 32-bit size_t. */
        if (l > (1u << 30))
            return false;
    } while (b == 255);
    *ipp = ip;
    *len = l;
    return true;
}

long codec_lz4_decompress(const void *src, size_t len, void *dst, size_t cap)
{
    const uint8_t *ip = src;
    const uint8_t *const iend = ip + len;
    uint8_t *const obase = dst;
    uint8_t *op = obase;
    uint8_t *const oend = op + cap;

    for (;;) {
        if (ip >= iend)
            return -1;
        const unsigned token = *ip++;
        size_t lit = token >> 4;

        /* Short literals with room on both sides: one 16-byte copy. */
        if (lit < 15 && (size_t)(iend - ip) >= 16 + 2 && (size_t)(oend - op) >= 16) {
            cp8(op, ip);
            cp8(op + 8, ip + 8);
        } else {
            if (lit == 15 && !read_ext(&ip, iend, &lit))
                return -1;
            if (lit > (size_t)(iend - ip) || lit > (size_t)(oend - op))
                return -1;
            memcpy(op, ip, lit);
        }
        op += lit;
        ip += lit;

        /* The last sequence has literals only and ends the block. */
        if (ip == iend)
            return (long)(op - obase);

        if ((size_t)(iend - ip) < 2)
            return -1;
        const size_t off = (size_t)ip[0] | ((size_t)ip[1] << 8);
        ip += 2;
        if (off == 0 || off > (size_t)(op - obase))
            return -1;
        size_t ml = token & 15;
        if (ml == 15 && !read_ext(&ip, iend, &ml))
            return -1;
        ml += 4;
        if (ml > (size_t)(oend - op))
            return -1;

        const uint8_t *m = op - off;
        uint8_t *const mend = op + ml;
        if (off >= 8) {
            /* Each word's source lies wholly before its destination, so
             * word copies are exact even when the match overlaps itself. */
            if ((size_t)(oend - mend) >= 8) {
                do {
                    cp8(op, m);
                    op += 8;
                    m += 8;
                } while (op < mend);
            } else {
                while (op + 8 <= mend) {
                    cp8(op, m);
                    op += 8;
                    m += 8;
                }
                while (op < mend)
                    *op++ = *m++;
            }
        } else {
            /* A period shorter than a word: build one word of the pattern,
             * then store it advancing by a multiple of the period. */
            uint8_t pat[8];
            for (unsigned i = 0; i < 8; i++)
                pat[i] = m[i % off];
            const size_t step = 8 - (8 % off);
            while (op + 8 <= oend && op < mend) {
                __builtin_memcpy(op, pat, 8);
                op += step;
            }
            /* Within the last word of the buffer: finish bytewise, reading
             * the pattern from what was just written (period off). */
            while (op < mend) {
                *op = *(op - off);
                op++;
            }
        }
        op = mend;
    }
}
