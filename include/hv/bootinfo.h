/*
 * The record the UEFI stage hands to the kernel. Versioned: the kernel
 * refuses a record whose magic, version or size it does not know. Plain
 * fixed-width fields only: it is written by a gcc/GNU-EFI program and read
 * by the clang-built kernel.
 */
#ifndef HV_BOOTINFO_H
#define HV_BOOTINFO_H

#include <stdint.h>

#define BOOTINFO_MAGIC   0x4f464e49544f4f42ULL /* "BOOTINFO" */
#define BOOTINFO_VERSION 3

#define BI_PATH_MAX      256 /* bytes of a path, with its terminator */
/* The files' data lies in at most this many regions of machine memory
 * (each at least BI_FILE_REGION_MIN_PAGES, so together at least 1 GiB): the
 * kernel claims them before it has a heap, so their number is bounded; the
 * number of files is not (their table grows in pages of its own). */
#define BI_MAX_FILE_REGIONS      64
#define BI_FILE_REGION_MIN_PAGES 4096 /* 16 MiB */
#define BI_LOG_SIZE      2048

struct bi_range {
    uint64_t base;       /* bytes */
    uint64_t pages;      /* 4 KiB pages */
    uint32_t type;       /* enum mem_type (mm/mpn_db.h) */
    uint32_t uefi_type;  /* EFI_MEMORY_TYPE, for the record */
    uint64_t attr;       /* EFI memory attributes */
};

/* A file the UEFI stage read from the ESP's \hv directory. */
struct bi_file {
    char path[BI_PATH_MAX]; /* "hv/host.cfg": lower case, '/' separated */
    uint64_t phys;          /* page aligned */
    uint64_t size;          /* bytes */
};

/* Pages holding file data; every page is claimed by the kernel. */
struct bi_region {
    uint64_t phys;          /* page aligned */
    uint64_t pages;
};

struct bi_framebuffer {
    uint64_t base;       /* 0: none */
    uint64_t size;
    uint32_t width, height;
    uint32_t pixels_per_line;
    uint32_t format;     /* EFI_GRAPHICS_PIXEL_FORMAT */
};

/* The firmware's clock (UEFI GetTime) read just before ExitBootServices,
 * as EFI_TIME gives it: the kernel checks and converts it
 * (kernel/wall_clock.c). */
#define BI_TIME_VALID 1          /* GetTime succeeded */
struct bi_time {
    uint16_t year;               /* 1900-9999 */
    uint8_t month, day;          /* 1-12, 1-31 */
    uint8_t hour, minute, second; /* 0-23, 0-59, 0-59 */
    uint8_t daylight;            /* EFI_TIME_ADJUST_DAYLIGHT, EFI_TIME_IN_DAYLIGHT */
    int16_t timezone;            /* minutes, local = UTC - timezone; 0x7ff: unspecified */
    uint16_t flags;              /* BI_TIME_VALID */
    uint32_t nanosecond;
    uint64_t tsc;                /* rdtsc just after GetTime */
};

struct bootinfo {
    uint64_t magic;
    uint32_t version;
    uint32_t size;           /* bytes of this record, ranges included */

    uint64_t kernel_phys;    /* where the image's lowest segment is */
    uint64_t kernel_pages;
    uint64_t kernel_virt;    /* the address it is linked at */
    uint64_t bootinfo_phys;  /* this record */
    uint64_t bootinfo_pages;
    uint64_t pt_phys;        /* the UEFI stage's page tables (contiguous) */
    uint64_t pt_pages;

    uint64_t rsdp_phys;      /* 0: the firmware gave none */
    uint64_t tsc_at_exit;    /* rdtsc just after ExitBootServices */
    struct bi_time time;     /* time of day; flags 0 if the firmware gave none */
    struct bi_framebuffer fb;

    uint32_t nfiles;         /* entries of the table at files_phys */
    uint32_t exit_tries;     /* ExitBootServices calls it took */
    uint64_t files_phys;     /* struct bi_file[nfiles], page aligned; 0 if none */
    uint64_t files_pages;    /* pages of that table (claimed by the kernel) */
    uint32_t nregions;       /* file data regions */
    uint32_t reserved1;
    struct bi_region regions[BI_MAX_FILE_REGIONS];

    char log[BI_LOG_SIZE];   /* what the UEFI stage printed, for the kernel log */
    uint32_t log_len;

    uint32_t nranges;
    uint32_t max_ranges;
    uint32_t reserved0;
    struct bi_range ranges[]; /* the firmware memory map after exit */
};

#endif
