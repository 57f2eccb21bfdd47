/* See guest_rom.h. One machine page of zeros serves every VM, and one of
 * all ones the legacy hole: they are never written (mapped without write
 * rights) and never freed (guest_mem_destroy frees only the pages its
 * physmap records, and neither area is RAM). A VM's own ROM pages belong to
 * whoever installed them. */
#include "mm/guest_rom.h"
#include "mm/guest_mem.h"
#include "mm/page_alloc.h"
#include "lib/kstring.h"

static mpn_t rom_page = INVALID_MPN;
static mpn_t floating_page = INVALID_MPN;

bool guest_rom_contains(uint64_t gpa)
{
    return gpa >= GUEST_BIOS_START && gpa < GUEST_HIGH_RAM_START;
}

void guest_rom_drop(void)
{
    if (rom_page != INVALID_MPN)
        page_free(rom_page);
    rom_page = INVALID_MPN;
    if (floating_page != INVALID_MPN)
        page_free(floating_page);
    floating_page = INVALID_MPN;
}

bool guest_rom_map_floating(struct guest_mem *gm, uint64_t gpa)
{
    if (gpa < GUEST_LOW_RAM_END || gpa >= GUEST_BIOS_START || !gm->gpa)
        return false;
    if (floating_page == INVALID_MPN) {
        floating_page = page_alloc_zeroed(OWNER_GUEST_ROM);
        if (floating_page == INVALID_MPN)
            return false;
        memset(plat_mpn_to_va(floating_page), 0xff, PAGE_SIZE);
    }
    return plat_gpa_map(gm->gpa, gpa >> PAGE_SHIFT, floating_page, PLAT_GPA_R | PLAT_GPA_X);
}

bool guest_rom_map(struct guest_mem *gm, uint64_t gpa)
{
    if (!guest_rom_contains(gpa) || !gm->gpa)
        return false;
    if (rom_page == INVALID_MPN)
        rom_page = page_alloc_zeroed(OWNER_GUEST_ROM);
    if (rom_page == INVALID_MPN)
        return false;
    return plat_gpa_map(gm->gpa, gpa >> PAGE_SHIFT, rom_page, PLAT_GPA_R | PLAT_GPA_X);
}

mpn_t guest_rom_install(struct guest_mem *gm, uint64_t gpa, const void *data, size_t len,
                        bool writable)
{
    if (!guest_rom_contains(gpa) || (gpa & (PAGE_SIZE - 1)) || len > PAGE_SIZE || !gm->gpa)
        return INVALID_MPN;
    mpn_t mpn = page_alloc_zeroed(OWNER_GUEST_ROM);
    if (mpn == INVALID_MPN)
        return INVALID_MPN;
    memcpy(plat_mpn_to_va(mpn), data, len);
    unsigned rights = PLAT_GPA_R | PLAT_GPA_X | (writable ? PLAT_GPA_W : 0);
    if (!plat_gpa_map(gm->gpa, gpa >> PAGE_SHIFT, mpn, rights)) {
        page_free(mpn);
        return INVALID_MPN;
    }
    return mpn;
}

void guest_rom_free(mpn_t mpn)
{
    if (mpn != INVALID_MPN)
        page_free(mpn);
}
