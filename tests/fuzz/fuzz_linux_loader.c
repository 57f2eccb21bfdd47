/*
 * libFuzzer target: the Linux boot-protocol loader on arbitrary images.
 *
 * Input: byte 0 the guest RAM size (bits 0-6 + 1, in MiB, or in GiB when
 * bit 7 is set: reaches the >64 GiB refusal and the above-4 GiB paths), byte
 * 1 the write call that fails (0: none), byte 2 options (bit 0 the 32-bit
 * entry, bit 1 an initrd, bit 2 an ACPI region, bit 3 a command line longer
 * than most kernels take), bytes 3-4 the initrd size in 256-byte units,
 * bytes 5-6 the ACPI region's base in MiB, byte 7 its size in pages, the
 * rest the image. Beyond the sanitizers' checks it asserts the contract:
 * the loader writes only guest RAM, never the hole; a refusal before any
 * write failure wrote nothing and has a one-line reason naming the file;
 * a success writes the kernel and the initrd apart from each other and
 * from the ACPI region, and enters at the mode asked with RSI =
 * boot_params.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vmm/guest_loader.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define MIB (1024ull * 1024)
#define INITRD_MAX (16 * MIB)

static uint8_t initrd_buf[INITRD_MAX]; /* bss: never touched, so cheap */
static char long_cmdline[4096];

struct fake {
    uint64_t ram, calls, writes, fail_at;
    const uint8_t *image;
    size_t isize;
    uint64_t kernel_start, kernel_end;  /* the write whose source is the image */
    uint64_t initrd_start, initrd_end;  /* the write whose source is the initrd */
    uint64_t acpi_start, acpi_end;
    uint64_t sum;
};

static bool overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
    return a < b_end && b < a_end;
}

static bool fake_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
    struct fake *f = ctx;
    const uint8_t *s = src;
    CHECK(len > 0);
    CHECK(gpa + len > gpa);
    CHECK(gpa + len <= guest_ram_top(f->ram));
    CHECK(gpa + len <= 0xA0000 || gpa >= 0x100000); /* never the hole */
    CHECK(gpa + len <= guest_ram_low_end(f->ram) || gpa >= GUEST_PCI_HOLE_END); /* nor the PCI hole */
    CHECK(!overlaps(gpa, gpa + len, f->acpi_start, f->acpi_end));
    /* Touch the first and last source bytes (all of them for small
     * writes), so ASan sees a read past a buffer. */
    f->sum += s[0] + s[len - 1];
    if (len <= 4096)
        for (size_t i = 0; i < len; i++)
            f->sum += s[i];
    f->calls++;
    if (f->fail_at && f->calls == f->fail_at)
        return false;
    if (s >= f->image && s < f->image + f->isize) {
        f->kernel_start = gpa;
        f->kernel_end = gpa + len;
        CHECK(gpa >= 0x100000);
    } else if (s == initrd_buf) {
        f->initrd_start = gpa;
        f->initrd_end = gpa + len;
        CHECK(gpa >= 0x100000 && (gpa & 0xfff) == 0);
    }
    f->writes++;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    uint64_t unit = (data[0] & 0x80) ? 1024 * MIB : MIB;
    struct fake f = { .ram = ((data[0] & 0x7fu) + 1) * unit, .fail_at = data[1] };
    uint8_t opt = data[2];
    size_t initrd_size = (size_t)(data[3] | data[4] << 8) * 256;
    struct linux_params p = {
        .kernel_name = "hv/guests/vmlinuz",
        .initrd_name = "hv/guests/initramfs.gz",
        .cmdline = (opt & 8) ? long_cmdline : "console=ttyS0 hvlinux.rounds=2",
        .initrd = (opt & 2) ? initrd_buf : NULL,
        .initrd_size = (opt & 2) ? initrd_size : 0,
        .entry32 = opt & 1,
    };
    if (opt & 4) {
        p.acpi_base = (uint64_t)(data[5] | data[6] << 8) * MIB;
        p.acpi_size = (uint64_t)data[7] * 4096;
        p.acpi_rsdp = p.acpi_base;
    }
    if (long_cmdline[0] == 0)
        memset(long_cmdline, 'x', sizeof long_cmdline - 1);

    f.isize = size - 8;
    uint8_t *image = malloc(f.isize ? f.isize : 1); /* exact size: ASan sees overreads */
    if (!image)
        return 0;
    memcpy(image, data + 8, f.isize);
    f.image = image;

    /* A region the loader accepts must never be written; one it refuses
     * is refused before any write. */
    f.acpi_start = p.acpi_size ? p.acpi_base : 0;
    f.acpi_end = p.acpi_size ? p.acpi_base + p.acpi_size : 0;
    struct guest_mem_ops mem = { .write = fake_write, .ctx = &f, .ram_bytes = f.ram };
    struct guest_boot_state bs;
    char err[160];
    memset(err, 0, sizeof err);
    int rc = guest_load_linux(image, f.isize, &p, &mem, &bs, err, sizeof err);
    if (rc == 0) {
        CHECK(!f.fail_at || f.calls < f.fail_at);
        CHECK(f.kernel_end > f.kernel_start);
        CHECK(!overlaps(f.kernel_start, f.kernel_end, f.acpi_start, f.acpi_end));
        if (p.initrd_size) {
            CHECK(f.initrd_end - f.initrd_start == p.initrd_size);
            CHECK(!overlaps(f.kernel_start, f.kernel_end, f.initrd_start, f.initrd_end));
            CHECK(!overlaps(f.initrd_start, f.initrd_end, f.acpi_start, f.acpi_end));
        }
        CHECK(bs.mode == (p.entry32 ? GUEST_MODE_PROT32 : GUEST_MODE_LONG64));
        CHECK(bs.rip == f.kernel_start + (p.entry32 ? 0 : 0x200));
        CHECK(bs.rsi == LINUX_BOOT_PARAMS_GPA);
        CHECK(bs.cs_selector == 0x10 && bs.ds_selector == 0x18 && bs.gdt_limit == 31);
    } else {
        CHECK(rc == -1);
        CHECK(strnlen(err, sizeof err) < sizeof err && err[0]);
        CHECK(!strchr(err, '\n'));
        CHECK(strncmp(err, "hv/guests/", 10) == 0);
        if (!f.fail_at || f.calls < f.fail_at)
            CHECK(f.writes == 0);
    }
    free(image);
    return 0;
}
