/* kernel/vm_slots.c: ended VMs give their slots back when needed (issue #11
 * item 9: after 14 of 16 VMs ended, "all 16 VM slots are in use"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/vm_slots.h"

#define N 16

static void test_free_slot_first(void **state)
{
    (void)state;
    struct vm_slot_view s[N];
    memset(s, 0, sizeof s);
    assert_int_equal(vm_slot_pick(s, N), 0);
    s[0] = (struct vm_slot_view){ true, false, false, 5 }; /* ended */
    assert_int_equal(vm_slot_pick(s, N), 1);               /* its record stays */
    assert_int_equal(vm_slot_pick(s, 0), -1);
}

static void test_ended_slots_reused(void **state)
{
    (void)state;
    struct vm_slot_view s[N];
    /* 16 VMs started; 14 ended (slots 2..15), two still run */
    for (unsigned i = 0; i < N; i++)
        s[i] = (struct vm_slot_view){ true, i < 2, false, 100 + (uint64_t)(N - i) };
    /* the ended VM that started first (the highest slot here) gives way */
    assert_int_equal(vm_slot_pick(s, N), 15);
    /* a 17th, 18th, ... start keeps finding one while any VM has ended */
    for (unsigned k = 0; k < 14; k++) {
        int got = vm_slot_pick(s, N);
        assert_true(got >= 2);
        s[got] = (struct vm_slot_view){ true, true, false, 1000 + k };
    }
    /* every slot live now: none */
    assert_int_equal(vm_slot_pick(s, N), -1);
}

static void test_same_name_keeps_its_slot(void **state)
{
    (void)state;
    struct vm_slot_view s[N];
    memset(s, 0, sizeof s);
    s[3] = (struct vm_slot_view){ true, false, true, 7 };
    assert_int_equal(vm_slot_pick(s, N), 3);
    s[3].live = true; /* the caller refuses a second VM of a running name */
    assert_int_equal(vm_slot_pick(s, N), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_slot_first),
        cmocka_unit_test(test_ended_slots_reused),
        cmocka_unit_test(test_same_name_keeps_its_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
