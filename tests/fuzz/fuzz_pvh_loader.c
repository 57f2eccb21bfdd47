/*
 * libFuzzer target: the PVH loader (vmm/loader_pvh.c, loader_pvh_elf.c) on
 * arbitrary ELF images.
 *
 * Input: byte 0 the guest RAM size (bits 0-6 + 1, in MiB, or in GiB when
 * bit 7 is set: reaches RAM above 4 GiB), byte 1 the write call that fails
 * (0: none), byte 2 options (bit 1 an initrd, bit 3 a command line longer
 * than the loader takes), bytes 3-4 the initrd size in 256-byte units, the
 * rest the image. Beyond the sanitizers' checks it asserts the contract:
 * the loader writes only guest RAM, never the hole; the image's bytes only
 * above 1 MiB and below 4 GiB; a refusal before any write failure wrote
 * nothing and has a one-line reason naming the file; a success writes the
 * initrd apart from every segment, and enters PROT32 at an address the
 * image's bytes were written to, with EBX = the start info.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vmm/guest_loader.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define MIB (1024ull * 1024)
#define INITRD_MAX (16 * MIB)
#define MAX_SEGS 64

static uint8_t initrd_buf[INITRD_MAX]; /* bss: never touched, so cheap */
static char long_cmdline[4096];

struct range { uint64_t start, end; };

struct fake {
    uint64_t ram, calls, writes, fail_at;
    const uint8_t *image;
    size_t isize;
    struct range seg[MAX_SEGS];        /* writes whose source is the image */
    unsigned nseg;
    struct range initrd;
    uint64_t sum;
};

static bool overlaps(struct range a, struct range b)
{
    return a.start < b.end && b.start < a.end;
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
    /* Touch the first and last source bytes (all of them for small
     * writes), so ASan sees a read past a buffer. */
    f->sum += s[0] + s[len - 1];
    if (len <= 4096)
        for (size_t i = 0; i < len; i++)
            f->sum += s[i];
    f->calls++;
    if (f->fail_at && f->calls == f->fail_at)
        return false;
    struct range r = { gpa, gpa + len };
    if (s >= f->image && s < f->image + f->isize) {
        CHECK(gpa >= 0x100000 && r.end <= 0x100000000ull);
        CHECK(f->nseg < MAX_SEGS);
        for (unsigned i = 0; i < f->nseg; i++)
            CHECK(!overlaps(f->seg[i], r));
        f->seg[f->nseg++] = r;
    } else if (s == initrd_buf) {
        CHECK(gpa >= 0x100000 && (gpa & 0xfff) == 0);
        f->initrd = r;
    }
    f->writes++;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    uint64_t unit = (data[0] & 0x80) ? 1024 * MIB : MIB;
    struct fake f = { .ram = ((data[0] & 0x7fu) + 1) * unit, .fail_at = data[1] };
    uint8_t opt = data[2];
    size_t initrd_size = (size_t)(data[3] | data[4] << 8) * 256;
    if (long_cmdline[0] == 0)
        memset(long_cmdline, 'x', sizeof long_cmdline - 1);
    struct pvh_params p = {
        .kernel_name = "hv/guests/vmlinux",
        .initrd_name = "hv/guests/initramfs.gz",
        .cmdline = (opt & 8) ? long_cmdline : "console=ttyS0 hvlinux.rounds=2",
        .initrd = (opt & 2) ? initrd_buf : NULL,
        .initrd_size = (opt & 2) ? initrd_size : 0,
        .rsdp = 0xE0000,
    };

    f.isize = size - 5;
    uint8_t *image = malloc(f.isize ? f.isize : 1); /* exact size: ASan sees overreads */
    if (!image)
        return 0;
    memcpy(image, data + 5, f.isize);
    f.image = image;

    struct guest_mem_ops mem = { .write = fake_write, .ctx = &f, .ram_bytes = f.ram };
    struct guest_boot_state bs;
    char err[160];
    memset(err, 0, sizeof err);
    int rc = guest_load_pvh(image, f.isize, &p, &mem, &bs, err, sizeof err);
    if (rc == 0) {
        CHECK(!f.fail_at || f.calls < f.fail_at);
        CHECK(f.nseg > 0);
        bool entry_loaded = false;
        for (unsigned i = 0; i < f.nseg; i++) {
            if (p.initrd_size)
                CHECK(!overlaps(f.seg[i], f.initrd));
            entry_loaded |= bs.rip >= f.seg[i].start && bs.rip < f.seg[i].end;
        }
        CHECK(entry_loaded);
        if (p.initrd_size)
            CHECK(f.initrd.end - f.initrd.start == p.initrd_size);
        CHECK(bs.mode == GUEST_MODE_PROT32 && bs.gdt_limit == 0 && bs.tr_limit == 0x67);
        CHECK(bs.ebx == PVH_START_INFO_GPA);
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
