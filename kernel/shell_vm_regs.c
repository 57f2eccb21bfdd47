/* `vm regs`: where a running VM's vCPUs stand, register by register, as
 * their last exits left them (the monitor words it: vmm/vcpu_dump.h). The
 * operator's view of a guest that seems stuck, as a CPU dump is on
 * hardware; the shell runs between slices, so no vCPU is running then. */
#include "kernel/shell_cmds.h"
#include "kernel/vm.h"
#include "kernel/monitor_ops.h"
#include "include/hv/console.h"
#include "lib/kstring.h"

static void print_line(const char *line, void *ctx)
{
    (void)ctx;
    console_printf("  %s\n", line);
}

static void print_vcpu(struct vm *vm, unsigned i)
{
    console_printf("vcpu %u of VM %u (%s): %s, as its last exit left it\n", i, vm->id, vm->name,
                   vm_vcpu_state_name(vm->vcpu_state[i]));
    if (!vm_monitor()->dump_vcpu(vm, i, print_line, NULL))
        console_printf("  (no such vCPU)\n");
}

int shell_vm_regs(int argc, char **argv, void *ctx)
{
    (void)ctx;
    struct vm *vm = shell_find_vm("vm regs", argv[1]);
    if (!vm)
        return 1;
    /* An ended VM's vCPUs are freed; a stop a vCPU caused printed that
     * vCPU's state under its reason (vcpu_fail). */
    if (!vm_is_live(vm)) {
        console_printf("vm regs: %s is %s; an ended VM's vCPUs are gone%s\n", vm->name,
                       vm_state_name(vm->state),
                       vm->state == VM_STATE_FAILED
                           ? " (a stop caused by a vCPU printed its state under the reason)"
                           : "");
        return 1;
    }
    if (!vm_monitor() || !vm_monitor()->dump_vcpu) {
        console_printf("vm regs: the monitor cannot show vCPU state\n");
        return 1;
    }
    if (argc == 3) {
        uint64_t i;
        if (!str_to_u64(argv[2], &i) || i >= vm->nvcpus) {
            console_printf("vm regs: '%s' is not a vCPU of %s (0 to %u)\n", argv[2], vm->name,
                           vm->nvcpus ? vm->nvcpus - 1 : 0);
            return 1;
        }
        print_vcpu(vm, (unsigned)i);
        return 0;
    }
    for (unsigned i = 0; i < vm->nvcpus; i++)
        print_vcpu(vm, i);
    return 0;
}
