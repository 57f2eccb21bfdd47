/* lib/text_escape.c: what reaches a terminal from untrusted bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/text_escape.h"

static const char *esc(const char *s, size_t len, unsigned flags)
{
    static char out[256];
    size_t used = 0;
    size_t n = text_escape(out, sizeof out, s, len, flags, &used);
    assert_int_equal(n, strlen(out));
    assert_int_equal(used, len);
    return out;
}
#define ESC(lit, flags) esc(lit, sizeof lit - 1, flags)

static void test_plain_text_unchanged(void **state)
{
    (void)state;
    assert_string_equal(ESC("hello, world\t#1", 0), "hello, world\t#1");
    assert_string_equal(ESC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0),
                        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    assert_true(text_is_clean("caf\xc3\xa9", 5));
}

static void test_terminal_controls_escaped(void **state)
{
    (void)state;
    /* screen clear, window title with a bell, a C1 CSI, DEL */
    assert_string_equal(ESC("\x1b[2J\x1b]0;pwned\x07", 0), "\\x1b[2J\\x1b]0;pwned\\x07");
    assert_string_equal(ESC("a\xc2\x9b" "31mb\x7f", 0), "a\\xc2\\x9b31mb\\x7f");
    assert_string_equal(ESC("x\ny\r", 0), "x\\x0ay\\x0d");
    assert_string_equal(ESC("x\ny", TEXT_KEEP_NEWLINES), "x\ny");
    assert_string_equal(ESC("\0z", 0), "\\x00z");
    /* a right-to-left override would show "exe.txt" as "txt.exe" */
    assert_string_equal(ESC("a\xe2\x80\xaetxt.exe", 0), "a\\xe2\\x80\\xaetxt.exe");
    assert_string_equal(ESC("\xe2\x80\xa8\xef\xbb\xbf", 0), "\\xe2\\x80\\xa8\\xef\\xbb\\xbf");
    assert_false(text_is_clean("\x1b[2J", 4));
    assert_false(text_is_clean("a\nb", 3));
}

static void test_invalid_utf8_escaped(void **state)
{
    (void)state;
    assert_string_equal(ESC("h\xffst", 0), "h\\xffst");
    assert_string_equal(ESC("\xc0\xaf", 0), "\\xc0\\xaf");              /* overlong '/' */
    assert_string_equal(ESC("\xe0\x80\xaf", 0), "\\xe0\\x80\\xaf");     /* overlong */
    assert_string_equal(ESC("\xed\xa0\x80", 0), "\\xed\\xa0\\x80");     /* surrogate */
    assert_string_equal(ESC("\xf4\x90\x80\x80", 0), "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
    assert_string_equal(ESC("\xe2\x82", 0), "\\xe2\\x82");              /* cut short */
    assert_string_equal(ESC("\x80z", 0), "\\x80z");                     /* lone continuation */
    assert_false(text_is_clean("h\xffst", 4));
}

static void test_small_buffers_never_split(void **state)
{
    (void)state;
    char out[6];
    size_t used;
    /* "ab" fits, the 4-byte escape of 0x1b does not: stop before it */
    assert_int_equal(text_escape(out, sizeof out, "ab\x1b", 3, 0, &used), 2);
    assert_string_equal(out, "ab");
    assert_int_equal(used, 2);
    /* a 4-byte UTF-8 sequence is not split either */
    assert_int_equal(text_escape(out, 4, "\xf0\x9f\x98\x80", 4, 0, &used), 0);
    assert_int_equal(used, 0);
    assert_int_equal(text_escape(out, 0, "a", 1, 0, &used), 0);
    assert_int_equal(used, 0);
    /* every byte of every value: output stays terminated and clean */
    char all[256], big[256 * 4 + 1];
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    size_t n = text_escape(big, sizeof big, all, sizeof all, 0, &used);
    assert_int_equal(used, sizeof all);
    assert_true(text_is_clean(big, n));
}

static char pieces[4096];
static size_t npieces, pieces_len;

static void take_piece(void *ctx, const char *s, size_t n)
{
    assert_ptr_equal(ctx, pieces);
    assert_true(n <= 255 && pieces_len + n < sizeof pieces);
    memcpy(pieces + pieces_len, s, n);
    pieces_len += n;
    npieces++;
}

/* Long text in pieces: the same bytes as one escape into a buffer large
 * enough, none of them split across pieces. */
static void test_pieces(void **state)
{
    (void)state;
    char src[700], whole[4096];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = i % 7 == 0 ? '\x1b' : i % 11 == 0 ? '\n' : (char)('a' + i % 26);
    memcpy(src + 300, "\xc3\xa9", 2);                 /* a UTF-8 sequence in the middle */
    size_t n = text_escape(whole, sizeof whole, src, sizeof src, TEXT_KEEP_NEWLINES, NULL);
    npieces = pieces_len = 0;
    assert_int_equal(text_escape_pieces(src, sizeof src, TEXT_KEEP_NEWLINES, take_piece, pieces),
                     n);
    assert_int_equal(pieces_len, n);
    assert_memory_equal(pieces, whole, n);
    assert_true(npieces >= 4);
    npieces = 0;
    assert_int_equal(text_escape_pieces(src, 0, 0, take_piece, pieces), 0);
    assert_int_equal(npieces, 0);
}

static void test_cut_for_messages(void **state)
{
    (void)state;
    char out[12];
    assert_int_equal(text_escape_cut(out, sizeof out, "short", 5), 5);
    assert_string_equal(out, "short");
    assert_int_equal(text_escape_cut(out, sizeof out, "a longer value", 14), 11);
    assert_string_equal(out, "a longer...");
    text_escape_cut(out, sizeof out, "ab\x1b\x1b\x1b", 5);
    assert_string_equal(out, "ab\\x1b...");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_unchanged),
        cmocka_unit_test(test_terminal_controls_escaped),
        cmocka_unit_test(test_invalid_utf8_escaped),
        cmocka_unit_test(test_small_buffers_never_split),
        cmocka_unit_test(test_cut_for_messages),
        cmocka_unit_test(test_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
