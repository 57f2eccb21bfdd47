/* Swap-slot bitmap with a next-fit cursor; see mm/swap_slots.h. */
#include "mm/swap_slots.h"
#include "lib/kstring.h"

void swap_slots_init(struct swap_slots *s, uint64_t *map, uint64_t nslots)
{
    memset(s, 0, sizeof *s);
    s->map = map;
    s->nslots = nslots;
    memset(map, 0, swap_slots_words(nslots) * sizeof *map);
}

static bool bit(const struct swap_slots *s, uint64_t i)
{
    return (s->map[i / 64] >> (i % 64)) & 1;
}

static void set_bits(struct swap_slots *s, uint64_t first, uint32_t n, bool on)
{
    for (uint64_t i = first; i < first + n; i++) {
        uint64_t m = 1ULL << (i % 64);
        if (on)
            s->map[i / 64] |= m;
        else
            s->map[i / 64] &= ~m;
    }
}

/* The first free slot in [from, to), or `to`. Whole words in use are
 * skipped at once: a nearly full area is the common case under pressure. */
static uint64_t next_free(const struct swap_slots *s, uint64_t from, uint64_t to)
{
    uint64_t i = from;
    while (i < to) {
        if (i % 64 == 0 && s->map[i / 64] == ~0ULL) {
            i += 64;
            continue;
        }
        if (!bit(s, i))
            return i;
        i++;
    }
    return to;
}

/* Searches [from, to) for `want` free slots in a row; remembers the
 * longest shorter run in *best and *best_len. Returns true when found (at
 * *best). */
static bool search(const struct swap_slots *s, uint64_t from, uint64_t to, uint32_t want,
                   uint64_t *best, uint32_t *best_len)
{
    uint64_t i = next_free(s, from, to);
    while (i < to) {
        uint32_t len = 0;
        while (i + len < to && len < want && !bit(s, i + len))
            len++;
        if (len > *best_len) {
            *best = i;
            *best_len = len;
            if (len == want)
                return true;
        }
        i = next_free(s, i + len, to);
    }
    return false;
}

uint32_t swap_slots_alloc(struct swap_slots *s, uint32_t want, uint64_t *first)
{
    *first = SWAP_SLOT_NONE;
    if (want == 0)
        return 0;
    if (s->used == s->nslots) {
        s->failures++;
        return 0;
    }
    uint64_t best = SWAP_SLOT_NONE;
    uint32_t best_len = 0;
    uint64_t c = s->cursor < s->nslots ? s->cursor : 0;
    /* From the cursor to the end, then from the start to the cursor (a run
     * crossing the cursor is found in two halves: acceptable, it is short). */
    if (!search(s, c, s->nslots, want, &best, &best_len))
        search(s, 0, c, want, &best, &best_len);
    if (best_len == 0) { /* unreachable while `used` is right; kept safe */
        s->failures++;
        return 0;
    }
    set_bits(s, best, best_len, true);
    s->used += best_len;
    s->cursor = best + best_len;
    *first = best;
    return best_len;
}

bool swap_slots_free(struct swap_slots *s, uint64_t first, uint32_t n)
{
    bool ok = true;
    for (uint32_t k = 0; k < n; k++) {
        uint64_t i = first + k;
        if (i < first || i >= s->nslots || !bit(s, i)) { /* wrapped, outside, or free */
            s->bad_frees++;
            ok = false;
            continue;
        }
        set_bits(s, i, 1, false);
        s->used--;
    }
    return ok;
}

bool swap_slots_in_use(const struct swap_slots *s, uint64_t slot)
{
    return slot < s->nslots && bit(s, slot);
}
