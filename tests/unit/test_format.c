/* lib/format.c and lib/string.c: the formatting every message relies on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "lib/format.h"
#include "lib/kstring.h"

static void check(const char *want, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
}

static void test_integers(void **state)
{
    (void)state;
    check("42 -7 0", "%d %d %u", 42, -7, 0u);
    check("-9223372036854775808", "%lld", (long long)INT64_MIN);
    check("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
    check("ff FF 0x1234", "%x %X %p", 255u, 255u, (void *)0x1234);
    check("  12|12  |0012", "%4d|%-4d|%04d", 12, 12, 12);
    check("-012", "%04d", -12);
    check("17", "%o", 15u);
    check("5 4096", "%zu %lu", (size_t)5, 4096ul);
    check("-1 255", "%hhd %hhu", 255, 255);
}

static void test_strings(void **state)
{
    (void)state;
    check("ab|  ab|ab  |a", "%s|%4s|%-4s|%.1s", "ab", "ab", "ab", "ab");
    check("(null)", "%s", (char *)NULL);
    check("x%", "%c%%", 'x');
    check("  x", "%*c", 3, 'x');
    check("%q", "%q");
}

static void test_truncation(void **state)
{
    (void)state;
    char buf[5];
    int n = ksnprintf(buf, sizeof buf, "hello world");
    assert_int_equal(n, 11);
    assert_string_equal(buf, "hell");
    assert_int_equal(ksnprintf(NULL, 0, "%d", 123), 3);
}

static void test_str_to_u64(void **state)
{
    (void)state;
    uint64_t v;
    assert_true(str_to_u64("123", &v));
    assert_int_equal(v, 123);
    assert_true(str_to_u64("0x1F", &v));
    assert_int_equal(v, 31);
    assert_true(str_to_u64("4k", &v));
    assert_int_equal(v, 4096);
    assert_true(str_to_u64("2G", &v));
    assert_int_equal(v, 2ULL << 30);
    assert_true(str_to_u64("18446744073709551615", &v));
    assert_int_equal(v, UINT64_MAX);
    assert_false(str_to_u64("18446744073709551616", &v));
    assert_false(str_to_u64("", &v));
    assert_false(str_to_u64("0x", &v));
    assert_false(str_to_u64("12q", &v));
    assert_false(str_to_u64("4kk", &v));
    assert_false(str_to_u64("17179869184G", &v));
}

static void test_str_helpers(void **state)
{
    (void)state;
    char buf[4];
    assert_int_equal(str_copy(buf, "abcdef", sizeof buf), 6);
    assert_string_equal(buf, "abc");
    assert_int_equal(str_casecmp("MemSize", "memsize"), 0);
    assert_true(str_casecmp("a", "b") < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_str_to_u64),
        cmocka_unit_test(test_str_helpers),
    };
    return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
