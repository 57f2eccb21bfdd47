/*
 * Buddy allocator over the MPN database. Free blocks are linked through
 * their head page's record (never through the page itself, so a free page is
 * never touched and no mapping is needed to allocate). Pages inside a free
 * block have owner FREE and order ORDER_NONE; only heads carry an order.
 */
#include "mm/page_alloc.h"
#include "include/hv/platform.h"
#include "lib/kstring.h"
#include "lib/panic.h"
#include "lib/spinlock.h"

#define MAX_ORDER 20 /* 4 GiB blocks */

static uint32_t free_head[MAX_ORDER + 1];
static uint64_t free_pages;
static spinlock_t lock = SPINLOCK_INIT;

static struct mpn_rec *rec(mpn_t mpn)
{
    return mpn_db_rec(mpn);
}

static void list_push(unsigned order, mpn_t mpn)
{
    struct mpn_rec *r = rec(mpn);
    r->order = (uint8_t)order;
    r->prev = MPN_NIL;
    r->next = free_head[order];
    if (free_head[order] != MPN_NIL)
        rec(free_head[order])->prev = (uint32_t)mpn;
    free_head[order] = (uint32_t)mpn;
}

static void list_remove(unsigned order, mpn_t mpn)
{
    struct mpn_rec *r = rec(mpn);
    if (r->prev != MPN_NIL)
        rec(r->prev)->next = r->next;
    else
        free_head[order] = r->next;
    if (r->next != MPN_NIL)
        rec(r->next)->prev = r->prev;
    r->next = r->prev = MPN_NIL;
    r->order = ORDER_NONE;
}

/* Returns a block of free pages (owner FREE) to the lists, merging buddies. */
static void free_block(mpn_t mpn, unsigned order)
{
    while (order < MAX_ORDER) {
        mpn_t buddy = mpn ^ (1ULL << order);
        struct mpn_rec *b = rec(buddy);
        if (!b || b->owner != OWNER_FREE || b->order != order)
            break;
        list_remove(order, buddy);
        mpn &= ~(1ULL << order);
        order++;
    }
    list_push(order, mpn);
}

/* Largest order a block at `p` may have without passing `end`. */
static unsigned fit_order(mpn_t p, mpn_t end)
{
    unsigned o = 0;
    while (o < MAX_ORDER && (p & (1ULL << o)) == 0 && p + (2ULL << o) <= end)
        o++;
    return o;
}

static void free_span(mpn_t p, mpn_t end)
{
    while (p < end) {
        unsigned o = fit_order(p, end);
        free_block(p, o);
        p += 1ULL << o;
    }
}

enum mpn_db_err page_alloc_init(const struct mem_range *ranges, size_t nranges,
                                const struct mem_claim *claims, size_t nclaims,
                                bool reserve_lowmem)
{
    enum mpn_db_err e = mpn_db_init(ranges, nranges, claims, nclaims, reserve_lowmem);
    if (e != MPN_DB_OK)
        return e;
    for (unsigned o = 0; o <= MAX_ORDER; o++)
        free_head[o] = MPN_NIL;
    free_pages = 0;
    uint64_t n = mpn_db_pages();
    for (mpn_t m = 0; m < n;) {
        if (rec(m)->owner != OWNER_FREE) {
            m++;
            continue;
        }
        mpn_t end = m;
        while (end < n && rec(end)->owner == OWNER_FREE)
            end++;
        free_span(m, end);
        free_pages += end - m;
        m = end;
    }
    return MPN_DB_OK;
}

void page_alloc_init_flat(uint64_t npages)
{
    struct mem_range r = { .base = 0, .pages = npages, .type = MEM_USABLE };
    enum mpn_db_err e = page_alloc_init(&r, 1, NULL, 0, false);
    if (e != MPN_DB_OK)
        hv_panic("page_alloc_init_flat(%llu): %s", (unsigned long long)npages,
                 mpn_db_strerror(e));
}

static unsigned order_for(uint64_t count)
{
    unsigned o = 0;
    while ((1ULL << o) < count)
        o++;
    return o;
}

mpn_t page_alloc_run(uint64_t count, uint16_t owner)
{
    if (count == 0 || owner == OWNER_FREE || owner == OWNER_RESERVED)
        return INVALID_MPN;
    unsigned want = order_for(count);
    if (want > MAX_ORDER)
        return INVALID_MPN;
    spin_lock(&lock);
    unsigned o = want;
    while (o <= MAX_ORDER && free_head[o] == MPN_NIL)
        o++;
    if (o > MAX_ORDER) {
        spin_unlock(&lock);
        return INVALID_MPN;
    }
    mpn_t first = free_head[o];
    list_remove(o, first);
    /* Keep [first, first + count), give back the rest of the block. */
    free_span(first + count, first + (1ULL << o));
    for (mpn_t m = first; m < first + count; m++)
        mpn_db_set_owner(m, owner);
    free_pages -= count;
    spin_unlock(&lock);
    return first;
}

mpn_t page_alloc(uint16_t owner)
{
    return page_alloc_run(1, owner);
}

mpn_t page_alloc_zeroed(uint16_t owner)
{
    mpn_t m = page_alloc(owner);
    if (m != INVALID_MPN)
        memset(plat_mpn_to_va(m), 0, PAGE_SIZE);
    return m;
}

void page_free_run(mpn_t first, uint64_t count)
{
    spin_lock(&lock);
    for (mpn_t m = first; m < first + count; m++) {
        struct mpn_rec *r = rec(m);
        if (!r || r->type != MEM_USABLE || r->owner == OWNER_FREE ||
            r->owner == OWNER_RESERVED) {
            spin_unlock(&lock);
            hv_panic("page_free: MPN 0x%llx is not an allocated page (owner %s)",
                     (unsigned long long)m, r ? mpn_owner_name(r->owner) : "none");
        }
    }
    for (mpn_t m = first; m < first + count; m++)
        mpn_db_set_owner(m, OWNER_FREE);
    free_span(first, first + count);
    free_pages += count;
    spin_unlock(&lock);
}

void page_free(mpn_t mpn)
{
    page_free_run(mpn, 1);
}

void page_set_owner(mpn_t mpn, uint16_t owner)
{
    struct mpn_rec *r = rec(mpn);
    if (!r || r->owner == OWNER_FREE || r->owner == OWNER_RESERVED ||
        owner == OWNER_FREE || owner == OWNER_RESERVED)
        hv_panic("page_set_owner: MPN 0x%llx cannot change owner", (unsigned long long)mpn);
    spin_lock(&lock);
    mpn_db_set_owner(mpn, owner);
    spin_unlock(&lock);
}

uint64_t page_free_count(void)
{
    return free_pages;
}

uint64_t page_alloc_check(void)
{
    uint64_t bad = 0, listed = 0;
    spin_lock(&lock);
    for (unsigned o = 0; o <= MAX_ORDER; o++) {
        uint32_t prev = MPN_NIL;
        for (uint32_t m = free_head[o]; m != MPN_NIL; m = rec(m)->next) {
            struct mpn_rec *r = rec(m);
            if (r->order != o || r->prev != prev || (m & ((1u << o) - 1)) != 0)
                bad++;
            for (uint64_t i = 0; i < (1ULL << o); i++) {
                struct mpn_rec *p = rec(m + i);
                if (!p || p->owner != OWNER_FREE || p->type != MEM_USABLE ||
                    (i && p->order != ORDER_NONE))
                    bad++;
            }
            listed += 1ULL << o;
            prev = m;
            if (listed > mpn_db_pages()) { /* a cycle: stop walking */
                bad++;
                break;
            }
        }
    }
    struct mpn_db_stats st;
    mpn_db_get_stats(&st);
    if (listed != free_pages || st.owner_pages[OWNER_FREE] != free_pages)
        bad++;
    spin_unlock(&lock);
    return bad;
}
