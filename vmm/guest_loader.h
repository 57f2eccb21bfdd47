/*
 * Guest image loaders: place a guest kernel in guest-physical memory and say
 * how its first vCPU starts. Images come from files anyone can edit, so they
 * are hostile: every offset, size and address is checked, and a bad image is
 * refused with a one-line reason (never a partial load that runs).
 *
 * Guest memory is reached only through `guest_mem_ops` (the monitor
 * allocates pages lazily as the loader writes), so loaders are pure and run
 * under hosted tests and fuzzers.
 */
#ifndef VMM_GUEST_LOADER_H
#define VMM_GUEST_LOADER_H

#include "include/hv/types.h"
#include "mm/guest_mem.h"   /* the guest RAM layout: GUEST_LOW_RAM_END, ... */

struct guest_mem_ops {
    /* Copies `len` bytes to guest-physical `gpa`; false when any byte falls
     * outside guest RAM (or memory ran out). */
    bool (*write)(void *ctx, uint64_t gpa, const void *src, size_t len);
    void *ctx;
    uint64_t ram_bytes;   /* guest RAM is [0, 0xA0000) and [0x100000, ram_bytes) */
};

enum guest_cpu_mode {
    GUEST_MODE_REAL = 0,  /* 16-bit real mode: CS:IP = cs_selector:rip */
    GUEST_MODE_PROT32,    /* 32-bit protected mode, flat 4 GiB segments, no paging */
};

struct guest_boot_state {
    enum guest_cpu_mode mode;
    uint64_t rip;         /* PROT32: linear; REAL: offset within CS */
    uint16_t cs_selector; /* REAL only: base = selector << 4 */
    uint64_t rsp;         /* 0: undefined (the guest sets its own) */
    uint32_t eax, ebx;    /* multiboot: magic 0x2BADB002, info address */
};

/* guest.type = "flat": the raw image at `load_addr`, entered at `entry` in
 * `mode` (REAL: entry must be < 1 MiB; cs = entry >> 4 & 0xf000 style split
 * is the loader's choice, documented in the .c). */
struct flat_params {
    uint64_t load_addr;
    uint64_t entry;
    enum guest_cpu_mode mode;
};

/* Returns 0 on success; else -1 and a reason in `err` ("image of N bytes
 * does not fit at 0x... in M MiB of guest RAM"). */
int guest_load_flat(const void *image, size_t size, const struct flat_params *p,
                    const struct guest_mem_ops *mem, struct guest_boot_state *out, char *err,
                    size_t errlen);

/* Multiboot v1 (the format of QEMU's -kernel and kvm-unit-tests): the header
 * in the first 8 KiB, the a.out-kludge address fields (flag 16) or else ELF32
 * program headers, bss zeroed, a multiboot info structure (flags: mem_lower/
 * mem_upper, cmdline, mmap) placed in low guest memory, entered in PROT32
 * with EAX = 0x2BADB002 and EBX = the info address. Unsupported required
 * flags (video mode, bit 2) refuse the image. */
int guest_load_multiboot(const void *image, size_t size, const char *cmdline,
                         const struct guest_mem_ops *mem, struct guest_boot_state *out,
                         char *err, size_t errlen);

/* Where the multiboot info, its mmap and the command line go: below the
 * 640 KiB hole, away from where small kernels load. */
#define MULTIBOOT_INFO_GPA 0x9000

#endif
