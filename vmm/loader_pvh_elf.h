/* Internal to the PVH loader (vmm/loader_pvh*.c): what an ELF64 kernel
 * image says about itself, apart from where the loader puts things. */
#ifndef VMM_LOADER_PVH_ELF_H
#define VMM_LOADER_PVH_ELF_H

#include "include/hv/types.h"

/* Debian's vmlinux has 4 PT_LOAD segments; a kernel with more than this
 * many program headers or loaded segments is refused. */
#define PVH_MAX_PHDRS   32u
#define PVH_MAX_SEGS    16u

/* Xen's ELF note for the 32-bit PVH entry (xen/include/public/elfnote.h). */
#define XEN_ELFNOTE_PHYS32_ENTRY 18u

struct pvh_segment {
    uint64_t paddr;   /* where it loads (p_paddr) */
    uint64_t off;     /* its bytes in the file */
    uint64_t filesz;  /* <= memsz: the rest is zeros */
    uint64_t memsz;   /* > 0 */
};

struct pvh_image {
    uint32_t entry;   /* XEN_ELFNOTE_PHYS32_ENTRY: inside a segment's file bytes */
    unsigned nseg;
    struct pvh_segment seg[PVH_MAX_SEGS];
};

/* Parses an ELF64 little-endian x86-64 executable: its PT_LOAD segments
 * (inside the file, not overlapping each other, below 4 GiB) and the Xen
 * PVH entry note in its PT_NOTE segments (the entry inside a segment's
 * bytes from the file). False with "NAME: what is wrong" in `err`. Where
 * the segments may go in guest RAM is the loader's check, not this one. */
bool pvh_elf_parse(const uint8_t *img, size_t size, const char *name, struct pvh_image *out,
                   char *err, size_t errlen);

#endif
