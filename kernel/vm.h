/*
 * Virtual machines: created from a .vmx file, started, stopped, listed. A VM
 * owns its guest-physical space (EPT), its physmap (the state of every guest
 * page), its VPID, its vCPUs and its devices. Whatever a VM does, it can
 * stop only itself: every failure ends in vm_fail() with a one-line reason
 * and all of its machine pages back in the free pool.
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include "include/hv/types.h"
#include "kernel/vm_config.h"
#include "arch/x86_64/ept.h"
#include "arch/x86_64/vmcs.h"
#include "mm/physmap.h"
#include "mm/sampler.h"
#include "kernel/memsched.h"
#include "lib/report_once.h"
#include "kernel/log.h"

#define VM_MAX 16
#define VM_MAX_VCPUS 4
#define VM_CONSOLE_RING 4096
#define VM_LINE_MAX 160

enum vm_state {
    VM_STATE_RUNNING = 0,  /* at least one vCPU runnable or waiting */
    VM_STATE_HALTED,       /* every vCPU halted with interrupts off: costs nothing */
    VM_STATE_EXITED,       /* the guest wrote its exit port */
    VM_STATE_STOPPED,      /* stopped from the shell */
    VM_STATE_FAILED,       /* stopped by the monitor: see reason */
};

struct vcpu;

struct vm_exit_stats {
    uint64_t count[EXIT_REASON_COUNT];
    uint64_t cycles[EXIT_REASON_COUNT]; /* root-mode TSC ticks, exit to next entry */
    uint64_t cpu_tsc; /* TSC ticks its vCPUs held the CPU (guest and monitor) */
    uint64_t slices;  /* times one of its vCPUs was given the CPU */
};

struct vm {
    bool used;
    unsigned id;
    char name[VM_NAME_MAX];
    char vmx_path[96];
    struct vm_config cfg;
    enum vm_state state;
    int exit_status;              /* VM_STATE_EXITED */
    char reason[200];             /* VM_STATE_FAILED / STOPPED */

    struct plat_vm gpa;           /* EPT */
    struct physmap pm;
    void *pm_storage;
    struct memsched_vm msv;       /* what memsched knows and decides (vm_mem.c) */
    struct sampler smp;           /* working-set estimate */
    void *smp_storage;
    bool mem_attached;
    bool admitted;                /* vm_mem_admit counted it */
    uint64_t admit_overhead;      /* pages it was admitted with, beyond memsize */
    uint64_t ram_bytes;
    uint16_t vpid;

    struct vcpu *vcpu[VM_MAX_VCPUS];
    unsigned nvcpus;

    /* devices */
    struct {
        uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
    } uart;
    char line[VM_LINE_MAX];       /* UART output being assembled */
    size_t line_len;
    char ring[VM_CONSOLE_RING];   /* everything the UART printed */
    uint64_t ring_total;
    struct log_site log_site;          /* this VM's warnings: throttled per VM, so one
                                          VM's storm cannot hide another's first lines */
    struct report_once ports_reported; /* unknown ports already logged */
    uint64_t unknown_port_accesses;
    struct report_once msrs_reported;  /* unknown MSRs already logged */
    uint64_t unknown_msr_accesses;

    uint64_t line_window_ns;      /* console line budget */
    uint32_t lines_in_window;
    uint64_t lines_hidden;

    struct vm_exit_stats stats;
    uint64_t start_ns;
    bool reaped;                  /* resources freed */
    uint64_t final_pages;         /* guest pages freed at the end */
};

/* A warning about a VM, throttled by that VM's own budget. */
#define VM_WARN(vm, ...) log_write(&(vm)->log_site, LOG_WARN, __VA_ARGS__)

/* Creates and starts a VM from its .vmx boot file (path as `files` lists
 * it). Returns the VM, or NULL after logging why it did not start. */
struct vm *vm_create_from_file(const char *vmx_path);
/* Starts the VM named `name` (hv/vms/<name>.vmx). */
struct vm *vm_start_by_name(const char *name, char *err, size_t errlen);
/* Ends a VM: frees its memory and vCPUs; the record stays for `vm list`. */
void vm_fail(struct vm *vm, const char *fmt, ...) PRINTF_LIKE(2, 3);
void vm_exit_guest(struct vm *vm, int status);
void vm_stop(struct vm *vm, const char *why);

struct vm *vm_by_id(unsigned id);
struct vm *vm_by_name(const char *name);
bool vm_is_live(const struct vm *vm);
const char *vm_state_name(enum vm_state s);
uint64_t vm_pages_held(const struct vm *vm);

/* Guest RAM: [0, GUEST_LOW_RAM_END) and [GUEST_HIGH_RAM_START, ram_bytes)
 * (vmm/guest_loader.h). */
bool vm_gpa_is_ram(const struct vm *vm, uint64_t gpa);
/* Backs `gpa`'s page with a zeroed machine page if it has none; false when
 * not RAM or out of memory. Used by EPT violations and the loaders. */
bool vm_touch_page(struct vm *vm, uint64_t gpa);
/* Copies into guest RAM, allocating pages as needed. */
bool vm_write_guest(struct vm *vm, uint64_t gpa, const void *src, size_t len);

/* The UART's output path: appends to the ring and prints whole lines on the
 * host console as "[name] line". */
void vm_console_putc(struct vm *vm, char c);

/* Iteration for the shell and the scheduler. */
struct vm *vm_at(unsigned slot);

#endif
