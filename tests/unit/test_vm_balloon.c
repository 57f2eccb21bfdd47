/* kernel/vm_balloon.c: the balloon's size follows memsched's balloon target
 * (held + owed, at most maxmemctl), gives memory back only with no pressure,
 * a balloon that stops growing is reported stalled after
 * VM_BALLOON_STALL_NS (and no longer once it grows), `vm balloon` sizes it
 * by hand within maxmemctl and `auto` hands it back; no device or no driver
 * means no balloon for memsched. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/vm_balloon.h"

static unsigned changes;
static void changed(void *dev)
{
    (void)dev;
    changes++;
}

static struct vm_balloon_ctl b;
static struct memsched_vm msv;

static void setup(uint64_t max)
{
    vm_balloon_init(&b, max);
    memset(&msv, 0, sizeof msv);
    b.device = true;
    b.driver = true;
    b.changed = changed;
    changes = 0;
}

static void test_follows_memsched(void **state)
{
    (void)state;
    setup(1000);
    vm_balloon_update(&b, &msv, 0, true, 0);
    assert_true(msv.has_balloon);
    assert_int_equal(b.want, 0);
    assert_int_equal(changes, 0);
    /* Owed 300: the balloon should hold 300. */
    msv.balloon_target = 300;
    vm_balloon_update(&b, &msv, 0, false, 1);
    assert_int_equal(b.want, 300);
    assert_int_equal(changes, 1);
    /* Half-way, owed 150: the size stays. */
    msv.balloon_target = 150;
    vm_balloon_update(&b, &msv, 150, false, 2);
    assert_int_equal(b.want, 300);
    assert_int_equal(changes, 1);
    /* More than maxmemctl owed. */
    msv.balloon_target = 5000;
    vm_balloon_update(&b, &msv, 300, false, 3);
    assert_int_equal(b.want, 1000);
    /* Nothing owed, still some pressure: it holds what it has. */
    msv.balloon_target = 0;
    vm_balloon_update(&b, &msv, 700, false, 4);
    assert_int_equal(b.want, 700);
    /* No pressure at all: everything back. */
    vm_balloon_update(&b, &msv, 700, true, 5);
    assert_int_equal(b.want, 0);
}

static void test_stall(void **state)
{
    (void)state;
    setup(1000);
    msv.balloon_target = 500;
    vm_balloon_update(&b, &msv, 0, false, 0);
    vm_balloon_update(&b, &msv, 0, false, VM_BALLOON_STALL_NS - 1);
    assert_false(msv.balloon_stalled);
    vm_balloon_update(&b, &msv, 0, false, VM_BALLOON_STALL_NS);
    assert_true(msv.balloon_stalled);
    /* It grows: not stalled, and the clock starts again. */
    vm_balloon_update(&b, &msv, 10, false, VM_BALLOON_STALL_NS + 1);
    assert_false(msv.balloon_stalled);
    vm_balloon_update(&b, &msv, 10, false, 2 * VM_BALLOON_STALL_NS);
    assert_false(msv.balloon_stalled);
    vm_balloon_update(&b, &msv, 10, false, 2 * VM_BALLOON_STALL_NS + 1);
    assert_true(msv.balloon_stalled);
    /* At its size: not stalled. */
    msv.balloon_target = 0;
    vm_balloon_update(&b, &msv, 10, false, 3 * VM_BALLOON_STALL_NS);
    assert_false(msv.balloon_stalled);
}

/* Stalled, memsched swaps instead and asks the balloon for nothing: the
 * balloon keeps its size and stays stalled (it used to clear at the next
 * update, and memsched asked the stuck balloon again), until it grows or
 * memsched stops asking. */
static void test_stall_holds_while_swapped_instead(void **state)
{
    (void)state;
    setup(1000);
    msv.balloon_target = 500;
    vm_balloon_update(&b, &msv, 100, false, 0);
    vm_balloon_update(&b, &msv, 100, false, VM_BALLOON_STALL_NS);
    assert_true(msv.balloon_stalled);
    assert_int_equal(b.want, 600);
    assert_int_equal(b.stalls, 1);
    assert_int_equal(b.short_max, 500);     /* what memsched swaps instead */
    msv.balloon_target = 0;                 /* what memsched does on a stall */
    msv.swap_target = 96;
    vm_balloon_update(&b, &msv, 100, false, VM_BALLOON_STALL_NS + 1);
    assert_true(msv.balloon_stalled);
    assert_int_equal(b.want, 600);
    vm_balloon_update(&b, &msv, 100, true, 5 * VM_BALLOON_STALL_NS);
    assert_true(msv.balloon_stalled);
    vm_balloon_update(&b, &msv, 101, false, 5 * VM_BALLOON_STALL_NS + 1);
    assert_false(msv.balloon_stalled);      /* it grew: ask it again */
    msv.balloon_stalled = true;
    msv.swap_target = 0;                    /* nothing asked any more */
    vm_balloon_update(&b, &msv, 101, false, 5 * VM_BALLOON_STALL_NS + 2);
    assert_false(msv.balloon_stalled);
    assert_int_equal(b.want, 101);
    assert_int_equal(b.stalls, 1);          /* the one stall, however long */
    assert_int_equal(b.short_max, 500);
}

/* At maxmemctl with pages still owed: stalled at once (swap the rest). */
static void test_capped_is_stalled(void **state)
{
    (void)state;
    setup(100);
    msv.balloon_target = 500;
    vm_balloon_update(&b, &msv, 0, false, 0);
    assert_int_equal(b.want, 100);
    assert_false(msv.balloon_stalled);
    vm_balloon_update(&b, &msv, 100, false, 1);
    assert_true(msv.balloon_stalled);
    assert_int_equal(b.short_max, 500);     /* all that is owed: it can take none */
    msv.balloon_target = 0;                 /* memsched swaps instead ... */
    msv.swap_target = 96;
    vm_balloon_update(&b, &msv, 100, false, 2);
    assert_true(msv.balloon_stalled);       /* ... and it stays stalled */
    msv.swap_target = 0;
    vm_balloon_update(&b, &msv, 100, false, 3);
    assert_false(msv.balloon_stalled);
}

static void test_manual_and_auto(void **state)
{
    (void)state;
    setup(1000);
    assert_int_equal(vm_balloon_set_manual(&b, 1001), VM_BALLOON_SET_OVER_MAX);
    assert_int_equal(vm_balloon_set_manual(&b, 800), VM_BALLOON_SET_OK);
    assert_int_equal(b.want, 800);
    assert_int_equal(changes, 1);
    /* memsched's targets do not move a balloon sized by hand. */
    msv.balloon_target = 50;
    vm_balloon_update(&b, &msv, 0, true, VM_BALLOON_STALL_NS * 5);
    assert_int_equal(b.want, 800);
    assert_false(msv.balloon_stalled);
    assert_int_equal(vm_balloon_set_manual(&b, VM_BALLOON_AUTO), VM_BALLOON_SET_OK);
    vm_balloon_update(&b, &msv, 800, false, VM_BALLOON_STALL_NS * 6);
    assert_int_equal(b.want, 850);
}

static void test_no_device_no_driver(void **state)
{
    (void)state;
    setup(1000);
    b.driver = false;
    assert_int_equal(vm_balloon_set_manual(&b, 10), VM_BALLOON_SET_NO_DRIVER);
    msv.balloon_target = 5;
    vm_balloon_update(&b, &msv, 0, false, 0);
    assert_false(msv.has_balloon);
    b.device = false;
    assert_int_equal(vm_balloon_set_manual(&b, 10), VM_BALLOON_SET_NO_DEVICE);
    /* maxmemctl 0: a driver, but no ballooning. */
    setup(0);
    vm_balloon_update(&b, &msv, 0, false, 0);
    assert_false(msv.has_balloon);
    assert_int_equal(vm_balloon_set_manual(&b, 1), VM_BALLOON_SET_OVER_MAX);
    assert_int_equal(vm_balloon_set_manual(&b, 0), VM_BALLOON_SET_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_follows_memsched),
        cmocka_unit_test(test_stall),
        cmocka_unit_test(test_stall_holds_while_swapped_instead),
        cmocka_unit_test(test_capped_is_stalled),
        cmocka_unit_test(test_manual_and_auto),
        cmocka_unit_test(test_no_device_no_driver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
