/* Fair share over every runnable vCPU of every running VM (least runtime
 * first). The shell is polled between slices, so it stays responsive however
 * busy the guests are: a slice is at most SCHED_SLICE_MS of host time, exits
 * included, and any host interrupt (timer tick, console input) ends it. */
#include "kernel/sched.h"
#include "kernel/vm.h"
#include "kernel/vm_internal.h"
#include "kernel/vm_mem.h"
#include "kernel/vm_name.h"
#include "kernel/kernel.h"
#include "kernel/log.h"
#include "vmm/vcpu.h"
#include "include/hv/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "lib/kstring.h"

void shell_start(void);
void shell_poll(void);

/* Position in the flattened (VM slot, vCPU index) list after the last pick:
 * among vCPUs that have had equal time, the next one in order goes first. */
static unsigned cursor;
/* No runnable vCPU is further behind than this: the least runtime among the
 * runnable ones at the last pick, never decreasing. */
static uint64_t min_runtime;

/* Fair share whatever a guest executes: the runnable vCPU that has held the
 * CPU least (runtime_tsc counts guest time and the monitor's exit handling
 * alike) runs next. A vCPU that was new, halted or stopped is lifted to one
 * slice behind the others, so a fresh VM cannot claim all the time the
 * others used before it existed. */
static struct vcpu *pick(uint64_t slice_tsc)
{
    const unsigned total = VM_MAX * VM_MAX_VCPUS;
    struct vcpu *best = NULL;
    unsigned best_i = 0;
    uint64_t floor = min_runtime > slice_tsc ? min_runtime - slice_tsc : 0;
    for (unsigned n = 0; n < total; n++) {
        unsigned i = (cursor + n) % total;
        struct vm *vm = vm_at(i / VM_MAX_VCPUS);
        unsigned idx = i % VM_MAX_VCPUS;
        if (!vm || vm->state != VM_STATE_RUNNING || idx >= vm->nvcpus)
            continue;
        struct vcpu *v = vm->vcpu[idx];
        if (!v || v->state != VCPU_RUNNABLE)
            continue;
        if (v->runtime_tsc < floor)
            v->runtime_tsc = floor;
        if (!best || v->runtime_tsc < best->runtime_tsc) {
            best = v;
            best_i = i;
        }
    }
    if (best) {
        cursor = best_i + 1;
        if (best->runtime_tsc > min_runtime)
            min_runtime = best->runtime_tsc;
    }
    return best;
}

static void after_halt(struct vm *vm)
{
    for (unsigned i = 0; i < vm->nvcpus; i++)
        if (vm->vcpu[i] && vm->vcpu[i]->state == VCPU_RUNNABLE)
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

void sched_loop(void)
{
    shell_start();
    for (;;) {
        shell_poll();
        vm_mem_tick();
        uint64_t slice = tsc_hz_get() / (1000 / SCHED_SLICE_MS);
        struct vcpu *v = pick(slice);
        if (!v) {
            /* Nothing to run: sleep until an interrupt (sti;hlt has no gap). */
            cli();
            if (!console_rx_pending())
                sti_hlt();
            sti();
            continue;
        }
        struct vm *vm = v->vm;
        enum run_result r = vcpu_run(v, slice);
        if (r == RUN_HALTED)
            after_halt(vm);
        else if (r == RUN_STOPPED || !vm_is_live(vm))
            vm_reap(vm);
    }
}
