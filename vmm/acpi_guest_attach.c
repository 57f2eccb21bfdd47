/* A VM's ACPI tables in its own ROM page, and its PM device: see
 * acpi_guest_attach.h. */
#include "vmm/acpi_guest_attach.h"
#include "vmm/acpi_guest.h"
#include "vmm/dev_pm.h"
#include "vmm/dev_hpet.h"
#include "vmm/virtio_balloon_attach.h"
#include "vmm/dev_virtio_mmio.h"
#include "kernel/vm.h"
#include "vmm/guest_rom_attach.h"
#include "mm/guest_rom.h"
#include "lib/format.h"

_Static_assert(ACPI_GUEST_ROM_GPA >= GUEST_BIOS_START &&
               ACPI_GUEST_ROM_GPA + PAGE_SIZE <= GUEST_HIGH_RAM_START,
               "the tables must be where a BIOS-area scan finds them");
_Static_assert(VM_MAX_VCPUS <= ACPI_GUEST_MAX_CPUS, "the MADT must hold every vCPU");

bool acpi_guest_attach(struct vm *vm, char *why, size_t whylen)
{
    /* VMs are built one at a time, from the scheduler's loop. */
    static uint8_t block[PAGE_SIZE];
    /* The balloon's window and interrupt, as vballoon_attach wires them. */
    static const struct acpi_guest_virtio balloon = { VBALLOON_GPA, VIRTIO_MMIO_SIZE,
                                                      VBALLOON_GSI, true };
    struct acpi_guest_cfg cfg = { (unsigned)vm->cfg.numvcpus, &balloon,
                                  vm->cfg.balloon_present ? 1u : 0u, vm->cfg.hpet_present,
                                  (uint32_t)hpet_capabilities() };
    struct acpi_guest_layout layout;
    const char *bad = NULL;
    if (!acpi_guest_build(&cfg, ACPI_GUEST_ROM_GPA, block, sizeof block, &layout, &bad)) {
        ksnprintf(why, whylen, "its ACPI tables: %s", bad);
        return false;
    }
    /* Writable: the FACS is there, and the OS writes its waking vector and
     * Global Lock (ACPI 5.2.10). The page is this VM's alone. */
    volatile uint8_t *page = guest_rom_attach(vm, "acpi-rom", ACPI_GUEST_ROM_GPA, block,
                                              layout.used, true);
    if (!page) {
        ksnprintf(why, whylen, "no memory for its ACPI tables");
        return false;
    }
    if (!dev_pm_attach(vm, page + (layout.facs - ACPI_GUEST_ROM_GPA))) {
        ksnprintf(why, whylen, "no room for its ACPI power management device");
        return false;
    }
    return true;
}
