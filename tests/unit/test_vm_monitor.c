/* The monitor registration (kernel/monitor_ops.h): a monitor registered with
 * VM_MONITOR_REGISTER is what the kernel finds, and whether guests can run
 * follows its start. The same linker-section mechanism serves the image. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/monitor_ops.h"

static bool init_ok;
static unsigned inits;

static bool fake_init(char *why, size_t whylen)
{
    inits++;
    if (!init_ok)
        snprintf(why, whylen, "no VT-x in this test");
    return init_ok;
}

static const char *fake_unavailable(void) { return NULL; }

static const struct vm_monitor_ops fake_monitor = {
    .init = fake_init,
    .unavailable = fake_unavailable,
};
VM_MONITOR_REGISTER(fake_monitor);

static void test_registered_monitor_is_found(void **state)
{
    (void)state;
    assert_ptr_equal(vm_monitor(), &fake_monitor);
}

/* Before a start, and after a failed one, guests cannot run and the reason
 * is the monitor's; after a good start the monitor answers. */
static void test_start_decides_availability(void **state)
{
    (void)state;
    assert_non_null(vm_monitor_unavailable());
    char why[80];
    init_ok = false;
    assert_false(vm_monitor_start(why, sizeof why));
    assert_string_equal(why, "no VT-x in this test");
    assert_string_equal(vm_monitor_unavailable(), "no VT-x in this test");
    init_ok = true;
    assert_true(vm_monitor_start(why, sizeof why));
    assert_null(vm_monitor_unavailable());
    assert_int_equal(inits, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered_monitor_is_found),
        cmocka_unit_test(test_start_decides_availability),
    };
    return cmocka_run_group_tests_name("vm_monitor", tests, NULL, NULL);
}
