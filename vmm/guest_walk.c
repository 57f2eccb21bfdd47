/* Software walk of the guest's page tables: see guest_walk.h. */
#include "vmm/guest_walk.h"
#include "include/hv/x86/regs.h"

#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)

/* The entries a walk read, for the rights and the accessed and dirty flags
 * (the last is the leaf). PAE's page-directory-pointer entries have no
 * rights or accessed flag, and are not recorded. */
struct walk_path {
    uint64_t at[5], pte[5];
    unsigned size, n;
};

static void note(struct walk_path *p, uint64_t at, uint64_t pte)
{
    if (p && p->n < 5) {
        p->at[p->n] = at;
        p->pte[p->n++] = pte;
    }
}
#define ADDR_MASK 0x000ffffffffff000ULL /* bits 51:12 (MAXPHYADDR 52 at most) */

/* A large page's frame: its address bits above the page size (bit 12 of a
 * large entry is PAT, not address). */
static uint64_t large(uint64_t pte, uint64_t gla, unsigned shift)
{
    uint64_t size = 1ULL << shift;
    return (pte & ADDR_MASK & ~(size - 1)) | (gla & (size - 1));
}

static bool walk_long(const struct walk_regs *r, uint64_t gla, walk_read_fn read, void *ctx,
                      uint64_t *gpa, struct walk_path *p)
{
    unsigned levels = (r->cr4 & CR4_LA57) ? 5 : 4;
    uint64_t table = r->cr3 & ADDR_MASK;
    for (unsigned level = levels; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t pte, at = table + ((gla >> shift) & 511) * 8;
        if (!read(ctx, at, 8, &pte) || !(pte & PTE_P))
            return false;
        note(p, at, pte);
        if (level == 1) {
            *gpa = (pte & ADDR_MASK) | (gla & 0xfff);
            return true;
        }
        if ((level == 2 || level == 3) && (pte & PTE_PS)) {
            *gpa = large(pte, gla, shift);
            return true;
        }
        table = pte & ADDR_MASK;
    }
    return false;
}

static bool walk_pae(const struct walk_regs *r, uint64_t gla, walk_read_fn read, void *ctx,
                     uint64_t *gpa, struct walk_path *p)
{
    uint64_t pdpte, pde, pte;
    gla &= 0xffffffffu;
    if (!read(ctx, (r->cr3 & 0xffffffe0u) + (gla >> 30) * 8, 8, &pdpte) || !(pdpte & PTE_P))
        return false;
    uint64_t at = (pdpte & ADDR_MASK) + ((gla >> 21) & 511) * 8;
    if (!read(ctx, at, 8, &pde) || !(pde & PTE_P))
        return false;
    note(p, at, pde);
    if (pde & PTE_PS) {
        *gpa = large(pde, gla, 21);
        return true;
    }
    at = (pde & ADDR_MASK) + ((gla >> 12) & 511) * 8;
    if (!read(ctx, at, 8, &pte) || !(pte & PTE_P))
        return false;
    note(p, at, pte);
    *gpa = (pte & ADDR_MASK) | (gla & 0xfff);
    return true;
}

static bool walk_32(const struct walk_regs *r, uint64_t gla, walk_read_fn read, void *ctx,
                    uint64_t *gpa, struct walk_path *p)
{
    uint64_t pde, pte;
    gla &= 0xffffffffu;
    uint64_t at = (r->cr3 & 0xfffff000u) + (gla >> 22) * 4;
    if (!read(ctx, at, 4, &pde) || !(pde & PTE_P))
        return false;
    note(p, at, pde);
    if ((pde & PTE_PS) && (r->cr4 & CR4_PSE)) {
        /* PSE-36: bits 20:13 of the entry are address bits 39:32. */
        *gpa = (pde & 0xffc00000u) | ((pde >> 13 & 0xff) << 32) | (gla & 0x3fffff);
        return true;
    }
    at = (pde & 0xfffff000u) + ((gla >> 12) & 0x3ff) * 4;
    if (!read(ctx, at, 4, &pte) || !(pte & PTE_P))
        return false;
    note(p, at, pte);
    *gpa = (pte & 0xfffff000u) | (gla & 0xfff);
    return true;
}

static bool walk(const struct walk_regs *r, uint64_t gla, walk_read_fn read, void *ctx,
                 uint64_t *gpa, struct walk_path *p)
{
    if (!(r->cr0 & CR0_PG)) {
        *gpa = (r->efer & EFER_LMA) ? gla : gla & 0xffffffffu;
        return true;
    }
    if (r->efer & EFER_LMA) {
        if (p)
            p->size = 8;
        return walk_long(r, gla, read, ctx, gpa, p);
    }
    if (p)
        p->size = (r->cr4 & CR4_PAE) ? 8 : 4;
    if (r->cr4 & CR4_PAE)
        return walk_pae(r, gla, read, ctx, gpa, p);
    return walk_32(r, gla, read, ctx, gpa, p);
}

bool guest_walk(const struct walk_regs *r, uint64_t gla, walk_read_fn read, void *ctx,
                uint64_t *gpa)
{
    return walk(r, gla, read, ctx, gpa, NULL);
}

bool guest_walk_access(const struct walk_regs *r, uint64_t gla, walk_read_fn read,
                       walk_write_fn write, void *ctx, struct walk_access *a, uint64_t *gpa)
{
    struct walk_path p = { .n = 0 };
    a->protection = false;
    if (!walk(r, gla, read, ctx, gpa, &p))
        return false;
    if (!p.n)
        return true;                    /* paging off */
    /* Rights (SDM vol. 3, 4.6): a user access needs U/S at every level; a
     * write needs R/W at every level, at CPL 3 always and in supervisor
     * mode when CR0.WP is set. */
    uint64_t all = PTE_US | PTE_RW;
    for (unsigned i = 0; i < p.n; i++)
        all &= p.pte[i];
    bool wp = (r->cr0 & CR0_WP) != 0;
    /* SMAP (4.6.1): a supervisor-mode data access to a user-mode page (U/S
     * at every level) is refused unless EFLAGS.AC allows it; INS and OUTS
     * make explicit accesses, which AC governs. */
    bool smap = !a->user && (all & PTE_US) && (r->cr4 & CR4_SMAP) && !a->ac;
    if (smap || (a->user && !(all & PTE_US)) ||
        (a->write && !(all & PTE_RW) && (a->user || wp))) {
        a->protection = true;
        return false;
    }
    /* Accessed at every level, dirty at the leaf for a write (4.8). The
     * entries were read as they are: OR-ing the flags in writes them back
     * unchanged otherwise. */
    for (unsigned i = 0; i < p.n; i++) {
        uint64_t want = p.pte[i] | PTE_A | (a->write && i == p.n - 1 ? PTE_D : 0);
        if (want != p.pte[i] && !write(ctx, p.at[i], p.size, want))
            return false;
    }
    return true;
}
