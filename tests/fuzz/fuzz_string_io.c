/* libFuzzer: INS/OUTS (vmm/string_io.c) on hostile instruction bytes and
 * registers. Checks: decode never reads past the bytes given; a run does
 * at most its bound of iterations, touches memory only inside the fake
 * guest (an exact-size buffer under ASan), and its registers move exactly
 * as the iterations it reports: rCX down by one per iteration under REP
 * (within the address size), the index by the element size each time; and
 * no crash or UBSan report.
 *
 * Input: flags (1 byte: bit 0 long64, bit 1 CS.D, bit 2 DF, bit 3 INS,
 * bits 4-5 size 1/2/4), rCX, rSI, rDI, the segment base (8 bytes each), 15
 * instruction bytes, then guest memory from linear address 0. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vmm/string_io.h"

#define HDR (1 + 4 * 8 + 15)
#define BOUND 300u

static uint8_t *mem;
static size_t mem_len;
static unsigned elements;

static enum sio_mem check(uint64_t gla, unsigned n)
{
    if (gla > mem_len || n > mem_len - gla)
        return (gla & 1) ? SIO_MEM_UNMAPPED : SIO_MEM_NOT_RAM;
    return SIO_MEM_OK;
}

static enum sio_mem mem_read(void *ctx, uint64_t gla, void *buf, unsigned n)
{
    (void)ctx;
    enum sio_mem r = check(gla, n);
    if (r == SIO_MEM_OK)
        memcpy(buf, mem + gla, n);
    return r;
}

static enum sio_mem mem_write(void *ctx, uint64_t gla, const void *buf, unsigned n)
{
    (void)ctx;
    enum sio_mem r = check(gla, n);
    if (r == SIO_MEM_OK && buf) {
        memcpy(mem + gla, buf, n);
        elements++;
    }
    return r;
}

static bool port_in(void *ctx, uint16_t port, unsigned size, uint32_t *val)
{
    (void)ctx, (void)size;
    *val = port * 7u;
    return true;
}

static bool port_out(void *ctx, uint16_t port, unsigned size, uint32_t val)
{
    (void)ctx, (void)port, (void)size, (void)val;
    elements++;
    return true;
}

static void page_poll(void *ctx) { (void)ctx; }

static uint64_t u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HDR)
        return 0;
    uint8_t flags = data[0];
    struct string_io s = { .in = (flags & 8) != 0, .size = 1u << ((flags >> 4) % 3),
                           .port = 0x3f8, .long64 = flags & 1, .df = (flags & 4) != 0 };
    s.rcx = u64(data + 1);
    s.rsi = u64(data + 9);
    s.rdi = u64(data + 17);
    s.seg_base = u64(data + 25);
    uint8_t *insn = malloc(15);
    memcpy(insn, data + 33, 15);
    bool ok = string_io_decode(insn, 15, s.long64, (flags & 2) != 0, &s.insn);
    free(insn);
    if (!ok)
        return 0;
    if (s.insn.addr_bits != 16 && s.insn.addr_bits != 32 && s.insn.addr_bits != 64)
        abort();
    if (!s.long64 && s.insn.addr_bits == 64)
        abort();
    mem_len = size - HDR;
    mem = malloc(mem_len ? mem_len : 1);
    memcpy(mem, data + HDR, mem_len);
    struct string_io_bus bus = { mem_read, mem_write, port_in, port_out, page_poll, NULL };
    uint64_t mask = s.insn.addr_bits == 64 ? ~0ULL : s.insn.addr_bits == 32 ? 0xffffffffULL
                                                                              : 0xffffULL;
    uint64_t rcx0 = s.rcx, idx0 = s.in ? s.rdi : s.rsi, fault = 0;
    elements = 0;
    enum sio_result r = string_io_run(&s, &bus, BOUND, &fault);
    free(mem);
    if (elements > BOUND)
        abort();
    uint64_t idx = s.in ? s.rdi : s.rsi;
    uint64_t step = (uint64_t)elements * s.size;
    uint64_t want = s.df ? idx0 - step : idx0 + step;
    if (((idx ^ want) & mask) != 0)
        abort();
    if (s.insn.addr_bits == 16 && (idx & ~0xffffULL) != (idx0 & ~0xffffULL))
        abort(); /* a 16-bit index keeps its upper bits */
    if (s.insn.rep && (((rcx0 - elements) ^ s.rcx) & mask) != 0)
        abort();
    if (!s.insn.rep && s.rcx != rcx0)
        abort();
    if (r == SIO_MORE && (elements != BOUND || (s.rcx & mask) == 0))
        abort();
    return 0;
}
