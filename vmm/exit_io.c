/* IN/OUT exits (qualification: Intel SDM vol. 3, table 28-5). */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/io_ports.h"
#include "kernel/vm.h"
#include "arch/x86_64/vmcs.h"

enum exit_action exit_io(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUAL);
    unsigned size = (unsigned)(q & 7) + 1;
    bool in = q & 8, string = q & 16;
    uint16_t port = (uint16_t)(q >> 16);
    if (string) {
        vm_fail(v->vm, "string I/O (INS/OUTS) on port 0x%x is not supported (vCPU %u, RIP 0x%llx)",
                port, v->id, (unsigned long long)vmread(VMCS_GUEST_RIP));
        return EXIT_STOP;
    }
    uint32_t mask = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    uint32_t val = in ? 0 : (uint32_t)v->regs.rax & mask;
    if (io_dispatch(v->vm, port, size, in, &val) == IO_STOP)
        return EXIT_STOP;
    if (in) {
        if (size == 4)
            v->regs.rax = val; /* a 32-bit result clears the upper half */
        else
            v->regs.rax = (v->regs.rax & ~(uint64_t)mask) | (val & mask);
    }
    vcpu_skip_instruction();
    return EXIT_CONTINUE;
}
