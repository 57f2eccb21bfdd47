/* Fair share over every runnable vCPU of every running VM (least runtime
 * first). The shell is polled between slices, so it stays responsive however
 * busy the guests are: a slice is at most SCHED_SLICE_MS of host time, exits
 * included, and any host interrupt (timer tick, console input) ends it. */
#include "kernel/sched.h"
#include "kernel/vm.h"
#include "kernel/vm_internal.h"
#include "kernel/vm_mem.h"
#include "kernel/vm_name.h"
#include "kernel/vcpu_handoff.h"
#include "kernel/sched_fair.h"
#include "kernel/kernel.h"
#include "kernel/log.h"
#include "kernel/monitor_ops.h"
#include "kernel/host_config.h"
#include "include/hv/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "lib/kstring.h"

void shell_start(void);
void shell_poll(void);

/* Who runs next: kernel/sched_fair.h. */
static struct sched_fair fair;

void vm_vcpu_wake(struct vm *vm, unsigned idx)
{
    vcpu_handoff_note_event(vm, idx);
    if (idx < VM_MAX_VCPUS && vm->vcpu_state[idx] == VCPU_SLEEPING) {
        vm->vcpu_state[idx] = VCPU_RUNNABLE;
        if (vm->state == VM_STATE_HALTED)
            vm->state = VM_STATE_RUNNING; /* after_halt counted it asleep for good */
    }
}

void vm_vcpu_kick(struct vm *vm, unsigned idx)
{
    if (idx >= VM_MAX_VCPUS || !vm_is_live(vm))
        return;
    vcpu_handoff_note_event(vm, idx);
    if (vm->vcpu_state[idx] == VCPU_SLEEPING || vm->vcpu_state[idx] == VCPU_HALTED)
        vm->vcpu_state[idx] = VCPU_RUNNABLE;
    if (vm->state == VM_STATE_HALTED)
        vm->state = VM_STATE_RUNNING;
}

/* Sleeping vCPUs whose time has come become runnable; returns the earliest
 * wake time of those still asleep (UINT64_MAX: none). */
static uint64_t wake_due(uint64_t now)
{
    uint64_t next = UINT64_MAX;
    for (unsigned s = 0; s < VM_MAX; s++) {
        struct vm *vm = vm_at(s);
        if (!vm || vm->state != VM_STATE_RUNNING)
            continue;
        for (unsigned i = 0; i < vm->nvcpus && i < VM_MAX_VCPUS; i++) {
            if (vm->vcpu_state[i] != VCPU_SLEEPING)
                continue;
            if (vm->vcpu_wake_ns[i] <= now)
                vm->vcpu_state[i] = VCPU_RUNNABLE;
            else if (vm->vcpu_wake_ns[i] < next)
                next = vm->vcpu_wake_ns[i];
        }
    }
    return next;
}

static void after_halt(struct vm *vm)
{
    /* A vCPU sleeping until a deadline still runs; one asleep for good
     * (an AP waiting for SIPI, a HLT with nothing armed) can be woken only
     * by the others, and they are halted. */
    for (unsigned i = 0; i < vm->nvcpus; i++)
        if (vm->vcpu[i] && (vm->vcpu_state[i] == VCPU_RUNNABLE ||
                            (vm->vcpu_state[i] == VCPU_SLEEPING &&
                             vm->vcpu_wake_ns[i] != UINT64_MAX)))
            return;
    vm->state = VM_STATE_HALTED;
    /* Once per start: a halted vCPU never wakes yet. When one can, a guest
     * could halt in a loop, and this line moves to the VM's own budget. */
    LOG_EVENT(LOG_INFO, "vm %s: every vCPU halted; it uses no CPU time now", vm->name);
}

static void autostart_one(void *ctx, const char *name)
{
    (void)ctx;
    char err[128];
    if (!vm_start_by_name(name, err, sizeof err))
        log_write(NULL, LOG_ERROR, "autostart: %s", err);
}

static void autostart_refused(void *ctx, const char *shown, const char *why)
{
    (void)ctx;
    log_write(NULL, LOG_ERROR, "autostart: '%s' not started: %s", shown, why);
}

void sched_autostart(const char *list)
{
    vm_name_list_each(list, autostart_one, autostart_refused, NULL);
}

/* Nothing to run until `wake_ns` (a sleeping vCPU's timer). The host tick
 * is periodic, so halting until it would wake that vCPU up to a whole tick
 * late, and a guest that re-arms its timer from the interrupt (TSC-deadline
 * mode, one-shot) would run that much slow: when the wake is due before the
 * next tick can come, wait for it with PAUSE instead (console input still
 * ends the wait). Called with interrupts off; returns with them off. */
static void idle_until(uint64_t wake_ns, uint64_t now_ns)
{
    uint64_t tick_ns = 1000000000ULL / (g_host_config.timer_hz ? g_host_config.timer_hz : 100);
    if (wake_ns == UINT64_MAX || wake_ns - now_ns > tick_ns) {
        sti_hlt();
        cli();
        return;
    }
    sti();
    while (plat_time_ns() < wake_ns && !console_rx_pending())
        __asm__ volatile("pause" ::: "memory");
    cli();
}

/* The rest of a slice a vCPU gave to a sibling (kernel/vcpu_handoff.h),
 * taken only if that sibling can still run and the rest is worth an entry. */
static struct sched_pick given;
static uint64_t given_tsc;

static bool take_given(struct sched_pick *p, uint64_t *slice)
{
    struct sched_pick g = given;
    given.vm = NULL;
    if (!sched_runnable(g.vm, g.idx))
        return false;
    *p = g;
    *slice = given_tsc;
    return true;
}

void sched_loop(void)
{
    shell_start();
    for (;;) {
        shell_poll();
        vm_mem_tick();
        const uint64_t full_slice = tsc_hz_get() / (1000 / SCHED_SLICE_MS);
        uint64_t slice = full_slice;
        uint64_t now = plat_time_ns();
        uint64_t next_wake = wake_due(now);
        struct sched_pick p;
        if (!take_given(&p, &slice))
            p = sched_fair_pick(&fair, vm_at, VM_MAX, full_slice);
        if (!p.vm) {
            /* Nothing to run: sleep until an interrupt (sti;hlt has no gap),
             * or wait for a sleeping vCPU's time if it comes first. */
            cli();
            if (!console_rx_pending())
                idle_until(next_wake, now);
            sti();
            continue;
        }
        /* A sleeping vCPU due before this slice would end cuts it short, so
         * a busy VM does not make a timer-waiting one late. */
        if (next_wake != UINT64_MAX) {
            uint64_t ns = next_wake > now ? next_wake - now : 0;
            uint64_t ticks = ns >= SCHED_SLICE_MS * 1000000ULL ? slice
                                                                : ns * tsc_hz_get() / 1000000000ULL;
            if (ticks < slice)
                slice = ticks ? ticks : 1;
        }
        struct vm *vm = p.vm;
        vcpu_handoff_ran(vm, p.idx);
        /* The scheduler charges the time itself: guest and monitor alike. */
        uint64_t t0 = rdtsc();
        enum run_result r = vm_monitor()->run(vm->vcpu[p.idx], slice);
        uint64_t used = rdtsc() - t0;
        vcpu_handoff_off_cpu(vm);
        int to = vcpu_handoff_take(vm);
        uint64_t hand_on = vcpu_handoff_slice(slice, used, full_slice);
        if (r == RUN_YIELD && to >= 0 && hand_on) {
            given = (struct sched_pick){ vm, (unsigned)to };
            given_tsc = hand_on;
        }
        if (r == RUN_HALTED) {
            vm->vcpu_state[p.idx] = VCPU_HALTED;
            after_halt(vm);
        } else if (r == RUN_SLEEP && vm_is_live(vm)) {
            vm->vcpu_state[p.idx] = VCPU_SLEEPING;
        } else if (r == RUN_STOPPED || !vm_is_live(vm)) {
            vm->vcpu_state[p.idx] = VCPU_STOPPED;
            vm_reap(vm);
        }
        sched_fair_charge(&fair, vm_at, VM_MAX, vm, p.idx, used, full_slice);
    }
}
