/*
 * VICTIM_CAR: CLOCK with Adaptive Replacement (Bansal and Modha, FAST 2004),
 * with the EPT accessed bit as the reference bit. Written from the paper's
 * description:
 *   T1, T2   resident pages, each a clock: T1 holds pages seen once since
 *            they came in (recency), T2 pages referenced again while in T1
 *            or back from the history (frequency);
 *   B1, B2   history: LRU lists of pages recently evicted from T1 and T2;
 *   p        the target size of T1, adapted on every miss that hits the
 *            history: a hit in B1 says T1 was too small (p grows by
 *            max(1, |B2|/|B1|)), a hit in B2 that T2 was (p shrinks by
 *            max(1, |B1|/|B2|)).
 * Replacement: while T1 holds at least max(1, p) pages its hand runs, else
 * T2's; the page under the hand goes if its bit is clear (to B1 or B2),
 * else its bit is cleared and it moves to the tail of T2.
 * The cache size c is what the VM holds now (memsched sets it, not CAR), so
 * history is trimmed against that: on a miss not in the history, |T1| +
 * |B1| stays under c and all four lists under 2c.
 */
#include "mm/victim_policies.h"

enum { CAR_NONE = 0, CAR_T1, CAR_T2, CAR_B1, CAR_B2 };

static struct victim_list *car_list(struct victim *v, uint8_t tag)
{
    switch (tag) {
    case CAR_T1: return &v->car.t1;
    case CAR_T2: return &v->car.t2;
    case CAR_B1: return &v->car.b1;
    default: return &v->car.b2;
    }
}

static void car_move(struct victim *v, uint32_t p, uint8_t to)
{
    if (v->tag[p] != CAR_NONE)
        vl_remove(car_list(v, v->tag[p]), v->link, p);
    v->tag[p] = to;
    if (to != CAR_NONE)
        vl_push_tail(car_list(v, to), v->link, p);
}

void car_reset(struct victim *v)
{
    vl_init(&v->car.t1);
    vl_init(&v->car.t2);
    vl_init(&v->car.b1);
    vl_init(&v->car.b2);
    v->car.p = 0;
}

void car_note_map(struct victim *v, struct physmap *pm, ppn_t ppn)
{
    uint32_t x = (uint32_t)ppn;
    uint8_t t = v->tag[x];
    /* the access that faulted the page in is not a re-reference */
    plat_gpa_test_clear_accessed(pm->vm, ppn);
    if (t == CAR_T1 || t == CAR_T2)
        return;
    struct car *c = &v->car;
    uint64_t size = c->t1.n + c->t2.n + 1;      /* the cache with x in it */
    if (t == CAR_B1) {
        uint64_t step = MAX(1, c->b2.n / c->b1.n);
        c->p = MIN(c->p + step, size);
        car_move(v, x, CAR_T2);
        return;
    }
    if (t == CAR_B2) {
        uint64_t step = MAX(1, c->b1.n / c->b2.n);
        c->p = c->p > step ? c->p - step : 0;
        car_move(v, x, CAR_T2);
        return;
    }
    /* a new page: keep the history within bounds, then into T1 */
    bool dropped = false;
    while (c->t1.n + c->b1.n >= size && c->b1.n) {
        car_move(v, c->b1.head, CAR_NONE);
        dropped = true;
    }
    while (!dropped && c->t1.n + c->t2.n + c->b1.n + c->b2.n >= 2 * size && c->b2.n)
        car_move(v, c->b2.head, CAR_NONE);
    if (c->p > size)
        c->p = size;
    car_move(v, x, CAR_T1);
}

/* One replacement: the page CAR evicts, moved to its history list, or
 * VL_NIL when neither clock holds an unpinned mapped page. */
static uint32_t car_replace(struct victim *v, struct physmap *pm)
{
    struct car *c = &v->car;
    uint64_t budget = 2 * (c->t1.n + c->t2.n) + 2;
    while (budget-- && (c->t1.n || c->t2.n)) {
        bool from_t1 = c->t1.n && (c->t1.n >= MAX(1, c->p) || !c->t2.n);
        uint8_t here = from_t1 ? CAR_T1 : CAR_T2, hist = from_t1 ? CAR_B1 : CAR_B2;
        uint32_t p = car_list(v, here)->head;
        struct pm_entry e;
        if (physmap_lookup(pm, p, &e) != PM_OK || e.state != PM_MAPPED) {
            car_move(v, p, hist);    /* released behind CAR's back: gone */
            continue;
        }
        if (e.pinned) {
            car_move(v, p, here);    /* never a victim: round the clock */
            continue;
        }
        if (!plat_gpa_test_clear_accessed(pm->vm, p)) {
            car_move(v, p, hist);
            return p;
        }
        car_move(v, p, CAR_T2);
    }
    return VL_NIL;
}

uint64_t car_select(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n)
{
    /* pages mapped without a word to CAR (preallocated) join T1 */
    for (ppn_t p = 0; p < pm->npages; p++)
        if (v->tag[p] != CAR_T1 && v->tag[p] != CAR_T2 && victim_candidate(pm, p))
            car_move(v, (uint32_t)p, CAR_T1);
    return vl_collect(v, pm, out, n, car_replace);
}
