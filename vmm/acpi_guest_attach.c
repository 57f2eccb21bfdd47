/* A VM's ACPI tables in its own ROM page, and its PM device: see
 * acpi_guest_attach.h. */
#include "vmm/acpi_guest_attach.h"
#include "vmm/acpi_guest.h"
#include "vmm/dev_pm.h"
#include "vmm/virtio_balloon_attach.h"
#include "vmm/dev_virtio_mmio.h"
#include "kernel/vm.h"
#include "mm/guest_rom.h"
#include "mm/heap.h"
#include "lib/format.h"

_Static_assert(ACPI_GUEST_ROM_GPA >= GUEST_BIOS_START &&
               ACPI_GUEST_ROM_GPA + PAGE_SIZE <= GUEST_HIGH_RAM_START,
               "the tables must be where a BIOS-area scan finds them");
_Static_assert(VM_MAX_VCPUS <= ACPI_GUEST_MAX_CPUS, "the MADT must hold every vCPU");

struct acpi_rom {
    mpn_t page;
};

/* Runs after guest_mem_destroy in vm_reap: no mapping points at it then. */
static void rom_destroy(void *state)
{
    struct acpi_rom *r = state;
    guest_rom_free(r->page);
    kfree(r);
}

bool acpi_guest_attach(struct vm *vm, char *why, size_t whylen)
{
    /* VMs are built one at a time, from the scheduler's loop. */
    static uint8_t block[PAGE_SIZE];
    /* The balloon's window and interrupt, as vballoon_attach wires them. */
    static const struct acpi_guest_virtio balloon = { VBALLOON_GPA, VIRTIO_MMIO_SIZE,
                                                      VBALLOON_GSI, true };
    struct acpi_guest_cfg cfg = { (unsigned)vm->cfg.numvcpus, &balloon,
                                  vm->cfg.balloon_present ? 1u : 0u };
    struct acpi_guest_layout layout;
    const char *bad = NULL;
    if (!acpi_guest_build(&cfg, ACPI_GUEST_ROM_GPA, block, sizeof block, &layout, &bad)) {
        ksnprintf(why, whylen, "its ACPI tables: %s", bad);
        return false;
    }
    /* Recorded before the page exists, so that whatever happens next the
     * VM's end frees it (guest_rom_free takes INVALID_MPN). */
    struct acpi_rom *r = kzalloc(sizeof *r);
    if (r)
        r->page = INVALID_MPN;
    if (!r || !vm_device_add(&vm->devices, "acpi-rom", r, rom_destroy)) {
        kfree(r);
        ksnprintf(why, whylen, "no memory for its ACPI tables");
        return false;
    }
    /* Writable: the FACS is there, and the OS writes its waking vector and
     * Global Lock (ACPI 5.2.10). The page is this VM's alone. */
    r->page = guest_rom_install(&vm->mem.ram, ACPI_GUEST_ROM_GPA, block, layout.used, true);
    if (r->page == INVALID_MPN) {
        ksnprintf(why, whylen, "no memory for its ACPI tables");
        return false;
    }
    if (!dev_pm_attach(vm)) {
        ksnprintf(why, whylen, "no room for its ACPI power management device");
        return false;
    }
    return true;
}
