/* EPT trees built from OWNER_EPT machine pages, reached by the direct map. */
#include "arch/x86_64/ept.h"
#include "arch/x86_64/vmcs.h"
#include "mm/page_alloc.h"
#include "include/hv/platform.h"

#define EPT_MT_WB    (6ULL << 3)
#define EPT_IGNORE_PAT (1ULL << 6)
#define EPT_ACCESSED (1ULL << 8)
#define EPT_ADDR     0x000ffffffffff000ULL
#define GPA_LIMIT    (1ULL << 48)

static uint64_t *table(uint64_t entry_or_mpn_pa)
{
    return plat_mpn_to_va((entry_or_mpn_pa & EPT_ADDR) >> PAGE_SHIFT);
}

bool ept_init(struct ept *e, bool accessed_dirty)
{
    e->pml4 = page_alloc_zeroed(OWNER_EPT);
    if (e->pml4 == INVALID_MPN)
        return false;
    e->table_pages = 1;
    e->mapped = 0;
    e->leaf = NULL;
    /* WB paging-structure accesses, 4-level walk, optional A/D tracking. */
    e->eptp = (e->pml4 << PAGE_SHIFT) | 6 | (3 << 3) | (accessed_dirty ? 1 << 6 : 0);
    return true;
}

/* The leaf entry for `gpa`, allocating tables when `create`. */
static uint64_t *walk(struct ept *e, uint64_t gpa, bool create)
{
    if (e->leaf && e->leaf_region == gpa >> 21)
        return &e->leaf[(gpa >> 12) & 511];
    uint64_t *t = plat_mpn_to_va(e->pml4);
    for (int level = 3; level > 0; level--) {
        uint64_t *ent = &t[(gpa >> (12 + 9 * level)) & 511];
        if (!(*ent & EPT_RWX)) {
            if (!create)
                return NULL;
            mpn_t m = page_alloc_zeroed(OWNER_EPT);
            if (m == INVALID_MPN)
                return NULL;
            e->table_pages++;
            *ent = (m << PAGE_SHIFT) | EPT_RWX;
        }
        t = table(*ent);
    }
    e->leaf = t;
    e->leaf_region = gpa >> 21;
    return &t[(gpa >> 12) & 511];
}

bool ept_map(struct ept *e, uint64_t gpa, mpn_t mpn, unsigned perms)
{
    if (gpa >= GPA_LIMIT)
        return false;
    uint64_t *pte = walk(e, gpa, true);
    if (!pte)
        return false;
    if (!(*pte & EPT_RWX))
        e->mapped++;
    *pte = (mpn << PAGE_SHIFT) | (perms & EPT_RWX) | EPT_MT_WB | EPT_IGNORE_PAT;
    return true;
}

mpn_t ept_unmap(struct ept *e, uint64_t gpa)
{
    uint64_t *pte = gpa < GPA_LIMIT ? walk(e, gpa, false) : NULL;
    if (!pte || !(*pte & EPT_RWX))
        return INVALID_MPN;
    mpn_t m = (*pte & EPT_ADDR) >> PAGE_SHIFT;
    *pte = 0;
    e->mapped--;
    return m;
}

mpn_t ept_lookup(const struct ept *e, uint64_t gpa)
{
    /* The walk may remember its leaf table: not a change of the mapping. */
    uint64_t *pte = gpa < GPA_LIMIT ? walk((struct ept *)e, gpa, false) : NULL;
    if (!pte || !(*pte & EPT_RWX))
        return INVALID_MPN;
    return (*pte & EPT_ADDR) >> PAGE_SHIFT;
}

bool ept_protect(struct ept *e, uint64_t gpa, unsigned perms)
{
    uint64_t *pte = gpa < GPA_LIMIT ? walk(e, gpa, false) : NULL;
    if (!pte || !(*pte & EPT_RWX))
        return false;
    *pte = (*pte & ~(uint64_t)EPT_RWX) | (perms & EPT_RWX);
    return true;
}

bool ept_test_clear_accessed(struct ept *e, uint64_t gpa)
{
    uint64_t *pte = gpa < GPA_LIMIT ? walk(e, gpa, false) : NULL;
    if (!pte || !(*pte & EPT_RWX))
        return false;
    return __atomic_fetch_and(pte, ~EPT_ACCESSED, __ATOMIC_RELAXED) & EPT_ACCESSED;
}

void ept_invalidate(const struct ept *e)
{
    invept_single(e->eptp);
}

static void destroy_level(struct ept *e, uint64_t *t, int level, uint64_t base,
                          void (*leaf)(void *, uint64_t, mpn_t), void *ctx)
{
    for (unsigned i = 0; i < 512; i++) {
        if (!(t[i] & EPT_RWX))
            continue;
        uint64_t gpa = base | ((uint64_t)i << (12 + 9 * level));
        if (level == 0) {
            if (leaf)
                leaf(ctx, gpa, (t[i] & EPT_ADDR) >> PAGE_SHIFT);
            continue;
        }
        destroy_level(e, table(t[i]), level - 1, gpa, leaf, ctx);
        page_free((t[i] & EPT_ADDR) >> PAGE_SHIFT);
        e->table_pages--;
    }
}

void ept_destroy(struct ept *e, void (*leaf)(void *ctx, uint64_t gpa, mpn_t mpn), void *ctx)
{
    if (e->pml4 == INVALID_MPN)
        return;
    destroy_level(e, plat_mpn_to_va(e->pml4), 3, 0, leaf, ctx);
    page_free(e->pml4);
    e->pml4 = INVALID_MPN;
    e->table_pages = 0;
    e->mapped = 0;
    e->leaf = NULL;
}
