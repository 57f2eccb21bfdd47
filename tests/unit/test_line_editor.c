/* kernel/line_editor.c: insertion and erasure at the cursor with the exact
 * VT100 redraw bytes, Enter in its three forms, Ctrl-U/Ctrl-C, escape
 * sequences (CSI and SS3), history, the length limit and ignored bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/line_editor.h"

static char echoed[8192];
static size_t nechoed;

static void echo(void *ctx, const char *bytes, size_t len)
{
    assert_ptr_equal(ctx, echoed);
    assert_true(len > 0);
    assert_true(nechoed + len < sizeof echoed);
    memcpy(echoed + nechoed, bytes, len);
    nechoed += len;
    echoed[nechoed] = '\0';
}

static struct line_editor le;

static int setup(void **state)
{
    (void)state;
    nechoed = 0;
    echoed[0] = '\0';
    line_editor_init(&le, echo, echoed, true);
    return 0;
}

static void clear_echo(void)
{
    nechoed = 0;
    echoed[0] = '\0';
}

/* Feeds bytes (len, so NUL can be fed too); counts each result. */
struct fed { int done, cancelled; };
static struct fed feed_n(const char *s, size_t n)
{
    struct fed f = { 0, 0 };
    for (size_t i = 0; i < n; i++) {
        enum line_result r = line_editor_feed(&le, s[i]);
        if (r == LINE_DONE)
            f.done++;
        else if (r == LINE_CANCELLED)
            f.cancelled++;
    }
    return f;
}
static struct fed feed(const char *s) { return feed_n(s, strlen(s)); }

static const char *take(void)
{
    static char out[LINE_MAX_LEN + 1];
    line_editor_take(&le, out, sizeof out);
    return out;
}

#define LEFT "\x1b[D"
#define RIGHT "\x1b[C"
#define UP "\x1b[A"
#define DOWN "\x1b[B"

static void test_type_and_enter(void **state)
{
    (void)state;
    assert_int_equal(feed("ls -l").done, 0);
    assert_int_equal(feed("\r").done, 1);
    assert_string_equal(echoed, "ls -l\r\n");
    assert_string_equal(take(), "ls -l");
    assert_int_equal(le.len, 0);
    assert_int_equal(le.cursor, 0);
}

static void test_enter_forms(void **state)
{
    (void)state;
    /* CR LF is one Enter, even when the line is taken between the two. */
    assert_int_equal(feed("a\r").done, 1);
    assert_string_equal(take(), "a");
    assert_int_equal(feed("\nb\r\n").done, 1);
    assert_string_equal(take(), "b");
    assert_int_equal(feed("c\n").done, 1);
    assert_string_equal(take(), "c");
    /* two LFs, two CRs, LF CR: each an (empty) line */
    assert_int_equal(feed("\n\n").done, 2);
    assert_int_equal(feed("\r\r").done, 2);
    assert_int_equal(feed("\n").done, 0); /* the LF of the second CR's CR LF */
    assert_int_equal(feed("\n\r").done, 2);
    assert_string_equal(take(), "");
}

static void test_backspace(void **state)
{
    (void)state;
    feed("abc\x7f");
    assert_string_equal(echoed, "abc\b \b");
    feed("\b");
    assert_string_equal(echoed, "abc\b \b\b \b");
    clear_echo();
    feed("\x7f\x7f\x7f"); /* two to erase, one at column 0 does nothing */
    assert_string_equal(echoed, "\b \b");
    assert_int_equal(le.len, 0);
    feed("\r");
    assert_string_equal(take(), "");
}

static void test_insert_mid_line(void **state)
{
    (void)state;
    feed("ac" LEFT);
    assert_string_equal(echoed, "ac\b");
    clear_echo();
    feed("b");
    assert_string_equal(echoed, "bc\b"); /* rewrite the tail, step back */
    clear_echo();
    feed(LEFT LEFT "xy");
    assert_string_equal(echoed, "\b\bxabc\x1b[3Dyabc\x1b[3D");
    feed("\r");
    assert_string_equal(take(), "xyabc");
}

static void test_erase_mid_line(void **state)
{
    (void)state;
    feed("abcd" LEFT LEFT);
    clear_echo();
    feed("\x7f"); /* erases 'b' */
    assert_string_equal(echoed, "\bcd\x1b[K\x1b[2D");
    clear_echo();
    feed("\x1b[3~"); /* Delete: erases 'c' under the cursor */
    assert_string_equal(echoed, "d\x1b[K\b");
    clear_echo();
    feed("\x1b[3~" "\x1b[3~"); /* 'd', then nothing at the end */
    assert_string_equal(echoed, "\x1b[K");
    feed("\r");
    assert_string_equal(take(), "a");
}

static void test_cursor_bounds_and_ss3(void **state)
{
    (void)state;
    feed(LEFT);
    assert_string_equal(echoed, "");
    feed("ab" RIGHT);
    assert_string_equal(echoed, "ab");
    feed("\x1bOD" "\x1bOD" "\x1bOD"); /* ESC O D = Left; the third goes nowhere */
    assert_string_equal(echoed, "ab\b\b");
    assert_int_equal(le.cursor, 0);
    feed("\x1bOC");
    assert_string_equal(echoed, "ab\b\b" RIGHT);
    assert_int_equal(le.cursor, 1);
    feed("\x1b[1;5C"); /* Ctrl-Right on xterm: still right */
    assert_int_equal(le.cursor, 2);
}

static void test_home_end(void **state)
{
    (void)state;
    feed("hello");
    clear_echo();
    feed("\x01"); /* Ctrl-A */
    assert_string_equal(echoed, "\x1b[5D");
    assert_int_equal(le.cursor, 0);
    feed("\x05"); /* Ctrl-E */
    assert_int_equal(le.cursor, 5);
    feed("\x1b[H");
    assert_int_equal(le.cursor, 0);
    feed("\x1b[F");
    assert_int_equal(le.cursor, 5);
    feed("\x1b[1~");
    assert_int_equal(le.cursor, 0);
    feed("\x1b[4~");
    assert_int_equal(le.cursor, 5);
    feed("\x1bOH");
    assert_int_equal(le.cursor, 0);
    feed("!\r");
    assert_string_equal(take(), "!hello");
}

static void test_kill_and_cancel(void **state)
{
    (void)state;
    feed("hello" LEFT);
    clear_echo();
    feed("\x15"); /* Ctrl-U */
    assert_string_equal(echoed, "\x1b[4D\x1b[K");
    assert_int_equal(le.len, 0);
    feed("x");
    clear_echo();
    struct fed f = feed("\x03"); /* Ctrl-C */
    assert_int_equal(f.cancelled, 1);
    assert_string_equal(echoed, "^C\r\n");
    assert_int_equal(le.len, 0);
    assert_int_equal(feed("ok\r").done, 1);
    assert_string_equal(take(), "ok");
    assert_int_equal(le.hist_count, 1); /* the cancelled line was not kept */
}

static void test_history(void **state)
{
    (void)state;
    feed("one\r"); take();
    feed("two\r"); take();
    feed("two\r"); take(); /* a repeat of the last: not added again */
    feed("\r"); take();    /* empty: not added */
    assert_int_equal(le.hist_count, 2);

    clear_echo();
    feed(UP);
    assert_string_equal(echoed, "\x1b[Ktwo");
    clear_echo();
    feed(UP);
    assert_string_equal(echoed, "\x1b[3D\x1b[Kone");
    clear_echo();
    feed(UP); /* no older entry */
    assert_string_equal(echoed, "\a");
    feed(DOWN);
    assert_int_equal(le.len, 3);
    assert_memory_equal(le.buf, "two", 4);
    clear_echo();
    feed(DOWN); /* back to a fresh line */
    assert_string_equal(echoed, "\x1b[3D\x1b[K");
    assert_int_equal(le.len, 0);
    clear_echo();
    feed(DOWN);
    assert_string_equal(echoed, "\a");

    /* Editing a recalled line changes the new line, not the history. */
    feed("\x1bOA" "\x7f" "o\r"); /* SS3 Up */
    assert_string_equal(take(), "two");
    assert_int_equal(le.hist_count, 2);
    feed(UP UP "!\r");
    assert_string_equal(take(), "one!");
    assert_int_equal(le.hist_count, 3);
}

static void test_history_ring(void **state)
{
    (void)state;
    char line[16];
    for (int i = 0; i < 20; i++) {
        snprintf(line, sizeof line, "cmd%d\r", i);
        feed(line);
        take();
    }
    assert_int_equal(le.hist_count, LINE_HISTORY);
    for (int i = 0; i < LINE_HISTORY; i++)
        feed(UP);
    assert_string_equal(le.buf, "cmd4"); /* the oldest kept of 20 */
    clear_echo();
    feed(UP);
    assert_string_equal(echoed, "\a");
    feed("\r");
    assert_string_equal(take(), "cmd4");
}

static void test_too_long(void **state)
{
    (void)state;
    char big[LINE_MAX_LEN + 6];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    feed(big);
    assert_int_equal(le.len, LINE_MAX_LEN);
    /* 200 echoed, then a bell for each refused byte */
    assert_int_equal(nechoed, LINE_MAX_LEN + 5);
    assert_string_equal(echoed + LINE_MAX_LEN, "\a\a\a\a\a");
    feed(LEFT "z"); /* mid-line insert is refused too */
    assert_int_equal(le.len, LINE_MAX_LEN);
    feed("\r");
    const char *got = take();
    assert_int_equal(strlen(got), LINE_MAX_LEN);

    /* a small destination gets a terminated prefix */
    char small[4];
    feed("abcdef\r");
    line_editor_take(&le, small, sizeof small);
    assert_string_equal(small, "abc");
}

static void test_ignored_bytes(void **state)
{
    (void)state;
    const char junk[] = "\x02\x09\x0b\x0c\x10\x1a\x80\xc3\xa9\xff" "\x1bx" "\x1b[20~" "\x1b[?25h"
                        "\x1b[99999999999C";
    feed_n(junk, sizeof junk - 1);
    feed_n("\0", 1);
    assert_int_equal(le.len, 0);
    assert_string_equal(echoed, "");
    /* an escape broken by Enter: the Enter still counts */
    feed("ab\x1b[");
    assert_int_equal(feed("\r").done, 1);
    assert_string_equal(take(), "ab");
    /* ESC ESC [ D: the second ESC restarts the sequence */
    feed("xy\x1b\x1b[D");
    assert_int_equal(le.cursor, 1);
}

static void test_echo_off(void **state)
{
    (void)state;
    line_editor_init(&le, echo, echoed, false);
    feed("abc" LEFT "\x7f" UP "\x15" "q");
    feed("\x03");
    feed("zz\r");
    assert_string_equal(echoed, "");
    assert_int_equal(nechoed, 0);
    assert_string_equal(take(), "zz");
    /* and a NULL echo function is fine with echo on */
    line_editor_init(&le, NULL, NULL, true);
    feed("w\x7fv\r");
    assert_string_equal(take(), "v");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_type_and_enter, setup),
        cmocka_unit_test_setup(test_enter_forms, setup),
        cmocka_unit_test_setup(test_backspace, setup),
        cmocka_unit_test_setup(test_insert_mid_line, setup),
        cmocka_unit_test_setup(test_erase_mid_line, setup),
        cmocka_unit_test_setup(test_cursor_bounds_and_ss3, setup),
        cmocka_unit_test_setup(test_home_end, setup),
        cmocka_unit_test_setup(test_kill_and_cancel, setup),
        cmocka_unit_test_setup(test_history, setup),
        cmocka_unit_test_setup(test_history_ring, setup),
        cmocka_unit_test_setup(test_too_long, setup),
        cmocka_unit_test_setup(test_ignored_bytes, setup),
        cmocka_unit_test_setup(test_echo_off, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
