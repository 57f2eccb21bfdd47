/*
 * Escaping untrusted text for a terminal. UTF-8 is checked strictly
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF),
 * because a lenient decoder lets a terminal see bytes we judged harmless.
 * The C1 controls (U+0080-U+009F) are controls to many terminals (CSI is
 * U+009B), so they are escaped like C0 ones; so are the few printable-looking
 * characters that change how a line around them is shown (bidirectional
 * overrides, line separators).
 */
#include "lib/text_escape.h"
#include "lib/kstring.h"

/* Length of the valid, printable UTF-8 sequence at s (1-4), or 0 when the
 * first byte must be escaped. */
static size_t printable_seq(const unsigned char *s, size_t len, unsigned flags)
{
    unsigned char c = s[0];
    if (c == '\t' || (c == '\n' && (flags & TEXT_KEEP_NEWLINES)))
        return 1;
    if (c < 0x20 || c == 0x7f)
        return 0;
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp, min;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, cp = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0; /* a continuation byte, 0xc0/0xc1 (overlong) or 0xf5+ */
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    if (cp >= 0x80 && cp <= 0x9f)
        return 0; /* C1 control */
    if ((cp >= 0x200e && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
        (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff)
        return 0; /* direction marks and overrides, line separators, BOM: they
                     reorder or break what the reader sees around them */
    return n;
}

size_t text_escape(char *dst, size_t size, const char *src, size_t len, unsigned flags,
                   size_t *consumed)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)src;
    size_t i = 0, o = 0;
    if (size == 0) {
        if (consumed)
            *consumed = 0;
        return 0;
    }
    while (i < len) {
        size_t n = printable_seq(s + i, len - i, flags);
        if (n) {
            if (o + n >= size)
                break;
            memcpy(dst + o, s + i, n);
            o += n;
            i += n;
            continue;
        }
        if (o + TEXT_ESCAPE_MAX_PER_BYTE >= size)
            break;
        dst[o++] = '\\';
        dst[o++] = 'x';
        dst[o++] = hex[s[i] >> 4];
        dst[o++] = hex[s[i] & 15];
        i++;
    }
    dst[o] = '\0';
    if (consumed)
        *consumed = i;
    return o;
}

size_t text_escape_pieces(const char *src, size_t len, unsigned flags,
                          void (*out)(void *ctx, const char *s, size_t n), void *ctx)
{
    char piece[256];
    size_t done = 0, written = 0;
    while (done < len) {
        size_t used;
        size_t n = text_escape(piece, sizeof piece, src + done, len - done, flags, &used);
        out(ctx, piece, n);
        written += n;
        done += used;
    }
    return written;
}

size_t text_escape_cut(char *dst, size_t size, const char *src, size_t len)
{
    size_t used;
    size_t n = text_escape(dst, size - 3, src, len, 0, &used);
    if (used < len) {
        memcpy(dst + n, "...", 4);
        n += 3;
    }
    return n;
}

bool text_is_clean(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = printable_seq(u + i, len - i, 0);
        if (!n)
            return false;
        i += n;
    }
    return true;
}
