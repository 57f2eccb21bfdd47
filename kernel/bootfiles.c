/* Lookup over the boot-info file table. */
#include "kernel/bootfiles.h"
#include "include/hv/platform.h"
#include "lib/kstring.h"

static const struct bootinfo *boot;

void bootfiles_init(const struct bootinfo *bi)
{
    boot = bi;
}

unsigned bootfiles_count(void)
{
    return boot ? MIN(boot->nfiles, BI_MAX_FILES) : 0;
}

bool bootfiles_get(unsigned i, struct boot_file *out)
{
    if (i >= bootfiles_count())
        return false;
    const struct bi_file *f = &boot->files[i];
    out->path = f->path;
    out->data = (const char *)plat_mpn_to_va(f->phys >> PAGE_SHIFT);
    out->size = f->size;
    return true;
}

bool bootfiles_find(const char *path, struct boot_file *out)
{
    for (unsigned i = 0; i < bootfiles_count(); i++) {
        if (str_casecmp(boot->files[i].path, path) == 0)
            return bootfiles_get(i, out);
    }
    return false;
}
