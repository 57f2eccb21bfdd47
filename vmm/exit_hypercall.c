/* VMCALL: KVM's hypercall ABI (Linux, Documentation/virt/kvm/x86/
 * hypercalls.rst), so that guests and test suites written for it find what
 * they expect: the number in RAX, the arguments in RBX, RCX, RDX and RSI,
 * the result in RAX, each 32 bits wide outside 64-bit mode. Implemented:
 * KVM_HC_SEND_IPI. Any other number returns -KVM_ENOSYS and a call from
 * CPL > 0 -KVM_EPERM, as KVM answers them. The CPU exits on every VMCALL
 * in VMX non-root operation; before, the monitor answered #UD, as a CPU
 * outside VMX operation does, and kvm-unit-tests' hypercall and apic tests
 * failed on it (the second aborted, losing every test after it). */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/guest_state.h"
#include "vmm/vplatform.h"
#include "include/hv/x86/regs.h"

#define KVM_HC_SEND_IPI 10
#define KVM_ENOSYS 1000
#define KVM_EPERM 1

enum exit_action exit_vmcall(struct vcpu *v, const struct exit_info *e)
{
    bool wide = vcpu_in_64bit_mode(v);
    uint64_t mask = wide ? ~0ULL : 0xffffffffULL;
    uint64_t nr = vcpu_gpr_read(v, REG_RAX) & mask;
    int64_t ret;
    if (vcpu_cpl(v) != 0)
        ret = -KVM_EPERM;
    else if (nr == KVM_HC_SEND_IPI && v->plat)
        ret = vplatform_pv_ipi(v->plat, vcpu_gpr_read(v, REG_RBX) & mask,
                               vcpu_gpr_read(v, REG_RCX) & mask, vcpu_gpr_read(v, REG_RDX) & mask,
                               (uint32_t)vcpu_gpr_read(v, REG_RSI), wide ? 64 : 32);
    else
        ret = -KVM_ENOSYS;
    vcpu_gpr_write(v, REG_RAX, (uint64_t)ret & mask);
    vcpu_skip_instruction(v, e);
    return EXIT_CONTINUE;
}
