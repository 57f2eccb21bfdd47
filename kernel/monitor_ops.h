/*
 * What the kernel asks of the monitor. vmm/ sits above kernel/ (the layer
 * table in tools/check-layers.py), so the kernel never includes a vmm/
 * header: the monitor fills in this table and registers it with
 * VM_MONITOR_REGISTER, which places a pointer in a linker section the kernel
 * reads (the upper layer registers; the lower one only calls through it).
 * With no monitor linked, VMs refuse to start and say so.
 */
#ifndef KERNEL_MONITOR_OPS_H
#define KERNEL_MONITOR_OPS_H

#include "include/hv/types.h"

struct vm;
struct vcpu;   /* the monitor's; the kernel only holds pointers */

/* Scheduling state of a vCPU, as the kernel's scheduler sees it. */
enum vcpu_state {
    VCPU_RUNNABLE = 0,
    VCPU_HALTED,        /* HLT with nothing that can wake it: never runs again */
    VCPU_SLEEPING,      /* runs again at vm->vcpu_wake_ns[i], or when woken
                         * earlier (vm_vcpu_wake): a HLT waiting for a timer,
                         * a vCPU blocked from allocating memory */
    VCPU_STOPPED,       /* its VM is over */
};

enum run_result {
    RUN_YIELD = 0,      /* slice over or the host needs the CPU */
    RUN_HALTED,
    RUN_SLEEP,          /* gave the CPU back until vm->vcpu_wake_ns[v's index] */
    RUN_STOPPED,
};

struct vm_monitor_ops {
    /* Turns the monitor on for this CPU; false with a reason when guests
     * cannot run here (the host goes on without them). */
    bool (*init)(char *why, size_t whylen);
    /* NULL when guests can run; else why not. */
    const char *(*unavailable)(void);
    /* Loads the guest image into the VM's RAM (through vm_write_guest),
     * attaches its devices and creates its vCPUs (vm->vcpu[], vm->nvcpus).
     * False with a reason; whatever was made is undone by destroy_vcpu and
     * vm_devices_destroy at the reap. */
    bool (*build)(struct vm *vm, const void *image, size_t size, char *why, size_t whylen);
    /* Runs `v` until its slice (TSC ticks) ends, it halts or its VM stops. */
    enum run_result (*run)(struct vcpu *v, uint64_t slice_tsc);
    void (*destroy_vcpu)(struct vcpu *v);
    /* A name for exit reason `r` (for `stats exits`). */
    const char *(*exit_reason_name)(unsigned r);
    /* The VM's NMI line (the NMI button: `vm nmi`): false with a reason
     * when the VM has no interrupt controllers to take it. */
    bool (*nmi)(struct vm *vm, char *why, size_t whylen);
    /* The VM's ACPI power button (`vm power-button`): false with a reason
     * when the VM has no ACPI PM block. */
    bool (*power_button)(struct vm *vm, char *why, size_t whylen);
    /* One line on vCPU `idx`'s interrupt state (its local APIC's highest
     * vector in service and requested, its priority, a pending NMI), for
     * `stats exits`; empty when there is nothing to say. */
    void (*describe_vcpu)(const struct vm *vm, unsigned idx, char *buf, size_t n);
    /* vCPU `idx`'s registers, segments and code bytes as its last exit left
     * them, a line at a time (`vm regs`); only between slices, when no vCPU
     * runs. False when the VM has no such vCPU. */
    bool (*dump_vcpu)(struct vm *vm, unsigned idx, void (*emit)(const char *line, void *ctx),
                      void *ctx);
    /* `n` bytes at `gpa` (within one page) of a device's memory the guest
     * reads as memory (the display memory, pc-testdev's window), into `buf`
     * with the device's name (`vm peek`); NULL when `gpa` is none. */
    const char *(*peek_devmem)(const struct vm *vm, uint64_t gpa, uint8_t *buf, size_t n);
};

#define VM_MONITOR_REGISTER(ops)                                                 \
    static const struct vm_monitor_ops *const vm_monitor_entry_##ops             \
        __attribute__((used, section("hv_monitor_ops"), aligned(8))) = &(ops)

/* The registered monitor (the first, if several were linked); NULL if none. */
const struct vm_monitor_ops *vm_monitor(void);
/* Starts the monitor; false with a reason when guests cannot run. */
bool vm_monitor_start(char *why, size_t whylen);
/* NULL when guests can run, else why not. */
const char *vm_monitor_unavailable(void);

#endif
