/*
 * Victim selection: given a VM that owes N pages (a release request from
 * memsched), choose which of its mapped pages to give back.
 *   VICTIM_RANDOM  ESX's choice: uniformly random mapped pages. The baseline.
 *   VICTIM_CLOCK   second chance over EPT accessed bits.
 *   VICTIM_AGING   accessed-bit aging: each aging period (victim_age_scan)
 *                  every mapped page's 8-bit history shifts right and takes
 *                  the accessed bit on top; victims are the pages whose
 *                  history scores lowest (victim_age_score: periods touched,
 *                  recent ones double), then the oldest history, ties at
 *                  random. Scan-resistant, unlike LRU. No extra storage.
 *   VICTIM_REUSE   AGING plus a prediction of when each idle page comes
 *                  back, from the idle spells it came back from before
 *                  (below). Needs caller storage (victim_attach). "ours"
 *                  until issue 15 (memsim --policy reuse).
 *   VICTIM_RECENT  "ours": the pages idle longest go first, by the aging
 *                  period of each page's last seen touch, ties at random
 *                  (mm/victim_recent.c; 4 bytes a page of caller storage);
 *                  where the VM's touches show a loop larger than what it
 *                  holds, the pages idle a shorter time go first (early
 *                  eviction, mm/victim_early.c).
 *   VICTIM_CAR     CAR (Bansal and Modha 2004) over accessed bits
 *                  (mm/victim_car.c; 9 bytes a page).
 *   VICTIM_CLOCKPRO  CLOCK-Pro (Jiang, Chen and Zhang 2005) over accessed
 *                  bits (mm/victim_clockpro.c; 9 bytes a page).
 * Ages live in the physmap entries. Pinned pages are never chosen. Selection
 * only chooses: the caller releases.
 */
#ifndef MM_VICTIM_H
#define MM_VICTIM_H

#include "include/hv/types.h"
#include "mm/physmap.h"

enum victim_policy {
    VICTIM_RANDOM = 0, VICTIM_CLOCK, VICTIM_AGING, VICTIM_REUSE, VICTIM_CAR, VICTIM_CLOCKPRO,
    VICTIM_RECENT
};

/* Lists of pages threaded through a per-page link array (mm/victim_list.h),
 * for the policies that keep pages in order: CAR and CLOCK-Pro. */
struct victim_link { uint32_t prev, next; };
struct victim_list { uint32_t head, tail; uint64_t n; };

/* VICTIM_CAR (mm/victim_car.c): two clocks of resident pages and two LRU
 * lists of evicted ones, and T1's target size. */
struct car {
    struct victim_list t1, t2, b1, b2;
    uint64_t p;
};

/* VICTIM_CLOCKPRO (mm/victim_clockpro.c): one circular list, three hands,
 * counts by status and the adaptive target of resident cold pages. */
struct clockpro {
    uint32_t hand_hot, hand_cold, hand_test;
    uint64_t len, hot, cold, nonres, mc;
};

/*
 * VICTIM_REUSE. Per page, in caller storage (victim_storage_bytes, 24 bytes a
 * page plus 4 KiB), it keeps the aging period of the last touch seen and of
 * the start of its stay (its first touch, or its return from an absence of
 * more than 64 periods), how many periods it was touched in, the length of
 * its current and previous
 * active spells and how many periods it was touched in during each, and the
 * shortest and longest idle spells (more than 8 periods untouched) it came
 * back from. A page untouched for d periods is predicted back after g
 * periods, g being the first that applies of: the spacing of its touches in
 * its current active spell (while d <= 3g: a pause between touches); the
 * spacing in its previous active spell (while this spell, d included, is
 * still shorter than that one: a pause inside a stay, such as a window
 * drifting over the page); its shortest idle spell (while d <= 2g: a page
 * that pauses now and then); its longest (while d <= 2g: a job that runs
 * from time to time); 16 periods (while d <= 16: "cooling"); the mean
 * spacing of its uses over its stay, while d is no longer than the stay
 * had lasted and it was used in 4 periods or more (a page of a working set
 * in use for a while, pausing); the VM's horizon, the longest spell any of
 * its pages came back from (while d < horizon: a loop whose pages have not
 * come round yet). None of these applies to a page whose stay is over:
 * once 16 of the VM's stays have ended (an absence of more than 64 periods
 * began; their length at the last touch is averaged), a page whose stay had
 * lasted no more than the usual length plus a quarter and which has been
 * idle until that is reached has left (a window drifting over memory has
 * moved on), unless its stay began in or up to 16 periods after a fill (a
 * set arriving together) or it came back with its set (below). Victims,
 * first to last:
 *   1. idle pages touched in one period only, first touched in a fill (a
 *      period the VM first-touched more than COHORT_FACTOR times its usual
 *      number of pages, and 1/256 of it and 8): a buffer filled once. A page
 *      first touched in a trickle (a window drifting onto new pages) and
 *      left for a while ranks as any idle page below;
 *   2. idle pages with no prediction, the one idle the shortest first: on a
 *      loop larger than memory this keeps the part that went idle first,
 *      where LRU and CLOCK fault on every page;
 *   3. idle pages with a prediction, the furthest from their predicted
 *      return first (g - d ahead, or when late the lateness relative to g);
 *   4. pages touched in the last 8 periods but in one period only;
 *   5. pages touched in the last 8 periods: the longest untouched first, then
 *      the lowest AGING score. A page back from a long spell and within 8
 *      periods of its predicted return ranks here, as a page touched that
 *      many periods ago, so at a phase change the set coming back is kept
 *      over the set that just stopped.
 * Cohorts: a working set that is abandoned (a phase change) stops all at
 * once, where pages leaving a loop or pausing stop a few at a time. Each
 * scan counts the pages that stopped (touched in 4 or more of 6 periods,
 * then untouched for 2); when more than 4 times the moving average of that
 * count stop together (and at least 1/256 of the VM, 8 pages; not in the
 * first 32 scans), the period of their last touch and the 12 before it are
 * a cohort (VICTIM_COHORTS kept), with a least tenure: a quarter of the
 * mean time the stopped pages had been in their stay. A page whose last
 * touch is in a cohort, and whose stay had lasted that long (a page passing
 * through, as under a drifting window, is no part of an abandoned set), has
 * no prediction of its own and goes, first to last:
 *   - right after class 1 once idle;
 *   - before class 2 while still in the 8-period history but untouched for
 *     2 periods, the surest first: the most touches missed (silent periods
 *     times the rate of the periods before);
 * unless it came back from an idle spell together with many others, or
 * from a spell that began with a cohort (VICTIM_PG_COHORT_BACK): a set
 * that has returned as one keeps its predicted return. A move is seen one
 * period sooner: when, at a scan, the pages that stopped after one silent
 * period (touched in the period before and in 3 or more of the 6 before
 * that) are more than COHORT_FACTOR times the usual number of stops (and
 * 1/256 of the VM, 8 pages), and in the same period the VM touched pages it
 * never touched before, more than COHORT_FACTOR times as many as usual and
 * between half and 4 times as many as stopped, the VM is moving its working
 * set: the period of their last touch and the 12 before it are a cohort. (A
 * sweep through far more new pages than stopped is a buffer being filled,
 * after which the paused set comes back.) And a move is seen within its
 * period, at a selection (quick move, which reads every accessed bit): the
 * VM has first-touched more pages since the scan than COHORT_FACTOR times
 * its usual number in a period (and 1/256 of it, 8 pages), no faster than
 * it usually touches pages (a buffer fill streams through far more), no
 * more than MOVE_SPREAD times as many as its hot pages (touched in 6 or
 * more of the last 8 periods, in use for 8) that are silent since the scan,
 * and those are far more than steady use leaves untouched this far into the
 * period: a hot page touched in k of 8 periods stays untouched a fraction f
 * into a period with probability about (1 - k/8)^f; the test is the
 * expected count plus 3 standard deviations plus 1/256 of the VM, with f
 * from plat_time_ns and the time between the last two scans. The silent
 * hot pages then go right after the cohorts' idle pages for the rest of
 * the period, and the move's cohort is recorded at once. Touches a
 * selection sees between scans count in the period they happened (the
 * next scan folds them into the newest bit).
 * Ties are broken at random. Its working set (victim_demand_q16) is the pages
 * touched in the last 8 periods in two periods or more plus the idle pages
 * predicted back by their own spells; victim_once_pages counts the idle
 * pages of class 1. Without storage (or too little) REUSE behaves as AGING.
 * Integer arithmetic only; the ranking is a 1024-bucket histogram in the
 * caller's storage, three passes over the VM per selection (four while the
 * VM is first-touching many pages, for the quick move test; and one more at
 * a scan where many pages came back together).
 */
struct victim_page {
    uint32_t last;             /* aging period of the last touch seen; 0 never */
    uint32_t since;            /* period its stay began: first touch, or back from an absence */
    uint16_t gap;              /* the shortest idle spell it came back from */
    uint16_t gap_long;         /* the longest idle spell it came back from */
    uint16_t uses;             /* aging periods it was seen touched in (saturating) */
    uint16_t spell_len;        /* periods from the start of this active spell to last */
    uint16_t spell_uses;       /* periods it was touched in during this spell */
    uint16_t flags;            /* VICTIM_PG_* */
    uint16_t prev_len;         /* periods from the start to the end of the previous active spell */
    uint16_t prev_uses;        /* periods it was touched in during that spell */
};
/* The page came back from an idle spell that began with a cohort (below):
 * its own history predicts its set's returns. */
#define VICTIM_PG_COHORT_BACK 1u

/* A range of aging periods: of a cohort (periods in which an unusual number
 * of pages made their last touch, see "cohorts" above) or of a fill (many
 * first touches). REUSE keeps the most recent few of each in a ring. */
#define VICTIM_COHORTS 8
struct victim_cohort {
    uint32_t lo, hi;           /* periods, inclusive; lo = 0: empty */
    uint32_t tenure;           /* cohorts: the least a member's stay had lasted at its last touch */
};

#define VICTIM_BUCKETS 1024    /* eviction classes REUSE ranks pages into */

struct victim {
    enum victim_policy policy;
    ppn_t hand;                /* clock hand, shared by CLOCK and AGING */
    uint64_t scans;
    uint64_t active_pages;     /* touched in the last 8 aging periods */
    uint64_t due_pages;        /* REUSE: idle pages predicted to come back */
    uint64_t once_pages;       /* REUSE: idle pages seen touched in one period only */
    struct victim_page *pg;    /* REUSE: per-page state, caller storage */
    uint32_t *hist;            /* REUSE: VICTIM_BUCKETS counters, caller storage */
    uint64_t npages;
    uint32_t horizon;          /* REUSE: the longest idle spell a page came back from */
    uint64_t onset_avg_q4;     /* REUSE: pages going idle per aging period, x16 (EWMA) */
    uint64_t onset_last;       /* REUSE: pages that went idle at the last scan */
    struct victim_cohort cohort[VICTIM_COHORTS];  /* REUSE: ring, newest at cohort_at */
    unsigned cohort_at;
    uint64_t cohorts;          /* REUSE: cohort periods seen (statistics) */
    uint64_t returns_now;      /* REUSE: pages back from an idle spell this period */
    uint64_t return_avg_q4;    /* REUSE: the same per period, x16 (EWMA) */
    uint64_t fresh_now;        /* REUSE: pages seen touched for the first time this period */
    uint64_t fresh_avg_q4;     /* REUSE: the same per period, x16 (EWMA) */
    uint64_t moves;            /* REUSE: cohorts seen one period early, at a move (statistics) */
    struct victim_cohort fill[VICTIM_COHORTS];  /* REUSE: periods of many first touches (ring) */
    unsigned fill_at;
    uint64_t touched_avg_q4;   /* REUSE: pages touched per aging period, x16 (EWMA) */
    uint64_t scan_ns;          /* REUSE: plat_time_ns at the last scan */
    uint64_t period_ns;        /* REUSE: time between the last two scans */
    uint32_t quick;            /* REUSE: period in which a move was seen before its end */
    uint64_t quick_moves;      /* REUSE: such moves (statistics) */
    uint64_t stay_avg_q4;      /* REUSE: how long stays that ended had lasted at their last touch, x16 (EWMA) */
    uint64_t stays_ended;      /* REUSE: stays seen to end (an absence of more than 64 periods began) */
    struct victim_link *link;  /* CAR, CLOCK-Pro: per page, caller storage (8 bytes) */
    uint8_t *tag;              /* CAR, CLOCK-Pro: per page, caller storage: list or status */
    struct car car;
    struct clockpro cp;
    uint32_t *stamp;           /* RECENT: per page, caller storage: period of the last touch seen */
    ppn_t scan_pos;            /* RECENT: where the aging pass in parts stands (0: none begun) */
    uint64_t scan_active;      /* RECENT: active pages the pass in parts has counted so far */
    /* RECENT's early eviction (mm/victim_early.c), VICTIM_BUCKETS each: */
    uint32_t *reuse_at;        /* touches after an idle spell, by LRU stack position (x1024, decaying) */
    uint32_t *reuse_cum;       /* their prefix sums, at the last pass */
    uint32_t *idle_at;         /* touched pages by idle time, counted by the aging pass */
    uint32_t *stack_at;        /* the stack position where each idle bucket began, at the last pass */
    uint64_t reuse_total;      /* reuse_at's sum */
    unsigned early_from;       /* early eviction from this idle bucket ... */
    unsigned early_to;         /* ... up to (not including) this one; 0: none, LRU */
    uint64_t early_periods;    /* aging periods that chose early eviction (statistics) */
    uint64_t early_held;       /* the pages the VM held at the last pass */
};

void victim_init(struct victim *v, enum victim_policy policy);

/* The page was just mapped: a first touch, or back from swap or the
 * balloon (the caller's fault path says so). CAR and CLOCK-Pro learn of
 * misses here, and clear the accessed bit the faulting access set; a no-op
 * for the other policies. */
void victim_note_map(struct victim *v, struct physmap *pm, ppn_t ppn);

/* A page victim_select chose stayed resident (no store took it: the
 * compression cache full or refusing it, swap full, failed or absent): it
 * counts as used now, so the next selections take pages idle longer
 * instead of choosing it again and again (a release would otherwise stall
 * on a head of pages nothing can take). RECENT stamps it with this period,
 * AGING and REUSE set its newest history bit, CAR and CLOCK-Pro take it
 * back as victim_note_map does; a no-op for CLOCK and RANDOM. */
void victim_note_kept(struct victim *v, struct physmap *pm, ppn_t ppn);

/* Bytes of storage REUSE, RECENT, CAR and CLOCK-Pro need for a VM of `npages`
 * (REUSE's 24 bytes a page plus the 4 KiB histogram; the others use less). */
size_t victim_storage_bytes(uint64_t npages);
/* Gives REUSE, RECENT, CAR or CLOCK-Pro its storage (zeroed here). False, and the
 * policy chooses as AGING does, when the storage is NULL or too small or
 * npages is 0. RECENT uses 4 bytes a page and the histogram, CAR and
 * CLOCK-Pro 9 bytes a page. */
bool victim_attach(struct victim *v, void *storage, size_t bytes, uint64_t npages);

/* REUSE: the eviction bucket of `ppn` now (higher goes first; for tests and
 * statistics). 0 for pages that are no candidates. */
unsigned victim_bucket(const struct victim *v, const struct physmap *pm, ppn_t ppn);

/* One aging period: fold every mapped page's accessed bit into its history
 * (read and clear through plat_gpa_test_clear_accessed). AGING only; a no-op
 * for the other policies. */
void victim_age_scan(struct victim *v, struct physmap *pm);

/* The same aging pass in parts, so no one call holds the CPU for all of a
 * large VM (a 96 MiB VM's pass was 14 ms of Bochs time at once, and a
 * sibling's timer interrupt waited behind it; 8 M pages would be tens of
 * ms on hardware): scans at most `budget` pages from where the pass stands
 * and returns true once the pass is complete, which ends the period. The
 * parts of one pass give what one victim_age_scan would, for the touches
 * made before each part. RECENT only; the others scan whole, at once. */
bool victim_age_scan_step(struct victim *v, struct physmap *pm, uint64_t budget);

/* The accessed-bit view of the working set: the fraction (Q16) of the VM's
 * pages touched within the last 8 aging periods (pinned pages count as
 * active), at the last scan. Exact where the sampler estimates, and it
 * follows a VM going idle within 8 periods. 100% before the first scan. */
uint32_t victim_active_q16(const struct victim *v, const struct physmap *pm);

/* REUSE: the working set memsched should tax: the active pages above plus
 * idle pages predicted to come back (see the gap rules above), Q16. A VM
 * with a periodic job keeps the memory of the job it is not running now
 * instead of losing it to the idle tax between runs. Equal to
 * victim_active_q16 for the other policies. */
uint32_t victim_demand_q16(const struct victim *v, const struct physmap *pm);

/* REUSE: idle pages (untouched for 8 periods) that were seen touched in one
 * aging period only, at the last scan: a buffer filled once and dropped
 * (memsched_vm.once_pages). 0 for the other policies. */
uint64_t victim_once_pages(const struct victim *v);

/* Chooses up to `n` distinct mapped, unpinned pages of `pm` into `out`;
 * returns how many (fewer only when the VM has fewer such pages). */
uint64_t victim_select(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n);

/* The rank of an 8-bit history: lower is evicted first. */
unsigned victim_age_score(uint8_t age);

const char *victim_policy_name(enum victim_policy p);

#endif
