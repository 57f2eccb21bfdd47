/*
 * Internal to victim selection: what mm/victim.c calls in the policies that
 * keep lists of pages (CAR in mm/victim_car.c, CLOCK-Pro in
 * mm/victim_clockpro.c). Nothing outside mm/victim*.c includes this.
 */
#ifndef MM_VICTIM_POLICIES_H
#define MM_VICTIM_POLICIES_H

#include "mm/victim.h"
#include "mm/victim_list.h"

/* A page victim selection may choose: mapped and not pinned. */
static inline bool victim_candidate(const struct physmap *pm, ppn_t ppn)
{
    struct pm_entry e;
    return physmap_lookup(pm, ppn, &e) == PM_OK && e.state == PM_MAPPED && !e.pinned;
}

/* A log scale with 32 steps per octave: exact below 32, then monotonic;
 * qlog(UINT32_MAX) is 895, inside VICTIM_BUCKETS. */
static inline unsigned victim_qlog(uint32_t x)
{
    if (x < 32)
        return x;
    unsigned e = 31 - (unsigned)__builtin_clz(x);
    return 32 * (e - 4) + ((x >> (e - 5)) - 32);
}

/* Ranks candidate pages into VICTIM_BUCKETS buckets (higher goes first),
 * at aging period `cur`. */
typedef unsigned (*victim_bucket_fn)(const struct victim *v, const struct physmap *pm, ppn_t p,
                                     uint32_t cur);
/* The n pages of the highest buckets, ties at random (mm/victim.c). */
uint64_t victim_select_by_bucket(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n,
                                 victim_bucket_fn bucket_fn);

/* VICTIM_RECENT (mm/victim_recent.c). */
bool recent_on(const struct victim *v, const struct physmap *pm);
void recent_scan(struct victim *v, struct physmap *pm);
bool recent_scan_step(struct victim *v, struct physmap *pm, uint64_t budget);
uint64_t recent_select(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n);

/* RECENT's stamp: the aging period of the page's last touch seen, and
 * this flag once a touch came from beyond the pages the VM held (a page of
 * a loop larger than memory does so every turn; under early eviction the
 * pages without it go first, mm/victim_early.c). */
#define RECENT_RETURNED 0x80000000u
static inline uint32_t recent_period(uint32_t stamp)
{
    return stamp & ~RECENT_RETURNED;
}

/* RECENT's early eviction (mm/victim_early.c): an aging pass counts every
 * touched page's idle time (early_pass_begin, early_count for each page,
 * early_decide with the pages the VM holds at its end); every touch after
 * an idle spell is evidence (early_note_touch: true when it came from
 * beyond the pages held); early_rank turns an idle bucket into the
 * eviction bucket (`returned`: the page has come from beyond memory),
 * which is the idle bucket itself while LRU does as well. */
void early_pass_begin(struct victim *v);
void early_count(struct victim *v, uint32_t cur, ppn_t p);
bool early_note_touch(struct victim *v, uint32_t idle);
void early_decide(struct victim *v, uint64_t held);
unsigned early_rank(const struct victim *v, unsigned b, bool returned);

void car_reset(struct victim *v);
void car_note_map(struct victim *v, struct physmap *pm, ppn_t ppn);
uint64_t car_select(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n);

void clockpro_reset(struct victim *v);
void clockpro_note_map(struct victim *v, struct physmap *pm, ppn_t ppn);
uint64_t clockpro_select(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n);

#endif
