/* Working-set sampler: see sampler.h. */
#include "mm/sampler.h"
#include "lib/kstring.h"

#define Q16 65536u

void sampler_default_config(struct sampler_config *cfg)
{
    cfg->sample_pages = 100;
    cfg->period_ns = 30ULL * 1000 * 1000 * 1000;
    cfg->slow_shift = 3;
    cfg->fast_shift = 1;
    cfg->mode = SAMPLER_INVALIDATE;
    cfg->hole_first = 0;
    cfg->hole_pages = 0;
}

size_t sampler_storage_bytes(uint32_t sample_pages)
{
    return (size_t)sample_pages * (sizeof(ppn_t) + 1);
}

static int find(const struct sampler *s, ppn_t ppn)
{
    uint32_t lo = 0, hi = s->nset;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->set[mid] < ppn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < s->nset && s->set[lo] == ppn) ? (int)lo : -1;
}

/* The i-th page of RAM: the pages of the hole are passed over. */
static ppn_t ram_page(const struct sampler *s, uint64_t i)
{
    return i >= s->cfg.hole_first ? i + s->cfg.hole_pages : i;
}

/* Picks n distinct random pages of RAM (all of them for a small VM), sorted. */
static void pick(struct sampler *s)
{
    uint64_t ram = s->npages - s->cfg.hole_pages;
    uint32_t want = s->cfg.sample_pages;
    if (want > ram)
        want = (uint32_t)ram;
    s->nset = 0;
    if (want == ram) {
        for (uint32_t i = 0; i < want; i++)
            s->set[s->nset++] = ram_page(s, i);
    } else {
        while (s->nset < want) {
            ppn_t p = ram_page(s, plat_random() % ram);
            /* insertion into the sorted set, skipping duplicates */
            uint32_t i = s->nset;
            bool dup = false;
            while (i > 0 && s->set[i - 1] >= p) {
                if (s->set[i - 1] == p) { dup = true; break; }
                i--;
            }
            if (dup)
                continue;
            memmove(&s->set[i + 1], &s->set[i], (s->nset - i) * sizeof(ppn_t));
            s->set[i] = p;
            s->nset++;
        }
    }
    memset(s->touched, 0, s->nset);
    s->ntouched = 0;
    for (uint32_t i = 0; i < s->nset; i++) {
        if (s->cfg.mode == SAMPLER_INVALIDATE)
            plat_gpa_unmap(s->vm, s->set[i]);
        else
            plat_gpa_test_clear_accessed(s->vm, s->set[i]);
    }
    if (s->cfg.mode == SAMPLER_ACCESSED_BIT)
        plat_gpa_flush(s->vm);   /* so stale TLB entries do not hide touches */
}

bool sampler_init(struct sampler *s, const struct sampler_config *cfg, struct plat_vm *vm,
                  uint64_t npages, void *storage, size_t storage_bytes, uint64_t now_ns)
{
    struct sampler_config c;
    if (cfg)
        c = *cfg;
    else
        sampler_default_config(&c);
    if (!s || !storage || npages == 0 || c.sample_pages == 0 ||
        (c.hole_pages && (c.hole_first > npages || c.hole_pages > npages - c.hole_first ||
                          c.hole_pages >= npages)) ||
        storage_bytes < sampler_storage_bytes(c.sample_pages) ||
        c.slow_shift > 15 || c.fast_shift > 15)
        return false;
    memset(s, 0, sizeof *s);
    s->cfg = c;
    s->vm = vm;
    s->npages = npages;
    s->set = storage;
    s->touched = (uint8_t *)storage + (size_t)c.sample_pages * sizeof(ppn_t);
    s->slow_q16 = s->fast_q16 = s->last_q16 = Q16;
    s->period_start_ns = now_ns;
    pick(s);
    return true;
}

bool sampler_in_sample(const struct sampler *s, ppn_t ppn)
{
    return find(s, ppn) >= 0;
}

void sampler_note_touch(struct sampler *s, ppn_t ppn)
{
    int i = find(s, ppn);
    if (i >= 0 && !s->touched[i]) {
        s->touched[i] = 1;
        s->ntouched++;
    }
}

static uint32_t ewma(uint32_t avg, uint32_t x, uint32_t shift)
{
    int64_t d = (int64_t)x - (int64_t)avg;
    return (uint32_t)((int64_t)avg + d / (1 << shift));
}

bool sampler_tick(struct sampler *s, uint64_t now_ns)
{
    if (now_ns - s->period_start_ns < s->cfg.period_ns)
        return false;
    if (s->cfg.mode == SAMPLER_ACCESSED_BIT)
        for (uint32_t i = 0; i < s->nset; i++)
            if (!s->touched[i] && plat_gpa_test_clear_accessed(s->vm, s->set[i])) {
                s->touched[i] = 1;
                s->ntouched++;
            }
    uint32_t f = s->nset ? (uint32_t)((uint64_t)s->ntouched * Q16 / s->nset) : 0;
    if (s->periods == 0) {
        s->slow_q16 = s->fast_q16 = f;
    } else {
        s->slow_q16 = ewma(s->slow_q16, f, s->cfg.slow_shift);
        s->fast_q16 = ewma(s->fast_q16, f, s->cfg.fast_shift);
    }
    s->last_q16 = f;
    s->periods++;
    s->period_start_ns = now_ns;
    pick(s);
    return true;
}

uint32_t sampler_estimate(const struct sampler *s)
{
    uint32_t cur = s->nset ? (uint32_t)((uint64_t)s->ntouched * Q16 / s->nset) : 0;
    if (s->periods == 0)
        return Q16;
    return MAX(MAX(s->slow_q16, s->fast_q16), cur);
}
