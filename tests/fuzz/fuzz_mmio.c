/* libFuzzer: MMIO emulation from CPU state (vmm/mmio_emulate.c) with the
 * guest page walker (vmm/guest_walk.c) on a hostile guest: its page tables,
 * its instruction bytes, its registers and the faulting address are all the
 * input. Checks: nothing reads outside the guest memory given (an exact-size
 * copy under ASan), a failure changes no register and not RIP, success moves
 * RIP forward by 1 to 15 bytes (modulo the mode's IP width), the device is
 * touched at most twice (read and write of one read-modify-write) and never
 * after a failure was reported, MOVS's memory operand failing or a divide
 * error changes no register and not RIP... and no crash or UBSan report.
 *
 * Input: flags (1 byte: paging form in bits 0-1, CS.L bit 2, CS.D bit 3,
 * CR4.PSE bit 4, CR4.LA57 bit 5), CR3, RIP, the faulting linear address
 * (8 bytes each), 16 registers (8 bytes each), then guest-physical memory
 * from address 0. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vmm/guest_walk.h"
#include "vmm/mmio_emulate.h"
#include "include/hv/x86/regs.h"

#define HDR (1 + 3 * 8 + 16 * 8)

static const uint8_t *mem;
static size_t mem_len;
static unsigned dev_accesses;

static bool mem_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
    (void)ctx;
    if (gpa > mem_len || size > mem_len - gpa)
        return false;
    *val = 0;
    memcpy(val, mem + gpa, size);
    return true;
}

static struct walk_regs walk;

static size_t fetch(void *ctx, uint64_t gla, uint8_t *buf, size_t n)
{
    (void)ctx;
    size_t got = 0;
    while (got < n) {
        uint64_t gpa, b;
        if (!guest_walk(&walk, gla + got, mem_read, NULL, &gpa) || !mem_read(NULL, gpa, 1, &b))
            break;
        buf[got++] = (uint8_t)b;
    }
    return got;
}

static bool dread(void *ctx, unsigned size, uint64_t *val)
{
    (void)ctx;
    if (size != 1 && size != 2 && size != 4 && size != 8)
        abort();
    dev_accesses++;
    *val = 0x0123456789abcdefULL;
    return true;
}

static bool dwrite(void *ctx, unsigned size, uint64_t val)
{
    (void)ctx, (void)val;
    if (size != 1 && size != 2 && size != 4 && size != 8)
        abort();
    dev_accesses++;
    return true;
}

/* MOVS's memory operand: through the same page tables into the guest
 * memory (writable: the exact-size copy). */
static uint8_t *wmem;

static bool gmem(uint64_t gla, unsigned size, uint64_t *gpa)
{
    return guest_walk(&walk, gla, mem_read, NULL, gpa) && *gpa <= mem_len && size <= mem_len - *gpa;
}

static bool gmem_read(void *ctx, uint64_t gla, unsigned size, uint64_t *val)
{
    (void)ctx;
    uint64_t gpa;
    if (size > 8 || !gmem(gla, size, &gpa))
        return false;
    *val = 0;
    memcpy(val, wmem + gpa, size);
    return true;
}

static bool gmem_write(void *ctx, uint64_t gla, unsigned size, uint64_t val)
{
    (void)ctx;
    uint64_t gpa;
    if (size > 8 || !gmem(gla, size, &gpa))
        return false;
    memcpy(wmem + gpa, &val, size);
    return true;
}

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
    static const uint64_t cr0[4] = { CR0_PE, CR0_PE | CR0_PG, CR0_PE | CR0_PG, CR0_PE | CR0_PG };
    unsigned form = flags & 3;
    walk = (struct walk_regs){
        .cr0 = cr0[form],
        .cr3 = u64(data + 1),
        .cr4 = (form >= 2 ? CR4_PAE : 0) | ((flags & 16) ? CR4_PSE : 0) |
               ((flags & 32) ? CR4_LA57 : 0),
        .efer = form == 3 ? EFER_LME | EFER_LMA : 0,
    };
    struct mmio_cpu c = { .lma = form == 3, .cs_l = (flags & 4) != 0, .cs_d = (flags & 8) != 0,
                          .rip = u64(data + 9), .rflags = 2 };
    uint64_t fault = u64(data + 17);
    for (unsigned i = 0; i < 16; i++)
        c.gpr[i] = u64(data + 25 + 8 * i);
    /* an exact-size copy: ASan catches any read past the guest memory */
    mem_len = size - HDR;
    uint8_t *copy = malloc(mem_len ? mem_len : 1);
    memcpy(copy, data + HDR, mem_len);
    mem = wmem = copy;

    uint64_t gpa;
    (void)guest_walk(&walk, fault, mem_read, NULL, &gpa);

    struct mmio_cpu before = c;
    struct mmio_bus bus = { fetch, dread, dwrite, gmem_read, gmem_write, NULL };
    char why[160];
    dev_accesses = 0;
    enum mmio_result r = mmio_emulate(&c, fault, &bus, why, sizeof why);
    uint64_t mask = c.lma && c.cs_l ? ~0ULL : (c.cs_d ? 0xffffffffULL : 0xffffULL);
    if (r == MMIO_FAILED) {
        if (why[0] == 0 || memchr(why, 0, sizeof why) == NULL)
            abort();
        /* a refusal before any access changes nothing */
        if (dev_accesses == 0 && memcmp(&before, &c, sizeof c) != 0)
            abort();
    } else if (r == MMIO_MEM_FAILED || r == MMIO_DIVIDE_ERROR) {
        if (memcmp(&before, &c, sizeof c) != 0)
            abort();
    } else if (r == MMIO_DONE) {
        uint64_t moved = (c.rip - before.rip) & mask;
        if (moved < 1 || moved > 15)
            abort();
    } else if (c.rip != before.rip) {
        abort();
    }
    if (dev_accesses > 2)
        abort();
    free(copy);
    return 0;
}
