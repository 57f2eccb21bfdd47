/*
 * make bench-codec: our page codec against Debian's liblz4 on the page
 * corpus, in one run. Printed, never asserted: timing is not a test.
 *
 * Method (the machine is shared and noisy): time is the thread's CPU time;
 * every cell is timed ROUNDS times; in each round ours and liblz4's run back to back on the same
 * pages, in alternating order, and rounds go round-robin over all rows. A
 * speed is the median over the rounds; "x" is the median of the per-round
 * ratios ours/liblz4, so a burst of load that hits one round moves one
 * ratio of many rather than one side of a row.
 *
 * `bench_codec --instr` runs each coder once over the guest pages, for
 * `make bench-codec-instr` (valgrind's instruction counts: deterministic).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <lz4.h>
#include "mm/codec.h"
#include "mm/ccache.h"
#include "tests/fake/platform_fake.h"
#include "tests/unit/test_codec_corpus.h"

#define PG       CODEC_PAGE_SIZE
#define ROUNDS   41
#define SAMPLE_NS 1500000ull   /* one timed sample: >= 1.5 ms of repeated passes */

static struct codec_ws ws;

/* CPU time of this thread: the time another process holds the CPU is not
 * counted, which removes the largest noise on a shared machine (what is
 * left: caches and the sibling hyperthread). */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct work {
    const uint8_t *pages;
    size_t n;
    uint8_t *blk;          /* n blocks of BLK bytes */
    uint32_t *len;
    size_t cap;            /* encoder output limit */
    int page_path;         /* ours: detector + encoder, as the cache does */
    uint8_t *kind;
    uint64_t *fill;
};
#define BLK (LZ4_COMPRESSBOUND(PG) + 64)

typedef size_t (*pass_fn)(struct work *w);

static size_t ours_c(struct work *w)
{
    size_t t = 0;
    if (w->page_path) {
        for (size_t i = 0; i < w->n; i++) {
            struct codec_out co;
            codec_compress_page(&ws, w->pages + i * PG, w->blk + i * BLK, w->cap, &co);
            w->kind[i] = (uint8_t)co.kind;
            w->fill[i] = co.fill;
            /* A tag costs nothing; count it as one byte to stay non-zero. */
            t += w->len[i] = co.kind == CODEC_LZ4 ? co.len : co.kind == CODEC_INCOMPRESSIBLE ? 0 : 1;
        }
        return t;
    }
    for (size_t i = 0; i < w->n; i++)
        t += w->len[i] = (uint32_t)codec_lz4_compress_page(&ws, w->pages + i * PG, w->blk + i * BLK, w->cap);
    return t;
}

static size_t lz4_c(struct work *w)
{
    size_t t = 0;
    for (size_t i = 0; i < w->n; i++) {
        int r = LZ4_compress_default((const char *)w->pages + i * PG, (char *)w->blk + i * BLK, PG, (int)w->cap);
        t += w->len[i] = (uint32_t)(r > 0 ? r : 0);
    }
    return t;
}

static uint8_t outpage[PG];

static size_t ours_d(struct work *w)
{
    size_t t = 0;
    if (w->page_path) {
        for (size_t i = 0; i < w->n; i++)
            if (w->len[i])
                t += codec_decompress_page((enum codec_kind)w->kind[i], w->blk + i * BLK, w->len[i],
                                           w->fill[i], outpage) == 0 ? PG : 0;
        return t;
    }
    for (size_t i = 0; i < w->n; i++)
        if (w->len[i])
            t += (size_t)codec_lz4_decompress(w->blk + i * BLK, w->len[i], outpage, PG);
    return t;
}

static size_t lz4_d(struct work *w)
{
    size_t t = 0;
    for (size_t i = 0; i < w->n; i++)
        if (w->len[i])
            t += (size_t)LZ4_decompress_safe((const char *)w->blk + i * BLK, (char *)outpage, (int)w->len[i], PG);
    return t;
}

/* Seconds for one pass, run until SAMPLE_NS has gone by. Passes run in
 * batches that double while short, so that reading the clock (a system
 * call for the thread's CPU time) costs nothing even on a 16-page row. */
static double time_once(pass_fn f, struct work *w, size_t *ret)
{
    uint64_t t0 = now_ns(), t;
    size_t iters = 0, batch = 1;
    do {
        for (size_t k = 0; k < batch; k++)
            *ret = f(w);
        iters += batch;
        t = now_ns() - t0;
        if (t < SAMPLE_NS / 16)
            batch *= 2;
    } while (t < SAMPLE_NS);
    return (double)t / 1e9 / (double)iters;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, size_t n)
{
    double s[ROUNDS];
    memcpy(s, v, n * sizeof *v);
    qsort(s, n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Seconds per pass of each side, per round. */
struct row {
    double oc[ROUNDS], lc[ROUNDS], od[ROUNDS], ld[ROUNDS];
    int rounds;
    size_t obytes, lbytes, n, ocount, lcount;
    struct work wo, wl;
};

static void row_init(struct row *r, const uint8_t *pages, size_t n, size_t cap, int page_path)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    r->wo = (struct work){ pages, n, malloc(n * BLK), calloc(n, 4), cap, page_path, calloc(n, 1), calloc(n, 8) };
    r->wl = (struct work){ pages, n, malloc(n * BLK), calloc(n, 4), cap, 0, NULL, NULL };
}

/* One round of a row: compression, then decompression, ours and theirs
 * back to back, who goes first alternating from round to round. */
static void row_sample(struct row *r)
{
    size_t ret;
    const int k = r->rounds++;
    if (k % 2 == 0) {
        r->oc[k] = time_once(ours_c, &r->wo, &r->obytes);
        r->lc[k] = time_once(lz4_c, &r->wl, &r->lbytes);
        r->od[k] = time_once(ours_d, &r->wo, &ret);
        r->ld[k] = time_once(lz4_d, &r->wl, &ret);
    } else {
        r->lc[k] = time_once(lz4_c, &r->wl, &r->lbytes);
        r->oc[k] = time_once(ours_c, &r->wo, &r->obytes);
        r->ld[k] = time_once(lz4_d, &r->wl, &ret);
        r->od[k] = time_once(ours_d, &r->wo, &ret);
    }
}

static void row_finish(struct row *r)
{
    /* Pages that did not fit the cap count as stored raw (4 KiB). */
    for (size_t i = 0; i < r->n; i++) {
        if (!r->wo.len[i])
            r->obytes += PG;
        else
            r->ocount++;
        if (!r->wl.len[i])
            r->lbytes += PG;
        else
            r->lcount++;
    }
    if (r->wo.page_path)   /* tags were counted as 1 byte above */
        for (size_t i = 0; i < r->n; i++)
            if (r->wo.kind[i] == CODEC_ZERO || r->wo.kind[i] == CODEC_FILL)
                r->obytes -= 1;
    free(r->wo.blk); free(r->wo.len); free(r->wo.kind); free(r->wo.fill);
    free(r->wl.blk); free(r->wl.len);
}

/* The per-round ratios ours/liblz4 of speeds a / ta, b / tb. */
static void ratios(const double *ta, const double *tb, double a, double b, int n, double *out)
{
    for (int k = 0; k < n; k++)
        out[k] = (a / ta[k]) / (b / tb[k]);
}

/* Lower and upper quartile of n values. */
static void quartiles(const double *v, int n, double *lo, double *hi)
{
    double s[ROUNDS];
    memcpy(s, v, (size_t)n * sizeof *v);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    *lo = s[n / 4];
    *hi = s[(3 * n) / 4];
}

static void print_row(const char *name, const struct row *r)
{
    double mb = (double)r->n * PG / 1e6;
    /* Decode speed counts the pages each side actually stored. */
    double omb = (double)r->ocount * PG / 1e6, lmb = (double)r->lcount * PG / 1e6;
    double rc[ROUNDS], rd[ROUNDS];
    ratios(r->oc, r->lc, mb, mb, r->rounds, rc);
    printf("%-10s %5zu | %7.0f %7.0f %5.2fx |", name, r->n, mb / median(r->oc, (size_t)r->rounds),
           mb / median(r->lc, (size_t)r->rounds), median(rc, (size_t)r->rounds));
    if (r->ocount && r->lcount) {
        ratios(r->od, r->ld, omb, lmb, r->rounds, rd);
        printf(" %7.0f %7.0f %5.2fx |", omb / median(r->od, (size_t)r->rounds),
               lmb / median(r->ld, (size_t)r->rounds), median(rd, (size_t)r->rounds));
    } else
        printf(" %7s %7s %6s |", "-", "-", "-");
    printf(" %6.1f%% %6.1f%% %5.3fx\n",
           100.0 * (double)r->obytes / (double)(r->n * PG),
           100.0 * (double)r->lbytes / (double)(r->n * PG),
           (double)r->obytes / (double)r->lbytes);
}

static void header(const char *title)
{
    printf("\n%s\n", title);
    printf("%-10s %5s | %7s %7s %6s | %7s %7s %6s | %7s %7s %6s\n", "class", "pages",
           "ours-C", "lz4-C", "C x", "ours-D", "lz4-D", "D x", "ours", "lz4", "size x");
    printf("%-10s %5s | %7s %7s %6s | %7s %7s %6s | %7s %7s %6s\n", "", "",
           "MB/s", "MB/s", "", "MB/s", "MB/s", "", "size", "size", "");
}

/* Classes that look like guest memory: what the goal is stated on. */
static int is_guest(const char *name)
{
    return !strcmp(name, "procmem") || !strcmp(name, "firmware") || !strcmp(name, "code") ||
           !strcmp(name, "lib") || !strcmp(name, "text") || !strcmp(name, "sparse");
}

/* All rows are sampled round-robin, ROUNDS rounds (see the top). */
static void table(const struct corpus *c, size_t cap, int page_path, const char *title)
{
    static struct row rows[CORPUS_MAX_CLASSES + 1];
    static const char *names[CORPUS_MAX_CLASSES + 1];
    size_t nrows = 0, total = 0, at = 0;

    header(title);
    for (size_t k = 0; k < c->ncls; k++)
        if (is_guest(c->cls[k].name))
            total += c->cls[k].npages;
    uint8_t *guest = malloc(total * PG);
    for (size_t k = 0; k < c->ncls; k++) {
        const struct corpus_class *k_ = &c->cls[k];
        if (!k_->npages)
            continue;
        names[nrows] = k_->name;
        row_init(&rows[nrows++], k_->pages, k_->npages, cap, page_path);
        if (is_guest(k_->name)) {
            memcpy(guest + at * PG, k_->pages, k_->npages * PG);
            at += k_->npages;
        }
    }
    names[nrows] = "GUEST";
    row_init(&rows[nrows++], guest, total, cap, page_path);
    for (int round = 0; round < ROUNDS; round++)
        for (size_t i = 0; i < nrows; i++)
            row_sample(&rows[i]);
    for (size_t i = 0; i < nrows; i++) {
        row_finish(&rows[i]);
        print_row(names[i], &rows[i]);
    }
    /* How much the guest row's ratios moved from round to round. */
    const struct row *g = &rows[nrows - 1];
    double rc[ROUNDS], rd[ROUNDS], clo, chi, dlo, dhi;
    double mb = (double)g->n * PG / 1e6;
    ratios(g->oc, g->lc, mb, mb, g->rounds, rc);
    ratios(g->od, g->ld, (double)g->ocount * PG / 1e6, (double)g->lcount * PG / 1e6, g->rounds, rd);
    quartiles(rc, g->rounds, &clo, &chi);
    quartiles(rd, g->rounds, &dlo, &dhi);
    printf("GUEST per-round ratios, quartiles over %d rounds: C x %.2f-%.2f, D x %.2f-%.2f\n", g->rounds, clo,
           chi, dlo, dhi);
    free(guest);
}

static double detect_gbs(int use_memcmp, const uint8_t *pages, size_t n, size_t *hits)
{
    static const uint8_t zero[PG];
    double best = 1e30;
    for (int rep = 0; rep < ROUNDS; rep++) {
        uint64_t t0 = now_ns(), t;
        size_t iters = 0, batch = 1;
        do {
            for (size_t k = 0; k < batch; k++) {
                size_t h = 0;
                for (size_t i = 0; i < n; i++) {
                    uint64_t v;
                    const uint8_t *p = pages + i * PG;
                    /* Keep the compiler from hoisting the call out of the loop. */
                    __asm__ volatile("" : "+r"(p));
                    h += use_memcmp ? memcmp(p, zero, PG) == 0 : codec_page_is_filled(p, &v);
                }
                *hits = h;
            }
            iters += batch;
            t = now_ns() - t0;
            if (t < SAMPLE_NS / 16)
                batch *= 2;
        } while (t < SAMPLE_NS);
        double s = (double)t / 1e9 / (double)iters;
        if (s < best)
            best = s;
    }
    return (double)n * PG / 1e9 / best;
}

/* ---- cache packing at a realistic size ---------------------------------- */
#define CC_ARENA 24576   /* 96 MiB of fake machine memory */
static uint8_t cc_used[CC_ARENA];
static uint64_t cc_cursor;

static mpn_t cc_alloc(void *ctx)
{
    (void)ctx;
    for (uint64_t i = 0; i < CC_ARENA; i++) {
        uint64_t m = (cc_cursor + i) % CC_ARENA;
        if (!cc_used[m]) {
            cc_used[m] = 1;
            cc_cursor = m + 1;
            return m;
        }
    }
    return INVALID_MPN;
}

static void cc_free(void *ctx, mpn_t m)
{
    (void)ctx;
    cc_used[m] = 0;
}

static void cc_report(const char *when, const struct ccache *c)
{
    struct ccache_stats st;
    ccache_get_stats(c, &st);
    uint64_t storage = st.storage_pages * PG;
    printf("%-26s %7llu %7llu %5llu %6.2f%% %6.2f%% %6.2f%% %6.2f%% %3u %5.2fx %5.2fx\n", when,
           (unsigned long long)st.lz4_pages, (unsigned long long)st.storage_pages,
           (unsigned long long)st.meta_pages, st.frag_permille / 10.0,
           100.0 * (double)(st.slot_bytes - st.payload_bytes) / (double)storage,
           100.0 * (double)(storage - st.slot_bytes) / (double)storage,
           100.0 * (double)st.meta_pages / (double)st.used_pages, st.classes_used,
           st.lz4_ratio_x100 / 100.0, st.ratio_x100 / 100.0);
}

/* Fills a cache with the corpus's compressible pages (repeated: the cache
 * does not deduplicate) up to its cap, then churns it. */
static void cache_packing(const struct corpus *c)
{
    static struct ccache cc;
    const struct ccache_ops ops = { cc_alloc, cc_free, NULL, NULL };
    struct ccache_config cfg;
    static const char *const names[] = { "procmem", "firmware", "code", "lib", "text", "sparse" };
    const uint8_t **pages = malloc(sizeof *pages * c->total_pages);
    size_t n = 0;

    for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
        const struct corpus_class *cl = corpus_find(c, names[k]);
        for (size_t i = 0; cl && i < cl->npages; i++)
            pages[n++] = cl->pages + i * PG;
    }
    fake_plat_arena_init(CC_ARENA);
    ccache_config_default(&cfg, CC_ARENA);
    cfg.cap_percent = 50;
    cfg.checksums = false;
    ccache_init(&cc, &cfg, &ops);

    printf("\nCompression cache packing: guest-like pages (%zu distinct, stored repeatedly), cap %llu pages\n",
           n, (unsigned long long)cc.cfg.cap_pages);
    printf("%-26s %7s %7s %5s %7s %7s %7s %7s %3s %6s %6s\n", "", "pages", "storage", "meta", "frag",
           "(round", "+tail)", "meta%", "cls", "LZ4", "all");
    ccache_handle_t *hs = calloc(200000, sizeof *hs);
    size_t stored = 0, tried = 0;
    uint64_t t0 = now_ns();
    for (size_t i = 0; stored < 200000; i++) {
        struct ccache_stats st;
        ccache_get_stats(&cc, &st);
        if (st.evictions)
            break;
        tried++;
        if (ccache_store(&cc, pages[i % n], i, &hs[stored]) == CCACHE_OK)
            stored++;
    }
    double store_s = (double)(now_ns() - t0) / 1e9;
    cc_report("filled to the cap", &cc);
    /* Free 2 of 3 at random, then refill: holes everywhere. */
    uint64_t r = 1;
    for (size_t i = 0; i < stored; i++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        if ((r >> 33) % 3)
            ccache_free(&cc, hs[i]);
    }
    cc_report("after freeing 2/3", &cc);
    for (size_t i = 0; i < stored / 2; i++)
        ccache_store(&cc, pages[(i * 7) % n], i, &hs[0]);
    cc_report("after refilling half", &cc);
    printf("(frag = storage bytes not holding payload; round = owner record + class rounding; tail = last\n"
           " partial page of each class; store path incl. compression: %.0f MB/s over %zu pages)\n",
           (double)tried * PG / 1e6 / store_s, tried);
    ccache_destroy(&cc);
    fake_plat_arena_free();
    free(hs);
    free(pages);
}

/* ---- --instr: one pass of each coder over the guest pages ------------------
 * Run under valgrind by `make bench-codec-instr`, which reads the inclusive
 * counts of these four functions. Not static: their names must survive. */
void bench_instr_ours_c(struct work *w);
void bench_instr_lz4_c(struct work *w);
void bench_instr_ours_d(struct work *w);
void bench_instr_lz4_d(struct work *w);
__attribute__((noinline)) void bench_instr_ours_c(struct work *w) { (void)ours_c(w); }
__attribute__((noinline)) void bench_instr_lz4_c(struct work *w) { (void)lz4_c(w); }
__attribute__((noinline)) void bench_instr_ours_d(struct work *w) { (void)ours_d(w); }
__attribute__((noinline)) void bench_instr_lz4_d(struct work *w) { (void)lz4_d(w); }

static int instr_mode(const struct corpus *c)
{
    size_t total = 0, at = 0;
    for (size_t k = 0; k < c->ncls; k++)
        if (is_guest(c->cls[k].name))
            total += c->cls[k].npages;
    uint8_t *guest = malloc(total * PG);
    for (size_t k = 0; k < c->ncls; k++)
        if (is_guest(c->cls[k].name)) {
            memcpy(guest + at * PG, c->cls[k].pages, c->cls[k].npages * PG);
            at += c->cls[k].npages;
        }
    struct row r;
    row_init(&r, guest, total, BLK, 0);
    bench_instr_ours_c(&r.wo);
    bench_instr_lz4_c(&r.wl);
    bench_instr_ours_d(&r.wo);
    bench_instr_lz4_d(&r.wl);
    /* The decoders' output is checked here, not timed. */
    int bad = 0;
    for (size_t i = 0; i < total; i++)
        bad |= codec_lz4_decompress(r.wo.blk + i * BLK, r.wo.len[i], outpage, PG) != PG ||
               memcmp(outpage, guest + i * PG, PG) != 0;
    printf("instr-pages %zu\n", total);
    row_finish(&r);
    free(guest);
    return bad;
}

int main(int argc, char **argv)
{
    struct corpus c;
    int files = corpus_load(&c, NULL);
    codec_ws_init(&ws);
    if (argc > 1 && !strcmp(argv[1], "--instr"))
        return instr_mode(&c);
    printf("bench-codec: %zu pages in %zu classes (%d from this machine's files), liblz4 %s\n",
           c.total_pages, c.ncls, files, LZ4_versionString());
    printf("C = compress, D = decompress, MB/s of uncompressed data (D: of the pages that side stored), median of\n"
           "%d rounds (each: ours and liblz4 back to back, order alternating, >= %.1f ms of thread CPU time per sample;\n"
           "rows round-robin); x = median of the per-round ratios ours/liblz4 speed;\n"
           "size = output as %% of input (a page that does not fit the cap counts 4096); size x = ours/liblz4, lower is better\n",
           ROUNDS, SAMPLE_NS / 1e6);

    table(&c, BLK, 0, "LZ4 encoders alone (output cap = compress bound): LZ4_compress_default vs codec_lz4_compress_page");
    table(&c, CODEC_DEFAULT_THRESHOLD, 1,
          "Page path (2048-byte threshold): codec_compress_page (zero/fill tag, else LZ4, give up early) vs\n"
          "LZ4_compress_default with dstCapacity 2048; decode: codec_decompress_page vs LZ4_decompress_safe");

    printf("\nZero/same-fill detector, GB/s of pages scanned (best of %d)\n", ROUNDS);
    printf("%-22s %10s %10s %6s\n", "pages", "ours", "memcmp0", "x");
    const struct corpus_class *z = corpus_find(&c, "zero");
    size_t zn = 256, h1, h2;
    uint8_t *zeros = calloc(zn, PG);   /* bigger than one class: L2-resident */
    double a = detect_gbs(0, zeros, zn, &h1), b = detect_gbs(1, zeros, zn, &h2);
    printf("%-22s %10.2f %10.2f %5.2fx\n", "zero (full scan)", a, b, a / b);
    const struct corpus_class *f = corpus_find(&c, "fill");
    a = detect_gbs(0, f->pages, f->npages, &h1);
    b = detect_gbs(1, f->pages, f->npages, &h2);
    printf("%-22s %10.2f %10s %6s  (memcmp0 cannot see these: %zu of %zu found)\n", "same-filled", a, "-", "-",
           h1, f->npages);
    const struct corpus_class *p = corpus_find(&c, "procmem");
    if (p && p->npages) {
        a = detect_gbs(0, p->pages, p->npages, &h1);
        b = detect_gbs(1, p->pages, p->npages, &h2);
        printf("%-22s %10.2f %10.2f %5.2fx  (filled found: %zu, zero by memcmp: %zu)\n",
               "procmem (mixed)", a, b, a / b, h1, h2);
    }
    (void)z;
    free(zeros);
    cache_packing(&c);
    corpus_free(&c);
    return 0;
}
