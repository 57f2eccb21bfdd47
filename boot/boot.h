/* The UEFI stage: shared declarations of its parts. */
#ifndef BOOT_BOOT_H
#define BOOT_BOOT_H

#include <efi.h>
#include <efilib.h>
#include "include/hv/bootinfo.h"

/* Console: ConOut (which OVMF mirrors to the serial port) and the log that
 * the kernel will print again. */
void boot_log_attach(struct bootinfo *bi);
void bprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bvprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
void boot_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ESP files. */
EFI_FILE_HANDLE esp_open_root(EFI_HANDLE image);
/* Reads a whole file into fresh pages; returns its size or a negative value. */
EFI_STATUS esp_read_file(EFI_FILE_HANDLE dir, const CHAR16 *name, EFI_PHYSICAL_ADDRESS *phys,
                         UINT64 *size);
/* Loads every file under \hv (eight levels deep) into memory and lists it in
 * `bi`, except `skip` (the kernel, loaded apart). */
void esp_load_tree(EFI_FILE_HANDLE root, struct bootinfo *bi);

/* Kernel image. */
struct loaded_kernel {
    UINT64 phys, pages, virt, entry;
};
void kernel_load(const void *elf, UINT64 size, struct loaded_kernel *out);

/* First page tables: identity and direct map of [0, max_phys), kernel map. */
struct boot_tables {
    UINT64 pml4_phys;
    UINT64 phys, pages;
};
void page_tables_build(UINT64 max_phys, const struct loaded_kernel *k, struct boot_tables *out);

/* Bytes and pages. */
static inline UINT64 pages_of(UINT64 bytes) { return (bytes + 4095) / 4096; }

#endif
