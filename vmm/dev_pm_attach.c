/* The PM registers (dev_pm.c) on a VM's port bus: what the guest's power
 * off and reset requests do to the VM. */
#include "vmm/dev_pm.h"
#include "vmm/acpi_guest.h"
#include "kernel/vm.h"
#include "mm/heap.h"
#include "lib/format.h"
#include "include/hv/platform.h"

static enum io_result pm_io(void *dev, struct vm *vm, uint16_t port, unsigned size, bool in,
                            uint32_t *val)
{
    struct dev_pm *p = dev;
    if (in) {
        *val = dev_pm_read(p, port, size, plat_time_ns());
        return IO_DONE;
    }
    unsigned detail = 0;
    char how[48];
    switch (dev_pm_write(p, port, size, *val, &detail)) {
    case DEV_PM_POWER_OFF:
        vm_power_off(vm, "ACPI S5 through PM1a_CNT");
        return IO_STOP;
    case DEV_PM_SLEEP_OTHER:
        vm_fail(vm, "the guest asked for sleep type %u through PM1a_CNT; this VM has only "
                    "S5 (power off, type %u)", detail, ACPI_GUEST_S5_TYP);
        return IO_STOP;
    case DEV_PM_RESET:
        ksnprintf(how, sizeof how, "port 0xcf9 value 0x%x", detail);
        vm_guest_reset(vm, how);
        return IO_STOP;
    case DEV_PM_NONE:
        break;
    }
    return IO_DONE;
}

static void pm_destroy(void *state) { kfree(state); }

bool dev_pm_attach(struct vm *vm)
{
    struct dev_pm *p = kzalloc(sizeof *p);
    if (!p)
        return false;
    dev_pm_init(p, ACPI_GUEST_PM_BASE, ACPI_GUEST_S5_TYP);
    if (!vm_device_add(&vm->devices, "acpi-pm", p, pm_destroy)) {
        kfree(p);
        return false;
    }
    return vm_ports_claim(&vm->devices, ACPI_GUEST_PM_BASE,
                          ACPI_GUEST_PM_BASE + ACPI_GUEST_PM_LEN - 1, pm_io, p) &&
           vm_ports_claim(&vm->devices, ACPI_GUEST_RESET_PORT, ACPI_GUEST_RESET_PORT, pm_io, p);
}
