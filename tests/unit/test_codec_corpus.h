/* The page corpus shared by the codec tests, fuzz seeds and benchmark:
 * classes read from the files tools/codec-corpus.py writes, plus classes
 * generated here (zero, filled, near-filled, sparse, short periods, random). */
#ifndef TESTS_UNIT_TEST_CODEC_CORPUS_H
#define TESTS_UNIT_TEST_CODEC_CORPUS_H

#include <stddef.h>
#include <stdint.h>

struct corpus_class {
    const char *name;
    uint8_t *pages;     /* npages * 4096 bytes */
    size_t npages;
    int from_files;     /* read from the machine rather than generated */
};

#define CORPUS_MAX_CLASSES 16

struct corpus {
    struct corpus_class cls[CORPUS_MAX_CLASSES];
    size_t ncls;
    size_t total_pages;
};

/* Loads `dir` (default build/codec-corpus, or $CODEC_CORPUS_DIR) and makes
 * the generated classes. A missing file class is skipped with a note; the
 * return value is the number of file classes found. */
int corpus_load(struct corpus *c, const char *dir);
void corpus_free(struct corpus *c);
const struct corpus_class *corpus_find(const struct corpus *c, const char *name);

#endif
