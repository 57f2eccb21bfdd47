/*
 * Block devices for swap: one interface every driver (ATA PIO, NVMe)
 * implements, and a registry the boot code fills. Transfers are whole 4 KiB
 * pages at page-granular offsets, because the only user is the swapper,
 * which moves machine pages; drivers turn them into sectors. Completion is
 * polled: a call returns when the data is on the device or in the pages.
 * Pure code (no arch/ headers): hosted tests register fake devices.
 */
#ifndef DRIVERS_BLOCK_H
#define DRIVERS_BLOCK_H

#include "include/hv/types.h"

#define BLK_NAME_MAX   16  /* "ata0-slave", "nvme0n1" */
#define BLK_MODEL_MAX  41
#define BLK_ERR_MAX    112
#define BLK_MAX_DEVICES 8

enum blk_op { BLK_READ, BLK_WRITE };

struct blk_dev;

struct blk_ops {
    /* Moves `n` pages (1 <= n <= d->max_pages, checked by blk_rw) between
     * the machine pages `pages` and device pages [page, page + n). Returns 0,
     * or -1 with a one-line reason in d->err. Must never wait without a
     * time limit. */
    int (*rw)(struct blk_dev *d, enum blk_op op, uint64_t page, const mpn_t *pages, uint32_t n);
};

struct blk_dev {
    char name[BLK_NAME_MAX];
    char model[BLK_MODEL_MAX];  /* from the device, printable ASCII only */
    uint32_t sector_size;       /* bytes: a power of two from 512 to 4096 */
    uint64_t sectors;           /* capacity in sectors */
    uint32_t max_pages;         /* the most one rw call may move (>= 1) */
    const struct blk_ops *ops;
    void *priv;                 /* the driver's */
    char err[BLK_ERR_MAX];      /* the last error, for messages */
    uint64_t reads, writes;     /* pages moved */
    uint64_t errors;
};

/* Whole 4 KiB pages the device holds. */
uint64_t blk_pages(const struct blk_dev *d);

/* Checks the range against the capacity, splits the transfer into pieces
 * of at most max_pages, and counts. Returns 0 or -1 (reason in d->err). */
int blk_rw(struct blk_dev *d, enum blk_op op, uint64_t page, const mpn_t *pages, uint32_t n);

/* The registry: devices found at boot, in the order they were added. Returns
 * false (and does not add) when full, when the name is taken, or when the
 * device's geometry is not one this layer can use. */
bool blk_register(struct blk_dev *d);
struct blk_dev *blk_find(const char *name);
struct blk_dev *blk_at(unsigned i);  /* NULL past the last */
unsigned blk_count(void);
/* Forgets every device (hosted tests). */
void blk_registry_reset(void);

/* Keeps only printable ASCII of `src` (length `n`), trims spaces, into
 * dst[size]: model strings from IDENTIFY data are device-controlled. */
void blk_clean_string(char *dst, size_t size, const char *src, size_t n);

#endif
