/*
 * The MPN database: one small record per machine page, built from the
 * firmware memory map. It knows each page's type (usable RAM, ACPI, MMIO,
 * ...) and, for usable RAM, whether it is free or which owner holds it.
 */
#ifndef MM_MPN_DB_H
#define MM_MPN_DB_H

#include "include/hv/types.h"

/* Owner tags. VMs own pages as OWNER_VM_BASE + vm id. */
enum mpn_owner {
    OWNER_FREE = 0,
    OWNER_RESERVED,     /* not RAM we may use: firmware, ACPI, MMIO, holes */
    OWNER_LOWMEM,       /* usable RAM below 1 MiB, kept for AP start-up code */
    OWNER_KERNEL,       /* the kernel image */
    OWNER_BOOTINFO,     /* the boot-info record and memory map */
    OWNER_BOOTFILES,    /* files the UEFI stage loaded from the ESP */
    OWNER_MPNDB,        /* this database */
    OWNER_PAGETABLE,    /* host page tables */
    OWNER_HEAP,         /* kernel heap */
    OWNER_STACK,        /* kernel and IST stacks */
    OWNER_EPT,          /* EPT paging structures */
    OWNER_VMCS,         /* VMXON regions, VMCSs, MSR/IO bitmaps */
    OWNER_CCACHE,       /* compression cache storage */
    OWNER_TEST,         /* hosted tests */
    OWNER_IO,           /* device queues and I/O buffers (block drivers) */
    OWNER_GUEST_ROM,    /* the zero page every guest reads as its BIOS area */
    OWNER_DEVMEM,       /* memory a VM's device holds outside its RAM (mm/guest_devmem.h) */
    OWNER_VM_BASE = 64, /* + vm id */
};
#define OWNER_MAX 0xffff

/* Memory types, from the firmware's map. */
enum mem_type {
    MEM_USABLE = 0,     /* conventional, boot services, loader: ours after exit */
    MEM_ACPI_RECLAIM,
    MEM_ACPI_NVS,
    MEM_RUNTIME,        /* UEFI runtime services code/data */
    MEM_MMIO,
    MEM_RESERVED,
    MEM_UNUSABLE,
    MEM_PERSISTENT,
    MEM_HOLE,           /* not described by the map at all */
    MEM_TYPE_COUNT,
};

const char *mem_type_name(enum mem_type t);
const char *mpn_owner_name(uint16_t owner);

/* One range of the firmware map, in our own types. */
struct mem_range {
    uint64_t base;      /* bytes */
    uint64_t pages;
    uint8_t type;       /* enum mem_type */
};

/* A range of usable RAM that is in use when the database is built (kernel
 * image, boot-info, loaded files...): it is created owned, not free. */
struct mem_claim {
    uint64_t base;
    uint64_t pages;
    uint16_t owner;
};

/* One record per machine page, 16 bytes. */
struct mpn_rec {
    uint16_t owner;     /* enum mpn_owner, or OWNER_VM_BASE + vm id */
    uint8_t type;       /* enum mem_type */
    uint8_t order;      /* buddy order when this page heads a free block */
    uint32_t aux;       /* owner's own use (e.g. reverse-map hints) */
    uint32_t next;      /* free-list links, MPN_NIL terminated */
    uint32_t prev;
};
#define MPN_NIL 0xffffffffu
#define ORDER_NONE 0xff

/* Owners counted separately in the statistics; every VM's pages are summed
 * in the OWNER_VM_BASE bucket (VMs count their own pages in detail). */
#define OWNER_BUCKETS (OWNER_VM_BASE + 1)

struct mpn_db_stats {
    uint64_t map_pages[MEM_TYPE_COUNT];  /* as the firmware map said */
    uint64_t db_pages[MEM_TYPE_COUNT];   /* as the database holds them */
    uint64_t owner_pages[OWNER_BUCKETS]; /* usable pages by owner */
    uint64_t total_pages;                /* records in the database */
    uint64_t overlaps;                   /* pages claimed twice by the map */
};

/* Why building the database failed. */
enum mpn_db_err {
    MPN_DB_OK = 0,
    MPN_DB_NO_RAM,      /* the map has no usable RAM */
    MPN_DB_NO_ROOM,     /* no free usable range can hold the database */
    MPN_DB_TOO_BIG,     /* more pages than 32-bit links can name */
};

/*
 * Builds the database from the firmware map. `claims` are usable ranges in
 * use already. The database places itself in the largest free usable range
 * and reaches its storage through plat_mpn_to_va(), so that must work for
 * every usable page at this point. Usable pages below 1 MiB are given to
 * OWNER_LOWMEM when `reserve_lowmem` (the image; hosted machines of a few
 * pages start at MPN 0 and do not). Overlapping map entries: any non-usable type wins.
 */
enum mpn_db_err mpn_db_init(const struct mem_range *ranges, size_t nranges,
                            const struct mem_claim *claims, size_t nclaims,
                            bool reserve_lowmem);
const char *mpn_db_strerror(enum mpn_db_err e);

/* The record of `mpn`, or NULL when it is beyond the database. */
struct mpn_rec *mpn_db_rec(mpn_t mpn);
uint64_t mpn_db_pages(void);
void mpn_db_get_stats(struct mpn_db_stats *out);

/* Used by the allocator to keep the per-owner counts exact. */
void mpn_db_set_owner(mpn_t mpn, uint16_t owner);

#endif
