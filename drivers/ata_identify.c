/* IDENTIFY DEVICE data, word numbers per ATA/ATAPI-8 ACS. */
#include "drivers/ata_identify.h"
#include "drivers/block.h"
#include "lib/format.h"

#define W_CAPABILITIES  49  /* bit 9: LBA supported */
#define W_LBA28_SECTORS 60  /* 60-61: sectors addressable with 28-bit LBA */
#define W_FEATURES_83   83  /* bit 10: 48-bit address feature set */
#define W_LBA48_SECTORS 100 /* 100-103 */
#define W_SECTOR_SIZE   106 /* bit 14 set, bit 15 clear: the word is valid;
                             * bit 12: logical sector longer than 256 words */
#define W_LOGICAL_SIZE  117 /* 117-118: logical sector size in words */
#define W_MODEL         27  /* 27-46: 40 ASCII bytes, two per word, high first */

bool ata_parse_identify(const uint16_t id[256], struct ata_identity *out, char *why, size_t n)
{
    char raw[40];
    for (unsigned i = 0; i < 20; i++) {
        raw[2 * i] = (char)(id[W_MODEL + i] >> 8);
        raw[2 * i + 1] = (char)(id[W_MODEL + i] & 0xff);
    }
    blk_clean_string(out->model, sizeof out->model, raw, sizeof raw);
    if (!(id[W_CAPABILITIES] & (1u << 9))) {
        ksnprintf(why, n, "no LBA addressing (CHS only)");
        return false;
    }
    uint16_t ss = id[W_SECTOR_SIZE];
    if ((ss & 0xc000) == 0x4000 && (ss & (1u << 12))) {
        uint32_t words = id[W_LOGICAL_SIZE] | (uint32_t)id[W_LOGICAL_SIZE + 1] << 16;
        if (words != 256) {
            ksnprintf(why, n, "logical sectors of %u bytes (only 512 supported)", words * 2);
            return false;
        }
    }
    uint64_t lba28 = id[W_LBA28_SECTORS] | (uint64_t)id[W_LBA28_SECTORS + 1] << 16;
    /* The spec caps the 28-bit count at 0x0FFFFFFF; more is a lying device. */
    if (lba28 > 0x0fffffff)
        lba28 = 0x0fffffff;
    out->lba48 = (id[W_FEATURES_83] & (1u << 10)) != 0 && id[W_FEATURES_83] != 0xffff;
    out->sectors = lba28;
    if (out->lba48) {
        uint64_t s = 0;
        for (unsigned i = 0; i < 4; i++)
            s |= (uint64_t)id[W_LBA48_SECTORS + i] << (16 * i);
        /* 48 bits at most; an ATA device with fewer sectors than its 28-bit
         * count is not believed. */
        s &= (1ULL << 48) - 1;
        if (s >= lba28)
            out->sectors = s;
    }
    if (out->sectors == 0) {
        ksnprintf(why, n, "reports no sectors");
        return false;
    }
    return true;
}
