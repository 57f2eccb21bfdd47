/* Belady's OPT over the whole trace: on a miss with memory full, evict the
 * resident page (of any VM) whose next use is furthest away. It holds
 * cfg->opt_pages pages (default every machine page), ignores reservations,
 * limits and shares, so no policy holding at most as many pages can fault
 * less: it is the bound the others are judged against. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/sim/sim.h"

#define NEVER UINT64_MAX

struct heap_ent { uint64_t key; uint32_t vm, ppn; };

static void heap_push(struct heap_ent *h, uint64_t *n, struct heap_ent e)
{
    uint64_t i = (*n)++;
    while (i > 0) {
        uint64_t parent = (i - 1) / 2;
        if (h[parent].key >= e.key)
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = e;
}

static struct heap_ent heap_pop(struct heap_ent *h, uint64_t *n)
{
    struct heap_ent top = h[0], last = h[--(*n)];
    uint64_t i = 0;
    for (;;) {
        uint64_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1].key > h[c].key)
            c++;
        if (h[c].key <= last.key)
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n)
        h[i] = last;
    return top;
}

int sim_run_opt(const struct sim_cfg *cfg, const struct trace *t, struct sim_result *r)
{
    memset(r, 0, sizeof *r);
    uint64_t *next = malloc((t->len ? t->len : 1) * sizeof *next);
    uint64_t *last[SIM_MAX_VMS], *nu[SIM_MAX_VMS];
    uint8_t *state[SIM_MAX_VMS];        /* 0 untouched, 1 resident, 2 evicted */
    for (unsigned v = 0; v < cfg->nvms; v++) {
        last[v] = malloc(cfg->vm[v].pages * sizeof(uint64_t));
        nu[v] = malloc(cfg->vm[v].pages * sizeof(uint64_t));
        state[v] = calloc(cfg->vm[v].pages, 1);
        for (uint64_t p = 0; p < cfg->vm[v].pages; p++)
            last[v][p] = NEVER;
    }
    for (uint64_t i = t->len; i-- > 0;) {
        next[i] = last[t->vm[i]][t->ppn[i]];
        last[t->vm[i]][t->ppn[i]] = i;
    }
    struct heap_ent *heap = malloc((t->len + 1) * sizeof *heap);
    uint64_t hn = 0, resident = 0;
    uint64_t cap = cfg->opt_pages ? cfg->opt_pages : cfg->machine_pages;
    r->minfree_pages = sim_minfree_pages(cfg);
    if (cfg->opt_guest)
        cap = cfg->machine_pages > r->minfree_pages ? cfg->machine_pages - r->minfree_pages : 1;
    if (cap == 0)
        cap = 1;
    r->opt_pages = cap;
    for (uint64_t i = 0; i < t->len; i++) {
        unsigned v = t->vm[i];
        uint32_t p = t->ppn[i];
        if (state[v][p] != 1) {
            if (state[v][p] == 2) {
                /* OPT has no stores of its own: the page's class decides,
                 * one page per read (no read-ahead). */
                enum sim_store st = sim_store_of(&cfg->fill, v, p);
                r->vm[v].faults++;
                r->vm[v].faults_by[st]++;
                r->vm[v].disk_reads += st == SIM_STORE_DISK;
                r->vm[v].cost_ns[st] += sim_fault_cost_ns(&cfg->cost, st, 1);
                if (cfg->events)
                    fprintf(cfg->events, "F %llu %u %u\n", (unsigned long long)i, v, p);
            }
            else
                r->vm[v].first_touch++;
            if (resident >= cap) {
                /* evict the furthest next use; skip stale heap entries */
                for (;;) {
                    struct heap_ent e = heap_pop(heap, &hn);
                    if (state[e.vm][e.ppn] == 1 && nu[e.vm][e.ppn] == e.key) {
                        state[e.vm][e.ppn] = 2;
                        r->vm[e.vm].swapouts++;
                        r->vm[e.vm].swapouts_by[sim_store_of(&cfg->fill, e.vm, e.ppn)]++;
                        if (cfg->events)
                            fprintf(cfg->events, "R %llu %u %u s\n", (unsigned long long)i,
                                    e.vm, e.ppn);
                        resident--;
                        break;
                    }
                }
            }
            state[v][p] = 1;
            resident++;
        }
        /* a page with no next use sorts after every real one */
        uint64_t key = next[i] == NEVER ? NEVER - i : next[i];
        nu[v][p] = key;
        heap_push(heap, &hn, (struct heap_ent){ key, v, p });
        /* keep the lazy heap bounded: rebuild from live entries */
        if (hn > 4 * (resident + 16)) {
            uint64_t k = 0;
            for (uint64_t j = 0; j < hn; j++)
                if (state[heap[j].vm][heap[j].ppn] == 1 && nu[heap[j].vm][heap[j].ppn] == heap[j].key)
                    heap[k++] = heap[j];
            hn = 0;
            for (uint64_t j = 0; j < k; j++)
                heap_push(heap, &hn, heap[j]);
        }
    }
    for (unsigned v = 0; v < cfg->nvms; v++) {
        uint64_t c = 0;
        for (uint64_t p = 0; p < cfg->vm[v].pages; p++)
            c += state[v][p] == 1;
        r->vm[v].consumed = c;
        free(last[v]);
        free(nu[v]);
        free(state[v]);
    }
    free(next);
    free(heap);
    return 0;
}
