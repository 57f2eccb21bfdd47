/* Extended page tables: one 4-level, write-back tree per VM, mapping guest-
 * physical pages to machine pages (Intel SDM vol. 3, 28.2). */
#ifndef ARCH_X86_64_EPT_H
#define ARCH_X86_64_EPT_H

#include "include/hv/types.h"

#define EPT_R 1u
#define EPT_W 2u
#define EPT_X 4u
#define EPT_RWX 7u

struct ept {
    mpn_t pml4;
    uint64_t eptp;
    uint64_t table_pages;  /* paging-structure pages held */
    uint64_t mapped;       /* leaf pages mapped */
    /* The last leaf table walked to, and the 2 MiB region it maps: aging
     * scans and victim selection test every page in guest order, so most
     * walks end in the table the previous one did. Tables live until
     * ept_destroy, so the pointer stays valid. */
    uint64_t *leaf;
    uint64_t leaf_region;  /* gpa >> 21 of `leaf` */
};

/* Returns false when no page is left for the root. */
bool ept_init(struct ept *e, bool accessed_dirty);
/* Maps one 4 KiB page; false when a table page could not be allocated or
 * the gpa is beyond the 48-bit guest-physical space. Replaces an existing
 * mapping (the caller owns what was there). */
bool ept_map(struct ept *e, uint64_t gpa, mpn_t mpn, unsigned perms);
/* Removes the mapping of `gpa` and returns its MPN (INVALID_MPN if none).
 * The caller invalidates cached translations (ept_invalidate). */
mpn_t ept_unmap(struct ept *e, uint64_t gpa);
mpn_t ept_lookup(const struct ept *e, uint64_t gpa);
/* Sets the rights of a present leaf; false when `gpa` is not mapped. The
 * caller invalidates cached translations. */
bool ept_protect(struct ept *e, uint64_t gpa, unsigned perms);
/* Reads and clears the accessed bit of `gpa`'s leaf; false if unmapped. */
bool ept_test_clear_accessed(struct ept *e, uint64_t gpa);
void ept_invalidate(const struct ept *e);
/* Frees every table page; `leaf` is called for each mapped MPN first. */
void ept_destroy(struct ept *e, void (*leaf)(void *ctx, uint64_t gpa, mpn_t mpn), void *ctx);

/* The platform interface's handle for a VM's guest-physical space
 * (include/hv/platform.h) is its EPT. */
struct plat_vm {
    struct ept ept;
};

#endif
