/* kernel/sched_fair.c: which vCPU runs next, and how much credit one can
 * bank. Found by bochs_linux_smp2 run beside another scenario: one vCPU of
 * a 2-vCPU Linux had run the siblings' handed-on slice rests, the other
 * was 143 ms of runtime behind and kept the CPU while the first one's
 * timer interrupt waited (29 to 193 ms late). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/sched_fair.h"
#include "kernel/vm.h"

#define SLICE 1000u   /* TSC ticks */
#define SLOTS 3

static struct vm *slot[SLOTS];
static char token;    /* the scheduler only checks that a vCPU exists */

static struct vm *at(unsigned s) { return s < SLOTS ? slot[s] : NULL; }

static struct vm *vm_in(unsigned s, unsigned n)
{
    struct vm *vm = calloc(1, sizeof *vm);
    assert_non_null(vm);
    vm->state = VM_STATE_RUNNING;
    vm->nvcpus = n;
    for (unsigned i = 0; i < n; i++) {
        vm->vcpu[i] = (struct vcpu *)&token;
        vm->vcpu_state[i] = VCPU_RUNNABLE;
    }
    slot[s] = vm;
    return vm;
}

static int setup(void **state)
{
    (void)state;
    memset(slot, 0, sizeof slot);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (unsigned s = 0; s < SLOTS; s++)
        free(slot[s]);
    return 0;
}

/* Runs what the scheduler picks for `used` ticks; returns its vCPU index. */
static unsigned run(struct sched_fair *f, struct vm *expect_vm, uint64_t used)
{
    struct sched_pick p = sched_fair_pick(f, at, SLOTS, SLICE);
    assert_ptr_equal(p.vm, expect_vm);
    sched_fair_charge(f, at, SLOTS, p.vm, p.idx, used, SLICE);
    return p.idx;
}

static void test_least_runtime_first_then_in_turn(void **state)
{
    (void)state;
    struct sched_fair f = { 0 };
    struct vm *a = vm_in(0, 1), *b = vm_in(1, 2);
    unsigned seen[3] = { 0 };
    for (unsigned i = 0; i < 30; i++) {
        struct sched_pick p = sched_fair_pick(&f, at, SLOTS, SLICE);
        assert_non_null(p.vm);
        seen[(p.vm == a ? 0 : 1 + p.idx)]++;
        sched_fair_charge(&f, at, SLOTS, p.vm, p.idx, SLICE, SLICE);
    }
    assert_int_equal(seen[0], 10);
    assert_int_equal(seen[1], 10);
    assert_int_equal(seen[2], 10);
    assert_int_equal(b->vcpu_runtime[0], 10 * SLICE);
}

static void test_nothing_runnable(void **state)
{
    (void)state;
    struct sched_fair f = { 0 };
    struct vm *a = vm_in(0, 1);
    a->vcpu_state[0] = VCPU_SLEEPING;
    assert_null(sched_fair_pick(&f, at, SLOTS, SLICE).vm);
    a->vcpu_state[0] = VCPU_RUNNABLE;
    a->state = VM_STATE_HALTED;
    assert_null(sched_fair_pick(&f, at, SLOTS, SLICE).vm);
}

/* A VM started late runs one slice ahead of the others at most, not until
 * it has caught up with all they ran. */
static void test_a_new_vm_is_lifted_to_a_slice_behind(void **state)
{
    (void)state;
    struct sched_fair f = { 0 };
    struct vm *a = vm_in(0, 1);
    for (unsigned i = 0; i < 50; i++)
        run(&f, a, SLICE);
    struct vm *b = vm_in(1, 1);
    run(&f, b, SLICE);
    assert_int_equal(b->vcpu_runtime[0], 50 * SLICE);   /* lifted to 49, then ran one */
    /* Now they alternate. */
    unsigned b_runs = 0;
    for (unsigned i = 0; i < 10; i++) {
        struct sched_pick p = sched_fair_pick(&f, at, SLOTS, SLICE);
        b_runs += p.vm == b;
        sched_fair_charge(&f, at, SLOTS, p.vm, p.idx, SLICE, SLICE);
    }
    assert_int_equal(b_runs, 5);
}

/* The bug: vCPU 0 ran alone, much of it in slice rests its sibling handed
 * it (charged, but never through a pick), while vCPU 1 slept in HLT. When
 * vCPU 1 woke, it was far behind and held the CPU for all of that while
 * vCPU 0 waited with its timer interrupt due. */
static void test_a_vcpu_that_slept_is_lifted_past_handed_on_runs(void **state)
{
    (void)state;
    struct sched_fair f = { 0 };
    struct vm *vm = vm_in(0, 2);
    run(&f, vm, SLICE);                 /* vCPU 0 */
    run(&f, vm, SLICE);                 /* vCPU 1, then it halts */
    vm->vcpu_state[1] = VCPU_SLEEPING;
    sched_fair_charge(&f, at, SLOTS, vm, 1, 0, SLICE);
    for (unsigned i = 0; i < 100; i++)  /* rests given to vCPU 0, no pick */
        sched_fair_charge(&f, at, SLOTS, vm, 0, SLICE / 2, SLICE);
    vm->vcpu_state[1] = VCPU_RUNNABLE;  /* its timer */
    assert_int_equal(run(&f, vm, SLICE), 1);
    /* vCPU 0 gets the CPU again after at most two of vCPU 1's slices. */
    unsigned waited = 0;
    while (run(&f, vm, SLICE) == 1)
        waited++;
    assert_true(waited <= 1);
}

/* Both runnable: one given its sibling's rests many times over (a sibling
 * spinning in a PAUSE loop hands them on) does not then owe the other
 * more than a slice. */
static void test_a_sibling_banks_at_most_one_slice(void **state)
{
    (void)state;
    struct sched_fair f = { 0 };
    struct vm *vm = vm_in(0, 2);
    for (unsigned i = 0; i < 100; i++)
        sched_fair_charge(&f, at, SLOTS, vm, 0, SLICE, SLICE);
    assert_int_equal(vm->vcpu_runtime[0], 100 * SLICE);
    assert_int_equal(vm->vcpu_runtime[1], 99 * SLICE);
    assert_int_equal(run(&f, vm, SLICE), 1);
    /* Ran a slice: level now, vCPU 0 (next in order) goes. */
    assert_int_equal(run(&f, vm, SLICE), 0);
}

/* The bound is between siblings only: another VM's credit is its own. */
static void test_the_bound_leaves_other_vms_alone(void **state)
{
    (void)state;
    struct sched_fair f = { 0 };
    struct vm *a = vm_in(0, 2), *b = vm_in(1, 1);
    for (unsigned i = 0; i < 10; i++)
        sched_fair_charge(&f, at, SLOTS, a, 0, SLICE, SLICE);
    assert_int_equal(b->vcpu_runtime[0], 0);
    assert_int_equal(a->vcpu_runtime[1], 9 * SLICE);
    /* A stopped sibling is not lifted either. */
    a->vcpu_state[1] = VCPU_STOPPED;
    sched_fair_charge(&f, at, SLOTS, a, 0, 5 * SLICE, SLICE);
    assert_int_equal(a->vcpu_runtime[1], 9 * SLICE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_least_runtime_first_then_in_turn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_runnable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_new_vm_is_lifted_to_a_slice_behind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_vcpu_that_slept_is_lifted_past_handed_on_runs,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_sibling_banks_at_most_one_slice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_bound_leaves_other_vms_alone, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
