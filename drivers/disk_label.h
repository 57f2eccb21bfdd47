/* What the first sector of a disk says about who owns it, so that swap never
 * overwrites the boot disk or a disk holding file systems. Pure: tested
 * hosted with real sector images. */
#ifndef DRIVERS_DISK_LABEL_H
#define DRIVERS_DISK_LABEL_H

#include "include/hv/types.h"

enum disk_label {
    DISK_UNLABELLED = 0, /* no 0x55AA signature: blank, or old swap contents */
    DISK_BOOT,           /* FAT boot sector, EFI system partition or GPT: the ESP's disk */
    DISK_DATA,           /* an MBR with other partitions */
};

/* Classifies the first 512 bytes of a disk; `what` gets a short phrase
 * ("FAT32 file system", "GPT (protective MBR)", "MBR, partition type 0x83"). */
enum disk_label disk_label_classify(const uint8_t sector0[512], char *what, size_t n);

#endif
