/* kernel/console_text.c: `vm console` shows a guest's bytes escaped
 * (issue #11 item 13: screen clear, window title and bell reached the host
 * terminal raw). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/console_text.h"

static char got[20000];
static size_t ngot;

static void out(void *ctx, const char *s, size_t n)
{
    assert_ptr_equal(ctx, got);
    assert_true(ngot + n < sizeof got);
    memcpy(got + ngot, s, n);
    ngot += n;
    got[ngot] = '\0';
}

static const char *show(const char *ring, size_t size, uint64_t start, uint64_t total)
{
    static char scratch[4096];
    ngot = 0;
    got[0] = '\0';
    assert_int_equal(console_text_write(ring, size, start, total, scratch, out, got), ngot);
    return got;
}

static void test_escapes_terminal_controls(void **state)
{
    (void)state;
    const char ring[] = "hi\r\n\x1b[2J\x1b]0;owned\x07\xff caf\xc3\xa9\n";
    assert_string_equal(show(ring, sizeof ring - 1, 0, sizeof ring - 1),
                        "hi\n\\x1b[2J\\x1b]0;owned\\x07\\xff caf\xc3\xa9\n");
}

static void test_wrapped_ring(void **state)
{
    (void)state;
    /* 11 bytes through an 8-byte ring: byte i is at ring[i % 8], so bytes
     * 3..10 remain and the two-byte e-acute (bytes 7, 8) straddles the end */
    const char seq[] = "0123456\xc3\xa9xy";
    char ring[8];
    for (size_t i = 0; i < sizeof seq - 1; i++)
        ring[i % 8] = seq[i];
    assert_string_equal(show(ring, 8, 3, 11), "3456\xc3\xa9xy");
    /* a start older than the ring holds is moved up to what is there */
    assert_string_equal(show(ring, 8, 0, 11), "3456\xc3\xa9xy");
}

static void test_long_output_in_pieces(void **state)
{
    (void)state;
    static char ring[4096];
    memset(ring, 0x07, sizeof ring); /* 4096 bells: 16 KiB of escapes */
    show(ring, sizeof ring, 0, sizeof ring);
    assert_int_equal(ngot, 4 * sizeof ring);
    assert_null(memchr(got, 0x07, ngot));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes_terminal_controls),
        cmocka_unit_test(test_wrapped_ring),
        cmocka_unit_test(test_long_output_in_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
