/* Corpus loader and generators; see test_codec_corpus.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/test_codec_corpus.h"

#define PG 4096

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static struct corpus_class *add(struct corpus *c, const char *name, size_t n, int from_files)
{
    if (c->ncls >= CORPUS_MAX_CLASSES)
        abort();
    struct corpus_class *k = &c->cls[c->ncls++];
    k->name = name;
    k->npages = n;
    k->from_files = from_files;
    k->pages = calloc(n ? n : 1, PG);
    if (!k->pages)
        abort();
    c->total_pages += n;
    return k;
}

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void generate(struct corpus *c)
{
    struct corpus_class *k;

    k = add(c, "zero", 16, 0);                      /* calloc'd */

    k = add(c, "fill", 16, 0);
    for (size_t i = 0; i < k->npages; i++) {
        uint64_t v = i < 4 ? (uint64_t)-1 >> (i * 16) : next_rand();
        for (size_t o = 0; o < PG; o += 8)
            put64(k->pages + i * PG + o, v);
    }

    /* Filled except one byte, at the start, the end and in between: the
     * detector must not be fooled and LZ4 must handle long runs. */
    k = add(c, "nearfill", 16, 0);
    for (size_t i = 0; i < k->npages; i++) {
        uint8_t *p = k->pages + i * PG;
        memset(p, i & 1 ? 0 : 0xa5, PG);
        size_t pos = i == 0 ? 0 : i == 1 ? PG - 1 : (next_rand() % PG);
        p[pos] ^= 0x40;
    }

    /* Guest-like sparse data: zeros with scattered words and pointers. */
    k = add(c, "sparse", 64, 0);
    for (size_t i = 0; i < k->npages; i++) {
        uint8_t *p = k->pages + i * PG;
        size_t words = 1 + next_rand() % 64;
        for (size_t w = 0; w < words; w++)
            put64(p + (next_rand() % (PG / 8)) * 8,
                  0xffff888000000000ull | (next_rand() & 0xffffff8));
    }

    /* Short periods (1..11) with noise: exercises overlapping matches. */
    k = add(c, "periodic", 64, 0);
    for (size_t i = 0; i < k->npages; i++) {
        uint8_t *p = k->pages + i * PG;
        size_t period = 1 + i % 11;
        for (size_t o = 0; o < PG; o++)
            p[o] = o < period ? (uint8_t)next_rand() : p[o - period];
        for (size_t n = next_rand() % 8; n; n--)
            p[next_rand() % PG] = (uint8_t)next_rand();
    }

    /* Low entropy: 4-symbol alphabet, many short matches. */
    k = add(c, "alphabet", 32, 0);
    for (size_t i = 0; i < k->npages * PG; i++)
        k->pages[i] = "ACGT"[next_rand() & 3];

    k = add(c, "random", 64, 0);
    for (size_t i = 0; i < k->npages * PG; i += 8)
        put64(k->pages + i, next_rand());
}

static void load_file(struct corpus *c, const char *dir, const char *name, int *found)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.pages", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "corpus: %s missing (run tools/codec-corpus.py)\n", path);
        return;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    size_t n = size > 0 ? (size_t)size / PG : 0;
    struct corpus_class *k = add(c, name, n, 1);
    if (fread(k->pages, PG, n, f) != n)
        k->npages = 0;
    fclose(f);
    (*found)++;
}

int corpus_load(struct corpus *c, const char *dir)
{
    static const char *const file_classes[] = { "text", "code", "lib", "firmware", "procmem" };
    int found = 0;

    memset(c, 0, sizeof *c);
    rng = 0x243f6a8885a308d3ull;
    if (!dir)
        dir = getenv("CODEC_CORPUS_DIR");
    if (!dir)
        dir = "build/codec-corpus";
    generate(c);
    for (size_t i = 0; i < sizeof file_classes / sizeof file_classes[0]; i++)
        load_file(c, dir, file_classes[i], &found);
    return found;
}

void corpus_free(struct corpus *c)
{
    for (size_t i = 0; i < c->ncls; i++)
        free(c->cls[i].pages);
    memset(c, 0, sizeof *c);
}

const struct corpus_class *corpus_find(const struct corpus *c, const char *name)
{
    for (size_t i = 0; i < c->ncls; i++)
        if (strcmp(c->cls[i].name, name) == 0)
            return &c->cls[i];
    return NULL;
}
