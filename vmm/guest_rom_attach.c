/* A VM's own ROM page, freed with the VM: see vmm/guest_rom_attach.h. */
#include "vmm/guest_rom_attach.h"
#include "kernel/vm.h"
#include "mm/guest_rom.h"
#include "mm/heap.h"
#include "include/hv/platform.h"

struct rom_page {
    mpn_t page;
};

/* Runs after guest_mem_destroy in vm_reap: no mapping points at it then. */
static void rom_destroy(void *state)
{
    struct rom_page *r = state;
    guest_rom_free(r->page);
    kfree(r);
}

volatile uint8_t *guest_rom_attach(struct vm *vm, const char *name, uint64_t gpa,
                                   const void *data, size_t len, bool writable)
{
    /* Recorded before the page exists, so that whatever happens next the
     * VM's end frees it (guest_rom_free takes INVALID_MPN). */
    struct rom_page *r = kzalloc(sizeof *r);
    if (r)
        r->page = INVALID_MPN;
    if (!r || !vm_device_add(&vm->devices, name, r, rom_destroy)) {
        kfree(r);
        return NULL;
    }
    r->page = guest_rom_install(&vm->mem.ram, gpa, data, len, writable);
    return r->page == INVALID_MPN ? NULL : plat_mpn_to_va(r->page);
}
