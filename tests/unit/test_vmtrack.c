/* VMTrack's watch (kernel/vmtrack.c): a VM that runs with a release request
 * unanswered for the whole timeout is unresponsive when memory is short; an
 * answer or a withdrawn request starts the clock again, pressure on and off
 * does not; a VM that did not run is quiescent, not unresponsive; a timeout
 * of 0 never fires. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/vmtrack.h"

#define S 1000000000ULL
#define T (30 * S)

static struct vmtrack_watch w;

static int setup(void **state)
{
    (void)state;
    memset(&w, 0, sizeof w);
    return 0;
}

static enum vmtrack_verdict look(bool pressure, uint64_t asked, uint64_t answers, uint64_t cpu,
                                 uint64_t now)
{
    return vmtrack_look(&w, pressure, asked, answers, cpu, now, T);
}

static void test_silent_running_vm_is_unresponsive_after_the_timeout(void **state)
{
    (void)state;
    assert_int_equal(look(true, 100, 5, 1000, 1 * S), VMTRACK_FINE);      /* the wait starts */
    assert_int_equal(vmtrack_waited_ns(&w, 11 * S), 10 * S);
    assert_int_equal(look(true, 100, 5, 2000, 30 * S), VMTRACK_FINE);     /* 29 s */
    assert_int_equal(look(true, 100, 5, 3000, 31 * S), VMTRACK_UNRESPONSIVE);
    assert_int_equal(vmtrack_waited_ns(&w, 31 * S), 30 * S);
}

static void test_an_answer_restarts_the_clock(void **state)
{
    (void)state;
    look(true, 100, 5, 1000, 0);
    assert_int_equal(look(true, 100, 6, 2000, 20 * S), VMTRACK_FINE);     /* answered */
    assert_int_equal(look(true, 100, 6, 3000, 45 * S), VMTRACK_FINE);     /* 25 s since */
    assert_int_equal(look(true, 100, 6, 4000, 50 * S), VMTRACK_UNRESPONSIVE);
}

static void test_pressure_gates_the_verdict_not_the_wait(void **state)
{
    (void)state;
    look(false, 100, 5, 1000, 0);                                        /* waits already */
    assert_int_equal(look(true, 100, 5, 2000, 20 * S), VMTRACK_FINE);
    assert_int_equal(look(false, 100, 5, 3000, 35 * S), VMTRACK_FINE);    /* plenty now */
    assert_int_equal(vmtrack_waited_ns(&w, 35 * S), 35 * S);              /* not restarted */
    assert_int_equal(look(true, 100, 5, 4000, 36 * S), VMTRACK_UNRESPONSIVE);
}

static void test_a_withdrawn_request_ends_the_wait(void **state)
{
    (void)state;
    look(true, 100, 5, 1000, 0);
    assert_int_equal(look(true, 0, 5, 2000, 20 * S), VMTRACK_FINE);       /* withdrawn */
    assert_int_equal(vmtrack_waited_ns(&w, 21 * S), 0);
    assert_int_equal(look(true, 100, 5, 3000, 25 * S), VMTRACK_FINE);     /* anew */
    assert_int_equal(look(true, 100, 5, 4000, 54 * S), VMTRACK_FINE);
    assert_int_equal(look(true, 100, 5, 5000, 55 * S), VMTRACK_UNRESPONSIVE);
}

static void test_a_vm_that_did_not_run_is_quiescent(void **state)
{
    (void)state;
    look(true, 100, 5, 1000, 0);
    assert_int_equal(look(true, 100, 5, 1000, 40 * S), VMTRACK_FINE);     /* asleep */
    /* It runs again without answering: the releases it could have made
     * were refused, so it is unresponsive at once. */
    assert_int_equal(look(true, 100, 5, 1001, 41 * S), VMTRACK_UNRESPONSIVE);
}

static void test_timeout_zero_never_fires(void **state)
{
    (void)state;
    for (uint64_t t = 0; t < 1000; t++)
        assert_int_equal(vmtrack_look(&w, true, 100, 5, t, t * S, 0), VMTRACK_FINE);
    assert_int_equal(vmtrack_waited_ns(&w, 1000 * S), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_silent_running_vm_is_unresponsive_after_the_timeout, setup),
        cmocka_unit_test_setup(test_an_answer_restarts_the_clock, setup),
        cmocka_unit_test_setup(test_pressure_gates_the_verdict_not_the_wait, setup),
        cmocka_unit_test_setup(test_a_withdrawn_request_ends_the_wait, setup),
        cmocka_unit_test_setup(test_a_vm_that_did_not_run_is_quiescent, setup),
        cmocka_unit_test_setup(test_timeout_zero_never_fires, setup),
    };
    return cmocka_run_group_tests_name("vmtrack", tests, NULL, NULL);
}
