/*
 * Internal to victim selection (mm/victim.c, mm/victim_sets.c): VICTIM_REUSE's
 * constants, small helpers, and the rules about sets of pages that stop or
 * arrive together (cohorts, fills, moves), which mm/victim_sets.c implements.
 * Nothing outside mm/victim*.c includes this.
 */
#ifndef MM_VICTIM_REUSE_H
#define MM_VICTIM_REUSE_H

#include "mm/victim_policies.h"

/* Periods a page's 8-bit history covers: a page untouched for longer is idle. */
#define HISTORY_PERIODS 8
/* A page idle for no longer than this many times the spacing of its touches
 * in its last active spell is taken to be pausing, not gone. */
#define SPELL_SLACK 3
/* With nothing else to go by, an idle page is given this many periods
 * before it counts as gone ("cooling"). */
#define COOL_PERIODS (2 * HISTORY_PERIODS)

/* An idle spell longer than this ends a page's stay: the next touch starts
 * a new one (victim_page.since). Far longer than the pauses of a page in
 * use, as short as the loops and periodic jobs worth telling apart. */
#define ABSENCE_PERIODS 64

/* A page used in this many periods or more is in a stay, not passing
 * through: its pauses are predicted (the pause rule) and its stay's end
 * counts towards the VM's usual stay length. */
#define PAUSE_USES 4

/* Stays that end: once STAYS_KNOWN stays of the VM have ended, a page whose
 * stay had lasted, at its last touch, no longer than the usual length plus
 * 1/STAY_SLACK of it, and which has been idle until the usual length plus
 * 1/STAY_SLACK is reached, has left (a window drifting over memory has
 * moved on). The slack covers the last touch falling before the stay's
 * end: the usual length is measured at the last touch. */
#define STAYS_KNOWN 16
#define STAY_SLACK 4
/* A stay that began up to this many periods after a fill belongs to a set
 * arriving (a working set's cold pages are first touched over the periods
 * after its hot ones), not to a window passing. */
#define FILL_SETTLE 16

/* A cohort reaches back this many periods before the stop: the pages of a
 * set touched every few periods made their last touch up to that long
 * before it (a page touched every 4 periods on average is silent for 12
 * with probability e^-3, 5%). Pages passing through in those periods are
 * kept out by tenure, not by a short reach. */
#define COHORT_BACK 12

/* Scans before cohorts are looked for: the onset average needs a history. */
#define COHORT_WARMUP (4 * HISTORY_PERIODS)
/* A page that stopped: untouched for the last STOP_PERIODS periods after
 * being touched in at least STOP_STEADY of the 6 periods before. */
#define STOP_PERIODS 2
#define STOP_STEADY 4
#define COHORT_FACTOR 4

/* Between half and MOVE_SPREAD times as many new pages as stopped: a set
 * replacing the set that stopped, not a buffer being filled. */
#define MOVE_SPREAD 4

/* A cohort's members had been in their stay, at their last touch, at least
 * 1/TENURE_SHARE of the mean time the pages whose stop made it had been. */
#define TENURE_SHARE 4

/* Hot: touched in at least HOT_PERIODS of the 8 periods of its history,
 * and in use for a while (touched in 8 periods or more in all). */
#define HOT_PERIODS 6

static inline bool candidate(const struct physmap *pm, ppn_t ppn)
{
    return victim_candidate(pm, ppn);
}

/* How long a page's stay had lasted at its last touch. */
static inline uint32_t tenure(const struct victim_page *g)
{
    return g->last - g->since;
}

/* Moving average with weight 1/16, x16 fixed point. */
static inline void ewma_q4(uint64_t *avg, uint64_t n)
{
    uint64_t x = n * 16, a = *avg;
    *avg = x >= a ? a + (x - a) / 16 : a - (a - x) / 16;
}

/* A page's history says it stopped two periods ago / one period ago
 * (counted once, at the scan the pattern first appears). */
bool reuse_stops_now(uint8_t age);
bool reuse_stops1_now(uint8_t age);
/* Per scan, in this order, after the per-page pass: fills, two-period
 * stops, returns, one-period stops (moves). */
void reuse_note_fill(struct victim *v, const struct physmap *pm, uint32_t cur);
void reuse_note_onset(struct victim *v, const struct physmap *pm, uint32_t cur, uint64_t onset,
                      uint64_t onset_tenure);
void reuse_note_returns(struct victim *v, const struct physmap *pm, uint32_t cur);
void reuse_note_move(struct victim *v, const struct physmap *pm, uint32_t cur, uint64_t onset1,
                     uint64_t onset1_tenure);
/* At a selection, within the period: the quick move test. */
void reuse_quick_move(struct victim *v, const struct physmap *pm, uint32_t cur);
/* Membership. */
bool reuse_in_fill(const struct victim *v, uint32_t period);
bool reuse_near_fill(const struct victim *v, uint32_t period);
bool reuse_in_cohort(const struct victim *v, const struct victim_page *g);
bool reuse_hot(const struct victim_page *g, uint8_t age);

#endif
