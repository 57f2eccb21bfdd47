/* The files the UEFI stage loaded from the ESP's \hv directory, by path
 * ("hv/host.cfg"). They stay in memory (owner OWNER_BOOTFILES). */
#ifndef KERNEL_BOOTFILES_H
#define KERNEL_BOOTFILES_H

#include "include/hv/types.h"
#include "include/hv/bootinfo.h"

struct boot_file {
    const char *path;
    const char *data;
    uint64_t size;
};

void bootfiles_init(const struct bootinfo *bi);
/* Case-insensitive exact path; false when absent. */
bool bootfiles_find(const char *path, struct boot_file *out);
unsigned bootfiles_count(void);
bool bootfiles_get(unsigned i, struct boot_file *out);

#endif
