/*
 * make bench-codec: our page codec against Debian's liblz4 on the page
 * corpus, in one run. Speeds are uncompressed bytes per second, best of a
 * few repeats (the machine is shared; the best run is the least disturbed).
 * Printed, never asserted: timing is not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <lz4.h>
#include "mm/codec.h"
#include "tests/unit/test_codec_corpus.h"

#define PG       CODEC_PAGE_SIZE
#define REPEATS  5
#define MIN_NS   30000000ull   /* each measurement runs at least 30 ms */

static struct codec_ws ws;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct work {
    const uint8_t *pages;
    size_t n;
    uint8_t *blk;          /* n blocks of BLK bytes */
    uint32_t *len;
    size_t cap;            /* encoder output limit */
};
#define BLK (LZ4_COMPRESSBOUND(PG) + 64)

typedef size_t (*pass_fn)(struct work *w);

static size_t ours_c(struct work *w)
{
    size_t t = 0;
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

/* Best-of-REPEATS seconds per pass; the pass's result is kept in *ret. */
static double time_pass(pass_fn f, struct work *w, size_t *ret)
{
    double best = 1e30;
    for (int r = 0; r < REPEATS; r++) {
        uint64_t t0 = now_ns(), t;
        size_t iters = 0;
        do {
            *ret = f(w);
            iters++;
            t = now_ns() - t0;
        } while (t < MIN_NS / REPEATS);
        double s = (double)t / 1e9 / (double)iters;
        if (s < best)
            best = s;
    }
    return best;
}

struct row {
    double oc, lc, od, ld;          /* seconds per pass */
    size_t obytes, lbytes, n, ocount, lcount;
};

static void measure(const uint8_t *pages, size_t n, size_t cap, struct row *r)
{
    struct work wo = { pages, n, malloc(n * BLK), calloc(n, 4), cap };
    struct work wl = { pages, n, malloc(n * BLK), calloc(n, 4), cap };
    size_t ret;
    memset(r, 0, sizeof *r);
    r->n = n;
    r->oc = time_pass(ours_c, &wo, &r->obytes);
    r->lc = time_pass(lz4_c, &wl, &r->lbytes);
    r->od = time_pass(ours_d, &wo, &ret);
    r->ld = time_pass(lz4_d, &wl, &ret);
    /* Pages that did not fit the cap count as stored raw (4 KiB). */
    for (size_t i = 0; i < n; i++) {
        if (!wo.len[i])
            r->obytes += PG;
        else
            r->ocount++;
        if (!wl.len[i])
            r->lbytes += PG;
        else
            r->lcount++;
    }
    free(wo.blk); free(wo.len); free(wl.blk); free(wl.len);
}

static void print_row(const char *name, const struct row *r)
{
    double mb = (double)r->n * PG / 1e6;
    printf("%-10s %5zu | %7.0f %7.0f %5.2fx | %7.0f %7.0f %5.2fx | %6.1f%% %6.1f%% %5.3fx\n",
           name, r->n, mb / r->oc, mb / r->lc, r->lc / r->oc, mb / r->od, mb / r->ld, r->ld / r->od,
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

static void table(const struct corpus *c, size_t cap, const char *title)
{
    header(title);
    size_t total = 0;
    for (size_t k = 0; k < c->ncls; k++)
        if (is_guest(c->cls[k].name))
            total += c->cls[k].npages;
    uint8_t *guest = malloc(total * PG);
    size_t at = 0;
    for (size_t k = 0; k < c->ncls; k++) {
        const struct corpus_class *k_ = &c->cls[k];
        struct row r;
        if (!k_->npages)
            continue;
        measure(k_->pages, k_->npages, cap, &r);
        print_row(k_->name, &r);
        if (is_guest(k_->name)) {
            memcpy(guest + at * PG, k_->pages, k_->npages * PG);
            at += k_->npages;
        }
    }
    struct row r;
    measure(guest, total, cap, &r);
    print_row("GUEST", &r);
    free(guest);
}

static double detect_gbs(int use_memcmp, const uint8_t *pages, size_t n, size_t *hits)
{
    static const uint8_t zero[PG];
    double best = 1e30;
    for (int rep = 0; rep < REPEATS; rep++) {
        uint64_t t0 = now_ns(), t;
        size_t iters = 0;
        do {
            size_t h = 0;
            for (size_t i = 0; i < n; i++) {
                uint64_t v;
                const uint8_t *p = pages + i * PG;
                /* Keep the compiler from hoisting the call out of the loop. */
                __asm__ volatile("" : "+r"(p));
                h += use_memcmp ? memcmp(p, zero, PG) == 0 : codec_page_is_filled(p, &v);
            }
            *hits = h;
            iters++;
            t = now_ns() - t0;
        } while (t < MIN_NS / REPEATS);
        double s = (double)t / 1e9 / (double)iters;
        if (s < best)
            best = s;
    }
    return (double)n * PG / 1e9 / best;
}

int main(void)
{
    struct corpus c;
    int files = corpus_load(&c, NULL);
    codec_ws_init(&ws);
    printf("bench-codec: %zu pages in %zu classes (%d from this machine's files), liblz4 %s\n",
           c.total_pages, c.ncls, files, LZ4_versionString());
    printf("C = compress, D = decompress, MB/s of uncompressed data, best of %d; x = ours/liblz4 speed;\n"
           "size = output as %% of input (a page that does not fit the cap counts 4096); size x = ours/liblz4, lower is better\n",
           REPEATS);

    table(&c, BLK, "Full compression (output cap = compress bound): LZ4_compress_default vs ours");
    table(&c, CODEC_DEFAULT_THRESHOLD, "Page path (output cap = 2048-byte threshold, both give up when over)");

    printf("\nZero/same-fill detector, GB/s of pages scanned (best of %d)\n", REPEATS);
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
    corpus_free(&c);
    return 0;
}
