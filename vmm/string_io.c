/* INS/OUTS emulation: see vmm/string_io.h. */
#include "vmm/string_io.h"

#define PAGE_MASK_4K (~(uint64_t)0xfff)

bool string_io_decode(const uint8_t *bytes, size_t n, bool long64, bool cs_d,
                      struct string_io_insn *out)
{
    bool addr_override = false, rep = false;
    unsigned seg = SIO_SEG_DS;
    size_t i = 0;
    for (; i < n; i++) {
        uint8_t b = bytes[i];
        if (b == 0x67)
            addr_override = true;
        else if (b == 0xf3 || b == 0xf2)
            rep = true;
        else if (b == 0x26)
            seg = SIO_SEG_ES;
        else if (b == 0x2e)
            seg = SIO_SEG_CS;
        else if (b == 0x36)
            seg = SIO_SEG_SS;
        else if (b == 0x3e)
            seg = SIO_SEG_DS;
        else if (b == 0x64)
            seg = SIO_SEG_FS;
        else if (b == 0x65)
            seg = SIO_SEG_GS;
        else if (b == 0x66 || b == 0xf0)
            continue; /* the exit gives the size; LOCK would have been #UD */
        else if (long64 && (b & 0xf0) == 0x40)
            continue; /* REX: no bit of it matters to INS/OUTS */
        else
            break;
    }
    if (i >= n || bytes[i] < 0x6c || bytes[i] > 0x6f)
        return false;
    bool ins = bytes[i] <= 0x6d;
    if (long64)
        out->addr_bits = addr_override ? 32 : 64;
    else
        out->addr_bits = (cs_d != addr_override) ? 32 : 16;
    out->seg = ins ? SIO_SEG_ES : seg; /* INS writes ES:rDI, no override */
    out->rep = rep;
    return true;
}

static uint64_t addr_mask(unsigned bits)
{
    return bits == 64 ? ~(uint64_t)0 : bits == 32 ? 0xffffffffULL : 0xffffULL;
}

/* A register written with the address size: a 16-bit write keeps the upper
 * bits, a 32-bit one zero-extends. */
static uint64_t reg_write(uint64_t old, uint64_t val, unsigned bits)
{
    if (bits == 16)
        return (old & ~0xffffULL) | (val & 0xffff);
    return val & addr_mask(bits);
}

static uint64_t linear(const struct string_io *s, uint64_t index)
{
    uint64_t gla = s->seg_base + (index & addr_mask(s->insn.addr_bits));
    return s->long64 ? gla : gla & 0xffffffffULL;
}

enum sio_result string_io_run(struct string_io *s, const struct string_io_bus *b,
                              uint64_t max_iter, uint64_t *fault_gla)
{
    unsigned bits = s->insn.addr_bits;
    uint64_t mask = addr_mask(bits);
    if (s->insn.rep && (s->rcx & mask) == 0)
        return SIO_DONE; /* REP with a zero count does nothing */
    uint64_t count = s->insn.rep ? s->rcx & mask : 1;
    if (max_iter == 0)
        max_iter = 1;
    uint64_t *index = s->in ? &s->rdi : &s->rsi;
    uint64_t last_page = linear(s, *index) & PAGE_MASK_4K;
    for (uint64_t i = 0; i < count && i < max_iter; i++) {
        uint64_t gla = linear(s, *index);
        if ((gla & PAGE_MASK_4K) != last_page && b->page_poll) {
            last_page = gla & PAGE_MASK_4K;
            b->page_poll(b->ctx);
        }
        uint32_t val = 0;
        enum sio_mem m;
        if (s->in) {
            /* The destination is checked before the port is read, so a
             * fault does not consume a byte the device had for the guest. */
            m = b->mem_write(b->ctx, gla, NULL, s->size);
            if (m == SIO_MEM_OK) {
                if (!b->port_in(b->ctx, s->port, s->size, &val))
                    return SIO_STOPPED;
                m = b->mem_write(b->ctx, gla, &val, s->size);
            }
        } else {
            m = b->mem_read(b->ctx, gla, &val, s->size);
            if (m == SIO_MEM_OK && !b->port_out(b->ctx, s->port, s->size, val))
                return SIO_STOPPED;
        }
        if (m != SIO_MEM_OK) {
            *fault_gla = gla;
            return m == SIO_MEM_UNMAPPED ? SIO_FAULT : m == SIO_MEM_WAIT ? SIO_WAIT : SIO_NOT_RAM;
        }
        uint64_t step = s->df ? (uint64_t)0 - s->size : s->size;
        *index = reg_write(*index, *index + step, bits);
        if (s->insn.rep)
            s->rcx = reg_write(s->rcx, s->rcx - 1, bits);
    }
    return s->insn.rep && (s->rcx & mask) != 0 ? SIO_MORE : SIO_DONE;
}
