/* libFuzzer target for what a disk and a disk controller hand the swap
 * drivers: a disk's first sector (the boot-disk check, drivers/disk_label.c;
 * a disk image is a file anyone can write), ATA IDENTIFY words
 * (drivers/ata_identify.c) and NVMe CAP, Identify Controller and Identify
 * Namespace data and completion status (drivers/nvme_data.c). Byte 0 picks
 * the parser; the rest, zero-padded to the structure's size, is its data.
 * Checked: every text out is terminated and within its buffer, a disk is
 * classified as one of the three labels, a usable ATA or NVMe device has a
 * capacity and a block size the drivers accept, and the decoded limits are
 * the ones the specifications allow. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/disk_label.h"
#include "drivers/ata_identify.h"
#include "drivers/nvme_data.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void check_text(const char *s, size_t size)
{
    check(memchr(s, '\0', size) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static uint8_t buf[4096];
    size_t n = size - 1 < sizeof buf ? size - 1 : sizeof buf;
    memset(buf, 0, sizeof buf);
    memcpy(buf, data + 1, n);
    char why[96];
    memset(why, 'x', sizeof why);
    switch (data[0] % 4) {
    case 0: {
        enum disk_label l = disk_label_classify(buf, why, sizeof why);
        check(l == DISK_UNLABELLED || l == DISK_BOOT || l == DISK_DATA);
        check_text(why, sizeof why);
        /* without the signature nothing is claimed */
        check(l == DISK_UNLABELLED || (buf[510] == 0x55 && buf[511] == 0xaa));
        break;
    }
    case 1: {
        uint16_t id[256];
        memcpy(id, buf, sizeof id);
        struct ata_identity a;
        memset(&a, 0xa5, sizeof a);
        if (ata_parse_identify(id, &a, why, sizeof why)) {
            check(a.sectors > 0);
            check(a.lba48 || a.sectors <= (1ULL << 28));
            check_text(a.model, sizeof a.model);
        } else {
            check_text(why, sizeof why);
        }
        break;
    }
    case 2: {
        uint64_t cap;
        memcpy(&cap, buf, sizeof cap);
        struct nvme_cap c;
        nvme_decode_cap(cap, &c);
        check(c.max_entries >= 1 && c.max_entries <= 65536);
        check(c.db_stride >= 4 && (c.db_stride & (c.db_stride - 1)) == 0);
        check(c.page_min >= 4096 && c.page_max >= 4096);   /* MPSMIN may exceed MPSMAX: nvme.c checks MPSMIN */
        struct nvme_ctrl_id ci;
        nvme_parse_ctrl_id(buf, c.page_min, &ci);
        check_text(ci.model, sizeof ci.model);
        check_text(ci.serial, sizeof ci.serial);
        uint16_t status;
        memcpy(&status, buf + 8, sizeof status);
        nvme_status_text(status, why, sizeof why);
        check_text(why, sizeof why);
        break;
    }
    default: {
        struct nvme_ns_id ns;
        if (nvme_parse_ns_id(buf, &ns, why, sizeof why)) {
            check(ns.blocks > 0);
            check(ns.block_size >= 512 && ns.block_size <= 4096);
            check((ns.block_size & (ns.block_size - 1)) == 0);
        } else {
            check_text(why, sizeof why);
        }
        break;
    }
    }
    return 0;
}
