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

void car_reset(struct victim *v);
void car_note_map(struct victim *v, struct physmap *pm, ppn_t ppn);
uint64_t car_select(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n);

void clockpro_reset(struct victim *v);
void clockpro_note_map(struct victim *v, struct physmap *pm, ppn_t ppn);
uint64_t clockpro_select(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n);

#endif
