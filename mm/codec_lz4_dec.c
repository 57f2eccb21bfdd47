/*
 * LZ4 block decoder, safe on any input: nothing is read outside
 * src[0, len) or written outside dst[0, cap), whatever the bytes.
 *
 * Two loops. The fast loop runs while the token lies at least 18 bytes
 * before the end of the source and the output position at least 32 bytes
 * before the end of the destination (and past its first 8 bytes). There a
 * sequence with fewer than 15 literals always has its literals and its
 * offset inside the source, and 16 literal bytes plus an 18-byte match fit
 * in the destination, so the common sequence (literal nibble < 15, match
 * nibble < 15, offset 8 .. bytes produced) is decoded with fixed-size copies
 * and one test of the offset, no length-dependent branch. Everything else in
 * the fast loop (long literal runs, long matches, offsets < 8) checks its own
 * lengths against the buffers and copies in wide chunks while the overrun
 * stays inside them, or hands the sequence to the careful loop.
 *
 * The careful loop decodes the last few sequences of a block (and any block
 * too small for the fast loop), checking every length before use.
 *
 * Invariants the fast loop's copies rely on are stated where they are used.
 */
#include "mm/codec.h"
#include "lib/kstring.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

static ALWAYS_INLINE void cp8(uint8_t *d, const uint8_t *s)
{
    uint64_t v;
    __builtin_memcpy(&v, s, 8);
    __builtin_memcpy(d, &v, 8);
}

/* 16 bytes: one SSE move hosted, two word moves in the image. */
static ALWAYS_INLINE void cp16(uint8_t *d, const uint8_t *s)
{
    __builtin_memcpy(d, s, 16);
}

/* Reads a length's extension bytes: adds them while they are 255. Returns
 * false on truncated input or a length beyond any buffer we could fill. */
static ALWAYS_INLINE bool read_ext(const uint8_t **ipp, const uint8_t *iend, size_t *len)
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

/* A match of ml bytes from op - off (1 <= off <= bytes produced), with
 * room: op + ml + 32 <= end of the destination. Chunks may run up to 31
 * bytes past the match; they are rewritten by what follows. */
static ALWAYS_INLINE void match_wide(uint8_t *op, size_t off, size_t ml)
{
    const uint8_t *m = op - off;
    uint8_t *const mend = op + ml;

    if (off >= 16) {
        /* Each chunk's source lies wholly before its destination. */
        do {
            cp16(op, m);
            cp16(op + 16, m + 16);
            op += 32;
            m += 32;
        } while (op < mend);
        return;
    }
    if (off >= 8) {
        /* Words: each one's source is already written. */
        do {
            cp8(op, m);
            cp8(op + 8, m + 8);
            op += 16;
            m += 16;
        } while (op < mend);
        return;
    }
    /* Offsets 1..7: the pattern is the `off` bytes before op. Load the word
     * at m (its bytes past op are garbage and masked off), repeat its first
     * `off` bytes across it by shifts, then store it advancing by the
     * largest multiple of the period that fits in a word. No byte loop and
     * no store-then-reload of the pattern. */
    static const uint8_t step_of[8] = { 0, 8, 8, 6, 8, 5, 6, 7 };
    static const uint8_t sh1[8] = { 0, 8, 16, 24, 32, 40, 48, 56 };
    static const uint8_t sh2[8] = { 0, 16, 32, 48, 0, 0, 0, 0 };
    static const uint8_t sh3[8] = { 0, 32, 0, 0, 0, 0, 0, 0 };
    uint64_t w;
    __builtin_memcpy(&w, m, 8);
    w &= ~0ull >> (64 - sh1[off]);
    w |= w << sh1[off];
    w |= w << sh2[off];
    w |= w << sh3[off];
    const size_t step = step_of[off];
    if (step == 8) {
        /* Periods 1, 2, 4 (runs of zeros: the commonest long match): the
         * word repeats as is; 32 bytes per turn, the last turn ends
         * < mend + 32, inside the room. */
        const uint64_t pair[2] = { w, w };
        do {
            __builtin_memcpy(op, pair, 16);
            __builtin_memcpy(op + 16, pair, 16);
            op += 32;
        } while (op < mend);
        return;
    }
    /* Periods 3, 5, 6, 7: two stores per turn, the last turn ends
     * < mend + 16. */
    do {
        __builtin_memcpy(op, &w, 8);
        __builtin_memcpy(op + step, &w, 8);
        op += 2 * step;
    } while (op < mend);
}

/* A match near the end of the destination: words while a whole word fits,
 * then bytes (reading what was just written: the period holds at any point
 * of the match). Caller has checked off <= produced and ml <= oend - op. */
static ALWAYS_INLINE void match_tail(uint8_t *op, size_t off, size_t ml, uint8_t *oend)
{
    const uint8_t *m = op - off;
    uint8_t *const mend = op + ml;

    if (off >= 8) {
        while (op + 8 <= oend && op < mend) {
            cp8(op, m);
            op += 8;
            m += 8;
        }
    }
    while (op < mend) {
        *op = *(op - off);
        op++;
    }
}

/* Any match the short path did not take; false if it does not fit. Long
 * matches close to the end (a run of zeros to the end of the page) go wide
 * up to 32 bytes before the end and finish with the tail copy. */
static ALWAYS_INLINE bool match_any(uint8_t *op, size_t off, size_t ml, uint8_t *oend)
{
    const size_t room = (size_t)(oend - op);
    if (ml + 32 <= room) {
        match_wide(op, off, ml);
        return true;
    }
    if (ml > room)
        return false;
    size_t head = 0;
    if (room >= 64) {
        head = room - 32;    /* < ml, and head + 32 <= room */
        match_wide(op, off, head);
    }
    match_tail(op + head, off, ml - head, oend);
    return true;
}

/* The byte at ip3[lit] (ip3 = ip + 3, lit <= 14: inside ip[0, 18)). On
 * x86-64 one load with the addition in its address, so the next token
 * waits for this one's shift and nothing else (the compiler would add
 * first and load from the sum: one more step in the loop's critical
 * path, measured ~5% of the decoder's time on text pages). */
static ALWAYS_INLINE unsigned load_next(const uint8_t *ip, const uint8_t *ip3, size_t lit)
{
#if defined(__x86_64__)
    unsigned v;
    __asm__("movzbl (%1,%2), %0" : "=r"(v) : "r"(ip3), "r"(lit), "m"(*(const uint8_t(*)[18])ip));
    return v;
#else
    (void)ip;
    return ip3[lit];
#endif
}

long codec_lz4_decompress(const void *src, size_t len, void *dst, size_t cap)
{
    const uint8_t *ip = src;
    const uint8_t *const iend = ip + len;
    uint8_t *const obase = dst;
    uint8_t *op = obase;
    uint8_t *const oend = op + cap;
    /* Fast loop limits (token at ip <= ilim, output at op <= olim); for
     * buffers too small for them the fast loop is never entered. */
    const bool big = len >= 18 && cap >= 32;
    const uint8_t *const ilim = big ? iend - 18 : ip;
    uint8_t *const olim = big ? oend - 32 : op;
    size_t lit, ml, off;
    unsigned token;

    for (;;) {
        /* op only grows, so once past obase + 8 it stays there: the offset
         * test below may then subtract 8 from the bytes produced. */
        if (big && ip <= ilim && op <= olim && (size_t)(op - obase) >= 8) {
            /* The next token is loaded while the current sequence is being
             * decoded (see load_next): the loop-carried chain is then one
             * load and one shift per sequence. */
            unsigned next = ip[0];
            for (;;) {
                const uint8_t *const seq = ip;
                token = next;
                lit = token >> 4;
                ml = token & 15;
                /* ip <= iend - 18: the 16 bytes after the token are
                 * source; op <= oend - 32: 16 bytes fit. Copied before the
                 * literal count is tested (wasted for a long run, harmless). */
                cp16(op, ip + 1);
                if (__builtin_expect(lit != 15, 1)) {
                    /* The offset (at most 16 bytes after the token) and the
                     * token after it (17) are source too. */
                    const uint8_t *ip3 = ip + 3;
                    /* Keeps the +3 apart from the +lit, so that only the
                     * latter waits for the token. */
                    __asm__("" : "+r"(ip3));
                    off = (size_t)ip[lit + 1] | ((size_t)ip[lit + 2] << 8);
                    next = load_next(ip, ip3, lit);
                    op += lit;
                    ip = ip3 + lit;
                } else {
                    ip++;
                    if (!read_ext(&ip, iend, &lit))
                        return -1;
                    if (lit + 32 > (size_t)(iend - ip) || lit + 32 > (size_t)(oend - op)) {
                        /* Runs to (or past) the end: done carefully. */
                        ip = seq;
                        goto careful;
                    }
                    /* 32-byte chunks: at most 31 bytes past the literals,
                     * inside both buffers by the test above; the offset
                     * and the byte after it are source too. */
                    for (size_t i = 0; i < lit; i += 32) {
                        cp16(op + i, ip + i);
                        cp16(op + i + 16, ip + i + 16);
                    }
                    op += lit;
                    ip += lit;
                    off = (size_t)ip[0] | ((size_t)ip[1] << 8);
                    ip += 2;
                    next = ip[0];
                }
                /* Here op <= oend - 18. The short match: 4..18 bytes at an
                 * offset 8 .. produced. 8 + 8 + 2 bytes: each word's
                 * source is already written (offset >= 8), and the last 2
                 * bytes load from inside one earlier store rather than
                 * straddling two. One branch for the three tests. `next`
                 * is the following token (no match-length bytes). */
                if (__builtin_expect((ml != 15) & ((size_t)(off - 8) <= (size_t)(op - obase) - 8), 1)) {
                    const uint8_t *m = op - off;
                    cp8(op, m);
                    cp8(op + 8, m + 8);
                    __builtin_memcpy(op + 16, m + 16, 2);
                    op += ml + 4;
                } else {
                    if (ml == 15 && !read_ext(&ip, iend, &ml))
                        return -1;
                    ml += 4;
                    if (off == 0 || off > (size_t)(op - obase))
                        return -1;
                    if (!match_any(op, off, ml, oend))
                        return -1;
                    op += ml;
                    if (ip > ilim || op > olim)
                        break;
                    next = ip[0];
                }
                if (ip > ilim || op > olim)
                    break;
            }
        }
careful:
        if (ip >= iend)
            return -1;
        token = *ip++;
        lit = token >> 4;
        ml = token & 15;
        if (lit == 15 && !read_ext(&ip, iend, &lit))
            return -1;
        if (lit > (size_t)(iend - ip) || lit > (size_t)(oend - op))
            return -1;
        if (lit + 16 <= (size_t)(iend - ip) && lit + 16 <= (size_t)(oend - op)) {
            for (size_t i = 0; i < lit; i += 16)
                cp16(op + i, ip + i);
        } else if (lit >= 64) {
            /* A long last literal run (a page that barely compresses). */
            memcpy(op, ip, lit);
        } else {
            /* The block's last literals: exact, words then bytes. */
            size_t i = 0;
            for (; i + 8 <= lit; i += 8)
                cp8(op + i, ip + i);
            for (; i < lit; i++)
                op[i] = ip[i];
        }
        op += lit;
        ip += lit;
        /* The last sequence has literals only and ends the block. */
        if (ip == iend)
            return (long)(op - obase);
        if ((size_t)(iend - ip) < 2)
            return -1;
        off = (size_t)ip[0] | ((size_t)ip[1] << 8);
        ip += 2;
        if (off == 0 || off > (size_t)(op - obase))
            return -1;
        if (ml == 15 && !read_ext(&ip, iend, &ml))
            return -1;
        ml += 4;
        if (!match_any(op, off, ml, oend))
            return -1;
        op += ml;
    }
}
