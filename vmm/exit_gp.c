/* VMware's backdoor as ESX offers it (vmm/backdoor.h): `IN EAX, DX` at port
 * 0x5658 with the magic in EAX answers from any privilege level, even where
 * IOPL and the TSS's I/O bitmap forbid the port (VMware Tools run as user
 * processes), unless monitor_control.restrict_backdoor is set; and RDPMC of
 * the pseudo counters, with monitor_control.pseudo_perfctr, from any level
 * whatever CR4.PCE says. The CPU checks those privileges before the
 * instruction would exit (SDM vol. 3, 26.1.1), so the denied forms come
 * here as a #GP, which the exception bitmap intercepts while either is on:
 * the instruction at RIP is decoded, and anything that is not one of those
 * two (or the backdoor's high-bandwidth REP INSB/OUTSB, vmm/guestrpc.h)
 * goes back to the guest as the #GP it was. */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/guest_state.h"
#include "vmm/guest_linear.h"
#include "vmm/backdoor.h"
#include "vmm/guestrpc.h"
#include "vmm/string_io.h"
#include "vmm/vplatform.h"
#include "kernel/vm.h"
#include "kernel/wall_clock.h"
#include "include/hv/platform.h"
#include "include/hv/x86/regs.h"

#define MAX_INSN 15

bool vcpu_backdoor_open(struct vcpu *v)
{
    return !v->vm->cfg.restrict_backdoor || vcpu_cpl(v) == 0;
}

bool vcpu_backdoor_call(struct vcpu *v)
{
    uint64_t *g = v->regs.gpr;
    struct backdoor_regs r = { g[REG_RAX], g[REG_RBX], g[REG_RCX], g[REG_RDX], g[REG_RSI],
                               g[REG_RDI], g[REG_RBP] };
    /* The guest's TSC rate as its board has it (the host's). */
    struct backdoor_host h = { v->plat ? v->plat->lapic[0].tsc_khz * 1000 : 0,
                               VPLATFORM_APIC_BUS_HZ, v->vm->cfg.memsize_mb,
                               wall_clock_unix_us(plat_time_ns()) };
    if ((uint32_t)r.ax == BDOOR_MAGIC && (uint16_t)r.cx == BDOOR_CMD_MESSAGE) {
        r.ax = BDOOR_MAGIC;      /* IN EAX writes EAX, clearing RAX's upper half */
        vcpu_guestrpc_call(v, &r);
    }
    else if (!backdoor_call(&r, &h))
        return false;
    g[REG_RAX] = r.ax, g[REG_RBX] = r.bx, g[REG_RCX] = r.cx;
    g[REG_RDX] = r.dx, g[REG_RSI] = r.si, g[REG_RDI] = r.di;
    v->vm->backdoor_calls++;
    return true;
}

bool vcpu_pseudo_pmc(struct vcpu *v)
{
    uint64_t val;
    if (!v->vm->cfg.pseudo_perfctr ||
        !backdoor_pmc((uint32_t)v->regs.gpr[REG_RCX], host_tsc(), plat_time_ns(), &val))
        return false;
    v->regs.gpr[REG_RAX] = (uint32_t)val;
    v->regs.gpr[REG_RDX] = val >> 32;
    return true;
}

uint32_t vcpu_exception_bitmap(const struct vm *vm)
{
    return !vm->cfg.restrict_backdoor || vm->cfg.pseudo_perfctr ? 1u << VEC_GP : 0;
}

/* The instruction at CS:RIP, as far as it can be read (at most 15 bytes).
 * *wait: a page of it must come back first (*action says how). */
static size_t fetch(struct vcpu *v, uint64_t rip, uint8_t *buf, bool *wait,
                    enum exit_action *action)
{
    struct guest_linear g;
    guest_linear_init(&g, v);
    uint64_t gla = gs_read(v, VMCS_SEG_BASE(SEG_CS)) + rip, bad = gla;
    if (!vcpu_in_64bit_mode(v))
        gla = (uint32_t)gla;
    enum gl_result r = guest_linear_read(&g, gla, buf, MAX_INSN, &bad);
    if (r == GL_OK)
        return MAX_INSN;
    *wait = r == GL_WAIT;
    *action = g.action;
    size_t n = (size_t)(bad - gla);
    return n < MAX_INSN ? n : 0;
}

/* REP INSB or OUTSB (`n` bytes with its prefixes) denied by the I/O
 * permission checks: VMware's high-bandwidth backdoor call, if it is one
 * (true: *action, RIP past it when it completed). */
static bool high_bandwidth(struct vcpu *v, const struct exit_info *e, const uint8_t *b, size_t n,
                           bool long64, bool cs_d, enum exit_action *action)
{
    struct string_io s = { .in = b[n - 1] == 0x6c, .size = 1,
                           .port = (uint16_t)v->regs.gpr[REG_RDX], .long64 = long64 };
    bool complete;
    if (!string_io_decode(b, n, long64, cs_d, &s.insn) ||
        !vcpu_backdoor_hb(v, &s, action, &complete))
        return false;
    if (complete)
        vcpu_complete_instruction(v, e->interruptibility, e->rip + n);
    return true;
}

/* The backdoor's IN or a pseudo counter's RDPMC at RIP: done, true (with
 * *action EXIT_CONTINUE, or how to wait for a page of the instruction:
 * the #GP comes again once it is back). */
static bool emulate(struct vcpu *v, const struct exit_info *e, enum exit_action *action)
{
    uint8_t b[MAX_INSN];
    bool wait = false;
    *action = EXIT_CONTINUE;
    size_t n = fetch(v, e->rip, b, &wait, action), i = 0;
    if (wait)
        return true;             /* retried: RIP unchanged, nothing injected */
    *action = EXIT_CONTINUE;
    bool long64 = vcpu_in_64bit_mode(v), opsize = false;
    /* Prefixes: operand size, address size, segments, LOCK, REP; REX in
     * 64-bit mode (IN has no 64-bit form, so REX.W changes nothing). */
    for (; i < n; i++) {
        uint8_t p = b[i];
        if (p == 0x66)
            opsize = true;
        else if (!(p == 0x67 || p == 0x26 || p == 0x2e || p == 0x36 || p == 0x3e ||
                   p == 0x64 || p == 0x65 || p == 0xf0 || p == 0xf2 || p == 0xf3 ||
                   (long64 && (p & 0xf0) == 0x40)))
            break;
    }
    if (i >= n)
        return false;
    bool cs_d = (gs_read(v, VMCS_SEG_AR(SEG_CS)) >> 14) & 1;
    bool op32 = long64 ? !opsize : cs_d != opsize;
    bool done = false;
    if (b[i] == 0xed && op32 && (uint16_t)v->regs.gpr[REG_RDX] == BDOOR_PORT &&
        vcpu_backdoor_open(v))
        done = vcpu_backdoor_call(v);
    else if (b[i] == 0x0f && i + 1 < n && b[i + 1] == 0x33)
        done = vcpu_pseudo_pmc(v), i++;
    else if (b[i] == 0x6c || b[i] == 0x6e)
        return high_bandwidth(v, e, b, i + 1, long64, cs_d, action);
    if (done)
        vcpu_complete_instruction(v, e->interruptibility, e->rip + i + 1);
    return done;
}

enum exit_action exit_exception(struct vcpu *v, const struct exit_info *e)
{
    uint8_t vector = (uint8_t)e->intr_info;
    if (vector != VEC_GP || (e->intr_info & INTR_TYPE_MASK) != INTR_TYPE_HW_EXC) {
        vcpu_fail(v, "unexpected exception exit (info 0x%x)", e->intr_info);
        return EXIT_STOP;
    }
    bool delivering = e->idt_vec_info & INTR_INFO_VALID;
    /* A fault that interrupted an IRET re-blocks NMIs (SDM vol. 3, 28.2.3):
     * the IRET did not complete. */
    if ((e->intr_info & INTR_INFO_NMI_UNBLOCK) && !delivering)
        gs_write(v, VMCS_GUEST_INTERRUPTIBILITY, e->interruptibility | INTERRUPTIBILITY_NMI);
    enum exit_action action;
    if (!delivering && emulate(v, e, &action))
        return action;
    v->vm->gp_reflected++;
    return vcpu_raise_exception(v, e, VEC_GP, true, e->intr_error);
}

enum exit_action exit_rdpmc(struct vcpu *v, const struct exit_info *e)
{
    if (vcpu_pseudo_pmc(v)) {
        vcpu_skip_instruction(v, e);
        return EXIT_CONTINUE;
    }
    vcpu_inject_exception(v, VEC_GP, true, 0); /* no counters: CPUID leaf 0xA is zeros */
    return EXIT_CONTINUE;
}
