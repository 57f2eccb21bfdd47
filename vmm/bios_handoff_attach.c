/* A BIOS's leftovers for a VM: see vmm/bios_handoff_attach.h. */
#include "vmm/bios_handoff_attach.h"
#include "vmm/bios_handoff.h"
#include "vmm/vplatform.h"
#include "kernel/vm.h"
#include "vmm/guest_rom_attach.h"
#include "lib/format.h"
#include "lib/kstring.h"

bool bios_handoff_attach(struct vm *vm, struct vplatform *plat, uint64_t now_ns, char *why,
                         size_t whylen)
{
    /* VMs are built one at a time, from the scheduler's loop. */
    static uint8_t rom[PAGE_SIZE];
    uint8_t ivt[BIOS_IVT_BYTES], bda[BIOS_BDA_BYTES];
    memset(rom, 0, sizeof rom);
    size_t used = bios_handoff_rom(rom, sizeof rom, ivt);
    bios_handoff_bda(bda);
    if (!guest_rom_attach(vm, "bios-rom", BIOS_HANDOFF_ROM_GPA, rom, used, false) ||
        !vm_write_guest(vm, 0, ivt, sizeof ivt) ||
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
