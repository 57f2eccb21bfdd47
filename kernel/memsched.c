/* memsched: see memsched.h for the rules and the seed names they come from. */
#include "kernel/memsched.h"
#include "lib/kstring.h"

#define PAGES_PER_GIB (1ULL << (30 - PAGE_SHIFT))
#define PAGES_PER_MIB (1ULL << (20 - PAGE_SHIFT))

/* State floors as a percentage of MinFree (the seed's 64% / 32% / 16%). */
static const uint32_t floor_pct[MEM_STATE_COUNT] = {
    [MEM_HIGH] = 64, [MEM_SOFT] = 32, [MEM_HARD] = 16, [MEM_LOW] = 0,
};

const char *mem_state_name(enum mem_state s)
{
    static const char *const names[MEM_STATE_COUNT] = { "high", "soft", "hard", "low" };
    return (unsigned)s < MEM_STATE_COUNT ? names[s] : "?";
}

void memsched_default_config(struct memsched_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->minfree_pct = 0;
    cfg->idle_tax_pct = 75;
    cfg->hysteresis_pct = 8;
    cfg->balance_period_ns = 15ULL * 1000 * 1000 * 1000;
    cfg->alloc_allowance = 48;
    cfg->grow_min_pages = 256;
    cfg->grow_pct = 25;
}

uint64_t memsched_minfree_sliding(uint64_t total_pages)
{
    /* 6% of the first 4 GiB, 4% of the next 8, 2% of the next 16, 1% after. */
    static const struct { uint64_t gib; uint64_t pct; } bands[] = {
        { 4, 6 }, { 8, 4 }, { 16, 2 }, { 0, 1 },
    };
    uint64_t left = total_pages, sum = 0;   /* sum in pages x percent */
    for (size_t i = 0; i < ARRAY_SIZE(bands) && left; i++) {
        uint64_t band = bands[i].gib ? bands[i].gib * PAGES_PER_GIB : left;
        uint64_t take = MIN(left, band);
        sum += take * bands[i].pct;
        left -= take;
    }
    return sum / 100;
}

void memsched_init(struct memsched *ms, const struct memsched_config *cfg,
                   uint64_t total_pages, memsched_free_fn free_fn, void *ctx)
{
    memset(ms, 0, sizeof *ms);
    if (cfg)
        ms->cfg = *cfg;
    else
        memsched_default_config(&ms->cfg);
    if (ms->cfg.idle_tax_pct > 99)
        ms->cfg.idle_tax_pct = 99;
    ms->total_pages = total_pages;
    if (ms->cfg.minfree_pct)
        ms->minfree_pages = total_pages * MIN(ms->cfg.minfree_pct, 100u) / 100;
    else
        ms->minfree_pages = memsched_minfree_sliding(total_pages);
    ms->free_pages = free_fn;
    ms->free_ctx = ctx;
    ms->state = MEM_HIGH;
}

bool memsched_add_vm(struct memsched *ms, struct memsched_vm *vm)
{
    if (!vm || ms->nvms >= MEMSCHED_MAX_VMS)
        return false;
    for (unsigned i = 0; i < ms->nvms; i++)
        if (ms->vms[i] == vm)
            return false;
    ms->vms[ms->nvms++] = vm;
    return true;
}

bool memsched_remove_vm(struct memsched *ms, struct memsched_vm *vm)
{
    for (unsigned i = 0; i < ms->nvms; i++) {
        if (ms->vms[i] == vm) {
            ms->vms[i] = ms->vms[--ms->nvms];
            ms->vms[ms->nvms] = NULL;
            return true;
        }
    }
    return false;
}

uint64_t memsched_state_floor(const struct memsched *ms, enum mem_state s)
{
    if ((unsigned)s >= MEM_STATE_COUNT)
        return 0;
    return ms->minfree_pages * floor_pct[s] / 100;
}

enum mem_state memsched_state_for(const struct memsched *ms, enum mem_state cur,
                                  uint64_t free)
{
    enum mem_state raw = MEM_LOW;
    for (int s = MEM_HIGH; s < MEM_STATE_COUNT; s++) {
        if (free >= memsched_state_floor(ms, (enum mem_state)s)) {
            raw = (enum mem_state)s;
            break;
        }
    }
    if ((unsigned)cur >= MEM_STATE_COUNT || raw >= cur)
        return raw;     /* same or worse: at once */
    /* Better: climb only as far as free memory clears a floor by the margin. */
    uint64_t margin = ms->minfree_pages * ms->cfg.hysteresis_pct / 100;
    for (int s = MEM_HIGH; s < (int)cur; s++)
        if (free >= memsched_state_floor(ms, (enum mem_state)s) + margin)
            return (enum mem_state)s;
    return cur;
}

uint64_t memsched_swap_cap(const struct memsched *ms, const struct memsched_vm *vm)
{
    uint64_t vcpus = vm->vcpus ? vm->vcpus : 1;
    return 2 * vcpus * ms->cfg.alloc_allowance;
}

static uint64_t vm_limit(const struct memsched_vm *vm)
{
    uint64_t lim = vm->memsize;
    if (vm->max && vm->max < lim)
        lim = vm->max;
    return lim;
}

static uint64_t vm_shares(const struct memsched_vm *vm)
{
    if (vm->shares)
        return vm->shares;
    /* "normal": 10 per MiB of memsize, at least 1 */
    uint64_t s = vm->memsize * 10 / PAGES_PER_MIB;
    return s ? s : 1;
}

uint64_t memsched_active_pages(const struct memsched_vm *vm)
{
    uint64_t f = MIN(vm->active_q16, Q16_ONE);
    return (vm->memsize * f) >> 16;
}

/* Idle pages cost k = 1/(1 - tax) times an active page (ESX's idle memory
 * tax), in Q16. */
static uint64_t idle_cost_q16(const struct memsched *ms)
{
    return (uint64_t)100 * Q16_ONE / (100 - ms->cfg.idle_tax_pct);
}

/*
 * ESX reclaims from the VM with the lowest adjusted shares-per-page ratio
 *     rho = S / (a + k (p - a))        (a active pages of the p it holds)
 * so at balance every VM's rho is equal: a + k (p - a) = S * L for one level
 * L. Solved for p: p = S L while all its pages are active (S L <= a), else
 * p = a + (S L - a) / k. Then clamped to [reservation, demand].
 */
static uint64_t level_pages(uint64_t shares, uint64_t active, uint64_t k_q16,
                            uint64_t level, uint64_t lo, uint64_t hi)
{
    uint64_t p;
    if (level && shares > UINT64_MAX / level) {
        p = hi;
    } else {
        p = (shares * level) >> 16;
        if (p > active) {
            uint64_t extra = p - active;
            p = extra > (UINT64_MAX >> 17) ? hi : active + (extra << 16) / k_q16;
        }
    }
    return p < lo ? lo : (p > hi ? hi : p);
}

static void release_request(const struct memsched *ms, struct memsched_vm *vm)
{
    uint64_t owed = vm->consumed > vm->target ? vm->consumed - vm->target : 0;
    uint64_t lim = vm_limit(vm);
    uint64_t over_limit = vm->consumed > lim ? vm->consumed - lim : 0;
    uint64_t cap = memsched_swap_cap(ms, vm);
    vm->balloon_target = 0;
    vm->swap_target = 0;
    switch (ms->state) {
    case MEM_HIGH:
        /* the seed: "high (can balloon)": only once free memory is below
         * MinFree itself; above it only a limit (sched.mem.max) is enforced */
        if (ms->last_free >= ms->minfree_pages)
            owed = over_limit;
        if (!owed)
            break;
        if (vm->has_balloon && !vm->balloon_stalled)
            vm->balloon_target = owed;
        else if (over_limit)
            vm->swap_target = MIN(over_limit, cap);
        break;
    case MEM_SOFT:
        if (!owed)
            break;
        if (vm->has_balloon && !vm->balloon_stalled)
            vm->balloon_target = owed;
        else
            vm->swap_target = MIN(owed, cap);
        break;
    case MEM_HARD:
    case MEM_LOW:
    default:
        vm->swap_target = MIN(owed, cap);
        break;
    }
}

uint64_t memsched_release_now(const struct memsched *ms, struct memsched_vm *vm)
{
    release_request(ms, vm);
    uint64_t want = vm->swap_target;
    return want ? MAX(want, memsched_swap_cap(ms, vm)) : 0;
}

bool memsched_over_limit(const struct memsched_vm *vm)
{
    return vm->consumed > vm_limit(vm);
}

void memsched_reissue(const struct memsched *ms, struct memsched_vm *vm)
{
    release_request(ms, vm);
}

struct fill {
    unsigned n;
    uint64_t k;
    uint64_t sh[MEMSCHED_MAX_VMS], act[MEMSCHED_MAX_VMS];
};

/* Water-filling: targets in [lo, hi] at equal prices, adding up to exactly
 * `avail` (the caller checks sum(lo) <= avail <= sum(hi)). Finds the smallest
 * level L whose pages reach avail, takes L - 1, and hands the rounding
 * remainder out page by page. */
static void fill(struct memsched *ms, const struct fill *f, const uint64_t *lo,
                 const uint64_t *hi, uint64_t avail)
{
    uint64_t a = 0, b = 1ULL << 62;
    while (a < b) {
        uint64_t mid = a + (b - a) / 2, sum = 0;
        for (unsigned i = 0; i < f->n; i++)
            sum += level_pages(f->sh[i], f->act[i], f->k, mid, lo[i], hi[i]);
        if (sum >= avail)
            b = mid;
        else
            a = mid + 1;
    }
    uint64_t sum = 0;
    for (unsigned i = 0; i < f->n; i++) {
        uint64_t p = level_pages(f->sh[i], f->act[i], f->k, a ? a - 1 : 0, lo[i], hi[i]);
        ms->vms[i]->target = p;
        sum += p;
    }
    for (unsigned i = 0; i < f->n && sum < avail; i++) {
        uint64_t up = level_pages(f->sh[i], f->act[i], f->k, a, lo[i], hi[i]);
        uint64_t give = MIN(up - ms->vms[i]->target, avail - sum);
        ms->vms[i]->target += give;
        sum += give;
    }
}

static uint64_t headroom(const struct memsched *ms, uint64_t pages)
{
    return MAX(ms->cfg.grow_min_pages, pages * ms->cfg.grow_pct / 100);
}

/*
 * Three bounds per VM, all within [reservation, limit]:
 *   lo      the reservation
 *   demand  its active pages plus headroom: what it needs
 *   keep    what it holds plus headroom ("target increased as delta above
 *           consumed"): what it may keep while nobody else needs memory
 * Memory for VMs (all less MinFree) goes first to demands and then to keeps,
 * each stage split at equal prices (the idle tax) when it cannot all be met.
 */
void memsched_balance(struct memsched *ms, uint64_t now_ns)
{
    static struct fill f;     /* large for a kernel stack; memsched runs alone */
    uint64_t lo[MEMSCHED_MAX_VMS], demand[MEMSCHED_MAX_VMS], keep[MEMSCHED_MAX_VMS];
    /* What VMs can hold with MinFree free: every page but MinFree and the
     * host's own. Counting the host's pages as the VMs' put the point where
     * targets start to bind that many pages below MinFree. */
    uint64_t reserved = ms->minfree_pages + ms->host_pages;
    uint64_t avail = ms->total_pages > reserved ? ms->total_pages - reserved : 0;
    uint64_t sum_lo = 0, sum_demand = 0, sum_keep = 0;
    unsigned n = ms->nvms;

    f.n = n;
    f.k = idle_cost_q16(ms);
    for (unsigned i = 0; i < n; i++) {
        struct memsched_vm *vm = ms->vms[i];
        uint64_t lim = vm_limit(vm);
        f.sh[i] = MIN(vm_shares(vm), 1ULL << 40);
        f.act[i] = memsched_active_pages(vm);
        lo[i] = MIN(vm->min, lim);
        demand[i] = MAX(lo[i], MIN(lim, f.act[i] + headroom(ms, f.act[i])));
        /* pages the VM used once (a buffer filled and dropped) are no reason
         * to keep memory: what it keeps grows from the rest */
        uint64_t held = vm->consumed - MIN(vm->once_pages, vm->consumed);
        keep[i] = MAX(demand[i], MIN(lim, held + headroom(ms, held)));
        sum_lo += lo[i];
        sum_demand += demand[i];
        sum_keep += keep[i];
    }

    if (sum_lo >= avail) {
        /* Reservations alone fill memory (admission should prevent this). */
        for (unsigned i = 0; i < n; i++)
            ms->vms[i]->target = lo[i];
    } else if (sum_demand >= avail) {
        fill(ms, &f, lo, demand, avail);          /* contention: split demands */
    } else if (sum_keep > avail) {
        fill(ms, &f, demand, keep, avail);        /* demands met: split the rest */
    } else {
        for (unsigned i = 0; i < n; i++)          /* enough for everyone */
            ms->vms[i]->target = keep[i];
    }
    for (unsigned i = 0; i < n; i++)
        release_request(ms, ms->vms[i]);
    ms->last_balance_ns = now_ns;
    ms->balances++;
}

bool memsched_poll(struct memsched *ms, uint64_t now_ns)
{
    uint64_t free = ms->free_pages ? ms->free_pages(ms->free_ctx) : 0;
    ms->last_free = free;
    uint64_t held = free;
    for (unsigned i = 0; i < ms->nvms; i++)
        held += ms->vms[i]->consumed;
    ms->host_pages = ms->total_pages > held ? ms->total_pages - held : 0;
    enum mem_state next = memsched_state_for(ms, ms->state, free);
    bool changed = next != ms->state;
    if (changed)
        ms->entered[next]++;
    ms->state = next;
    if (changed || now_ns - ms->last_balance_ns >= ms->cfg.balance_period_ns ||
        ms->balances == 0) {
        memsched_balance(ms, now_ns);
        return true;
    }
    return false;
}

bool memsched_should_block(const struct memsched *ms, const struct memsched_vm *vm)
{
    return ms->state == MEM_LOW && !vm->prealloc && vm->consumed > vm->target;
}

bool memsched_parse_shares(const char *s, uint64_t memsize_pages, uint64_t *out)
{
    uint64_t per_mib;
    if (!s || !out)
        return false;
    if (str_casecmp(s, "low") == 0)
        per_mib = 5;
    else if (str_casecmp(s, "normal") == 0)
        per_mib = 10;
    else if (str_casecmp(s, "high") == 0)
        per_mib = 20;
    else {
        uint64_t v;
        if (!str_to_u64(s, &v) || v == 0)
            return false;
        *out = v;
        return true;
    }
    uint64_t v = memsize_pages * per_mib / PAGES_PER_MIB;
    *out = v ? v : 1;
    return true;
}
