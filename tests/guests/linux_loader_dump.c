/*
 * linux_loader_dump: runs the hypervisor's Linux loader (vmm/loader_linux.c)
 * on the host and writes the guest memory it fills and the vCPU state it
 * asks for, so that plain QEMU can start a real kernel exactly as our
 * loader set it up (tests/guests/linuxboot_stub.asm). This checks the
 * loader end to end against Debian's kernel and memtest86+ before any
 * vCPU code honours GUEST_MODE_LONG64.
 *
 *   linux_loader_dump KERNEL INITRD|- RAM_MIB CMDLINE OUTDIR [entry32]
 *
 * Writes OUTDIR/low.bin (guest RAM [0, 0x9fc00): the e820 RAM below the
 * EBDA, so QEMU's firmware tables above it survive), OUTDIR/high.bin
 * ([1 MiB, RAM)) and OUTDIR/state.bin (little-endian u64s: rip, rsi, rsp,
 * cr3, cr0, cr4, efer, gdt_base, gdt_limit, cs, ds, mode). A refusal is
 * printed and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vmm/guest_loader.h"

#define LOW_DUMP_END 0x9fc00ull

static uint8_t *ram;
static uint64_t ram_bytes;

static bool write_ram(void *ctx, uint64_t gpa, const void *src, size_t len)
{
    (void)ctx;
    if (gpa + len < gpa || gpa + len > ram_bytes)
        return false;
    memcpy(ram + gpa, src, len);
    return true;
}

static void *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0) {
        perror(path);
        exit(1);
    }
    long n = ftell(f);
    rewind(f);
    void *buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf || n < 0 || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(1);
    }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

static void spill(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 6 && !(argc == 7 && strcmp(argv[6], "entry32") == 0)) {
        fprintf(stderr, "usage: %s KERNEL INITRD|- RAM_MIB CMDLINE OUTDIR [entry32]\n",
                argv[0]);
        return 2;
    }
    ram_bytes = strtoull(argv[3], NULL, 0) << 20;
    ram = calloc(1, ram_bytes);
    if (!ram || ram_bytes <= GUEST_HIGH_RAM_START) {
        fprintf(stderr, "bad RAM size %s MiB\n", argv[3]);
        return 2;
    }
    size_t ksize, rsize = 0;
    void *kernel = slurp(argv[1], &ksize);
    void *initrd = strcmp(argv[2], "-") ? slurp(argv[2], &rsize) : NULL;
    struct linux_params p = { .kernel_name = argv[1], .cmdline = argv[4], .initrd = initrd,
                              .initrd_size = rsize, .initrd_name = argv[2],
                              .entry32 = argc == 7 };
    struct guest_mem_ops mem = { .write = write_ram, .ctx = NULL, .ram_bytes = ram_bytes };
    struct guest_boot_state bs;
    char err[256];
    if (guest_load_linux(kernel, ksize, &p, &mem, &bs, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        free(kernel);
        free(initrd);
        free(ram);
        return 1;
    }
    uint64_t state[] = { bs.rip, bs.rsi, bs.rsp, bs.cr3, bs.cr0, bs.cr4, bs.efer,
                         bs.gdt_base, bs.gdt_limit, bs.cs_selector, bs.ds_selector, bs.mode };
    spill(argv[5], "low.bin", ram, LOW_DUMP_END);
    spill(argv[5], "high.bin", ram + GUEST_HIGH_RAM_START, ram_bytes - GUEST_HIGH_RAM_START);
    spill(argv[5], "state.bin", state, sizeof state);
    printf("linux_loader_dump: %s: entry 0x%llx, rsi 0x%llx, cr3 0x%llx, initrd %llu bytes at 0x%llx\n",
           argv[1], (unsigned long long)bs.rip, (unsigned long long)bs.rsi,
           (unsigned long long)bs.cr3, (unsigned long long)rsize,
           (unsigned long long)(ram[LINUX_BOOT_PARAMS_GPA + 0x218] |
                                ram[LINUX_BOOT_PARAMS_GPA + 0x219] << 8 |
                                ram[LINUX_BOOT_PARAMS_GPA + 0x21a] << 16 |
                                (uint64_t)ram[LINUX_BOOT_PARAMS_GPA + 0x21b] << 24));
    free(kernel);
    free(initrd);
    free(ram);
    return 0;
}
