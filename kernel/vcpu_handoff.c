/* Handing the rest of a slice to a sibling vCPU (kernel/vcpu_handoff.h). */
#include "kernel/vcpu_handoff.h"
#include "kernel/vm.h"
#include "kernel/sched.h"

/* Only for a vCPU off the CPU: the one running sees its own interrupts at
 * its next entry, and a mark left on it would hand the CPU straight back to
 * it from the sibling that runs next. */
void vcpu_handoff_note_event(struct vm *vm, unsigned idx)
{
    if (idx < VM_MAX_VCPUS && vm->vcpu_on_cpu != idx + 1)
        vm->vcpu_event[idx] = true;
}

void vcpu_handoff_ran(struct vm *vm, unsigned idx)
{
    if (idx < VM_MAX_VCPUS) {
        vm->vcpu_event[idx] = false;
        vm->vcpu_on_cpu = idx + 1;
    }
}

void vcpu_handoff_off_cpu(struct vm *vm)
{
    vm->vcpu_on_cpu = 0;
}

static bool sibling_can_run(const struct vm *vm, unsigned self, unsigned i)
{
    return i != self && vm->vcpu[i] && vm->vcpu_state[i] == VCPU_RUNNABLE;
}

/* Kept as index + 1, so a VM's zeroed record means "none". */
static bool record(struct vm *vm, int to)
{
    vm->vcpu_handoff = (unsigned)(to + 1);
    return to >= 0;
}

bool vcpu_handoff_due(struct vm *vm, unsigned self)
{
    unsigned n = vm->nvcpus < VM_MAX_VCPUS ? vm->nvcpus : VM_MAX_VCPUS;
    if (n < 2)
        return false;
    /* From the next index on, so that with several waiting none is passed
     * over for good. */
    for (unsigned k = 1; k < n; k++) {
        unsigned i = (self + k) % n;
        if (vm->vcpu_event[i] && sibling_can_run(vm, self, i)) {
            vm->stats.handoffs_event++;
            return record(vm, (int)i);
        }
    }
    return false;
}

bool vcpu_handoff_spin(struct vm *vm, unsigned self)
{
    unsigned n = vm->nvcpus < VM_MAX_VCPUS ? vm->nvcpus : VM_MAX_VCPUS;
    int best = -1;
    for (unsigned i = 0; i < n; i++) {
        if (!sibling_can_run(vm, self, i))
            continue;
        if (vm->vcpu_event[i]) {
            best = (int)i;
            break;
        }
        if (best < 0 || vm->vcpu_runtime[i] < vm->vcpu_runtime[best])
            best = (int)i;
    }
    if (best >= 0)
        vm->stats.handoffs_spin++;
    return record(vm, best);
}

int vcpu_handoff_take(struct vm *vm)
{
    int to = (int)vm->vcpu_handoff - 1;
    vm->vcpu_handoff = 0;
    return to;
}

uint64_t vcpu_handoff_slice(uint64_t slice, uint64_t used, uint64_t full)
{
    uint64_t rest = used < slice ? slice - used : 0;
    if (rest < full / SCHED_HANDOFF_MIN_DIV)
        return 0;
    return rest < full / SCHED_HANDOFF_MAX_DIV ? rest : full / SCHED_HANDOFF_MAX_DIV;
}
