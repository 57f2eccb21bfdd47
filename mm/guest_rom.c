/* See guest_rom.h. One machine page serves every VM: it is never written
 * (mapped without write rights) and never freed (guest_mem_destroy frees only
 * the pages its physmap records, and the BIOS area is not RAM). */
#include "mm/guest_rom.h"
#include "mm/guest_mem.h"
#include "mm/page_alloc.h"

static mpn_t rom_page = INVALID_MPN;

bool guest_rom_contains(uint64_t gpa)
{
    return gpa >= GUEST_BIOS_START && gpa < GUEST_HIGH_RAM_START;
}

void guest_rom_drop(void)
{
    if (rom_page != INVALID_MPN)
        page_free(rom_page);
    rom_page = INVALID_MPN;
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
