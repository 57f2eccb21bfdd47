/* First-sector signatures: the boot sector of a FAT volume written without a
 * partition table (how our ESP images are made, and some USB sticks), or an
 * MBR whose partition entries name an EFI system partition, a GPT
 * (protective entry) or a FAT partition. */
#include "drivers/disk_label.h"
#include "lib/format.h"
#include "lib/kstring.h"

#define SIG_OFFSET   510
#define PART_TABLE   446
#define PART_ENTRIES 4
#define PART_SIZE    16
#define PART_TYPE    4

static bool is_fat_type(uint8_t t)
{
    return t == 0x01 || t == 0x04 || t == 0x06 || t == 0x0b || t == 0x0c || t == 0x0e;
}

enum disk_label disk_label_classify(const uint8_t s[512], char *what, size_t n)
{
    if (s[SIG_OFFSET] != 0x55 || s[SIG_OFFSET + 1] != 0xaa) {
        ksnprintf(what, n, "no boot signature");
        return DISK_UNLABELLED;
    }
    /* A FAT boot sector starts with a jump and names its type at 54 (FAT12
     * and FAT16) or 82 (FAT32). */
    if (s[0] == 0xeb || s[0] == 0xe9) {
        if (memcmp(s + 82, "FAT32", 5) == 0) {
            ksnprintf(what, n, "FAT32 file system");
            return DISK_BOOT;
        }
        if (memcmp(s + 54, "FAT", 3) == 0) {
            ksnprintf(what, n, "FAT file system");
            return DISK_BOOT;
        }
    }
    enum disk_label label = DISK_UNLABELLED;
    for (unsigned i = 0; i < PART_ENTRIES; i++) {
        uint8_t t = s[PART_TABLE + i * PART_SIZE + PART_TYPE];
        if (t == 0xee) {
            ksnprintf(what, n, "GPT (protective MBR)");
            return DISK_BOOT;
        }
        if (t == 0xef) {
            ksnprintf(what, n, "MBR with an EFI system partition");
            return DISK_BOOT;
        }
        if (is_fat_type(t)) {
            ksnprintf(what, n, "MBR with a FAT partition (type 0x%02x)", t);
            return DISK_BOOT;
        }
        if (t != 0 && label == DISK_UNLABELLED) {
            ksnprintf(what, n, "MBR, partition type 0x%02x", t);
            label = DISK_DATA;
        }
    }
    if (label == DISK_UNLABELLED)
        ksnprintf(what, n, "boot signature with no partitions");
    return label;
}
