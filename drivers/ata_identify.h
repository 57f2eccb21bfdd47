/* What the ATA driver needs from IDENTIFY DEVICE data (256 words the device
 * returns): pure and hosted-tested, because every word is device-controlled. */
#ifndef DRIVERS_ATA_IDENTIFY_H
#define DRIVERS_ATA_IDENTIFY_H

#include "include/hv/types.h"

struct ata_identity {
    bool lba48;
    uint64_t sectors;      /* addressable 512-byte sectors */
    char model[41];
};

/* Fills `out` from the IDENTIFY words; false with a reason in why[] when
 * the device cannot be used (no LBA, a logical sector size other than 512,
 * no capacity). */
bool ata_parse_identify(const uint16_t id[256], struct ata_identity *out, char *why, size_t n);

#endif
