/* IN/OUT exits (qualification: Intel SDM vol. 3, table 28-5). */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/io_ports.h"
#include "kernel/vm.h"

enum exit_action exit_io(struct vcpu *v, const struct exit_info *e)
{
    unsigned size = (unsigned)(e->qual & 7) + 1;
    bool in = e->qual & 8, string = e->qual & 16;
    uint16_t port = (uint16_t)(e->qual >> 16);
    if (size != 1 && size != 2 && size != 4) {
        vm_fail(v->vm, "I/O exit with access size %u (vCPU %u, RIP 0x%llx)", size, v->id,
                (unsigned long long)e->rip);
        return EXIT_STOP;
    }
    if (string)
        return exit_io_string(v, e);
    uint64_t *rax = &v->regs.gpr[REG_RAX];
    uint32_t mask = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    uint32_t val = in ? 0 : (uint32_t)*rax & mask;
    if (io_dispatch(v->vm, port, size, in, &val) == IO_STOP)
        return EXIT_STOP;
    if (in) {
        if (size == 4)
            *rax = val; /* a 32-bit result clears the upper half */
        else
            *rax = (*rax & ~(uint64_t)mask) | (val & mask);
    }
    vcpu_skip_instruction(v, e);
    return EXIT_CONTINUE;
}
