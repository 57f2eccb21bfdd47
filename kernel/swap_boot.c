/* Choosing the swap device at boot; see kernel/swap_boot.h and docs/swap.md. */
#include "kernel/swap_boot.h"
#include "kernel/swap_dev.h"
#include "kernel/log.h"
#include "drivers/driver_log.h"
#include "drivers/ata.h"
#include "drivers/nvme.h"
#include "drivers/block.h"
#include "drivers/disk_label.h"
#include "include/hv/platform.h"
#include "mm/page_alloc.h"
#include "lib/format.h"
#include "lib/kstring.h"

/* "ata0-master, nvme0n1" */
static void list_devices(char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (unsigned i = 0; blk_at(i) && k < n; i++) {
        int w = ksnprintf(buf + k, n - k, "%s%s", i ? ", " : "", blk_at(i)->name);
        if (w < 0)
            break;
        k += (size_t)w;
    }
    if (!buf[0])
        str_copy(buf, "none", n);
}

/* Reads the device's first page and refuses it when it looks like the boot
 * disk (or any disk with partitions), unless swap.force is set. */
static bool claim_ok(struct blk_dev *d, bool force)
{
    mpn_t m = page_alloc(OWNER_IO);
    if (m == INVALID_MPN) {
        LOG_ERROR("swap: no memory to read the first sector of %s; compression only", d->name);
        return false;
    }
    bool ok = false;
    char what[64];
    if (blk_rw(d, BLK_READ, 0, &m, 1) != 0) {
        LOG_ERROR("swap: %s: cannot read its first sector: %s; compression only", d->name, d->err);
    } else {
        enum disk_label l = disk_label_classify(plat_mpn_to_va(m), what, sizeof what);
        if (l == DISK_UNLABELLED) {
            ok = true;
        } else if (force) {
            LOG_WARN("swap: %s looks like %s (sector 0: %s); used anyway (swap.force)", d->name,
                     l == DISK_BOOT ? "the boot disk" : "a disk with data", what);
            ok = true;
        } else {
            LOG_ERROR("swap: %s refused: it %s (sector 0: %s); set swap.force = \"true\" to use "
                      "it anyway; compression only", d->name,
                      l == DISK_BOOT ? "is the boot disk" : "holds partitions", what);
        }
    }
    page_free(m);
    return ok;
}

/* Drivers report through this (they sit below the kernel's log). */
static void driver_line(enum drv_level level, const char *line)
{
    static const enum log_level to_log[] = { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
    log_write(NULL, to_log[level <= DRV_ERROR ? level : DRV_ERROR], "%s", line);
}

void swap_boot_init(const struct host_config *cfg)
{
    drv_log_set_sink(driver_line);
    unsigned n = ata_probe();
    n += nvme_probe();
    char names[96];
    list_devices(names, sizeof names);
    LOG_INFO("block: %u device(s): %s", n, names);
    if (!cfg->swap_device[0]) {
        LOG_INFO("swap: no device; compression only");
        return;
    }
    struct blk_dev *d = blk_find(cfg->swap_device);
    if (!d) {
        LOG_ERROR("swap: device '%s' not found (block devices: %s); compression only",
                  cfg->swap_device, names);
        return;
    }
    if (!claim_ok(d, cfg->swap_force))
        return;
    char why[96];
    uint64_t pages = cfg->swap_size_mb * (1024 * 1024 / PAGE_SIZE);
    if (!swap_dev_open(d, pages, why, sizeof why)) {
        LOG_ERROR("swap: %s: %s; compression only", d->name, why);
        return;
    }
    struct swap_dev_stats st;
    swap_dev_get_stats(&st);
    LOG_INFO("swap: %s, %llu MiB (%llu slots of 4 KiB)%s", d->name,
             (unsigned long long)(st.slots >> 8), (unsigned long long)st.slots,
             pages > st.slots ? "; swap.sizeMB is larger than the device" : "");
}
