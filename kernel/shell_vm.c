/* Shell commands for VMs: vm list/start/stop/kill/console (vm balloon is
 * kernel/shell_balloon.c, vm guestinfo kernel/shell_guestinfo.c), stats exits. */
#include "kernel/shell_cmds.h"
#include "kernel/vm.h"
#include "arch/x86_64/tsc.h"
#include "kernel/vm_internal.h"
#include "kernel/console_text.h"
#include "kernel/shell_attach.h"
#include "kernel/monitor_ops.h"
#include "include/hv/console.h"
#include "include/hv/platform.h"
#include "lib/kstring.h"

struct vm *shell_find_vm(const char *cmd, const char *arg)
{
    uint64_t id;
    struct vm *vm = str_to_u64(arg, &id) ? vm_by_id((unsigned)id) : vm_by_name(arg);
    if (!vm)
        console_printf("%s: no VM '%s' (see 'vm list')\n", cmd, arg);
    return vm;
}

static int vm_list(int argc, char **argv, void *ctx)
{
    (void)argc, (void)argv, (void)ctx;
    console_printf("%-3s %-16s %-8s %5s %8s %8s %10s  %s\n", "ID", "NAME", "STATE", "VCPUS",
                   "MEMSIZE", "PAGES", "EXITS", "NOTE");
    unsigned n = 0;
    for (unsigned s = 0; s < VM_MAX; s++) {
        struct vm *vm = vm_at(s);
        if (!vm)
            continue;
        uint64_t exits = 0;
        for (unsigned r = 0; r < VM_EXIT_REASONS; r++)
            exits += vm->stats.count[r];
        uint64_t pages = vm->reaped ? 0 : vm_pages_held(vm);
        console_printf("%-3u %-16s %-8s %5u %6lluMB %8llu %10llu  %s\n", vm->id, vm->name,
                       vm_state_name(vm->state), vm->nvcpus,
                       (unsigned long long)vm->cfg.memsize_mb, (unsigned long long)pages,
                       (unsigned long long)exits, vm_is_live(vm) ? "" : vm->reason);
        n++;
    }
    if (!n)
        console_printf("(no VMs; 'vm start NAME' starts hv/vms/NAME.vmx)\n");
    if (vm_monitor_unavailable())
        console_printf("guests cannot run here: %s\n", vm_monitor_unavailable());
    return 0;
}

static int vm_start(int argc, char **argv, void *ctx)
{
    (void)argc, (void)ctx;
    char err[160];
    struct vm *vm = vm_start_by_name(argv[1], err, sizeof err);
    if (!vm) {
        console_printf("vm start: %s\n", err);
        return 1;
    }
    console_printf("vm start: %s is id %u\n", vm->name, vm->id);
    return 0;
}

static int end_vm(const char *cmd, const char *arg, const char *why)
{
    struct vm *vm = shell_find_vm(cmd, arg);
    if (!vm)
        return 1;
    if (!vm_is_live(vm)) {
        console_printf("%s: %s is not running (%s)\n", cmd, vm->name, vm_state_name(vm->state));
        return 1;
    }
    vm_stop(vm, why);
    console_printf("%s: %s %s\n", cmd, vm->name, vm_state_name(vm->state));
    return 0;
}

static int vm_stop_cmd(int argc, char **argv, void *ctx)
{
    (void)argc, (void)ctx;
    return end_vm("vm stop", argv[1], "stopped from the shell");
}

static int vm_kill_cmd(int argc, char **argv, void *ctx)
{
    (void)argc, (void)ctx;
    return end_vm("vm kill", argv[1], "killed from the shell");
}

/* A button of the VM's (`fn`, one of the monitor's ops): the VM named by
 * `arg`, running, and the press taken; NULL after saying why not. */
static struct vm *press(const char *cmd, const char *arg,
                        bool (*fn)(struct vm *vm, char *why, size_t whylen))
{
    struct vm *vm = shell_find_vm(cmd, arg);
    if (!vm)
        return NULL;
    char why[96];
    if (!vm_is_live(vm)) {
        console_printf("%s: %s is %s\n", cmd, vm->name, vm_state_name(vm->state));
        return NULL;
    }
    if (!fn || !fn(vm, why, sizeof why)) {
        console_printf("%s: %s: %s\n", cmd, vm->name, fn ? why : "not supported");
        return NULL;
    }
    return vm;
}

/* The NMI button: what an operator presses to get a hung guest's attention
 * (Linux reports it, or panics with unknown_nmi_panic and leaves a dump). */
static int vm_nmi_cmd(int argc, char **argv, void *ctx)
{
    (void)argc, (void)ctx;
    struct vm *vm = press("vm nmi", argv[1], vm_monitor()->nmi);
    if (!vm)
        return 1;
    console_printf("vm nmi: NMI line raised for %s (LINT1 of its %u vCPUs)\n", vm->name,
                   vm->nvcpus);
    return 0;
}

/* The ACPI power button: an OS that handles it shuts down (Linux with a
 * daemon listening, Windows); a VM suspended to RAM wakes. */
static int vm_power_button_cmd(int argc, char **argv, void *ctx)
{
    (void)argc, (void)ctx;
    struct vm *vm = press("vm power-button", argv[1], vm_monitor()->power_button);
    if (!vm)
        return 1;
    console_printf("vm power-button: pressed for %s (PWRBTN_STS)\n", vm->name);
    return 0;
}

static int vm_console(int argc, char **argv, void *ctx)
{
    (void)argc, (void)ctx;
    struct vm *vm = shell_find_vm("vm console", argv[1]);
    if (!vm)
        return 1;
    uint64_t total = vm->console.ring_total;
    uint64_t start = total > VM_CONSOLE_RING ? total - VM_CONSOLE_RING : 0;
    if (start)
        console_printf("(%llu earlier bytes are gone)\n", (unsigned long long)start);
    /* The guest's bytes are hostile: escaped, never raw to the terminal,
     * here and while attached. */
    static char scratch[VM_CONSOLE_RING];
    console_text_write(vm->console.ring, VM_CONSOLE_RING, start, total, scratch, console_write_to,
                       NULL);
    if (total && vm->console.ring[(total - 1) % VM_CONSOLE_RING] != '\n')
        console_write("\n", 1);
    console_printf("-- %s: %llu bytes of console output\n", vm->name, (unsigned long long)total);
    /* A running VM: join its serial port until the operator detaches. */
    if (vm_is_live(vm))
        shell_attach(vm, total);
    return 0;
}

static void print_stats(const struct vm *vm)
{
    uint64_t hz = tsc_hz_get();
    console_printf("cpu of VM %u (%s): %llu ms (TSC %llu), guest and monitor, in %llu slices\n",
                   vm->id, vm->name, (unsigned long long)(hz ? vm->stats.cpu_tsc / (hz / 1000) : 0),
                   (unsigned long long)vm->stats.cpu_tsc, (unsigned long long)vm->stats.slices);
    /* What each vCPU waits for and where it last exited: a VM that
     * seems stuck shows it here. */
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        char apic[240] = "";
        if (vm_monitor()->describe_vcpu)
            vm_monitor()->describe_vcpu(vm, i, apic, sizeof apic);
        console_printf("vcpu %u of VM %u (%s): %s%s%s%s\n", i, vm->id, vm->name,
                       vm_vcpu_state_name(vm->vcpu_state[i]),
                       vm->vcpu_event[i] ? ", an interrupt came off the CPU" : "",
                       apic[0] ? "; " : "", apic);
    }
    if (vm->nvcpus > 1)
        console_printf("handoffs of VM %u (%s): %llu to a vCPU with an interrupt, %llu from a "
                       "PAUSE loop\n",
                       vm->id, vm->name, (unsigned long long)vm->stats.handoffs_event,
                       (unsigned long long)vm->stats.handoffs_spin);
    for (unsigned i = 0; i < vm->nvcpus && i < VM_MAX_VCPUS; i++) {
        const struct vm_timer_stats *t = &vm->stats.timer[i];
        /* When it fell due, in the VM's time, to find it in the guest's log. */
        uint64_t due_ms = t->worst_due_ns > vm->start_ns
                              ? (t->worst_due_ns - vm->start_ns) / 1000000 : 0;
        if (t->taken)
            console_printf("timer of vcpu %u of VM %u (%s): %llu local APIC timer interrupts, "
                           "%llu of them over 1 ms late, the latest %llu us (due %llu ms after "
                           "its start)\n",
                           i, vm->id, vm->name, (unsigned long long)t->taken,
                           (unsigned long long)t->late, (unsigned long long)(t->worst_ns / 1000),
                           (unsigned long long)due_ms);
    }
    /* The guest's time: what its clocks (TSC, PIT, APIC timer) advanced by
     * since `vm start`, whether or not it held the CPU; exits per second of
     * it are rates as the guest sees them. */
    uint64_t since = vm->start_ns ? plat_time_ns() - vm->start_ns : 0;
    console_printf("time of VM %u (%s): %llu ms since its start (TSC %llu)\n", vm->id, vm->name,
                   (unsigned long long)(since / 1000000),
                   (unsigned long long)(since / 1000000000ULL * hz +
                                        since % 1000000000ULL * hz / 1000000000ULL));
    console_printf("exits of VM %u (%s): reason, count, total TSC, mean TSC per exit\n", vm->id,
                   vm->name);
    for (unsigned r = 0; r < VM_EXIT_REASONS; r++) {
        uint64_t c = vm->stats.count[r];
        if (!c)
            continue;
        console_printf("  %-20s %10llu %14llu %8llu\n", vm_monitor()->exit_reason_name(r),
                       (unsigned long long)c, (unsigned long long)vm->stats.cycles[r],
                       (unsigned long long)(vm->stats.cycles[r] / c));
    }
    console_printf("  unknown MSR accesses %llu, unknown I/O port accesses %llu, unknown memory "
                   "accesses %llu\n",
                   (unsigned long long)vm->unknown_msr_accesses,
                   (unsigned long long)vm->unknown_port_accesses,
                   (unsigned long long)vm->unknown_memory_accesses);
    console_printf("  backdoor calls %llu, guest #GPs intercepted and given back %llu\n",
                   (unsigned long long)vm->backdoor_calls, (unsigned long long)vm->gp_reflected);
    if (vm->guestrpc_requests)
        console_printf("  GuestRPC requests %llu, messages by the high-bandwidth port %llu\n",
                       (unsigned long long)vm->guestrpc_requests,
                       (unsigned long long)vm->guestrpc_hb);
}

static int stats_exits(int argc, char **argv, void *ctx)
{
    (void)ctx;
    if (argc == 2) {
        struct vm *vm = shell_find_vm("stats exits", argv[1]);
        if (!vm)
            return 1;
        print_stats(vm);
        return 0;
    }
    unsigned n = 0;
    for (unsigned s = 0; s < VM_MAX; s++)
        if (vm_at(s)) {
            print_stats(vm_at(s));
            n++;
        }
    if (!n)
        console_printf("stats exits: no VMs\n");
    return 0;
}

const struct shell_cmd shell_vm_sub[] = {
    { "list", "vm list", "VMs with state, memory and exits", 0, 0, vm_list, NULL },
    { "start", "vm start NAME", "start hv/vms/NAME.vmx", 1, 1, vm_start, NULL },
    { "stop", "vm stop ID|NAME", "stop a VM", 1, 1, vm_stop_cmd, NULL },
    { "kill", "vm kill ID|NAME", "end a VM at once", 1, 1, vm_kill_cmd, NULL },
    { "nmi", "vm nmi ID|NAME", "raise the VM's NMI line (LINT1 of every vCPU)", 1, 1,
      vm_nmi_cmd, NULL },
    { "power-button", "vm power-button ID|NAME",
      "press the VM's ACPI power button (wakes it from S3)", 1, 1, vm_power_button_cmd, NULL },
    { "console", "vm console ID|NAME",
      "what the VM printed on its UART; a running VM's serial port is then attached "
      "(typing goes to the guest, " SHELL_DETACH_NAME " detaches)", 1, 1, vm_console, NULL },
    { "peek", "vm peek ID|NAME GPA [BYTES]",
      "a running VM's RAM at a guest-physical address, in hex (default 64 bytes, at most "
      "4096); pages not in memory are not brought back", 2, 3, shell_vm_peek, NULL },
    { "regs", "vm regs ID|NAME [VCPU]",
      "the VM's vCPUs as their last exits left them: mode, registers, segments, "
      "the code at RIP", 1, 2, shell_vm_regs, NULL },
    { "guestinfo", "vm guestinfo ID|NAME [KEY [VALUE]]",
      "the VM's guestinfo variables (its tools read them over GuestRPC): all, one, or set "
      "one (KEY with or without 'guestinfo.')", 1, 3, shell_vm_guestinfo, NULL },
    { "balloon", "vm balloon ID|NAME [MIB|auto]",
      "the VM's balloon; with a size, inflate or deflate it to that many MiB "
      "(at most sched.mem.maxmemctl); auto gives it back to memsched", 1, 2, shell_vm_balloon,
      NULL },
    { NULL, NULL, NULL, 0, 0, NULL, NULL },
};

const struct shell_cmd shell_stats_sub[] = {
    { "exits", "stats exits [ID|NAME]", "VM exits by reason: count and TSC cost", 0, 1,
      stats_exits, NULL },
    { NULL, NULL, NULL, 0, 0, NULL, NULL },
};
