/* Reclaiming a VM's memory in the image: see vm_reclaim.h. */
#include "kernel/vm_reclaim.h"
#include "kernel/vm.h"
#include "kernel/host_config.h"
#include "kernel/prealloc.h"
#include "kernel/swap_store_dev.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"
#include "include/hv/platform.h"
#include "lib/format.h"
#include "lib/kstring.h"

#define RATE_WINDOW_NS 2000000000ULL   /* swap rates: pages per second over 2 s */

static uint64_t lost_total;   /* faults whose page could not be read back, all VMs */

uint64_t vm_reclaim_lost_total(void)
{
    return lost_total;
}

enum victim_policy vm_reclaim_policy(void)
{
    return (enum victim_policy)g_host_config.victim_policy;
}

static uint64_t bytes_to_pages(size_t b) { return (b + PAGE_SIZE - 1) >> PAGE_SHIFT; }

uint64_t vm_reclaim_overhead_pages(uint64_t memsize_pages)
{
    return bytes_to_pages(sizeof(struct ccache)) + bytes_to_pages(victim_storage_bytes(memsize_pages));
}

static struct ccache_ops cc_pages = { ccache_page_alloc, ccache_page_free, NULL, NULL };

bool vm_reclaim_init(struct vm *vm, char *why, size_t whylen)
{
    struct vm_reclaim *rc = &vm->mem.rc;
    struct guest_mem *gm = &vm->mem.ram;
    memset(rc, 0, sizeof *rc);
    rc->pinned = vm->cfg.prealloc_pinned;
    uint64_t npages = gm->pm.npages;
    struct ccache_config cfg;
    ccache_config_default(&cfg, physmap_ram_pages(&gm->pm)); /* its cap: a share of RAM */
    cfg.cap_percent = (uint32_t)g_host_config.ccache_pct;
    if (g_host_config.ccache_pct) {
        rc->cc = kzalloc(sizeof *rc->cc);
        if (!rc->cc) {
            ksnprintf(why, whylen, "no memory for the compression cache structure");
            return false;
        }
    }
    victim_init(&rc->victim, vm_reclaim_policy());
    size_t vb = victim_storage_bytes(npages);
    rc->victim_storage = vb ? kmalloc(vb) : NULL;
    if (!rc->victim_storage || !victim_attach(&rc->victim, rc->victim_storage, vb, npages)) {
        ksnprintf(why, whylen, "no memory for victim selection (%llu KiB)",
                  (unsigned long long)(vb >> 10));
        vm_reclaim_destroy(vm);
        return false;
    }
    swapper_init(&rc->sw, &gm->pm, gm->owner, rc->cc, &cfg, &cc_pages, swap_store_dev_ops());
    gm->swapper = &rc->sw;
    rc->age_ns = rc->rate_ns = plat_time_ns();
    rc->ready = true;
    return true;
}

void vm_reclaim_destroy(struct vm *vm)
{
    struct vm_reclaim *rc = &vm->mem.rc;
    /* First what the swapper holds (swap slots, cache entries: found
     * through the physmap, which must still exist), detached so that
     * guest_mem_destroy does not do it twice; then the storage that is
     * ours. */
    if (vm->mem.ram.swapper == &rc->sw)
        swapper_destroy(&rc->sw);
    vm->mem.ram.swapper = NULL;
    kfree(rc->cc);
    rc->cc = NULL;
    kfree(rc->victim_storage);
    rc->victim_storage = NULL;
    rc->ready = false;
}

static mpn_t prealloc_page(void *ctx)
{
    return page_alloc_zeroed((uint16_t)(uintptr_t)ctx);
}

static void prealloc_free(void *ctx, mpn_t m)
{
    (void)ctx;
    page_free(m);
}

bool vm_reclaim_prealloc(struct vm *vm, char *why, size_t whylen)
{
    enum prealloc_mode mode = prealloc_mode_from_config(vm->cfg.prealloc, vm->cfg.prealloc_main,
                                                        vm->cfg.prealloc_pinned);
    if (mode == PREALLOC_NONE)
        return true;
    struct physmap *pm = &vm->mem.ram.pm;
    uint64_t entries = prealloc_pool_entries(pm->npages);
    mpn_t *pool = kcalloc(entries, sizeof *pool);
    if (!pool) {
        ksnprintf(why, whylen, "no memory for the preallocation pool");
        return false;
    }
    struct prealloc pa;
    prealloc_init(&pa, mode, pm->npages, pool, entries);
    struct prealloc_ops ops = { prealloc_page, prealloc_free,
                                (void *)(uintptr_t)vm->mem.ram.owner };
    uint64_t before = physmap_consumed(pm);
    bool ok = prealloc_monitor_started(&pa, pm, &ops);
    prealloc_drain(&pa, &ops);   /* no reservation changes at run time: nothing to keep */
    kfree(pool);
    if (!ok) {
        ksnprintf(why, whylen, "%s: %llu pages could not all be had now",
                  prealloc_mode_name(mode), (unsigned long long)(pm->npages - before));
        return false;
    }
    vm->mem.rc.prealloc_pages = physmap_consumed(pm) - before;
    return true;
}

/* The chosen pages in guest order: each batch's disk pages get consecutive
 * slots in guest order, which is what swap-in's read-ahead follows (victim
 * selection orders by rank and breaks ties at random). Insertion sort: a
 * release is a few hundred pages at most. */
static void sort_batch(ppn_t *b, uint64_t n)
{
    for (uint64_t i = 1; i < n; i++) {
        ppn_t x = b[i];
        uint64_t j = i;
        for (; j > 0 && b[j - 1] > x; j--)
            b[j] = b[j - 1];
        b[j] = x;
    }
}

/* Chosen pages no store took are still MAPPED: victim selection counts
 * them as used now, so the next batch takes others. */
static void note_kept(struct vm_reclaim *rc, struct physmap *pm, const ppn_t *batch, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        struct pm_entry e;
        if (physmap_lookup(pm, batch[i], &e) == PM_OK && e.state == PM_MAPPED)
            victim_note_kept(&rc->victim, pm, batch[i]);
    }
}

/* Most pages one release chooses: one victim selection (a pass over the
 * whole VM) per release, not per batch. Requests are a swap cap, 2 x vCPUs
 * x 48 pages: 384 at 4 vCPUs. */
#define RELEASE_MAX 512
static ppn_t chosen[RELEASE_MAX];   /* one release at a time (the VM memory lock) */

uint64_t vm_reclaim_release(struct vm *vm, uint64_t n)
{
    struct vm_reclaim *rc = &vm->mem.rc;
    if (!rc->ready || rc->pinned || !n)
        return 0;
    struct physmap *pm = &vm->mem.ram.pm;
    rc->releases++;
    uint64_t got = victim_select(&rc->victim, pm, chosen, MIN(n, (uint64_t)RELEASE_MAX));
    sort_batch(chosen, got);
    uint64_t freed = 0;
    for (uint64_t i = 0; i < got; i += SWAPPER_BATCH_MAX) {
        uint32_t k = (uint32_t)MIN(got - i, (uint64_t)SWAPPER_BATCH_MAX);
        uint32_t f = swapper_page_out(&rc->sw, chosen + i, k);
        if (f < k)
            note_kept(rc, pm, chosen + i, k);
        freed += f;
    }
    rc->released += freed;
    return freed;
}

static void update_rates(struct vm_reclaim *rc, uint64_t now)
{
    uint64_t dt = now - rc->rate_ns;
    if (dt < RATE_WINDOW_NS)
        return;
    struct swapper_stats st;
    swapper_get_stats(&rc->sw, &st);
    uint64_t out = st.out_zero + st.out_compressed + st.out_swapped;
    uint64_t in = st.in_zero + st.in_compressed + st.in_swapped;
    rc->out_per_s = (uint32_t)((out - rc->rate_out) * 1000000000ULL / dt);
    rc->in_per_s = (uint32_t)((in - rc->rate_in) * 1000000000ULL / dt);
    rc->rate_out = out;
    rc->rate_in = in;
    rc->rate_ns = now;
}

/* Pages an aging part scans at least: about 2 ms of Bochs, microseconds on
 * hardware. */
#define AGE_STEP_MIN 4096u

void vm_reclaim_age(struct vm *vm, uint64_t now_ns)
{
    struct vm_reclaim *rc = &vm->mem.rc;
    if (!rc->ready)
        return;
    update_rates(rc, now_ns);
    if (!rc->aging) {
        if (now_ns - rc->age_ns < g_host_config.age_period_ms * 1000000ULL)
            return;
        rc->age_ns = now_ns;
        rc->aging = true;
    }
    /* In parts, one per scheduler pass (each pass runs at most a slice of
     * guest time): a 32nd of the VM, at least AGE_STEP_MIN pages, so a
     * pass ends within 32 slices however large the VM. */
    uint64_t npages = vm->mem.ram.pm.npages;
    uint64_t budget = npages / 32 > AGE_STEP_MIN ? npages / 32 : AGE_STEP_MIN;
    if (victim_age_scan_step(&rc->victim, &vm->mem.ram.pm, budget))
        rc->aging = false;
}

int vm_reclaim_page_kind(struct vm *vm, uint64_t gpa)
{
    struct pm_entry e;
    struct guest_mem *gm = &vm->mem.ram;
    if (!gm->pm_storage || !guest_mem_is_ram(gm, gpa) ||
        physmap_lookup(&gm->pm, gpa >> PAGE_SHIFT, &e) != PM_OK)
        return VM_RECLAIM_BACKED;
    switch (e.state) {
    case PM_ZERO: return VM_RECLAIM_IN_ZERO;
    case PM_COMPRESSED: return VM_RECLAIM_IN_ZIP;
    case PM_SWAPPED: return VM_RECLAIM_IN_SWAP;
    case PM_MAPPED: return VM_RECLAIM_BACKED;
    default: return VM_RECLAIM_NEW;
    }
}

enum gm_fault vm_reclaim_fault(struct vm *vm, uint64_t gpa, bool *allocated)
{
    struct guest_mem *gm = &vm->mem.ram;
    uint64_t before = gm->first_touches + gm->page_ins;
    enum gm_fault r = guest_mem_fault(gm, gpa);
    bool took = gm->first_touches + gm->page_ins != before;
    if (r == GM_FAULT_LOST)
        lost_total++;
    if (r == GM_FAULT_OK && took && vm->mem.rc.ready)
        victim_note_map(&vm->mem.rc.victim, &gm->pm, gpa >> PAGE_SHIFT);
    if (allocated)
        *allocated = took;
    return r;
}

void vm_reclaim_note_blocked(struct vm *vm, uint64_t now_ns)
{
    struct vm_reclaim *rc = &vm->mem.rc;
    if (!rc->blocked_since_ns) {
        rc->blocked_since_ns = now_ns ? now_ns : 1;
        rc->blocks++;
    }
}

void vm_reclaim_note_unblocked(struct vm *vm, uint64_t now_ns)
{
    struct vm_reclaim *rc = &vm->mem.rc;
    if (rc->blocked_since_ns) {
        rc->blocked_ns += now_ns - rc->blocked_since_ns;
        rc->blocked_since_ns = 0;
    }
}

uint64_t vm_reclaim_blocked_ns(const struct vm *vm, uint64_t now_ns)
{
    const struct vm_reclaim *rc = &vm->mem.rc;
    return rc->blocked_ns + (rc->blocked_since_ns ? now_ns - rc->blocked_since_ns : 0);
}
