/*
 * VICTIM_CLOCKPRO: CLOCK-Pro (Jiang, Chen and Zhang, USENIX ATC 2005), with
 * the EPT accessed bit as the reference bit. Written from the paper's
 * description. One circular list holds resident hot pages, resident cold
 * pages and non-resident cold pages still in their test period (at most as
 * many as the VM holds). A cold page starts a test period when it comes in;
 * re-referenced within it, its reuse distance is short and it turns hot.
 * Three hands go round, each skipping pages not its own:
 *   HAND_cold  finds the victim: a resident cold page with its bit clear
 *              goes (staying in the list, non-resident, if in its test
 *              period); with its bit set it is moved to the list head, and
 *              turns hot if it was in its test period, else starts a new one;
 *   HAND_hot   runs while there are more hot pages than m - m_c: a hot page
 *              with its bit set keeps its status (bit cleared), one with it
 *              clear turns cold; on its way it ends cold pages' test
 *              periods and drops the non-resident ones;
 *   HAND_test  runs while non-resident pages outnumber resident ones: it
 *              ends the test period of the cold pages it passes and drops
 *              the non-resident ones.
 * m_c, the target number of resident cold pages, adapts: +1 when a cold
 * page is re-referenced in its test period (resident, or faulting back in
 * while non-resident), -1 when a test period ends unused; it stays in
 * [1, m - 1], m being the pages the VM holds (memsched decides that). The
 * list head is just behind HAND_hot: the last place any hand reaches.
 */
#include "mm/victim_policies.h"

#define CP_IN   1u    /* on the list */
#define CP_RES  2u    /* resident (as CLOCK-Pro last saw it) */
#define CP_HOT  4u
#define CP_TEST 8u    /* cold page in its test period */

static uint64_t cp_resident(const struct clockpro *c)
{
    return c->hot + c->cold;
}

static void cp_adapt(struct clockpro *c, bool up)
{
    uint64_t m = cp_resident(c);
    if (up)
        c->mc = MIN(c->mc + 1, m > 1 ? m - 1 : 1);
    else if (c->mc > 1)
        c->mc--;
}

/* Unlinks p, moving any hand on it to its successor first. */
static void cp_unlink(struct victim *v, uint32_t p)
{
    struct clockpro *c = &v->cp;
    uint32_t next = v->link[p].next == p ? VL_NIL : v->link[p].next;
    if (c->hand_hot == p) c->hand_hot = next;
    if (c->hand_cold == p) c->hand_cold = next;
    if (c->hand_test == p) c->hand_test = next;
    if (next != VL_NIL) {
        v->link[v->link[p].prev].next = v->link[p].next;
        v->link[v->link[p].next].prev = v->link[p].prev;
    }
    c->len--;
}

/* Puts p at the list head: just behind HAND_hot. */
static void cp_link_head(struct victim *v, uint32_t p)
{
    struct clockpro *c = &v->cp;
    if (c->len == 0) {
        v->link[p].next = v->link[p].prev = p;
        c->hand_hot = c->hand_cold = c->hand_test = p;
    } else {
        uint32_t at = c->hand_hot, before = v->link[at].prev;
        v->link[p].prev = before;
        v->link[p].next = at;
        v->link[before].next = p;
        v->link[at].prev = p;
    }
    c->len++;
}

static void cp_to_head(struct victim *v, uint32_t p)
{
    cp_unlink(v, p);
    cp_link_head(v, p);
}

/* Drops a page from the list, whatever its status. */
static void cp_drop(struct victim *v, uint32_t p)
{
    struct clockpro *c = &v->cp;
    uint8_t t = v->tag[p];
    if (!(t & CP_IN))
        return;
    if (!(t & CP_RES)) c->nonres--;
    else if (t & CP_HOT) c->hot--;
    else c->cold--;
    cp_unlink(v, p);
    v->tag[p] = 0;
}

/* A resident page leaves memory: a cold page in its test period stays as a
 * non-resident page, any other leaves the list. */
static void cp_evicted(struct victim *v, uint32_t p)
{
    struct clockpro *c = &v->cp;
    uint8_t t = v->tag[p];
    if ((t & (CP_IN | CP_RES | CP_HOT | CP_TEST)) == (CP_IN | CP_RES | CP_TEST)) {
        v->tag[p] = CP_IN | CP_TEST;
        c->cold--;
        c->nonres++;
    } else {
        cp_drop(v, p);
    }
}

/* A cold page's test period ends without a re-reference. */
static void cp_end_test(struct victim *v, uint32_t p)
{
    cp_adapt(&v->cp, false);
    if (!(v->tag[p] & CP_RES))
        cp_drop(v, p);
    else
        v->tag[p] &= (uint8_t)~CP_TEST;
}

static bool cp_gone(const struct physmap *pm, uint32_t p)
{
    struct pm_entry e;
    return physmap_lookup(pm, p, &e) != PM_OK || e.state != PM_MAPPED;
}

/* HAND_hot: turns one hot page cold. */
static void cp_run_hot(struct victim *v, struct physmap *pm)
{
    struct clockpro *c = &v->cp;
    uint64_t budget = 2 * c->len + 2;
    while (budget-- && c->hot && c->hand_hot != VL_NIL) {
        uint32_t p = c->hand_hot;
        uint8_t t = v->tag[p];
        c->hand_hot = v->link[p].next;
        if (!(t & CP_HOT)) {
            if (t & CP_TEST)
                cp_end_test(v, p);
            continue;
        }
        if (cp_gone(pm, p)) {
            cp_drop(v, p);
            continue;
        }
        if (plat_gpa_test_clear_accessed(pm->vm, p))
            continue;
        v->tag[p] = CP_IN | CP_RES;
        c->hot--;
        c->cold++;
        return;
    }
}

/* HAND_test: ends test periods until one non-resident page is dropped. */
static void cp_run_test(struct victim *v)
{
    struct clockpro *c = &v->cp;
    uint64_t budget = 2 * c->len + 2;
    while (budget-- && c->hand_test != VL_NIL) {
        uint32_t p = c->hand_test;
        uint8_t t = v->tag[p];
        c->hand_test = v->link[p].next;
        if (t & CP_TEST) {
            bool res = t & CP_RES;
            cp_end_test(v, p);
            if (!res)
                return;
        }
    }
}

static void cp_balance(struct victim *v, struct physmap *pm)
{
    struct clockpro *c = &v->cp;
    while (c->hot && c->hot + c->mc > cp_resident(c)) {
        uint64_t before = c->hot;
        cp_run_hot(v, pm);
        if (c->hot == before)
            break;
    }
    while (c->nonres > cp_resident(c)) {
        uint64_t before = c->nonres;
        cp_run_test(v);
        if (c->nonres == before)
            break;
    }
}

void clockpro_reset(struct victim *v)
{
    v->cp = (struct clockpro){ .hand_hot = VL_NIL, .hand_cold = VL_NIL, .hand_test = VL_NIL,
                               .mc = 1 };
}

void clockpro_note_map(struct victim *v, struct physmap *pm, ppn_t ppn)
{
    struct clockpro *c = &v->cp;
    uint32_t x = (uint32_t)ppn;
    uint8_t t = v->tag[x];
    plat_gpa_test_clear_accessed(pm->vm, ppn);   /* the faulting access is no re-reference */
    if ((t & CP_IN) && (t & CP_RES))
        return;
    if (t & CP_IN) {
        /* back within its test period: a short reuse distance, hot */
        cp_adapt(c, true);
        c->nonres--;
        v->tag[x] = CP_IN | CP_RES | CP_HOT;
        c->hot++;
        cp_to_head(v, x);
    } else {
        v->tag[x] = CP_IN | CP_RES | CP_TEST;
        c->cold++;
        cp_link_head(v, x);
    }
    cp_balance(v, pm);
}

/* HAND_cold: the next victim, or VL_NIL if no resident cold page can go. */
static uint32_t cp_run_cold(struct victim *v, struct physmap *pm)
{
    struct clockpro *c = &v->cp;
    uint64_t budget = 3 * c->len + 3;
    while (budget-- && c->hand_cold != VL_NIL) {
        if (!c->cold) {
            uint64_t hot = c->hot;
            cp_run_hot(v, pm);         /* every resident page is hot: demote one */
            if (c->hot == hot)
                return VL_NIL;
            continue;
        }
        uint32_t p = c->hand_cold;
        uint8_t t = v->tag[p];
        c->hand_cold = v->link[p].next;
        if ((t & (CP_RES | CP_HOT)) != CP_RES)
            continue;
        if (cp_gone(pm, p)) {
            cp_evicted(v, p);
            continue;
        }
        if (!victim_candidate(pm, p))
            continue;                  /* pinned */
        if (!plat_gpa_test_clear_accessed(pm->vm, p)) {
            cp_evicted(v, p);
            cp_balance(v, pm);
            return p;
        }
        if (t & CP_TEST) {
            cp_adapt(c, true);
            v->tag[p] = CP_IN | CP_RES | CP_HOT;
            c->cold--;
            c->hot++;
            cp_to_head(v, p);
            cp_balance(v, pm);
        } else {
            v->tag[p] = CP_IN | CP_RES | CP_TEST;
            cp_to_head(v, p);
        }
    }
    return VL_NIL;
}

uint64_t clockpro_select(struct victim *v, struct physmap *pm, ppn_t *out, uint64_t n)
{
    /* pages mapped without a word to CLOCK-Pro (preallocated) come in cold */
    for (ppn_t p = 0; p < pm->npages; p++)
        if (!(v->tag[p] & CP_RES) && victim_candidate(pm, p))
            clockpro_note_map(v, pm, p);
    return vl_collect(v, pm, out, n, cp_run_cold);
}
