/* kernel/vm_name.c: VM names and the vm.autostart list (issue #11 item 8:
 * a 33-byte name was cut to 31 and started another VM). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/vm_name.h"

static char seen[1024];

static void on_ok(void *ctx, const char *name)
{
    (void)ctx;
    size_t n = strlen(seen);
    snprintf(seen + n, sizeof seen - n, "+%s", name);
}

static void on_bad(void *ctx, const char *shown, const char *why)
{
    (void)ctx;
    size_t n = strlen(seen);
    snprintf(seen + n, sizeof seen - n, "!%s(%s)", shown, why);
}

static const char *each(const char *list, unsigned refused)
{
    seen[0] = '\0';
    assert_int_equal(vm_name_list_each(list, on_ok, on_bad, NULL), refused);
    return seen;
}

static void test_names(void **state)
{
    (void)state;
    const char *why = NULL;
    assert_true(vm_name_valid("web-01.a_b", 10, &why));
    assert_null(why);
    assert_true(vm_name_valid("abcdefghijklmnopqrstuvwxyz01234", 31, NULL));
    assert_false(vm_name_valid("abcdefghijklmnopqrstuvwxyz012345", 32, &why));
    assert_string_equal(why, "a VM name is at most 31 bytes");
    assert_false(vm_name_valid("", 0, &why));
    assert_false(vm_name_valid("../host", 7, &why));
    assert_string_equal(why, "a VM name has only letters, digits, '_', '.' or '-'");
}

static void test_autostart_list(void **state)
{
    (void)state;
    assert_string_equal(each("a,b c,, ,d", 0), "+a+b+c+d");
    assert_string_equal(each("", 0), "");
    assert_string_equal(each(NULL, 0), "");
    /* 33 bytes: refused whole, never cut to the 31-byte name of another VM */
    assert_string_equal(each("abcdefghijklmnopqrstuvwxyz0123456,x", 1),
                        "!abcdefghijklmnopqrstuvwxyz0123456(a VM name is at most 31 bytes)+x");
    /* shown escaped and cut */
    assert_string_equal(each("a\x1b[2J", 1),
                        "!a\\x1b[2J(a VM name has only letters, digits, '_', '.' or '-')");
    static char big[300];
    memset(big, 'q', sizeof big - 1);
    each(big, 1);
    assert_non_null(strstr(seen, "qqqq...(a VM name is at most 31 bytes)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_autostart_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
