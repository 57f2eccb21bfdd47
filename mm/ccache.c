/* Compression cache; the design is described in ccache.h and docs/codec.md. */
#include "mm/ccache.h"
#include "include/hv/platform.h"
#include "lib/kstring.h"

enum { CC_FREE = 0, CC_FILL = 1, CC_LZ4 = 2 };

/* One per handle, in the entry table (a pvec of machine pages). */
struct cc_entry {
    uint32_t prev, next;   /* LRU links (LZ4 only), index + 1; free list: next */
    uint32_t slot;         /* slot in its size class */
    uint32_t gen;          /* part of the handle; changes when freed */
    uint16_t len;          /* LZ4 block bytes */
    uint8_t cls;           /* size class */
    uint8_t kind;          /* CC_* */
    uint32_t csum;         /* checksum of the block (when enabled) */
    uint64_t val;          /* LZ4: the caller's cookie; FILL: the word */
};
_Static_assert(sizeof(struct cc_entry) == 32, "entries pack 128 to a page");

/* 16 bits of generation: a handle (gen << 32 | index + 1) then fits the
 * physmap's 48-bit payload, where the swapper keeps it. A stale handle is
 * still refused unless its entry was reused exactly 65535 times since. */
#define GEN_MASK 0xffffu

#define HDR CCACHE_SLOT_HDR

static inline size_t class_size(unsigned cls) { return (size_t)(cls + 1) << CCACHE_SLOT_SHIFT; }
/* The class whose slots fit a block of len bytes and its owner record. */
static inline unsigned class_of(size_t len) { return (unsigned)((len + HDR - 1) >> CCACHE_SLOT_SHIFT); }

static inline struct pvec_pager meta_pager(struct ccache *c)
{
    return (struct pvec_pager){ c->ops.alloc_page, c->ops.free_page, c->ops.ctx, &c->st.meta_pages };
}

static inline struct cc_entry *ent(const struct ccache *c, uint32_t idx)
{
    return pvec_at(&c->entries, idx);
}

static inline ccache_handle_t make_handle(uint32_t idx, uint32_t gen)
{
    return ((uint64_t)gen << 32) | ((uint64_t)idx + 1);
}

/* The live entry a handle names, or NULL for anything else. */
static struct cc_entry *lookup(const struct ccache *c, ccache_handle_t h, uint32_t *idx)
{
    uint32_t lo = (uint32_t)h;
    if ((h >> 63) || lo == 0 || lo - 1 >= c->nentries)
        return NULL;
    struct cc_entry *e = ent(c, lo - 1);
    if (!e || e->kind == CC_FREE || e->gen != (uint32_t)(h >> 32))
        return NULL;
    *idx = lo - 1;
    return e;
}

/* A fast 32-bit checksum of a block: a word-at-a-time multiply-xorshift. */
static uint32_t csum(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        __builtin_memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    for (; n; p++, n--)
        h = (h ^ *p) * 0x100000001b3ull;
    h ^= h >> 29;
    return (uint32_t)h;
}

/* ---- LRU ------------------------------------------------------------------ */

static void lru_unlink(struct ccache *c, uint32_t idx, struct cc_entry *e)
{
    if (e->prev)
        ent(c, e->prev - 1)->next = e->next;
    else
        c->lru_head = e->next;
    if (e->next)
        ent(c, e->next - 1)->prev = e->prev;
    else
        c->lru_tail = e->prev;
    e->prev = e->next = 0;
    (void)idx;
}

static void lru_push_head(struct ccache *c, uint32_t idx, struct cc_entry *e)
{
    e->prev = 0;
    e->next = c->lru_head;
    if (c->lru_head)
        ent(c, c->lru_head - 1)->prev = idx + 1;
    else
        c->lru_tail = idx + 1;
    c->lru_head = idx + 1;
}

/* ---- entries ------------------------------------------------------------- */

static struct cc_entry *entry_alloc(struct ccache *c, uint32_t *idx)
{
    struct cc_entry *e;
    if (c->free_head) {
        *idx = c->free_head - 1;
        e = ent(c, *idx);
        c->free_head = e->next;
    } else {
        if (c->nentries >= 0xfffffffeu)
            return NULL;
        struct pvec_pager pg = meta_pager(c);
        e = pvec_get(&c->entries, c->nentries, &pg);
        if (!e)
            return NULL;
        *idx = c->nentries++;
        e->gen = 1;
    }
    e->prev = e->next = 0;
    return e;
}

static void entry_release(struct ccache *c, uint32_t idx, struct cc_entry *e)
{
    uint32_t g = (e->gen + 1) & GEN_MASK;
    e->gen = g ? g : 1;     /* stale handles to this entry now fail */
    e->kind = CC_FREE;
    e->prev = 0;
    e->next = c->free_head;
    c->free_head = idx + 1;
}

/* ---- slot storage -------------------------------------------------------- */

static inline mpn_t *class_page(struct ccache_class *cl, uint64_t i)
{
    return i < CCACHE_INLINE_PAGES ? &cl->inl[i] : pvec_at(&cl->more, i - CCACHE_INLINE_PAGES);
}

/* Copies n bytes between buf and slot `slot` of class `cls`; a slot may
 * straddle two pages of the class. */
static void slot_io(struct ccache *c, unsigned cls, uint32_t slot, void *buf, size_t n, bool write)
{
    struct ccache_class *cl = &c->cls[cls];
    uint64_t off = (uint64_t)slot * class_size(cls);
    uint8_t *b = buf;
    while (n) {
        uint8_t *p = (uint8_t *)plat_mpn_to_va(*class_page(cl, off >> PAGE_SHIFT)) +
                     (off & (PAGE_SIZE - 1));
        size_t chunk = MIN(n, PAGE_SIZE - (off & (PAGE_SIZE - 1)));
        if (write)
            memcpy(p, b, chunk);
        else
            memcpy(b, p, chunk);
        b += chunk;
        off += chunk;
        n -= chunk;
    }
}

/* Makes room for one more slot in class cls. */
static bool class_grow(struct ccache *c, unsigned cls)
{
    struct ccache_class *cl = &c->cls[cls];
    struct pvec_pager pg = meta_pager(c);
    uint64_t need = ((uint64_t)(cl->count + 1) * class_size(cls) + PAGE_SIZE - 1) >> PAGE_SHIFT;

    while (cl->npages < need) {
        mpn_t *slot = cl->npages < CCACHE_INLINE_PAGES
                          ? &cl->inl[cl->npages]
                          : pvec_get(&cl->more, cl->npages - CCACHE_INLINE_PAGES, &pg);
        if (!slot)
            return false;
        mpn_t m = c->ops.alloc_page(c->ops.ctx);
        if (m == INVALID_MPN)
            return false;
        *slot = m;
        cl->npages++;
        c->st.storage_pages++;
    }
    return true;
}

/* After a slot went: return the pages past the last slot, and the list's
 * metadata leaf when one empties (rarely, so its tree walk is cheap). */
static void class_shrink(struct ccache *c, unsigned cls)
{
    struct ccache_class *cl = &c->cls[cls];
    uint64_t need = ((uint64_t)cl->count * class_size(cls) + PAGE_SIZE - 1) >> PAGE_SHIFT;
    const unsigned ls = cl->more.leaf_shift;

    while (cl->npages > need) {
        cl->npages--;
        c->ops.free_page(c->ops.ctx, *class_page(cl, cl->npages));
        c->st.storage_pages--;
        if (cl->npages >= CCACHE_INLINE_PAGES &&
            ((cl->npages - CCACHE_INLINE_PAGES) & ((1u << ls) - 1)) == 0) {
            struct pvec_pager pg = meta_pager(c);
            pvec_truncate(&cl->more, cl->npages - CCACHE_INLINE_PAGES, &pg);
        }
    }
}

/* Reads entry idx's slot (owner record and block) into buf and checks it.
 * 0, or -1 when corrupt. */
static int read_block(struct ccache *c, uint32_t idx, const struct cc_entry *e, uint8_t *buf)
{
    uint32_t owner;
    if (e->slot >= c->cls[e->cls].count)
        return -1;
    slot_io(c, e->cls, e->slot, buf, HDR + (size_t)e->len, false);
    __builtin_memcpy(&owner, buf, HDR);
    if (owner != idx)
        return -1;
    if (c->cfg.checksums && csum(buf + HDR, e->len) != e->csum)
        return -1;
    return 0;
}

/* The entry that owns slot `slot` of class cls: its owner record, checked
 * against the entry; a damaged record falls back to a search. */
static struct cc_entry *slot_owner(struct ccache *c, unsigned cls, uint32_t slot, uint32_t *idx)
{
    uint32_t o;
    slot_io(c, cls, slot, &o, HDR, false);
    struct cc_entry *e = o < c->nentries ? ent(c, o) : NULL;
    if (e && e->kind == CC_LZ4 && e->cls == cls && e->slot == slot) {
        *idx = o;
        return e;
    }
    c->st.corrupt++;
    for (uint32_t i = 0; i < c->nentries; i++) {
        e = ent(c, i);
        if (e->kind == CC_LZ4 && e->cls == cls && e->slot == slot) {
            *idx = i;
            return e;
        }
    }
    return NULL;
}

/* Removes e's block from its class by moving the class's last block into
 * its slot: classes stay dense, so none has more than one partial page. */
static void slot_free(struct ccache *c, const struct cc_entry *e)
{
    const unsigned cls = e->cls;
    struct ccache_class *cl = &c->cls[cls];
    const uint32_t last = cl->count - 1;
    uint32_t lidx;
    struct cc_entry *le;

    if (e->slot != last && (le = slot_owner(c, cls, last, &lidx))) {
        /* Verify before moving, so that damage is reported where it is
         * found rather than carried along silently. */
        if (read_block(c, lidx, le, c->mbuf) != 0) {
            c->st.corrupt++;
            __builtin_memcpy(c->mbuf, &lidx, HDR);   /* keep the structure whole */
        }
        slot_io(c, cls, e->slot, c->mbuf, HDR + (size_t)le->len, true);
        le->slot = e->slot;
    }
    cl->count--;
    class_shrink(c, cls);
}

/* Frees entry idx and whatever it holds. */
static void entry_remove(struct ccache *c, uint32_t idx, struct cc_entry *e)
{
    if (e->kind == CC_LZ4) {
        lru_unlink(c, idx, e);
        slot_free(c, e);
        c->st.lz4_pages--;
        c->st.payload_bytes -= e->len;
        c->st.slot_bytes -= class_size(e->cls);
    } else {
        c->st.fill_pages--;
    }
    entry_release(c, idx, e);
}

/* Decodes entry e into page. 0, or -1 when its data is corrupt. */
static int decode_entry(struct ccache *c, uint32_t idx, const struct cc_entry *e, void *page)
{
    if (e->kind == CC_FILL) {
        codec_page_fill(page, e->val);
        return 0;
    }
    if (read_block(c, idx, e, c->rbuf) != 0)
        return -1;
    return codec_lz4_decompress(c->rbuf + HDR, e->len, page, CODEC_PAGE_SIZE) == CODEC_PAGE_SIZE ? 0 : -1;
}

/* Evicts the least recently used page to the next tier; false when there
 * is none, or the next tier cannot take it (the entry then stays). */
static bool evict_one(struct ccache *c)
{
    if (!c->lru_tail)
        return false;
    uint32_t idx = c->lru_tail - 1;
    struct cc_entry *e = ent(c, idx);
    ccache_handle_t h = make_handle(idx, e->gen);
    int bad = decode_entry(c, idx, e, c->pbuf);

    /* The next tier first, so that one with no room can say no and the
     * page is not lost; the callback does not touch the cache, so e holds. */
    if (c->ops.evict && !c->ops.evict(c->ops.ctx, h, e->val, bad ? NULL : c->pbuf) && !bad) {
        c->st.evict_refused++;
        return false;
    }
    c->st.evictions++;
    if (bad)
        c->st.corrupt++;
    entry_remove(c, idx, e);
    return true;
}

static inline uint64_t used_pages(const struct ccache *c)
{
    return c->st.storage_pages + c->st.meta_pages;
}

/* ---- API ----------------------------------------------------------------- */

void ccache_config_default(struct ccache_config *cfg, uint64_t total_pages)
{
    cfg->total_pages = total_pages;
    cfg->cap_percent = CCACHE_DEFAULT_CAP_PERCENT;
    cfg->cap_pages = 0;
    cfg->threshold = CODEC_DEFAULT_THRESHOLD;
    cfg->checksums = CCACHE_CHECKSUMS_DEFAULT;
}

void ccache_init(struct ccache *c, const struct ccache_config *cfg, const struct ccache_ops *ops)
{
    memset(c, 0, sizeof *c);
    c->ops = *ops;
    c->cfg = *cfg;
    if (!c->cfg.cap_pages)
        c->cfg.cap_pages = cfg->total_pages * cfg->cap_percent / 100;
    c->cfg.threshold = (uint32_t)MAX(MIN(cfg->threshold, CCACHE_MAX_THRESHOLD), 64u);
    c->st.cap_pages = c->cfg.cap_pages;
    codec_ws_init(&c->ws);
    pvec_init(&c->entries, sizeof(struct cc_entry));
    for (unsigned i = 0; i < CCACHE_NCLASSES; i++)
        pvec_init(&c->cls[i].more, sizeof(mpn_t));
}

void ccache_destroy(struct ccache *c)
{
    struct pvec_pager pg = meta_pager(c);
    for (unsigned i = 0; i < CCACHE_NCLASSES; i++) {
        struct ccache_class *cl = &c->cls[i];
        while (cl->npages) {
            cl->npages--;
            c->ops.free_page(c->ops.ctx, *class_page(cl, cl->npages));
            c->st.storage_pages--;
        }
        cl->count = 0;
        pvec_truncate(&cl->more, 0, &pg);
    }
    pvec_truncate(&c->entries, 0, &pg);
    c->nentries = c->free_head = c->lru_head = c->lru_tail = 0;
    c->st.zero_pages = c->st.fill_pages = c->st.lz4_pages = 0;
    c->st.payload_bytes = c->st.slot_bytes = 0;
}

/* Places the compressed page in a new entry; false when a page could not be
 * allocated (nothing is left half-done). */
static bool insert(struct ccache *c, const struct codec_out *co, uint64_t cookie, uint32_t *idx)
{
    struct cc_entry *e = entry_alloc(c, idx);
    if (!e)
        return false;
    if (co->kind == CODEC_FILL) {
        e->kind = CC_FILL;
        e->val = co->fill;
        e->len = 0;
        e->csum = 0;
        c->st.fill_pages++;
        return true;
    }
    const unsigned cls = class_of(co->len);
    if (!class_grow(c, cls)) {
        entry_release(c, *idx, e);
        return false;
    }
    struct ccache_class *cl = &c->cls[cls];
    e->kind = CC_LZ4;
    e->cls = (uint8_t)cls;
    e->slot = cl->count++;
    e->len = (uint16_t)co->len;
    e->val = cookie;
    e->csum = c->cfg.checksums ? csum(c->cbuf + HDR, co->len) : 0;
    __builtin_memcpy(c->cbuf, idx, HDR);
    slot_io(c, cls, e->slot, c->cbuf, HDR + (size_t)co->len, true);
    lru_push_head(c, *idx, e);
    c->st.lz4_pages++;
    c->st.payload_bytes += co->len;
    c->st.slot_bytes += class_size(cls);
    return true;
}

enum ccache_result ccache_store(struct ccache *c, const void *page, uint64_t cookie, ccache_handle_t *h)
{
    struct codec_out co;
    uint32_t idx;

    c->st.stores++;
    /* The block goes after room for its owner record: one copy to store. */
    codec_compress_page(&c->ws, page, c->cbuf + HDR, c->cfg.threshold, &co);
    if (co.kind == CODEC_ZERO) {
        c->st.zero_pages++;
        *h = CCACHE_HANDLE_ZERO;
        return CCACHE_OK;
    }
    if (co.kind == CODEC_INCOMPRESSIBLE) {
        c->st.rejected++;
        return CCACHE_REJECTED;
    }
    /* Out of pages: make some by evicting, then try again. */
    while (!insert(c, &co, cookie, &idx)) {
        if (!evict_one(c)) {
            c->st.full++;
            return CCACHE_FULL;
        }
    }
    /* Over the cap: evict the oldest, never the page just stored. */
    while (used_pages(c) > c->cfg.cap_pages && c->lru_tail && c->lru_tail != idx + 1 &&
           evict_one(c))
        ;
    if (used_pages(c) > c->cfg.cap_pages) {
        entry_remove(c, idx, ent(c, idx));
        c->st.full++;
        return CCACHE_FULL;
    }
    *h = make_handle(idx, ent(c, idx)->gen);
    return CCACHE_OK;
}

enum ccache_result ccache_load(struct ccache *c, ccache_handle_t h, void *page)
{
    uint32_t idx;
    struct cc_entry *e;

    if (h == CCACHE_HANDLE_ZERO) {
        codec_page_fill(page, 0);
        c->st.loads++;
        return CCACHE_OK;
    }
    if (!(e = lookup(c, h, &idx)))
        return CCACHE_BAD_HANDLE;
    c->st.loads++;
    if (decode_entry(c, idx, e, page) != 0) {
        c->st.corrupt++;
        return CCACHE_CORRUPT;
    }
    if (e->kind == CC_LZ4) {
        lru_unlink(c, idx, e);
        lru_push_head(c, idx, e);
    }
    return CCACHE_OK;
}

enum ccache_result ccache_free(struct ccache *c, ccache_handle_t h)
{
    uint32_t idx;
    struct cc_entry *e;

    if (h == CCACHE_HANDLE_ZERO) {
        /* Zero pages have no entry to check: trust the count. */
        if (!c->st.zero_pages)
            return CCACHE_BAD_HANDLE;
        c->st.zero_pages--;
        c->st.frees++;
        return CCACHE_OK;
    }
    if (!(e = lookup(c, h, &idx)))
        return CCACHE_BAD_HANDLE;
    entry_remove(c, idx, e);
    c->st.frees++;
    return CCACHE_OK;
}

enum ccache_result ccache_take(struct ccache *c, ccache_handle_t h, void *page)
{
    enum ccache_result r = ccache_load(c, h, page);
    if (r == CCACHE_OK || r == CCACHE_CORRUPT)
        ccache_free(c, h);
    return r;
}

uint64_t ccache_shrink(struct ccache *c, uint64_t n)
{
    uint64_t done = 0;
    while (done < n && evict_one(c))
        done++;
    return done;
}

void ccache_set_cap(struct ccache *c, uint64_t cap_pages)
{
    c->cfg.cap_pages = cap_pages;
    c->st.cap_pages = cap_pages;
    while (used_pages(c) > cap_pages && evict_one(c))
        ;
}

void ccache_get_stats(const struct ccache *c, struct ccache_stats *out)
{
    *out = c->st;
    out->used_pages = used_pages(c);
    uint64_t stored = c->st.zero_pages + c->st.fill_pages + c->st.lz4_pages;
    out->ratio_x100 = (uint32_t)(stored * 100 / MAX(out->used_pages, 1ull));
    out->lz4_ratio_x100 = (uint32_t)(c->st.lz4_pages * CODEC_PAGE_SIZE * 100 /
                                     MAX(c->st.payload_bytes, 1ull));
    uint64_t bytes = c->st.storage_pages * PAGE_SIZE;
    out->frag_permille = bytes ? (uint32_t)((bytes - c->st.payload_bytes) * 1000 / bytes) : 0;
    out->classes_used = 0;
    for (unsigned i = 0; i < CCACHE_NCLASSES; i++)
        out->classes_used += c->cls[i].count != 0;
}

uint64_t ccache_check(struct ccache *c)
{
    uint64_t bad = 0, fill = 0, lz4 = 0, freed = 0, payload = 0, slots = 0, pages = 0;

    for (uint32_t i = 0; i < c->nentries; i++) {
        struct cc_entry *e = ent(c, i);
        if (!e) {
            bad++;
            continue;
        }
        if (e->kind == CC_FREE) {
            freed++;
        } else if (e->kind == CC_FILL) {
            fill++;
        } else if (e->kind == CC_LZ4) {
            lz4++;
            payload += e->len;
            slots += class_size(e->cls);
            if (e->cls >= CCACHE_NCLASSES || class_of(e->len) != e->cls ||
                read_block(c, i, e, c->rbuf) != 0)
                bad++;
        } else {
            bad++;
        }
    }
    uint64_t nfree = 0;
    for (uint32_t f = c->free_head; f && nfree <= c->nentries; f = ent(c, f - 1)->next)
        nfree++;
    uint64_t nlru = 0;
    uint32_t prev = 0;
    for (uint32_t l = c->lru_head; l && nlru <= c->nentries; l = ent(c, l - 1)->next) {
        struct cc_entry *e = ent(c, l - 1);
        bad += e->kind != CC_LZ4 || e->prev != prev;
        prev = l;
        nlru++;
    }
    bad += prev != c->lru_tail;
    for (unsigned k = 0; k < CCACHE_NCLASSES; k++) {
        const struct ccache_class *cl = &c->cls[k];
        pages += cl->npages;
        bad += cl->npages != ((uint64_t)cl->count * class_size(k) + PAGE_SIZE - 1) >> PAGE_SHIFT;
    }
    bad += freed != nfree;
    bad += fill != c->st.fill_pages;
    bad += lz4 != c->st.lz4_pages || lz4 != nlru;
    bad += payload != c->st.payload_bytes || slots != c->st.slot_bytes;
    bad += pages != c->st.storage_pages;
    return bad;
}

const char *ccache_result_name(enum ccache_result r)
{
    switch (r) {
    case CCACHE_OK: return "ok";
    case CCACHE_REJECTED: return "rejected";
    case CCACHE_FULL: return "full";
    case CCACHE_BAD_HANDLE: return "bad handle";
    case CCACHE_CORRUPT: return "corrupt";
    }
    return "?";
}
