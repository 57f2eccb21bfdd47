/* kernel/vcpu_handoff.c: which sibling gets the rest of a slice. The vCPUs
 * of a VM share one physical CPU, so an interrupt for one that is not
 * running waits until the running one gives the CPU up (issue 14: a 2-vCPU
 * Linux lost timer ticks and marked its TSC unstable). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/vcpu_handoff.h"
#include "kernel/vm.h"

/* The scheduler only checks that a vCPU exists: a token pointer will do. */
#define SOME_VCPU ((struct vcpu *)&token)
static char token;

static struct vm *vm_with(unsigned n)
{
    struct vm *vm = calloc(1, sizeof *vm);
    assert_non_null(vm);
    vm->nvcpus = n;
    for (unsigned i = 0; i < n; i++) {
        vm->vcpu[i] = SOME_VCPU;
        vm->vcpu_state[i] = VCPU_RUNNABLE;
    }
    return vm;
}

static void test_one_vcpu_never_hands_off(void **state)
{
    (void)state;
    struct vm *vm = vm_with(1);
    vcpu_handoff_note_event(vm, 0);
    assert_false(vcpu_handoff_due(vm, 0));
    assert_false(vcpu_handoff_spin(vm, 0));
    assert_int_equal(vcpu_handoff_take(vm), -1);
    free(vm);
}

static void test_sibling_with_an_interrupt_gets_the_slice(void **state)
{
    (void)state;
    struct vm *vm = vm_with(2);
    vcpu_handoff_ran(vm, 0);                      /* vCPU 0 holds the CPU */
    assert_false(vcpu_handoff_due(vm, 0));        /* nothing arrived */
    vcpu_handoff_note_event(vm, 0);               /* its own: no reason to stop */
    assert_false(vcpu_handoff_due(vm, 0));
    /* ... nor a mark that would send the CPU straight back to it once
     * vCPU 1 runs: it saw that interrupt itself. */
    vcpu_handoff_off_cpu(vm);
    vcpu_handoff_ran(vm, 1);
    assert_false(vcpu_handoff_due(vm, 1));
    vcpu_handoff_off_cpu(vm);
    vcpu_handoff_ran(vm, 0);
    vcpu_handoff_note_event(vm, 1);
    assert_true(vcpu_handoff_due(vm, 0));
    assert_int_equal(vcpu_handoff_take(vm), 1);
    assert_int_equal(vcpu_handoff_take(vm), -1);  /* taken once */
    assert_int_equal(vm->stats.handoffs_event, 1);
    /* Once it has run it has seen the interrupt: no second handoff for it,
     * so two vCPUs with interrupts masked cannot pass the CPU to and fro. */
    vcpu_handoff_ran(vm, 1);
    assert_false(vcpu_handoff_due(vm, 0));
    free(vm);
}

static void test_only_a_runnable_sibling(void **state)
{
    (void)state;
    struct vm *vm = vm_with(3);
    vcpu_handoff_note_event(vm, 1);
    vm->vcpu_state[1] = VCPU_SLEEPING;            /* woken by the scheduler, not here */
    assert_false(vcpu_handoff_due(vm, 0));
    vm->vcpu_state[1] = VCPU_HALTED;
    assert_false(vcpu_handoff_due(vm, 0));
    vm->vcpu[2] = NULL;                           /* not created (failed build) */
    vcpu_handoff_note_event(vm, 2);
    assert_false(vcpu_handoff_due(vm, 0));
    vm->vcpu_state[1] = VCPU_RUNNABLE;
    assert_true(vcpu_handoff_due(vm, 0));
    assert_int_equal(vcpu_handoff_take(vm), 1);
    free(vm);
}

static void test_several_waiting_taken_in_turn(void **state)
{
    (void)state;
    struct vm *vm = vm_with(4);
    for (unsigned i = 0; i < 4; i++)
        vcpu_handoff_note_event(vm, i);
    /* From the one after the holder: vCPU 2 holds, 3 goes first. */
    assert_true(vcpu_handoff_due(vm, 2));
    assert_int_equal(vcpu_handoff_take(vm), 3);
    vcpu_handoff_ran(vm, 3);
    assert_true(vcpu_handoff_due(vm, 3));
    assert_int_equal(vcpu_handoff_take(vm), 0);
    vcpu_handoff_ran(vm, 0);
    assert_true(vcpu_handoff_due(vm, 0));
    assert_int_equal(vcpu_handoff_take(vm), 1);
    free(vm);
}

static void test_spinning_gives_way_to_any_sibling(void **state)
{
    (void)state;
    struct vm *vm = vm_with(3);
    vm->vcpu_runtime[0] = 10;
    vm->vcpu_runtime[1] = 500;
    vm->vcpu_runtime[2] = 300;
    /* No event anywhere: the lock holder may be either; the one that has
     * had the CPU least goes first. */
    assert_true(vcpu_handoff_spin(vm, 0));
    assert_int_equal(vcpu_handoff_take(vm), 2);
    /* One with an interrupt waiting goes before it. */
    vcpu_handoff_note_event(vm, 1);
    assert_true(vcpu_handoff_spin(vm, 0));
    assert_int_equal(vcpu_handoff_take(vm), 1);
    assert_int_equal(vm->stats.handoffs_spin, 2);
    /* Nobody else can run (asleep in HLT, halted): it spins on. */
    vm->vcpu_state[1] = VCPU_SLEEPING;
    vm->vcpu_state[2] = VCPU_HALTED;
    assert_false(vcpu_handoff_spin(vm, 0));
    assert_int_equal(vcpu_handoff_take(vm), -1);
    free(vm);
}

static void test_bad_index_ignored(void **state)
{
    (void)state;
    struct vm *vm = vm_with(2);
    vcpu_handoff_note_event(vm, VM_MAX_VCPUS);
    vcpu_handoff_ran(vm, VM_MAX_VCPUS + 7);
    assert_false(vcpu_handoff_due(vm, 0));
    free(vm);
}

/* The sibling gets the rest of the slice, at most a 20th of a full one (it
 * answers its interrupt, then the scheduler picks again), and nothing when
 * the rest is under a 40th. */
static void test_handoff_slice(void **state)
{
    (void)state;
    const uint64_t full = 10000000;
    assert_int_equal(vcpu_handoff_slice(full, 9800000, full), 0);        /* 200k < 250k */
    assert_int_equal(vcpu_handoff_slice(full, 9700000, full), 300000);
    assert_int_equal(vcpu_handoff_slice(full, 1000, full), 500000);      /* capped */
    assert_int_equal(vcpu_handoff_slice(full, full + 5, full), 0);       /* overran */
    assert_int_equal(vcpu_handoff_slice(400000, 100000, full), 300000);  /* a given slice's rest */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handoff_slice),
        cmocka_unit_test(test_one_vcpu_never_hands_off),
        cmocka_unit_test(test_sibling_with_an_interrupt_gets_the_slice),
        cmocka_unit_test(test_only_a_runnable_sibling),
        cmocka_unit_test(test_several_waiting_taken_in_turn),
        cmocka_unit_test(test_spinning_gives_way_to_any_sibling),
        cmocka_unit_test(test_bad_index_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
