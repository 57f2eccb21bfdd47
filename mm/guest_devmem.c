/* A device's memory outside guest RAM: see guest_devmem.h. */
#include "mm/guest_devmem.h"
#include "mm/guest_mem.h"
#include "mm/page_alloc.h"

bool guest_devmem_map(struct guest_mem *gm, uint64_t gpa, mpn_t *pages, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        pages[i] = INVALID_MPN;
    if (!gm->gpa || (gpa & (PAGE_SIZE - 1)) || gpa + (uint64_t)n * PAGE_SIZE < gpa)
        return false;
    for (unsigned i = 0; i < n; i++)
        if (guest_mem_is_ram(gm, gpa + (uint64_t)i * PAGE_SIZE))
            return false;
    for (unsigned i = 0; i < n; i++) {
        pages[i] = page_alloc_zeroed(OWNER_DEVMEM);
        if (pages[i] == INVALID_MPN)
            return false;
        if (!plat_gpa_map(gm->gpa, (gpa >> PAGE_SHIFT) + i, pages[i],
                          PLAT_GPA_R | PLAT_GPA_W | PLAT_GPA_X))
            return false;
    }
    return true;
}

void guest_devmem_free(mpn_t *pages, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (pages[i] != INVALID_MPN)
            page_free(pages[i]);
        pages[i] = INVALID_MPN;
    }
}
