/* IN/OUT exits (qualification: Intel SDM vol. 3, table 28-5). */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/io_ports.h"
#include "vmm/io_breakpoint.h"
#include "vmm/backdoor.h"
#include "vmm/guest_state.h"
#include "kernel/vm.h"
#include "include/hv/x86/regs.h"

unsigned vcpu_io_breakpoints(struct vcpu *v, uint16_t port, unsigned size)
{
    uint64_t dr7 = gs_read(v, VMCS_GUEST_DR7);
    if (!(dr7 & 0xff) || !(gs_read(v, VMCS_GUEST_CR4) & CR4_DE))
        return 0;
    uint64_t dr[4];
    for (unsigned i = 0; i < 4; i++)
        dr[i] = host_guest_dr_read(i);
    return io_breakpoint_hits(dr7, dr, port, size);
}

enum exit_action exit_io(struct vcpu *v, const struct exit_info *e)
{
    unsigned size = (unsigned)(e->qual & 7) + 1;
    bool in = e->qual & 8, string = e->qual & 16;
    uint16_t port = (uint16_t)(e->qual >> 16);
    if (size != 1 && size != 2 && size != 4) {
        vcpu_fail(v, "I/O exit with access size %u (vCPU %u, RIP 0x%llx)", size, v->id,
                  (unsigned long long)e->rip);
        return EXIT_STOP;
    }
    if (string)
        return exit_io_string(v, e);
    uint64_t *rax = &v->regs.gpr[REG_RAX];
    /* VMware's backdoor: IN EAX, DX with the magic in EAX (vmm/backdoor.h)
     * answers in the registers; without it, port 0x5658 is an ordinary
     * unclaimed port. */
    bool backdoor = in && size == 4 && port == BDOOR_PORT && vcpu_backdoor_open(v) &&
                    vcpu_backdoor_call(v);
    if (!backdoor) {
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
    }
    vcpu_skip_instruction(v, e);
    unsigned hits = vcpu_io_breakpoints(v, port, size);
    if (hits)
        vcpu_debug_trap(v, hits);
    return EXIT_CONTINUE;
}
