/* INS/OUTS exits: the instruction carried out for the guest (the string
 * rules are vmm/string_io.h's; guest memory is vmm/guest_linear.h's).
 *
 * One exit moves at most STRING_IO_CHUNK bytes: a longer REP leaves RIP on
 * the instruction with rCX, rSI/rDI where they got to, and the guest runs it
 * again, as hardware does when an interrupt arrives between iterations, so
 * the vCPU's timers and the scheduler are never held up. Within a chunk
 * every new page is a poll point (vmmem_check_for_release_requests_now): a
 * transfer is the longest monitor path a guest can ask for. */
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/guest_state.h"
#include "vmm/guest_linear.h"
#include "vmm/io_ports.h"
#include "vmm/string_io.h"
#include "vmm/vmmem_poll.h"
#include "vmm/backdoor.h"
#include "vmm/guestrpc.h"
#include "kernel/vm.h"
#include "include/hv/x86/regs.h"

#define STRING_IO_CHUNK (64u * 1024)
#define RFLAGS_DF (1ULL << 10)

struct sio_ctx {
    struct vcpu *v;
    struct guest_linear g;
    bool stopped;
    /* VMware's high-bandwidth port: the channel's buffer the bytes move
     * to or from instead of a device (NULL: the port bus). */
    uint8_t *hb;
    uint32_t hb_pos, hb_len;
};

static enum sio_mem mem_result(enum gl_result r)
{
    switch (r) {
    case GL_OK: return SIO_MEM_OK;
    case GL_UNMAPPED: return SIO_MEM_UNMAPPED;
    case GL_WAIT: return SIO_MEM_WAIT;
    default: return SIO_MEM_NOT_RAM;
    }
}

static enum sio_mem mem_read(void *ctx, uint64_t gla, void *buf, unsigned n)
{
    struct sio_ctx *c = ctx;
    uint64_t bad;
    return mem_result(guest_linear_read(&c->g, gla, buf, n, &bad));
}

static enum sio_mem mem_write(void *ctx, uint64_t gla, const void *buf, unsigned n)
{
    struct sio_ctx *c = ctx;
    uint64_t bad;
    return mem_result(guest_linear_write(&c->g, gla, buf, n, &bad));
}

static bool port_in(void *ctx, uint16_t port, unsigned size, uint32_t *val)
{
    struct sio_ctx *c = ctx;
    if (c->hb) {                        /* bytes only, at most the message's length */
        if (c->hb_pos >= c->hb_len)
            return false;
        *val = c->hb[c->hb_pos++];
        return true;
    }
    return io_dispatch(c->v->vm, port, size, true, val) != IO_STOP;
}

static bool port_out(void *ctx, uint16_t port, unsigned size, uint32_t val)
{
    struct sio_ctx *c = ctx;
    if (c->hb) {
        if (c->hb_pos >= c->hb_len)
            return false;
        c->hb[c->hb_pos++] = (uint8_t)val;
        return true;
    }
    return io_dispatch(c->v->vm, port, size, false, &val) != IO_STOP;
}

static void page_poll(void *ctx)
{
    struct sio_ctx *c = ctx;
    vmmem_check_for_release_requests_now(c->v);
}

/* The context for a decoded instruction's data accesses, and the rest of
 * `s` from the vCPU's registers. */
static void string_setup(struct vcpu *v, struct string_io *s, struct sio_ctx *c)
{
    *c = (struct sio_ctx){ .v = v };
    guest_linear_init(&c->g, v);
    /* The instruction was fetched as the CPU fetched it; its data accesses
     * the CPU never began, so their rights are checked here. */
    uint64_t rflags = gs_read(v, VMCS_GUEST_RFLAGS);
    guest_linear_check_rights(&c->g, vcpu_cpl(v) == 3, (rflags & RFLAGS_AC) != 0);
    c->g.devices = true;     /* memory-like bytes outside RAM too, as on a PC */
    /* In 64-bit mode only FS and GS have a base. */
    bool based = !s->long64 || s->insn.seg == SIO_SEG_FS || s->insn.seg == SIO_SEG_GS;
    s->seg_base = based ? gs_read(v, VMCS_SEG_BASE(s->insn.seg)) : 0;
    s->df = (rflags & RFLAGS_DF) != 0;
    s->rcx = vcpu_gpr_read(v, REG_RCX);
    s->rsi = vcpu_gpr_read(v, REG_RSI);
    s->rdi = vcpu_gpr_read(v, REG_RDI);
}

static uint64_t addr_mask(unsigned bits)
{
    return bits == 64 ? ~0ULL : (1ULL << bits) - 1;
}

bool vcpu_backdoor_hb(struct vcpu *v, struct string_io *s, enum exit_action *action,
                      bool *complete)
{
    uint64_t *g = v->regs.gpr;
    if (s->port != BDOORHB_PORT || s->size != 1 || !s->insn.rep ||
        (uint32_t)g[REG_RAX] != BDOOR_MAGIC || !vcpu_backdoor_open(v))
        return false;
    struct sio_ctx c;
    string_setup(v, s, &c);
    bool out = !s->in;
    struct backdoor_regs r = { g[REG_RAX], g[REG_RBX], s->rcx & addr_mask(s->insn.addr_bits),
                               g[REG_RDX], s->rsi, s->rdi, g[REG_RBP] };
    uint8_t *buf = s->df ? NULL : vcpu_guestrpc_hb_begin(v, &r, out);
    *action = EXIT_CONTINUE;
    *complete = true;
    uint32_t status = 0;
    if (buf) {
        /* All or nothing: a fault part way leaves the registers as they were
         * (the bytes moved went only to the channel's buffer), and the guest
         * runs the whole instruction again once its page is in. */
        struct string_io t = *s;
        c.hb = buf;
        c.hb_len = (uint32_t)r.cx;      /* what guestrpc_hb_begin checked */
        struct string_io_bus bus = { mem_read, mem_write, port_in, port_out, page_poll, &c };
        uint64_t fault_gla = 0;
        switch (string_io_run(&t, &bus, r.cx, &fault_gla)) {
        case SIO_DONE:
            vcpu_gpr_write(v, REG_RCX, t.rcx);
            vcpu_gpr_write(v, REG_RSI, t.rsi);
            vcpu_gpr_write(v, REG_RDI, t.rdi);
            status = vcpu_guestrpc_hb_done(v, &r, out);
            v->vm->guestrpc_hb += status != 0;
            break;
        case SIO_WAIT:
            *action = c.g.action;
            *complete = false;
            return true;
        case SIO_FAULT:
            guest_linear_page_fault(&c.g, fault_gla, s->in);
            *complete = false;
            return true;
        default:
            break;                      /* not RAM (or past the message): the call fails */
        }
    }
    g[REG_RBX] = (uint32_t)(status << 16 | (uint16_t)g[REG_RBX]);
    v->vm->backdoor_calls++;
    return true;
}

enum exit_action exit_io_string(struct vcpu *v, const struct exit_info *e)
{
    unsigned size = (unsigned)(e->qual & 7) + 1;
    uint64_t cs_ar = gs_read(v, VMCS_SEG_AR(SEG_CS));
    bool long64 = (gs_read(v, VMCS_GUEST_EFER) & EFER_LMA) && ((cs_ar >> 13) & 1);
    struct sio_ctx c = { .v = v };
    guest_linear_init(&c.g, v);

    uint8_t bytes[15];
    uint64_t bad;
    uint64_t cs_base = long64 ? 0 : gs_read(v, VMCS_SEG_BASE(SEG_CS));
    uint64_t rip_gla = cs_base + e->rip;
    size_t len = e->insn_len > sizeof bytes ? sizeof bytes : e->insn_len;
    struct string_io s = { .in = (e->qual & 8) != 0, .size = size,
                           .port = (uint16_t)(e->qual >> 16), .long64 = long64 };
    enum gl_result fr = guest_linear_read(&c.g, long64 ? rip_gla : rip_gla & 0xffffffffULL,
                                          bytes, len, &bad);
    if (fr == GL_WAIT)
        return c.g.action;
    if (fr != GL_OK || !string_io_decode(bytes, len, long64, (cs_ar >> 14) & 1, &s.insn)) {
        vcpu_fail(v, "string I/O exit on port 0x%x, but the instruction at RIP 0x%llx could "
                     "not be read or is not INS/OUTS (vCPU %u)",
                  s.port, (unsigned long long)e->rip, v->id);
        return EXIT_STOP;
    }
    enum exit_action hb_action;
    bool hb_complete;
    if (vcpu_backdoor_hb(v, &s, &hb_action, &hb_complete)) {
        if (hb_complete)
            vcpu_skip_instruction(v, e);
        return hb_action;
    }
    string_setup(v, &s, &c);

    struct string_io_bus bus = { mem_read, mem_write, port_in, port_out, page_poll, &c };
    uint64_t fault_gla = 0;
    /* An I/O breakpoint on the port traps after each iteration (SDM
     * 18.3.1.2): one at a time, and a REP goes on after the handler. */
    unsigned hits = vcpu_io_breakpoints(v, s.port, size);
    enum sio_result r = string_io_run(&s, &bus, hits ? 1 : STRING_IO_CHUNK / size, &fault_gla);
    /* Whatever happened, the iterations done are done (as on hardware). */
    vcpu_gpr_write(v, REG_RCX, s.rcx);
    vcpu_gpr_write(v, REG_RSI, s.rsi);
    vcpu_gpr_write(v, REG_RDI, s.rdi);
    switch (r) {
    case SIO_DONE:
        vcpu_skip_instruction(v, e);
        if (hits)
            vcpu_debug_trap(v, hits);
        return EXIT_CONTINUE;
    case SIO_MORE:
        if (hits)
            vcpu_debug_trap(v, hits);
        return EXIT_CONTINUE;
    case SIO_WAIT:
        return c.g.action;       /* the vCPU sleeps for memory, or the VM failed */
    case SIO_FAULT:
        guest_linear_page_fault(&c.g, fault_gla, s.in);
        return EXIT_CONTINUE;
    case SIO_NOT_RAM:
        vcpu_fail(v, "%s on port 0x%x %s guest-linear 0x%llx, which is not guest RAM "
                     "(vCPU %u, RIP 0x%llx)",
                  s.in ? "INS" : "OUTS", s.port, s.in ? "into" : "from",
                  (unsigned long long)fault_gla, v->id, (unsigned long long)e->rip);
        return EXIT_STOP;
    case SIO_STOPPED:
    default:
        return EXIT_STOP;
    }
}
