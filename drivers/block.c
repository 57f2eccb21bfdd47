/* The block-device registry and the checks every transfer goes through, so
 * that drivers see only in-range requests of a size they accept. */
#include "drivers/block.h"
#include "lib/format.h"
#include "lib/kstring.h"

static struct blk_dev *devices[BLK_MAX_DEVICES];
static unsigned ndevices;

uint64_t blk_pages(const struct blk_dev *d)
{
    return d->sectors / (PAGE_SIZE / d->sector_size);
}

int blk_rw(struct blk_dev *d, enum blk_op op, uint64_t page, const mpn_t *pages, uint32_t n)
{
    uint64_t cap = blk_pages(d);
    if (n == 0 || page >= cap || n > cap - page) {
        ksnprintf(d->err, sizeof d->err, "pages %llu+%u outside the device's %llu pages",
                  (unsigned long long)page, n, (unsigned long long)cap);
        d->errors++;
        return -1;
    }
    while (n) {
        uint32_t k = MIN(n, d->max_pages);
        if (d->ops->rw(d, op, page, pages, k) != 0) {
            d->errors++;
            return -1;
        }
        if (op == BLK_WRITE)
            d->writes += k;
        else
            d->reads += k;
        page += k;
        pages += k;
        n -= k;
    }
    return 0;
}

static bool usable_geometry(const struct blk_dev *d)
{
    uint32_t s = d->sector_size;
    return s >= 512 && s <= PAGE_SIZE && (s & (s - 1)) == 0 && d->max_pages >= 1 &&
           d->ops && d->ops->rw && d->name[0] && blk_pages(d) > 0;
}

bool blk_register(struct blk_dev *d)
{
    if (ndevices == BLK_MAX_DEVICES || !usable_geometry(d) || blk_find(d->name))
        return false;
    devices[ndevices++] = d;
    return true;
}

struct blk_dev *blk_find(const char *name)
{
    for (unsigned i = 0; i < ndevices; i++)
        if (str_casecmp(devices[i]->name, name) == 0)
            return devices[i];
    return NULL;
}

struct blk_dev *blk_at(unsigned i) { return i < ndevices ? devices[i] : NULL; }
unsigned blk_count(void) { return ndevices; }

void blk_registry_reset(void)
{
    ndevices = 0;
}

void blk_clean_string(char *dst, size_t size, const char *src, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < size; i++) {
        char c = src[i];
        if (c == '\0')
            break;
        if (c < 0x20 || c > 0x7e)
            c = '?';
        if (c == ' ' && (k == 0 || dst[k - 1] == ' '))
            continue; /* leading spaces and runs: the fields are space padded */
        dst[k++] = c;
    }
    while (k && dst[k - 1] == ' ')
        k--;
    if (size)
        dst[k] = '\0';
}
