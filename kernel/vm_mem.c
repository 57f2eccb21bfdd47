/* The glue between real VMs and the memory policy core. See vm_mem.h. */
#include "kernel/vm_mem.h"
#include "kernel/vm.h"
#include "kernel/host_config.h"
#include "kernel/log.h"
#include "kernel/admission.h"
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
     * needs), less MinFree. No swap device yet. */
    admission_init(&adm, page_free_count(), ms.minfree_pages, 0);
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
 * (about as much again), the sampler, VMCS, FPU area and heap slack. */
static uint64_t overhead_pages(uint64_t memsize_pages)
{
    return memsize_pages / 256 + 16;
}

static struct admission_req admission_req_of(const struct vm *vm)
{
    uint64_t pages = mb_to_pages(vm->cfg.memsize_mb);
    /* Nothing can be reclaimed yet: the whole memsize is reserved. */
    return (struct admission_req){ vm->name, pages, pages, vm->mem.admit_overhead };
}

bool vm_mem_admit(struct vm *vm, char *why, size_t whylen)
{
    vm->mem.admit_overhead = overhead_pages(mb_to_pages(vm->cfg.memsize_mb));
    struct admission_req r = admission_req_of(vm);
    if (admission_admit(&adm, &r, NULL, 0) == ADMIT_OK) {
        vm->mem.admitted = true;
        return true;
    }
    ksnprintf(why, whylen,
              "memsize %llu MiB + %llu MiB overhead does not fit in the %llu MiB free for VMs "
              "(less MinFree %llu MiB); no swap yet",
              (unsigned long long)vm->cfg.memsize_mb,
              (unsigned long long)(pages_to_mb(r.overhead) + 1),
              (unsigned long long)pages_to_mb(admission_unreserved(&adm)),
              (unsigned long long)pages_to_mb(adm.minfree_pages));
    return false;
}

bool vm_mem_attach(struct vm *vm, char *why, size_t whylen)
{
    struct memsched_vm *m = &vm->mem.msv;
    *m = (struct memsched_vm){ 0 };
    m->memsize = mb_to_pages(vm->cfg.memsize_mb);
    m->min = mb_to_pages(vm->cfg.mem_min_mb);
    m->max = mb_to_pages(vm->cfg.mem_max_mb ? vm->cfg.mem_max_mb : vm->cfg.memsize_mb);
    m->shares = vm->cfg.mem_shares;
    m->vcpus = (uint32_t)vm->cfg.numvcpus;
    m->prealloc = vm->cfg.prealloc || vm->cfg.prealloc_main || vm->cfg.prealloc_pinned;
    m->active_q16 = Q16_ONE; /* until sampled: fully active, the safe side */

    struct sampler_config sc;
    sampler_default_config(&sc);
    sc.period_ns = g_host_config.sample_period_s * 1000000000ULL;
    sc.mode = plat_gpa_has_accessed_bits() ? SAMPLER_ACCESSED_BIT : SAMPLER_INVALIDATE;
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

void vm_mem_tick(void)
{
    if (!ready)
        return;
    uint64_t now = plat_time_ns();
    for (unsigned i = 0; i < VM_MAX; i++) {
        struct vm *vm = attached[i];
        if (!vm || !vm_is_live(vm))
            continue;
        sampler_tick(&vm->mem.smp, now);
        vm->mem.msv.active_q16 = sampler_estimate(&vm->mem.smp);
        vm->mem.msv.consumed = guest_mem_pages(&vm->mem.ram);
    }
    memsched_poll(&ms, now);
    if (ms.state != shown_state) {
        LOG_INFO("memsched: free memory state %s -> %s (%llu pages free)",
                 mem_state_name(shown_state), mem_state_name(ms.state),
                 (unsigned long long)page_free_count());
        shown_state = ms.state;
    }
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
    console_printf("%-3s %-16s %9s %9s %9s %7s %8s %8s %8s\n", "ID", "NAME", "MEMSIZE", "CONSUMED",
                   "TARGET", "ACTIVE", "BALLOON", "SWAP", "SAMPLES");
    for (unsigned i = 0; i < VM_MAX; i++) {
        struct vm *vm = attached[i];
        if (!vm || !vm_is_live(vm))
            continue;
        const struct memsched_vm *m = &vm->mem.msv;
        console_printf("%-3u %-16s %9llu %9llu %9llu %6u%% %8llu %8llu %8llu\n", vm->id, vm->name,
                       (unsigned long long)m->memsize, (unsigned long long)m->consumed,
                       (unsigned long long)m->target, pct(m->active_q16),
                       (unsigned long long)m->balloon_target, (unsigned long long)m->swap_target,
                       (unsigned long long)vm->mem.smp.periods);
    }
    console_printf("(pages; targets are computed, not yet enforced: no reclamation is wired)\n");
}
