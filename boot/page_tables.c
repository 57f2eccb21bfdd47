/* The page tables the kernel starts on: an identity map (the UEFI stage is
 * still running from identity-mapped memory when it loads CR3), the same
 * physical range at DMAP_BASE, and the kernel image at its link address.
 * 2 MiB pages for the big maps; 4 KiB pages for the kernel. The kernel
 * replaces all of this with its own tables early on. */
#include "boot/boot.h"
#include "include/hv/layout.h"

#define P_PRESENT 0x1ULL
#define P_WRITE   0x2ULL
#define P_LARGE   0x80ULL
#define FLAGS     (P_PRESENT | P_WRITE)

static UINT64 *table(UINT64 base, UINT64 index)
{
    return (UINT64 *)(UINTN)(base + index * 4096);
}

void page_tables_build(UINT64 max_phys, const struct loaded_kernel *k, struct boot_tables *out)
{
    UINT64 gigs = (max_phys + (1ULL << 30) - 1) >> 30;
    UINT64 pdpts = (gigs + 511) / 512;
    UINT64 kpts = (k->pages + 511) / 512 + 1; /* +1: the image may straddle a PT */
    /* pml4, pdpts, one PD per GiB, the kernel's PDPT and PD, its PTs */
    UINT64 pages = 1 + pdpts + gigs + 2 + kpts;
    if (pdpts > 256)
        boot_fail("memory above 128 TiB is not supported");
    EFI_PHYSICAL_ADDRESS base;
    if (EFI_ERROR(BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &base)))
        boot_fail("no memory for page tables (%lu pages)", (unsigned long)pages);
    UINT64 *z = (UINT64 *)(UINTN)base;
    for (UINT64 i = 0; i < pages * 512; i++)
        z[i] = 0;

    UINT64 next = 0;
    UINT64 pml4 = base + 4096 * next++;
    UINT64 pdpt0 = base + 4096 * next;
    next += pdpts;
    UINT64 pd0 = base + 4096 * next;
    next += gigs;
    UINT64 kpdpt = base + 4096 * next++;
    UINT64 kpd = base + 4096 * next++;
    UINT64 kpt0 = base + 4096 * next;

    for (UINT64 g = 0; g < gigs; g++) {
        UINT64 *pd = (UINT64 *)(UINTN)(pd0 + g * 4096);
        for (UINT64 e = 0; e < 512; e++)
            pd[e] = ((g << 30) + (e << 21)) | FLAGS | P_LARGE;
        table(pdpt0, g / 512)[g % 512] = (pd0 + g * 4096) | FLAGS;
    }
    UINT64 *l4 = (UINT64 *)(UINTN)pml4;
    for (UINT64 i = 0; i < pdpts; i++) {
        l4[i] = (pdpt0 + i * 4096) | FLAGS;                          /* identity */
        l4[((DMAP_BASE >> 39) & 511) + i] = (pdpt0 + i * 4096) | FLAGS; /* direct map */
    }

    /* Kernel: virt -> phys, page by page. */
    l4[(k->virt >> 39) & 511] = kpdpt | FLAGS;
    table(kpdpt, 0)[(k->virt >> 30) & 511] = kpd | FLAGS;
    UINT64 first_pd = (k->virt >> 21) & 511;
    for (UINT64 p = 0; p < k->pages; p++) {
        UINT64 va = k->virt + p * 4096;
        UINT64 pdi = (va >> 21) & 511;
        UINT64 pt = kpt0 + (pdi - first_pd) * 4096;
        if (pdi - first_pd >= kpts || ((va >> 30) & 511) != ((k->virt >> 30) & 511))
            boot_fail("kernel image does not fit the boot page tables");
        table(kpd, 0)[pdi] = pt | FLAGS;
        table(pt, 0)[(va >> 12) & 511] = (k->phys + p * 4096) | FLAGS;
    }
    out->pml4_phys = pml4;
    out->phys = base;
    out->pages = pages;
}
