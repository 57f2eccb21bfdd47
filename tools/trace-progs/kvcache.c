/* A long-running server with a cache, for the trace corpus
 * (tools/trace-corpus.py): requests for keys drawn from a skewed
 * (Zipf-like) distribution hit an open-addressing hash table of values
 * of a few hundred bytes; a miss "loads" the value and evicts the least
 * recently used entry once the cache is full. Every so often a batch job
 * scans a large log buffer once, as servers do when they rotate logs. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KEYS 200000
#define CACHE 12000
#define SLOTS (2 * CACHE)
#define VALUE 320
#define LOG_BYTES (6 << 20)

struct ent { uint32_t key; uint32_t prev, next; uint8_t used; char val[VALUE]; };

static struct ent tab[SLOTS];
static uint32_t head = UINT32_MAX, tail = UINT32_MAX, count;
static uint64_t rng = 88172645463325252ull;
static char logbuf[LOG_BYTES];

static uint64_t next_random(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return rng;
}

/* Skewed keys: the minimum of three uniform draws, cubed into the range. */
static uint32_t skewed_key(void)
{
    double u = (double)(next_random() % 1000000) / 1e6;
    return (uint32_t)(u * u * u * KEYS);
}

static void unlink_ent(uint32_t i)
{
    struct ent *e = &tab[i];
    if (e->prev != UINT32_MAX) tab[e->prev].next = e->next; else head = e->next;
    if (e->next != UINT32_MAX) tab[e->next].prev = e->prev; else tail = e->prev;
}

static void push_front(uint32_t i)
{
    tab[i].prev = UINT32_MAX;
    tab[i].next = head;
    if (head != UINT32_MAX) tab[head].prev = i;
    head = i;
    if (tail == UINT32_MAX) tail = i;
}

static uint32_t find(uint32_t key)
{
    uint32_t h = (key * 2654435761u) % SLOTS;
    while (tab[h].used && tab[h].key != key)
        h = (h + 1) % SLOTS;
    return h;
}

int main(void)
{
    uint64_t hits = 0, sum = 0;
    for (long r = 0; r < 4000000; r++) {
        uint32_t key = skewed_key();
        uint32_t i = find(key);
        if (tab[i].used) {
            hits++;
            unlink_ent(i);
        } else {
            if (count == CACHE) {   /* evict the LRU entry (tombstone-free: mark unused) */
                uint32_t v = tail;
                unlink_ent(v);
                tab[v].used = 0;
                count--;
                i = find(key);
            }
            tab[i].used = 1;
            tab[i].key = key;
            memset(tab[i].val, (int)(key & 0xff), VALUE);
            count++;
        }
        push_front(i);
        sum += (uint8_t)tab[i].val[key % VALUE];
        if (r % 500000 == 499999)     /* log rotation: one pass over the buffer */
            for (long b = 0; b < LOG_BYTES; b += 64)
                logbuf[b] = (char)(sum + (uint64_t)b);
    }
    printf("%llu %llu\n", (unsigned long long)hits, (unsigned long long)sum);
    return 0;
}
