/* The console's transmit ring (kernel/console_ring.c): order, the bound the
 * UART gives, full, and wrapping of the free-running counters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/console_ring.h"

static char sent[256];
static unsigned nsent;

static void send(char c) { sent[nsent++ % sizeof sent] = c; }

static void test_order_and_room(void **state)
{
    (void)state;
    char buf[8];
    struct console_ring r;
    console_ring_init(&r, buf, sizeof buf);
    nsent = 0;
    for (const char *s = "hello"; *s; s++)
        assert_true(console_ring_put(&r, *s));
    assert_int_equal(console_ring_used(&r), 5);
    assert_int_equal(console_ring_send(&r, 0, send), 0);   /* the UART is busy */
    assert_int_equal(console_ring_send(&r, 3, send), 3);   /* its FIFO takes 3 */
    assert_memory_equal(sent, "hel", 3);
    assert_int_equal(console_ring_send(&r, 16, send), 2);
    assert_memory_equal(sent, "hello", 5);
    assert_int_equal(console_ring_used(&r), 0);
    assert_int_equal(console_ring_send(&r, 16, send), 0);
}

static void test_full_refuses_and_wraps(void **state)
{
    (void)state;
    char buf[4];
    struct console_ring r;
    console_ring_init(&r, buf, sizeof buf);
    nsent = 0;
    /* Counters near their wrap: used stays right across it. */
    r.head = r.tail = 0xfffffffeu;
    for (int i = 0; i < 4; i++)
        assert_true(console_ring_put(&r, (char)('a' + i)));
    assert_false(console_ring_put(&r, 'x'));               /* full: nothing stored */
    assert_int_equal(console_ring_used(&r), 4);
    assert_int_equal(console_ring_send(&r, 2, send), 2);
    assert_true(console_ring_put(&r, 'e'));
    assert_true(console_ring_put(&r, 'f'));
    assert_false(console_ring_put(&r, 'g'));
    assert_int_equal(console_ring_send(&r, 100, send), 4);
    assert_memory_equal(sent, "abcdef", 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_room),
        cmocka_unit_test(test_full_refuses_and_wraps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
