/*
 * guest.type = "linux" with an uncompressed vmlinux: Xen's PVH boot ABI,
 * written from xen docs/misc/pvh.pandoc and public/arch-x86/hvm/start_info.h.
 * Linux enters it without decompressing itself (a minute of pure CPU under
 * Bochs for Debian's XZ bzImage).
 *
 * As in the boot protocol loader, the whole plan (segments, initrd, command
 * line) is checked before the first byte is written, so a refused image
 * leaves nothing that could run. What the ELF says about itself is checked
 * by loader_pvh_elf.c; here, where it lands: every segment in guest RAM
 * above 1 MiB (below are this loader's structures and the legacy hole with
 * the VM's ACPI tables) and below 4 GiB.
 *
 * Layout of guest memory (addresses in guest_loader.h):
 *   [0x1000, 0x1100)     hvm_start_info, the initrd's modlist entry, the
 *                        memory map (vmm/loader_e820.c, as the boot protocol
 *                        path gives it)
 *   [0x60000, ...)       the command line
 *   [1 MiB, RAM)         the kernel's segments at their p_paddr, the initrd
 *                        high
 */
#include "vmm/guest_loader.h"
#include "vmm/loader_refusal.h"
#include "vmm/loader_pvh_elf.h"
#include "vmm/loader_e820.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/le.h"

#define START_INFO_MAGIC   0x336ec578u
#define START_INFO_VERSION 1u          /* the first with the memory map */
#define START_INFO_SIZE    56u
#define MODLIST_ENTRY_SIZE 32u
#define MEMMAP_ENTRY_SIZE  24u
#define PVH_TSS_LIMIT      0x67u       /* pvh.pandoc: TR a 32-bit TSS, limit 0x67 */
#define HIGH_RAM_START     GUEST_HIGH_RAM_START
#define INITRD_ALIGN       0x1000ull

_Static_assert(PVH_START_INFO_GPA + START_INFO_SIZE <= PVH_MODLIST_GPA, "start info overlaps");
_Static_assert(PVH_MODLIST_GPA + MODLIST_ENTRY_SIZE <= PVH_MEMMAP_GPA, "modlist overlaps");
_Static_assert(PVH_MEMMAP_GPA + E820_MAX * MEMMAP_ENTRY_SIZE <= PVH_CMDLINE_GPA,
               "memory map overlaps the command line");
_Static_assert(PVH_CMDLINE_GPA + PVH_CMDLINE_MAX + 1 <= LOW_E820_END,
               "the command line must be in low RAM");

typedef unsigned long long ull;

/* Each segment inside [1 MiB, `limit`): the RAM below the PCI hole. */
static bool check_places(const struct pvh_image *im, uint64_t limit, uint64_t ram,
                         const char *name, char *err, size_t errlen)
{
    for (unsigned i = 0; i < im->nseg; i++) {
        const struct pvh_segment *s = &im->seg[i];
        uint64_t end = s->paddr + s->memsz; /* below 4 GiB: pvh_elf_parse checked */
        if (s->paddr < HIGH_RAM_START) {
            loader_refuse(err, errlen, name,
                          "segment [0x%llx, 0x%llx) is below 1 MiB, where the start "
                          "info, the command line and the legacy hole are",
                          (ull)s->paddr, (ull)end);
            return false;
        }
        if (end > limit) {
            loader_refuse(err, errlen, name,
                          "segment [0x%llx, 0x%llx) is beyond guest RAM (%llu MiB%s)",
                          (ull)s->paddr, (ull)end, (ull)(limit >> 20),
                          ram > GUEST_PCI_HOLE_START ? " below the PCI hole" : "");
            return false;
        }
    }
    return true;
}

/* The initrd as high as it may go below `limit`, 4 KiB aligned, clear of
 * every segment. Each step down moves below a segment in the way, to a
 * lower top than before, so this ends after at most nseg + 1 turns. */
static bool place_initrd(const struct pvh_image *im, uint64_t size, uint64_t limit,
                         const char *iname, uint64_t *at_out, char *err, size_t errlen)
{
    uint64_t top = limit;
    for (unsigned turn = 0; turn <= im->nseg; turn++) {
        if (top < HIGH_RAM_START || top - HIGH_RAM_START < size)
            break;
        uint64_t at = ALIGN_DOWN(top - size, INITRD_ALIGN);
        if (at < HIGH_RAM_START)
            break;
        bool moved = false;
        for (unsigned i = 0; i < im->nseg; i++) {
            const struct pvh_segment *s = &im->seg[i];
            if (ranges_overlap(at, at + size, s->paddr, s->paddr + s->memsz) && s->paddr < top) {
                top = s->paddr;
                moved = true;
            }
        }
        if (!moved) {
            *at_out = at;
            return true;
        }
    }
    loader_refuse(err, errlen, iname,
                  "%llu bytes do not fit in RAM above 1 MiB and below 0x%llx beside "
                  "the kernel's segments",
                  (ull)size, (ull)limit);
    return false;
}

/* hvm_start_info, the modlist entry and the memory map. */
static bool write_start_info(const struct pvh_params *p, uint64_t ram, uint64_t initrd,
                             uint64_t initrd_size, const struct guest_mem_ops *mem,
                             const char *name, char *err, size_t errlen)
{
    struct e820_range e[E820_MAX];
    unsigned n = e820_layout(ram, 0, 0, e);
    uint8_t map[E820_MAX * MEMMAP_ENTRY_SIZE];
    memset(map, 0, sizeof map);
    for (unsigned i = 0; i < n; i++) {
        le_put(map + i * MEMMAP_ENTRY_SIZE, e[i].start, 8);
        le_put(map + i * MEMMAP_ENTRY_SIZE + 8, e[i].end - e[i].start, 8);
        le_put(map + i * MEMMAP_ENTRY_SIZE + 16, e[i].type, 4); /* reserved stays 0 */
    }
    uint8_t mod[MODLIST_ENTRY_SIZE]; /* paddr, size, cmdline_paddr 0 (none), reserved */
    memset(mod, 0, sizeof mod);
    le_put(mod, initrd, 8);
    le_put(mod + 8, initrd_size, 8);
    uint8_t si[START_INFO_SIZE];
    memset(si, 0, sizeof si);
    le_put(si + 0, START_INFO_MAGIC, 4);
    le_put(si + 4, START_INFO_VERSION, 4);
    le_put(si + 8, 0, 4);                              /* flags: no SIF_* */
    le_put(si + 12, initrd_size ? 1 : 0, 4);           /* nr_modules */
    le_put(si + 16, initrd_size ? PVH_MODLIST_GPA : 0, 8);
    le_put(si + 24, PVH_CMDLINE_GPA, 8);
    le_put(si + 32, p->rsdp, 8);
    le_put(si + 40, PVH_MEMMAP_GPA, 8);
    le_put(si + 48, n, 4);                             /* then 4 reserved bytes, 0 */
    return loader_put(mem, PVH_MEMMAP_GPA, map, n * MEMMAP_ENTRY_SIZE, name, err, errlen) &&
           (!initrd_size || loader_put(mem, PVH_MODLIST_GPA, mod, sizeof mod, name, err, errlen)) &&
           loader_put(mem, PVH_START_INFO_GPA, si, sizeof si, name, err, errlen);
}

int guest_load_pvh(const void *image, size_t size, const struct pvh_params *p,
                   const struct guest_mem_ops *mem, struct guest_boot_state *out, char *err,
                   size_t errlen)
{
    const uint8_t *img = image;
    const char *name = p->kernel_name ? p->kernel_name : "kernel";
    const char *iname = p->initrd_name ? p->initrd_name : "initrd";
    const char *cmdline = p->cmdline ? p->cmdline : "";
    uint64_t ram = mem->ram_bytes;
    uint64_t limit = guest_ram_low_end(ram); /* below 4 GiB: the entry runs without paging */
    struct pvh_image im;

    if (ram <= HIGH_RAM_START) {
        loader_refuse(err, errlen, name,
                      "guest RAM of %llu KiB: the PVH entry needs RAM above 1 MiB",
                      (ull)(ram >> 10));
        return -1;
    }
    if (!pvh_elf_parse(img, size, name, &im, err, errlen) ||
        !check_places(&im, limit, ram, name, err, errlen))
        return -1;
    size_t cmdlen = strnlen(cmdline, PVH_CMDLINE_MAX + 1);
    if (cmdlen > PVH_CMDLINE_MAX) {
        loader_refuse(err, errlen, name, "command line is longer than %u bytes", PVH_CMDLINE_MAX);
        return -1;
    }
    uint64_t initrd = 0, initrd_size = p->initrd ? p->initrd_size : 0;
    if (initrd_size && !place_initrd(&im, initrd_size, limit, iname, &initrd, err, errlen))
        return -1;

    /* Everything is checked: now write. Bytes past p_filesz stay RAM's zeros. */
    static const char nul = '\0';
    for (unsigned i = 0; i < im.nseg; i++)
        if (!loader_put(mem, im.seg[i].paddr, img + im.seg[i].off, (size_t)im.seg[i].filesz, name,
                        err, errlen))
            return -1;
    if (!loader_put(mem, initrd, p->initrd, (size_t)initrd_size, name, err, errlen) ||
        !loader_put(mem, PVH_CMDLINE_GPA, cmdline, cmdlen, name, err, errlen) ||
        !loader_put(mem, PVH_CMDLINE_GPA + cmdlen, &nul, 1, name, err, errlen) ||
        !write_start_info(p, ram, initrd, initrd_size, mem, name, err, errlen))
        return -1;

    /* pvh.pandoc: CR0.PE, paging off, CR4 = 0, flat 32-bit CS and DS/ES/SS
     * (vcpu_boot_state's PROT32 without a GDT: the guest loads its own),
     * EBX = start info, EFLAGS.IF/TF/VM clear, TR a 32-bit TSS. */
    memset(out, 0, sizeof *out);
    out->mode = GUEST_MODE_PROT32;
    out->rip = im.entry;
    out->ebx = (uint32_t)PVH_START_INFO_GPA;
    out->tr_limit = PVH_TSS_LIMIT;
    return 0;
}
