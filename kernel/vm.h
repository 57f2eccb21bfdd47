/*
 * Virtual machines: created from a .vmx file, started, stopped, listed. A VM
 * is four things, each its own part of struct vm:
 *   - lifecycle and identity: name, configuration, state, why it ended, its
 *     vCPUs as the scheduler sees them;
 *   - memory (struct vm_memory): guest RAM with its physmap, guest mappings
 *     and fault path (mm/guest_mem.c), its memsched entry and sampler;
 *   - devices (struct vm_devices): the device models attached to it and the
 *     port bus they claim, plus its console (what its UART printed);
 *   - statistics (struct vm_exit_stats).
 * Whatever a VM does, it can stop only itself: every failure ends in
 * vm_fail() with a one-line reason and all of its machine pages back in the
 * free pool. This header is policy-clean (tools/check-layers.py): it pulls no
 * arch/ header into the monitor or the memory policy.
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include "include/hv/types.h"
#include "kernel/vm_config.h"
#include "kernel/monitor_ops.h"
#include "kernel/vm_devices.h"
#include "kernel/vm_console.h"
#include "kernel/memsched.h"
#include "kernel/vm_balloon.h"
#include "lib/report_once.h"
#include "kernel/log.h"
#include "mm/guest_mem.h"
#include "mm/sampler.h"
#include "kernel/vm_reclaim.h"
#include "kernel/vmtrack.h"

#define VM_MAX 16
#define VM_MAX_VCPUS 4
_Static_assert(VM_VCPUS_SUPPORTED <= VM_MAX_VCPUS, "numvcpus must fit struct vm");
#define VM_RESTARTS_PER_MIN 5
/* Basic VM-exit reasons counted (Intel SDM vol. 3, appendix C: 0-77); the
 * monitor checks its own table fits. */
#define VM_EXIT_REASONS 78

enum vm_state {
    VM_STATE_RUNNING = 0,  /* at least one vCPU runnable or waiting */
    VM_STATE_HALTED,       /* every vCPU halted with interrupts off: costs nothing */
    VM_STATE_EXITED,       /* the guest wrote its exit port */
    VM_STATE_STOPPED,      /* stopped from the shell */
    VM_STATE_FAILED,       /* stopped by the monitor: see reason */
};

/* A vCPU's local APIC timer interrupts: how many it took, how many more
 * than VM_TIMER_LATE_NS after they fell due, and the latest. A guest whose
 * periodic tick comes that late loses ticks: its jiffies fall behind the
 * TSC, and Linux's clocksource watchdog then calls the TSC unstable. */
struct vm_timer_stats {
    uint64_t taken, late, worst_ns;
    uint64_t worst_due_ns;  /* when the latest one fell due (plat_time_ns) */
};
#define VM_TIMER_LATE_NS 1000000ULL

static inline void vm_timer_taken(struct vm_timer_stats *t, uint64_t due_ns, uint64_t late_ns)
{
    t->taken++;
    t->late += late_ns > VM_TIMER_LATE_NS;
    if (late_ns > t->worst_ns) {
        t->worst_ns = late_ns;
        t->worst_due_ns = due_ns;
    }
}

struct vm_exit_stats {
    uint64_t count[VM_EXIT_REASONS];
    uint64_t cycles[VM_EXIT_REASONS]; /* root-mode TSC ticks, exit to next entry */
    uint64_t cpu_tsc; /* TSC ticks its vCPUs held the CPU (guest and monitor) */
    uint64_t slices;  /* times one of its vCPUs was given the CPU */
    uint64_t handoffs_event; /* slice rests given to a sibling with an interrupt */
    uint64_t handoffs_spin;  /* ... given by a vCPU spinning in a PAUSE loop */
    struct vm_timer_stats timer[VM_MAX_VCPUS];
};

/* Guest RAM and what the memory scheduler knows and decides about it. */
struct vm_memory {
    struct guest_mem ram;         /* physmap, guest mappings, the fault path */
    struct memsched_vm msv;       /* memsched's entry (vm_mem.c) */
    struct sampler smp;           /* working-set estimate */
    void *smp_storage;
    bool attached;                /* memsched and the sampler know the VM */
    bool admitted;                /* vm_mem_admit counted it */
    uint64_t admit_overhead;      /* pages it was admitted with, beyond memsize */
    uint64_t admit_min;           /* ... and the reservation, pages */
    struct vm_reclaim rc;         /* swapper, victim selection (vm_reclaim.c) */
    /* The release request memsched posts for the monitor: pages to give
     * back now (0: none); release_gen changes with every post, so the
     * monitor's VMMem (vmm/vmmem_poll.c) sees a reissue of the same size. */
    uint64_t release_request;
    uint64_t release_gen;
    struct vmmem_vm *vmmem;       /* the monitor's release checks (heap; opaque here) */
    /* VMTrack (kernel/vmtrack.h): release points the monitor reached with
     * work to do (vmm/vmmem_poll.c counts them), its watch over them, and
     * when a sleeping vCPU was last woken to answer a request. */
    uint64_t release_answers;
    struct vmtrack_watch track;
    uint64_t release_wake_ns;
    uint64_t deny_until_ns;       /* fault injection (`vmm deny`): vCPU 0 holds a
                                     release deny until then */
    struct vm_balloon_ctl balloon;  /* the balloon's size and progress (vm_balloon.h) */
};

struct vm {
    /* lifecycle and identity */
    bool used;
    unsigned id;
    char name[VM_NAME_MAX];
    char vmx_path[96];
    struct vm_config cfg;
    enum vm_state state;
    int exit_status;              /* VM_STATE_EXITED */
    char reason[200];             /* VM_STATE_FAILED / STOPPED */
    uint64_t start_ns;
    bool reaped;                  /* resources freed */
    uint64_t final_pages;         /* guest pages freed at the end */
    bool restart_pending;         /* the guest asked for a reset: start it again once reaped */
    unsigned restarts;            /* restarts in the window below (a reset loop is bounded) */
    uint64_t restart_window_ns;

    /* vCPUs: the monitor's objects, and the scheduler's view of each */
    struct vcpu *vcpu[VM_MAX_VCPUS];
    unsigned nvcpus;
    enum vcpu_state vcpu_state[VM_MAX_VCPUS];
    uint64_t vcpu_runtime[VM_MAX_VCPUS]; /* TSC ticks it held the CPU (kernel/sched.c) */
    uint64_t vcpu_wake_ns[VM_MAX_VCPUS];  /* VCPU_SLEEPING: plat_time_ns to run again at */
    bool vcpu_event[VM_MAX_VCPUS];        /* an interrupt came while it was off the CPU */
    unsigned vcpu_on_cpu;                 /* index + 1 of the vCPU running now (0: none) */
    unsigned vcpu_handoff;                /* sibling + 1 to get the slice's rest
                                             (0: none; kernel/vcpu_handoff.h) */

    struct vm_memory mem;

    struct vm_devices devices;
    struct vm_console console;
    struct log_site log_site;          /* this VM's warnings: throttled per VM, so one
                                          VM's storm cannot hide another's first lines */
    /* The monitor's record of unknown accesses, each logged once. */
    struct report_once ports_reported; /* unknown ports already logged */
    uint64_t unknown_port_accesses;
    struct report_once msrs_reported;  /* unknown MSRs already logged */
    uint64_t unknown_msr_accesses;
    struct report_once memory_reported; /* pages of unknown memory already logged */
    uint64_t unknown_memory_accesses;
    /* VMware's backdoor calls answered, and the guest's own #GPs the
     * monitor intercepted for it and gave back (vmm/exit_gp.c). */
    uint64_t backdoor_calls, gp_reflected;
    /* GuestRPC over the backdoor (vmm/guestrpc_attach.c): its channels,
     * made at the guest's first OPEN (NULL before; freed with the devices);
     * requests run; the version the guest's tools gave (0: none). The
     * guestinfo variables are cfg.guestinfo: the file's, then changed by
     * the guest's info-set and the shell's `vm guestinfo`. */
    struct vm_guestrpc *guestrpc;
    uint64_t guestrpc_requests;
    uint64_t guestrpc_hb;              /* messages moved by the high-bandwidth port */
    uint32_t tools_version;

    struct vm_exit_stats stats;
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
/* The guest powered itself off (`how`: through what): ended with status 0. */
void vm_power_off(struct vm *vm, const char *how);
/* The guest asked for a reset (`how`: through what): the VM ends, and
 * vm_restarts_poll starts it again from its .vmx file (fresh memory, as
 * after a power cycle), at most VM_RESTARTS_PER_MIN times a minute. */
void vm_guest_reset(struct vm *vm, const char *how);
void vm_restarts_poll(void);
void vm_stop(struct vm *vm, const char *why);

struct vm *vm_by_id(unsigned id);
struct vm *vm_by_name(const char *name);
/* Running or halted: not yet over. */
static inline bool vm_is_live(const struct vm *vm)
{
    return vm->state == VM_STATE_RUNNING || vm->state == VM_STATE_HALTED;
}
const char *vm_state_name(enum vm_state s);
/* "runnable", "halted", "sleeping", "stopped" (kernel/monitor_ops.h). */
const char *vm_vcpu_state_name(enum vcpu_state s);
uint64_t vm_pages_held(const struct vm *vm);

/* Guest RAM (mm/guest_mem.h): thin wrappers kept for the exit handlers and
 * the loaders. */
bool vm_gpa_is_ram(const struct vm *vm, uint64_t gpa);
/* A read or fetch in the BIOS area [0xE0000, 1 MiB): maps the shared zero
 * ROM page there (mm/guest_rom.h); false outside it or out of memory. */
bool vm_map_bios_rom(struct vm *vm, uint64_t gpa);
/* A code fetch in the legacy hole: its page mapped to the all-ones page
 * (mm/guest_rom.h, guest_rom_map_floating). */
bool vm_map_floating_bus(struct vm *vm, uint64_t gpa);
/* Copies into guest RAM, allocating pages as needed. */
bool vm_write_guest(struct vm *vm, uint64_t gpa, const void *src, size_t len);

/* The UART's output path: appends to the ring and routes whole lines to
 * the host console as "[name] line" (kernel/vm_console.h). */
void vm_console_putc(struct vm *vm, char c);
/* Time passes for every VM's console: held-back lines are counted aloud
 * once a VM has gone quiet. Called from the shell's poll. */
void vm_consoles_idle(void);

/* Makes a sleeping vCPU runnable now (a virtual interrupt for it, memory
 * released for it); no effect on one in any other state. */
void vm_vcpu_wake(struct vm *vm, unsigned idx);
/* An event no HLT or wait masks (INIT, SIPI, NMI) for vCPU `idx`: a
 * sleeping or halted one becomes runnable (a halted VM runs again), so its
 * monitor sees the event; one running or runnable sees it anyway. */
void vm_vcpu_kick(struct vm *vm, unsigned idx);

/* Iteration for the shell and the scheduler. */
struct vm *vm_at(unsigned slot);

#endif
