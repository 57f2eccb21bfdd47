/* The VT-x availability decision, which the shell and the monitor rely on to
 * say plainly why guests cannot run. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "arch/x86_64/cpu_features.h"

#define VMX_BIT (1u << 5)

static void test_decode(void **state)
{
    (void)state;
    assert_int_equal(vmx_state_decode(0, 0x5), VMX_ABSENT);
    assert_int_equal(vmx_state_decode(VMX_BIT, 0), VMX_UNLOCKED);
    assert_int_equal(vmx_state_decode(VMX_BIT, 0x4), VMX_UNLOCKED);
    assert_int_equal(vmx_state_decode(VMX_BIT, 0x5), VMX_ENABLED);
    /* Locked with only VMX-inside-SMX: firmware disabled it for us. */
    assert_int_equal(vmx_state_decode(VMX_BIT, 0x3), VMX_DISABLED_LOCKED);
    assert_int_equal(vmx_state_decode(VMX_BIT, 0x1), VMX_DISABLED_LOCKED);
}

static void test_text(void **state)
{
    (void)state;
    assert_non_null(strstr(vmx_state_text(VMX_DISABLED_LOCKED), "disabled by firmware"));
    assert_non_null(strstr(vmx_state_text(VMX_ABSENT), "guests cannot run"));
    assert_string_equal(vmx_state_text(VMX_ENABLED), "present and enabled");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests_name("cpu_features", tests, NULL, NULL);
}
