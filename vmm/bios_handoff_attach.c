/* A BIOS's leftovers for a VM: see vmm/bios_handoff_attach.h. */
#include "vmm/bios_handoff_attach.h"
#include "vmm/bios_handoff.h"
#include "vmm/vplatform.h"
#include "kernel/vm.h"
#include "mm/guest_rom.h"
#include "mm/heap.h"
#include "lib/format.h"
#include "lib/kstring.h"

struct bios_rom {
    mpn_t page;
};

/* Runs after guest_mem_destroy in vm_reap: no mapping points at it then. */
static void rom_destroy(void *state)
{
    struct bios_rom *r = state;
    guest_rom_free(r->page);
    kfree(r);
}

bool bios_handoff_attach(struct vm *vm, struct vplatform *plat, uint64_t now_ns, char *why,
                         size_t whylen)
{
    /* VMs are built one at a time, from the scheduler's loop. */
    static uint8_t rom[PAGE_SIZE];
    uint8_t ivt[BIOS_IVT_BYTES], bda[BIOS_BDA_BYTES];
    memset(rom, 0, sizeof rom);
    size_t used = bios_handoff_rom(rom, sizeof rom, ivt);
    bios_handoff_bda(bda);
    /* Recorded before the page exists, so that whatever happens next the
     * VM's end frees it (guest_rom_free takes INVALID_MPN). */
    struct bios_rom *r = kzalloc(sizeof *r);
    if (r)
        r->page = INVALID_MPN;
    if (!r || !vm_device_add(&vm->devices, "bios-rom", r, rom_destroy)) {
        kfree(r);
        ksnprintf(why, whylen, "no memory for its BIOS handlers");
        return false;
    }
    r->page = guest_rom_install(&vm->mem.ram, BIOS_HANDOFF_ROM_GPA, rom, used, false);
    if (r->page == INVALID_MPN || !vm_write_guest(vm, 0, ivt, sizeof ivt) ||
        !vm_write_guest(vm, BIOS_BDA_GPA, bda, sizeof bda)) {
        ksnprintf(why, whylen, "no memory for its BIOS handlers and interrupt vector table");
        return false;
    }
    size_t n;
    const struct bios_port_write *w = bios_handoff_ports(&n);
    for (size_t i = 0; i < n; i++)
        vplatform_port_write(plat, w[i].port, 1, w[i].val, now_ns);
    return true;
}
