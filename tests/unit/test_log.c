/* kernel/log.c: line format, levels, per-site throttling, folding of
 * repeats, the ring (oldest first, whole lines dropped on wrap) and stats. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/log.h"
#include "tests/fake/platform_fake.h"

#define MAX_CAPTURE 4096
static char captured[MAX_CAPTURE][LOG_LINE_MAX];
static size_t ncaptured;

static void sink(const char *line, size_t len)
{
    assert_true(len < LOG_LINE_MAX);
    assert_int_equal(strlen(line), len); /* terminated, no embedded NUL */
    if (ncaptured < MAX_CAPTURE)
        memcpy(captured[ncaptured], line, len + 1);
    ncaptured++;
}

static int setup(void **state)
{
    (void)state;
    ncaptured = 0;
    fake_plat_set_time_ns(0);
    log_init(sink);
    return 0;
}

static void test_line_format(void **state)
{
    (void)state;
    fake_plat_set_time_ns(12345678901ULL);
    log_write(NULL, LOG_INFO, "hello %d", 5);
    log_write(NULL, LOG_WARN, "low on %s", "memory");
    log_write(NULL, LOG_ERROR, "bad");
    fake_plat_set_time_ns(123456ULL * 1000000000ULL + 7000);
    log_write(NULL, LOG_INFO, "late");
    assert_int_equal(ncaptured, 4);
    assert_string_equal(captured[0], "[   12.345678] hello 5");
    assert_string_equal(captured[1], "[   12.345678] warning: low on memory");
    assert_string_equal(captured[2], "[   12.345678] error: bad");
    assert_string_equal(captured[3], "[123456.000007] late");
}

static void test_trailing_and_embedded_newlines(void **state)
{
    (void)state;
    log_write(NULL, LOG_INFO, "one\n");
    log_write(NULL, LOG_INFO, "two\r\n\n");
    log_write(NULL, LOG_INFO, "three\nfour");
    assert_int_equal(ncaptured, 3);
    assert_string_equal(captured[0], "[    0.000000] one");
    assert_string_equal(captured[1], "[    0.000000] two");
    assert_string_equal(captured[2], "[    0.000000] three four");
}

/* Bytes from guests and files reach log lines through %s: control bytes
 * and non-UTF-8 bytes are escaped, so no log line carries a terminal
 * escape sequence (issue #11 items 13-14). */
static void test_hostile_bytes_escaped(void **state)
{
    (void)state;
    log_write(NULL, LOG_WARN, "name '%s'", "\x1b]0;title\x07h\xffst\xc3\xa9");
    assert_int_equal(ncaptured, 1);
    assert_string_equal(captured[0], "[    0.000000] warning: name '\\x1b]0;title\\x07h\\xffst\xc3\xa9'");
    /* escaping never runs past the line */
    char big[600];
    memset(big, 0x1b, sizeof big - 1);
    big[sizeof big - 1] = '\0';
    log_write(NULL, LOG_INFO, "%s", big);
    assert_int_equal(ncaptured, 2);
    assert_true(strlen(captured[1]) < LOG_LINE_MAX);
    assert_null(strchr(captured[1], 0x1b));
}

/* Lifecycle lines of many VMs ending in the same instant: every one is
 * printed and kept (issue #11 item 7: a call site's throttle dropped all but
 * 10, and they were not in `log` either). */
static void count_exits(const char *line, size_t len, void *ctx)
{
    (void)len;
    if (strstr(line, ": exited with status"))
        ++*(int *)ctx;
}

static void test_events_never_throttled(void **state)
{
    (void)state;
    for (int i = 0; i < 16; i++)
        LOG_EVENT(LOG_INFO, "vm vm%d: exited with status %d", i, i);
    assert_int_equal(ncaptured, 16);
    int kept = 0;
    log_for_each(count_exits, &kept);
    assert_int_equal(kept, 16);
    struct log_stats st;
    log_get_stats(&st);
    assert_int_equal(st.suppressed, 0);
}

static void test_long_message_truncated(void **state)
{
    (void)state;
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    log_write(NULL, LOG_ERROR, "%s", big);
    assert_int_equal(ncaptured, 1);
    assert_int_equal(strlen(captured[0]), LOG_LINE_MAX - 1);
    assert_memory_equal(captured[0], "[    0.000000] error: xxx", 25);
}

static void test_levels(void **state)
{
    (void)state;
    assert_int_equal(log_get_level(), LOG_INFO);
    log_write(NULL, LOG_DEBUG, "hidden");
    assert_int_equal(ncaptured, 0);
    log_set_level(LOG_DEBUG);
    log_write(NULL, LOG_DEBUG, "shown");
    assert_int_equal(ncaptured, 1);
    assert_string_equal(captured[0], "[    0.000000] shown");
    log_set_level(LOG_ERROR);
    log_write(NULL, LOG_INFO, "i");
    log_write(NULL, LOG_WARN, "w");
    log_write(NULL, LOG_ERROR, "e");
    assert_int_equal(ncaptured, 2);
    assert_string_equal(captured[1], "[    0.000000] error: e");
    log_set_level((enum log_level)42); /* ignored */
    assert_int_equal(log_get_level(), LOG_ERROR);

    struct log_stats st;
    log_get_stats(&st);
    assert_int_equal(st.lines, 2);
    assert_int_equal(st.suppressed, 0);
}

static void test_level_names(void **state)
{
    (void)state;
    enum log_level l = LOG_ERROR;
    assert_string_equal(log_level_name(LOG_DEBUG), "debug");
    assert_string_equal(log_level_name(LOG_INFO), "info");
    assert_string_equal(log_level_name(LOG_WARN), "warn");
    assert_string_equal(log_level_name(LOG_ERROR), "error");
    assert_string_equal(log_level_name((enum log_level)7), "?");
    assert_true(log_level_parse("debug", &l));
    assert_int_equal(l, LOG_DEBUG);
    assert_true(log_level_parse("WARN", &l));
    assert_int_equal(l, LOG_WARN);
    assert_true(log_level_parse("Error", &l));
    assert_int_equal(l, LOG_ERROR);
    assert_false(log_level_parse("warning", &l));
    assert_false(log_level_parse("", &l));
    assert_false(log_level_parse(NULL, &l));
    assert_int_equal(l, LOG_ERROR);
}

static void test_throttle_site(void **state)
{
    (void)state;
    struct log_site site = { 0 };
    fake_plat_set_time_ns(5000000000ULL);
    for (int i = 0; i < 25; i++) {
        log_write(&site, LOG_WARN, "storm %d", i);
        fake_plat_advance_ns(1000000); /* 1 ms: all inside one window */
    }
    assert_int_equal(ncaptured, LOG_SITE_BURST);
    assert_string_equal(captured[9], "[    5.009000] warning: storm 9");
    struct log_stats st;
    log_get_stats(&st);
    assert_int_equal(st.suppressed, 15);
    assert_int_equal(st.lines, 10);
    assert_int_equal(site.suppressed, 15);

    /* Still inside the window (started at 5.0 s): suppressed. */
    fake_plat_set_time_ns(5999999999ULL);
    log_write(&site, LOG_WARN, "storm x");
    assert_int_equal(ncaptured, 10);

    /* The window passed: the count comes out once, before the message. */
    fake_plat_set_time_ns(6000000000ULL);
    log_write(&site, LOG_WARN, "storm over");
    assert_int_equal(ncaptured, 12);
    assert_string_equal(captured[10], "[    6.000000] warning: 16 messages suppressed");
    assert_string_equal(captured[11], "[    6.000000] warning: storm over");
    assert_int_equal(site.suppressed, 0);
    log_write(&site, LOG_WARN, "again");
    assert_int_equal(ncaptured, 13);
    assert_string_equal(captured[12], "[    6.000000] warning: again");
}

static void test_throttle_per_site_and_below_level(void **state)
{
    (void)state;
    struct log_site a = { 0 }, b = { 0 };
    for (int i = 0; i < 12; i++) {
        log_write(&a, LOG_INFO, "a%d", i);
        log_write(&b, LOG_INFO, "b%d", i);
        log_write(&a, LOG_DEBUG, "filtered %d", i); /* costs no budget */
    }
    assert_int_equal(ncaptured, 20);
    assert_int_equal(a.suppressed, 2);
    assert_int_equal(b.suppressed, 2);
    /* A message without a site is never throttled. */
    for (int i = 0; i < 30; i++)
        log_write(NULL, LOG_INFO, "n%d", i);
    assert_int_equal(ncaptured, 50);
}

static void test_macro_site(void **state)
{
    (void)state;
    for (int i = 0; i < 40; i++)
        LOG_INFO("tick %d", i);
    assert_int_equal(ncaptured, LOG_SITE_BURST);
    fake_plat_advance_ns(LOG_SITE_WINDOW_NS);
    for (int i = 0; i < 40; i++)
        LOG_INFO("tick %d", i);
    /* the first loop's site is a different static from the second's */
    assert_int_equal(ncaptured, 2 * LOG_SITE_BURST);
    struct log_stats st;
    log_get_stats(&st);
    assert_int_equal(st.suppressed, 60);
}

static void test_fold_repeats(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++)
        log_write(NULL, LOG_WARN, "disk %s", "gone");
    assert_int_equal(ncaptured, 1);
    fake_plat_set_time_ns(2000000);
    log_write(NULL, LOG_WARN, "disk back");
    assert_int_equal(ncaptured, 3);
    assert_string_equal(captured[0], "[    0.000000] warning: disk gone");
    assert_string_equal(captured[1], "[    0.002000] last message repeated 4 times");
    assert_string_equal(captured[2], "[    0.002000] warning: disk back");

    /* Same text at another level is a different message. */
    log_write(NULL, LOG_ERROR, "disk back");
    assert_int_equal(ncaptured, 4);
    assert_string_equal(captured[3], "[    0.002000] error: disk back");

    /* One repeat is reported as such too. */
    log_write(NULL, LOG_INFO, "x");
    log_write(NULL, LOG_INFO, "x");
    log_write(NULL, LOG_INFO, "y");
    assert_int_equal(ncaptured, 7);
    assert_string_equal(captured[5], "[    0.002000] last message repeated 1 times");

    struct log_stats st;
    log_get_stats(&st);
    assert_int_equal(st.folded, 5);
    assert_int_equal(st.lines, 7);
}

static void test_fold_with_throttle(void **state)
{
    (void)state;
    struct log_site s = { 0 };
    for (int i = 0; i < 100; i++)
        log_write(&s, LOG_ERROR, "same");
    /* 10 pass the throttle, 9 of those fold into the first */
    assert_int_equal(ncaptured, 1);
    fake_plat_advance_ns(LOG_SITE_WINDOW_NS);
    log_write(&s, LOG_ERROR, "same");
    assert_int_equal(ncaptured, 4);
    assert_string_equal(captured[1], "[    1.000000] last message repeated 9 times");
    assert_string_equal(captured[2], "[    1.000000] error: 90 messages suppressed");
    assert_string_equal(captured[3], "[    1.000000] error: same");
    struct log_stats st;
    log_get_stats(&st);
    assert_int_equal(st.suppressed, 90);
    assert_int_equal(st.folded, 9);
}

struct walk {
    char lines[2048][LOG_LINE_MAX];
    size_t n;
};

static void collect(const char *line, size_t len, void *ctx)
{
    struct walk *w = ctx;
    assert_int_equal(strlen(line), len);
    if (w->n < 2048)
        memcpy(w->lines[w->n], line, len + 1);
    w->n++;
}

static void test_for_each_order(void **state)
{
    (void)state;
    static struct walk w;
    w.n = 0;
    log_for_each(collect, &w);
    assert_int_equal(w.n, 0);
    for (int i = 0; i < 5; i++)
        log_write(NULL, LOG_INFO, "line %d", i);
    log_for_each(collect, &w);
    assert_int_equal(w.n, 5);
    for (int i = 0; i < 5; i++) {
        char want[64];
        snprintf(want, sizeof want, "[    0.000000] line %d", i);
        assert_string_equal(w.lines[i], want);
    }
}

static void test_ring_wraps_whole_lines(void **state)
{
    (void)state;
    static struct walk w;
    log_set_sink(NULL); /* the ring alone */
    char pad[200];
    memset(pad, 'p', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    const int total = 1000;
    for (int i = 0; i < total; i++)
        log_write(NULL, LOG_INFO, "%06d %.*s", i, i % 150, pad);
    assert_int_equal(ncaptured, 0);

    w.n = 0;
    log_for_each(collect, &w);
    struct log_stats st;
    log_get_stats(&st);
    assert_int_equal(st.lines, total);
    assert_true(st.overwritten > 0);
    assert_int_equal(w.n + st.overwritten, total);

    /* Oldest first, consecutive, ending with the newest; each intact. */
    size_t bytes = 0;
    int first = (int)st.overwritten;
    for (size_t k = 0; k < w.n; k++) {
        int i = first + (int)k;
        char want[LOG_LINE_MAX];
        snprintf(want, sizeof want, "[    0.000000] %06d %.*s", i, i % 150, pad);
        assert_string_equal(w.lines[k], want);
        bytes += strlen(w.lines[k]) + 2;
    }
    assert_true(bytes <= LOG_RING_SIZE);
    /* nearly full: the next oldest line would not have fitted */
    assert_true(bytes + LOG_LINE_MAX + 2 > LOG_RING_SIZE);
}

static int reentered;
static void log_from_walk(const char *line, size_t len, void *ctx)
{
    (void)line; (void)len;
    int *n = ctx;
    (*n)++;
    reentered++;
    log_write(NULL, LOG_INFO, "walked %d", *n); /* must not deadlock */
}

static void test_for_each_reentrant(void **state)
{
    (void)state;
    int n = 0;
    log_write(NULL, LOG_INFO, "a");
    log_write(NULL, LOG_INFO, "b");
    log_for_each(log_from_walk, &n);
    assert_int_equal(n, 2); /* lines added during the walk are not visited */
    assert_int_equal(ncaptured, 4);
    assert_string_equal(captured[3], "[    0.000000] walked 2");
}

static void test_init_resets(void **state)
{
    (void)state;
    log_write(NULL, LOG_INFO, "x");
    log_write(NULL, LOG_INFO, "x");
    log_set_level(LOG_ERROR);
    log_init(sink);
    struct log_stats st;
    log_get_stats(&st);
    assert_int_equal(st.lines, 0);
    assert_int_equal(st.folded, 0);
    assert_int_equal(log_get_level(), LOG_INFO);
    log_write(NULL, LOG_INFO, "y"); /* no stale "repeated" line */
    assert_int_equal(ncaptured, 2);
    assert_string_equal(captured[1], "[    0.000000] y");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_line_format, setup),
        cmocka_unit_test_setup(test_trailing_and_embedded_newlines, setup),
        cmocka_unit_test_setup(test_hostile_bytes_escaped, setup),
        cmocka_unit_test_setup(test_events_never_throttled, setup),
        cmocka_unit_test_setup(test_long_message_truncated, setup),
        cmocka_unit_test_setup(test_levels, setup),
        cmocka_unit_test_setup(test_level_names, setup),
        cmocka_unit_test_setup(test_throttle_site, setup),
        cmocka_unit_test_setup(test_throttle_per_site_and_below_level, setup),
        cmocka_unit_test_setup(test_macro_site, setup),
        cmocka_unit_test_setup(test_fold_repeats, setup),
        cmocka_unit_test_setup(test_fold_with_throttle, setup),
        cmocka_unit_test_setup(test_for_each_order, setup),
        cmocka_unit_test_setup(test_ring_wraps_whole_lines, setup),
        cmocka_unit_test_setup(test_for_each_reentrant, setup),
        cmocka_unit_test_setup(test_init_resets, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
