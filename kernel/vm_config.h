/*
 * A VM's configuration file (hv/vms/NAME.vmx), ESX style. Parsed with the
 * same parser as the host file (kernel/config_parse.h). A file with any
 * problem does not start its VM: vm_config_load returns the count, and the
 * report callback has named file, line and key for each.
 */
#ifndef KERNEL_VM_CONFIG_H
#define KERNEL_VM_CONFIG_H

/* vCPUs a VM may have (VM_MAX_VCPUS, kernel/vm.h); `numvcpus` above it is
 * refused with the reason (the format allows up to 16). They share the one
 * physical CPU that runs guests. */
#define VM_VCPUS_SUPPORTED 4u

#include "kernel/config_schema.h"
#include "kernel/guestinfo.h"
#include "kernel/vm_name.h"

enum vm_guest_type { VM_GUEST_FLAT = 0, VM_GUEST_MULTIBOOT, VM_GUEST_LINUX };
enum vm_cpu_mode { VM_CPU_REAL = 0, VM_CPU_PROT32 };

struct vm_config {
    char display_name[VM_NAME_MAX];  /* displayName: required, [A-Za-z0-9_.-]+ */
    uint64_t memsize_mb;             /* memsize: MiB, required, 1..65536 */
    uint64_t numvcpus;               /* numvcpus: 1..VM_VCPUS_SUPPORTED, default 1 */
    char kernel[CFG_TEXT_MAX];       /* guest.kernel: required; path relative to the
                                        .vmx file's directory, or absolute from the ESP
                                        root ("/hv/guests/x.bin") */
    uint32_t guest_type;             /* guest.type: flat | multiboot | linux (default
                                        multiboot) */
    char cmdline[CFG_VALUE_MAX];     /* guest.cmdline: multiboot, linux; default "";
                                        as long as Linux takes on x86 */
    char initrd[CFG_TEXT_MAX];       /* guest.initrd: linux only, default "" (none); a
                                        path like guest.kernel's */
    uint64_t load_addr;              /* guest.loadAddr: flat only, default 0x100000 */
    uint64_t entry;                  /* guest.entry: flat only, default = loadAddr */
    uint32_t cpu_mode;               /* guest.cpuMode: real | prot32 (flat only), default prot32 */
    uint64_t mem_min_mb;             /* sched.mem.min: reservation, MiB, default 0 */
    uint64_t mem_max_mb;             /* sched.mem.max: limit, MiB, default = memsize */
    uint64_t mem_shares;             /* sched.mem.shares: low/normal/high or a number;
                                        ESX: low = 5, normal = 10, high = 20 per MiB of
                                        memsize; a number is taken as is. Default normal */
    bool prealloc;                   /* sched.mem.prealloc */
    bool prealloc_main;              /* sched.mem.prealloc.mainMem */
    bool prealloc_pinned;            /* sched.mem.prealloc.pinnedMainMem */
    uint64_t maxmemctl_mb;           /* sched.mem.maxmemctl: the most the balloon may
                                        take, MiB (0: no ballooning); default 65% of
                                        memsize (ESX's Mem.CtlMaxPercent) */
    bool balloon_present;            /* balloon.present: a virtio-mmio balloon device;
                                        default TRUE for linux guests, FALSE otherwise */
    char unknown_port[8];            /* monitor.unknownPort: "ignore" (reads all ones,
                                        logged once per port) or "stop"; default ignore */
    bool hpet_present;               /* hpet0.present: the chipset's HPET at 0xfed00000
                                        and ACPI's HPET table; default TRUE */
    bool restrict_backdoor;          /* monitor_control.restrict_backdoor: VMware's
                                        backdoor from CPL 0 only; default FALSE */
    bool pseudo_perfctr;             /* monitor_control.pseudo_perfctr: RDPMC of VMware's
                                        pseudo counters; default FALSE */
    bool testdev_present;            /* testdev.present: QEMU's pc-testdev, for test
                                        suites such as kvm-unit-tests; default FALSE */
    bool svga_present;               /* svga.present: a display adapter's memory window
                                        at [0xA0000, 0xC0000); default TRUE */
    char unknown_memory[8];          /* monitor.unknownMemory: "ignore" (a data access to
                                        guest-physical memory neither RAM nor a device
                                        reads all ones, a write is dropped, logged once
                                        per page) or "stop"; default ignore */
    uint32_t to_host_console;        /* serial.toHostConsole: all | first | none, as
                                        enum vm_console_route (kernel/vm_console.h);
                                        default first */
    struct guestinfo guestinfo;      /* guestinfo.NAME = "value" lines: the VM's
                                        guestinfo variables when it starts */
};

void vm_config_defaults(struct vm_config *c);
/* Parses, applies the schema, then checks what one key cannot (required
 * keys present, max >= min, min <= memsize, loadAddr/entry inside memsize,
 * options that make no sense for the guest type). Returns the number of
 * problems; 0 means the VM may start. */
uint32_t vm_config_load(struct vm_config *c, const char *file, const char *text, size_t len,
                        cfg_report_fn report, void *ctx);

/* Resolves guest.kernel (or guest.initrd) against the .vmx path into an ESP path as the boot
 * files list them ("hv/guests/hello.bin"): handles "./", "../" and a leading
 * "/". False when the result would leave the ESP root or not fit. */
bool vm_config_resolve_path(const char *vmx_path, const char *value, char *out, size_t size);

#endif
