/* The glue between real VMs and the memory policy core. See vm_mem.h. */
#include "kernel/vm_mem.h"
#include "kernel/vm.h"
#include "kernel/vm_internal.h"
#include "kernel/host_config.h"
#include "kernel/log.h"
#include "kernel/admission.h"
#include "kernel/vm_reclaim.h"
#include "kernel/swap_store_dev.h"
#include "mm/page_alloc.h"
#include "mm/heap.h"
#include "include/hv/console.h"
#include "include/hv/platform.h"
#include "lib/format.h"

static struct memsched ms;
static struct admission adm;
static bool ready;
static enum mem_state shown_state;
/* The VMs attached, in attach order: vm_mem keeps its own list rather than
 * walking kernel/vm.c's slots, so the two files do not call each other
 * (vm.c calls in here; this file only reads struct vm). */
static struct vm *attached[VM_MAX];

static uint64_t free_pages(void *ctx)
{
    (void)ctx;
    return page_free_count();
}

/* Pages that can hold guest data outside guest memory: the swap device's
 * slots, and what the compression caches can hold (each VM's cache is
 * mem.ccachePct of its memsize; a page is kept there only if it compresses
 * to half, so the caches' machine pages hold at least twice as many guest
 * pages: counted as machine pages once more). */
static uint64_t backing_beyond_memory(void)
{
    uint64_t cc = page_free_count() * g_host_config.ccache_pct / 100;
    return swap_store_dev_slots() + cc;
}

void vm_mem_init(void)
{
    struct memsched_config cfg;
    memsched_default_config(&cfg);
    cfg.minfree_pct = (uint32_t)g_host_config.minfree_pct;
    cfg.balance_period_ns = g_host_config.balance_period_s * 1000000000ULL;
    struct mpn_db_stats st;
    mpn_db_get_stats(&st);
    memsched_init(&ms, &cfg, st.db_pages[MEM_USABLE], free_pages, NULL);
    /* What VMs can be promised: the pages free now (the kernel has what it
     * needs), less MinFree; what they may have to give back must fit in
     * swap, the compression caches or memory nobody reserved. */
    admission_init(&adm, page_free_count(), ms.minfree_pages, backing_beyond_memory());
    admission_set_machine_backs(&adm, true);
    shown_state = ms.state;
    ready = true;
    LOG_INFO("memsched: %llu pages, MinFree %llu pages (%s), balance every %llu s",
             (unsigned long long)ms.total_pages, (unsigned long long)ms.minfree_pages,
             cfg.minfree_pct ? "mem.minFreePct" : "sliding scale",
             (unsigned long long)g_host_config.balance_period_s);
}

static uint64_t mb_to_pages(uint64_t mb) { return mb << (20 - PAGE_SHIFT); }
static uint64_t pages_to_mb(uint64_t p) { return p >> (20 - PAGE_SHIFT); }

/* Pages a VM costs beyond its RAM: physmap (8 bytes a page) and EPT tables
 * (about as much again), the sampler, VMCS, FPU area and heap slack. Per
 * guest-physical page up to the top of RAM, which for a VM of more than
 * 3 GiB includes the PCI hole's 1 GiB (mm/guest_mem.h). */
static uint64_t overhead_pages(uint64_t memsize_pages)
{
    return memsize_pages / 256 + 16 + vm_reclaim_overhead_pages(memsize_pages);
}

static bool is_prealloc(const struct vm *vm)
{
    return vm->cfg.prealloc || vm->cfg.prealloc_main || vm->cfg.prealloc_pinned;
}

/* The reservation: sched.mem.min, or all of memsize for a preallocated VM
 * (it takes every page before its first instruction and keeps them). */
static uint64_t reservation_pages(const struct vm *vm)
{
    uint64_t pages = mb_to_pages(vm->cfg.memsize_mb);
    uint64_t min = mb_to_pages(vm->cfg.mem_min_mb);
    return is_prealloc(vm) ? pages : MIN(min, pages);
}

static struct admission_req admission_req_of(const struct vm *vm)
{
    return (struct admission_req){ vm->name, mb_to_pages(vm->cfg.memsize_mb), vm->mem.admit_min,
                                   vm->mem.admit_overhead };
}

bool vm_mem_admit(struct vm *vm, char *why, size_t whylen)
{
    vm->mem.admit_overhead =
        overhead_pages(guest_ram_top(vm->cfg.memsize_mb << 20) >> PAGE_SHIFT);
    vm->mem.admit_min = reservation_pages(vm);
    struct admission_req r = admission_req_of(vm);
    char msg[200];
    enum admit_result res = admission_admit(&adm, &r, msg, sizeof msg);
    if (res == ADMIT_OK) {
        vm->mem.admitted = true;
        return true;
    }
    /* In MiB, naming the limit: the reservation against memory, or what the
     * VM may have to give back against swap, caches and free memory. */
    if (res == ADMIT_NO_MEMORY)
        ksnprintf(why, whylen,
                  "reservation %llu MiB%s + %llu MiB overhead does not fit in the %llu MiB "
                  "unreserved (MinFree %llu MiB kept)",
                  (unsigned long long)pages_to_mb(r.min),
                  is_prealloc(vm) ? " (prealloc: all of memsize)" : "",
                  (unsigned long long)(pages_to_mb(r.overhead) + 1),
                  (unsigned long long)pages_to_mb(admission_unreserved(&adm)),
                  (unsigned long long)pages_to_mb(adm.minfree_pages));
    else if (res == ADMIT_NO_SWAP)
        ksnprintf(why, whylen,
                  "memsize %llu MiB - reservation %llu MiB cannot be backed: %llu MiB left in "
                  "swap (%s), compression caches and unreserved memory",
                  (unsigned long long)vm->cfg.memsize_mb, (unsigned long long)pages_to_mb(r.min),
                  (unsigned long long)pages_to_mb(admission_swap_free(&adm)),
                  swap_store_dev_slots() ? "device" : "no device");
    else
        ksnprintf(why, whylen, "%s", msg);
    return false;
}

bool vm_mem_attach(struct vm *vm, char *why, size_t whylen)
{
    struct memsched_vm *m = &vm->mem.msv;
    *m = (struct memsched_vm){ 0 };
    m->memsize = mb_to_pages(vm->cfg.memsize_mb);
    m->min = vm->mem.admit_min;
    m->max = mb_to_pages(vm->cfg.mem_max_mb ? vm->cfg.mem_max_mb : vm->cfg.memsize_mb);
    m->shares = vm->cfg.mem_shares;
    m->vcpus = (uint32_t)vm->cfg.numvcpus;
    m->prealloc = is_prealloc(vm);
    m->active_q16 = Q16_ONE; /* until sampled: fully active, the safe side */

    struct sampler_config sc;
    sampler_default_config(&sc);
    sc.period_ns = g_host_config.sample_period_s * 1000000000ULL;
    sc.mode = plat_gpa_has_accessed_bits() ? SAMPLER_ACCESSED_BIT : SAMPLER_INVALIDATE;
    sc.hole_first = GUEST_PCI_HOLE_START >> PAGE_SHIFT;
    sc.hole_pages = guest_pci_hole_pages(vm->mem.ram.ram_bytes);
    size_t bytes = sampler_storage_bytes(sc.sample_pages);
    vm->mem.smp_storage = kmalloc(bytes);
    if (!vm->mem.smp_storage || !sampler_init(&vm->mem.smp, &sc, vm->mem.ram.gpa, vm->mem.ram.pm.npages,
                                          vm->mem.smp_storage, bytes, plat_time_ns())) {
        ksnprintf(why, whylen, "no memory for the working-set sampler");
        return false;
    }
    if (!memsched_add_vm(&ms, m)) {
        ksnprintf(why, whylen, "memsched tracks %d VMs at most", MEMSCHED_MAX_VMS);
        return false;
    }
    for (unsigned i = 0; i < VM_MAX; i++) {
        if (!attached[i]) {
            attached[i] = vm;
            break;
        }
    }
    vm->mem.attached = true;
    vm->mem.ram.sampler = &vm->mem.smp; /* the fault path tells it of touches */
    return true;
}

void vm_mem_detach(struct vm *vm)
{
    if (vm->mem.admitted) {
        struct admission_req r = admission_req_of(vm);
        admission_release(&adm, &r);
        vm->mem.admitted = false;
    }
    vm->mem.ram.sampler = NULL;
    if (vm->mem.attached)
        memsched_remove_vm(&ms, &vm->mem.msv);
    for (unsigned i = 0; i < VM_MAX; i++)
        if (attached[i] == vm)
            attached[i] = NULL;
    vm->mem.attached = false;
    kfree(vm->mem.smp_storage);
    vm->mem.smp_storage = NULL;
}

/* The VM's active estimate is its victim selection's aging scans. */
static bool victim_view(const struct vm *vm)
{
    enum victim_policy p = vm->mem.rc.victim.policy;
    return vm->mem.rc.ready &&
           (p == VICTIM_RECENT || p == VICTIM_AGING || p == VICTIM_REUSE);
}

/* memsched's swap target becomes the VM's release request (its balloon
 * target goes to the balloon, vm_balloon_update; a VM without a balloon
 * driver, or whose balloon stalled, is asked for swap instead), both
 * following the VM's consumption between balance cycles
 * (memsched_release_now). */
static void post_request(struct vm *vm)
{
    struct memsched_vm *m = &vm->mem.msv;
    if (vm->mem.rc.pinned) {
        vm->mem.release_request = 0;
        return;
    }
    vm->mem.release_request = memsched_release_now(&ms, m);
    vm->mem.release_gen++;
}

void vm_mem_note_alloc(struct vm *vm)
{
    /* The common case, on every first touch: nothing to reissue (high or
     * soft state, no limit below memsize). */
    if (!ready || !vm->mem.attached ||
        (ms.state < MEM_HARD && vm->mem.msv.max >= vm->mem.msv.memsize))
        return;
    vm->mem.msv.consumed = guest_mem_pages(&vm->mem.ram);
    if (ms.state >= MEM_HARD || memsched_over_limit(&vm->mem.msv))
        post_request(vm);
}

bool vm_mem_should_block(struct vm *vm)
{
    if (!ready || !vm->mem.attached)
        return false;
    /* Low is below 16% of MinFree: with MinFree free, no VM blocks. */
    if (page_free_count() >= ms.minfree_pages)
        return false;
    struct memsched_vm *m = &vm->mem.msv;
    m->consumed = guest_mem_pages(&vm->mem.ram);
    /* The state as of now (memsched_poll makes it official at the next
     * tick): a blocked VM must see free memory rise as others release. */
    enum mem_state now = memsched_state_for(&ms, ms.state, page_free_count());
    return now == MEM_LOW && !m->prealloc && m->consumed > m->target;
}

uint64_t vm_mem_swap_cap(struct vm *vm)
{
    return ready ? memsched_swap_cap(&ms, &vm->mem.msv) : 0;
}

enum mem_state vm_mem_state(void)
{
    return ms.state;
}

uint64_t vm_mem_minfree(void)
{
    return ms.minfree_pages;
}

uint64_t vm_mem_host_pages(void)
{
    return ms.host_pages;
}

/* Free-memory state changes: the first of a spell is logged at once; under
 * steady pressure the state moves between neighbours many times a second as
 * releases overshoot, so later changes within STATE_LOG_NS are counted and
 * summed up in one line when the window is over. */
#define STATE_LOG_NS 10000000000ULL
static uint64_t state_logged_ns, state_changes;

static void report_state(uint64_t now)
{
    if (ms.state != shown_state) {
        if (!state_logged_ns || now - state_logged_ns >= STATE_LOG_NS) {
            LOG_INFO("memsched: free memory state %s -> %s (%llu pages free)",
                     mem_state_name(shown_state), mem_state_name(ms.state),
                     (unsigned long long)page_free_count());
            state_logged_ns = now;
            state_changes = 0;
        } else {
            state_changes++;
        }
        shown_state = ms.state;
    }
    if (state_changes && now - state_logged_ns >= STATE_LOG_NS) {
        LOG_INFO("memsched: free memory state %s after %llu more changes in %llu s "
                 "(%llu pages free)",
                 mem_state_name(ms.state), (unsigned long long)state_changes,
                 (unsigned long long)((now - state_logged_ns) / 1000000000ULL),
                 (unsigned long long)page_free_count());
        state_logged_ns = now;
        state_changes = 0;
    }
}

/* A request reaches a VM at its poll points, which a VM none of whose
 * vCPUs can run does not pass. At most every RELEASE_WAKE_NS:
 * - one that sleeps (HLT waiting for a timer far off, blocked from
 *   allocating) is woken to pass one (vmm/vcpu_run.c polls before it goes
 *   back to sleep), so an idle VM gives its pages back at once instead of
 *   at its next timer;
 * - when every vCPU halted for good (HLT with interrupts off, as a guest
 *   that panicked leaves them), the vmkernel carries the request out
 *   itself: none of them can run, so the monitor holds nothing of the
 *   guest, and this loop is the only thing running. */
#define RELEASE_WAKE_NS 100000000ULL

static void answer_for_idle_vm(struct vm *vm, uint64_t now)
{
    if (!vm->mem.release_request || now - vm->mem.release_wake_ns < RELEASE_WAKE_NS)
        return;
    bool all_halted = true;
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        if (vm->vcpu_state[i] == VCPU_RUNNABLE)
            return;                     /* it polls soon anyway */
        all_halted = all_halted && vm->vcpu_state[i] == VCPU_HALTED;
    }
    vm->mem.release_wake_ns = now;
    if (all_halted && vm->nvcpus) {
        vm_reclaim_release(vm, vm->mem.release_request);
        vm->mem.release_answers++;
        return;
    }
    for (unsigned i = 0; i < vm->nvcpus; i++)
        if (vm->vcpu_state[i] == VCPU_SLEEPING) {
            vm_vcpu_wake(vm, i);
            return;
        }
}

/* VMTrack (kernel/vmtrack.h): VMs that keep running with a request
 * unanswered for mem.vmtrackTimeout end when free memory is below MinFree,
 * with the reason; their memory goes back to the others. Ended after the
 * look at every VM: the reap detaches them. */
static void vmtrack_enforce(uint64_t now)
{
    struct vm *gone[VM_MAX];
    unsigned n = 0;
    uint64_t free_now = page_free_count();
    bool pressure = free_now < ms.minfree_pages;
    uint64_t timeout = g_host_config.vmtrack_timeout_s * 1000000000ULL;
    for (unsigned i = 0; i < VM_MAX; i++) {
        struct vm *vm = attached[i];
        if (vm && vm_is_live(vm) &&
            vmtrack_look(&vm->mem.track, pressure, vm->mem.release_request,
                         vm->mem.release_answers, vm->stats.cpu_tsc, now,
                         timeout) == VMTRACK_UNRESPONSIVE)
            gone[n++] = vm;
    }
    for (unsigned i = 0; i < n; i++) {
        struct vm *vm = gone[i];
        vm_fail(vm, "VMTrack: no answer to a release request of %llu pages for %llu s while it "
                    "ran, with %llu pages free, below MinFree (%llu) (mem.vmtrackTimeout)",
                (unsigned long long)vm->mem.release_request,
                (unsigned long long)(vmtrack_waited_ns(&vm->mem.track, now) / 1000000000ULL),
                (unsigned long long)free_now, (unsigned long long)ms.minfree_pages);
        vm_reap(vm);
    }
}

void vm_mem_tick(void)
{
    if (!ready)
        return;
    uint64_t now = plat_time_ns();
    bool ad = plat_gpa_has_accessed_bits();
    for (unsigned i = 0; i < VM_MAX; i++) {
        struct vm *vm = attached[i];
        if (!vm || !vm_is_live(vm))
            continue;
        vm_reclaim_age(vm, now);
        /* With accessed bits, a policy that scans them sees every page:
         * its view is the estimate (the sampler would clear the same
         * bits). Policies that read the bits only to choose (CLOCK, CAR,
         * CLOCK-Pro, random) keep ESX's sampler beside them. */
        if (ad && victim_view(vm)) {
            vm->mem.msv.active_q16 = victim_active_q16(&vm->mem.rc.victim, &vm->mem.ram.pm);
        } else {
            sampler_tick(&vm->mem.smp, now);
            vm->mem.msv.active_q16 = sampler_estimate(&vm->mem.smp);
        }
        vm->mem.msv.consumed = guest_mem_pages(&vm->mem.ram);
    }
    memsched_poll(&ms, now);
    /* The balloon follows memsched's balloon targets; giving memory back
     * only when there is no pressure at all. */
    bool plenty = ms.state == MEM_HIGH && page_free_count() >= ms.minfree_pages;
    for (unsigned i = 0; i < VM_MAX; i++) {
        struct vm *vm = attached[i];
        if (vm && vm_is_live(vm))
            vm_balloon_update(&vm->mem.balloon, &vm->mem.msv,
                              physmap_count(&vm->mem.ram.pm, PM_BALLOONED), plenty, now);
    }
    for (unsigned i = 0; i < VM_MAX; i++) {
        struct vm *vm = attached[i];
        if (vm && vm_is_live(vm)) {
            post_request(vm);
            answer_for_idle_vm(vm, now);
        }
    }
    vmtrack_enforce(now);
    report_state(now);
}

static unsigned pct(uint32_t q16)
{
    return (unsigned)(((uint64_t)q16 * 100 + Q16_ONE / 2) / Q16_ONE);
}

void vm_mem_report(void)
{
    if (!ready) {
        console_printf("memsched: not running\n");
        return;
    }
    console_printf("memsched: state %s, %llu pages free, MinFree %llu, %llu balance cycles\n",
                   mem_state_name(ms.state), (unsigned long long)page_free_count(),
                   (unsigned long long)ms.minfree_pages, (unsigned long long)ms.balances);
    console_printf("states entered since boot: high %llu, soft %llu, hard %llu, low %llu\n",
                   (unsigned long long)ms.entered[MEM_HIGH], (unsigned long long)ms.entered[MEM_SOFT],
                   (unsigned long long)ms.entered[MEM_HARD], (unsigned long long)ms.entered[MEM_LOW]);
    console_printf("%-3s %-16s %9s %9s %9s %7s %8s %8s %8s\n", "ID", "NAME", "MEMSIZE", "CONSUMED",
                   "TARGET", "ACTIVE", "BALLOON", "SWAP", "PERIODS");
    for (unsigned i = 0; i < VM_MAX; i++) {
        struct vm *vm = attached[i];
        if (!vm || !vm_is_live(vm))
            continue;
        const struct memsched_vm *m = &vm->mem.msv;
        console_printf("%-3u %-16s %9llu %9llu %9llu %6u%% %8llu %8llu %8llu\n", vm->id, vm->name,
                       (unsigned long long)m->memsize, (unsigned long long)m->consumed,
                       (unsigned long long)m->target, pct(m->active_q16),
                       (unsigned long long)m->balloon_target, (unsigned long long)m->swap_target,
                       (unsigned long long)(plat_gpa_has_accessed_bits() && victim_view(vm)
                                                ? vm->mem.rc.victim.scans
                                                : vm->mem.smp.periods));
    }
    /* RECENT's early eviction, where it has engaged: a loop larger than
     * what the VM holds (mm/victim_early.c) */
    for (unsigned i = 0; i < VM_MAX; i++) {
        struct vm *vm = attached[i];
        if (!vm || !vm_is_live(vm) || !vm->mem.rc.ready || !vm->mem.rc.victim.early_periods)
            continue;
        const struct victim *v = &vm->mem.rc.victim;
        console_printf("vm %s: early eviction (a loop larger than memory) in %llu of %llu aging "
                       "periods, %s now\n", vm->name, (unsigned long long)v->early_periods,
                       (unsigned long long)v->scans, v->early_to ? "on" : "off");
    }
    enum victim_policy p = vm_reclaim_policy();
    bool scans = plat_gpa_has_accessed_bits() &&
                 (p == VICTIM_RECENT || p == VICTIM_AGING || p == VICTIM_REUSE);
    console_printf("(pages; ACTIVE and PERIODS from %s (mem.victimPolicy %s); SWAP is the "
                   "release request now; `memstats` shows what was reclaimed)\n",
                   scans ? "aging scans of the accessed bits" : "the sampler",
                   victim_policy_name(p));
}
