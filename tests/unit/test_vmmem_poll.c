/* The monitor's side of memory release (vmm/vmmem_poll.c) with the kernel
 * it calls faked: requests taken at poll points, the injected deny, a
 * release that comes up short, blocking in the low state, the allocation
 * bound, lost pages and running out of memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <cmocka.h>
#include "tests/fake/vm_fail_fake.h"
#include "vmm/vmmem_poll.h"
#include "vmm/vcpu.h"
#include "kernel/vm.h"
#include "kernel/vm_mem.h"
#include "kernel/vm_reclaim.h"
#include "kernel/host_config.h"
#include "kernel/log.h"
#include "mm/heap.h"

/* ---- the kernel, faked ---------------------------------------------------- */
struct host_config g_host_config;
static uint64_t now_ns;
static uint64_t releasable;          /* pages vm_reclaim_release can free in all */
static uint64_t released_calls, released_total;
static uint64_t consumed, target;   /* what vm_mem_should_block compares in low */
static bool low_state;
static enum gm_fault fault_result;
static bool fault_allocates;
static uint64_t allocs_noted, blocked_notes, unblocked_notes;

uint64_t plat_time_ns(void) { return now_ns; }
void *kzalloc(size_t n) { return calloc(1, n); }
void kfree(void *p) { free(p); }

bool vm_mem_should_block(struct vm *vm)
{
    (void)vm;
    return low_state && consumed > target;
}
uint64_t vm_mem_swap_cap(struct vm *vm) { (void)vm; return 96; }
void vm_mem_note_alloc(struct vm *vm) { (void)vm; allocs_noted++; }

uint64_t vm_reclaim_release(struct vm *vm, uint64_t n)
{
    (void)vm;
    uint64_t f = n < releasable ? n : releasable;
    releasable -= f;
    consumed -= f < consumed ? f : consumed;
    released_calls++;
    released_total += f;
    return f;
}

enum gm_fault vm_reclaim_fault(struct vm *vm, uint64_t gpa, bool *allocated)
{
    (void)vm, (void)gpa;
    *allocated = fault_result == GM_FAULT_OK && fault_allocates;
    if (*allocated)
        consumed++;
    return fault_result;
}
int vm_reclaim_page_kind(struct vm *vm, uint64_t gpa)
{
    (void)vm, (void)gpa;
    return fault_allocates ? VM_RECLAIM_NEW : VM_RECLAIM_BACKED;
}
void vm_reclaim_note_blocked(struct vm *vm, uint64_t t)
{
    if (!vm->mem.rc.blocked_since_ns)
        vm->mem.rc.blocked_since_ns = t ? t : 1;
    blocked_notes++;
}
void vm_reclaim_note_unblocked(struct vm *vm, uint64_t t)
{
    (void)t;
    vm->mem.rc.blocked_since_ns = 0;
    unblocked_notes++;
}

/* ---- set-up --------------------------------------------------------------- */
static struct vm vm;
static struct vcpu vcpu;

static int setup(void **state)
{
    (void)state;
    memset(&vm, 0, sizeof vm);
    memset(&vcpu, 0, sizeof vcpu);
    strcpy(vm.name, "oc0");
    vm.cfg.numvcpus = 1;
    vm.state = VM_STATE_RUNNING;
    vcpu.vm = &vm;
    g_host_config.vcpu_alloc_bound = 48;
    now_ns = 1000000000ULL;
    releasable = 1000;
    released_calls = released_total = allocs_noted = blocked_notes = unblocked_notes = 0;
    consumed = 500;
    target = 1000;
    low_state = false;
    fault_result = GM_FAULT_OK;
    fault_allocates = true;
    fake_vm_fail_reset();
    char why[80];
    assert_true(vmmem_vm_init(&vm, why, sizeof why));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(vm.mem.vmmem);
    return 0;
}

static void post(uint64_t pages)
{
    vm.mem.release_request = pages;
    vm.mem.release_gen++;
}

/* A request is carried out at the next poll point, once. */
static void test_request_released_at_poll_point(void **state)
{
    (void)state;
    vmmem_poll_point(&vcpu);
    assert_int_equal(released_calls, 0);          /* nothing asked */
    assert_int_equal(vm.mem.release_answers, 0);
    post(96);
    vmmem_poll_point(&vcpu);
    assert_int_equal(released_total, 96);
    assert_int_equal(vm.mem.release_answers, 1);  /* VMTrack's sign of life */
    vmmem_poll_point(&vcpu);
    assert_int_equal(released_calls, 1);          /* drained: not again */
    assert_int_equal(vm.mem.release_answers, 1);
    post(96);                                     /* a reissue of the same size is seen */
    vmmem_poll_point(&vcpu);
    assert_int_equal(released_total, 192);
    assert_int_equal(vm.mem.vmmem->m.rank_violations, 0);
}

/* `vmm deny`: no release while the injected deny is held; the request is
 * carried out at the first poll point after it ends. */
static void test_injected_deny_holds_releases(void **state)
{
    (void)state;
    vm.mem.deny_until_ns = now_ns + 5000000000ULL;
    post(96);
    for (int i = 0; i < 10; i++)
        vmmem_poll_point(&vcpu);
    assert_int_equal(released_calls, 0);
    assert_true(vmmem_check_count(&vm.mem.vmmem->m, 0) >= 10);   /* unresponsive, counted */
    assert_int_equal(vm.mem.release_answers, 0);  /* no answer while denied */
    now_ns += 5000000000ULL;
    vmmem_poll_point(&vcpu);
    assert_int_equal(released_total, 96);
    assert_int_equal(vm.mem.release_answers, 1);
    assert_int_equal(vmmem_check_count(&vm.mem.vmmem->m, 0), 0);  /* drained: reset */
}

/* A release that frees less than asked drops the rest instead of running
 * victim selection again at every entry. */
static void test_short_release_is_not_retried(void **state)
{
    (void)state;
    releasable = 10;
    post(96);
    vmmem_poll_point(&vcpu);
    vmmem_poll_point(&vcpu);
    vmmem_poll_point(&vcpu);
    assert_int_equal(released_calls, 1);
    assert_int_equal(released_total, 10);
}

/* Low state, above target: the vCPU releases its own pages first; still
 * above, it sleeps 5 ms (blocked) and the fault is retried later; once
 * under target, the fault goes through. */
static void test_low_state_blocks_above_target(void **state)
{
    (void)state;
    low_state = true;
    consumed = 1200;
    target = 1000;
    assert_int_equal(vmmem_ram_fault(&vcpu, 0x300000), EXIT_SLEEP);
    assert_int_equal(released_total, 96);         /* its own pages first */
    assert_int_equal(vm.mem.release_answers, 1);  /* a release point: VMTrack sees an answer */
    assert_int_equal(vm.vcpu_wake_ns[0], now_ns + 5000000ULL);
    assert_int_equal(blocked_notes, 1);
    assert_int_equal(allocs_noted, 0);
    now_ns += 5000000ULL;
    assert_int_equal(vmmem_ram_fault(&vcpu, 0x300000), EXIT_SLEEP);   /* 1008: still above */
    now_ns += 5000000ULL;
    assert_int_equal(vmmem_ram_fault(&vcpu, 0x300000), EXIT_CONTINUE); /* 912: under */
    assert_int_equal(allocs_noted, 1);
    assert_int_equal(unblocked_notes, 1);
    assert_int_equal(vm.mem.rc.blocked_since_ns, 0);
}

/* Never blocked at or under target, nor for a fault that allocates nothing. */
static void test_no_block_at_target_or_without_allocation(void **state)
{
    (void)state;
    low_state = true;
    consumed = target = 1000;
    assert_int_equal(vmmem_ram_fault(&vcpu, 0x300000), EXIT_CONTINUE);
    assert_int_equal(released_calls, 0);
    consumed = 2000;
    fault_allocates = false;                      /* a backed page being mapped again */
    assert_int_equal(vmmem_ram_fault(&vcpu, 0x300000), EXIT_CONTINUE);
    assert_int_equal(blocked_notes, 0);
}

/* While a deny is held the vCPU may allocate mem.vcpuAllocBound pages; the
 * next is a VMTrack event, logged once per VM, and the VM goes on. */
static void test_allocation_bound_under_injected_deny(void **state)
{
    (void)state;
    vm.mem.deny_until_ns = now_ns + 1000000000ULL;
    vmmem_poll_point(&vcpu);                      /* takes the deny */
    for (int i = 0; i < 48; i++)
        assert_int_equal(vmmem_ram_fault(&vcpu, 0x300000 + i * 4096ULL), EXIT_CONTINUE);
    assert_int_equal(vm.mem.vmmem->m.vmtrack_events, 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(vmmem_ram_fault(&vcpu, 0x400000), EXIT_CONTINUE);
    assert_int_equal(vm.mem.vmmem->m.vmtrack_events, 1);
    assert_int_equal(vm.mem.rc.vmtrack_events, 1);   /* what memstats -c shows */
    assert_int_equal(fake_log_total, 1);
    assert_string_equal(fake_log_last, "vm oc0: VMTrack: vCPU 0 allocated 49 pages while releases "
                                   "were denied (bound 48, mem.vcpuAllocBound); counted, the VM "
                                   "goes on");
    assert_int_equal(vm.state, VM_STATE_RUNNING);
    assert_int_equal(vm.mem.vmmem->m.rank_violations, 0);
}

/* A page whose contents are gone stops the VM with the reason. */
static void test_lost_page_stops_the_vm(void **state)
{
    (void)state;
    fault_result = GM_FAULT_LOST;
    assert_int_equal(vmmem_ram_fault(&vcpu, 0x5000), EXIT_STOP);
    assert_string_equal(fake_fail_reason, "guest-physical 0x5000 could not be read back from swap: "
                                     "its data is lost (swap read error or corrupt compressed page)");
}

/* No machine page: wait for others to release (sleeping, own pages given
 * first); after 30 s blocked, the VM stops with the reason. */
static void test_out_of_memory_waits_then_stops(void **state)
{
    (void)state;
    fault_result = GM_FAULT_FAIL;
    releasable = 0;
    assert_int_equal(vmmem_ram_fault(&vcpu, 0x7000), EXIT_SLEEP);
    now_ns += 29000000000ULL;
    assert_int_equal(vmmem_ram_fault(&vcpu, 0x7000), EXIT_SLEEP);
    now_ns += 1000000000ULL;
    assert_int_equal(vmmem_ram_fault(&vcpu, 0x7000), EXIT_STOP);
    assert_string_equal(fake_fail_reason, "out of machine memory backing guest-physical 0x7000 "
                                     "(nothing could be reclaimed for 30 s)");
    /* A fault that allocates nothing and fails is not waited for. */
    teardown(NULL);
    setup(NULL);
    fault_result = GM_FAULT_FAIL;
    fault_allocates = false;
    assert_int_equal(vmmem_ram_fault(&vcpu, 0x8000), EXIT_STOP);
}

/* ---- a VM of two vCPUs (issue 13): each poll point runs with its own id --- */
static struct vcpu vcpu1;

static int setup2(void **state)
{
    setup(state);
    free(vm.mem.vmmem);
    vm.cfg.numvcpus = 2;
    char why[80];
    assert_true(vmmem_vm_init(&vm, why, sizeof why));
    memset(&vcpu1, 0, sizeof vcpu1);
    vcpu1.vm = &vm;
    vcpu1.id = 1;
    return 0;
}

/* vCPU 0 holds a deny (`vmm deny`): its poll points release nothing and are
 * counted as unresponsive; vCPU 1 holds none, so its next poll point carries
 * the request out, and both counts restart once it drains. */
static void test_deny_on_one_vcpu_leaves_the_other_releasing(void **state)
{
    (void)state;
    vm.mem.deny_until_ns = now_ns + 5000000000ULL;
    post(96);
    for (int i = 0; i < 3; i++)
        vmmem_poll_point_fast(&vcpu, vm.mem.vmmem, 0, vm.mem.release_gen, true);
    assert_int_equal(released_calls, 0);
    assert_true(vmmem_releases_denied(&vm.mem.vmmem->m, 0));
    assert_false(vmmem_releases_denied(&vm.mem.vmmem->m, 1));
    assert_int_equal(vmmem_check_count(&vm.mem.vmmem->m, 0), 3);
    assert_int_equal(vmmem_check_count(&vm.mem.vmmem->m, 1), 0);
    vmmem_poll_point_fast(&vcpu1, vm.mem.vmmem, 1, vm.mem.release_gen, true);
    assert_int_equal(released_calls, 1);
    assert_int_equal(released_total, 96);
    assert_int_equal(vmmem_check_count(&vm.mem.vmmem->m, 0), 0);
    assert_int_equal(vmmem_check_count(&vm.mem.vmmem->m, 1), 0);
    /* vCPU 1's poll point never takes or drops vCPU 0's injected deny */
    assert_true(vmmem_releases_denied(&vm.mem.vmmem->m, 0));
    assert_int_equal(vm.mem.vmmem->m.misuse, 0);
    assert_int_equal(vm.mem.vmmem->m.rank_violations, 0);
}

/* The allocation bound is per vCPU: vCPU 0, denied, crosses it; vCPU 1,
 * touching as many pages between its own poll points, never does. */
static void test_allocation_bound_per_vcpu_under_pressure(void **state)
{
    (void)state;
    vm.mem.deny_until_ns = now_ns + 1000000000ULL;
    vmmem_poll_point(&vcpu);
    for (int i = 0; i < 60; i++) {
        assert_int_equal(vmmem_ram_fault(&vcpu1, 0x500000 + i * 4096ULL), EXIT_CONTINUE);
        vmmem_poll_point(&vcpu1);
    }
    assert_int_equal(vm.mem.vmmem->m.vmtrack_events, 0);
    for (int i = 0; i < 49; i++)
        assert_int_equal(vmmem_ram_fault(&vcpu, 0x300000 + i * 4096ULL), EXIT_CONTINUE);
    assert_int_equal(vm.mem.vmmem->m.vmtrack_events, 1);
    assert_string_equal(fake_log_last, "vm oc0: VMTrack: vCPU 0 allocated 49 pages while releases "
                                   "were denied (bound 48, mem.vcpuAllocBound); counted, the VM "
                                   "goes on");
    /* a release asked now is carried out by vCPU 1 */
    post(32);
    vmmem_poll_point(&vcpu);
    assert_int_equal(released_calls, 0);
    vmmem_poll_point(&vcpu1);
    assert_int_equal(released_total, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_released_at_poll_point, setup, teardown),
        cmocka_unit_test_setup_teardown(test_injected_deny_holds_releases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_release_is_not_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_low_state_blocks_above_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_block_at_target_or_without_allocation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_allocation_bound_under_injected_deny, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_page_stops_the_vm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_memory_waits_then_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deny_on_one_vcpu_leaves_the_other_releasing, setup2,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_allocation_bound_per_vcpu_under_pressure, setup2,
                                        teardown),
    };
    return cmocka_run_group_tests_name("vmmem_poll", tests, NULL, NULL);
}
