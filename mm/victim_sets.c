/* Victim selection, VICTIM_REUSE: sets of pages that stop or arrive
 * together. A working set abandoned at a phase change stops all at once
 * (cohorts, seen two periods after the stop, one period after it at a move,
 * or within the period at a quick move); a buffer being filled arrives all
 * at once (fills); a set that runs from time to time comes back as one
 * (returns). The rules are described in mm/victim.h. */
#include "mm/victim_reuse.h"

/* The history of a page touched steadily until two periods ago: it stopped
 * now (counted once, at the scan this pattern first appears). */
bool reuse_stops_now(uint8_t age)
{
    unsigned silent = 0xffu << (8 - STOP_PERIODS) & 0xffu, last = 0x80u >> STOP_PERIODS;
    unsigned before = (0xfcu >> STOP_PERIODS) & 0xffu;   /* 6 periods ending at last */
    return (age & (silent | last)) == last &&
           (unsigned)__builtin_popcount(age & before) >= STOP_STEADY;
}

/* A page touched steadily until the period before this one (in it and in
 * STOP_STEADY - 1 or more of the 6 before), untouched since the last scan. */
bool reuse_stops1_now(uint8_t age)
{
    return (age & 0xc0u) == 0x40u &&
           (unsigned)__builtin_popcount(age & 0x3fu) >= STOP_STEADY - 1;
}

/* `n` pages this period is unusually many: at least 1/256 of the VM and 8
 * pages, and more than COHORT_FACTOR times the moving average `avg_q4`. */
static bool unusual(uint64_t n, uint64_t avg_q4, const struct physmap *pm)
{
    return n >= MAX(8u, pm->npages / 256) && n * 16 > COHORT_FACTOR * avg_q4;
}

/* Rings of VICTIM_COHORTS period ranges (cohorts, fills): lo..hi merges
 * with the newest entry when they overlap or touch (keeping the lesser
 * tenure), else replaces the oldest. True when it made a new entry. */
static bool ring_add(struct victim_cohort *ring, unsigned *at, uint32_t lo, uint32_t hi,
                     uint32_t tenure_min)
{
    struct victim_cohort *c = &ring[*at];
    if (c->lo && lo <= c->hi + 1 && hi + 1 >= c->lo) {
        c->lo = MIN(c->lo, lo);
        c->hi = MAX(c->hi, hi);
        c->tenure = MIN(c->tenure, tenure_min);
        return false;
    }
    *at = (*at + 1) % VICTIM_COHORTS;
    ring[*at] = (struct victim_cohort){ .lo = lo, .hi = hi, .tenure = tenure_min };
    return true;
}

/* `period` falls in an entry of the ring whose tenure is at most `tenure`. */
static bool in_ring(const struct victim_cohort *ring, uint32_t period, uint32_t tenure)
{
    for (unsigned i = 0; i < VICTIM_COHORTS; i++)
        if (ring[i].lo && period >= ring[i].lo && period <= ring[i].hi && tenure >= ring[i].tenure)
            return true;
    return false;
}

/*
 * A fill: in period `cur` the VM touched `fresh_now` pages for the first
 * time, more than COHORT_FACTOR times its usual number and at least 1/256 of
 * it and 8 pages (a buffer being filled, a working set moving to new pages,
 * the VM first touching its memory). Its pages that are then used in that
 * period only are a buffer filled once and dropped; a page first touched in
 * a trickle (a window drifting onto new pages) and left for a while is not
 * (in_fill). No warm-up: a VM's first touches are a fill.
 */
void reuse_note_fill(struct victim *v, const struct physmap *pm, uint32_t cur)
{
    if (unusual(v->fresh_now, v->fresh_avg_q4, pm))
        ring_add(v->fill, &v->fill_at, cur, cur, 0);
}

/* The page's first touch (for a page used in one period only, its last)
 * fell in a fill period. */
bool reuse_in_fill(const struct victim *v, uint32_t period)
{
    return in_ring(v->fill, period, 0);
}

/* `period` falls in a fill or up to FILL_SETTLE periods after one. */
bool reuse_near_fill(const struct victim *v, uint32_t period)
{
    for (unsigned i = 0; i < VICTIM_COHORTS; i++)
        if (v->fill[i].lo && period >= v->fill[i].lo && period <= v->fill[i].hi + FILL_SETTLE)
            return true;
    return false;
}

/* Last-touch periods lo..hi are a cohort. */
static void add_cohort(struct victim *v, uint32_t lo, uint32_t hi, uint32_t tenure_min)
{
    if (ring_add(v->cohort, &v->cohort_at, lo, hi, tenure_min))
        v->cohorts++;
}

/* The least tenure of a cohort's members: TENURE_SHARE of the mean tenure
 * of the pages whose stop made it (`sum` over `n`). A working set abandoned
 * at a phase change had been in use for a long time, all of it; pages
 * passing through (a window drifting over memory) stay a short while, and
 * those whose last touch happens to fall in the cohort's periods are not
 * part of the set. */
static uint32_t tenure_min(uint64_t sum, uint64_t n)
{
    return n ? (uint32_t)(sum / n / TENURE_SHARE) : 0;
}

/*
 * A move, seen one period after it: `onset1` steady pages stopped in the
 * last period (stops1_now), more than COHORT_FACTOR times the usual number
 * of stops (after two silent periods) and at least 1/256 of the VM and 8
 * pages, while the VM touched `fresh_now` pages for the first time, more
 * than COHORT_FACTOR times its usual number and between half and
 * MOVE_SPREAD times as many as stopped. The period of their last touch and
 * the COHORT_BACK before it are a cohort (merged with the one note_onset
 * records a period later).
 */
void reuse_note_move(struct victim *v, const struct physmap *pm, uint32_t cur, uint64_t onset1,
                      uint64_t onset1_tenure)
{
    uint64_t fresh = v->fresh_now;
    v->fresh_now = 0;
    bool move = v->scans >= COHORT_WARMUP && cur > HISTORY_PERIODS + 2 &&
                unusual(onset1, v->onset_avg_q4, pm) && unusual(fresh, v->fresh_avg_q4, pm) &&
                fresh * 2 >= onset1 && fresh <= MOVE_SPREAD * onset1;
    ewma_q4(&v->fresh_avg_q4, fresh);
    if (!move)
        return;
    add_cohort(v, cur - 1 - COHORT_BACK, cur - 1, tenure_min(onset1_tenure, onset1));
    v->moves++;
}

/*
 * `onset` pages, each used in two periods or more, stopped at this scan
 * (stops_now). A working set that is abandoned (a phase change) stops all
 * at once; pages that leave a loop, or pause, stop a few at a time. When
 * more than COHORT_FACTOR times the usual number stop (and at least 1/256 of
 * the VM, at least 8 pages), the period of their last touch and the
 * COHORT_BACK before it are recorded as a cohort: pages of the set
 * touched less often than every period made their last touch in the
 * periods before. Overlapping cohorts merge. The usual number is a moving
 * average (1/16) of the other scans.
 */
void reuse_note_onset(struct victim *v, const struct physmap *pm, uint32_t cur, uint64_t onset,
                       uint64_t onset_tenure)
{
    v->onset_last = onset;
    bool spike = v->scans >= COHORT_WARMUP && cur > HISTORY_PERIODS + STOP_PERIODS + 1 &&
                 unusual(onset, v->onset_avg_q4, pm);
    if (!spike) {
        ewma_q4(&v->onset_avg_q4, onset);
        return;
    }
    /* their last touch was in period cur - STOP_PERIODS */
    add_cohort(v, cur - STOP_PERIODS - COHORT_BACK, cur - STOP_PERIODS,
               tenure_min(onset_tenure, onset));
}

/* The page's last touch fell in a cohort period: it stopped with many
 * others. A later touch moves `last` out of it. */
bool reuse_in_cohort(const struct victim *v, const struct victim_page *g)
{
    if (g->uses <= 1 || (g->flags & VICTIM_PG_COHORT_BACK))
        return false;
    return in_ring(v->cohort, g->last, tenure(g));
}

/* Pages came back from an idle spell this period. When many more than
 * usual came back together (COHORT_FACTOR times the moving average, at
 * least 1/256 of the VM and 8 pages) they are a set that returns as one
 * (a job run from time to time): each is marked VICTIM_PG_COHORT_BACK, and
 * when the set stops again its pages keep their own predicted return. */
void reuse_note_returns(struct victim *v, const struct physmap *pm, uint32_t cur)
{
    uint64_t n = v->returns_now;
    v->returns_now = 0;
    if (v->scans < COHORT_WARMUP || !unusual(n, v->return_avg_q4, pm)) {
        ewma_q4(&v->return_avg_q4, n);
        return;
    }
    for (ppn_t p = 0; p < pm->npages; p++) {
        struct victim_page *g = &v->pg[p];
        if (g->last == cur && g->spell_len == 0 && g->gap)
            g->flags |= VICTIM_PG_COHORT_BACK;
    }
}

bool reuse_hot(const struct victim_page *g, uint8_t age)
{
    return g->uses >= HISTORY_PERIODS && (unsigned)__builtin_popcount(age) >= HOT_PERIODS;
}

/* 2^-x, x and the result in Q16 (65536 = 1): the fractional part from a
 * table of 2^-(i/16), linear in between. */
static uint64_t exp2_neg_q16(uint64_t x)
{
    static const uint32_t t[17] = {
        65536, 62757, 60097, 57549, 55109, 52773, 50535, 48393, 46341,
        44376, 42495, 40693, 38968, 37316, 35734, 34219, 32768,
    };
    uint64_t n = x >> 16;
    if (n >= 32)
        return 0;
    uint32_t fr = (uint32_t)(x & 0xffff), i = fr >> 12, w = fr & 0xfff;
    uint64_t y = t[i] - (((uint64_t)(t[i] - t[i + 1]) * w) >> 12);
    return y >> n;
}

static uint64_t isqrt(uint64_t x)
{
    uint64_t r = 0;
    for (uint64_t b = 1ull << 62; b; b >>= 2) {
        if (x >= r + b) {
            x -= r + b;
            r = (r >> 1) + b;
        } else {
            r >>= 1;
        }
    }
    return r;
}

/*
 * A move seen before the period ends (at a selection, which has just read
 * every accessed bit): the VM has first-touched more pages since the last
 * scan than COHORT_FACTOR times its usual number in a whole period (and
 * 1/256 of it, 8 pages), and its hot pages have gone silent: far more of
 * them are untouched since the scan than steady use leaves untouched this
 * far into a period. A hot page touched in k of 8 periods is touched in a
 * period with probability about k/8 (touches at random times), so a
 * fraction f into the period it is still untouched with probability
 * (1 - k/8)^f, i.e. 2^-(f log2(8/(8-k))), log2 taken as 2, 3, 4 for k = 6,
 * 7, 8 (8 of 8 counted as 15/16). The test: untouched > expected + 3
 * standard deviations (at most sqrt(expected)) + 1/256 of the VM; and the
 * new pages no more than MOVE_SPREAD times the silent hot ones and first
 * touched no faster than the VM usually touches pages (touched_avg_q4 per
 * period): a buffer fill streams through new pages far faster, and its
 * paused set comes back. Then, for the rest of this period, the silent hot
 * pages go right after the cohorts' (bucket_of), and the move's cohort is
 * recorded at once; the next scan's rules take over from there.
 */
void reuse_quick_move(struct victim *v, const struct physmap *pm, uint32_t cur)
{
    uint64_t floor = MAX(8u, pm->npages / 256), fresh = v->fresh_now;
    if (v->scans < COHORT_WARMUP || !v->period_ns || !unusual(fresh, v->fresh_avg_q4, pm))
        return;
    uint64_t now = plat_time_ns();
    if (now <= v->scan_ns || now - v->scan_ns >= v->period_ns)
        return;
    uint64_t el = now - v->scan_ns, per = v->period_ns;
    while (per >> 40) {             /* keep el << 16 within 64 bits */
        per >>= 1;
        el >>= 1;
    }
    uint64_t f = (el << 16) / per;  /* Q16 fraction of the period gone */
    uint64_t silent = 0, silent_tenure = 0, expect_q16 = 0;
    for (ppn_t p = 0; p < pm->npages; p++) {
        if (!candidate(pm, p))
            continue;
        const struct victim_page *g = &v->pg[p];
        uint8_t age = physmap_age(pm, p);
        if (!reuse_hot(g, age))
            continue;
        unsigned k = (unsigned)__builtin_popcount(age);
        expect_q16 += exp2_neg_q16(f * (k - 4));      /* log2(8/(8-k)): 2, 3, 4 */
        if (g->last != cur) {
            silent++;
            silent_tenure += tenure(g);
        }
    }
    uint64_t expect = expect_q16 >> 16;
    if (silent > expect + 3 * isqrt(expect) + floor && fresh <= MOVE_SPREAD * silent &&
        fresh * 16 * 65536 <= v->touched_avg_q4 * f) {
        v->quick = cur;
        v->quick_moves++;
        /* what the scan's move rule would record a period later: those
         * released now are no longer there to be seen stopping */
        add_cohort(v, cur - 1 - COHORT_BACK, cur - 1, tenure_min(silent_tenure, silent));
    }
}

