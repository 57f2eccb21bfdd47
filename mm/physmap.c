/* Physmap: see physmap.h. Entries are packed into 64 bits:
 *   bits 0-3   state
 *   bit  4     pinned
 *   bits 8-15  age (victim selection's accessed-bit history)
 *   bits 16-63 payload (MPN, swap slot or cache handle)
 */
#include "mm/physmap.h"
#include "lib/kstring.h"

#define E_STATE_MASK   0xfULL
#define E_PINNED       0x10ULL
#define E_AGE_SHIFT    8
#define E_AGE_MASK     (0xffULL << E_AGE_SHIFT)
#define E_PAYLOAD_SHIFT 16

static inline enum pm_state e_state(uint64_t e) { return (enum pm_state)(e & E_STATE_MASK); }
static inline uint64_t e_payload(uint64_t e) { return e >> E_PAYLOAD_SHIFT; }

static inline uint64_t e_make(enum pm_state s, uint64_t payload, uint64_t keep_age)
{
    return (uint64_t)s | (keep_age & E_AGE_MASK) | (payload << E_PAYLOAD_SHIFT);
}

static bool state_has_payload(enum pm_state s)
{
    return s == PM_MAPPED || s == PM_COMPRESSED || s == PM_SWAPPED || s == PM_SHARED;
}

/* Whether `payload` may go with state `s`: ZERO's is a fill value or 0. */
static bool payload_ok(enum pm_state s, uint64_t payload)
{
    if (payload > PM_PAYLOAD_MAX)
        return false;
    if (s == PM_ZERO)
        return pm_zero_payload_ok(payload);
    return state_has_payload(s) || payload == 0;
}

static bool is_store(enum pm_state s)
{
    return s == PM_ZERO || s == PM_COMPRESSED || s == PM_SWAPPED;
}

const char *pm_state_name(enum pm_state s)
{
    static const char *const names[PM_STATE_COUNT] = {
        "untouched", "mapped", "zero", "compressed", "swapped", "ballooned", "shared",
        "absent",
    };
    return (unsigned)s < PM_STATE_COUNT ? names[s] : "?";
}

size_t physmap_storage_bytes(uint64_t npages)
{
    if (npages > SIZE_MAX / sizeof(uint64_t))
        return 0;
    return (size_t)npages * sizeof(uint64_t);
}

bool physmap_init(struct physmap *pm, struct plat_vm *vm, void *storage,
                  size_t storage_bytes, uint64_t npages)
{
    size_t need = physmap_storage_bytes(npages);
    if (!pm || !storage || npages == 0 || need == 0 || storage_bytes < need)
        return false;
    memset(pm, 0, sizeof *pm);
    memset(storage, 0, need);
    pm->e = storage;
    pm->npages = npages;
    pm->count[PM_UNTOUCHED] = npages;
    pm->vm = vm;
    return true;
}

enum pm_err physmap_lookup(const struct physmap *pm, ppn_t ppn, struct pm_entry *out)
{
    if (ppn >= pm->npages)
        return PM_ERANGE;
    uint64_t e = pm->e[ppn];
    out->state = e_state(e);
    out->payload = e_payload(e);
    out->pinned = (e & E_PINNED) != 0;
    return PM_OK;
}

static void fill_old(uint64_t e, struct pm_entry *old)
{
    if (!old)
        return;
    old->state = e_state(e);
    old->payload = e_payload(e);
    old->pinned = (e & E_PINNED) != 0;
}

/* The single place where an entry changes state: keeps counts exact. */
static void set_entry(struct physmap *pm, ppn_t ppn, enum pm_state to, uint64_t payload)
{
    uint64_t e = pm->e[ppn];
    pm->count[e_state(e)]--;
    pm->count[to]++;
    pm->e[ppn] = e_make(to, payload, e);
}

enum pm_err physmap_map(struct physmap *pm, ppn_t ppn, mpn_t mpn, struct pm_entry *old)
{
    if (ppn >= pm->npages)
        return PM_ERANGE;
    if (mpn == INVALID_MPN || mpn > PM_PAYLOAD_MAX)
        return PM_EPAYLOAD;
    uint64_t e = pm->e[ppn];
    switch (e_state(e)) {
    case PM_UNTOUCHED: case PM_ZERO: case PM_COMPRESSED: case PM_SWAPPED: case PM_BALLOONED:
        break;
    default:
        return PM_ESTATE;   /* MAPPED or SHARED: remapping would leak an MPN */
    }
    fill_old(e, old);
    set_entry(pm, ppn, PM_MAPPED, mpn);
    return PM_OK;
}

/* Checks shared by both releases; PM_OK when the page may go. */
static enum pm_err release_check(const struct physmap *pm, ppn_t ppn, enum pm_state to,
                                 uint64_t payload)
{
    if (ppn >= pm->npages)
        return PM_ERANGE;
    if (to != PM_ZERO && to != PM_COMPRESSED && to != PM_SWAPPED && to != PM_BALLOONED)
        return PM_EINVAL;
    if (!payload_ok(to, payload))
        return PM_EPAYLOAD;
    uint64_t e = pm->e[ppn];
    if (e_state(e) != PM_MAPPED)
        return PM_ESTATE;
    if (e & E_PINNED)
        return PM_EPINNED;
    return PM_OK;
}

static enum pm_err release(struct physmap *pm, ppn_t ppn, enum pm_state to, uint64_t payload,
                           mpn_t *old_mpn, bool zap)
{
    enum pm_err r = release_check(pm, ppn, to, payload);
    if (r != PM_OK)
        return r;
    /* Zap before the MPN can be reused: the guest must fault next time. */
    if (zap)
        plat_gpa_unmap(pm->vm, ppn);
    if (old_mpn)
        *old_mpn = e_payload(pm->e[ppn]);
    set_entry(pm, ppn, to, payload);
    return PM_OK;
}

enum pm_err physmap_release(struct physmap *pm, ppn_t ppn, enum pm_state to,
                            uint64_t payload, mpn_t *old_mpn)
{
    return release(pm, ppn, to, payload, old_mpn, true);
}

enum pm_err physmap_release_zapped(struct physmap *pm, ppn_t ppn, enum pm_state to,
                                   uint64_t payload, mpn_t *old_mpn)
{
    return release(pm, ppn, to, payload, old_mpn, false);
}

enum pm_err physmap_move_backing(struct physmap *pm, ppn_t ppn, enum pm_state from,
                                 uint64_t from_payload, enum pm_state to, uint64_t payload)
{
    if (ppn >= pm->npages)
        return PM_ERANGE;
    if (!is_store(from) || !is_store(to))
        return PM_EINVAL;
    if (!payload_ok(to, payload))
        return PM_EPAYLOAD;
    uint64_t e = pm->e[ppn];
    if (e_state(e) != from || e_payload(e) != from_payload)
        return PM_ESTATE;
    set_entry(pm, ppn, to, payload);
    return PM_OK;
}

enum pm_err physmap_balloon(struct physmap *pm, ppn_t ppn, struct pm_entry *old)
{
    if (ppn >= pm->npages)
        return PM_ERANGE;
    uint64_t e = pm->e[ppn];
    enum pm_state s = e_state(e);
    if (s == PM_SHARED || s == PM_BALLOONED || s == PM_ABSENT)
        return PM_ESTATE;
    if (e & E_PINNED)
        return PM_EPINNED;
    if (s == PM_MAPPED)
        plat_gpa_unmap(pm->vm, ppn);
    fill_old(e, old);
    set_entry(pm, ppn, PM_BALLOONED, 0);
    return PM_OK;
}

enum pm_err physmap_unballoon(struct physmap *pm, ppn_t ppn)
{
    if (ppn >= pm->npages)
        return PM_ERANGE;
    if (e_state(pm->e[ppn]) != PM_BALLOONED)
        return PM_ESTATE;
    set_entry(pm, ppn, PM_UNTOUCHED, 0);
    return PM_OK;
}

enum pm_err physmap_pin(struct physmap *pm, ppn_t ppn)
{
    if (ppn >= pm->npages)
        return PM_ERANGE;
    uint64_t e = pm->e[ppn];
    if (e_state(e) != PM_MAPPED)
        return PM_ESTATE;
    if (!(e & E_PINNED)) {
        pm->e[ppn] = e | E_PINNED;
        pm->pinned++;
    }
    return PM_OK;
}

enum pm_err physmap_unpin(struct physmap *pm, ppn_t ppn)
{
    if (ppn >= pm->npages)
        return PM_ERANGE;
    uint64_t e = pm->e[ppn];
    if (e_state(e) != PM_MAPPED)
        return PM_ESTATE;
    if (e & E_PINNED) {
        pm->e[ppn] = e & ~E_PINNED;
        pm->pinned--;
    }
    return PM_OK;
}

uint8_t physmap_age(const struct physmap *pm, ppn_t ppn)
{
    if (ppn >= pm->npages)
        return 0;
    return (uint8_t)((pm->e[ppn] & E_AGE_MASK) >> E_AGE_SHIFT);
}

void physmap_set_age(struct physmap *pm, ppn_t ppn, uint8_t age)
{
    if (ppn >= pm->npages)
        return;
    pm->e[ppn] = (pm->e[ppn] & ~E_AGE_MASK) | ((uint64_t)age << E_AGE_SHIFT);
}

enum pm_err physmap_mark_absent(struct physmap *pm, ppn_t first, uint64_t count)
{
    if (first > pm->npages || count > pm->npages - first)
        return PM_ERANGE;
    for (uint64_t i = 0; i < count; i++)
        if (e_state(pm->e[first + i]) != PM_UNTOUCHED)
            return PM_ESTATE;
    for (uint64_t i = 0; i < count; i++)
        set_entry(pm, first + i, PM_ABSENT, 0);
    return PM_OK;
}

uint64_t physmap_ram_pages(const struct physmap *pm)
{
    return pm->npages - pm->count[PM_ABSENT];
}

uint64_t physmap_consumed(const struct physmap *pm)
{
    return pm->count[PM_MAPPED];
}

uint64_t physmap_count(const struct physmap *pm, enum pm_state s)
{
    return (unsigned)s < PM_STATE_COUNT ? pm->count[s] : 0;
}

bool physmap_check(const struct physmap *pm)
{
    uint64_t count[PM_STATE_COUNT] = {0};
    uint64_t pinned = 0, total = 0;
    for (uint64_t i = 0; i < pm->npages; i++) {
        uint64_t e = pm->e[i];
        enum pm_state s = e_state(e);
        if ((unsigned)s >= PM_STATE_COUNT)
            return false;
        if (e & ~(E_STATE_MASK | E_PINNED | E_AGE_MASK | (PM_PAYLOAD_MAX << E_PAYLOAD_SHIFT)))
            return false;
        if (!payload_ok(s, e_payload(e)))
            return false;
        if (e & E_PINNED) {
            if (s != PM_MAPPED)
                return false;
            pinned++;
        }
        count[s]++;
    }
    for (unsigned s = 0; s < PM_STATE_COUNT; s++) {
        if (count[s] != pm->count[s])
            return false;
        total += count[s];
    }
    return total == pm->npages && pinned == pm->pinned;
}

bool physmap_check_mpns_unique(const struct physmap *const *pms, size_t n,
                               uint64_t *bitmap, uint64_t mpn_limit)
{
    memset(bitmap, 0, (size_t)((mpn_limit + 63) / 64) * sizeof(uint64_t));
    for (size_t v = 0; v < n; v++) {
        const struct physmap *pm = pms[v];
        for (uint64_t i = 0; i < pm->npages; i++) {
            uint64_t e = pm->e[i];
            if (e_state(e) != PM_MAPPED)
                continue;
            uint64_t mpn = e_payload(e);
            if (mpn >= mpn_limit)
                return false;
            uint64_t bit = 1ULL << (mpn % 64);
            if (bitmap[mpn / 64] & bit)
                return false;
            bitmap[mpn / 64] |= bit;
        }
    }
    return true;
}

bool physmap_next_swapped(const struct physmap *pm, ppn_t ppn, ppn_t from, int dir,
                          uint64_t slot, uint32_t span, ppn_t *out)
{
    for (uint32_t d = 1; d <= span; d++) {
        if (dir < 0 && from < d)
            return false;
        ppn_t p = dir > 0 ? from + d : from - d;
        if (p >= pm->npages || (p > ppn ? p - ppn : ppn - p) > span)
            return false;
        struct pm_entry e;
        if (physmap_lookup(pm, p, &e) != PM_OK)
            return false;
        if (e.state != PM_SWAPPED)
            continue;
        if (e.payload != slot)
            return false;
        *out = p;
        return true;
    }
    return false;
}
