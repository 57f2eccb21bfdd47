/* Software walk of the guest's page tables: see guest_walk.h. */
#include "vmm/guest_walk.h"
#include "include/hv/x86/regs.h"

#define PTE_P (1ULL << 0)
#define PTE_PS (1ULL << 7)
#define ADDR_MASK 0x000ffffffffff000ULL /* bits 51:12 (MAXPHYADDR 52 at most) */

/* A large page's frame: its address bits above the page size (bit 12 of a
 * large entry is PAT, not address). */
static uint64_t large(uint64_t pte, uint64_t gla, unsigned shift)
{
    uint64_t size = 1ULL << shift;
    return (pte & ADDR_MASK & ~(size - 1)) | (gla & (size - 1));
}

static bool walk_long(const struct walk_regs *r, uint64_t gla, walk_read_fn read, void *ctx,
                      uint64_t *gpa)
{
    unsigned levels = (r->cr4 & CR4_LA57) ? 5 : 4;
    uint64_t table = r->cr3 & ADDR_MASK;
    for (unsigned level = levels; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t pte;
        if (!read(ctx, table + ((gla >> shift) & 511) * 8, 8, &pte) || !(pte & PTE_P))
            return false;
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
                     uint64_t *gpa)
{
    uint64_t pdpte, pde, pte;
    gla &= 0xffffffffu;
    if (!read(ctx, (r->cr3 & 0xffffffe0u) + (gla >> 30) * 8, 8, &pdpte) || !(pdpte & PTE_P))
        return false;
    if (!read(ctx, (pdpte & ADDR_MASK) + ((gla >> 21) & 511) * 8, 8, &pde) || !(pde & PTE_P))
        return false;
    if (pde & PTE_PS) {
        *gpa = large(pde, gla, 21);
        return true;
    }
    if (!read(ctx, (pde & ADDR_MASK) + ((gla >> 12) & 511) * 8, 8, &pte) || !(pte & PTE_P))
        return false;
    *gpa = (pte & ADDR_MASK) | (gla & 0xfff);
    return true;
}

static bool walk_32(const struct walk_regs *r, uint64_t gla, walk_read_fn read, void *ctx,
                    uint64_t *gpa)
{
    uint64_t pde, pte;
    gla &= 0xffffffffu;
    if (!read(ctx, (r->cr3 & 0xfffff000u) + (gla >> 22) * 4, 4, &pde) || !(pde & PTE_P))
        return false;
    if ((pde & PTE_PS) && (r->cr4 & CR4_PSE)) {
        /* PSE-36: bits 20:13 of the entry are address bits 39:32. */
        *gpa = (pde & 0xffc00000u) | ((pde >> 13 & 0xff) << 32) | (gla & 0x3fffff);
        return true;
    }
    if (!read(ctx, (pde & 0xfffff000u) + ((gla >> 12) & 0x3ff) * 4, 4, &pte) || !(pte & PTE_P))
        return false;
    *gpa = (pte & 0xfffff000u) | (gla & 0xfff);
    return true;
}

bool guest_walk(const struct walk_regs *r, uint64_t gla, walk_read_fn read, void *ctx,
                uint64_t *gpa)
{
    if (!(r->cr0 & CR0_PG)) {
        *gpa = (r->efer & EFER_LMA) ? gla : gla & 0xffffffffu;
        return true;
    }
    if (r->efer & EFER_LMA)
        return walk_long(r, gla, read, ctx, gpa);
    if (r->cr4 & CR4_PAE)
        return walk_pae(r, gla, read, ctx, gpa);
    return walk_32(r, gla, read, ctx, gpa);
}
