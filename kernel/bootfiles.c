/* Lookup over the boot-info file table. */
#include "kernel/bootfiles.h"
#include "include/hv/platform.h"
#include "lib/kstring.h"

static const struct bi_file *table;
static unsigned count;

void bootfiles_init(const struct bootinfo *bi)
{
    /* The table is in pages of its own (bi->files_phys); a count that does
     * not fit them is the stage's bug, and is cut to what fits. */
    uint64_t fits = bi->files_pages * PAGE_SIZE / sizeof(struct bi_file);
    table = bi->files_phys ? plat_mpn_to_va(bi->files_phys >> PAGE_SHIFT) : NULL;
    count = table ? (unsigned)MIN((uint64_t)bi->nfiles, fits) : 0;
}

unsigned bootfiles_count(void)
{
    return count;
}

bool bootfiles_get(unsigned i, struct boot_file *out)
{
    if (i >= count)
        return false;
    const struct bi_file *f = &table[i];
    out->path = f->path;
    out->data = (const char *)plat_mpn_to_va(f->phys >> PAGE_SHIFT);
    out->size = f->size;
    return true;
}

bool bootfiles_find(const char *path, struct boot_file *out)
{
    for (unsigned i = 0; i < count; i++) {
        if (str_casecmp(table[i].path, path) == 0)
            return bootfiles_get(i, out);
    }
    return false;
}
