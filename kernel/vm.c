/*
 * VM lifecycle: create from a .vmx boot file, run (the scheduler), end.
 * Ending is two steps: vm_fail/vm_exit_guest/vm_stop only record why and
 * take the vCPUs off the run queue (they may be called from inside the VM's
 * own exit handler); vm_reap then frees every machine page the VM held.
 */
#include "kernel/vm.h"
#include "kernel/vm_internal.h"
#include "kernel/vm_mem.h"
#include "kernel/vm_slots.h"
#include "kernel/log.h"
#include "kernel/bootfiles.h"
#include "kernel/monitor_ops.h"
#include "mm/mpn_db.h"
#include "mm/heap.h"
#include "mm/guest_rom.h"
#include "include/hv/console.h"
#include "include/hv/platform.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/text_escape.h"

static struct vm vms[VM_MAX];

struct vm *vm_at(unsigned slot) { return slot < VM_MAX && vms[slot].used ? &vms[slot] : NULL; }

struct vm *vm_by_id(unsigned id)
{
    return id >= 1 && id <= VM_MAX ? vm_at(id - 1) : NULL;
}

struct vm *vm_by_name(const char *name)
{
    for (unsigned i = 0; i < VM_MAX; i++)
        if (vms[i].used && str_casecmp(vms[i].name, name) == 0)
            return &vms[i];
    return NULL;
}

const char *vm_state_name(enum vm_state s)
{
    switch (s) {
    case VM_STATE_RUNNING: return "running";
    case VM_STATE_HALTED: return "halted";
    case VM_STATE_EXITED: return "exited";
    case VM_STATE_STOPPED: return "stopped";
    case VM_STATE_FAILED: return "failed";
    }
    return "?";
}

const char *vm_vcpu_state_name(enum vcpu_state s)
{
    switch (s) {
    case VCPU_RUNNABLE: return "runnable";
    case VCPU_HALTED: return "halted";
    case VCPU_SLEEPING: return "sleeping";
    case VCPU_STOPPED: return "stopped";
    }
    return "?";
}

uint64_t vm_pages_held(const struct vm *vm)
{
    return guest_mem_pages(&vm->mem.ram);
}

bool vm_gpa_is_ram(const struct vm *vm, uint64_t gpa)
{
    return guest_mem_is_ram(&vm->mem.ram, gpa);
}

bool vm_map_bios_rom(struct vm *vm, uint64_t gpa)
{
    return guest_rom_map(&vm->mem.ram, gpa);
}

bool vm_map_floating_bus(struct vm *vm, uint64_t gpa)
{
    return guest_rom_map_floating(&vm->mem.ram, gpa);
}

bool vm_write_guest(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
    return guest_mem_write(&vm->mem.ram, gpa, src, len);
}

/* ---- console --------------------------------------------------------------- */

static void to_host_console(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    console_async_write(s, n);
}

void vm_console_putc(struct vm *vm, char ch)
{
    vm_console_byte(&vm->console, vm->name, ch, plat_time_ns(), to_host_console, NULL);
}

void vm_consoles_idle(void)
{
    uint64_t now = plat_time_ns();
    for (unsigned i = 0; i < VM_MAX; i++)
        if (vms[i].used)
            vm_console_idle(&vms[i].console, vms[i].name, now, to_host_console, NULL);
}

/* ---- ending ---------------------------------------------------------------- */

static void end_vcpus(struct vm *vm)
{
    for (unsigned i = 0; i < vm->nvcpus; i++)
        vm->vcpu_state[i] = VCPU_STOPPED;
    vm_console_end(&vm->console, vm->name, plat_time_ns(), to_host_console, NULL);
}

void vm_fail(struct vm *vm, const char *fmt, ...)
{
    if (!vm_is_live(vm))
        return;
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(vm->reason, sizeof vm->reason, fmt, ap);
    va_end(ap);
    vm->state = VM_STATE_FAILED;
    end_vcpus(vm);
    LOG_EVENT(LOG_ERROR, "vm %s: stopped: %s", vm->name, vm->reason);
}

void vm_exit_guest(struct vm *vm, int status)
{
    if (!vm_is_live(vm))
        return;
    vm->state = VM_STATE_EXITED;
    vm->exit_status = status;
    ksnprintf(vm->reason, sizeof vm->reason, "the guest exited with status %d", status);
    end_vcpus(vm);
    LOG_EVENT(LOG_INFO, "vm %s: exited with status %d", vm->name, status);
}

void vm_power_off(struct vm *vm, const char *how)
{
    if (!vm_is_live(vm))
        return;
    vm->state = VM_STATE_EXITED;
    vm->exit_status = 0;
    ksnprintf(vm->reason, sizeof vm->reason, "powered off (%s)", how);
    end_vcpus(vm);
    LOG_EVENT(LOG_INFO, "vm %s: powered off (%s): exit status 0", vm->name, how);
}

void vm_guest_reset(struct vm *vm, const char *how)
{
    if (!vm_is_live(vm))
        return;
    vm->state = VM_STATE_EXITED;
    vm->exit_status = 0;
    ksnprintf(vm->reason, sizeof vm->reason, "reset by the guest (%s)", how);
    vm->restart_pending = true;
    end_vcpus(vm);
    LOG_EVENT(LOG_INFO, "vm %s: reset by the guest (%s): restarting it", vm->name, how);
}

/* A reset cannot restart the VM where it is asked for (inside its own exit
 * handler, with its memory in use): the VM ends, the scheduler reaps it,
 * and this (polled from the shell's loop) starts it again. */
void vm_restarts_poll(void)
{
    for (unsigned i = 0; i < VM_MAX; i++) {
        struct vm *vm = &vms[i];
        if (!vm->used || !vm->restart_pending || !vm->reaped)
            continue;
        vm->restart_pending = false;
        uint64_t now = plat_time_ns();
        if (now - vm->restart_window_ns > 60 * 1000000000ULL) {
            vm->restart_window_ns = now;
            vm->restarts = 0;
        }
        if (vm->restarts >= VM_RESTARTS_PER_MIN) {
            ksnprintf(vm->reason, sizeof vm->reason,
                      "reset by the guest; not restarted: %u resets within a minute",
                      vm->restarts + 1);
            LOG_EVENT(LOG_WARN, "vm %s: %s", vm->name, vm->reason);
            continue;
        }
        unsigned restarts = vm->restarts + 1;
        uint64_t window = vm->restart_window_ns;
        char path[sizeof vm->vmx_path];
        str_copy(path, vm->vmx_path, sizeof path);
        struct vm *again = vm_create_from_file(path);
        if (again) {
            again->restarts = restarts;
            again->restart_window_ns = window;
        }
    }
}

void vm_stop(struct vm *vm, const char *why)
{
    if (vm_is_live(vm)) {
        vm->state = VM_STATE_STOPPED;
        str_copy(vm->reason, why, sizeof vm->reason);
        end_vcpus(vm);
        LOG_EVENT(LOG_INFO, "vm %s: %s", vm->name, why);
    }
    vm_reap(vm);
}

void vm_reap(struct vm *vm)
{
    if (vm_is_live(vm) || vm->reaped)
        return;
    const struct vm_monitor_ops *mon = vm_monitor();
    for (unsigned i = 0; i < VM_MAX_VCPUS; i++) {
        if (vm->vcpu[i] && mon)
            mon->destroy_vcpu(vm->vcpu[i]);
        vm->vcpu[i] = NULL;
    }
    vm_mem_detach(vm);
    vm_reclaim_destroy(vm);
    uint64_t freed = guest_mem_destroy(&vm->mem.ram);
    kfree(vm->mem.vmmem);
    vm->mem.vmmem = NULL;
    vm->final_pages = freed;
    vm_devices_destroy(&vm->devices);
    vm->reaped = true;
    LOG_EVENT(LOG_INFO, "vm %s: %llu guest pages returned to the free pool", vm->name,
             (unsigned long long)freed);
    if (vm->log_site.suppressed)
        LOG_EVENT(LOG_WARN, "vm %s: %u of its warnings were not shown (throttled)", vm->name,
                  vm->log_site.suppressed);
}

/* ---- creation -------------------------------------------------------------- */

struct report_ctx {
    unsigned problems;
};

static void report(void *ctx, const char *file, uint32_t line, const char *key, const char *msg)
{
    struct report_ctx *r = ctx;
    r->problems++;
    if (key && key[0])
        log_write(NULL, LOG_ERROR, "vm: %s:%u: %s: %s", file, line, key, msg);
    else
        log_write(NULL, LOG_ERROR, "vm: %s:%u: %s", file, line, msg);
}

/* A VM of that name keeps its slot; else a free one; else the oldest ended
 * VM's record gives way (kernel/vm_slots.c). */
static struct vm *slot_for(const char *name)
{
    struct vm_slot_view view[VM_MAX];
    for (unsigned i = 0; i < VM_MAX; i++)
        view[i] = (struct vm_slot_view){ vms[i].used, vms[i].used && vm_is_live(&vms[i]),
                                         vms[i].used && str_casecmp(vms[i].name, name) == 0,
                                         vms[i].start_ns };
    int s = vm_slot_pick(view, VM_MAX);
    return s < 0 ? NULL : &vms[s];
}

static bool build(struct vm *vm, const struct boot_file *img, char *why, size_t n)
{
    if (!vm_mem_admit(vm, why, n))
        return false;
    uint64_t ram_bytes = vm->cfg.memsize_mb << 20;
    if (!guest_mem_init(&vm->mem.ram, ram_bytes, (uint16_t)(OWNER_VM_BASE + vm->id))) {
        ksnprintf(why, n, "no memory for the physmap and guest mappings of %llu pages",
                  (unsigned long long)(ram_bytes >> PAGE_SHIFT));
        return false;
    }
    if (!vm_reclaim_init(vm, why, n))
        return false;
    /* Before the monitor builds the devices: the balloon's attaches to it. */
    vm_balloon_init(&vm->mem.balloon, vm->cfg.maxmemctl_mb << (20 - PAGE_SHIFT));
    if (!vm_monitor()->build(vm, img->data, img->size, why, n))
        return false;
    /* Last before the first instruction: a preallocated VM's pages. */
    if (!vm_reclaim_prealloc(vm, why, n))
        return false;
    return vm_mem_attach(vm, why, n);
}

struct vm *vm_create_from_file(const char *vmx_path)
{
    struct boot_file f;
    if (!bootfiles_find(vmx_path, &f)) {
        LOG_EVENT(LOG_ERROR, "vm: %s: no such file on the boot partition", vmx_path);
        return NULL;
    }
    static struct vm_config cfg;
    struct report_ctx rc = { 0 };
    vm_config_defaults(&cfg);
    uint32_t problems = vm_config_load(&cfg, vmx_path, f.data, f.size, report, &rc);
    if (problems) {
        LOG_EVENT(LOG_ERROR, "vm: %s: not started: %u problem(s) in the file", vmx_path,
                  problems);
        return NULL;
    }
    const char *no_monitor = vm_monitor_unavailable();
    if (no_monitor) {
        LOG_EVENT(LOG_ERROR, "vm %s: not started: %s", cfg.display_name, no_monitor);
        return NULL;
    }
    struct vm *vm = slot_for(cfg.display_name);
    if (!vm) {
        LOG_EVENT(LOG_ERROR, "vm %s: not started: all %d VM slots hold running VMs",
                  cfg.display_name, VM_MAX);
        return NULL;
    }
    if (vm->used && vm_is_live(vm)) {
        LOG_EVENT(LOG_ERROR, "vm %s: not started: a VM of that name is running (id %u)",
                  vm->name, vm->id);
        return NULL;
    }
    char kpath[BI_PATH_MAX];
    struct boot_file img;
    if (!vm_config_resolve_path(vmx_path, cfg.kernel, kpath, sizeof kpath) ||
        !bootfiles_find(kpath, &img)) {
        LOG_EVENT(LOG_ERROR,
                  "vm %s: not started: guest.kernel \"%s\" is not on the boot partition",
                  cfg.display_name, cfg.kernel);
        return NULL;
    }
    unsigned slot = (unsigned)(vm - vms);
    if (vm->used && str_casecmp(vm->name, cfg.display_name) != 0)
        log_write(NULL, LOG_INFO, "vm %s: takes slot %u from ended VM %s", cfg.display_name,
                  slot + 1, vm->name);
    if (vm->used)
        vm_reap(vm); /* already done when it ended; cheap to make sure */
    memset(vm, 0, sizeof *vm);
    vm->used = true;
    vm->id = slot + 1;
    vm->cfg = cfg;
    vm_console_init(&vm->console, cfg.to_host_console);
    str_copy(vm->name, cfg.display_name, sizeof vm->name);
    str_copy(vm->vmx_path, vmx_path, sizeof vm->vmx_path);
    vm->state = VM_STATE_RUNNING;
    vm->start_ns = plat_time_ns();
    char why[160];
    if (!build(vm, &img, why, sizeof why)) {
        vm->state = VM_STATE_FAILED;
        str_copy(vm->reason, why, sizeof vm->reason);
        end_vcpus(vm);
        vm_reap(vm);
        LOG_EVENT(LOG_ERROR, "vm %s: not started: %s", vm->name, why);
        return NULL;
    }
    LOG_EVENT(LOG_INFO, "vm %s: started as id %u: %llu MiB, %s guest %s", vm->name, vm->id,
             (unsigned long long)cfg.memsize_mb,
             cfg.guest_type == VM_GUEST_MULTIBOOT ? "multiboot"
             : cfg.guest_type == VM_GUEST_LINUX ? "linux" : "flat", kpath);
    return vm;
}

struct vm *vm_start_by_name(const char *name, char *err, size_t errlen)
{
    const char *why;
    if (!vm_name_valid(name, strlen(name), &why)) {
        char shown[TEXT_QUOTE_MAX + 4];
        text_escape_cut(shown, sizeof shown, name, strlen(name));
        ksnprintf(err, errlen, "'%s' refused: %s", shown, why);
        return NULL; /* never cut: a cut name can be another VM's */
    }
    char path[BI_PATH_MAX];
    ksnprintf(path, sizeof path, "hv/vms/%s.vmx", name);
    struct boot_file f;
    if (!bootfiles_find(path, &f)) {
        ksnprintf(err, errlen, "no VM file %s on the boot partition", path);
        return NULL;
    }
    struct vm *vm = vm_create_from_file(path);
    if (!vm)
        ksnprintf(err, errlen, "%s did not start; 'log' says why", name);
    return vm;
}
