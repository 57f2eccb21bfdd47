/* Victim selection: see victim.h. */
#include "mm/victim_reuse.h"
#include "lib/kstring.h"

const char *victim_policy_name(enum victim_policy p)
{
    switch (p) {
    case VICTIM_RANDOM: return "random";
    case VICTIM_CLOCK: return "clock";
    case VICTIM_AGING: return "aging";
    case VICTIM_REUSE: return "reuse";
    case VICTIM_CAR: return "car";
    case VICTIM_CLOCKPRO: return "clockpro";
    case VICTIM_RECENT: return "recent";
    }
    return "?";
}

void victim_init(struct victim *v, enum victim_policy policy)
{
    /* Every counter, history and storage pointer starts empty. */
    *v = (struct victim){ .policy = policy };
}

size_t victim_storage_bytes(uint64_t npages)
{
    if (npages > (SIZE_MAX - 5 * VICTIM_BUCKETS * sizeof(uint32_t)) / sizeof(struct victim_page))
        return 0;
    size_t reuse = (size_t)npages * sizeof(struct victim_page) + VICTIM_BUCKETS * sizeof(uint32_t);
    size_t recent = (size_t)npages * sizeof(uint32_t) + 5 * VICTIM_BUCKETS * sizeof(uint32_t);
    return MAX(reuse, recent);
}

bool victim_attach(struct victim *v, void *storage, size_t bytes, uint64_t npages)
{
    size_t need = victim_storage_bytes(npages);
    if (!storage || npages == 0 || need == 0 || bytes < need ||
        ((uintptr_t)storage & (sizeof(uint32_t) - 1)))
        return false;
    memset(storage, 0, need);
    v->npages = npages;
    if (v->policy == VICTIM_RECENT) {
        v->stamp = storage;
        v->hist = v->stamp + npages;
        v->reuse_at = v->hist + VICTIM_BUCKETS;
        v->reuse_cum = v->reuse_at + VICTIM_BUCKETS;
        v->idle_at = v->reuse_cum + VICTIM_BUCKETS;
        v->stack_at = v->idle_at + VICTIM_BUCKETS;
        return true;
    }
    if (v->policy == VICTIM_CAR || v->policy == VICTIM_CLOCKPRO) {
        v->link = storage;
        v->tag = (uint8_t *)(v->link + npages);
        if (v->policy == VICTIM_CAR)
            car_reset(v);
        else
            clockpro_reset(v);
        return true;
    }
    v->pg = storage;
    v->hist = (uint32_t *)((struct victim_page *)storage + npages);
    return true;
}

static bool lists_on(const struct victim *v, const struct physmap *pm)
{
    return v->link && v->npages >= pm->npages;
}

void victim_note_map(struct victim *v, struct physmap *pm, ppn_t ppn)
{
    if (!lists_on(v, pm) || ppn >= pm->npages)
        return;
    if (v->policy == VICTIM_CAR)
        car_note_map(v, pm, ppn);
    else if (v->policy == VICTIM_CLOCKPRO)
        clockpro_note_map(v, pm, ppn);
}

void victim_note_kept(struct victim *v, struct physmap *pm, ppn_t ppn)
{
    if (ppn >= pm->npages)
        return;
    switch (v->policy) {
    case VICTIM_RECENT:
        if (recent_on(v, pm))   /* touched now; still a page that came from beyond memory */
            v->stamp[ppn] = (uint32_t)(v->scans + 1) | (v->stamp[ppn] & RECENT_RETURNED);
        break;
    case VICTIM_AGING:
    case VICTIM_REUSE:
        physmap_set_age(pm, ppn, (uint8_t)(physmap_age(pm, ppn) | 0x80));
        break;
    case VICTIM_CAR:
    case VICTIM_CLOCKPRO:
        victim_note_map(v, pm, ppn);
        break;
    default:
        break;
    }
}

static bool reuse_on(const struct victim *v, const struct physmap *pm)
{
    return v->policy == VICTIM_REUSE && v->pg && v->npages >= pm->npages;
}

static uint64_t candidates(const struct physmap *pm)
{
    return physmap_count(pm, PM_MAPPED) - pm->pinned;
}

/* A stay that had lasted tenure(g) at its last touch ended: the page has
 * been away for more than ABSENCE_PERIODS. Counted for pages used in
 * PAUSE_USES periods or more (a page touched once or twice was passing,
 * not staying). */
static void note_stay_end(struct victim *v, const struct victim_page *g)
{
    if (g->uses < PAUSE_USES)
        return;
    if (v->stays_ended++ == 0)
        v->stay_avg_q4 = 16ull * tenure(g);
    else
        ewma_q4(&v->stay_avg_q4, tenure(g));
}

/* At a scan, a page not touched this period whose absence passes
 * ABSENCE_PERIODS now (its return at that very period is seen by
 * note_touch instead). */
static void stay_end_due(struct victim *v, const struct victim_page *g, uint32_t cur)
{
    if (g->last && g->last != cur && cur - g->last == ABSENCE_PERIODS + 1)
        note_stay_end(v, g);
}

/* A touch of `p` seen in aging period `cur`. A touch after an idle spell
 * (no touch for more than HISTORY_PERIODS) records the spell: the shortest
 * and the longest it came back from; it also starts a new active spell. */
static void note_touch(struct victim *v, ppn_t p, uint32_t cur)
{
    struct victim_page *g = &v->pg[p];
    if (g->last == cur)
        return;
    if (!g->last)
        v->fresh_now++;
    bool spell_over = g->last && cur - g->last > HISTORY_PERIODS;
    if (spell_over) {
        uint32_t spell = MIN(cur - g->last, 0xffffu);
        g->gap = (uint16_t)(g->gap ? MIN(g->gap, spell) : spell);
        g->gap_long = (uint16_t)MAX(g->gap_long, spell);
        v->horizon = MAX(v->horizon, spell);
        if (reuse_in_cohort(v, g))
            g->flags |= VICTIM_PG_COHORT_BACK;
        v->returns_now++;
        g->prev_len = g->spell_len;
        g->prev_uses = g->spell_uses;
    }
    if (!g->last || spell_over) {
        g->spell_len = 0;
        g->spell_uses = 1;
    } else {
        g->spell_len = (uint16_t)MIN(g->spell_len + (cur - g->last), 0xffffu);
        if (g->spell_uses < 0xffffu)
            g->spell_uses++;
    }
    if (g->last && cur - g->last == ABSENCE_PERIODS + 1)
        note_stay_end(v, g);
    if (!g->last || cur - g->last > ABSENCE_PERIODS)
        g->since = cur;
    if (g->uses < 0xffffu)
        g->uses++;
    g->last = cur;
}

/* The gap an idle page, untouched for `d` periods, is predicted to come back
 * after, or 0 if none; the first that applies of:
 *   - the spacing of its touches in its current active spell, while d is at
 *     most SPELL_SLACK times that (a page pausing between touches);
 *   - the spacing of its touches in its previous active spell, while it is
 *     still inside an active spell as long as that one was: a page that
 *     comes back for a stay of some length (a window drifting over it, a
 *     job that runs a while) and pauses inside it, where the spells below
 *     would predict it back only after the long spell it came back from;
 *   - the shortest idle spell it came back from, while d is at most twice
 *     that (a page that pauses now and then);
 *   - the longest idle spell it came back from, while d is at most twice
 *     that (a job that runs from time to time);
 *   - COOL_PERIODS, while d is at most that. */
static uint32_t predicted_gap(const struct victim_page *g, uint32_t d, bool cool)
{
    uint32_t mean = g->spell_uses >= 2 ? g->spell_len / (g->spell_uses - 1u) : 0;
    if (mean && d <= SPELL_SLACK * mean)
        return mean;
    if (g->prev_uses >= 2 && (uint32_t)g->spell_len + d < g->prev_len) {
        uint32_t prev_mean = g->prev_len / (g->prev_uses - 1u);
        if (prev_mean)
            return prev_mean;
    }
    if (g->gap && d <= 2u * g->gap)
        return g->gap;
    if (g->gap_long && d <= 2u * g->gap_long)
        return g->gap_long;
    if (cool && d <= COOL_PERIODS)
        return COOL_PERIODS;
    return 0;
}

/* An idle page that has come back from an idle spell as long as it is idle
 * now, or up to twice as long: it belongs to a job that runs from time to
 * time, not to memory the VM is done with. */
static bool returns(const struct victim_page *g, uint32_t d)
{
    return (g->gap && d <= 2u * g->gap) || (g->gap_long && d <= 2u * g->gap_long);
}

/* A page of a cohort untouched for STOP_PERIODS or more: it stopped with
 * the rest of its working set. */
static bool stopped(const struct victim *v, const struct victim_page *g, uint8_t age)
{
    return (age & (0xffu << (8 - STOP_PERIODS) & 0xffu)) == 0 && reuse_in_cohort(v, g);
}

static uint32_t idle_periods(const struct victim_page *g, uint32_t cur)
{
    return g->last ? cur - g->last : cur;
}

bool victim_age_scan_step(struct victim *v, struct physmap *pm, uint64_t budget)
{
    if (v->policy == VICTIM_RECENT && recent_on(v, pm))
        return recent_scan_step(v, pm, budget ? budget : 1);
    victim_age_scan(v, pm);
    return true;
}

void victim_age_scan(struct victim *v, struct physmap *pm)
{
    if (v->policy == VICTIM_RECENT && recent_on(v, pm)) {
        recent_scan(v, pm);
        return;
    }
    if (v->policy != VICTIM_AGING && v->policy != VICTIM_REUSE && v->policy != VICTIM_RECENT)
        return;
    bool reuse = reuse_on(v, pm);
    uint32_t cur = (uint32_t)(v->scans + 1);
    uint64_t active = 0, due = 0, once = 0, onset = 0, onset1 = 0, touched = 0;
    uint64_t onset_tenure = 0, onset1_tenure = 0;
    for (ppn_t p = 0; p < pm->npages; p++) {
        if (!candidate(pm, p)) {
            if (reuse)      /* released pages' stays end too */
                stay_end_due(v, &v->pg[p], cur);
            continue;
        }
        uint8_t a = plat_gpa_test_clear_accessed(pm->vm, p) ? 0x80 : 0;
        /* REUSE: a touch a selection saw since the last scan (note_touch,
         * select_reuse) belongs to this period */
        if (reuse && v->pg[p].last == cur)
            a = 0x80;
        if (a && reuse)
            note_touch(v, p, cur);
        else if (reuse)
            stay_end_due(v, &v->pg[p], cur);
        uint8_t age = (uint8_t)((physmap_age(pm, p) >> 1) | a);
        physmap_set_age(pm, p, age);
        touched += a != 0;
        if (!reuse) {
            active += age != 0;
            continue;
        }
        /* REUSE: a page seen in one period only (a buffer filled once) is
         * no part of the working set until it is touched again; an idle
         * page predicted to come back is */
        const struct victim_page *g = &v->pg[p];
        if (g->uses >= 2 && reuse_stops_now(age)) {
            onset++;
            onset_tenure += tenure(g);
        }
        if (g->uses >= 2 && reuse_stops1_now(age)) {
            onset1++;
            onset1_tenure += tenure(g);
        }
        once += age == 0 && g->uses <= 1 && reuse_in_fill(v, g->last);
        if (age != 0)
            active += g->uses >= 2;
        else
            due += returns(g, idle_periods(g, cur));
    }
    v->active_pages = active + pm->pinned;
    v->due_pages = due;
    v->once_pages = once;
    if (reuse) {
        ewma_q4(&v->touched_avg_q4, touched);
        reuse_note_fill(v, pm, cur);
        reuse_note_onset(v, pm, cur, onset, onset_tenure);
        reuse_note_returns(v, pm, cur);
        reuse_note_move(v, pm, cur, onset1, onset1_tenure);
        uint64_t now = plat_time_ns();
        v->period_ns = v->scan_ns && now > v->scan_ns ? now - v->scan_ns : 0;
        v->scan_ns = now;
    }
    v->scans++;
}

uint32_t victim_active_q16(const struct victim *v, const struct physmap *pm)
{
    if (v->scans == 0)
        return 65536;            /* nothing seen yet: assume active */
    uint64_t ram = physmap_ram_pages(pm);   /* a fraction of RAM, not of the PCI hole */
    return ram ? (uint32_t)(MIN(v->active_pages, ram) * 65536 / ram) : 0;
}

uint64_t victim_once_pages(const struct victim *v)
{
    return v->once_pages;
}

uint32_t victim_demand_q16(const struct victim *v, const struct physmap *pm)
{
    if (v->scans == 0)
        return 65536;
    uint64_t ram = physmap_ram_pages(pm);
    return ram ? (uint32_t)(MIN(v->active_pages + v->due_pages, ram) * 65536 / ram) : 0;
}

static bool chosen(const ppn_t *out, uint64_t k, ppn_t p)
{
    for (uint64_t i = 0; i < k; i++)
        if (out[i] == p)
            return true;
    return false;
}

static uint64_t select_random(struct physmap *pm, ppn_t *out, uint64_t n)
{
    uint64_t k = 0, tries = 8 * n + 64;
    while (k < n && tries--) {
        ppn_t p = plat_random() % pm->npages;
        if (candidate(pm, p) && !chosen(out, k, p))
            out[k++] = p;
    }
    /* a sparse VM: finish with a linear sweep from a random start */
    ppn_t start = plat_random() % pm->npages;
    for (uint64_t i = 0; i < pm->npages && k < n; i++) {
        ppn_t p = (start + i) % pm->npages;
        if (candidate(pm, p) && !chosen(out, k, p))
            out[k++] = p;
    }
    return k;
}

static uint64_t select_clock(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n)
{
    uint64_t k = 0;
    /* two sweeps: the first may only clear accessed bits */
    for (uint64_t i = 0; i < 2 * pm->npages && k < n; i++) {
        ppn_t p = v->hand;
        v->hand = (v->hand + 1) % pm->npages;
        if (!candidate(pm, p))
            continue;
        if (plat_gpa_test_clear_accessed(pm->vm, p))
            continue;               /* second chance */
        if (!chosen(out, k, p))
            out[k++] = p;
    }
    return k;
}

/*
 * How much a page's 8-bit history says it will be used again: the number of
 * aging periods it was touched in, the last four counting double. Counting
 * periods, not only the latest touch, keeps a page touched once in a burst
 * (one bit) from pushing out a page touched steadily (many bits), which is
 * what pure recency (LRU, CLOCK) gets wrong; weighting the recent half lets
 * a new working set win over an old one within a few periods.
 */
unsigned victim_age_score(uint8_t age)
{
    return 2 * (unsigned)__builtin_popcount(age >> 4) + (unsigned)__builtin_popcount(age & 0xf);
}

#define RANK_MAX 12

static unsigned rank_of(const struct physmap *pm, ppn_t p)
{
    return victim_age_score(physmap_age(pm, p));
}

static uint64_t select_aging(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n)
{
    uint64_t by_rank[RANK_MAX + 1];
    uint32_t by_age[256];
    (void)v;
    memset(by_rank, 0, sizeof by_rank);
    /* Fold accessed bits since the last scan into the history, so a page
     * touched a moment ago is not taken, and count pages per rank. */
    for (ppn_t p = 0; p < pm->npages; p++) {
        if (!candidate(pm, p))
            continue;
        if (plat_gpa_test_clear_accessed(pm->vm, p))
            physmap_set_age(pm, p, physmap_age(pm, p) | 0x80);
        by_rank[rank_of(pm, p)]++;
    }
    /* the rank tr below which fewer than n pages lie, then among pages of
     * that rank the age ta (older history first) */
    uint64_t below = 0;
    unsigned tr = 0;
    while (tr < RANK_MAX && below + by_rank[tr] < n)
        below += by_rank[tr++];
    memset(by_age, 0, sizeof by_age);
    for (ppn_t p = 0; p < pm->npages; p++)
        if (candidate(pm, p) && rank_of(pm, p) == tr)
            by_age[physmap_age(pm, p)]++;
    unsigned ta = 0;
    while (ta < 255 && below + by_age[ta] < n)
        below += by_age[ta++];
    uint64_t k = 0;
    /* everything ranked below (tr, ta) */
    for (ppn_t p = 0; p < pm->npages && k < n; p++) {
        if (!candidate(pm, p))
            continue;
        unsigned r = rank_of(pm, p);
        if (r < tr || (r == tr && physmap_age(pm, p) < ta))
            out[k++] = p;
    }
    /* then a uniformly random subset of the ties (selection sampling): among
     * pages with the same history nothing says which returns first, and on a
     * loop larger than memory keeping a random part beats evicting in order
     * (which CLOCK and LRU do, faulting on every page) */
    uint64_t ties = by_age[ta];
    for (ppn_t p = 0; p < pm->npages && k < n && ties; p++) {
        if (!candidate(pm, p) || rank_of(pm, p) != tr || physmap_age(pm, p) != ta)
            continue;
        if (plat_random() % ties < n - k)
            out[k++] = p;
        ties--;
    }
    return k;
}

#define qlog victim_qlog

/*
 * REUSE's eviction buckets, higher goes first:
 *   1 .. 104      touched in the last 8 periods, seen in two periods or more:
 *                 the longest untouched first (recency at the granularity of
 *                 a period), then the lowest AGING score
 *   B_NEW         touched in the last 8 periods, seen in one period only
 *   B_DUE ..      idle, predicted back (predicted_gap g, idle d): the furthest
 *                 from its predicted return first: g - d periods ahead, or,
 *                 when late, the lateness relative to g (d - g) x 16 / g.
 *                 A pause in a long stay (PAUSE_USES, idle no longer than
 *                 the stay had lasted): late against its mean spacing.
 *                 Idle with no prediction of its own but for less than the
 *                 VM's horizon (the longest spell any of its pages came back
 *                 from): predicted back at the horizon, horizon - d ahead
 *   B_UNPROVEN .. idle, no return predicted: the shortest idle first (on a
 *                 loop larger than memory this keeps the part of the loop
 *                 that went idle first)
 *   B_STOP + n    of a cohort, in the 8-period history but untouched for
 *                 STOP_PERIODS: the set stopped; the more touches n it
 *                 missed while silent (stop_rank), the surer (goes first)
 *   B_QUICK       hot and silent since the scan, in the period a quick move
 *                 was seen in
 *   B_COHORT      of a cohort, idle
 *   B_ONCE        idle, seen in one period only, first touched in a fill
 */
#define B_NEW 120
#define B_DUE 128
#define B_UNPROVEN 512
#define B_ONCE (VICTIM_BUCKETS - 1)
#define B_COHORT (B_ONCE - 1)
#define B_QUICK (B_COHORT - 1)
#define B_STOP (B_COHORT - 64)

/* A stopped cohort page's rank among its kind (0 .. 62, higher goes
 * first): the touches its history says it missed while silent, s silent
 * periods at the rate of the 8 - s periods before (popcount / (8 - s)), in
 * eighths: the more it missed, the surer it is gone. */
static unsigned stop_rank(uint8_t age)
{
    unsigned s = (unsigned)__builtin_clz((unsigned)age) - 24;   /* silent periods, 2..7 */
    unsigned missed8 = 8 * s * (unsigned)__builtin_popcount(age) / (8 - s);
    return MIN(missed8, 62u);
}

/*
 * The page's stay is over: it had stayed, at its last touch, no longer than
 * this VM's stays usually last, and has been idle until that length (plus
 * the slack) is reached. A window drifting over memory leaves such pages
 * behind at its pace; idle 16 to 64 periods, each of them looks, on its
 * own, like a page pausing inside the window (the same spacing, the same
 * number of uses), and the rules below would keep it over the loop pages
 * that come round first. A page that stayed longer than usual belongs to a
 * working set; a stay that began in or just after a fill belongs to a set
 * that arrived together (a new working set); a page that came back with its
 * set keeps its set's prediction.
 */
static bool stay_over(const struct victim *v, const struct victim_page *g, uint32_t d)
{
    if (v->stays_ended < STAYS_KNOWN || (g->flags & VICTIM_PG_COHORT_BACK) ||
        reuse_near_fill(v, g->since))
        return false;
    uint64_t usual = v->stay_avg_q4 / 16, reach = usual + usual / STAY_SLACK;
    return tenure(g) <= reach && (uint64_t)tenure(g) + d >= reach;
}

static unsigned bucket_of(const struct victim *v, const struct physmap *pm, ppn_t p,
                          uint32_t cur)
{
    const struct victim_page *g = &v->pg[p];
    /* the history plus a touch seen since the last scan */
    uint8_t age = (uint8_t)(physmap_age(pm, p) | (g->last == cur ? 0x80 : 0));
    if (age) {
        if (g->uses <= 1)
            return B_NEW;
        /* a move seen within this period: its silent hot pages */
        if (v->quick == cur && g->last != cur && reuse_hot(g, age))
            return B_QUICK;
        if (stopped(v, g, age))
            return B_STOP + stop_rank(age);
        unsigned r = (unsigned)__builtin_clz((unsigned)age) - 24;  /* periods since */
        return 1 + r * (RANK_MAX + 1) + RANK_MAX - victim_age_score(age);
    }
    uint32_t d = idle_periods(g, cur);
    bool cohort = reuse_in_cohort(v, g);
    bool over = !cohort && stay_over(v, g, d);
    uint32_t gap = cohort || over ? 0 : predicted_gap(g, d, true);
    if (gap) {
        uint32_t r = gap > d ? gap - d : (d - gap) * 2 * HISTORY_PERIODS / gap;
        /* back from a long spell and within 8 periods of its predicted
         * return: as near as a page touched r periods ago */
        if (gap > COOL_PERIODS && r < HISTORY_PERIODS)
            return 1 + r * (RANK_MAX + 1) + RANK_MAX;
        return B_DUE + MIN(qlog(r), B_UNPROVEN - B_DUE - 1);
    }
    if (g->uses <= 1 && reuse_in_fill(v, g->last))
        return B_ONCE;
    if (cohort)
        return B_COHORT;
    /* Idle no longer than its stay had lasted, and used in PAUSE_USES
     * periods or more: a page of a working set in use for a while that
     * pauses (a cold page touched every few periods, idle past three times
     * that), not a stay that ended, which the horizon below would predict
     * back only a loop's turn later. Ranked by its lateness against the
     * mean spacing of its uses over the stay (its uses over its life: for a
     * page back from an absence the spacing comes out short, the lateness
     * long, and it is kept less). */
    if (g->uses >= PAUSE_USES && d <= tenure(g) && !over) {
        uint32_t mean = MAX(1u, tenure(g) / g->uses);
        uint32_t r = (d - MIN(d, mean)) * 2 * HISTORY_PERIODS / mean;
        return B_DUE + MIN(qlog(r), B_UNPROVEN - B_DUE - 1);
    }
    if (d < v->horizon && !over)   /* as far as any page of this VM came back from */
        return B_DUE + MIN(qlog(v->horizon - d), B_UNPROVEN - B_DUE - 1);
    return B_STOP - 1 - MIN(qlog(d), B_STOP - 1 - B_UNPROVEN);
}

unsigned victim_bucket(const struct victim *v, const struct physmap *pm, ppn_t ppn)
{
    if (!reuse_on(v, pm) || !candidate(pm, ppn))
        return 0;
    return bucket_of(v, pm, ppn, (uint32_t)(v->scans + 1));
}

/* The n pages of the highest buckets (bucket_fn: higher goes first; the
 * histogram is the caller's storage), a uniformly random subset of the
 * bucket where the n-th falls: pages ranked alike are told apart by
 * nothing, and keeping a random part of them is what keeps part of a loop
 * larger than memory. */
uint64_t victim_select_by_bucket(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n,
                                 victim_bucket_fn bucket_fn)
{
    uint32_t cur = (uint32_t)(v->scans + 1);
    uint32_t *h = v->hist;
    memset(h, 0, VICTIM_BUCKETS * sizeof *h);
    for (ppn_t p = 0; p < pm->npages; p++) {
        if (!candidate(pm, p))
            continue;
        h[bucket_fn(v, pm, p, cur)]++;
    }
    /* the bucket tb at and above which n pages lie */
    uint64_t above = 0;
    unsigned tb = VICTIM_BUCKETS - 1;
    while (tb > 0 && above + h[tb] < n)
        above += h[tb--];
    uint64_t k = 0;
    for (ppn_t p = 0; p < pm->npages && k < n; p++)
        if (candidate(pm, p) && bucket_fn(v, pm, p, cur) > tb)
            out[k++] = p;
    uint64_t ties = h[tb];
    for (ppn_t p = 0; p < pm->npages && k < n && ties; p++) {
        if (!candidate(pm, p) || bucket_fn(v, pm, p, cur) != tb)
            continue;
        if (plat_random() % ties < n - k)
            out[k++] = p;
        ties--;
    }
    return k;
}

static uint64_t select_reuse(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n)
{
    uint32_t cur = (uint32_t)(v->scans + 1);
    /* a touch seen now is kept as the page's last touch, this period, for
     * the next scan to fold into the history */
    for (ppn_t p = 0; p < pm->npages; p++)
        if (candidate(pm, p) && plat_gpa_test_clear_accessed(pm->vm, p))
            note_touch(v, p, cur);
    if (v->quick != cur)
        reuse_quick_move(v, pm, cur);
    return victim_select_by_bucket(v, pm, out, n, bucket_of);
}

uint64_t victim_select(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n)
{
    if (n > candidates(pm))
        n = candidates(pm);
    if (n == 0)
        return 0;
    switch (v->policy) {
    case VICTIM_RANDOM: return select_random(pm, out, n);
    case VICTIM_CLOCK: return select_clock(v, pm, out, n);
    case VICTIM_AGING: return select_aging(v, pm, out, n);
    case VICTIM_REUSE:
        return reuse_on(v, pm) ? select_reuse(v, pm, out, n) : select_aging(v, pm, out, n);
    case VICTIM_RECENT:
        return recent_on(v, pm) ? recent_select(v, pm, out, n) : select_aging(v, pm, out, n);
    case VICTIM_CAR:
        return lists_on(v, pm) ? car_select(v, pm, out, n) : select_aging(v, pm, out, n);
    case VICTIM_CLOCKPRO:
        return lists_on(v, pm) ? clockpro_select(v, pm, out, n) : select_aging(v, pm, out, n);
    }
    return 0;
}
