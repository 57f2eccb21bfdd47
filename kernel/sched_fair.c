/* Fair share between vCPUs: see sched_fair.h. */
#include "kernel/sched_fair.h"
#include "kernel/vm.h"

bool sched_runnable(const struct vm *vm, unsigned idx)
{
    return vm && vm->state == VM_STATE_RUNNING && idx < vm->nvcpus && idx < VM_MAX_VCPUS &&
           vm->vcpu[idx] && vm->vcpu_state[idx] == VCPU_RUNNABLE;
}

struct sched_pick sched_fair_pick(struct sched_fair *f, sched_vm_at_fn at, unsigned slots,
                                  uint64_t slice_tsc)
{
    const unsigned total = slots * VM_MAX_VCPUS;
    struct sched_pick best = { NULL, 0 };
    unsigned best_i = 0;
    uint64_t floor = f->min_runtime > slice_tsc ? f->min_runtime - slice_tsc : 0;
    for (unsigned n = 0; n < total; n++) {
        unsigned i = (f->cursor + n) % total;
        struct vm *vm = at(i / VM_MAX_VCPUS);
        unsigned idx = i % VM_MAX_VCPUS;
        if (!sched_runnable(vm, idx))
            continue;
        uint64_t *rt = &vm->vcpu_runtime[idx];
        if (*rt < floor)
            *rt = floor;
        if (!best.vm || *rt < best.vm->vcpu_runtime[best.idx]) {
            best = (struct sched_pick){ vm, idx };
            best_i = i;
        }
    }
    if (best.vm) {
        f->cursor = best_i + 1;
        if (best.vm->vcpu_runtime[best.idx] > f->min_runtime)
            f->min_runtime = best.vm->vcpu_runtime[best.idx];
    }
    return best;
}

void sched_fair_charge(struct sched_fair *f, sched_vm_at_fn at, unsigned slots, struct vm *vm,
                       unsigned idx, uint64_t used, uint64_t slice_tsc)
{
    if (!vm || idx >= VM_MAX_VCPUS)
        return;
    uint64_t ran = vm->vcpu_runtime[idx] += used;
    /* A sibling's credit is at most one slice. */
    uint64_t bound = ran > slice_tsc ? ran - slice_tsc : 0;
    for (unsigned j = 0; j < vm->nvcpus && j < VM_MAX_VCPUS; j++)
        if (j != idx && sched_runnable(vm, j) && vm->vcpu_runtime[j] < bound)
            vm->vcpu_runtime[j] = bound;
    /* The least runtime among the vCPUs still running, this one counted
     * even if it now sleeps: a run given as a sibling's rest (not through
     * sched_fair_pick) moves it too, so a vCPU that wakes is lifted
     * relative to the time that really passed. */
    uint64_t least = ran;
    for (unsigned s = 0; s < slots; s++) {
        struct vm *o = at(s);
        for (unsigned j = 0; o && j < o->nvcpus && j < VM_MAX_VCPUS; j++)
            if (sched_runnable(o, j) && o->vcpu_runtime[j] < least)
                least = o->vcpu_runtime[j];
    }
    if (least > f->min_runtime)
        f->min_runtime = least;
}
