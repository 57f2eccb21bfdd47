/* vmm/bios_handoff.c: what a PC BIOS leaves behind. The port writes are
 * played into the 8259 and 8254 models; the vector table and the ROM's
 * handlers are read as the CPU would read them in real mode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/bios_handoff.h"
#include "vmm/dev_pic.h"
#include "vmm/dev_pit.h"

#define T0 1000000000ULL
#define MS 1000000ULL

static uint8_t rom[4096], ivt[BIOS_IVT_BYTES];
static size_t used;

static int setup(void **state)
{
    (void)state;
    memset(rom, 0, sizeof rom);
    used = bios_handoff_rom(rom, sizeof rom, ivt);
    return 0;
}

/* The handler the IVT names for `vec`: its bytes in the ROM page. */
static const uint8_t *handler(unsigned vec)
{
    uint16_t off = (uint16_t)(ivt[vec * 4] | ivt[vec * 4 + 1] << 8);
    uint16_t seg = (uint16_t)(ivt[vec * 4 + 2] | ivt[vec * 4 + 3] << 8);
    uint32_t linear = (uint32_t)seg * 16 + off;
    assert_true(linear >= BIOS_HANDOFF_ROM_GPA && linear < BIOS_HANDOFF_ROM_GPA + used);
    return rom + (linear - BIOS_HANDOFF_ROM_GPA);
}

/* Every vector leads to code in the ROM page; IRQ handlers acknowledge the
 * right 8259s; INT 11h and 12h answer; other services say "unsupported". */
static void test_vectors(void **state)
{
    (void)state;
    assert_true(used > 0 && used < 256);
    for (unsigned v = 0; v < 256; v++)
        (void)handler(v);
    static const uint8_t master[] = { 0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf };
    static const uint8_t slave[] = { 0x50, 0xb0, 0x20, 0xe6, 0xa0, 0xe6, 0x20, 0x58, 0xcf };
    for (unsigned irq = 0; irq < 8; irq++) {
        assert_memory_equal(handler(0x08 + irq), master, sizeof master);
        assert_memory_equal(handler(0x70 + irq), slave, sizeof slave);
    }
    assert_memory_equal(handler(0x12), ((const uint8_t[]){ 0xb8, 0x80, 0x02, 0xcf }), 4);
    assert_memory_equal(handler(0x11), ((const uint8_t[]){ 0xb8, 0x02, 0x02, 0xcf }), 4);
    /* INT 15h: CF set in the pushed FLAGS, AH = 86h. */
    const uint8_t *svc = handler(0x15);
    assert_memory_equal(svc, ((const uint8_t[]){ 0x55, 0x89, 0xe5, 0x80, 0x4e, 0x06, 0x01 }), 7);
    assert_ptr_equal(handler(0x10), svc);
    assert_ptr_equal(handler(0x1a), svc);
    assert_int_equal(handler(0x1c)[0], 0xcf);     /* the tick hook: IRET */
    assert_int_equal(handler(0x00)[0], 0xcf);
    assert_int_equal(handler(0x80)[0], 0xcf);
    assert_int_equal(handler(0xff)[0], 0xcf);
    /* A ROM too small takes nothing past its end. */
    uint8_t small[4] = { 0 };
    assert_int_equal(bios_handoff_rom(small, sizeof small, ivt), used);
    assert_int_equal(small[0], 0xcf);
}

static void test_bda(void **state)
{
    (void)state;
    uint8_t bda[BIOS_BDA_BYTES];
    bios_handoff_bda(bda);
    assert_int_equal(bda[0] | bda[1] << 8, 0x3f8);            /* COM1 */
    assert_int_equal(bda[0x13] | bda[0x14] << 8, 640);        /* KiB below 0xA0000 */
    assert_int_equal(bda[0x10] | bda[0x11] << 8, 0x0202);
}

static unsigned pit_rises;
static bool pit_level;
static struct pic pic;

static void pit_line(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    if (level && !pit_level)
        pit_rises++;
    pit_level = level;
    pic_set_irq(&pic, line, level);
}

static void no_out(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    (void)line;
    (void)level;
}

/* Played into the models: IRQ 0 comes as vector 8, 18.2 times a second; a
 * masked line (IRQ 3, the slave's IRQ 8) raises nothing. */
static void test_ports(void **state)
{
    (void)state;
    struct pit pit;
    pit_rises = 0;
    pit_level = false;
    pic_init(&pic, (struct dev_irq){ no_out, NULL });
    pit_init(&pit, (struct dev_irq){ pit_line, NULL }, T0);
    size_t n;
    const struct bios_port_write *w = bios_handoff_ports(&n);
    for (size_t i = 0; i < n; i++) {
        if (w[i].port >= 0x40 && w[i].port <= 0x43)
            pit_port_write(&pit, w[i].port, w[i].val, T0);
        else
            pic_port_write(&pic, w[i].port, w[i].val);
    }
    assert_int_equal(pic_port_read(&pic, 0x21), 0xfa);
    assert_int_equal(pic_port_read(&pic, 0xa1), 0xff);
    /* Loading the count raised OUT0, the first tick; IRQ 3 and the slave's
     * IRQ 8 are masked. */
    pic_set_irq(&pic, 3, true);
    pic_set_irq(&pic, 8, true);
    assert_true(pic_intr(&pic));
    assert_int_equal(pic_ack(&pic), 0x08);
    pic_port_write(&pic, 0x20, 0x20);
    assert_false(pic_intr(&pic));
    uint64_t next = pit_next_deadline(&pit, T0);
    assert_true(next > T0 && next <= T0 + 55 * MS);
    unsigned rises0 = pit_rises;      /* mode 3 starts high: the first edge is a period on */
    uint64_t t = T0;
    while (pit_rises == rises0 && t < T0 + 100 * MS)
        pit_tick(&pit, t += MS);
    assert_true(t > T0 + 50 * MS && t <= T0 + 56 * MS);
    assert_true(pic_intr(&pic));                               /* while the line is high */
    assert_int_equal(pic_ack(&pic), 0x08);
    pic_port_write(&pic, 0x20, 0x20);                          /* the handler's EOI */
    for (; t <= T0 + 1000 * MS; t += MS)
        pit_tick(&pit, t);
    assert_true(pit_rises - rises0 >= 18 && pit_rises - rises0 <= 19);   /* 18.2 Hz */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_vectors, setup),
        cmocka_unit_test(test_bda),
        cmocka_unit_test(test_ports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
