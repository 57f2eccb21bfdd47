/* The VT-x monitor as the kernel sees it (kernel/monitor_ops.h): building a
 * VM's machine (devices, guest image, vCPUs), running and destroying vCPUs.
 * Registered through the linker section, so kernel/ never names vmm/. */
#include "kernel/monitor_ops.h"
#include "kernel/vm.h"
#include "vmm/vmmem_poll.h"
#include "vmm/vcpu.h"
#include "vmm/vcpu_describe.h"
#include "vmm/vcpu_dump.h"
#include "vmm/monitor.h"
#include "vmm/io_ports.h"
#include "vmm/guest_loader.h"
#include "vmm/acpi_guest_attach.h"
#include "vmm/virtio_balloon_attach.h"
#include "vmm/testdev_attach.h"
#include "vmm/vga_attach.h"
#include "vmm/dev_testdev.h"
#include "vmm/bios_handoff_attach.h"
#include "vmm/vplatform.h"
#include "vmm/dev_pm.h"
#include "vmm/dev_uart.h"
#include "kernel/bootfiles.h"
#include "kernel/log.h"
#include "kernel/wall_clock.h"
#include "include/hv/platform.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/vmcs.h"
#include "lib/format.h"

_Static_assert(EXIT_REASON_COUNT <= VM_EXIT_REASONS,
               "struct vm_exit_stats must have a slot for every exit reason");

static const char *unavailable(void)
{
    return monitor_ready() ? NULL : monitor_unavailable_reason();
}

static bool loader_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
    return vm_write_guest(ctx, gpa, src, len);
}

/* guest.initrd from the boot partition, resolved like guest.kernel against
 * the .vmx file: *data and *size (*data NULL when there is none), and its
 * name for the loaders' messages and strings. */
static bool find_initrd(const struct vm *vm, const void **data, size_t *size, const char **name,
                        char *why, size_t n)
{
    char ipath[BI_PATH_MAX];
    struct boot_file f;
    *data = NULL;
    *size = 0;
    *name = NULL;
    if (!vm->cfg.initrd[0])
        return true;
    if (!vm_config_resolve_path(vm->vmx_path, vm->cfg.initrd, ipath, sizeof ipath) ||
        !bootfiles_find(ipath, &f)) {
        ksnprintf(why, n, "guest.initrd \"%s\" is not on the boot partition", vm->cfg.initrd);
        return false;
    }
    *data = f.data;
    *size = (size_t)f.size;
    *name = vm->cfg.initrd;
    return true;
}

/* guest.type = "linux": the bzImage (or memtest86+) by the Linux boot
 * protocol, or an uncompressed vmlinux (an ELF file) by its PVH entry,
 * with its initrd from the boot partition (guest.initrd, resolved like
 * guest.kernel against the .vmx file) and the command line. Through the
 * boot protocol Linux finds the VM's ACPI tables by scanning the BIOS area;
 * through PVH, start_info's rsdp_paddr names them. */
static bool load_linux(struct vm *vm, const void *image, size_t size,
                       const struct guest_mem_ops *ops, struct guest_boot_state *boot, char *why,
                       size_t n)
{
    struct linux_params lp = { .kernel_name = vm->cfg.kernel, .cmdline = vm->cfg.cmdline };
    if (!find_initrd(vm, &lp.initrd, &lp.initrd_size, &lp.initrd_name, why, n))
        return false;
    if (pvh_is_elf(image, size)) {
        struct pvh_params pp = { lp.kernel_name, lp.cmdline, lp.initrd, lp.initrd_size,
                                 lp.initrd_name, ACPI_GUEST_ROM_GPA /* the RSDP's place */ };
        if (guest_load_pvh(image, size, &pp, ops, boot, why, n) != 0)
            return false;
        LOG_EVENT(LOG_INFO, "vm %s: %s is an ELF kernel: entered through its PVH entry at 0x%llx",
                  vm->name, vm->cfg.kernel, (unsigned long long)boot->rip);
        return true;
    }
    return guest_load_linux(image, size, &lp, ops, boot, why, n) == 0;
}

static bool load_guest(struct vm *vm, const void *image, size_t size,
                       struct guest_boot_state *boot, char *why, size_t n)
{
    struct guest_mem_ops ops = { loader_write, vm, vm->mem.ram.ram_bytes };
    if (vm->cfg.guest_type == VM_GUEST_LINUX)
        return load_linux(vm, image, size, &ops, boot, why, n);
    if (vm->cfg.guest_type == VM_GUEST_MULTIBOOT) {
        /* guest.initrd, if any, is the one module (as QEMU's -initrd is). */
        struct mb_params mp = { .name = vm->cfg.kernel, .cmdline = vm->cfg.cmdline };
        if (!find_initrd(vm, &mp.module, &mp.module_size, &mp.module_name, why, n))
            return false;
        return guest_load_multiboot(image, size, &mp, &ops, boot, why, n) == 0;
    }
    struct flat_params fp = { vm->cfg.load_addr, vm->cfg.entry,
                              vm->cfg.cpu_mode == VM_CPU_REAL ? GUEST_MODE_REAL
                                                              : GUEST_MODE_PROT32 };
    return guest_load_flat(image, size, &fp, &ops, boot, why, n) == 0;
}

static bool build(struct vm *vm, const void *image, size_t size, char *why, size_t n)
{
    struct guest_boot_state boot;
    if (!vmmem_vm_init(vm, why, n) || !io_attach_pc_devices(vm, why, n) ||
        !acpi_guest_attach(vm, why, n))
        return false;
    uint64_t now = plat_time_ns();
    unsigned ncpus = (unsigned)vm->cfg.numvcpus;
    if (ncpus < 1 || ncpus > VM_MAX_VCPUS) {
        ksnprintf(why, n, "numvcpus %u is not 1 to %u", ncpus, VM_MAX_VCPUS);
        return false;
    }
    struct vplatform *plat = vplatform_attach(vm, ncpus, now,
                                              wall_clock_unix(now), /* the CMOS clock: UTC */
                                              tsc_hz_get() / 1000);
    if (!plat) {
        ksnprintf(why, n, "no memory or port slots for its interrupt controllers and timers");
        return false;
    }
    if (!vballoon_attach(vm, plat, why, n) || !testdev_attach(vm, plat, why, n) ||
        !vga_attach(vm, plat, why, n))
        return false;
    /* The RTC sets the PM block's RTC_STS, which ends S3 (vplatform.h). */
    plat->pm = dev_pm_of(vm);
    /* A Multiboot kernel or a flat image finds what a PC's BIOS left (its
     * loader ran after one); Linux is booted directly, with no BIOS. */
    if (vm->cfg.guest_type != VM_GUEST_LINUX && !bios_handoff_attach(vm, plat, now, why, n))
        return false;
    /* COM1 interrupts on ISA line 4, through the 8259 and the I/O APIC:
     * Linux's 8250 driver waits for THR-empty interrupts to send. */
    struct dev_uart *com1 = dev_uart_of(vm);
    if (com1) {
        com1->irq = vplatform_isa_out(plat);
        com1->irq_line = 4;
    }
    if (!load_guest(vm, image, size, &boot, why, n))
        return false;
    /* vCPU 0, the BSP, starts where the loader says; the APs wait for
     * INIT/SIPI (vmm/vcpu_startup.c), asleep without a deadline: they cost
     * nothing until a SIPI kicks them, and their first state is replaced
     * then. */
    static const struct guest_boot_state parked = { .mode = GUEST_MODE_REAL };
    for (unsigned i = 0; i < ncpus; i++) {
        if (!vcpu_create(vm, i, i == 0 ? &boot : &parked, &vm->vcpu[i], why, n))
            return false;
        vm->vcpu[i]->plat = plat;
        vm->nvcpus = i + 1;
        vm->vcpu_state[i] = i == 0 ? VCPU_RUNNABLE : VCPU_SLEEPING;
        vm->vcpu_wake_ns[i] = i == 0 ? 0 : UINT64_MAX;
    }
    return true;
}

static const char *exit_reason_name(unsigned r) { return vmx_exit_reason_name(r); }

static bool nmi(struct vm *vm, char *why, size_t n)
{
    struct vplatform *plat = vm->nvcpus && vm->vcpu[0] ? vm->vcpu[0]->plat : NULL;
    if (!plat) {
        ksnprintf(why, n, "it has no interrupt controllers");
        return false;
    }
    vplatform_nmi_button(plat);
    return true;
}

static bool power_button(struct vm *vm, char *why, size_t n)
{
    struct vplatform *plat = vm->nvcpus && vm->vcpu[0] ? vm->vcpu[0]->plat : NULL;
    if (!plat || !vplatform_power_button(plat)) {
        ksnprintf(why, n, "it has no ACPI power management block");
        return false;
    }
    return true;
}

static void describe_vcpu(const struct vm *vm, unsigned idx, char *buf, size_t n)
{
    const struct vplatform *plat = idx < vm->nvcpus && vm->vcpu[idx] ? vm->vcpu[idx]->plat : NULL;
    if (!plat || idx >= plat->ncpus) {
        buf[0] = 0;
        return;
    }
    const struct vlapic *l = &plat->lapic[idx];
    struct vcpu_apic_view a = {
        .isr_top = vlapic_isr_top(l), .irr_top = vlapic_irr_top(l), .ppr = vlapic_ppr(l),
        .nmi_pending = plat->cpu[idx].nmi_pending, .suspended = vplatform_suspended(plat),
        .wait_sipi = plat->cpu[idx].wait_sipi,
    };
    vcpu_describe(&a, &vm->vcpu[idx]->last_exit, vmx_exit_reason_name, buf, n);
}

/* From the shell, between slices: the vCPU is not running, so its VMCS can
 * be made current here and read, and its general registers are those its
 * last exit saved. */
static bool dump_vcpu(struct vm *vm, unsigned idx, void (*emit)(const char *line, void *ctx),
                      void *ctx)
{
    if (idx >= vm->nvcpus || !vm->vcpu[idx])
        return false;
    struct vcpu *v = vm->vcpu[idx];
    monitor_load_vmcs(v);
    struct vcpu_dump d;
    vcpu_dump_read(v, &d);
    vcpu_dump_format(&d, emit, ctx);
    return true;
}

static const char *peek_devmem(const struct vm *vm, uint64_t gpa, uint8_t *buf, size_t n)
{
    const struct vplatform *plat = vm->nvcpus && vm->vcpu[0] ? vm->vcpu[0]->plat : NULL;
    if (vga_window_owns(plat, gpa)) {
        vga_window_copy(plat, gpa, buf, NULL, n);
        return "display memory";
    }
    if (plat && plat->testdev && testdev_iomem_owns(gpa)) {
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)testdev_iomem_read(plat->testdev, gpa + i, 1);
        return "pc-testdev's window";
    }
    return NULL;
}

static const struct vm_monitor_ops vmx_monitor = {
    .init = monitor_init,
    .unavailable = unavailable,
    .build = build,
    .run = vcpu_run,
    .destroy_vcpu = vcpu_destroy,
    .exit_reason_name = exit_reason_name,
    .nmi = nmi,
    .power_button = power_button,
    .describe_vcpu = describe_vcpu,
    .dump_vcpu = dump_vcpu,
    .peek_devmem = peek_devmem,
};
VM_MONITOR_REGISTER(vmx_monitor);
