/* memtouch_fill_check: measures pages that the real memtouch guest wrote
 * (dumped from plain QEMU by tests/guests/check_fill.py) with the project's
 * page codec, and liblz4 as the oracle, and checks that each fill= kind
 * lands in the swapper store it is meant for:
 *
 *   zero    every page is zero or one 32-bit value repeated (a ZERO tag,
 *           no storage), both kinds present, the value (N << 20) | P;
 *   text    every page compresses to at most half (the compression cache
 *           takes it) with a ratio between 2 and 4, for ours and liblz4;
 *   random  every page is rejected by the codec at the 2 KiB threshold and
 *           liblz4 cannot shrink it (it goes to swap);
 *   mix     page P is zero, text or random as P % 3 is 0, 1 or 2.
 *
 * Measuring the guest's own pages, rather than a C copy of its generator,
 * means there is no second implementation to drift from the assembly.
 *
 * usage: memtouch_fill_check KIND GEN DUMP_GEN [DUMP_NEXT_GEN]
 *   DUMP_*: guest memory from 2 MiB (page 0x200) on, whole pages; the second
 *   dump, one generation later, must differ from the first on every page.
 * Prints one line per kind found and exits 0 when every check holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lz4.h>
#include "mm/codec.h"

#define FIRST_PPN 0x200u
#define PAGE CODEC_PAGE_SIZE

enum kind { K_ZERO, K_TEXT, K_RANDOM, K_COUNT };
static const char *const kind_names[K_COUNT] = { "zero", "text", "random" };

struct tally {
    unsigned pages, bad;
    unsigned zero_pages, fill_pages;          /* zero kind */
    double ours_min, ours_max, ours_sum;      /* text: ratio 4096 / bytes */
    double lz4_min, lz4_max, lz4_sum;
};

static int failures;

static void fail(const char *what, unsigned ppn)
{
    if (failures++ < 20)
        fprintf(stderr, "memtouch-fill: page 0x%x: %s\n", ppn, what);
}

static unsigned char *load(const char *path, size_t *pages)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n <= 0 || n % PAGE) {
        fprintf(stderr, "memtouch-fill: %s: %ld bytes, not whole pages\n", path, n);
        exit(2);
    }
    unsigned char *buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "memtouch-fill: cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    *pages = (size_t)n / PAGE;
    return buf;
}

static void ratio(struct tally *t, double r, double *min, double *max, double *sum)
{
    if (t->pages == 1 || r < *min) *min = r;
    if (t->pages == 1 || r > *max) *max = r;
    *sum += r;
}

static void check_page(struct codec_ws *ws, enum kind k, const unsigned char *p, unsigned ppn,
                       unsigned gen, struct tally *t)
{
    static unsigned char dst[CODEC_LZ4_BOUND], lz[LZ4_COMPRESSBOUND(PAGE)];
    struct codec_out out;
    uint64_t w;
    int before = failures;

    t->pages++;
    codec_compress_page(ws, p, dst, CODEC_DEFAULT_THRESHOLD, &out);
    int lz_len = LZ4_compress_default((const char *)p, (char *)lz, PAGE, (int)sizeof lz);
    switch (k) {
    case K_ZERO: {
        /* The swapper keeps a page as a tag when it is one 32-bit value
         * repeated (mm/swapper_out.c): the codec's 64-bit fill with equal
         * halves. */
        uint32_t want = ((gen + ppn) & 1) ? (gen << 20) | ppn : 0;
        if (!codec_page_is_filled(p, &w) || (w >> 32) != (w & 0xffffffffu))
            fail("zero kind: not one 32-bit value repeated", ppn);
        else if ((uint32_t)w != want)
            fail("zero kind: not the value (N << 20) | P, or 0 for N + P even", ppn);
        else if (w)
            t->fill_pages++;
        else
            t->zero_pages++;
        break;
    }
    case K_TEXT: {
        size_t n = codec_lz4_compress_page(ws, p, dst, sizeof dst);
        if (out.kind != CODEC_LZ4)
            fail("text kind: the codec did not keep it at the 2 KiB threshold", ppn);
        if (n == 0 || lz_len <= 0) {
            fail("text kind: no LZ4 block", ppn);
            break;
        }
        double ro = (double)PAGE / (double)n, rl = (double)PAGE / (double)lz_len;
        ratio(t, ro, &t->ours_min, &t->ours_max, &t->ours_sum);
        ratio(t, rl, &t->lz4_min, &t->lz4_max, &t->lz4_sum);
        if (ro < 2.0 || ro > 4.0 || rl < 2.0 || rl > 4.0)
            fail("text kind: LZ4 ratio outside 2..4", ppn);
        break;
    }
    case K_RANDOM:
        if (out.kind != CODEC_INCOMPRESSIBLE)
            fail("random kind: the codec kept it", ppn);
        if (lz_len > 0 && lz_len < (int)PAGE)
            fail("random kind: liblz4 shrank it", ppn);
        if (lz_len > 0)
            ratio(t, (double)PAGE / lz_len, &t->lz4_min, &t->lz4_max, &t->lz4_sum);
        break;
    default:
        break;
    }
    if (failures != before)
        t->bad++;
}

static int cmp_pages(const void *a, const void *b)
{
    return memcmp(*(const unsigned char *const *)a, *(const unsigned char *const *)b, PAGE);
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: memtouch_fill_check zero|text|random|mix GEN DUMP [DUMP_NEXT]\n");
        return 2;
    }
    const char *fill = argv[1];
    bool mix = !strcmp(fill, "mix");
    enum kind only = K_COUNT;
    for (int k = 0; k < K_COUNT; k++)
        if (!strcmp(fill, kind_names[k]))
            only = (enum kind)k;
    if (!mix && only == K_COUNT) {
        fprintf(stderr, "memtouch-fill: unknown kind '%s'\n", fill);
        return 2;
    }
    unsigned gen = (unsigned)strtoul(argv[2], NULL, 10);
    size_t npages, npages2 = 0;
    unsigned char *mem = load(argv[3], &npages), *next = NULL;
    if (argc == 5) {
        next = load(argv[4], &npages2);
        if (npages2 != npages) {
            fprintf(stderr, "memtouch-fill: the dumps differ in size\n");
            return 2;
        }
    }

    static struct codec_ws ws;
    codec_ws_init(&ws);
    struct tally t[K_COUNT];
    memset(t, 0, sizeof t);
    const unsigned char **distinct = malloc(npages * sizeof *distinct);
    size_t ndistinct = 0;
    unsigned same_next = 0;
    for (size_t i = 0; i < npages; i++) {
        unsigned ppn = FIRST_PPN + (unsigned)i;
        enum kind k = mix ? (enum kind)(ppn % 3) : only;
        const unsigned char *p = mem + i * PAGE;
        check_page(&ws, k, p, ppn, gen, &t[k]);
        uint64_t w;
        if (!(k == K_ZERO && codec_page_is_filled(p, &w) && w == 0))
            distinct[ndistinct++] = p;       /* all-zero pages are alike by design */
        if (next && !memcmp(p, next + i * PAGE, PAGE)) {
            same_next++;
            fail("the same in the next generation", ppn);
        }
    }
    /* Seeded by page number too: no two non-zero pages are alike. */
    qsort(distinct, ndistinct, sizeof *distinct, cmp_pages);
    unsigned dup = 0;
    for (size_t i = 1; i < ndistinct; i++)
        if (!memcmp(distinct[i - 1], distinct[i], PAGE))
            dup++;
    if (dup)
        fail("pages alike (count of repeats in the first line below)", 0);

    for (int k = 0; k < K_COUNT; k++) {
        const struct tally *s = &t[k];
        if (!s->pages)
            continue;
        printf("memtouch-fill: %s %s gen %u: %u pages, %u bad", fill, kind_names[k], gen,
               s->pages, s->bad);
        if (k == K_ZERO) {
            printf(", %u all zero, %u one 32-bit value repeated", s->zero_pages, s->fill_pages);
            if (!s->zero_pages || !s->fill_pages)
                fail("zero kind: not both zero and filled pages", 0);
        } else if (k == K_TEXT) {
            printf(", LZ4 ratio ours %.2f-%.2f (mean %.2f), liblz4 %.2f-%.2f (mean %.2f)",
                   s->ours_min, s->ours_max, s->ours_sum / s->pages, s->lz4_min, s->lz4_max,
                   s->lz4_sum / s->pages);
        } else {
            printf(", rejected by the codec at %u bytes, liblz4 ratio %.3f-%.3f",
                   CODEC_DEFAULT_THRESHOLD, s->lz4_min, s->lz4_max);
        }
        printf("\n");
    }
    printf("memtouch-fill: %s gen %u: %u repeated pages, %u unchanged in the next generation%s\n",
           fill, gen, dup, same_next, next ? "" : " (not compared)");
    free(distinct);
    free(mem);
    free(next);
    return failures ? 1 : 0;
}
