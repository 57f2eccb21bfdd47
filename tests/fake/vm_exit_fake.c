/* VM services for hosted tests of the exit handlers (vm_exit_fake.h). */
#include "tests/fake/vm_exit_fake.h"
#include "kernel/vm.h"
#include "mm/guest_mem.h"

struct fake_vm_calls fake_vm_calls = { .exit_status = -1 };

void fake_vm_calls_reset(void)
{
    fake_vm_calls = (struct fake_vm_calls){ .exit_status = -1 };
}

void vm_exit_guest(struct vm *vm, int status)
{
    vm->state = VM_STATE_EXITED;
    fake_vm_calls.exit_status = status;
}

void vm_console_putc(struct vm *vm, char c)
{
    (void)vm, (void)c;
}

bool vm_gpa_is_ram(const struct vm *vm, uint64_t gpa)
{
    return gpa < vm->mem.ram.ram_bytes && !(gpa >= 0xa0000 && gpa < 0x100000);
}

void vm_guest_reset(struct vm *vm, const char *how)
{
    (void)how;
    vm->state = VM_STATE_EXITED;
}

/* The balloon's transitions are test_guest_mem's: exit_mmio only routes
 * the balloon's window here. */
enum gm_balloon guest_mem_balloon(struct guest_mem *gm, ppn_t ppn)
{
    (void)gm, (void)ppn;
    return GM_BALLOON_BAD;
}

enum gm_balloon guest_mem_unballoon(struct guest_mem *gm, ppn_t ppn)
{
    (void)gm, (void)ppn;
    return GM_BALLOON_BAD;
}

void vm_vcpu_kick(struct vm *vm, unsigned idx)
{
    (void)vm;
    fake_vm_calls.kicks++;
    fake_vm_calls.last_kicked = idx;
}

void vm_vcpu_wake(struct vm *vm, unsigned idx)
{
    (void)vm, (void)idx;
    fake_vm_calls.wakes++;
}

bool vm_map_floating_bus(struct vm *vm, uint64_t gpa)
{
    (void)vm;
    if (gpa < 0xa0000 || gpa >= 0xe0000)
        return false;
    fake_vm_calls.floating_maps++;
    return true;
}

bool vm_map_bios_rom(struct vm *vm, uint64_t gpa)
{
    (void)vm;
    if (gpa < 0xe0000 || gpa >= 0x100000)
        return false;
    fake_vm_calls.rom_maps++;
    return true;
}
