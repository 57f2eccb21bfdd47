/*
 * libFuzzer target for the compression cache: the input is a program of
 * operations (store / load / take / free / shrink / set cap / clobber) on a
 * small cache over a fake machine, run against a model that knows what
 * every live handle must load. Evicted pages must arrive intact and in LRU
 * order; the invariant checker must stay clean; when the cache is torn down
 * every page must be back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mm/ccache.h"
#include "tests/fake/platform_fake.h"

#define PG          CODEC_PAGE_SIZE
#define ARENA_PAGES 192
#define SLOTS       48

static struct ccache cache;
static uint8_t used[ARENA_PAGES];
static uint64_t live_pages, page_limit;

struct model {
    ccache_handle_t h;
    uint8_t kind, live;
    uint32_t seed;
    uint64_t stamp;          /* last use, for the LRU order check */
};
static struct model slots[SLOTS];
static uint64_t clock_;
static int damaged;          /* stored data was clobbered: loads may fail */

static mpn_t f_alloc(void *ctx)
{
    (void)ctx;
    if (live_pages >= page_limit)
        return INVALID_MPN;
    for (mpn_t m = 0; m < ARENA_PAGES; m++)
        if (!used[m]) {
            used[m] = 1;
            live_pages++;
            memset(plat_mpn_to_va(m), 0xcd, PG);
            return m;
        }
    return INVALID_MPN;
}

static void f_free(void *ctx, mpn_t m)
{
    (void)ctx;
    if (m >= ARENA_PAGES || !used[m])
        abort();
    used[m] = 0;
    live_pages--;
    memset(plat_mpn_to_va(m), 0xdd, PG);
}

/* A page determined by (kind, seed): zero, filled, structured, random. */
static void make_page(uint8_t *p, uint8_t kind, uint32_t seed)
{
    uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
    switch (kind & 3) {
    case 0:
        memset(p, 0, PG);
        break;
    case 1:
        for (size_t o = 0; o < PG; o += 8)
            memcpy(p + o, &x, 8);
        break;
    case 2:   /* a short pattern with a few changes: compresses */
        for (size_t o = 0; o < PG; o++)
            p[o] = (uint8_t)(x >> ((o % 8) * 8)) ^ (uint8_t)(o / 512);
        for (int i = 0; i < (int)(seed % 40); i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            p[x % PG] = (uint8_t)(x >> 32);
        }
        break;
    default:  /* random: rejected */
        for (size_t o = 0; o < PG; o += 8) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            memcpy(p + o, &x, 8);
        }
        break;
    }
}

static uint8_t pagebuf[PG], outbuf[PG];

static bool f_evict(void *ctx, ccache_handle_t h, uint64_t cookie, const void *page)
{
    (void)ctx;
    if (cookie >= SLOTS || !slots[cookie].live || slots[cookie].h != h)
        abort();
    /* LRU: nothing live and evictable may be older than the victim. */
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].live && (slots[i].kind & 3) == 2 && slots[i].h != h &&
            slots[i].stamp < slots[cookie].stamp)
            abort();
    if (page) {
        make_page(pagebuf, slots[cookie].kind, slots[cookie].seed);
        if (memcmp(page, pagebuf, PG) != 0)
            abort();
    } else if (!damaged) {
        abort();
    }
    slots[cookie].live = 0;
    return true;
}

static const struct ccache_ops fops = { f_alloc, f_free, f_evict, NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int once;
    if (!once) {
        fake_plat_arena_init(ARENA_PAGES);
        once = 1;
    }
    if (size < 2)
        return 0;
    memset(used, 0, sizeof used);
    memset(slots, 0, sizeof slots);
    live_pages = 0;
    damaged = 0;
    clock_ = 0;
    page_limit = 8 + data[0] % 64;
    struct ccache_config cfg;
    ccache_config_default(&cfg, ARENA_PAGES);
    cfg.cap_pages = 2 + data[1] % 48;
    cfg.threshold = 256 + (data[1] >> 2) * 60;
    cfg.checksums = true;
    ccache_init(&cache, &cfg, &fops);

    for (size_t i = 2; i + 2 < size; i += 3) {
        uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
        struct model *s = &slots[a % SLOTS];
        switch (op % 8) {
        case 0: case 1: case 2: {   /* store into a free model slot */
            if (s->live)
                break;
            s->kind = b & 3;
            s->seed = (uint32_t)(a << 8 | b) * 2654435761u;
            make_page(pagebuf, s->kind, s->seed);
            enum ccache_result r = ccache_store(&cache, pagebuf, (uint64_t)(s - slots), &s->h);
            if (r == CCACHE_OK) {
                s->live = 1;
                s->stamp = ++clock_;
            } else if (r != CCACHE_REJECTED && r != CCACHE_FULL) {
                abort();
            }
            break;
        }
        case 3: case 4: {           /* load */
            if (!s->live)
                break;
            enum ccache_result r = ccache_load(&cache, s->h, outbuf);
            make_page(pagebuf, s->kind, s->seed);
            if (r == CCACHE_OK) {
                if (memcmp(outbuf, pagebuf, PG) != 0)
                    abort();
                s->stamp = ++clock_;
            } else if (!(r == CCACHE_CORRUPT && damaged)) {
                abort();
            }
            break;
        }
        case 5: {                   /* take or free */
            if (!s->live) {
                /* A dead handle must be refused. */
                if (s->h && s->h != CCACHE_HANDLE_ZERO &&
                    ccache_free(&cache, s->h) != CCACHE_BAD_HANDLE)
                    abort();
                break;
            }
            enum ccache_result r = b & 1 ? ccache_take(&cache, s->h, outbuf) : ccache_free(&cache, s->h);
            if (r != CCACHE_OK && !(r == CCACHE_CORRUPT && damaged))
                abort();
            s->live = 0;
            break;
        }
        case 6:                     /* pressure */
            if (b & 1)
                ccache_shrink(&cache, b >> 5);
            else
                ccache_set_cap(&cache, b >> 2);
            break;
        case 7: {                   /* clobber a byte of stored data */
            /* Data pages only: checksums guard data; metadata is trusted
             * (it never leaves the hypervisor's own structures). */
            const struct ccache_class *cl = &cache.cls[a % CCACHE_NCLASSES];
            if ((b & 0xf) == 0 && cl->npages) {
                mpn_t m = cl->inl[b % MIN(cl->npages, (uint32_t)CCACHE_INLINE_PAGES)];
                ((uint8_t *)plat_mpn_to_va(m))[(a * 37u + b) % PG] ^= 0x5a;
                damaged = 1;
            }
            break;
        }
        }
        struct ccache_stats st;
        ccache_get_stats(&cache, &st);
        if (st.used_pages > cache.cfg.cap_pages + 2 && st.lz4_pages > 1)
            abort();
    }
    if (!damaged && ccache_check(&cache) != 0)
        abort();
    ccache_destroy(&cache);
    if (live_pages != 0)
        abort();
    return 0;
}
