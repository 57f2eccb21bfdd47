/*
 * Internal to victim selection (mm/victim_car.c, mm/victim_clockpro.c,
 * mm/victim_ours.c): doubly linked lists of guest pages threaded through
 * one link array indexed by PPN, so a page is on at most one list of a
 * family and a list costs 8 bytes a page in all. CAR uses them as clocks
 * (the head is the hand; a page given a second chance goes to the tail)
 * and as LRU lists (head = least recent); CLOCK-Pro as one circular list.
 */
#ifndef MM_VICTIM_LIST_H
#define MM_VICTIM_LIST_H

#include "mm/victim.h"

#define VL_NIL UINT32_MAX

static inline void vl_init(struct victim_list *l)
{
    l->head = l->tail = VL_NIL;
    l->n = 0;
}

static inline void vl_push_tail(struct victim_list *l, struct victim_link *lk, uint32_t p)
{
    lk[p].next = VL_NIL;
    lk[p].prev = l->tail;
    if (l->tail != VL_NIL)
        lk[l->tail].next = p;
    else
        l->head = p;
    l->tail = p;
    l->n++;
}

static inline void vl_remove(struct victim_list *l, struct victim_link *lk, uint32_t p)
{
    if (lk[p].prev != VL_NIL) lk[lk[p].prev].next = lk[p].next; else l->head = lk[p].next;
    if (lk[p].next != VL_NIL) lk[lk[p].next].prev = lk[p].prev; else l->tail = lk[p].prev;
    l->n--;
}

/* Up to n victims from `next` (which returns VL_NIL when it has none). */
static inline uint64_t vl_collect(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n,
                                  uint32_t (*next)(struct victim *, struct physmap *))
{
    uint64_t k = 0;
    while (k < n) {
        uint32_t p = next(v, pm);
        if (p == VL_NIL)
            break;
        out[k++] = p;
    }
    return k;
}

#endif
