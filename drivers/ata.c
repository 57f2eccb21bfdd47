/*
 * ATA PIO driver (ATA/ATAPI-8 ACS command set, PIO data-in and data-out
 * protocols), polled: device interrupts are masked with nIEN, and every wait
 * on BSY or DRQ has a deadline, so a missing or hung device is an error,
 * never a hung host. Writes are not followed by FLUSH CACHE: swap contents
 * do not outlive the boot, and the device serves reads from its cache.
 */
#include "drivers/ata.h"
#include "drivers/ata_identify.h"
#include "drivers/block.h"
#include "drivers/pci.h"
#include "drivers/ata_io.h"
#include "include/hv/platform.h"
#include "drivers/driver_log.h"
#include "lib/format.h"
#include "lib/kstring.h"

/* Command block registers, offsets from the channel's base port. */
#define REG_DATA     0
#define REG_ERROR    1 /* read */
#define REG_COUNT    2
#define REG_LBA0     3
#define REG_LBA1     4
#define REG_LBA2     5
#define REG_DEVICE   6
#define REG_STATUS   7 /* read */
#define REG_COMMAND  7 /* write */

#define ST_ERR  0x01
#define ST_DRQ  0x08
#define ST_DF   0x20
#define ST_DRDY 0x40
#define ST_BSY  0x80

#define CTL_NIEN 0x02 /* device control: no interrupts */
#define CTL_HOB  0x80

#define CMD_READ_SECTORS      0x20
#define CMD_READ_SECTORS_EXT  0x24
#define CMD_WRITE_SECTORS     0x30
#define CMD_WRITE_SECTORS_EXT 0x34
#define CMD_IDENTIFY          0xec

#define DEV_LBA 0x40 /* device register: LBA addressing */

#define IDENTIFY_TIMEOUT_NS 1000000000ULL /* absent devices answer at once */
#define IO_TIMEOUT_NS       5000000000ULL

#define SECTOR 512
#define SECTORS_PER_PAGE (PAGE_SIZE / SECTOR)

struct ata_disk {
    struct blk_dev blk;
    uint16_t base, ctl;
    bool slave;
    bool lba48;
    bool dead; /* timed out once: the channel's state is unknown */
};

static struct ata_disk disks[4];

static const struct {
    uint16_t base, ctl;
} channels[2] = { { 0x1f0, 0x3f6 }, { 0x170, 0x376 } };

/* The alternate status register, read four times: the ~400 ns a device
 * may take before its status reflects a new command or selection. */
static uint8_t settle(const struct ata_disk *d)
{
    uint8_t s = 0;
    for (int i = 0; i < 4; i++)
        s = ata_in8(d->ctl);
    return s;
}

/* Waits until BSY clears; then, when `want` is non-zero, until those bits
 * are set or ERR/DF is. Returns the status, or -1 on timeout. */
static int wait_status(const struct ata_disk *d, uint8_t want, uint64_t timeout_ns)
{
    uint64_t deadline = plat_time_ns() + timeout_ns;
    for (;;) {
        uint8_t s = ata_in8(d->base + REG_STATUS);
        if (s == 0xff)
            return -1; /* floating bus: nothing there (or it vanished) */
        if (!(s & ST_BSY) && (!want || (s & (want | ST_ERR | ST_DF))))
            return s;
        if (plat_time_ns() > deadline)
            return -1;
        ata_pause();
    }
}

static int fail(struct ata_disk *d, const char *what, int status)
{
    if (status < 0) {
        d->dead = true;
        ksnprintf(d->blk.err, sizeof d->blk.err, "%s: timed out (status 0x%02x)", what,
                  ata_in8(d->ctl));
    } else {
        ksnprintf(d->blk.err, sizeof d->blk.err, "%s: status 0x%02x, error register 0x%02x%s",
                  what, status, ata_in8(d->base + REG_ERROR),
                  status & ST_DF ? " (device fault)" : "");
    }
    return -1;
}

static bool select_device(struct ata_disk *d, uint8_t lba_top)
{
    if (wait_status(d, 0, IO_TIMEOUT_NS) < 0)
        return false;
    ata_out8(d->base + REG_DEVICE, (uint8_t)(DEV_LBA | (d->slave ? 0x10 : 0) | lba_top));
    settle(d);
    return wait_status(d, 0, IO_TIMEOUT_NS) >= 0;
}

/* Issues one READ/WRITE SECTORS (EXT) for `count` sectors from `lba`. */
static bool issue(struct ata_disk *d, bool write, uint64_t lba, uint32_t count)
{
    if (d->lba48) {
        if (!select_device(d, 0))
            return false;
        /* Each register is a two-deep FIFO: the high halves go in first. */
        ata_out8(d->base + REG_COUNT, (uint8_t)(count >> 8));
        ata_out8(d->base + REG_LBA0, (uint8_t)(lba >> 24));
        ata_out8(d->base + REG_LBA1, (uint8_t)(lba >> 32));
        ata_out8(d->base + REG_LBA2, (uint8_t)(lba >> 40));
        ata_out8(d->base + REG_COUNT, (uint8_t)count);
        ata_out8(d->base + REG_LBA0, (uint8_t)lba);
        ata_out8(d->base + REG_LBA1, (uint8_t)(lba >> 8));
        ata_out8(d->base + REG_LBA2, (uint8_t)(lba >> 16));
        ata_out8(d->base + REG_COMMAND, write ? CMD_WRITE_SECTORS_EXT : CMD_READ_SECTORS_EXT);
    } else {
        if (!select_device(d, (uint8_t)((lba >> 24) & 0x0f)))
            return false;
        ata_out8(d->base + REG_COUNT, (uint8_t)count); /* 0 would mean 256: never sent */
        ata_out8(d->base + REG_LBA0, (uint8_t)lba);
        ata_out8(d->base + REG_LBA1, (uint8_t)(lba >> 8));
        ata_out8(d->base + REG_LBA2, (uint8_t)(lba >> 16));
        ata_out8(d->base + REG_COMMAND, write ? CMD_WRITE_SECTORS : CMD_READ_SECTORS);
    }
    return true;
}

static int ata_rw(struct blk_dev *b, enum blk_op op, uint64_t page, const mpn_t *pages, uint32_t n)
{
    struct ata_disk *d = (struct ata_disk *)b;
    bool write = op == BLK_WRITE;
    if (d->dead) {
        str_copy(b->err, "the device timed out earlier; not used again", sizeof b->err);
        return -1;
    }
    uint64_t lba = page * SECTORS_PER_PAGE;
    uint32_t count = n * SECTORS_PER_PAGE; /* blk_rw keeps n <= max_pages */
    if (!issue(d, write, lba, count))
        return fail(d, write ? "write: device not ready" : "read: device not ready", -1);
    for (uint32_t s = 0; s < count; s++) {
        settle(d);
        int st = wait_status(d, ST_DRQ, IO_TIMEOUT_NS);
        if (st < 0 || (st & (ST_ERR | ST_DF)) || !(st & ST_DRQ)) {
            /* In a write, the device reports an error after taking the
             * data: it is about the sector sent last. */
            uint64_t bad = lba + s - (write && s > 0 ? 1 : 0);
            char what[48];
            ksnprintf(what, sizeof what, "%s of sector %llu", write ? "write" : "read",
                      (unsigned long long)bad);
            return fail(d, what, st);
        }
        uint8_t *buf = (uint8_t *)plat_mpn_to_va(pages[s / SECTORS_PER_PAGE]) +
                       (s % SECTORS_PER_PAGE) * SECTOR;
        if (write)
            ata_out16s(d->base + REG_DATA, buf, SECTOR / 2);
        else
            ata_in16s(d->base + REG_DATA, buf, SECTOR / 2);
    }
    if (write) {
        /* The last sector is on the device only once BSY drops without ERR. */
        settle(d);
        int st = wait_status(d, 0, IO_TIMEOUT_NS);
        if (st < 0 || (st & (ST_ERR | ST_DF))) {
            char what[48];
            ksnprintf(what, sizeof what, "write of sector %llu",
                      (unsigned long long)(lba + count - 1));
            return fail(d, what, st);
        }
    }
    return 0;
}

static const struct blk_ops ata_ops = { ata_rw };

/* IDENTIFY DEVICE at one position. Returns false, quietly, when nothing
 * answers; with a reason in why[] when something answered but is unusable. */
static bool identify(struct ata_disk *d, uint16_t id[256], char *why, size_t n)
{
    why[0] = '\0';
    if (ata_in8(d->base + REG_STATUS) == 0xff)
        return false; /* floating bus: no device on this channel */
    ata_out8(d->ctl, CTL_NIEN);
    ata_out8(d->base + REG_DEVICE, (uint8_t)(d->slave ? 0xb0 : 0xa0));
    settle(d);
    ata_out8(d->base + REG_COUNT, 0);
    ata_out8(d->base + REG_LBA0, 0);
    ata_out8(d->base + REG_LBA1, 0);
    ata_out8(d->base + REG_LBA2, 0);
    ata_out8(d->base + REG_COMMAND, CMD_IDENTIFY);
    if (settle(d) == 0 && ata_in8(d->base + REG_STATUS) == 0)
        return false; /* no device at this position */
    int st = wait_status(d, ST_DRQ, IDENTIFY_TIMEOUT_NS);
    if (st < 0)
        return false;
    if (st & ST_ERR) {
        uint8_t m = ata_in8(d->base + REG_LBA1), h = ata_in8(d->base + REG_LBA2);
        if (m == 0x14 && h == 0xeb)
            ksnprintf(why, n, "an ATAPI device (CD/DVD), not a disk");
        else
            ksnprintf(why, n, "IDENTIFY failed: status 0x%02x, error 0x%02x", st,
                      ata_in8(d->base + REG_ERROR));
        return false;
    }
    if (!(st & ST_DRQ))
        return false;
    ata_in16s(d->base + REG_DATA, id, 256);
    return true;
}

/* The PCI IDE controller, only for the log: the legacy ports answer
 * whether or not one is listed (ISA-style controllers, Bochs). */
static void log_controller(void)
{
    struct pci_addr a;
    if (pci_find_class(0x01, 0x01, -1, 0, &a)) {
        uint32_t c = pci_read32(a, PCI_CLASS_REV);
        uint8_t pif = (uint8_t)(c >> 8);
        DRV_LOG_INFO("ata: IDE controller at PCI %02x:%02x.%u, programming interface 0x%02x "
                 "(primary %s, secondary %s mode)",
                 a.bus, a.dev, a.fn, pif, pif & 1 ? "native" : "legacy",
                 pif & 4 ? "native" : "legacy");
    }
}

unsigned ata_probe(void)
{
    log_controller();
    unsigned found = 0;
    for (unsigned i = 0; i < 4; i++) {
        struct ata_disk *d = &disks[i];
        memset(d, 0, sizeof *d);
        d->base = channels[i / 2].base;
        d->ctl = channels[i / 2].ctl;
        d->slave = i % 2;
        ksnprintf(d->blk.name, sizeof d->blk.name, "ata%u-%s", i / 2, d->slave ? "slave" : "master");
        static uint16_t id[256];
        char why[80];
        if (!identify(d, id, why, sizeof why)) {
            if (why[0])
                DRV_LOG_INFO("ata: %s: %s", d->blk.name, why);
            continue;
        }
        struct ata_identity ident;
        if (!ata_parse_identify(id, &ident, why, sizeof why)) {
            DRV_LOG_WARN("ata: %s: not used: %s", d->blk.name, why);
            continue;
        }
        d->lba48 = ident.lba48;
        str_copy(d->blk.model, ident.model, sizeof d->blk.model);
        d->blk.sector_size = SECTOR;
        d->blk.sectors = ident.sectors;
        /* 256 sectors per EXT command (32 pages); LBA28 commands stay below
         * the count of 256 that is written as 0. */
        d->blk.max_pages = d->lba48 ? 32 : 16;
        d->blk.ops = &ata_ops;
        if (!blk_register(&d->blk)) {
            DRV_LOG_WARN("ata: %s: not registered (registry full or no whole page)", d->blk.name);
            continue;
        }
        DRV_LOG_INFO("ata: %s: '%s', %llu sectors (%llu MiB), LBA%s, PIO", d->blk.name,
                 d->blk.model, (unsigned long long)d->blk.sectors,
                 (unsigned long long)(d->blk.sectors >> 11), d->lba48 ? "48" : "28");
        found++;
    }
    return found;
}
