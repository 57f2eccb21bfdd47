/* MMIO emulation from CPU state to device: see mmio_emulate.h. */
#include "vmm/mmio_emulate.h"
#include "vmm/insn_decode.h"
#include "vmm/insn_emulate.h"
#include "lib/format.h"

struct dev_ctx {
    const struct mmio_bus *bus;
    uint64_t fault_gla;
    bool mem_failed;    /* MOVS's memory operand failed, not the device */
};

/* The decoder's address was checked against the fault before any access:
 * that operand is the device; MOVS's other one is memory (mem_read and
 * mem_write), and a failure there is told apart from the device's. */
static bool dev_read(void *ctx, uint64_t gla, unsigned size, uint64_t *val)
{
    struct dev_ctx *d = ctx;
    if (gla == d->fault_gla)
        return d->bus->read(d->bus->ctx, size, val);
    d->mem_failed = !d->bus->mem_read(d->bus->ctx, gla, size, val);
    return !d->mem_failed;
}

static bool dev_write(void *ctx, uint64_t gla, unsigned size, uint64_t val)
{
    struct dev_ctx *d = ctx;
    if (gla == d->fault_gla)
        return d->bus->write(d->bus->ctx, size, val);
    d->mem_failed = !d->bus->mem_write(d->bus->ctx, gla, size, val);
    return !d->mem_failed;
}

static uint64_t ip_mask(enum insn_mode m)
{
    return m == INSN_MODE_64 ? ~0ULL : m == INSN_MODE_32 ? 0xffffffffULL : 0xffffULL;
}

enum mmio_result mmio_emulate(struct mmio_cpu *c, uint64_t fault_gla, const struct mmio_bus *bus,
                              char *why, size_t whylen)
{
    enum insn_mode mode = insn_mode_of(c->lma, c->cs_l, c->cs_d);
    uint64_t fetch_at = c->seg_base[SEG_CS] + c->rip;
    if (mode != INSN_MODE_64)
        fetch_at &= 0xffffffffu;
    uint8_t bytes[INSN_MAX_LEN];
    size_t got = bus->fetch(bus->ctx, fetch_at, bytes, sizeof bytes);
    if (got == 0) {
        ksnprintf(why, whylen, "device access by an instruction at linear 0x%llx that cannot be read",
                  (unsigned long long)fetch_at);
        return MMIO_FAILED;
    }
    struct insn_cpu cpu = { mode, c->rip, c->gpr, { 0 } };
    for (unsigned i = 0; i < 6; i++)
        cpu.seg_base[i] = c->seg_base[i];
    struct insn d;
    if (insn_decode(bytes, got, &cpu, &d) != INSN_OK) {
        char desc[96];
        insn_describe(&d, desc, sizeof desc);
        ksnprintf(why, whylen, "device access by an %s", desc);
        return MMIO_FAILED;
    }
    if (d.op == INSN_MOVS && (!bus->mem_read || !bus->mem_write)) {
        ksnprintf(why, whylen, "device access by MOVS (memory to memory) is not supported");
        return MMIO_FAILED;
    }
    /* MOVS: the device is the operand that faulted, source or destination
     * (the other is reached as memory). */
    if (d.gla != fault_gla && !(d.op == INSN_MOVS && d.gla2 == fault_gla)) {
        /* The bytes at RIP do not name the address that faulted: the guest
         * changed its code or mappings under us. Never guess. */
        ksnprintf(why, whylen, "device access at linear 0x%llx, but the instruction names 0x%llx",
                  (unsigned long long)fault_gla, (unsigned long long)d.gla);
        return MMIO_FAILED;
    }
    struct dev_ctx dc = { bus, fault_gla, false };
    struct insn_mmio_ops ops = { dev_read, dev_write, &dc };
    switch (insn_emulate_mmio(&d, c->gpr, &c->rflags, &ops)) {
    case INSN_EMUL_DONE:
        c->rip = (c->rip + d.len) & ip_mask(mode);
        return MMIO_DONE;
    case INSN_EMUL_AGAIN:
        return MMIO_AGAIN;
    case INSN_EMUL_DIVIDE_ERROR:
        return MMIO_DIVIDE_ERROR;
    default:
        if (dc.mem_failed)
            return MMIO_MEM_FAILED;
        ksnprintf(why, whylen, "the device refused a %u-byte access", d.size);
        return MMIO_FAILED;
    }
}
