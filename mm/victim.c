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
    for (ppn_t p = 0; p < pm->npages; p++) {
        if (!candidate(pm, p))
            continue;
        uint8_t a = plat_gpa_test_clear_accessed(pm->vm, p) ? 0x80 : 0;
        physmap_set_age(pm, p, (uint8_t)((physmap_age(pm, p) >> 1) | a));
    }
    v->scans++;
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

static uint64_t select_aging(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n)
{
    uint64_t hist[256];
    memset(hist, 0, sizeof hist);
    /* Fold accessed bits since the last scan into the history, so a page
     * touched a moment ago is not taken, and count pages per age. */
    for (ppn_t p = 0; p < pm->npages; p++) {
        if (!candidate(pm, p))
            continue;
        uint8_t age = physmap_age(pm, p);
        if (plat_gpa_test_clear_accessed(pm->vm, p)) {
            age |= 0x80;
            physmap_set_age(pm, p, age);
        }
        hist[age]++;
    }
    /* threshold: the smallest age t with n pages at or below it */
    uint64_t below = 0;
    unsigned t = 0;
    while (t < 255 && below + hist[t] < n)
        below += hist[t++];
    uint64_t k = 0;
    /* everything younger than t, then ties at t in clock order */
    for (int pass = 0; pass < 2 && k < n; pass++) {
        ppn_t p = v->hand;
        for (uint64_t i = 0; i < pm->npages && k < n; i++, p = (p + 1) % pm->npages) {
            if (!candidate(pm, p))
                continue;
            uint8_t age = physmap_age(pm, p);
            if (pass == 0 ? age < t : age == t) {
                out[k++] = p;
                if (pass == 1)
                    v->hand = (p + 1) % pm->npages;
            }
        }
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
