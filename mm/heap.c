/*
 * Kernel heap. Small objects live in slab pages: one size class per machine
 * page, objects packed from offset 0 with no in-page header (so a 2048-byte
 * class still fits two objects per page). All of a slab page's bookkeeping
 * that must be found from a pointer (class, objects in use, first free
 * object) lives in its MPN record's `aux` word. Free objects are linked
 * inside the page; the first free object of a page also carries the links of
 * the class's list of pages that have free objects, which keeps every
 * operation O(1) without any side table.
 *
 * Large objects are page runs; the head page's aux holds the run length.
 *
 * A freed small object carries a magic word. A kfree that finds the magic
 * confirms by walking that page's free list (at most 256 steps) before
 * calling it a double free, so live data that happens to hold the magic
 * never causes a false alarm.
 */
#include "mm/heap.h"
#include "mm/page_alloc.h"
#include "include/hv/platform.h"
#include "lib/kstring.h"
#include "lib/panic.h"
#include "lib/spinlock.h"

/* aux encodings. The top nibble says what kind of heap page this is so that a
 * pointer into a page with a stale or foreign aux is caught. */
#define AUX_KIND_SHIFT 28
#define AUX_KIND(a)    ((a) >> AUX_KIND_SHIFT)
#define KIND_SLAB      0xAu
#define KIND_RUN_HEAD  0x5u
#define KIND_RUN_TAIL  0x6u

/* Slab: kind | class (4 bits) << 24 | inuse (9 bits) << 12 | free head (9 bits) */
#define SLAB_NIL           0x1ffu
#define SLAB_AUX(c, u, h)  ((KIND_SLAB << AUX_KIND_SHIFT) | ((uint32_t)(c) << 24) | \
                            ((uint32_t)(u) << 12) | (uint32_t)(h))
#define SLAB_CLASS(a)      (((a) >> 24) & 0xfu)
#define SLAB_INUSE(a)      (((a) >> 12) & 0x1ffu)
#define SLAB_HEAD(a)       ((a) & 0x1ffu)

/* Run head: kind | page count (28 bits). Bigger runs are refused. */
#define RUN_MAX_PAGES  ((1u << AUX_KIND_SHIFT) - 1)

/* Powers of two with the halfway sizes between them from 32 up: internal
 * waste stays under a third. All are multiples of 16, so every object in a
 * page-aligned slab is HEAP_MIN_ALIGN-aligned. */
static const uint16_t class_size[] = {
    16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048,
};
#define NCLASSES ARRAY_SIZE(class_size)
#define SMALL_MAX 2048u

/* The first 16 bytes of every free object. `part_*` are meaningful only in
 * the page's first free object: they link the page into its class's list of
 * pages with free objects (MPNs fit in 32 bits: the MPN database uses 32-bit
 * links too). */
struct free_obj {
    uint16_t next;      /* index of the next free object in this page, SLAB_NIL ends */
    uint16_t pad;
    uint32_t magic;
    uint32_t part_next; /* MPN, MPN_NIL ends */
    uint32_t part_prev;
};
_Static_assert(sizeof(struct free_obj) == 16, "free_obj must fit the smallest class");
#define FREE_MAGIC 0xf4eeb10cu

struct size_class {
    uint32_t partial;   /* first page with a free object, MPN_NIL if none */
    uint32_t empty;     /* the one cached page with no live object, MPN_NIL if none */
};

static struct size_class classes[NCLASSES];
static struct heap_stats stats;
static bool ready;
static spinlock_t lock = SPINLOCK_INIT;

static void init_locked(void)
{
    for (unsigned c = 0; c < NCLASSES; c++)
        classes[c].partial = classes[c].empty = MPN_NIL;
    memset(&stats, 0, sizeof stats);
    ready = true;
}

void heap_init(void)
{
    uint64_t irq = plat_irq_save();
    spin_lock(&lock);
    init_locked();
    spin_unlock(&lock);
    plat_irq_restore(irq);
}

static uint64_t lock_heap(void)
{
    uint64_t irq = plat_irq_save();
    spin_lock(&lock);
    if (!ready)
        init_locked();
    return irq;
}

static void unlock_heap(uint64_t irq)
{
    spin_unlock(&lock);
    plat_irq_restore(irq);
}

/* Panics with the lock released: the hosted fake longjmps out of hv_panic,
 * and the next test must find the heap usable. */
#define HEAP_PANIC(irq, ...)        \
    do {                            \
        unlock_heap(irq);           \
        hv_panic(__VA_ARGS__);      \
    } while (0)

static unsigned objs_per_page(unsigned c)
{
    return (unsigned)(PAGE_SIZE / class_size[c]);
}

static struct free_obj *obj_at(mpn_t mpn, unsigned c, unsigned idx)
{
    return (struct free_obj *)((uint8_t *)plat_mpn_to_va(mpn) + (size_t)idx * class_size[c]);
}

/* The first free object of a page on a partial list: it holds the links. */
static struct free_obj *head_obj(mpn_t mpn)
{
    uint32_t a = mpn_db_rec(mpn)->aux;
    return obj_at(mpn, SLAB_CLASS(a), SLAB_HEAD(a));
}

static void partial_push(unsigned c, mpn_t mpn)
{
    struct free_obj *h = head_obj(mpn);
    h->part_prev = MPN_NIL;
    h->part_next = classes[c].partial;
    if (classes[c].partial != MPN_NIL)
        head_obj(classes[c].partial)->part_prev = (uint32_t)mpn;
    classes[c].partial = (uint32_t)mpn;
}

static void partial_remove(unsigned c, mpn_t mpn)
{
    struct free_obj *h = head_obj(mpn);
    if (h->part_prev != MPN_NIL)
        head_obj(h->part_prev)->part_next = h->part_next;
    else
        classes[c].partial = h->part_next;
    if (h->part_next != MPN_NIL)
        head_obj(h->part_next)->part_prev = h->part_prev;
}

/* A fresh page for class c, all objects free, already on the partial list. */
static bool slab_grow(unsigned c)
{
    mpn_t mpn = page_alloc(OWNER_HEAP);
    if (mpn == INVALID_MPN)
        return false;
    unsigned n = objs_per_page(c);
    for (unsigned i = 0; i < n; i++) {
        struct free_obj *o = obj_at(mpn, c, i);
        o->next = (uint16_t)(i + 1 < n ? i + 1 : SLAB_NIL);
        o->pad = 0;
        o->magic = FREE_MAGIC;
    }
    mpn_db_rec(mpn)->aux = SLAB_AUX(c, 0, 0);
    partial_push(c, mpn);
    stats.pages++;
    return true;
}

static void *slab_alloc(unsigned c, uint64_t irq)
{
    if (classes[c].partial == MPN_NIL && !slab_grow(c))
        return NULL;
    mpn_t mpn = classes[c].partial;
    struct mpn_rec *r = mpn_db_rec(mpn);
    unsigned n = objs_per_page(c);
    unsigned idx = SLAB_HEAD(r->aux), inuse = SLAB_INUSE(r->aux);
    struct free_obj *o = obj_at(mpn, c, idx);
    /* A free object whose magic or link is gone was written after kfree. */
    if (o->magic != FREE_MAGIC || (o->next != SLAB_NIL && o->next >= n))
        HEAP_PANIC(irq, "heap: free %u-byte object at %p overwritten (use after free?)",
                   class_size[c], (void *)o);
    if (o->next != SLAB_NIL) {
        /* The next free object inherits the partial-list links. */
        struct free_obj *nx = obj_at(mpn, c, o->next);
        nx->part_next = o->part_next;
        nx->part_prev = o->part_prev;
        r->aux = SLAB_AUX(c, inuse + 1, o->next);
    } else {
        partial_remove(c, mpn); /* now full */
        r->aux = SLAB_AUX(c, inuse + 1, SLAB_NIL);
    }
    if (classes[c].empty == mpn)
        classes[c].empty = MPN_NIL;
    o->magic = 0; /* so a stale magic cannot look like a double free */
    stats.bytes_in_use += class_size[c];
    return o;
}

static bool on_free_list(mpn_t mpn, unsigned c, unsigned idx)
{
    unsigned n = objs_per_page(c);
    unsigned i = SLAB_HEAD(mpn_db_rec(mpn)->aux);
    for (unsigned steps = 0; i != SLAB_NIL && i < n && steps < n; steps++) {
        if (i == idx)
            return true;
        i = obj_at(mpn, c, i)->next;
    }
    return false;
}

static void slab_free(mpn_t mpn, unsigned c, unsigned idx)
{
    struct mpn_rec *r = mpn_db_rec(mpn);
    unsigned inuse = SLAB_INUSE(r->aux), head = SLAB_HEAD(r->aux);
    struct free_obj *o = obj_at(mpn, c, idx);
    o->next = (uint16_t)head;
    o->pad = 0;
    o->magic = FREE_MAGIC;
    if (head != SLAB_NIL) {
        /* o becomes the first free object: take over the links. */
        struct free_obj *old = obj_at(mpn, c, head);
        o->part_next = old->part_next;
        o->part_prev = old->part_prev;
        r->aux = SLAB_AUX(c, inuse - 1, idx);
    } else {
        r->aux = SLAB_AUX(c, inuse - 1, idx);
        partial_push(c, mpn); /* was full */
    }
    stats.bytes_in_use -= class_size[c];
    if (inuse - 1 != 0)
        return;
    /* Keep one empty page per class to absorb alloc/free ping-pong at a
     * page boundary; give any other back to the machine. */
    if (classes[c].empty == MPN_NIL) {
        classes[c].empty = (uint32_t)mpn;
        return;
    }
    partial_remove(c, mpn);
    r->aux = 0;
    page_free(mpn);
    stats.pages--;
}

static void *run_alloc(size_t size)
{
    if (size > (size_t)RUN_MAX_PAGES * PAGE_SIZE) /* also keeps the rounding from wrapping */
        return NULL;
    uint64_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
    mpn_t first = page_alloc_run(pages, OWNER_HEAP);
    if (first == INVALID_MPN)
        return NULL;
    mpn_db_rec(first)->aux = (KIND_RUN_HEAD << AUX_KIND_SHIFT) | (uint32_t)pages;
    for (uint64_t i = 1; i < pages; i++)
        mpn_db_rec(first + i)->aux = KIND_RUN_TAIL << AUX_KIND_SHIFT;
    stats.pages += pages;
    stats.bytes_in_use += pages * PAGE_SIZE;
    return plat_mpn_to_va(first);
}

void *kmalloc(size_t size)
{
    if (size == 0)
        return NULL;
    uint64_t irq = lock_heap();
    void *p = NULL;
    if (size <= SMALL_MAX) {
        unsigned c = 0;
        while (class_size[c] < size)
            c++;
        p = slab_alloc(c, irq);
    } else {
        p = run_alloc(size);
    }
    if (p)
        stats.allocs++;
    else
        stats.failures++;
    unlock_heap(irq);
    return p;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void *kcalloc(size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        uint64_t irq = lock_heap();
        stats.failures++;
        unlock_heap(irq);
        return NULL;
    }
    return kzalloc(total);
}

/* What a pointer handed to kfree/ksize refers to, after every check. */
struct heap_ref {
    mpn_t mpn;
    bool small;
    unsigned cls, idx;   /* small */
    uint64_t pages;      /* large */
};

/* Validates `p` (called with the lock held; panics with it released). */
static struct heap_ref classify(const void *p, const char *who, uint64_t irq)
{
    struct heap_ref ref = { 0 };
    ref.mpn = plat_va_to_mpn(p);
    if (ref.mpn == INVALID_MPN)
        HEAP_PANIC(irq, "%s(%p): not a heap pointer (outside machine memory)", who, p);
    struct mpn_rec *r = mpn_db_rec(ref.mpn);
    if (!r || r->owner != OWNER_HEAP)
        HEAP_PANIC(irq, "%s(%p): not a heap pointer (page owner %s)%s", who, p,
                   r ? mpn_owner_name(r->owner) : "none",
                   r && r->owner == OWNER_FREE ? ", double free?" : "");
    uint32_t a = r->aux;
    /* Offset from the page's mapping, not from the address bits: the hosted
     * arena need not be page-aligned. */
    size_t off = (size_t)((const uint8_t *)p - (const uint8_t *)plat_mpn_to_va(ref.mpn));
    switch (AUX_KIND(a)) {
    case KIND_SLAB: {
        unsigned c = SLAB_CLASS(a);
        if (c >= NCLASSES)
            HEAP_PANIC(irq, "%s(%p): heap page with corrupt class %u", who, p, c);
        if (off % class_size[c] != 0 || off / class_size[c] >= objs_per_page(c))
            HEAP_PANIC(irq, "%s(%p): not the start of a %u-byte heap object", who, p,
                       class_size[c]);
        ref.small = true;
        ref.cls = c;
        ref.idx = (unsigned)(off / class_size[c]);
        return ref;
    }
    case KIND_RUN_HEAD:
        if (off != 0)
            HEAP_PANIC(irq, "%s(%p): points inside a large heap object", who, p);
        ref.pages = a & RUN_MAX_PAGES;
        return ref;
    case KIND_RUN_TAIL:
        HEAP_PANIC(irq, "%s(%p): points inside a large heap object", who, p);
    default:
        HEAP_PANIC(irq, "%s(%p): heap page with unknown aux 0x%x", who, p, a);
    }
}

void kfree(void *p)
{
    if (!p)
        return;
    uint64_t irq = lock_heap();
    struct heap_ref ref = classify(p, "kfree", irq);
    if (ref.small) {
        struct free_obj *o = p;
        if (o->magic == FREE_MAGIC && on_free_list(ref.mpn, ref.cls, ref.idx))
            HEAP_PANIC(irq, "kfree(%p): double free of a %u-byte object", p,
                       class_size[ref.cls]);
        if (SLAB_INUSE(mpn_db_rec(ref.mpn)->aux) == 0)
            HEAP_PANIC(irq, "kfree(%p): heap page has no live object", p);
        slab_free(ref.mpn, ref.cls, ref.idx);
    } else {
        for (uint64_t i = 0; i < ref.pages; i++)
            mpn_db_rec(ref.mpn + i)->aux = 0;
        page_free_run(ref.mpn, ref.pages);
        stats.pages -= ref.pages;
        stats.bytes_in_use -= ref.pages * PAGE_SIZE;
    }
    stats.frees++;
    unlock_heap(irq);
}

size_t ksize(const void *p)
{
    if (!p)
        return 0;
    uint64_t irq = lock_heap();
    struct heap_ref ref = classify(p, "ksize", irq);
    size_t n = ref.small ? class_size[ref.cls] : (size_t)(ref.pages * PAGE_SIZE);
    unlock_heap(irq);
    return n;
}

void heap_get_stats(struct heap_stats *out)
{
    uint64_t irq = lock_heap();
    *out = stats;
    unlock_heap(irq);
}
