/* The state a PC BIOS leaves behind: see vmm/bios_handoff.h. The handlers
 * are 16-bit code, assembled by hand (SDM vol. 2 encodings). */
#include "vmm/bios_handoff.h"
#include "lib/kstring.h"

/* IRQ 0-7: PUSH AX; MOV AL, 20h; OUT 20h, AL (non-specific EOI to the
 * master); POP AX; IRET. */
static const uint8_t irq_master[] = { 0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf };
/* IRQ 8-15: the same EOI to the slave (OUT A0h) and then to the master. */
static const uint8_t irq_slave[] = { 0x50, 0xb0, 0x20, 0xe6, 0xa0, 0xe6, 0x20, 0x58, 0xcf };
/* INT 11h: MOV AX, 0202h (one serial port, an x87, no floppy); IRET. */
static const uint8_t int11[] = { 0xb8, 0x02, 0x02, 0xcf };
/* INT 12h: MOV AX, 640 (KiB of conventional memory); IRET. */
static const uint8_t int12[] = { 0xb8, 0x80, 0x02, 0xcf };
/* A BIOS service that is not there: PUSH BP; MOV BP, SP; OR BYTE [BP+6], 1
 * (CF in the FLAGS the INT pushed); POP BP; MOV AH, 86h; IRET. */
static const uint8_t unsupported[] = { 0x55, 0x89, 0xe5, 0x80, 0x4e, 0x06, 0x01,
                                       0x5d, 0xb4, 0x86, 0xcf };
static const uint8_t iret[] = { 0xcf };

static void set_vector(uint8_t *ivt, unsigned vec, uint16_t off)
{
    ivt[vec * 4 + 0] = (uint8_t)off;
    ivt[vec * 4 + 1] = (uint8_t)(off >> 8);
    ivt[vec * 4 + 2] = (uint8_t)BIOS_HANDOFF_ROM_SEG;
    ivt[vec * 4 + 3] = (uint8_t)(BIOS_HANDOFF_ROM_SEG >> 8);
}

/* Appends `code` to the ROM; its offset in segment 0xF000. */
static uint16_t put(uint8_t *rom, size_t len, size_t *used, const uint8_t *code, size_t n)
{
    uint16_t off = (uint16_t)((BIOS_HANDOFF_ROM_GPA & 0xffff) + *used);
    if (*used + n <= len)
        memcpy(rom + *used, code, n);
    *used += n;
    return off;
}

size_t bios_handoff_rom(uint8_t *rom, size_t len, uint8_t ivt[BIOS_IVT_BYTES])
{
    size_t used = 0;
    uint16_t o_iret = put(rom, len, &used, iret, sizeof iret);
    uint16_t o_master = put(rom, len, &used, irq_master, sizeof irq_master);
    uint16_t o_slave = put(rom, len, &used, irq_slave, sizeof irq_slave);
    uint16_t o_int11 = put(rom, len, &used, int11, sizeof int11);
    uint16_t o_int12 = put(rom, len, &used, int12, sizeof int12);
    uint16_t o_unsup = put(rom, len, &used, unsupported, sizeof unsupported);
    for (unsigned v = 0; v < 256; v++) {
        uint16_t off = o_iret;
        if (v >= 0x08 && v <= 0x0f)
            off = o_master;
        else if (v >= 0x70 && v <= 0x77)
            off = o_slave;
        else if (v == 0x11)
            off = o_int11;
        else if (v == 0x12)
            off = o_int12;
        else if (v >= 0x10 && v <= 0x1a)
            off = o_unsup;
        set_vector(ivt, v, off);
    }
    return used;
}

void bios_handoff_bda(uint8_t bda[BIOS_BDA_BYTES])
{
    memset(bda, 0, BIOS_BDA_BYTES);
    bda[0x00] = 0xf8;           /* COM1 at 0x3f8 */
    bda[0x01] = 0x03;
    bda[0x10] = 0x02;           /* the equipment word, as INT 11h gives it */
    bda[0x11] = 0x02;
    bda[0x13] = 0x80;           /* 640 KiB, as INT 12h gives it */
    bda[0x14] = 0x02;
}

/* ICW1 (edge, cascade, ICW4 follows), ICW2 (vector base), ICW3 (the slave
 * on IRQ 2 / the slave's ID 2), ICW4 (8086 mode, normal EOI); then the
 * masks: IRQ 0 (the tick) and 2 (the cascade) open. Then PIT channel 0:
 * lobyte/hibyte, mode 3, binary, count 0 (65536: 18.2 Hz). */
static const struct bios_port_write ports[] = {
    { 0x20, 0x11 }, { 0x21, 0x08 }, { 0x21, 0x04 }, { 0x21, 0x01 },
    { 0xa0, 0x11 }, { 0xa1, 0x70 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
    { 0x21, 0xfa }, { 0xa1, 0xff },
    { 0x43, 0x36 }, { 0x40, 0x00 }, { 0x40, 0x00 },
};

const struct bios_port_write *bios_handoff_ports(size_t *n)
{
    *n = sizeof ports / sizeof ports[0];
    return ports;
}
