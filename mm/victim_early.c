/*
 * RECENT's early eviction: EELRU (Smaragdakis, Kaplan and Wilson,
 * SIGMETRICS 1999) at the resolution of an aging period.
 *
 * LRU gives up the pages idle longest. On a loop over more pages than the
 * VM holds those are the very pages needed next, and LRU faults on every
 * page of every turn (a stencil sweeping two arrays, a hash join scanning
 * its probe table pass after pass). Early eviction gives up instead the
 * pages that went idle most recently past an early point e of the LRU
 * stack, so the pages kept between e and a late point l stay for a whole
 * turn and are hit on every one.
 *
 * Which of the two to do is decided from the VM's own touches by the LRU
 * stack model. A touch of a page seen again after some idle time is
 * counted at the LRU stack position the page had (how many pages had been
 * touched since it was, as the last aging pass counted them), in the log
 * buckets of victim_qlog; the counts decay by a 32nd each period. Holding
 * m pages, LRU hits the touches at positions below m. Early eviction at
 * (e, l) hits those below e and, of those in [e, l), the share
 * (m - e) / (l - e) that the m - e pages kept there make of that stretch.
 * At the end of every aging pass the best (e, l) is found among those
 * where LRU's hits between e and m, which early eviction puts at risk, are
 * at most an eighth of the touches between m and l: a loop's pages wait
 * their turn untouched, where a program that only moves on to new data
 * touches them now and then (CPython growing its heap did). Early
 * eviction is used for the next period only where it would hit more than
 * LRU by a quarter of LRU's misses and 8 touches: every touch from beyond
 * memory is evidence, a loop's first turn back as much as old data coming
 * back once at a phase change, so the bet must pay well: CPython's heap,
 * growing, makes small gains appear (at 2x, with a quarter / an eighth / a
 * sixteenth: the corpus's python 232 / 239 / 246 faults, a CPython
 * workload recorded to check it 296 / 322 / 361). Where LRU does well,
 * RECENT stays LRU.
 *
 * Under early eviction the victims go in this order: the pages idle beyond
 * l (no turn of the loop comes back to them), oldest first; those between
 * e and l that have never come back from beyond memory, the most recently
 * idle first; the other pages between e and l, the most recently idle
 * first; the pages below e, oldest first. The second tier is for a first
 * turn: data read back in the order it was written (a loop's first turn
 * back, or a hash join reading its build rows and then its probe rows)
 * finds the pages it reads next among the oldest of those not yet back,
 * and the youngest of them are the ones it reaches last; the pages it has
 * read are what the next turn, or the next phase, uses (the build rows
 * became the join's hash table). Positions become idle buckets through
 * the last pass's counts.
 *
 * Per VM, four arrays of VICTIM_BUCKETS counters in the caller's storage;
 * per page, one bit of RECENT's stamp (RECENT_RETURNED).
 */
#include "mm/victim_policies.h"
#include "lib/kstring.h"

/* A touch counts this much, so the decay keeps fractions of it. */
#define TOUCH_WEIGHT 1024u
/* The counts decay by 1 / 2^DECAY_SHIFT each aging period. */
#define DECAY_SHIFT 5
/* Early eviction must hit 1 / 2^GAIN_SHIFT of LRU's misses more than LRU,
 * and GAIN_TOUCHES touches; and LRU's hits it puts at risk (between e and
 * the pages held) must be at most 1 / 2^RISK_SHIFT of the touches beyond. */
#define GAIN_SHIFT 2
#define GAIN_TOUCHES 8u
#define RISK_SHIFT 3
/* All counts together stay below this, so their prefix sums fit 32 bits. */
#define TOTAL_CAP (1u << 31)

/* The first LRU stack position of position bucket j (victim_qlog's
 * inverse): exact below 32, then 32 buckets an octave. */
static uint64_t bucket_floor(unsigned j)
{
    if (j < 32)
        return j;
    unsigned e = j / 32 + 4;
    return (uint64_t)(32 + j % 32) << (e - 5);
}

static unsigned position_bucket(uint64_t x)
{
    return victim_qlog((uint32_t)MIN(x, (uint64_t)UINT32_MAX));
}

/* Every count loses 1 / 2^shift of itself; their sum is counted again. */
static void fade(struct victim *v, unsigned shift)
{
    v->reuse_total = 0;
    for (unsigned j = 0; j < VICTIM_BUCKETS; j++)
        v->reuse_total += v->reuse_at[j] -= v->reuse_at[j] >> shift;
}

void early_pass_begin(struct victim *v)
{
    memset(v->idle_at, 0, VICTIM_BUCKETS * sizeof *v->idle_at);
}

void early_count(struct victim *v, uint32_t cur, ppn_t p)
{
    uint32_t last = recent_period(v->stamp[p]);
    if (last)
        v->idle_at[victim_qlog(cur - last)]++;
}

bool early_note_touch(struct victim *v, uint32_t idle)
{
    unsigned b = victim_qlog(idle);
    /* the middle of the stretch of the stack the page's bucket covered */
    uint64_t lo = v->stack_at[b];
    uint64_t hi = b + 1 < VICTIM_BUCKETS ? v->stack_at[b + 1] : lo;
    uint64_t x = (lo + MAX(lo, hi)) / 2;
    uint32_t *r = &v->reuse_at[position_bucket(x)];
    if (v->reuse_total + TOUCH_WEIGHT >= TOTAL_CAP)
        fade(v, 1);
    *r += TOUCH_WEIGHT;
    v->reuse_total += TOUCH_WEIGHT;
    return x >= v->early_held;
}

/* The touches counted at positions below m: the buckets wholly below, and
 * the share of the bucket m falls in (its positions taken as evenly hit). */
static uint64_t hits_below(const struct victim *v, uint64_t m)
{
    unsigned j = position_bucket(m);
    uint64_t lo = bucket_floor(j), hi = bucket_floor(j + 1);
    return v->reuse_cum[j] + (uint64_t)v->reuse_at[j] * (MIN(m, hi) - lo) / (hi - lo);
}

/* The idle bucket where LRU stack position x begins. */
static unsigned idle_bucket_at(const struct victim *v, uint64_t x)
{
    unsigned b = 0;
    while (b < VICTIM_BUCKETS && v->stack_at[b] < x)
        b++;
    return b;
}

void early_decide(struct victim *v, uint64_t held)
{
    uint64_t pages = 0;
    for (unsigned b = 0; b < VICTIM_BUCKETS; b++) {
        v->stack_at[b] = (uint32_t)MIN(pages, (uint64_t)UINT32_MAX);
        pages += v->idle_at[b];
    }
    uint64_t sum = 0;
    for (unsigned j = 0; j < VICTIM_BUCKETS; j++) {
        v->reuse_cum[j] = (uint32_t)sum;
        sum += v->reuse_at[j];
    }
    v->early_from = v->early_to = 0;
    v->early_held = held;
    if (held > 0 && held < pages) {
        uint64_t lru = hits_below(v, held), best = lru, e_best = 0, l_best = 0;
        unsigned jm = position_bucket(held), jtop = position_bucket(pages);
        for (unsigned i = 1; i < VICTIM_BUCKETS && bucket_floor(i) < held; i++) {
            uint64_t e = bucket_floor(i), ce = v->reuse_cum[i];
            for (unsigned j = jm + 1; j <= jtop + 1 && j < VICTIM_BUCKETS; j++) {
                uint64_t l = bucket_floor(j);
                uint64_t hits = ce + (held - e) * (v->reuse_cum[j] - ce) / (l - e);
                /* LRU's hits in [e, m) are at risk; the touches in [m, l) are what it
                 * stands to gain */
                if (hits > best && lru - ce <= (v->reuse_cum[j] - lru) >> RISK_SHIFT) {
                    best = hits;
                    e_best = e;
                    l_best = l;
                }
            }
        }
        uint64_t misses = sum - lru;
        if (best > lru + (misses >> GAIN_SHIFT) + GAIN_TOUCHES * TOUCH_WEIGHT) {
            unsigned from = idle_bucket_at(v, e_best), to = idle_bucket_at(v, l_best);
            if (from < to) {
                v->early_from = MAX(from, 1u);
                v->early_to = to;
                v->early_periods++;
            }
        }
    }
    fade(v, DECAY_SHIFT);
}

/* Four tiers of VICTIM_BUCKETS / 4 (higher goes first). */
#define TIER (VICTIM_BUCKETS / 4)

unsigned early_rank(const struct victim *v, unsigned b, bool returned)
{
    if (!v->early_to)
        return b;
    if (b >= v->early_to)
        return 3 * TIER + MIN(b - v->early_to, TIER - 1);
    if (b >= v->early_from)
        return (returned ? TIER : 2 * TIER) + MIN(v->early_to - 1 - b, TIER - 1);
    return MIN(b, TIER - 1);
}
