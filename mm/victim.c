/* Victim selection: see victim.h. */
#include "mm/victim.h"
#include "lib/kstring.h"

const char *victim_policy_name(enum victim_policy p)
{
    switch (p) {
    case VICTIM_RANDOM: return "random";
    case VICTIM_CLOCK: return "clock";
    case VICTIM_AGING: return "aging";
    }
    return "?";
}

void victim_init(struct victim *v, enum victim_policy policy)
{
    v->policy = policy;
    v->hand = 0;
    v->scans = 0;
    v->active_pages = 0;
}

static bool candidate(const struct physmap *pm, ppn_t ppn)
{
    struct pm_entry e;
    return physmap_lookup(pm, ppn, &e) == PM_OK && e.state == PM_MAPPED && !e.pinned;
}

static uint64_t candidates(const struct physmap *pm)
{
    return physmap_count(pm, PM_MAPPED) - pm->pinned;
}

void victim_age_scan(struct victim *v, struct physmap *pm)
{
    if (v->policy != VICTIM_AGING)
        return;
    uint64_t active = 0;
    for (ppn_t p = 0; p < pm->npages; p++) {
        if (!candidate(pm, p))
            continue;
        uint8_t a = plat_gpa_test_clear_accessed(pm->vm, p) ? 0x80 : 0;
        uint8_t age = (uint8_t)((physmap_age(pm, p) >> 1) | a);
        physmap_set_age(pm, p, age);
        active += age != 0;
    }
    v->active_pages = active + pm->pinned;
    v->scans++;
}

uint32_t victim_active_q16(const struct victim *v, const struct physmap *pm)
{
    if (v->scans == 0)
        return 65536;            /* nothing seen yet: assume active */
    return (uint32_t)(MIN(v->active_pages, pm->npages) * 65536 / pm->npages);
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
    }
    return 0;
}
