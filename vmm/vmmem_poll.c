/* The monitor's side of memory release: see vmmem_poll.h. */
#include "vmm/vmmem_poll.h"
#include "vmm/vcpu.h"
#include "kernel/vm.h"
#include "kernel/vm_mem.h"
#include "kernel/vm_reclaim.h"
#include "kernel/host_config.h"
#include "kernel/log.h"
#include "mm/heap.h"
#include "include/hv/platform.h"
#include "lib/panic.h"
#include "lib/format.h"
#include "arch/x86_64/cpu.h"

/* A vCPU blocked from allocating (low state, above target) sleeps this long
 * between attempts, releasing its own pages at each; others run meanwhile. */
#define BLOCK_SLEEP_NS 5000000ULL
/* A vCPU that has been blocked this long while nothing could be released
 * anywhere is out of memory for good: its VM stops rather than hang. */
#define BLOCK_GIVE_UP_NS 30000000000ULL

static void track_log(void *ctx, uint32_t vcpu, uint64_t allocated, uint32_t bound)
{
    struct vm *vm = ctx;
    /* Once per VM (vmmem.c), on the VM's own budget: a storm of these
     * cannot drown the console. */
    VM_WARN(vm, "vm %s: VMTrack: vCPU %u allocated %llu pages while releases were denied "
                "(bound %u, mem.vcpuAllocBound); counted, the VM goes on",
            vm->name, vcpu, (unsigned long long)allocated, bound);
}

static void rank_fail(void *ctx, uint32_t vcpu, const char *lock, bool taking)
{
    struct vm *vm = ctx;
    vm->mem.rc.rank_violations++;
#ifdef HV_DEBUG
    hv_panic("vm %s vCPU %u: lock %s of rank >= the release rank %s while releases are allowed",
             vm->name, vcpu, lock, taking ? "taken" : "let go");
#else
    VM_WARN(vm, "vm %s vCPU %u: lock %s of rank >= the release rank %s while releases are "
                "allowed (a monitor bug; counted)",
            vm->name, vcpu, lock, taking ? "taken" : "let go");
#endif
}

bool vmmem_vm_init(struct vm *vm, char *why, size_t whylen)
{
    struct vmmem_vm *w = kzalloc(sizeof *w);
    if (!w) {
        ksnprintf(why, whylen, "no memory for the VM's release checks");
        return false;
    }
    vmmem_init(&w->m, (uint32_t)vm->cfg.numvcpus, (uint32_t)g_host_config.vcpu_alloc_bound,
               track_log, vm);
    w->m.rank_fail = rank_fail;
    w->mem_lock = (struct vmmem_lock){ "vm-memory", VMMEM_RELEASE_RANK, false };
    w->vm = vm;
    vm->mem.vmmem = w;
    return true;
}

/* Releases up to n pages on vCPU `id` under the memory lock: deny (no
 * release inside a release), lock, release, unlock, allow. */
static uint64_t release_locked(struct vmmem_vm *w, uint32_t id, uint64_t n)
{
    uint64_t t0 = rdtsc();
    vmmem_deny_releases(&w->m, id);
    vmmem_lock_acquire(&w->m, id, &w->mem_lock);
    uint64_t freed = vm_reclaim_release(w->vm, n);
    vmmem_lock_release(&w->m, id, &w->mem_lock);
    vmmem_allow_releases(&w->m, id);
    w->vm->mem.rc.out_tsc += rdtsc() - t0;
    return freed;
}

/* The fault-injection deny (`vmm deny NAME SECONDS`), held by vCPU 0. */
static void injected_deny(struct vmmem_vm *w, uint64_t now)
{
    bool want = now < w->vm->mem.deny_until_ns;
    if (!want)
        w->vm->mem.deny_until_ns = 0;   /* over: the clock is no longer read */
    if (want == w->injected_deny)
        return;
    if (want)
        vmmem_deny_releases(&w->m, 0);
    else
        vmmem_allow_releases(&w->m, 0);
    w->injected_deny = want;
}

void vmmem_poll_point(struct vcpu *v)
{
    struct vm *vm = v->vm;
    struct vmmem_vm *w = vm->mem.vmmem;
    if (!w)
        return;
    if (w->seen_gen != vm->mem.release_gen) {
        w->seen_gen = vm->mem.release_gen;
        vmmem_request_release(&w->m, vm->mem.release_request);
    }
    /* The clock is read only while `vmm deny` is in play: this runs before
     * every VM entry. */
    if (v->id == 0 && (vm->mem.deny_until_ns || w->injected_deny))
        injected_deny(w, plat_time_ns());
    uint64_t n = vmmem_check_for_release_requests(&w->m, v->id);
    if (!n)
        return;
    uint64_t freed = release_locked(w, v->id, n);
    vmmem_release_done(&w->m, v->id, n, freed);
    vm->mem.release_answers++;      /* VMTrack's sign of life, freed or not */
    /* Fewer than asked: nothing more to give now (all resident pages are
     * pinned or no store takes them). Drop the rest rather than retry at
     * every entry; memsched posts again at its next tick. */
    if (freed < n)
        vmmem_request_release(&w->m, 0);
}

/* Low state and above target: release our own pages first (this is a poll
 * point), then, if still above, sleep and try again. */
static bool blocked(struct vcpu *v, struct vmmem_vm *w)
{
    struct vm *vm = v->vm;
    if (!vm_mem_should_block(vm))
        return false;
    if (!vmmem_releases_denied(&w->m, v->id)) {
        release_locked(w, v->id, vm_mem_swap_cap(vm));
        vm->mem.release_answers++;  /* a release point reached: VMTrack's sign of life */
    }
    return vm_mem_should_block(vm);
}

static enum exit_action sleep_blocked(struct vcpu *v, struct vmmem_vm *w, uint64_t now)
{
    struct vm *vm = v->vm;
    vm_reclaim_note_blocked(vm, now);
    w->block_sleeps++;
    vm->vcpu_wake_ns[v->id] = now + BLOCK_SLEEP_NS;
    return EXIT_SLEEP;
}

enum exit_action vmmem_ram_fault(struct vcpu *v, uint64_t gpa)
{
    struct vm *vm = v->vm;
    struct vmmem_vm *w = vm->mem.vmmem;
    int kind = vm_reclaim_page_kind(vm, gpa);
    bool allocates = kind != VM_RECLAIM_BACKED;
    if (w && allocates && blocked(v, w))
        return sleep_blocked(v, w, plat_time_ns());
    /* The seed's idiom: the page is allocated under a deny (it must not be
     * released before it is mapped); allocations while denied count
     * against the vCPU's bound. */
    bool took = false;
    enum gm_fault r;
    uint64_t t0 = rdtsc();
    if (w) {
        vmmem_deny_releases(&w->m, v->id);
        vmmem_lock_acquire(&w->m, v->id, &w->mem_lock);
    }
    r = vm_reclaim_fault(vm, gpa, &took);
    if (w) {
        vmmem_lock_release(&w->m, v->id, &w->mem_lock);
        if (took && !vmmem_note_alloc(&w->m, v->id, 1))
            vm->mem.rc.vmtrack_events = w->m.vmtrack_events;   /* windows that crossed */
        vmmem_allow_releases(&w->m, v->id);
    }
    if (r == GM_FAULT_OK && kind >= 0) {
        vm->mem.rc.in_tsc[kind] += rdtsc() - t0;
        vm->mem.rc.in_faults[kind]++;
    }
    switch (r) {
    case GM_FAULT_OK:
        if (vm->mem.rc.blocked_since_ns)
            vm_reclaim_note_unblocked(vm, plat_time_ns());
        if (took)
            vm_mem_note_alloc(vm);
        return EXIT_CONTINUE;
    case GM_FAULT_LOST:
        if (w)
            w->lost_faults++;
        vm_fail(vm, "guest-physical 0x%llx could not be read back from swap: its data is "
                    "lost (%s)",
                (unsigned long long)gpa, "swap read error or corrupt compressed page");
        return EXIT_STOP;
    case GM_FAULT_FAIL:
    default:
        break;
    }
    /* No machine page now. Others release at their poll points (memsched
     * asks them): wait for them while the wait can end, give up after a
     * long spell with nothing released. */
    uint64_t now = plat_time_ns();
    if (w && allocates) {
        uint64_t since = vm->mem.rc.blocked_since_ns;
        if (!since || now - since < BLOCK_GIVE_UP_NS) {
            if (!vmmem_releases_denied(&w->m, v->id))
                release_locked(w, v->id, vm_mem_swap_cap(vm));
            return sleep_blocked(v, w, now);
        }
    }
    vm_fail(vm, "out of machine memory backing guest-physical 0x%llx (nothing could be "
                "reclaimed for %llu s)",
            (unsigned long long)gpa, (unsigned long long)(BLOCK_GIVE_UP_NS / 1000000000ULL));
    return EXIT_STOP;
}
