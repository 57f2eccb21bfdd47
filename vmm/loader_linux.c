/*
 * guest.type = "linux": the Linux x86 boot protocol, written from
 * Documentation/x86/boot.rst and zero-page.rst. It also loads memtest86+,
 * which carries the same header.
 *
 * The image is hostile. Every header field is checked, and the whole plan
 * (where the kernel, its init_size working room, the initrd, boot_params,
 * the command line and the page tables go) is made before the first byte is
 * written, so a refused image leaves nothing that could run. Addresses are
 * 64-bit sums of 32-bit fields and sizes bounded by RAM (at most 64 GiB
 * here), so they cannot wrap.
 *
 * Layout of guest memory (the low part is fixed, see guest_loader.h):
 *   [0, 0x9fc00)         RAM: GDT, boot_params, a stack, page tables,
 *                        command line
 *   [0x9fc00, 0x100000)  reserved (EBDA, VGA, BIOS: what PCs report)
 *   [1 MiB, RAM)         RAM: the kernel at its load address with init_size
 *                        bytes of room, the initrd high; an ACPI region if
 *                        the caller has one.
 */
#include "vmm/guest_loader.h"
#include "vmm/loader_refusal.h"
#include "vmm/loader_linux_boot.h"
#include "vmm/loader_e820.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/le.h"

/* Setup header fields: offsets in the image's first sector and, since the
 * header is copied as is, in boot_params too. */
#define H_SETUP_SECTS     0x1f1 /* u8: 512-byte setup sectors after the boot sector; 0 = 4 */
#define H_SYSSIZE         0x1f4 /* u32: protected-mode code in 16-byte paragraphs */
#define H_BOOT_FLAG       0x1fe /* u16: 0xaa55 */
#define H_JUMP            0x200 /* u8 jmp opcode, then the offset that ends the header */
#define H_MAGIC           0x202 /* u32: "HdrS" */
#define H_VERSION         0x206 /* u16: major << 8 | minor */
#define H_TYPE_OF_LOADER  0x210
#define H_LOADFLAGS       0x211
#define H_CODE32_START    0x214
#define H_RAMDISK_IMAGE   0x218
#define H_RAMDISK_SIZE    0x21c
#define H_CMD_LINE_PTR    0x228
#define H_INITRD_ADDR_MAX 0x22c /* u32: highest address the initrd may occupy */
#define H_KERNEL_ALIGN    0x230
#define H_RELOCATABLE     0x234
#define H_XLOADFLAGS      0x236
#define H_CMDLINE_SIZE    0x238 /* u32: longest command line, without its NUL */
#define H_PREF_ADDRESS    0x258
#define H_INIT_SIZE       0x260
#define H_NEEDED_END      0x264 /* the header must reach past init_size */
#define H_ROOM_END        0x290 /* where boot_params' copy of the header must end */

#define HDRS_MAGIC        0x53726448u /* "HdrS" */
#define BOOT_FLAG         0xaa55u
#define LOADED_HIGH       0x01u       /* loadflags: protected-mode code at 1 MiB */
#define XLF_KERNEL_64     0x01u       /* xloadflags: 64-bit entry at +0x200 */
#define XLF_ABOVE_4G      0x02u       /* kernel, boot_params, initrd may be above 4 GiB */
#define MIN_VERSION       0x020a      /* 2.10: init_size and pref_address */
#define MIN_VERSION_64    0x020c      /* 2.12: xloadflags */
#define ENTRY64_OFFSET    0x200
#define LOADER_TYPE_OTHER 0xff        /* "undefined" boot loader */

/* boot_params fields outside the setup header (zero-page.rst). */
#define BP_ACPI_RSDP      0x070
#define BP_EXT_RD_IMAGE   0x0c0
#define BP_EXT_RD_SIZE    0x0c4
#define BP_ALT_MEM_K      0x1e0
#define BP_E820_ENTRIES   0x1e8
#define BP_E820_TABLE     0x2d0
#define BP_SIZE           0x1000
#define E820_ENTRY_SIZE   20
#define HIGH_RAM_START    GUEST_HIGH_RAM_START
#define INITRD_ALIGN      0x1000ull

typedef unsigned long long ull;

/* What the checks took from the header. */
struct linux_hdr {
    uint32_t version;
    uint32_t hdr_end;       /* the setup header is [0x1f1, hdr_end) */
    uint64_t setup_bytes;   /* boot sector + setup sectors: the payload starts here */
    uint64_t load_bytes;    /* protected-mode code to copy */
    uint32_t xloadflags;
    bool relocatable;
    uint64_t align;
    uint64_t pref;
    uint64_t init_size;
    uint64_t cmdline_size;
    uint64_t initrd_max;    /* exclusive */
};

/* Where everything goes. */
struct linux_plan {
    uint64_t load;               /* the protected-mode code */
    uint64_t kstart, kend;       /* kept for the kernel: code, its init_size room */
    uint64_t initrd;             /* 0 and initrd_size 0: none */
    uint64_t initrd_size;
    size_t cmdlen;
};

static bool parse_header(const uint8_t *img, size_t size, bool entry32, const char *name,
                         struct linux_hdr *h, char *err, size_t errlen)
{
    if (!img || size < H_ROOM_END) {
        loader_refuse(err, errlen, name,
                      "%zu bytes is too small for a Linux boot header (0x%x bytes)", img ? size : 0,
                      H_ROOM_END);
        return false;
    }
    uint32_t flag = (uint32_t)le_get(img + H_BOOT_FLAG, 2);
    if (flag != BOOT_FLAG) {
        loader_refuse(err, errlen, name, "no boot sector signature 0xaa55 at 0x1fe (found 0x%x)",
                      flag);
        return false;
    }
    if (le_get(img + H_MAGIC, 4) != HDRS_MAGIC) {
        loader_refuse(err, errlen, name,
                      "no setup header (\"HdrS\" at 0x202): not a Linux bzImage");
        return false;
    }
    h->version = (uint32_t)le_get(img + H_VERSION, 2);
    uint32_t need = entry32 ? MIN_VERSION : MIN_VERSION_64;
    if (h->version < need) {
        loader_refuse(err, errlen, name, "boot protocol %u.%02u is older than %u.%02u",
                      h->version >> 8, h->version & 0xff, need >> 8, need & 0xff);
        return false;
    }
    /* The header ends where the jump at 0x200 lands (boot.rst). */
    h->hdr_end = 0x202 + img[H_JUMP + 1];
    if (h->hdr_end < H_NEEDED_END || h->hdr_end > H_ROOM_END) {
        loader_refuse(err, errlen, name, "setup header ends at 0x%x, outside [0x%x, 0x%x]",
                      h->hdr_end, H_NEEDED_END, H_ROOM_END);
        return false;
    }
    uint32_t sects = img[H_SETUP_SECTS] ? img[H_SETUP_SECTS] : 4;
    h->setup_bytes = (sects + 1ull) * 512;
    if (h->setup_bytes >= size) {
        loader_refuse(err, errlen, name,
                      "setup_sects %u (0x%llx bytes of setup) leaves no kernel in "
                      "the %zu-byte image",
                      img[H_SETUP_SECTS], (ull)h->setup_bytes, size);
        return false;
    }
    if (!(img[H_LOADFLAGS] & LOADED_HIGH)) {
        loader_refuse(err, errlen, name,
                      "loadflags 0x%x: not LOADED_HIGH (a zImage, loaded at 64 KiB)",
                      img[H_LOADFLAGS]);
        return false;
    }
    h->xloadflags = (uint32_t)le_get(img + H_XLOADFLAGS, 2);
    if (!entry32 && !(h->xloadflags & XLF_KERNEL_64)) {
        loader_refuse(err, errlen, name, "xloadflags 0x%x: no 64-bit entry (XLF_KERNEL_64)",
                      h->xloadflags);
        return false;
    }
    /* syssize counts 16-byte paragraphs, so it may round the file up by
     * less than one; more means the header lies about the image. */
    uint64_t sys = le_get(img + H_SYSSIZE, 4) * 16;
    uint64_t avail = size - h->setup_bytes;
    if (sys == 0 || sys >= avail + 16) {
        loader_refuse(err, errlen, name,
                      "syssize says 0x%llx bytes of kernel, the image has 0x%llx "
                      "after its setup",
                      (ull)sys, (ull)avail);
        return false;
    }
    h->load_bytes = MIN(sys, avail);
    h->relocatable = img[H_RELOCATABLE] != 0;
    h->align = le_get(img + H_KERNEL_ALIGN, 4);
    if (h->relocatable && (h->align < 0x1000 || (h->align & (h->align - 1)))) {
        loader_refuse(err, errlen, name,
                      "kernel_alignment 0x%llx is not a power of two of 4 KiB or more",
                      (ull)h->align);
        return false;
    }
    h->pref = le_get(img + H_PREF_ADDRESS, 8);
    /* init_size is what the kernel needs from its start before it reads
     * the memory map; never less than what we copy there. */
    h->init_size = MAX(le_get(img + H_INIT_SIZE, 4), h->load_bytes);
    h->cmdline_size = le_get(img + H_CMDLINE_SIZE, 4);
    h->initrd_max = le_get(img + H_INITRD_ADDR_MAX, 4) + 1;
    return true;
}

/* The kernel's place. A relocatable kernel goes to pref_address rounded up
 * to its alignment (and not below 1 MiB): Linux's 64-bit entry decompresses
 * at max(its aligned load address, LOAD_PHYSICAL_ADDR = pref_address), so a
 * lower load would save nothing. It moves up past an ACPI region in the way.
 * A kernel that is not relocatable loads at 1 MiB (boot.rst) and runs at
 * pref_address; both ranges are kept. */
static bool place_kernel(const struct linux_hdr *h, const struct linux_params *p, uint64_t low,
                         const char *name, struct linux_plan *pl, char *err, size_t errlen)
{
    uint64_t limit = low; /* the kernel stays below the PCI hole, so below 4 GiB */
    uint64_t acpi_end = p->acpi_base + p->acpi_size;
    if (h->pref >= limit) { /* also keeps the sums below from wrapping */
        loader_refuse(err, errlen, name, "pref_address 0x%llx is beyond guest RAM (0x%llx)%s",
                      (ull)h->pref, (ull)low, low == GUEST_PCI_HOLE_START ? " below the PCI hole" : "");
        return false;
    }
    if (h->relocatable) {
        uint64_t start = ALIGN_UP(MAX(h->pref, HIGH_RAM_START), h->align);
        if (p->acpi_size && ranges_overlap(start, start + h->init_size, p->acpi_base, acpi_end))
            start = ALIGN_UP(acpi_end, h->align);
        pl->load = pl->kstart = start;
        pl->kend = start + h->init_size;
    } else {
        uint64_t run = h->pref ? h->pref : HIGH_RAM_START;
        if (run < HIGH_RAM_START) {
            loader_refuse(err, errlen, name,
                          "not relocatable, and pref_address 0x%llx is below 1 MiB", (ull)run);
            return false;
        }
        pl->load = HIGH_RAM_START;
        pl->kstart = HIGH_RAM_START;
        pl->kend = MAX(HIGH_RAM_START + h->load_bytes, run + h->init_size);
    }
    if (pl->kend > limit) {
        loader_refuse(err, errlen, name,
                      "needs [0x%llx, 0x%llx) (init_size 0x%llx) but guest RAM "
                      "ends at 0x%llx%s",
                      (ull)pl->kstart, (ull)pl->kend, (ull)h->init_size, (ull)low,
                      low == GUEST_PCI_HOLE_START ? " (below the PCI hole)" : "");
        return false;
    }
    if (p->acpi_size && ranges_overlap(pl->kstart, pl->kend, p->acpi_base, acpi_end)) {
        loader_refuse(err, errlen, name,
                      "[0x%llx, 0x%llx) overlaps the ACPI tables at [0x%llx, 0x%llx)",
                      (ull)pl->kstart, (ull)pl->kend, (ull)p->acpi_base, (ull)acpi_end);
        return false;
    }
    return true;
}

/* The initrd as high as it may go: below initrd_addr_max and the PCI hole
 * (or anywhere in RAM, above 4 GiB too, when the kernel takes it there),
 * below the top of RAM, 4 KiB aligned, clear of the kernel, the ACPI region
 * and the PCI hole. Each step down moves below a range in the way, so this
 * ends after at most three. */
static bool place_initrd(const struct linux_hdr *h, const struct linux_params *p, uint64_t low,
                         uint64_t top_of_ram, struct linux_plan *pl, char *err, size_t errlen)
{
    const char *name = p->initrd_name ? p->initrd_name : "initrd";
    uint64_t size = p->initrd_size;
    uint64_t ceiling = (h->xloadflags & XLF_ABOVE_4G) ? top_of_ram : MIN(low, h->initrd_max);
    struct { uint64_t start, end; } busy[3] = {
        { pl->kstart, pl->kend }, { p->acpi_base, p->acpi_base + p->acpi_size },
        { GUEST_PCI_HOLE_START, GUEST_PCI_HOLE_END },
    };
    uint64_t top = ceiling;
    for (;;) {
        if (top < HIGH_RAM_START || top - HIGH_RAM_START < size) {
            loader_refuse(err, errlen, name,
                          "%llu bytes do not fit in RAM below 0x%llx beside the "
                          "kernel at [0x%llx, 0x%llx)",
                          (ull)size, (ull)ceiling, (ull)pl->kstart, (ull)pl->kend);
            return false;
        }
        uint64_t at = ALIGN_DOWN(top - size, INITRD_ALIGN);
        if (at < HIGH_RAM_START) {
            top = 0; /* reported above on the next turn */
            continue;
        }
        bool moved = false;
        for (unsigned i = 0; i < 3; i++) {
            if (busy[i].end > busy[i].start &&
                ranges_overlap(at, at + size, busy[i].start, busy[i].end)) {
                top = busy[i].start;
                moved = true;
            }
        }
        if (!moved) {
            pl->initrd = at;
            return true;
        }
    }
}

static bool check_acpi(const struct linux_params *p, uint64_t ram, const char *name, char *err,
                       size_t errlen)
{
    if (!p->acpi_size)
        return true;
    if (p->acpi_base < HIGH_RAM_START || p->acpi_base > ram || p->acpi_size > ram - p->acpi_base) {
        loader_refuse(err, errlen, name,
                      "ACPI region [0x%llx, +0x%llx) is not in guest RAM above 1 MiB",
                      (ull)p->acpi_base, (ull)p->acpi_size);
        return false;
    }
    return true;
}

/* The e820 map (vmm/loader_e820.c), as boot_params' 20-byte entries. */
static unsigned build_e820(uint8_t *tab, uint64_t ram, const struct linux_params *p)
{
    struct e820_range e[E820_MAX];
    unsigned n = e820_layout(ram, p->acpi_base, p->acpi_size, e);
    for (unsigned i = 0; i < n; i++) {
        uint8_t *t = tab + i * E820_ENTRY_SIZE;
        le_put(t, e[i].start, 8);
        le_put(t + 8, e[i].end - e[i].start, 8);
        le_put(t + 16, e[i].type, 4);
    }
    return n;
}

/* boot_params: zeroed, the image's setup header with what the loader
 * fills in (boot.rst, "Details of header fields"), the e820 map. */
static bool write_boot_params(const uint8_t *img, const struct linux_hdr *h,
                              const struct linux_params *p, const struct linux_plan *pl,
                              const struct guest_mem_ops *mem, const char *name, char *err,
                              size_t errlen)
{
    static const uint8_t zeros[512];
    for (uint64_t o = 0; o < BP_SIZE; o += sizeof zeros)
        if (!loader_put(mem, LINUX_BOOT_PARAMS_GPA + o, zeros, sizeof zeros, name, err, errlen))
            return false;

    uint8_t hdr[H_ROOM_END];
    memset(hdr, 0, sizeof hdr);
    memcpy(hdr + H_SETUP_SECTS, img + H_SETUP_SECTS, h->hdr_end - H_SETUP_SECTS);
    hdr[H_TYPE_OF_LOADER] = LOADER_TYPE_OTHER;
    le_put(hdr + H_CODE32_START, pl->load, 4);
    le_put(hdr + H_CMD_LINE_PTR, LINUX_CMDLINE_GPA, 4);
    le_put(hdr + H_RAMDISK_IMAGE, pl->initrd, 4);
    le_put(hdr + H_RAMDISK_SIZE, pl->initrd_size, 4);
    if (!loader_put(mem, LINUX_BOOT_PARAMS_GPA + H_SETUP_SECTS, hdr + H_SETUP_SECTS,
                    h->hdr_end - H_SETUP_SECTS, name, err, errlen))
        return false;

    uint8_t ext[8]; /* the initrd's address and size above 32 bits */
    le_put(ext, pl->initrd >> 32, 4);
    le_put(ext + 4, pl->initrd_size >> 32, 4);
    uint8_t rsdp[8], altk[4], tab[E820_MAX * E820_ENTRY_SIZE];
    le_put(rsdp, p->acpi_rsdp, 8);
    /* Extended memory: from 1 MiB up to the first hole. */
    le_put(altk, (guest_ram_low_end(mem->ram_bytes) - HIGH_RAM_START) >> 10, 4);
    uint8_t count = (uint8_t)build_e820(tab, mem->ram_bytes, p);
    return loader_put(mem, LINUX_BOOT_PARAMS_GPA + BP_EXT_RD_IMAGE, ext, sizeof ext, name, err,
                      errlen) &&
           loader_put(mem, LINUX_BOOT_PARAMS_GPA + BP_ACPI_RSDP, rsdp, sizeof rsdp, name, err,
                      errlen) &&
           loader_put(mem, LINUX_BOOT_PARAMS_GPA + BP_ALT_MEM_K, altk, sizeof altk, name, err,
                      errlen) &&
           loader_put(mem, LINUX_BOOT_PARAMS_GPA + BP_E820_ENTRIES, &count, 1, name, err, errlen) &&
           loader_put(mem, LINUX_BOOT_PARAMS_GPA + BP_E820_TABLE, tab, count * E820_ENTRY_SIZE,
                      name, err, errlen);
}

int guest_load_linux(const void *image, size_t size, const struct linux_params *p,
                     const struct guest_mem_ops *mem, struct guest_boot_state *out, char *err,
                     size_t errlen)
{
    const uint8_t *img = image;
    const char *name = p->kernel_name ? p->kernel_name : "kernel";
    const char *cmdline = p->cmdline ? p->cmdline : "";
    uint64_t ram = mem->ram_bytes, low = guest_ram_low_end(ram);
    struct linux_hdr h;
    struct linux_plan pl;

    if (ram <= HIGH_RAM_START || ram > LINUX_RAM_MAX_GIB << 30) {
        loader_refuse(err, errlen, name,
                      "guest RAM of %llu MiB: Linux here needs more than 1 MiB and "
                      "at most %llu GiB",
                      (ull)(ram >> 20), LINUX_RAM_MAX_GIB);
        return -1;
    }
    if (!parse_header(img, size, p->entry32, name, &h, err, errlen) ||
        !check_acpi(p, low, name, err, errlen) ||
        !place_kernel(&h, p, low, name, &pl, err, errlen))
        return -1;

    uint64_t cmd_max = MIN(h.cmdline_size, LINUX_CMDLINE_ROOM - 1);
    pl.cmdlen = strnlen(cmdline, cmd_max + 1);
    if (pl.cmdlen > cmd_max) {
        loader_refuse(err, errlen, name,
                      "command line is longer than %llu bytes (cmdline_size 0x%llx)", (ull)cmd_max,
                      (ull)h.cmdline_size);
        return -1;
    }
    pl.initrd = 0;
    pl.initrd_size = p->initrd ? p->initrd_size : 0;
    if (pl.initrd_size && !place_initrd(&h, p, low, guest_ram_top(ram), &pl, err, errlen))
        return -1;

    /* Everything is checked: now write. */
    static const char nul = '\0';
    uint64_t entry = p->entry32 ? pl.load : pl.load + ENTRY64_OFFSET;
    if (!loader_put(mem, pl.load, img + h.setup_bytes, (size_t)h.load_bytes, name, err, errlen) ||
        !loader_put(mem, pl.initrd, p->initrd, (size_t)pl.initrd_size, name, err, errlen) ||
        !write_boot_params(img, &h, p, &pl, mem, name, err, errlen) ||
        !loader_put(mem, LINUX_CMDLINE_GPA, cmdline, pl.cmdlen, name, err, errlen) ||
        !loader_put(mem, LINUX_CMDLINE_GPA + pl.cmdlen, &nul, 1, name, err, errlen) ||
        !linux_write_entry(mem, p->entry32, entry, LINUX_BOOT_PARAMS_GPA, out, name, err, errlen))
        return -1;
    return 0;
}
