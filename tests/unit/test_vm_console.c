/* kernel/vm_console.c: which guest lines reach the host console, and that a
 * line held back is always counted aloud (issue 14: a guest ending on a burst
 * lost its tail without a word; serial.toHostConsole). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/vm_console.h"

#define SEC 1000000000ULL

static char host[200000];
static size_t nhost;

static void out(void *ctx, const char *s, size_t n)
{
    assert_ptr_equal(ctx, host);
    assert_true(nhost + n < sizeof host);
    memcpy(host + nhost, s, n);
    nhost += n;
    host[nhost] = '\0';
}

static struct vm_console con;

static void setup(uint32_t route)
{
    vm_console_init(&con, route);
    nhost = 0;
    host[0] = '\0';
}

static void print(const char *s, uint64_t now)
{
    for (; *s; s++)
        vm_console_byte(&con, "g", *s, now, out, host);
}

static unsigned count(const char *needle)
{
    unsigned n = 0;
    for (const char *p = host; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The sum of every "N lines not shown" the host console said. */
static unsigned said_hidden(void)
{
    unsigned total = 0;
    for (const char *p = host; (p = strstr(p, "[g] ... ")); p++) {
        unsigned n;
        if (sscanf(p, "[g] ... %u lines not shown (vm console g)", &n) == 1)
            total += n;
    }
    return total;
}

static void test_all_shows_every_line_in_budget(void **state)
{
    (void)state;
    setup(VM_CONSOLE_ALL);
    print("hello\r\nworld\n", 5 * SEC);
    assert_string_equal(host, "[g] hello\n[g] world\n");
    /* Every byte is in the ring, CR included. */
    assert_int_equal(con.ring_total, 13);
    assert_memory_equal(con.ring, "hello\r\nworld\n", 13);
}

static void test_hostile_bytes_become_question_marks(void **state)
{
    (void)state;
    setup(VM_CONSOLE_ALL);
    print("a\x1b[2Jb\xff\n", SEC);
    assert_string_equal(host, "[g] a?[2Jb?\n");
}

/* A burst beyond the budget, then silence: the count is said once the VM
 * has been quiet a second, without waiting for another line. */
static void test_throttled_burst_counted_when_quiet(void **state)
{
    (void)state;
    setup(VM_CONSOLE_ALL);
    for (int i = 0; i < 80; i++)
        print("line\n", 10 * SEC);
    assert_int_equal(count("[g] line\n"), VM_CONSOLE_LINES_PER_SEC);
    assert_int_equal(said_hidden(), 0);
    vm_console_idle(&con, "g", 10 * SEC + SEC / 2, out, host);
    assert_int_equal(said_hidden(), 0); /* not quiet long enough */
    vm_console_idle(&con, "g", 11 * SEC, out, host);
    assert_int_equal(said_hidden(), 30);
    assert_non_null(strstr(host, "[g] ... 30 lines not shown (vm console g)\n"));
    /* Said once only. */
    vm_console_idle(&con, "g", 20 * SEC, out, host);
    vm_console_end(&con, "g", 21 * SEC, out, host);
    assert_int_equal(said_hidden(), 30);
}

/* A guest that ends on a burst: the count comes with the end. */
static void test_throttled_burst_counted_at_end(void **state)
{
    (void)state;
    setup(VM_CONSOLE_ALL);
    for (int i = 0; i < 84; i++)
        print("x\n", SEC);
    print("unfinished", SEC);
    vm_console_end(&con, "g", SEC, out, host);
    unsigned shown = count("[g] x\n") + count("[g] unfinished\n");
    assert_int_equal(shown, VM_CONSOLE_LINES_PER_SEC);
    assert_int_equal(shown + said_hidden(), 85);
}

static void test_first_shows_ten_then_holds(void **state)
{
    (void)state;
    setup(VM_CONSOLE_FIRST);
    char line[32];
    for (int i = 1; i <= 30; i++) {
        snprintf(line, sizeof line, "n%d\n", i);
        print(line, (uint64_t)i * SEC); /* slow: the rate budget never binds */
    }
    assert_int_equal(count("[g] n"), VM_CONSOLE_FIRST_LINES);
    assert_non_null(strstr(host, "[g] n10\n"));
    assert_null(strstr(host, "[g] n11\n"));
    /* Holding starts with one line that says so and where the rest are. */
    assert_int_equal(count("further lines not shown here (serial.toHostConsole = first): "
                           "vm console g\n"), 1);
    /* Quiet does not repeat it: a slow guest would print a notice per line. */
    vm_console_idle(&con, "g", 100 * SEC, out, host);
    assert_int_equal(said_hidden(), 0);
    /* The end: the count of the middle, then the last lines. */
    vm_console_end(&con, "g", 101 * SEC, out, host);
    assert_int_equal(said_hidden(), 20 - VM_CONSOLE_END_LINES);
    const char *said = strstr(host, "[g] ... 15 lines not shown");
    assert_non_null(said);
    assert_non_null(strstr(said, "[g] n26\n[g] n27\n[g] n28\n[g] n29\n[g] n30\n"));
    assert_null(strstr(host, "[g] n25\n"));
    assert_int_equal(count("[g] n"), VM_CONSOLE_FIRST_LINES + VM_CONSOLE_END_LINES);
}

/* Fewer held lines than the end shows: all of them, and no count. */
static void test_first_short_tail(void **state)
{
    (void)state;
    setup(VM_CONSOLE_FIRST);
    for (int i = 0; i < 12; i++)
        print("y\n", SEC);
    vm_console_end(&con, "g", SEC, out, host);
    assert_int_equal(count("[g] y\n"), 12);
    assert_int_equal(said_hidden(), 0);
}

static void test_none_shows_only_the_end(void **state)
{
    (void)state;
    setup(VM_CONSOLE_NONE);
    print("a\nb\n", SEC);
    assert_int_equal(count("[g] a\n") + count("[g] b\n"), 0);
    assert_int_equal(count("(serial.toHostConsole = none)"), 1);
    vm_console_end(&con, "g", SEC, out, host);
    assert_non_null(strstr(host, "[g] a\n[g] b\n"));
}

/* While an operator is attached, lines reach the terminal through the
 * attach: none is routed here, none is counted as held. */
static void test_attached_routes_nothing(void **state)
{
    (void)state;
    setup(VM_CONSOLE_NONE);
    con.attached = true;
    print("typed\n", SEC);
    con.attached = false;
    vm_console_end(&con, "g", SEC, out, host);
    assert_string_equal(host, "");
    assert_int_equal(con.ring_total, 6);
}

static void test_long_line_is_cut_not_overrun(void **state)
{
    (void)state;
    setup(VM_CONSOLE_ALL);
    char big[400];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    print(big, SEC);
    print("\n", SEC);
    /* 399 bytes: two full pieces of VM_LINE_MAX - 1, then the rest. */
    assert_int_equal(count("[g] "), 3);
    assert_int_equal(con.ring_total, 400);
}

static bool took[4];
static char typed[8];
static size_t ntyped;

static bool take(void *dev, char c)
{
    if (ntyped >= 2)
        return false; /* full */
    took[0] = dev == (void *)typed;
    typed[ntyped++] = c;
    return true;
}

static void test_input_goes_to_the_device(void **state)
{
    (void)state;
    setup(VM_CONSOLE_FIRST);
    assert_false(vm_console_input(&con, 'a')); /* no device */
    con.input = take;
    con.input_dev = typed;
    assert_true(vm_console_input(&con, 'a'));
    assert_true(vm_console_input(&con, 'b'));
    assert_false(vm_console_input(&con, 'c'));
    assert_true(took[0]);
    assert_memory_equal(typed, "ab", 2);
}

static void test_bad_route_means_first(void **state)
{
    (void)state;
    setup(7);
    assert_int_equal(con.route, VM_CONSOLE_FIRST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_shows_every_line_in_budget),
        cmocka_unit_test(test_hostile_bytes_become_question_marks),
        cmocka_unit_test(test_throttled_burst_counted_when_quiet),
        cmocka_unit_test(test_throttled_burst_counted_at_end),
        cmocka_unit_test(test_first_shows_ten_then_holds),
        cmocka_unit_test(test_first_short_tail),
        cmocka_unit_test(test_none_shows_only_the_end),
        cmocka_unit_test(test_attached_routes_nothing),
        cmocka_unit_test(test_long_line_is_cut_not_overrun),
        cmocka_unit_test(test_input_goes_to_the_device),
        cmocka_unit_test(test_bad_route_means_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
