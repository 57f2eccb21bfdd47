/* A database's hash join for the trace corpus (tools/trace-corpus.py): a
 * hash table built over 40,000 rows, then probed by a scan of 120,000 rows
 * (3.7 MiB), pass after pass. The table and its buckets are touched at
 * random all the time; the probe rows come round once a pass, in order: a
 * loop larger than memory beside a hot set. Plain C, no libraries. */
#include <stdio.h>

#define BUILD_ROWS 40000
#define PROBE_ROWS 120000
#define BUCKETS 65536
#define PASSES 6

struct row {
    unsigned key, val;
    char payload[24];
};

static struct row build[BUILD_ROWS], probe[PROBE_ROWS];
static int head[BUCKETS], chain[BUILD_ROWS];

static unsigned next_random(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

static unsigned bucket(unsigned key)
{
    return (key * 2654435761u) >> 16;
}

int main(void)
{
    unsigned s = 7;
    for (int i = 0; i < BUILD_ROWS; i++) {
        build[i].key = next_random(&s) % 200000;
        build[i].val = (unsigned)i;
    }
    for (int i = 0; i < PROBE_ROWS; i++) {
        probe[i].key = next_random(&s) % 200000;
        probe[i].val = (unsigned)i;
    }
    for (int i = 0; i < BUCKETS; i++)
        head[i] = -1;
    for (int i = 0; i < BUILD_ROWS; i++) {
        unsigned h = bucket(build[i].key);
        chain[i] = head[h];
        head[h] = i;
    }
    unsigned long total = 0;
    for (int pass = 0; pass < PASSES; pass++)
        for (int i = 0; i < PROBE_ROWS; i++)
            for (int j = head[bucket(probe[i].key)]; j >= 0; j = chain[j])
                if (build[j].key == probe[i].key)
                    total += build[j].val + (unsigned)pass;
    printf("%lu\n", total);
    return 0;
}
