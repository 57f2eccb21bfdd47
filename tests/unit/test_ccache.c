/* mm/ccache*.c: round trips by kind, LRU eviction order past the cap,
 * handles surviving churn, bounded fragmentation, corruption caught by the
 * checksums, allocation failure, and no page leaked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mm/ccache.h"
#include "tests/fake/platform_fake.h"
#include "tests/unit/test_codec_corpus.h"

#define PG CODEC_PAGE_SIZE
#define ARENA_PAGES 4096

static struct corpus corpus;
static struct ccache cache;   /* big: keep it off the stack */

/* ---- a machine-page allocator over the fake arena ----------------------- */
static struct {
    uint8_t used[ARENA_PAGES];
    uint64_t live, limit, cursor;
} ta;

static mpn_t t_alloc(void *ctx)
{
    (void)ctx;
    if (ta.live >= ta.limit)
        return INVALID_MPN;
    for (uint64_t i = 0; i < ARENA_PAGES; i++) {
        uint64_t m = (ta.cursor + i) % ARENA_PAGES;
        if (!ta.used[m]) {
            ta.used[m] = 1;
            ta.live++;
            ta.cursor = m + 1;
            /* Contents are undefined, as with page_alloc: make them so. */
            memset(plat_mpn_to_va(m), 0xcd, PG);
            return m;
        }
    }
    return INVALID_MPN;
}

static void t_free(void *ctx, mpn_t m)
{
    (void)ctx;
    assert_true(m < ARENA_PAGES);
    assert_int_equal(ta.used[m], 1);   /* no double free, no wild free */
    ta.used[m] = 0;
    ta.live--;
    memset(plat_mpn_to_va(m), 0xdd, PG);   /* use after free shows up */
}

/* ---- eviction log --------------------------------------------------------- */
#define MAX_PAGES 2048
static const uint8_t *originals[MAX_PAGES];   /* by cookie */
static struct { ccache_handle_t h; uint64_t cookie; int lost; } evlog[MAX_PAGES * 2];
static size_t nev;

static bool refuse_evictions;   /* the next tier has no room */

static bool t_evict(void *ctx, ccache_handle_t h, uint64_t cookie, const void *page)
{
    (void)ctx;
    if (refuse_evictions && page)
        return false;
    assert_true(nev < ARRAY_SIZE(evlog));
    evlog[nev].h = h;
    evlog[nev].cookie = cookie;
    evlog[nev].lost = page == NULL;
    nev++;
    if (page && cookie < MAX_PAGES && originals[cookie])
        assert_memory_equal(page, originals[cookie], PG);
    return true;
}

static const struct ccache_ops ops = { t_alloc, t_free, t_evict, NULL };

static void start(uint64_t cap_pages, uint64_t limit, bool checksums)
{
    struct ccache_config cfg;
    ccache_config_default(&cfg, ARENA_PAGES);
    cfg.cap_pages = cap_pages;
    cfg.checksums = checksums;
    memset(&ta, 0, sizeof ta);
    ta.limit = limit;
    nev = 0;
    refuse_evictions = false;
    memset(originals, 0, sizeof originals);
    ccache_init(&cache, &cfg, &ops);
}

static void finish(void)
{
    assert_int_equal(ccache_check(&cache), 0);
    ccache_destroy(&cache);
    assert_int_equal(ta.live, 0);     /* every page came back */
}

static int setup(void **state)
{
    (void)state;
    corpus_load(&corpus, NULL);
    fake_plat_arena_init(ARENA_PAGES);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    corpus_free(&corpus);
    fake_plat_arena_free();
    return 0;
}

/* Pages that compress (LZ4 kind) under the default threshold. */
static size_t compressible(const uint8_t **out, size_t max)
{
    static const char *const names[] = { "sparse", "periodic", "nearfill", "procmem",
                                         "firmware", "code", "lib", "text" };
    static struct codec_ws ws;
    static uint8_t buf[CODEC_LZ4_BOUND];
    size_t n = 0;
    codec_ws_init(&ws);
    for (size_t k = 0; k < ARRAY_SIZE(names) && n < max; k++) {
        const struct corpus_class *c = corpus_find(&corpus, names[k]);
        for (size_t i = 0; c && i < c->npages && n < max; i++) {
            struct codec_out co;
            codec_compress_page(&ws, c->pages + i * PG, buf, CODEC_DEFAULT_THRESHOLD, &co);
            if (co.kind == CODEC_LZ4)
                out[n++] = c->pages + i * PG;
        }
    }
    return n;
}

static void test_round_trip_by_kind(void **state)
{
    (void)state;
    static uint8_t out[PG];
    static ccache_handle_t hs[64];
    const struct corpus_class *zero = corpus_find(&corpus, "zero"), *fill = corpus_find(&corpus, "fill"),
                              *rnd = corpus_find(&corpus, "random");
    const uint8_t *lz[32];
    size_t nlz = compressible(lz, 32);
    assert_true(nlz >= 16);

    start(1024, ARENA_PAGES, true);
    size_t n = 0;
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(ccache_store(&cache, zero->pages + i * PG, n, &hs[n]), CCACHE_OK), n++;
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(ccache_store(&cache, fill->pages + i * PG, n, &hs[n]), CCACHE_OK), n++;
    for (size_t i = 0; i < nlz; i++)
        assert_int_equal(ccache_store(&cache, lz[i], n, &hs[n]), CCACHE_OK), n++;
    ccache_handle_t dummy;
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(ccache_store(&cache, rnd->pages + i * PG, 99, &dummy), CCACHE_REJECTED);

    struct ccache_stats st;
    ccache_get_stats(&cache, &st);
    assert_int_equal(st.zero_pages, 8);
    assert_int_equal(st.fill_pages, 8);
    assert_int_equal(st.lz4_pages, nlz);
    assert_int_equal(st.rejected, 4);
    assert_int_equal(st.evictions, 0);
    assert_true(st.storage_pages > 0 && st.storage_pages < nlz);
    assert_int_equal(ccache_check(&cache), 0);

    for (size_t i = 0; i < n; i++) {
        const uint8_t *want = i < 8 ? zero->pages + i * PG : i < 16 ? fill->pages + (i - 8) * PG : lz[i - 16];
        memset(out, 0x77, PG);
        assert_int_equal(ccache_load(&cache, hs[i], out), CCACHE_OK);
        assert_memory_equal(out, want, PG);
    }
    /* take = load + free; the handle is then dead. */
    for (size_t i = 0; i < n; i++) {
        const uint8_t *want = i < 8 ? zero->pages + i * PG : i < 16 ? fill->pages + (i - 8) * PG : lz[i - 16];
        assert_int_equal(ccache_take(&cache, hs[i], out), CCACHE_OK);
        assert_memory_equal(out, want, PG);
        if (hs[i] != CCACHE_HANDLE_ZERO)
            assert_int_equal(ccache_load(&cache, hs[i], out), CCACHE_BAD_HANDLE);
    }
    ccache_get_stats(&cache, &st);
    assert_int_equal(st.zero_pages + st.fill_pages + st.lz4_pages, 0);
    assert_int_equal(st.storage_pages, 0);
    assert_int_equal(ccache_free(&cache, CCACHE_HANDLE_NONE), CCACHE_BAD_HANDLE);
    assert_int_equal(ccache_free(&cache, 0x123456789ull), CCACHE_BAD_HANDLE);
    finish();
}

/* Past the cap, pages leave in LRU order, a load counts as a use, and the
 * cap holds after every store. */
static void test_lru_eviction_order(void **state)
{
    (void)state;
    static const uint8_t *lz[600];
    static ccache_handle_t hs[600];
    static uint64_t model[600];   /* expected LRU order: model[0] is oldest */
    static uint8_t out[PG];
    size_t nlz = compressible(lz, 600), nm = 0;
    assert_true(nlz >= 300);

    const uint64_t cap = 40;
    start(cap, ARENA_PAGES, true);
    for (size_t i = 0; i < nlz; i++) {
        originals[i] = lz[i];
        size_t before = nev;
        assert_int_equal(ccache_store(&cache, lz[i], i, &hs[i]), CCACHE_OK);
        model[nm++] = i;
        /* Whatever was evicted must be the oldest in the model, in order. */
        for (size_t k = before; k < nev; k++) {
            assert_int_equal(evlog[k].cookie, model[0]);
            assert_false(evlog[k].lost);
            memmove(model, model + 1, --nm * sizeof model[0]);
        }
        struct ccache_stats st;
        ccache_get_stats(&cache, &st);
        assert_true(st.used_pages <= cap);
        assert_int_equal(st.lz4_pages, nm);
        /* Every few stores, use a page from the older half: it becomes the
         * youngest. */
        if (i % 5 == 4 && nm > 4) {
            size_t pick = (i * 7) % (nm / 2);
            uint64_t ck = model[pick];
            assert_int_equal(ccache_load(&cache, hs[ck], out), CCACHE_OK);
            assert_memory_equal(out, lz[ck], PG);
            memmove(model + pick, model + pick + 1, (nm - pick - 1) * sizeof model[0]);
            model[nm - 1] = ck;
        }
    }
    assert_true(nev > nlz / 2);
    /* Evicted handles are dead; live ones all still load. */
    for (size_t k = 0; k < nev; k++)
        assert_int_equal(ccache_load(&cache, evlog[k].h, out), CCACHE_BAD_HANDLE);
    for (size_t m = 0; m < nm; m++) {
        assert_int_equal(ccache_load(&cache, hs[model[m]], out), CCACHE_OK);
        assert_memory_equal(out, lz[model[m]], PG);
    }
    /* Shrinking evicts the oldest first, too. */
    size_t before = nev;
    assert_int_equal(ccache_shrink(&cache, 3), 3);
    for (size_t k = 0; k < 3; k++)
        assert_int_equal(evlog[before + k].cookie, model[k]);
    ccache_set_cap(&cache, 0);
    struct ccache_stats st;
    ccache_get_stats(&cache, &st);
    assert_int_equal(st.lz4_pages, 0);
    finish();
}

/* The next tier has no room and says no: the entry stays (and loads), a
 * store that needed the room is FULL, shrinking stops; nothing is lost. */
static void test_refused_eviction_keeps_the_entry(void **state)
{
    (void)state;
    static const uint8_t *lz[200];
    static ccache_handle_t hs[200];
    static uint8_t out[PG];
    size_t nlz = compressible(lz, 200), n = 0;
    assert_true(nlz >= 100);
    const uint64_t cap = 6;
    start(cap, ARENA_PAGES, true);
    refuse_evictions = true;
    enum ccache_result r;
    while (n < nlz && (r = ccache_store(&cache, lz[n], n, &hs[n])) == CCACHE_OK)
        n++;
    assert_true(n > 0 && n < nlz);
    assert_int_equal(r, CCACHE_FULL);
    struct ccache_stats st;
    ccache_get_stats(&cache, &st);
    assert_true(st.evict_refused > 0);
    assert_int_equal(st.evictions, 0);
    assert_true(st.used_pages <= cap);
    assert_int_equal(ccache_shrink(&cache, 5), 0);
    ccache_set_cap(&cache, 0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ccache_load(&cache, hs[i], out), CCACHE_OK);
        assert_memory_equal(out, lz[i], PG);
    }
    refuse_evictions = false;   /* room again: the cap is met at once */
    ccache_set_cap(&cache, 0);
    ccache_get_stats(&cache, &st);
    assert_int_equal(st.lz4_pages, 0);
    assert_int_equal(st.evictions, n);
    finish();
}

/* Random stores and frees: every live handle keeps loading its own page
 * while slots move under it, and stale handles are refused. */
static void test_handles_survive_churn(void **state)
{
    (void)state;
    static const uint8_t *lz[1500];
    static ccache_handle_t hs[1500];
    static int live[1500];
    static uint8_t out[PG];
    size_t nlz = compressible(lz, 1500);
    uint64_t r = 42;

    start(ARENA_PAGES, ARENA_PAGES, true);
    memset(live, 0, sizeof live);
    for (int round = 0; round < 6000; round++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        size_t i = (r >> 33) % nlz;
        if (!live[i]) {
            assert_int_equal(ccache_store(&cache, lz[i], i, &hs[i]), CCACHE_OK);
            live[i] = 1;
        } else if ((r >> 20) & 1) {
            ccache_handle_t old = hs[i];
            assert_int_equal(ccache_free(&cache, old), CCACHE_OK);
            assert_int_equal(ccache_free(&cache, old), CCACHE_BAD_HANDLE);
            live[i] = 0;
        } else {
            assert_int_equal(ccache_load(&cache, hs[i], out), CCACHE_OK);
            assert_memory_equal(out, lz[i], PG);
        }
        if (round % 1000 == 999)
            assert_int_equal(ccache_check(&cache), 0);
    }
    for (size_t i = 0; i < nlz; i++) {
        if (live[i]) {
            assert_int_equal(ccache_take(&cache, hs[i], out), CCACHE_OK);
            assert_memory_equal(out, lz[i], PG);
        }
    }
    assert_int_equal(nev, 0);
    finish();
}

/* Storage never wastes more than one partial page per size class plus, per
 * block, its owner record and the rounding to its class (< 32 bytes),
 * whatever the history. */
static void test_fragmentation_bounded(void **state)
{
    (void)state;
    static const uint8_t *lz[1500];
    static ccache_handle_t hs[1500];
    static int live[1500];
    size_t nlz = compressible(lz, 1500);
    uint64_t r = 7;
    struct ccache_stats st;

    start(ARENA_PAGES, ARENA_PAGES, false);
    memset(live, 0, sizeof live);
    for (size_t i = 0; i < nlz; i++) {
        assert_int_equal(ccache_store(&cache, lz[i], i, &hs[i]), CCACHE_OK);
        live[i] = 1;
    }
    ccache_get_stats(&cache, &st);
    printf("  full:  %llu pages in %llu storage + %llu meta pages, payload %llu B, slots %llu B, "
           "fragmentation %u.%u%%, %u classes, LZ4 ratio %u.%02ux, overall %u.%02ux\n",
           (unsigned long long)st.lz4_pages, (unsigned long long)st.storage_pages,
           (unsigned long long)st.meta_pages, (unsigned long long)st.payload_bytes,
           (unsigned long long)st.slot_bytes, st.frag_permille / 10, st.frag_permille % 10,
           st.classes_used, st.lz4_ratio_x100 / 100, st.lz4_ratio_x100 % 100,
           st.ratio_x100 / 100, st.ratio_x100 % 100);

    uint32_t worst = 0;
    for (int round = 0; round < 20000; round++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        size_t i = (r >> 33) % nlz;
        /* Free two thirds of the time: the cache drains to ~1/3 full, the
         * hardest case for packing. */
        if (live[i] && (r >> 16) % 3 != 0) {
            assert_int_equal(ccache_free(&cache, hs[i]), CCACHE_OK);
            live[i] = 0;
        } else if (!live[i]) {
            assert_int_equal(ccache_store(&cache, lz[i], i, &hs[i]), CCACHE_OK);
            live[i] = 1;
        }
        ccache_get_stats(&cache, &st);
        uint64_t storage = st.storage_pages * PG;
        assert_true(storage - st.slot_bytes < (uint64_t)st.classes_used * PG);
        assert_true(st.slot_bytes - st.payload_bytes <= st.lz4_pages * (32 + CCACHE_SLOT_HDR - 1));
        if (st.lz4_pages > 100 && st.frag_permille > worst)
            worst = st.frag_permille;
    }
    ccache_get_stats(&cache, &st);
    printf("  churn: %llu pages in %llu storage pages, fragmentation now %u.%u%%, "
           "worst %u.%u%% (over 100+ pages), %u classes\n",
           (unsigned long long)st.lz4_pages, (unsigned long long)st.storage_pages,
           st.frag_permille / 10, st.frag_permille % 10, worst / 10, worst % 10, st.classes_used);
    finish();
}

/* Finds `needle` in the arena's allocated pages. */
static uint8_t *find_in_arena(const uint8_t *needle, size_t n)
{
    for (mpn_t m = 0; m < ARENA_PAGES; m++) {
        if (!ta.used[m])
            continue;
        uint8_t *p = plat_mpn_to_va(m);
        for (size_t o = 0; o + n <= PG; o++)
            if (p[o] == needle[0] && memcmp(p + o, needle, n) == 0)
                return p + o;
    }
    return NULL;
}

/* A flipped bit in stored data is caught by the checksum on the next read
 * (load, eviction, move or check), not silently handed to the guest. */
static void test_corruption_caught(void **state)
{
    (void)state;
    static uint8_t out[PG], block[CODEC_LZ4_BOUND];
    static struct codec_ws ws;
    const uint8_t *lz[4];
    assert_int_equal(compressible(lz, 4), 4);

    start(1024, ARENA_PAGES, true);
    ccache_handle_t h[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(ccache_store(&cache, lz[i], (uint64_t)i, &h[i]), CCACHE_OK);

    /* The codec is deterministic: compress page 1 again to know what the
     * cache stored, and find it in memory. */
    codec_ws_init(&ws);
    size_t n = codec_lz4_compress_page(&ws, lz[1], block, CODEC_DEFAULT_THRESHOLD);
    assert_true(n > 16);
    uint8_t *stored = find_in_arena(block, 16);
    assert_non_null(stored);
    stored[8] ^= 0x10;

    assert_int_equal(ccache_check(&cache), 1);
    assert_int_equal(ccache_load(&cache, h[1], out), CCACHE_CORRUPT);
    for (int i = 0; i < 4; i++)
        if (i != 1)
            assert_int_equal(ccache_load(&cache, h[i], out), CCACHE_OK);
    /* Eviction of the damaged page reports it lost instead of passing on
     * garbage. */
    ccache_set_cap(&cache, 0);
    int lost = 0;
    for (size_t k = 0; k < nev; k++)
        lost += evlog[k].lost;
    assert_int_equal(lost, 1);
    struct ccache_stats st;
    ccache_get_stats(&cache, &st);
    assert_true(st.corrupt >= 2);
    finish();
}

/* When the page allocator runs dry the cache evicts to make room, and says
 * FULL only when nothing is left to evict; nothing leaks on either path. */
static void test_allocation_failure(void **state)
{
    (void)state;
    static const uint8_t *lz[200];
    static ccache_handle_t hs[200];
    static uint8_t out[PG];
    size_t nlz = compressible(lz, 200);
    const struct corpus_class *fill = corpus_find(&corpus, "fill");

    for (uint64_t limit = 0; limit < 24; limit += 3) {
        start(1024, limit, true);
        size_t ok = 0;
        for (size_t i = 0; i < nlz; i++) {
            originals[i] = lz[i];
            enum ccache_result res = ccache_store(&cache, lz[i], i, &hs[i]);
            assert_true(res == CCACHE_OK || res == CCACHE_FULL);
            ok += res == CCACHE_OK;
            assert_true(ta.live <= limit);
        }
        if (limit >= 6)
            assert_true(ok == nlz);   /* eviction made room every time */
        else if (limit == 0)
            assert_true(ok == 0);
        /* Same-filled pages cannot be evicted: they fill up and get FULL. */
        size_t fills = 0;
        for (size_t i = 0; i < 2000; i++) {
            ccache_handle_t h;
            enum ccache_result res = ccache_store(&cache, fill->pages + (i % fill->npages) * PG, 0, &h);
            if (res != CCACHE_OK)
                break;
            fills++;
        }
        assert_int_equal(ccache_check(&cache), 0);
        (void)out;
        (void)fills;
        finish();
    }
}

/* The paged array under the entry table and page lists: sparse growth to
 * three levels, lookups, truncation that frees and lowers, no leak. */
static void test_pvec(void **state)
{
    (void)state;
    struct pvec v;
    uint64_t pages = 0;
    struct pvec_pager pg = { t_alloc, t_free, NULL, &pages };
    static const uint64_t idx[] = { 0, 1, 511, 512, 4096, 262143, 262144, 300000 };

    memset(&ta, 0, sizeof ta);
    ta.limit = ARENA_PAGES;
    pvec_init(&v, sizeof(uint64_t));
    assert_null(pvec_at(&v, 0));
    for (size_t i = 0; i < ARRAY_SIZE(idx); i++) {
        uint64_t *e = pvec_get(&v, idx[i], &pg);
        assert_non_null(e);
        assert_int_equal(*e, 0);          /* new leaves are zeroed */
        *e = idx[i] * 3 + 1;
    }
    assert_int_equal(v.height, 3);
    for (size_t i = 0; i < ARRAY_SIZE(idx); i++)
        assert_int_equal(*(uint64_t *)pvec_at(&v, idx[i]), idx[i] * 3 + 1);
    assert_null(pvec_at(&v, 2000));       /* a leaf never created */
    assert_int_equal(pages, ta.live);

    pvec_truncate(&v, 262144, &pg);       /* drops the second subtree */
    assert_int_equal(v.height, 2);
    assert_null(pvec_at(&v, 262144));
    assert_int_equal(*(uint64_t *)pvec_at(&v, 4096), 4096 * 3 + 1);
    pvec_truncate(&v, 512, &pg);
    assert_int_equal(v.height, 1);
    assert_int_equal(*(uint64_t *)pvec_at(&v, 511), 511 * 3 + 1);
    assert_int_equal(pages, 1);
    pvec_truncate(&v, 0, &pg);
    assert_int_equal(v.height, 0);
    assert_int_equal(pages, 0);
    assert_int_equal(ta.live, 0);

    /* Allocation failure part-way leaves nothing half-linked. */
    ta.limit = 1;
    assert_null(pvec_get(&v, 100000, &pg));
    ta.limit = ARENA_PAGES;
    assert_non_null(pvec_get(&v, 100000, &pg));
    pvec_truncate(&v, 0, &pg);
    assert_int_equal(ta.live, 0);
}

/* The cap is a percentage of machine memory unless given in pages; the
 * threshold is clamped so that a slot never exceeds a page. */
static void test_config(void **state)
{
    (void)state;
    struct ccache_config cfg;
    ccache_config_default(&cfg, 50000);
    assert_int_equal(cfg.cap_percent, CCACHE_DEFAULT_CAP_PERCENT);
    assert_int_equal(cfg.threshold, CODEC_DEFAULT_THRESHOLD);
    cfg.cap_percent = 25;
    ccache_init(&cache, &cfg, &ops);
    struct ccache_stats st;
    ccache_get_stats(&cache, &st);
    assert_int_equal(st.cap_pages, 12500);
    cfg.cap_pages = 77;
    cfg.threshold = 100000;
    ccache_init(&cache, &cfg, &ops);
    ccache_get_stats(&cache, &st);
    assert_int_equal(st.cap_pages, 77);
    assert_int_equal(cache.cfg.threshold, CCACHE_MAX_THRESHOLD);
    assert_true(((CCACHE_MAX_THRESHOLD + CCACHE_SLOT_HDR - 1) >> CCACHE_SLOT_SHIFT) < CCACHE_NCLASSES);
    assert_true((size_t)CCACHE_NCLASSES << CCACHE_SLOT_SHIFT <= PG);
    ccache_destroy(&cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pvec),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_round_trip_by_kind),
        cmocka_unit_test(test_lru_eviction_order),
        cmocka_unit_test(test_refused_eviction_keeps_the_entry),
        cmocka_unit_test(test_handles_survive_churn),
        cmocka_unit_test(test_fragmentation_bounded),
        cmocka_unit_test(test_corruption_caught),
        cmocka_unit_test(test_allocation_failure),
    };
    return cmocka_run_group_tests_name("ccache", tests, setup, teardown);
}
