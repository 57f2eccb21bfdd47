/*
 * VICTIM_RECENT ("ours"): the pages idle longest go first. Each page keeps
 * one stamp, the aging period in which its accessed bit was last seen set
 * (at an aging scan, or at a selection, which reads every bit); a page is
 * ranked by the periods since (on a log scale past 32 periods), and pages
 * of the same rank are chosen at random. That is LRU at the resolution of
 * an aging period, which is what a hypervisor can see: CLOCK, which reads
 * the bits only when it needs a victim, knows of each page only whether it
 * was touched since the hand last passed, and on real programs (whose
 * dead pages from start-up and finished phases outnumber their working
 * set) it gives up live pages that LRU keeps. Where a loop over more pages
 * than the VM holds makes LRU fault on every page, the VM's own touches
 * show it and the pages that went idle most recently go first instead
 * (early eviction, mm/victim_early.c). Cost: 4 bytes a page and five
 * arrays of VICTIM_BUCKETS counters.
 */
#include "mm/victim_policies.h"

bool recent_on(const struct victim *v, const struct physmap *pm)
{
    return v->policy == VICTIM_RECENT && v->stamp && v->npages >= pm->npages;
}

/* A touch of `p` seen in period `cur`: after an idle spell it is a reuse
 * at the page's LRU stack position (early eviction's evidence). */
static void note_touch(struct victim *v, ppn_t p, uint32_t cur)
{
    uint32_t last = recent_period(v->stamp[p]), returned = v->stamp[p] & RECENT_RETURNED;
    if (last == cur)
        return;
    if (last && early_note_touch(v, cur - last))
        returned = RECENT_RETURNED;
    v->stamp[p] = cur | returned;
}

/* One aging period, in parts: stamps the pages touched in it, and keeps
 * the 8-bit history (victim_active_q16) as AGING does. The period ends when
 * the last part is done. */
bool recent_scan_step(struct victim *v, struct physmap *pm, uint64_t budget)
{
    uint32_t cur = (uint32_t)(v->scans + 1);
    ppn_t p = v->scan_pos, end = pm->npages;
    if (p >= end)
        p = 0;                   /* the VM shrank since the pass began: start over */
    if (p == 0) {
        v->scan_active = 0;
        early_pass_begin(v);
    }
    if (budget < end - p)
        end = p + budget;
    for (; p < end; p++) {
        if (!victim_candidate(pm, p)) {
            early_count(v, cur, p);      /* released pages are in the LRU stack too */
            continue;
        }
        bool touched = plat_gpa_test_clear_accessed(pm->vm, p) || recent_period(v->stamp[p]) == cur;
        if (touched)
            note_touch(v, p, cur);
        early_count(v, cur, p);
        uint8_t age = (uint8_t)((physmap_age(pm, p) >> 1) | (touched ? 0x80 : 0));
        physmap_set_age(pm, p, age);
        v->scan_active += age != 0;
    }
    if (p < pm->npages) {
        v->scan_pos = p;
        return false;
    }
    v->scan_pos = 0;
    v->active_pages = v->scan_active + pm->pinned;
    early_decide(v, physmap_count(pm, PM_MAPPED) - pm->pinned);
    v->scans++;
    return true;
}

void recent_scan(struct victim *v, struct physmap *pm)
{
    while (!recent_scan_step(v, pm, UINT64_MAX))
        ;
}

static unsigned recent_bucket(const struct victim *v, const struct physmap *pm, ppn_t p,
                              uint32_t cur)
{
    (void)pm;
    return early_rank(v, victim_qlog(cur - recent_period(v->stamp[p])),
                      v->stamp[p] & RECENT_RETURNED);
}

uint64_t recent_select(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n)
{
    /* a touch since the last scan is a touch in this period (the next scan
     * folds it into the history) */
    uint32_t cur = (uint32_t)(v->scans + 1);
    for (ppn_t p = 0; p < pm->npages; p++)
        if (victim_candidate(pm, p) && plat_gpa_test_clear_accessed(pm->vm, p))
            note_touch(v, p, cur);
    return victim_select_by_bucket(v, pm, out, n, recent_bucket);
}
