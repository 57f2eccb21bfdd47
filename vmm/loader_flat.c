/*
 * guest.type = "flat": a raw binary copied to guest-physical `load_addr` and
 * entered at `entry`. There is no header to trust, so the checks are on the
 * VM file's numbers: the image must lie in guest RAM (not across the
 * 640 KiB - 1 MiB hole) and the entry must be inside the image (a flat
 * binary has no other code to jump to).
 *
 * Real mode: CS = (entry >> 4) & 0xf000 and IP = entry & 0xffff, so that
 * CS:IP = entry for any entry below 1 MiB, with the largest possible IP
 * range before the code has to touch CS itself.
 */
#include "vmm/guest_loader.h"
#include "lib/format.h"
#include "lib/kstring.h"

#define LOW_RAM_END GUEST_LOW_RAM_END /* the legacy hole is [LOW_RAM_END, HIGH_RAM_START) */
#define HIGH_RAM_START GUEST_HIGH_RAM_START
#define REAL_MODE_LIMIT 0x100000ULL

int guest_load_flat(const void *image, size_t size, const struct flat_params *p,
                    const struct guest_mem_ops *mem, struct guest_boot_state *out, char *err,
                    size_t errlen)
{
    if (!image || size == 0) {
        ksnprintf(err, errlen, "empty image");
        return -1;
    }
    if (p->mode != GUEST_MODE_REAL && p->mode != GUEST_MODE_PROT32) {
        ksnprintf(err, errlen, "unknown CPU mode %d", (int)p->mode);
        return -1;
    }
    uint64_t ram = guest_ram_low_end(mem->ram_bytes); /* real or 32-bit code: below the PCI hole */
    uint64_t start = p->load_addr;
    /* `size` is at most SIZE_MAX < 2^64 and start is checked against RAM
     * before the sum, so the end cannot wrap. */
    bool fits = start < ram && size <= ram - start;
    uint64_t end = fits ? start + size : 0;
    if (fits && start < HIGH_RAM_START && end > LOW_RAM_END) {
        ksnprintf(err, errlen,
                  "image of %zu bytes at 0x%llx overlaps the hole at [0xa0000, 0x100000)", size,
                  (unsigned long long)start);
        return -1;
    }
    /* Past the hole check, an image ends below the hole or starts above it. */
    if (!fits) {
        ksnprintf(err, errlen, "image of %zu bytes does not fit at 0x%llx in %llu MiB of guest RAM",
                  size, (unsigned long long)start, (unsigned long long)(ram >> 20));
        return -1;
    }
    if (p->entry < start || p->entry >= end) {
        ksnprintf(err, errlen, "entry 0x%llx is outside the image [0x%llx, 0x%llx)",
                  (unsigned long long)p->entry, (unsigned long long)start,
                  (unsigned long long)end);
        return -1;
    }
    if (p->mode == GUEST_MODE_REAL && p->entry >= REAL_MODE_LIMIT) {
        ksnprintf(err, errlen, "real-mode entry 0x%llx is not below 1 MiB",
                  (unsigned long long)p->entry);
        return -1;
    }
    if (!mem->write(mem->ctx, start, image, size)) {
        ksnprintf(err, errlen, "could not write guest memory at 0x%llx (%zu bytes)",
                  (unsigned long long)start, size);
        return -1;
    }

    memset(out, 0, sizeof *out);
    out->mode = p->mode;
    if (p->mode == GUEST_MODE_REAL) {
        out->cs_selector = (uint16_t)((p->entry >> 4) & 0xf000);
        out->rip = p->entry & 0xffff;
    } else {
        out->rip = p->entry;
    }
    return 0;
}
