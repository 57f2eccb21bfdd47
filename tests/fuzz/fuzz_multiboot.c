/*
 * libFuzzer target: the Multiboot and flat loaders on arbitrary images.
 *
 * Input: byte 0 picks the guest RAM size (1..64 MiB, so the "needs more
 * than 1 MiB" path is reached too), byte 1 the write call that fails (0:
 * none, to reach the out-of-memory paths), bytes 2..9 a flat load address,
 * the rest the image. Beyond the sanitizers' checks it asserts the
 * contract: the loader writes only guest RAM, never the hole, never past
 * 4 GiB; a refusal before any write failure wrote nothing; every refusal
 * has a terminated, non-empty reason; a success enters PROT32 at an entry
 * inside RAM with the Multiboot registers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vmm/guest_loader.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define MIB (1024ull * 1024)

struct fake {
    uint64_t calls, writes, fail_at;
    uint64_t sum; /* every source byte is read, so ASan sees overreads */
};

static uint64_t ram;

static bool fake_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
    struct fake *f = ctx;
    CHECK(len > 0);
    CHECK(gpa + len > gpa);
    CHECK(gpa + len <= ram);
    CHECK(gpa + len <= 0xA0000 || gpa >= 0x100000);  /* never the hole */
    CHECK(gpa + len <= 0x100000000ull);
    const uint8_t *s = src;
    for (size_t i = 0; i < len; i++)
        f->sum += s[i];
    f->calls++;
    if (f->fail_at && f->calls == f->fail_at)
        return false;
    f->writes++;
    return true;
}

static void check_err(const char *err, size_t errlen)
{
    CHECK(strnlen(err, errlen) < errlen && err[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 10)
        return 0;
    ram = (uint64_t)(1 + data[0] % 64) * MIB;
    uint64_t fail_at = data[1];
    uint64_t flat_addr;
    memcpy(&flat_addr, data + 2, 8);
    size_t isize = size - 10;
    /* An exact-size copy, so ASan catches any read past the image. */
    uint8_t *image = malloc(isize ? isize : 1);
    if (!image)
        return 0;
    memcpy(image, data + 10, isize);

    struct fake f = { .fail_at = fail_at };
    struct guest_mem_ops mem = { .write = fake_write, .ctx = &f, .ram_bytes = ram };
    struct guest_boot_state bs;
    char err[160];
    memset(err, 0, sizeof err);

    /* The module: the image's own bytes, when asked. */
    struct mb_params mp = { .name = (data[1] & 2) ? "../guests/k.bin" : NULL,
                            .cmdline = (data[1] & 1) ? "console=ttyS0 n=5" : NULL,
                            .module = (data[1] & 4) ? image : NULL,
                            .module_size = (data[1] & 4) ? isize : 0,
                            .module_name = (data[1] & 8) ? "../guests/env" : NULL };
    int rc = guest_load_multiboot(image, isize, &mp, &mem, &bs, err, sizeof err);
    if (rc == 0) {
        CHECK(!f.fail_at || f.calls < f.fail_at);
        CHECK(f.writes >= 4); /* image, info, mmap, cmdline */
        CHECK(bs.mode == GUEST_MODE_PROT32);
        CHECK(bs.eax == 0x2BADB002);
        /* the info page: its usual place, or a free one below the EBDA */
        CHECK(bs.ebx == MULTIBOOT_INFO_GPA ||
              (bs.ebx >= 0x1000 && bs.ebx <= 0x9e000 && !(bs.ebx & 0xfff)));
        CHECK(bs.rip < ram && bs.rip < 0x100000000ull);
        CHECK(bs.rip < 0xA0000 || bs.rip >= 0x100000);
    } else {
        CHECK(rc == -1);
        check_err(err, sizeof err);
        if (!f.fail_at || f.calls < f.fail_at)
            CHECK(f.writes == 0); /* refused before writing anything */
    }

    /* The flat loader with an address and entry from the input. */
    struct fake g = { .fail_at = fail_at };
    mem.ctx = &g;
    struct flat_params p = { .load_addr = flat_addr, .entry = flat_addr + (data[1] >> 4),
                             .mode = (enum guest_cpu_mode)(data[0] >> 6) };
    memset(err, 0, sizeof err);
    rc = guest_load_flat(image, isize, &p, &mem, &bs, err, sizeof err);
    if (rc == 0) {
        CHECK(g.writes == 1);
        CHECK(bs.mode == p.mode);
        if (p.mode == GUEST_MODE_REAL)
            CHECK(((uint64_t)bs.cs_selector << 4) + bs.rip == p.entry);
        else
            CHECK(bs.rip == p.entry);
    } else {
        CHECK(rc == -1);
        check_err(err, sizeof err);
    }
    free(image);
    return 0;
}
