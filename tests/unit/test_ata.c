/* The ATA PIO driver against a simulated IDE controller (drivers/ata_io.h's
 * hosted seam): probing present, absent and ATAPI positions, LBA48 and LBA28
 * transfers landing at the right sectors, read and write errors reported
 * with the sector and the status and error registers, and a device stuck
 * busy costing a bounded (virtual) time, never a hang. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "drivers/ata.h"
#include "drivers/ata_io.h"
#include "drivers/block.h"
#include "drivers/pci.h"
#include "kernel/log.h"
#include "mm/page_alloc.h"
#include "tests/fake/platform_fake.h"
#include "tests/unit/blk_test_util.h"

/* ---- the simulated controller ------------------------------------------- */
enum fmode { F_OK, F_STUCK_BSY, F_BAD_SECTOR, F_ATAPI };

struct fdisk {
    bool present, lba48;
    enum fmode mode;
    uint64_t sectors, bad;
    uint8_t *data;
    unsigned commands;
};

struct fchan {
    struct fdisk disk[2];
    uint8_t dev;
    uint8_t reg[6][2]; /* registers 2-5: [0] last written, [1] the one before (HOB) */
    uint8_t status, error;
    bool reading, writing;
    uint64_t lba;
    uint32_t left, pos;
    uint16_t buf[256];
};

static struct fchan ch[2];
static uint64_t status_reads;

static struct fchan *chan_of(uint16_t port, unsigned *reg, bool *ctl)
{
    *ctl = port == 0x3f6 || port == 0x376;
    unsigned c = (port >= 0x1f0 && port <= 0x1f7) || port == 0x3f6 ? 0 : 1;
    *reg = *ctl ? 7 : (unsigned)(port - (c ? 0x170 : 0x1f0));
    return &ch[c];
}

static struct fdisk *selected(struct fchan *c) { return &c->disk[(c->dev >> 4) & 1]; }

static void load_sector(struct fchan *c)
{
    struct fdisk *d = selected(c);
    if (d->mode == F_BAD_SECTOR && c->lba == d->bad) {
        c->status = 0x41; /* DRDY | ERR */
        c->error = 0x40;  /* UNC: uncorrectable data */
        c->reading = false;
        return;
    }
    memcpy(c->buf, d->data + c->lba * 512, 512);
    c->pos = 0;
    c->status = 0x48; /* DRDY | DRQ */
}

static void identify_data(struct fchan *c, struct fdisk *d)
{
    memset(c->buf, 0, sizeof c->buf);
    const char *model = "SIMULATED ATA DISK                      ";
    for (int i = 0; i < 20; i++)
        c->buf[27 + i] = (uint16_t)(model[2 * i] << 8 | model[2 * i + 1]);
    c->buf[49] = 1u << 9;
    uint64_t s28 = d->sectors > 0x0fffffff ? 0x0fffffff : d->sectors;
    c->buf[60] = (uint16_t)s28;
    c->buf[61] = (uint16_t)(s28 >> 16);
    if (d->lba48) {
        c->buf[83] = 1u << 10;
        for (int i = 0; i < 4; i++)
            c->buf[100 + i] = (uint16_t)(d->sectors >> (16 * i));
    }
    c->pos = 0;
    c->left = 1;
    c->reading = true;
    c->status = 0x48;
}

static void command(struct fchan *c, uint8_t cmd)
{
    struct fdisk *d = selected(c);
    if (!d->present)
        return; /* an absent device ignores commands; status stays 0 */
    d->commands++;
    if (d->mode == F_STUCK_BSY) {
        c->status = 0x80;
        return;
    }
    if (cmd == 0xec) {
        if (d->mode == F_ATAPI) {
            c->reg[2][0] = 0x14; /* the packet device signature */
            c->reg[3][0] = 0xeb;
            c->status = 0x41;
            c->error = 0x04;
            return;
        }
        identify_data(c, d);
        return;
    }
    bool ext = cmd == 0x24 || cmd == 0x34;
    uint64_t lba = c->reg[1][0] | (uint64_t)c->reg[2][0] << 8 | (uint64_t)c->reg[3][0] << 16;
    uint32_t count;
    if (ext) {
        lba |= (uint64_t)c->reg[1][1] << 24 | (uint64_t)c->reg[2][1] << 32 |
               (uint64_t)c->reg[3][1] << 40;
        count = c->reg[0][0] | (uint32_t)c->reg[0][1] << 8;
        if (!count)
            count = 65536;
        assert_true(d->lba48); /* the driver never sends EXT to an LBA28 disk */
    } else {
        lba |= (uint64_t)(c->dev & 0x0f) << 24;
        count = c->reg[0][0] ? c->reg[0][0] : 256;
    }
    assert_true(c->dev & 0x40); /* LBA addressing */
    if (lba + count > d->sectors) {
        c->status = 0x41;
        c->error = 0x10; /* IDNF */
        return;
    }
    c->lba = lba;
    c->left = count;
    if (cmd == 0x24 || cmd == 0x20) {
        c->reading = true;
        load_sector(c);
    } else {
        c->writing = true;
        c->pos = 0;
        c->status = 0x48;
    }
}

uint8_t ata_in8(uint16_t port)
{
    unsigned r;
    bool ctl;
    struct fchan *c = chan_of(port, &r, &ctl);
    if (!c->disk[0].present && !c->disk[1].present)
        return 0xff; /* floating bus */
    if (r == 7) {
        status_reads++;
        fake_plat_advance_ns(100000); /* each poll costs 100 us of virtual time */
        return selected(c)->present ? c->status : 0;
    }
    if (r == 1)
        return c->error;
    if (r >= 2 && r <= 5)
        return c->reg[r - 2][0];
    return 0;
}

void ata_out8(uint16_t port, uint8_t v)
{
    unsigned r;
    bool ctl;
    struct fchan *c = chan_of(port, &r, &ctl);
    if (ctl)
        return; /* nIEN */
    if (r == 6) {
        c->dev = v;
    } else if (r >= 2 && r <= 5) {
        c->reg[r - 2][1] = c->reg[r - 2][0];
        c->reg[r - 2][0] = v;
    } else if (r == 7) {
        c->error = 0;
        command(c, v);
    }
}

void ata_in16s(uint16_t port, void *dst, size_t words)
{
    unsigned r;
    bool ctl;
    struct fchan *c = chan_of(port, &r, &ctl);
    assert_true(c->reading && (c->status & 0x08) && words == 256);
    memcpy(dst, c->buf, 512);
    c->lba++;
    if (--c->left) {
        load_sector(c);
    } else {
        c->reading = false;
        c->status = 0x40;
    }
}

void ata_out16s(uint16_t port, const void *src, size_t words)
{
    unsigned r;
    bool ctl;
    struct fchan *c = chan_of(port, &r, &ctl);
    struct fdisk *d = selected(c);
    assert_true(c->writing && (c->status & 0x08) && words == 256);
    if (d->mode == F_BAD_SECTOR && c->lba == d->bad) {
        c->status = 0x41; /* the error comes after the data is taken */
        c->error = 0x40;
        c->writing = false;
        return;
    }
    memcpy(d->data + c->lba * 512, src, 512);
    c->lba++;
    if (--c->left) {
        c->status = 0x48;
    } else {
        c->writing = false;
        c->status = 0x40;
    }
}

/* The IDE controller on PCI is only logged: none here. */
bool pci_find_class(uint8_t cls, uint8_t sub, int prog_if, unsigned index, struct pci_addr *out)
{
    (void)cls, (void)sub, (void)prog_if, (void)index, (void)out;
    return false;
}

uint32_t pci_read32(struct pci_addr a, uint8_t off)
{
    (void)a, (void)off;
    return ~0u;
}

/* ---- tests ---------------------------------------------------------------- */
#define DISK_SECTORS 4096 /* 2 MiB */
static uint8_t store[2][DISK_SECTORS * 512];

static void add_disk(unsigned c, unsigned pos, bool lba48, enum fmode mode)
{
    struct fdisk *d = &ch[c].disk[pos];
    d->present = true;
    d->lba48 = lba48;
    d->mode = mode;
    d->sectors = DISK_SECTORS;
    d->data = store[c];
}

static int setup(void **state)
{
    (void)state;
    memset(ch, 0, sizeof ch);
    memset(store, 0, sizeof store);
    status_reads = 0;
    blk_test_machine(256);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    blk_test_machine_free();
    return 0;
}

static void test_probe(void **state)
{
    (void)state;
    add_disk(0, 0, true, F_OK);
    add_disk(1, 1, false, F_OK);  /* secondary slave, no master */
    add_disk(1, 0, false, F_ATAPI);
    assert_int_equal(ata_probe(), 2);
    struct blk_dev *a = blk_find("ata0-master"), *b = blk_find("ata1-slave");
    assert_non_null(a);
    assert_non_null(b);
    assert_null(blk_find("ata0-slave"));
    assert_null(blk_find("ata1-master")); /* the ATAPI device */
    assert_string_equal(a->model, "SIMULATED ATA DISK");
    assert_int_equal(a->sectors, DISK_SECTORS);
    assert_int_equal(a->max_pages, 32);
    assert_int_equal(b->max_pages, 16); /* LBA28: below the count of 256 */
    /* The absent slave cost no timeout. */
    assert_true(plat_time_ns() < 100000000ULL);
}

static void round_trip(const char *name, unsigned c, uint32_t pages)
{
    struct blk_dev *d = blk_find(name);
    assert_non_null(d);
    mpn_t out[40], in[40];
    for (uint32_t i = 0; i < pages; i++) {
        out[i] = blk_test_page((uint8_t)i);
        in[i] = page_alloc_zeroed(OWNER_TEST);
    }
    assert_int_equal(blk_rw(d, BLK_WRITE, 10, out, pages), 0);
    /* Page 10 is sectors 80-87: the data is where the LBA says. */
    assert_memory_equal(store[c] + 80 * 512, plat_mpn_to_va(out[0]), 4096);
    assert_memory_equal(store[c] + (80 + 8 * (pages - 1)) * 512, plat_mpn_to_va(out[pages - 1]),
                        4096);
    assert_int_equal(blk_rw(d, BLK_READ, 10, in, pages), 0);
    for (uint32_t i = 0; i < pages; i++)
        assert_memory_equal(plat_mpn_to_va(in[i]), plat_mpn_to_va(out[i]), 4096);
}

static void test_lba48_and_lba28_transfers(void **state)
{
    (void)state;
    add_disk(0, 1, true, F_OK);
    add_disk(1, 0, false, F_OK);
    assert_int_equal(ata_probe(), 2);
    round_trip("ata0-slave", 0, 40); /* 32 + 8 pages: two EXT commands */
    round_trip("ata1-master", 1, 20); /* 16 + 4 pages: two 28-bit commands */
    assert_int_equal(ch[0].disk[1].commands, 1 + 2 + 2);
    assert_int_equal(ch[1].disk[0].commands, 1 + 2 + 2);
}

static void test_errors_name_sector_and_registers(void **state)
{
    (void)state;
    add_disk(0, 0, true, F_BAD_SECTOR);
    ch[0].disk[0].bad = 8 * 5 + 3; /* inside page 5 */
    assert_int_equal(ata_probe(), 1);
    struct blk_dev *d = blk_find("ata0-master");
    mpn_t p[8];
    for (int i = 0; i < 8; i++)
        p[i] = blk_test_page((uint8_t)i);
    assert_int_equal(blk_rw(d, BLK_WRITE, 4, p, 4), -1);
    assert_string_equal(d->err, "write of sector 43: status 0x41, error register 0x40");
    assert_int_equal(blk_rw(d, BLK_READ, 2, p, 8), -1);
    assert_string_equal(d->err, "read of sector 43: status 0x41, error register 0x40");
    /* An error is not a dead device: the rest of the disk works. */
    assert_int_equal(blk_rw(d, BLK_WRITE, 6, p, 2), 0);
    assert_int_equal(blk_rw(d, BLK_READ, 6, p, 2), 0);
    assert_int_equal(d->errors, 2);
}

static void test_stuck_device_times_out(void **state)
{
    (void)state;
    add_disk(0, 0, true, F_OK);
    assert_int_equal(ata_probe(), 1);
    struct blk_dev *d = blk_find("ata0-master");
    ch[0].disk[0].mode = F_STUCK_BSY; /* it hangs after the probe */
    mpn_t p = blk_test_page(1);
    uint64_t t0 = plat_time_ns();
    assert_int_equal(blk_rw(d, BLK_READ, 0, &p, 1), -1);
    uint64_t waited = plat_time_ns() - t0;
    assert_non_null(strstr(d->err, "timed out"));
    /* About the 5 s deadline, not forever. */
    assert_true(waited >= 5000000000ULL && waited < 6000000000ULL);
    /* Dead from now on: refused at once, the device is not touched. */
    unsigned cmds = ch[0].disk[0].commands;
    uint64_t reads = status_reads;
    assert_int_equal(blk_rw(d, BLK_WRITE, 0, &p, 1), -1);
    assert_non_null(strstr(d->err, "timed out earlier"));
    assert_int_equal(ch[0].disk[0].commands, cmds);
    assert_int_equal(status_reads, reads);
}

static void test_stuck_at_probe_is_skipped(void **state)
{
    (void)state;
    add_disk(0, 0, true, F_STUCK_BSY);
    add_disk(0, 1, true, F_OK);
    /* IDENTIFY to a busy master times out (1 s); the slave still comes up. */
    assert_int_equal(ata_probe(), 1);
    assert_non_null(blk_find("ata0-slave"));
    assert_true(plat_time_ns() < 3000000000ULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lba48_and_lba28_transfers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_name_sector_and_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stuck_device_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stuck_at_probe_is_skipped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
