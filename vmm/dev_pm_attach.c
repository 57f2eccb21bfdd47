/* The PM registers (dev_pm.c) on a VM's port bus: what the guest's power
 * off and reset requests do to the VM. */
#include "vmm/dev_pm.h"
#include "vmm/acpi_guest.h"
#include "vmm/vplatform.h"
#include "vmm/vcpu.h"
#include "kernel/vm.h"
#include "kernel/log.h"
#include "mm/heap.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "include/hv/platform.h"

#define PM_DEV_NAME "acpi-pm"

static enum io_result pm_io(void *dev, struct vm *vm, uint16_t port, unsigned size, bool in,
                            uint32_t *val)
{
    struct dev_pm *p = dev;
    struct vplatform *plat = vm->nvcpus && vm->vcpu[0] ? vm->vcpu[0]->plat : NULL;
    if (in) {
        *val = dev_pm_read(p, port, size, plat_time_ns());
        return IO_DONE;
    }
    unsigned detail = 0;
    char how[48];
    enum dev_pm_event ev = dev_pm_write(p, port, size, *val, &detail);
    if (plat)
        vplatform_pm_changed(plat); /* a status cleared or an enable set moves the SCI */
    switch (ev) {
    case DEV_PM_POWER_OFF:
        vm_power_off(vm, "ACPI S5 through PM1a_CNT");
        return IO_STOP;
    case DEV_PM_SLEEP_S3:
        if (!plat) {
            vm_fail(vm, "the guest asked for S3 through PM1a_CNT; this VM has no board to "
                        "suspend");
            return IO_STOP;
        }
        /* The CPUs stop after this OUT: each has an INIT pending, which the
         * run loop applies before the next instruction. */
        vplatform_suspend(plat);
        LOG_INFO("vm %s: suspended to RAM (ACPI S3); an RTC alarm with RTC_EN or the power "
                 "button (vm power-button) wakes it", vm->name);
        return IO_DONE;
    case DEV_PM_SLEEP_OTHER:
        vm_fail(vm, "the guest asked for sleep type %u through PM1a_CNT; this VM has only "
                    "S3 (type %u) and S5 (power off, type %u)", detail, ACPI_GUEST_S3_TYP,
                ACPI_GUEST_S5_TYP);
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

bool dev_pm_attach(struct vm *vm, const volatile uint8_t *facs)
{
    struct dev_pm *p = kzalloc(sizeof *p);
    if (!p)
        return false;
    dev_pm_init(p, ACPI_GUEST_PM_BASE, ACPI_GUEST_S5_TYP, ACPI_GUEST_S3_TYP);
    p->facs = facs;
    if (!vm_device_add(&vm->devices, PM_DEV_NAME, p, pm_destroy)) {
        kfree(p);
        return false;
    }
    return vm_ports_claim(&vm->devices, ACPI_GUEST_PM_BASE,
                          ACPI_GUEST_PM_BASE + ACPI_GUEST_PM_LEN - 1, pm_io, p) &&
           vm_ports_claim(&vm->devices, ACPI_GUEST_RESET_PORT, ACPI_GUEST_RESET_PORT, pm_io, p);
}

struct dev_pm *dev_pm_of(struct vm *vm)
{
    for (unsigned i = 0; i < vm->devices.ndev; i++)
        if (strcmp(vm->devices.dev[i].name, PM_DEV_NAME) == 0)
            return vm->devices.dev[i].state;
    return NULL;
}
