/* The simulator's engine for the non-OPT policies: each VM is a physmap,
 * a sampler, a victim selector and a memsched_vm; the "monitor" below plays
 * the parts the image's vmm/ plays (fault path, release requests). */
#include <stdlib.h>
#include <string.h>
#include "tests/sim/sim.h"
#include "tests/fake/platform_fake.h"
#include "tests/fake/fake_gpa.h"
#include "mm/physmap.h"
#include "mm/sampler.h"
#include "mm/victim.h"
#include "mm/page_alloc.h"
#include "kernel/memsched.h"
#include "kernel/admission.h"
#include "kernel/prealloc.h"

#define BALLOON_BATCH 256          /* pages a balloon driver inflates per release point */
#define NIL UINT32_MAX

static const char *const policy_names[POL_COUNT] = { "ours", "opt", "lru", "clock", "random",
                                                      "car", "clockpro", "reuse" };

const char *sim_policy_name(enum sim_policy p)
{
    return (unsigned)p < POL_COUNT ? policy_names[p] : "?";
}

bool sim_policy_parse(const char *s, enum sim_policy *out)
{
    for (unsigned i = 0; i < POL_COUNT; i++)
        if (strcmp(s, policy_names[i]) == 0) {
            *out = (enum sim_policy)i;
            return true;
        }
    return false;
}

void sim_default_cfg(struct sim_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->policy = POL_OURS;
    /* one access = 2 ms of VM time: a 30 s sampling period is 15000 accesses,
     * a 15 s balance period 7500; an aging period of 2000 accesses (4 s)
     * makes the 8-period accessed-bit history about one sampling period */
    cfg->tick_ns = 2 * 1000 * 1000;
    cfg->age_period_ticks = 2000;
    cfg->service_ticks = 100;
    cfg->sample_pages = 100;
    cfg->seed = 1;
    cfg->csv_every = 1000;
    sim_content_default(&cfg->fill);
    sim_costs_default(&cfg->cost);
    cfg->readahead = 1;
}

uint64_t sim_minfree_pages(const struct sim_cfg *cfg)
{
    struct memsched ms;
    struct memsched_config mc;
    memsched_default_config(&mc);
    mc.minfree_pct = cfg->minfree_pct;
    memsched_init(&ms, &mc, cfg->machine_pages, NULL, NULL);
    return ms.minfree_pages;
}

/* Exact LRU (simulator only: needs every access): a list per VM. */
struct lru {
    uint32_t *prev, *next;
    uint32_t head, tail;           /* head = most recent */
    uint8_t *on;
};

struct svm {
    struct sim_vm_cfg cfg;
    uint16_t owner;
    struct physmap pm;
    uint64_t *pm_store;
    struct plat_vm *gpa;
    struct sampler smp;
    void *smp_store;
    struct victim vic;
    void *vic_store;
    struct memsched_vm ms;
    struct prealloc pa;
    mpn_t *pool;
    struct lru lru;
    uint64_t next_slot;              /* swap slots, given only to disk pages */
    uint64_t next_handle;            /* compression cache handles */
    struct sim_vm_stats st;
};

struct sim {
    const struct sim_cfg *cfg;
    struct svm vm[SIM_MAX_VMS];
    unsigned n;
    struct memsched ms;
    struct sim_result *r;
    ppn_t *victims;
    uint64_t victims_cap;
    uint64_t tick;
};

/* ---- LRU list ----------------------------------------------------------- */

static void lru_init(struct lru *l, uint64_t pages)
{
    l->prev = malloc(pages * sizeof *l->prev);
    l->next = malloc(pages * sizeof *l->next);
    l->on = calloc(pages, 1);
    l->head = l->tail = NIL;
}

static void lru_free(struct lru *l)
{
    free(l->prev);
    free(l->next);
    free(l->on);
}

static void lru_remove(struct lru *l, uint32_t p)
{
    if (!l->on || !l->on[p])
        return;
    if (l->prev[p] != NIL) l->next[l->prev[p]] = l->next[p]; else l->head = l->next[p];
    if (l->next[p] != NIL) l->prev[l->next[p]] = l->prev[p]; else l->tail = l->prev[p];
    l->on[p] = 0;
}

static void lru_touch(struct lru *l, uint32_t p)
{
    if (!l->on)
        return;
    lru_remove(l, p);
    l->prev[p] = NIL;
    l->next[p] = l->head;
    if (l->head != NIL)
        l->prev[l->head] = p;
    l->head = p;
    if (l->tail == NIL)
        l->tail = p;
    l->on[p] = 1;
}

/* ---- helpers ------------------------------------------------------------- */

static uint64_t free_pages_cb(void *ctx) { (void)ctx; return page_free_count(); }

static mpn_t pa_alloc(void *ctx) { return page_alloc((uint16_t)(uintptr_t)ctx); }
static void pa_free(void *ctx, mpn_t m) { (void)ctx; page_free(m); }

/* The working-set estimate memsched taxes: ours reads the accessed-bit view
 * kept by victim selection (active pages plus idle pages predicted back) and
 * tells memsched which idle pages were used once; the baselines use ESX's
 * sampler. */
static void refresh(struct sim *s, struct svm *v)
{
    v->ms.consumed = physmap_consumed(&v->pm);
    if (s->cfg->policy == POL_OURS) {
        v->ms.active_q16 = victim_active_q16(&v->vic, &v->pm);
    } else if (s->cfg->policy == POL_REUSE) {
        v->ms.active_q16 = victim_demand_q16(&v->vic, &v->pm);
        v->ms.once_pages = victim_once_pages(&v->vic);
    } else {
        v->ms.active_q16 = sampler_estimate(&v->smp);
    }
}

/* As in the image (kernel/vm_mem.c): a policy whose aging scans read every
 * accessed bit has its estimate from them, and ESX's sampler does not run
 * beside it (its zaps would clear the same bits the scans read); the
 * others keep the sampler. */
static bool uses_sampler(enum sim_policy p)
{
    return p != POL_OURS && p != POL_REUSE;
}

/* Chooses up to n victims of v by the run's policy. */
static uint64_t choose(struct sim *s, struct svm *v, uint64_t n)
{
    if (n > s->victims_cap)
        n = s->victims_cap;
    if (s->cfg->policy == POL_LRU) {
        uint64_t k = 0;
        for (uint32_t p = v->lru.tail; p != NIL && k < n; p = v->lru.prev[p]) {
            struct pm_entry e;
            physmap_lookup(&v->pm, p, &e);
            if (e.state == PM_MAPPED && !e.pinned)
                s->victims[k++] = p;
        }
        return k;
    }
    return victim_select(&v->vic, &v->pm, s->victims, n);
}

/* Releases up to n pages of v: to swap, or to the balloon. */
static uint64_t release(struct sim *s, struct svm *v, uint64_t n, bool balloon)
{
    uint64_t k = choose(s, v, n);
    for (uint64_t i = 0; i < k; i++) {
        ppn_t p = s->victims[i];
        enum pm_err e;
        mpn_t m = INVALID_MPN;
        if (balloon) {
            struct pm_entry old;
            e = physmap_balloon(&v->pm, p, &old);
            m = old.payload;
            if (e == PM_OK)
                v->st.balloon++;
        } else {
            /* The first store that takes it, as the image's swapper does. */
            enum sim_store st = sim_store_of(&s->cfg->fill, (unsigned)(v - s->vm), (uint32_t)p);
            enum pm_state to = st == SIM_STORE_ZERO ? PM_ZERO :
                               st == SIM_STORE_ZIP ? PM_COMPRESSED : PM_SWAPPED;
            uint64_t payload = st == SIM_STORE_ZERO ? 0 :
                               st == SIM_STORE_ZIP ? ++v->next_handle : ++v->next_slot;
            e = physmap_release(&v->pm, p, to, payload, &m);
            if (e == PM_OK) {
                v->st.swapouts++;
                v->st.swapouts_by[st]++;
            } else if (st == SIM_STORE_DISK) {
                v->next_slot--;
            }
        }
        if (e != PM_OK) {
            s->r->bad_state++;
            continue;
        }
        if (s->cfg->events)
            fprintf(s->cfg->events, "R %llu %u %u %c\n", (unsigned long long)s->tick,
                    (unsigned)(v - s->vm), (unsigned)p, balloon ? 'b' : 's');
        page_free(m);
        lru_remove(&v->lru, (uint32_t)p);
    }
    v->ms.consumed = physmap_consumed(&v->pm);
    return k;
}

/* A release point of v: act on memsched's requests. */
static void service(struct sim *s, struct svm *v)
{
    if (v->ms.balloon_target) {
        uint64_t done = release(s, v, MIN(v->ms.balloon_target, BALLOON_BATCH), true);
        v->ms.balloon_target -= MIN(done, v->ms.balloon_target);
    }
    if (v->ms.swap_target) {
        uint64_t done = release(s, v, v->ms.swap_target, false);
        v->ms.swap_target -= MIN(done, v->ms.swap_target);
    }
}

static void poll(struct sim *s, uint64_t now)
{
    for (unsigned i = 0; i < s->n; i++)
        refresh(s, &s->vm[i]);
    if (memsched_poll(&s->ms, now) && s->cfg->events)
        for (unsigned i = 0; i < s->n; i++) {
            struct svm *v = &s->vm[i];
            fprintf(s->cfg->events, "T %llu %u %llu %llu %llu %llu %s\n",
                    (unsigned long long)s->tick, i, (unsigned long long)v->ms.consumed,
                    (unsigned long long)v->ms.target,
                    (unsigned long long)memsched_active_pages(&v->ms),
                    (unsigned long long)v->ms.once_pages, mem_state_name(s->ms.state));
        }
}

/* No free page at all: the allocating VM waits while the swapper takes a page
 * from the VM furthest above its target (itself if none is). */
static bool emergency(struct sim *s, struct svm *self)
{
    struct svm *best = NULL;
    uint64_t best_over = 0;
    for (unsigned i = 0; i < s->n; i++) {
        struct svm *v = &s->vm[i];
        uint64_t c = physmap_consumed(&v->pm);
        uint64_t over = c > v->ms.target ? c - v->ms.target : 0;
        if (over > best_over && c > v->pm.pinned) {
            best = v;
            best_over = over;
        }
    }
    if (!best && physmap_consumed(&self->pm) > self->pm.pinned)
        best = self;
    for (unsigned i = 0; !best && i < s->n; i++)
        if (physmap_consumed(&s->vm[i].pm) > s->vm[i].pm.pinned)
            best = &s->vm[i];
    if (!best)
        return false;
    self->st.blocked_ticks++;
    return release(s, best, 1, false) == 1;
}

static void csv_row(struct sim *s, uint64_t tick)
{
    FILE *f = s->cfg->csv;
    uint64_t free = page_free_count();
    for (unsigned i = 0; i < s->n; i++) {
        struct svm *v = &s->vm[i];
        fprintf(f, "%llu,%u,%s,%llu,%llu,%.1f,%llu,%llu,%llu,%s\n",
                (unsigned long long)tick, i, v->cfg.name,
                (unsigned long long)physmap_consumed(&v->pm),
                (unsigned long long)v->ms.target,
                v->ms.active_q16 * 100.0 / 65536.0,
                (unsigned long long)(physmap_count(&v->pm, PM_SWAPPED) +
                                     physmap_count(&v->pm, PM_ZERO) +
                                     physmap_count(&v->pm, PM_COMPRESSED)),
                (unsigned long long)physmap_count(&v->pm, PM_BALLOONED),
                (unsigned long long)free, mem_state_name(s->ms.state));
    }
}

/* Maps page p of v, brought in by a read-ahead: resident, but not touched
 * (the image maps it without setting its accessed bit). */
static bool map_readahead(struct svm *v, uint32_t p)
{
    mpn_t m = page_alloc(v->owner);
    if (m == INVALID_MPN)
        return false;
    struct pm_entry old;
    if (physmap_map(&v->pm, p, m, &old) != PM_OK) {
        page_free(m);
        return false;
    }
    fake_gpa_map(v->gpa, p);
    (void)plat_gpa_test_clear_accessed(v->gpa, p);
    victim_note_map(&v->vic, &v->pm, p);
    lru_touch(&v->lru, p);
    v->st.readahead++;
    return true;
}

/* The image's read-ahead (mm/swapper_in.c): the pages on swap around the
 * faulting one, within 4 x --readahead guest pages, whose slots follow on
 * from its own in the same order (written in one cluster; pages that went
 * to other stores between them are passed over), forward first, then
 * backward, up to --readahead pages in all, while free pages last. Returns
 * the pages of the read. */
static uint32_t readahead(struct sim *s, struct svm *v, uint32_t p, uint64_t slot)
{
    uint32_t n = 1, max = s->cfg->readahead ? s->cfg->readahead : 1;
    uint32_t span = 4 * max;
    ppn_t at = p, q;
    for (uint64_t f = 1; n < max && physmap_next_swapped(&v->pm, p, at, 1, slot + f, span, &q);
         f++, n++) {
        if (!map_readahead(v, (uint32_t)q))
            return n;
        at = q;
    }
    at = p;
    for (uint64_t b = 1;
         n < max && b <= slot && physmap_next_swapped(&v->pm, p, at, -1, slot - b, span, &q);
         b++, n++) {
        if (!map_readahead(v, (uint32_t)q))
            return n;
        at = q;
    }
    return n;
}

/* What the fault on page p, which was in `old`, cost: by the store it
 * comes back from. */
static void fault_cost(struct sim *s, struct svm *v, uint32_t p, const struct pm_entry *old)
{
    enum sim_store st = old->state == PM_COMPRESSED ? SIM_STORE_ZIP :
                        old->state == PM_SWAPPED ? SIM_STORE_DISK : SIM_STORE_ZERO;
    uint32_t pages = 1;
    if (st == SIM_STORE_DISK) {
        v->st.disk_reads++;
        pages = readahead(s, v, p, old->payload);
    }
    v->st.faults_by[st]++;
    v->st.cost_ns[st] += sim_fault_cost_ns(&s->cfg->cost, st, pages);
}

/* One guest access. */
static int access_page(struct sim *s, struct svm *v, uint32_t p, uint64_t now)
{
    if (fake_gpa_touch(v->gpa, p)) {
        lru_touch(&v->lru, p);
        return 0;
    }
    struct pm_entry e;
    physmap_lookup(&v->pm, p, &e);
    if (e.state == PM_MAPPED) {
        /* the sampler zapped it: a minor fault, not a reclaimed page */
        sampler_note_touch(&v->smp, p);
        fake_gpa_map(v->gpa, p);
        lru_touch(&v->lru, p);
        return 0;
    }
    /* An allocation site, hence a release point. */
    poll(s, now);
    /* "reissue swap target on allocation in hard/low states", and whenever
     * the VM is above its limit, so sched.mem.max holds between cycles */
    if (s->ms.state >= MEM_HARD || memsched_over_limit(&v->ms))
        memsched_reissue(&s->ms, &v->ms);
    if (memsched_should_block(&s->ms, &v->ms)) {
        /* low state, above target: blocked until its excess is swapped */
        uint64_t excess = v->ms.consumed - v->ms.target;
        v->st.blocked_ticks += release(s, v, excess + 1, false);
    }
    mpn_t m = prealloc_take(&v->pa);
    if (m == INVALID_MPN)
        m = page_alloc(v->owner);
    while (m == INVALID_MPN) {
        if (!emergency(s, v)) {
            snprintf(s->r->error, sizeof s->r->error, "no page can be reclaimed for %s",
                     v->cfg.name);
            return -1;
        }
        m = page_alloc(v->owner);
    }
    struct pm_entry old;
    if (physmap_map(&v->pm, p, m, &old) != PM_OK) {
        s->r->bad_state++;
        page_free(m);
        return 0;
    }
    fake_gpa_map(v->gpa, p);
    victim_note_map(&v->vic, &v->pm, p);
    sampler_note_touch(&v->smp, p);
    lru_touch(&v->lru, p);
    if (old.state == PM_UNTOUCHED)
        v->st.first_touch++;
    else {
        v->st.faults++;
        fault_cost(s, v, p, &old);
        if (s->cfg->events)
            fprintf(s->cfg->events, "F %llu %u %u\n", (unsigned long long)s->tick,
                    (unsigned)(v - s->vm), (unsigned)p);
    }
    v->ms.consumed = physmap_consumed(&v->pm);
    service(s, v);
    return 0;
}

static bool setup_vm(struct sim *s, unsigned i, struct admission *adm)
{
    const struct sim_cfg *cfg = s->cfg;
    struct svm *v = &s->vm[i];
    v->cfg = cfg->vm[i];
    v->owner = (uint16_t)(OWNER_VM_BASE + i);
    struct admission_req req = { v->cfg.name, v->cfg.pages, v->cfg.min, 0 };
    if (admission_admit(adm, &req, s->r->error, sizeof s->r->error) != ADMIT_OK)
        return false;
    v->gpa = fake_gpa_create(v->cfg.pages);
    v->pm_store = malloc(physmap_storage_bytes(v->cfg.pages));
    physmap_init(&v->pm, v->gpa, v->pm_store, physmap_storage_bytes(v->cfg.pages), v->cfg.pages);
    struct sampler_config sc;
    sampler_default_config(&sc);
    sc.sample_pages = cfg->sample_pages;
    v->smp_store = malloc(sampler_storage_bytes(sc.sample_pages));
    sampler_init(&v->smp, &sc, v->gpa, v->cfg.pages, v->smp_store,
                 sampler_storage_bytes(sc.sample_pages), 0);
    enum victim_policy vp = cfg->policy == POL_RANDOM ? VICTIM_RANDOM :
                            cfg->policy == POL_CLOCK ? VICTIM_CLOCK :
                            cfg->policy == POL_CAR ? VICTIM_CAR :
                            cfg->policy == POL_CLOCKPRO ? VICTIM_CLOCKPRO :
                            cfg->policy == POL_REUSE ? VICTIM_REUSE :
                            cfg->policy == POL_OURS ? VICTIM_RECENT : VICTIM_AGING;
    victim_init(&v->vic, vp);
    if (vp == VICTIM_REUSE || vp == VICTIM_CAR || vp == VICTIM_CLOCKPRO || vp == VICTIM_RECENT) {
        v->vic_store = malloc(victim_storage_bytes(v->cfg.pages));
        victim_attach(&v->vic, v->vic_store, victim_storage_bytes(v->cfg.pages), v->cfg.pages);
    }
    if (cfg->policy == POL_LRU)
        lru_init(&v->lru, v->cfg.pages);
    v->ms.memsize = v->cfg.pages;
    v->ms.min = v->cfg.min;
    v->ms.max = v->cfg.max;
    v->ms.shares = v->cfg.shares;
    v->ms.vcpus = v->cfg.vcpus ? v->cfg.vcpus : 1;
    v->ms.prealloc = v->cfg.prealloc;
    v->ms.has_balloon = v->cfg.balloon;
    memsched_add_vm(&s->ms, &v->ms);
    v->pool = malloc(prealloc_pool_entries(v->cfg.pages) * sizeof(mpn_t));
    prealloc_init(&v->pa, v->cfg.prealloc ? PREALLOC_MAINMEM : PREALLOC_NONE, v->cfg.min,
                  v->pool, prealloc_pool_entries(v->cfg.pages));
    struct prealloc_ops ops = { pa_alloc, pa_free, (void *)(uintptr_t)v->owner };
    if (!prealloc_monitor_started(&v->pa, &v->pm, &ops)) {
        snprintf(s->r->error, sizeof s->r->error,
                 "VM '%s': preallocation of %llu pages failed", v->cfg.name,
                 (unsigned long long)v->cfg.min);
        return false;
    }
    for (ppn_t p = 0; p < v->cfg.pages; p++) {
        struct pm_entry e;
        physmap_lookup(&v->pm, p, &e);
        if (e.state == PM_MAPPED) {
            fake_gpa_map(v->gpa, p);
            lru_touch(&v->lru, (uint32_t)p);
        }
    }
    return true;
}

static void teardown(struct sim *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        struct svm *v = &s->vm[i];
        fake_gpa_destroy(v->gpa);
        free(v->pm_store);
        free(v->smp_store);
        free(v->vic_store);
        free(v->pool);
        lru_free(&v->lru);
    }
    free(s->victims);
    fake_plat_arena_free();
}

/* A machine whose allocator has exactly `pages` free pages after its own
 * MPN database is carved out. */
static void machine_init(uint64_t pages)
{
    uint64_t n = pages;
    for (int i = 0; i < 4; i++) {
        fake_plat_arena_init(n);
        page_alloc_init_flat(n);
        uint64_t f = page_free_count();
        if (f == pages)
            return;
        n += pages - f;
    }
}

int sim_run(const struct sim_cfg *cfg, const struct trace *t, struct sim_result *r)
{
    static struct sim s;
    memset(&s, 0, sizeof s);
    memset(r, 0, sizeof *r);
    s.cfg = cfg;
    s.r = r;
    s.n = cfg->nvms;
    fake_plat_seed_random(cfg->seed);
    fake_plat_set_time_ns(0);
    machine_init(cfg->machine_pages);

    struct memsched_config mc;
    memsched_default_config(&mc);
    mc.minfree_pct = cfg->minfree_pct;
    memsched_init(&s.ms, &mc, cfg->machine_pages, free_pages_cb, NULL);
    r->minfree_pages = s.ms.minfree_pages;
    struct admission adm;
    uint64_t swap = 0;
    for (unsigned i = 0; i < cfg->nvms; i++)
        swap += cfg->vm[i].pages;
    admission_init(&adm, cfg->machine_pages, s.ms.minfree_pages, swap);

    s.victims_cap = 4096;
    s.victims = malloc(s.victims_cap * sizeof *s.victims);
    int rc = 0;
    for (unsigned i = 0; i < s.n && rc == 0; i++)
        if (!setup_vm(&s, i, &adm)) {
            s.n = i + (s.vm[i].gpa != NULL);
            rc = 2;
        }
    if (rc) {
        teardown(&s);
        return rc;
    }

    for (uint64_t i = 0; i < t->len && rc == 0; i++) {
        uint64_t now = (i + 1) * cfg->tick_ns;
        s.tick = i;
        fake_plat_set_time_ns(now);
        if (cfg->age_period_ticks && i % cfg->age_period_ticks == 0)
            for (unsigned k = 0; k < s.n; k++)
                victim_age_scan(&s.vm[k].vic, &s.vm[k].pm);
        if (uses_sampler(cfg->policy))
            for (unsigned k = 0; k < s.n; k++)
                sampler_tick(&s.vm[k].smp, now);
        rc = access_page(&s, &s.vm[t->vm[i]], t->ppn[i], now);
        if (cfg->service_ticks && i % cfg->service_ticks == 0) {
            poll(&s, now);
            for (unsigned k = 0; k < s.n; k++)
                service(&s, &s.vm[k]);
        }
        if (cfg->csv && cfg->csv_every && i % cfg->csv_every == 0)
            csv_row(&s, i);
    }
    poll(&s, (t->len + 1) * cfg->tick_ns);
    for (unsigned k = 0; k < s.n; k++) {
        struct svm *v = &s.vm[k];
        v->st.consumed = physmap_consumed(&v->pm);
        v->st.target = v->ms.target;
        v->st.swapped = physmap_count(&v->pm, PM_SWAPPED) + physmap_count(&v->pm, PM_ZERO) +
                        physmap_count(&v->pm, PM_COMPRESSED);
        v->st.ballooned = physmap_count(&v->pm, PM_BALLOONED);
        v->st.active_q16 = v->ms.active_q16;
        if (!physmap_check(&v->pm))
            r->bad_state++;
        r->vm[k] = v->st;
    }
    teardown(&s);
    return rc;
}
