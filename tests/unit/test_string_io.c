/* INS/OUTS rules (vmm/string_io.c) against a fake bus: guest memory is a
 * host array at linear address MEM_BASE with one unmapped page, ports
 * record what was written and read back a counter. Expected values come
 * from the SDM's descriptions of INS/OUTS, REP and address size. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/string_io.h"

#define MEM_BASE 0x10000ULL
#define MEM_SIZE 0x4000u
#define HOLE     0x12000ULL        /* this page is not mapped */
#define MMIO     0x13000ULL        /* this page is mapped, but not RAM */

static uint8_t mem[MEM_SIZE];
static uint8_t out_log[0x10000];
static unsigned nout, nin, polls, last_size;
static uint16_t last_port;
static uint32_t next_in;
static bool device_stops;

static enum sio_mem check(uint64_t gla, unsigned n)
{
    for (uint64_t a = gla; a < gla + n; a++) {
        if (a < MEM_BASE || a >= MEM_BASE + MEM_SIZE)
            return SIO_MEM_UNMAPPED;
        if ((a & ~0xfffULL) == HOLE)
            return SIO_MEM_UNMAPPED;
        if ((a & ~0xfffULL) == MMIO)
            return SIO_MEM_NOT_RAM;
    }
    return SIO_MEM_OK;
}

static enum sio_mem mem_read(void *ctx, uint64_t gla, void *buf, unsigned n)
{
    (void)ctx;
    enum sio_mem r = check(gla, n);
    if (r == SIO_MEM_OK)
        memcpy(buf, &mem[gla - MEM_BASE], n);
    return r;
}

static enum sio_mem mem_write(void *ctx, uint64_t gla, const void *buf, unsigned n)
{
    (void)ctx;
    enum sio_mem r = check(gla, n);
    if (r == SIO_MEM_OK && buf)
        memcpy(&mem[gla - MEM_BASE], buf, n);
    return r;
}

static bool port_in(void *ctx, uint16_t port, unsigned size, uint32_t *val)
{
    (void)ctx;
    last_port = port;
    last_size = size;
    nin++;
    *val = next_in++;
    return !device_stops;
}

static bool port_out(void *ctx, uint16_t port, unsigned size, uint32_t val)
{
    (void)ctx;
    last_port = port;
    last_size = size;
    for (unsigned i = 0; i < size; i++)
        out_log[nout++ % sizeof out_log] = (uint8_t)(val >> (8 * i));
    return !device_stops;
}

static void page_poll(void *ctx)
{
    (void)ctx;
    polls++;
}

static const struct string_io_bus bus = { mem_read, mem_write, port_in, port_out, page_poll,
                                          NULL };

static int setup(void **state)
{
    (void)state;
    for (unsigned i = 0; i < MEM_SIZE; i++)
        mem[i] = (uint8_t)i;
    nout = nin = polls = last_size = 0;
    next_in = 0xa0;
    device_stops = false;
    return 0;
}

static struct string_io sio(bool in, unsigned size, unsigned bits, bool rep)
{
    struct string_io s = { .in = in, .size = size, .port = 0x3f8,
                           .insn = { bits, in ? SIO_SEG_ES : SIO_SEG_DS, rep },
                           .long64 = bits == 64 };
    return s;
}

static void test_decode_prefixes_and_modes(void **state)
{
    (void)state;
    struct string_io_insn d;
    const uint8_t outsb[] = { 0x6e }, rep_outsw[] = { 0xf3, 0x66, 0x6f },
                  a16_rep_insb[] = { 0x67, 0xf3, 0x6c }, fs_outsd[] = { 0x64, 0x6f },
                  es_insb[] = { 0x2e, 0x6c }, rex_rep_outsb[] = { 0xf3, 0x48, 0x6e },
                  notio[] = { 0xf3, 0xa4 }, prefixes_only[] = { 0xf3, 0x67 };
    assert_true(string_io_decode(outsb, 1, false, true, &d));
    assert_int_equal(d.addr_bits, 32);
    assert_int_equal(d.seg, SIO_SEG_DS);
    assert_false(d.rep);
    assert_true(string_io_decode(rep_outsw, 3, false, false, &d)); /* real mode */
    assert_int_equal(d.addr_bits, 16);
    assert_true(d.rep);
    assert_true(string_io_decode(a16_rep_insb, 3, false, true, &d));
    assert_int_equal(d.addr_bits, 16);
    assert_int_equal(d.seg, SIO_SEG_ES);
    assert_true(string_io_decode(a16_rep_insb, 3, false, false, &d)); /* 67 in 16-bit code */
    assert_int_equal(d.addr_bits, 32);
    assert_true(string_io_decode(a16_rep_insb, 3, true, false, &d));  /* 67 in 64-bit code */
    assert_int_equal(d.addr_bits, 32);
    assert_true(string_io_decode(fs_outsd, 2, true, false, &d));
    assert_int_equal(d.addr_bits, 64);
    assert_int_equal(d.seg, SIO_SEG_FS);
    /* INS always writes ES:rDI: an override does not move it. */
    assert_true(string_io_decode(es_insb, 2, false, true, &d));
    assert_int_equal(d.seg, SIO_SEG_ES);
    assert_true(string_io_decode(rex_rep_outsb, 3, true, false, &d));
    assert_true(d.rep);
    assert_false(string_io_decode(rex_rep_outsb, 3, false, true, &d)); /* 0x48 is DEC there */
    assert_false(string_io_decode(notio, 2, false, true, &d));
    assert_false(string_io_decode(prefixes_only, 2, false, true, &d));
    assert_false(string_io_decode(outsb, 0, false, true, &d));
}

static void test_single_outs_and_ins(void **state)
{
    (void)state;
    uint64_t fault = 0;
    struct string_io s = sio(false, 2, 32, false);
    s.rsi = MEM_BASE + 0x10;
    s.rcx = 77; /* not REP: rCX is not used */
    assert_int_equal(string_io_run(&s, &bus, 100, &fault), SIO_DONE);
    assert_int_equal(nout, 2);
    assert_int_equal(out_log[0], 0x10);
    assert_int_equal(out_log[1], 0x11);
    assert_int_equal(s.rsi, MEM_BASE + 0x12);
    assert_int_equal(s.rcx, 77);
    s = sio(true, 4, 32, false);
    s.rdi = MEM_BASE + 0x20;
    assert_int_equal(string_io_run(&s, &bus, 100, &fault), SIO_DONE);
    assert_int_equal(mem[0x20], 0xa0);
    assert_int_equal(mem[0x21], 0);
    assert_int_equal(last_size, 4);
    assert_int_equal(s.rdi, MEM_BASE + 0x24);
}

static void test_rep_forward_backward_and_zero_count(void **state)
{
    (void)state;
    uint64_t fault = 0;
    struct string_io s = sio(false, 1, 32, true);
    s.rsi = MEM_BASE + 0x40;
    s.rcx = 5;
    assert_int_equal(string_io_run(&s, &bus, 1000, &fault), SIO_DONE);
    assert_memory_equal(out_log, "\x40\x41\x42\x43\x44", 5);
    assert_int_equal(s.rcx, 0);
    assert_int_equal(s.rsi, MEM_BASE + 0x45);
    /* DF=1: down from the last element. */
    nout = 0;
    s = sio(false, 2, 32, true);
    s.df = true;
    s.rsi = MEM_BASE + 0x60;
    s.rcx = 3;
    assert_int_equal(string_io_run(&s, &bus, 1000, &fault), SIO_DONE);
    assert_memory_equal(out_log, "\x60\x61\x5e\x5f\x5c\x5d", 6);
    assert_int_equal(s.rsi, MEM_BASE + 0x5a);
    /* REP with rCX = 0 does nothing at all. */
    nout = 0;
    s.rcx = 0;
    assert_int_equal(string_io_run(&s, &bus, 1000, &fault), SIO_DONE);
    assert_int_equal(nout, 0);
    assert_int_equal(s.rsi, MEM_BASE + 0x5a);
}

/* A long REP stops after the bound with the registers where it got to, and
 * goes on from there when run again; each new page is a poll point. */
static void test_bound_resumes_and_polls_per_page(void **state)
{
    (void)state;
    uint64_t fault = 0;
    struct string_io s = sio(true, 1, 32, true);
    s.rdi = MEM_BASE + 0xff0;
    s.rcx = 0x1020;
    assert_int_equal(string_io_run(&s, &bus, 0x800, &fault), SIO_MORE);
    assert_int_equal(s.rcx, 0x820);
    assert_int_equal(s.rdi, MEM_BASE + 0x17f0);
    assert_int_equal(polls, 1);
    assert_int_equal(string_io_run(&s, &bus, 0x800, &fault), SIO_MORE);
    assert_int_equal(string_io_run(&s, &bus, 0x800, &fault), SIO_FAULT);
    /* The third run reached the unmapped page: every element before it is
     * written, rCX and rDI point at the one that faulted. */
    assert_int_equal(fault, HOLE);
    assert_int_equal(s.rdi, HOLE);
    assert_int_equal(s.rcx, 0x1020 - (HOLE - (MEM_BASE + 0xff0)));
    assert_int_equal(nin, HOLE - (MEM_BASE + 0xff0));
    assert_int_equal(mem[0x1fff], (uint8_t)(0xa0 + nin - 1));
}

/* INS checks its destination before it reads the port: a fault does not
 * swallow a byte the device had for the guest. */
static void test_ins_fault_reads_no_port(void **state)
{
    (void)state;
    uint64_t fault = 0;
    struct string_io s = sio(true, 2, 32, true);
    s.rdi = HOLE - 1; /* the element straddles into the hole */
    s.rcx = 4;
    assert_int_equal(string_io_run(&s, &bus, 100, &fault), SIO_FAULT);
    assert_int_equal(nin, 0);
    assert_int_equal(s.rcx, 4);
    s.rdi = MMIO;
    assert_int_equal(string_io_run(&s, &bus, 100, &fault), SIO_NOT_RAM);
    assert_int_equal(fault, MMIO);
    s.rdi = MEM_BASE;
    device_stops = true;
    assert_int_equal(string_io_run(&s, &bus, 100, &fault), SIO_STOPPED);
}

/* A 16-bit index wraps within its 64 KiB and keeps the register's upper
 * bits; a 32-bit one zero-extends (64-bit mode); segment bases add. */
static void test_address_sizes(void **state)
{
    (void)state;
    uint64_t fault = 0;
    struct string_io s = sio(false, 1, 16, true);
    s.seg_base = MEM_BASE - 0xfffe;   /* so that SI 0xfffe is mem[0] */
    s.rsi = 0xdead0000fffeULL;
    s.rcx = 0xabcd0000ULL | 3;        /* CX = 3 */
    assert_int_equal(string_io_run(&s, &bus, 100, &fault), SIO_FAULT);
    /* 0xfffe, 0xffff, then SI wraps to 0: base + 0 is below our memory. */
    assert_int_equal(nout, 2);
    assert_int_equal(s.rsi, 0xdead00000000ULL);
    assert_int_equal(s.rcx, 0xabcd0000ULL | 1);
    assert_int_equal(fault, MEM_BASE - 0xfffe);

    setup(NULL);
    s = sio(false, 1, 32, true);
    s.long64 = true;                   /* 67h in 64-bit code */
    s.rsi = 0xffffffff00000000ULL | (MEM_BASE + 8);
    s.rcx = 0x100000002ULL;            /* ECX = 2 */
    assert_int_equal(string_io_run(&s, &bus, 100, &fault), SIO_DONE);
    assert_int_equal(s.rsi, MEM_BASE + 10);
    assert_int_equal(s.rcx, 0);
    assert_memory_equal(out_log, "\x08\x09", 2);

    /* Outside 64-bit mode a linear address is cut to 32 bits. */
    setup(NULL);
    s = sio(false, 1, 32, false);
    s.seg_base = 0xffff0000ULL;
    s.rsi = MEM_BASE + 0x10000 + 3;   /* base + rsi = 2^32 + MEM_BASE + 3 */
    assert_int_equal(string_io_run(&s, &bus, 100, &fault), SIO_DONE);
    assert_int_equal(out_log[0], 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_prefixes_and_modes),
        cmocka_unit_test_setup(test_single_outs_and_ins, setup),
        cmocka_unit_test_setup(test_rep_forward_backward_and_zero_count, setup),
        cmocka_unit_test_setup(test_bound_resumes_and_polls_per_page, setup),
        cmocka_unit_test_setup(test_ins_fault_reads_no_port, setup),
        cmocka_unit_test_setup(test_address_sizes, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
