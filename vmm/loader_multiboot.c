/*
 * Multiboot v1 loader, written from the Multiboot Specification 0.6.96.
 *
 * The image is hostile: every field read from it is checked before any byte
 * is written to the guest, so a refused image leaves nothing behind that
 * could run. All arithmetic on guest addresses is done in 64 bits, where
 * the image's 32-bit fields cannot wrap.
 *
 * What a guest gets (docs/guests.md lists what our test guests rely on):
 * - the image: with flag 16 the a.out-kludge address fields, else the
 *   PT_LOAD segments of an ELF32 EM_386 executable at their p_paddr;
 * - bss (a.out bss_end_addr, ELF p_memsz beyond p_filesz) zeroed;
 * - one page holding the info structure (flags: mem, cmdline, mmap), the
 *   memory map and the command line, at MULTIBOOT_INFO_GPA or, where the
 *   image loads there, the highest page below 640 KiB it leaves free (a
 *   boot loader puts the info wherever the kernel is not);
 * - the command line as a boot loader gives it: the kernel's file name,
 *   a space, then the arguments (GRUB and QEMU do this; kernels that parse
 *   argv take the first word as argv[0]);
 * - optionally one module (flag 3), page-aligned above the image and 1 MiB,
 *   its string (the file's name) after the command line in the info page;
 * - PROT32 at the entry with EAX = 0x2BADB002, EBX = the info address.
 * Images must stay out of the 640 KiB - 1 MiB hole, and inside guest RAM.
 */
#include "vmm/guest_loader.h"
#include "lib/format.h"
#include "lib/kstring.h"

#define MB_HEADER_MAGIC 0x1BADB002u
#define MB_BOOT_MAGIC   0x2BADB002u
#define MB_SEARCH_BYTES 8192u        /* the header lies within these */

/* Header flags. Bits 0-15 are requirements: a loader that does not know one
 * must refuse the image. Bits 16-31 are optional features. */
#define MBH_PAGE_ALIGN  (1u << 0)   /* modules page-aligned: we load none */
#define MBH_MEMINFO     (1u << 1)   /* mem_* fields wanted: always given */
#define MBH_VIDEO       (1u << 2)   /* a video mode wanted: we have no display */
#define MBH_AOUT_KLUDGE (1u << 16)
#define MBH_REQUIRED    0xffffu
#define MBH_KNOWN       (MBH_PAGE_ALIGN | MBH_MEMINFO)

#define MBH_BASE_SIZE   12u         /* magic, flags, checksum */
#define MBH_AOUT_SIZE   32u         /* ... and the five address fields */

/* Info structure flags and layout (offsets in bytes). */
#define MBI_MEM         (1u << 0)
#define MBI_CMDLINE     (1u << 2)
#define MBI_MODS        (1u << 3)
#define MBI_MMAP        (1u << 6)
#define MBI_OFF_FLAGS       0
#define MBI_OFF_MEM_LOWER   4
#define MBI_OFF_MEM_UPPER   8
#define MBI_OFF_CMDLINE     16
#define MBI_OFF_MODS_COUNT  20
#define MBI_OFF_MODS_ADDR   24
#define MBI_OFF_MMAP_LENGTH 44
#define MBI_OFF_MMAP_ADDR   48
#define MBI_SIZE            0x80    /* room for every v1 field, unused ones zero */

/* The info page: structure, then the memory map, then the command line
 * (offsets within the page). */
#define INFO_PAGE_SIZE  0x1000ull
#define MMAP_OFF        MBI_SIZE
#define MMAP_ENTRY_SIZE 24u          /* size field + base, length, type */
#define MMAP_ENTRIES    4u /* low RAM, legacy hole, RAM, RAM above the PCI hole */
#define MODS_OFF        (MMAP_OFF + 0x60) /* one module: start, end, string, reserved */
#define MOD_ENTRY_SIZE  16u
#define CMDLINE_OFF     (MMAP_OFF + 0x80) /* then the module's string */
#define CMDLINE_MAX     (INFO_PAGE_SIZE - CMDLINE_OFF - 1)
_Static_assert(MMAP_ENTRIES * MMAP_ENTRY_SIZE <= MODS_OFF - MMAP_OFF, "mmap overlaps the module");
_Static_assert(MODS_OFF + MOD_ENTRY_SIZE <= CMDLINE_OFF, "the module overlaps cmdline");
/* Where else the info page may go: the highest free page below the EBDA,
 * down to the second page (page 0 holds the real-mode vectors). */
#define INFO_LAST_GPA   0x9e000ull
#define INFO_FIRST_GPA  0x1000ull

#define MMAP_AVAILABLE  1u
#define MMAP_RESERVED   2u

#define LOW_RAM_END GUEST_LOW_RAM_END /* the legacy hole is [LOW_RAM_END, HIGH_RAM_START) */
#define LOW_MMAP_END    0x9FC00ull   /* what PCs report: the EBDA's KiB is not free */
#define HIGH_RAM_START GUEST_HIGH_RAM_START

/* ELF32 (System V ABI, i386 supplement). */
#define ELF_EHDR_SIZE   52u
#define ELF_PHDR_SIZE   32u
#define ELFCLASS32      1
#define ELFDATA2LSB     1
#define ET_EXEC         2
#define EM_386          3
#define PT_LOAD         1

static uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

typedef unsigned long long ull; /* for %llx */

/* Where one piece of the image goes: `filesz` bytes from the image at `off`,
 * then zeros up to `memsz`. */
struct piece {
    uint64_t gpa;
    uint64_t off;
    uint64_t filesz;
    uint64_t memsz;
};

/* [start, end) must be guest RAM, outside the legacy hole; `ram` is where
 * RAM below the PCI hole ends (so the image is within a 32-bit kernel's
 * reach). */
static bool check_place(uint64_t start, uint64_t end, uint64_t ram, char *err, size_t errlen)
{
    if (start < HIGH_RAM_START && end > LOW_RAM_END) {
        ksnprintf(err, errlen, "image range [0x%llx, 0x%llx) overlaps the hole at [0xa0000, 0x100000)",
                  (ull)start, (ull)end);
        return false;
    }
    if (end > ram) {
        ksnprintf(err, errlen, "image range [0x%llx, 0x%llx) goes beyond the %llu MiB of guest RAM%s",
                  (ull)start, (ull)end, (ull)(ram >> 20),
                  ram == GUEST_PCI_HOLE_START ? " below the PCI hole" : "");
        return false;
    }
    return true;
}

/* The first 4-byte aligned magic in the first 8 KiB whose checksum holds. */
static bool find_header(const uint8_t *img, size_t size, size_t *off)
{
    size_t limit = MIN(size, (size_t)MB_SEARCH_BYTES);
    for (size_t o = 0; o + MBH_BASE_SIZE <= limit; o += 4) {
        if (rd32(img + o) != MB_HEADER_MAGIC)
            continue;
        uint32_t sum = MB_HEADER_MAGIC + rd32(img + o + 4) + rd32(img + o + 8);
        if (sum == 0) {
            *off = o;
            return true;
        }
    }
    return false;
}

/* The a.out kludge: one piece, from the header's address fields. */
static bool aout_piece(const uint8_t *img, size_t size, size_t hoff, struct piece *pc,
                       uint64_t *entry, char *err, size_t errlen)
{
    if (hoff + MBH_AOUT_SIZE > MIN(size, (size_t)MB_SEARCH_BYTES)) {
        ksnprintf(err, errlen,
                  "multiboot header at offset 0x%zx: the a.out address fields (flag 16) are cut off",
                  hoff);
        return false;
    }
    const uint8_t *h = img + hoff;
    uint64_t header_addr = rd32(h + 12), load_addr = rd32(h + 16);
    uint64_t load_end = rd32(h + 20), bss_end = rd32(h + 24);
    *entry = rd32(h + 28);

    if (load_addr > header_addr) {
        ksnprintf(err, errlen, "a.out kludge: load_addr 0x%llx is above header_addr 0x%llx",
                  (ull)load_addr, (ull)header_addr);
        return false;
    }
    if (header_addr - load_addr > hoff) {
        ksnprintf(err, errlen,
                  "a.out kludge: load_addr 0x%llx is 0x%llx bytes before the header, which is at "
                  "file offset 0x%zx",
                  (ull)load_addr, (ull)(header_addr - load_addr), hoff);
        return false;
    }
    pc->off = hoff - (header_addr - load_addr);
    pc->gpa = load_addr;
    if (load_end == 0) {
        pc->filesz = size - pc->off; /* zero: the rest of the file */
    } else if (load_end < load_addr) {
        ksnprintf(err, errlen, "a.out kludge: load_end_addr 0x%llx is below load_addr 0x%llx",
                  (ull)load_end, (ull)load_addr);
        return false;
    } else {
        pc->filesz = load_end - load_addr;
        if (pc->filesz > size - pc->off) {
            ksnprintf(err, errlen,
                      "a.out kludge: 0x%llx bytes to load from file offset 0x%llx, but the "
                      "image has only %zu bytes",
                      (ull)pc->filesz, (ull)pc->off, size);
            return false;
        }
    }
    pc->memsz = pc->filesz;
    if (bss_end != 0) {
        if (bss_end < load_addr + pc->filesz) {
            ksnprintf(err, errlen, "a.out kludge: bss_end_addr 0x%llx is below the end of the "
                      "loaded data 0x%llx", (ull)bss_end, (ull)(load_addr + pc->filesz));
            return false;
        }
        pc->memsz = bss_end - load_addr;
    }
    if (pc->memsz == 0) {
        ksnprintf(err, errlen, "a.out kludge: nothing to load");
        return false;
    }
    return true;
}

/* The ELF header's checks; on success *phoff / *phnum / *phentsize say
 * where the program headers are (all inside the image). */
static bool elf_header(const uint8_t *img, size_t size, uint64_t *phoff, uint32_t *phnum,
                       uint32_t *phentsize, uint64_t *entry, char *err, size_t errlen)
{
    if (size < ELF_EHDR_SIZE || img[0] != 0x7f || img[1] != 'E' || img[2] != 'L' ||
        img[3] != 'F') {
        ksnprintf(err, errlen, "not an ELF file, and the multiboot header has no a.out "
                  "address fields (flag 16)");
        return false;
    }
    if (img[4] != ELFCLASS32 || img[5] != ELFDATA2LSB) {
        ksnprintf(err, errlen, "ELF: not 32-bit little-endian (class %u, data %u)", img[4],
                  img[5]);
        return false;
    }
    uint32_t type = rd16(img + 16), machine = rd16(img + 18);
    if (type != ET_EXEC) {
        ksnprintf(err, errlen, "ELF: type %u is not an executable (ET_EXEC, 2)", type);
        return false;
    }
    if (machine != EM_386) {
        ksnprintf(err, errlen, "ELF: machine %u is not i386 (EM_386, 3)", machine);
        return false;
    }
    *entry = rd32(img + 24);
    *phoff = rd32(img + 28);
    *phentsize = rd16(img + 42);
    *phnum = rd16(img + 44);
    if (*phnum == 0) {
        ksnprintf(err, errlen, "ELF: no program headers");
        return false;
    }
    if (*phentsize < ELF_PHDR_SIZE) {
        ksnprintf(err, errlen, "ELF: program header size %u is below %u", *phentsize,
                  ELF_PHDR_SIZE);
        return false;
    }
    if (*phoff > size || (uint64_t)*phnum * *phentsize > size - *phoff) {
        ksnprintf(err, errlen, "ELF: %u program headers of %u bytes at offset 0x%llx go past "
                  "the end of the image (%zu bytes)", *phnum, *phentsize, (ull)*phoff, size);
        return false;
    }
    return true;
}

/* Program header `i` as a piece; false (no error) if it is not loaded. */
static bool elf_segment(const uint8_t *img, uint64_t phoff, uint32_t phentsize, uint32_t i,
                        struct piece *pc, uint64_t *vaddr)
{
    const uint8_t *ph = img + phoff + (uint64_t)i * phentsize;
    if (rd32(ph) != PT_LOAD)
        return false;
    pc->off = rd32(ph + 4);
    *vaddr = rd32(ph + 8);
    pc->gpa = rd32(ph + 12);
    pc->filesz = rd32(ph + 16);
    pc->memsz = rd32(ph + 20);
    return pc->memsz != 0 || pc->filesz != 0;
}

static bool put(const struct guest_mem_ops *mem, uint64_t gpa, const void *src, size_t len,
                char *err, size_t errlen)
{
    if (len == 0 || mem->write(mem->ctx, gpa, src, len))
        return true;
    ksnprintf(err, errlen, "could not write guest memory at 0x%llx (%zu bytes)", (ull)gpa, len);
    return false;
}

static bool load_piece(const uint8_t *img, const struct piece *pc,
                       const struct guest_mem_ops *mem, char *err, size_t errlen)
{
    static const uint8_t zeros[512];
    if (!put(mem, pc->gpa, img + pc->off, (size_t)pc->filesz, err, errlen))
        return false;
    for (uint64_t done = pc->filesz; done < pc->memsz;) {
        size_t n = (size_t)MIN(pc->memsz - done, (uint64_t)sizeof zeros);
        if (!put(mem, pc->gpa + done, zeros, n, err, errlen))
            return false;
        done += n;
    }
    return true;
}

static bool in_piece(const struct piece *pc, uint64_t gpa)
{
    return gpa >= pc->gpa && gpa < pc->gpa + pc->memsz;
}

static bool check_piece(const struct piece *pc, size_t size, uint64_t ram, uint32_t seg,
                        bool elf, char *err, size_t errlen)
{
    if (elf) {
        if (pc->memsz < pc->filesz) {
            ksnprintf(err, errlen, "ELF: segment %u has p_memsz 0x%llx below p_filesz 0x%llx",
                      seg, (ull)pc->memsz, (ull)pc->filesz);
            return false;
        }
        if (pc->off > size || pc->filesz > size - pc->off) {
            ksnprintf(err, errlen, "ELF: segment %u (0x%llx bytes at offset 0x%llx) goes past "
                      "the end of the image (%zu bytes)", seg, (ull)pc->filesz, (ull)pc->off,
                      size);
            return false;
        }
    }
    return check_place(pc->gpa, pc->gpa + pc->memsz, ram, err, errlen);
}

/* The pieces an image loads, to ask again where they go. */
struct layout {
    const uint8_t *img;
    bool aout;
    struct piece aout_piece;  /* aout */
    uint64_t phoff;           /* else ELF */
    uint32_t phnum, phentsize;
};

static bool overlaps(const struct piece *pc, uint64_t start, uint64_t end)
{
    return start < pc->gpa + pc->memsz && end > pc->gpa;
}

/* The pieces the image loads, one per call: the a.out kludge's one, or
 * each PT_LOAD segment with bytes. `*i` starts at 0. */
static bool next_piece(const struct layout *lo, uint32_t *i, struct piece *pc)
{
    if (lo->aout) {
        *pc = lo->aout_piece;
        return (*i)++ == 0;
    }
    uint64_t vaddr;
    while (*i < lo->phnum)
        if (elf_segment(lo->img, lo->phoff, lo->phentsize, (*i)++, pc, &vaddr))
            return true;
    return false;
}

static bool layout_overlaps(const struct layout *lo, uint64_t start, uint64_t end)
{
    struct piece pc;
    for (uint32_t i = 0; next_piece(lo, &i, &pc);)
        if (overlaps(&pc, start, end))
            return true;
    return false;
}

/* MULTIBOOT_INFO_GPA where the image leaves it free, else the highest free
 * page below the EBDA; 0 when the image covers all of them. */
static uint64_t info_place(const struct layout *lo)
{
    if (!layout_overlaps(lo, MULTIBOOT_INFO_GPA, MULTIBOOT_INFO_GPA + INFO_PAGE_SIZE))
        return MULTIBOOT_INFO_GPA;
    for (uint64_t gpa = INFO_LAST_GPA; gpa >= INFO_FIRST_GPA; gpa -= INFO_PAGE_SIZE)
        if (!layout_overlaps(lo, gpa, gpa + INFO_PAGE_SIZE))
            return gpa;
    return 0;
}

static bool load_layout(const struct layout *lo, const struct guest_mem_ops *mem, char *err,
                        size_t errlen)
{
    struct piece pc;
    for (uint32_t i = 0; next_piece(lo, &i, &pc);)
        if (!load_piece(lo->img, &pc, mem, err, errlen))
            return false;
    return true;
}

/* The module: where it went, and its string. */
struct module_place {
    bool present;
    uint64_t start, end;
    const char *name;
    size_t namelen;
};

/* The info page at `base`; the command line is `name`, a space and `args`
 * (just `args` without a name), `cmdlen` bytes in all; the module's
 * string follows its NUL. */
static bool write_info(const struct guest_mem_ops *mem, uint64_t base, const char *name,
                       const char *args, size_t cmdlen, const struct module_place *mod,
                       char *err, size_t errlen)
{
    uint64_t low = guest_ram_low_end(mem->ram_bytes), top = guest_ram_top(mem->ram_bytes);
    uint8_t info[MBI_SIZE];
    uint8_t mmap[MMAP_ENTRIES * MMAP_ENTRY_SIZE];
    const struct { uint64_t base, end; uint32_t type; } map[MMAP_ENTRIES] = {
        { 0, LOW_MMAP_END, MMAP_AVAILABLE },
        { LOW_MMAP_END, HIGH_RAM_START, MMAP_RESERVED },
        { HIGH_RAM_START, low, MMAP_AVAILABLE },
        { GUEST_PCI_HOLE_END, top, MMAP_AVAILABLE }, /* a VM of more than 3 GiB */
    };
    uint32_t n = top > GUEST_PCI_HOLE_END ? MMAP_ENTRIES : MMAP_ENTRIES - 1;

    for (uint32_t i = 0; i < n; i++) {
        uint8_t *e = mmap + i * MMAP_ENTRY_SIZE;
        wr32(e, MMAP_ENTRY_SIZE - 4); /* `size` counts the bytes after itself */
        wr64(e + 4, map[i].base);
        wr64(e + 12, map[i].end - map[i].base);
        wr32(e + 20, map[i].type);
    }
    memset(info, 0, sizeof info);
    wr32(info + MBI_OFF_FLAGS, MBI_MEM | MBI_CMDLINE | MBI_MMAP);
    wr32(info + MBI_OFF_MEM_LOWER, (uint32_t)(LOW_MMAP_END >> 10));
    /* Upper memory is what starts at 1 MiB, up to the first hole. */
    wr32(info + MBI_OFF_MEM_UPPER, (uint32_t)((low - HIGH_RAM_START) >> 10));
    wr32(info + MBI_OFF_CMDLINE, (uint32_t)(base + CMDLINE_OFF));
    wr32(info + MBI_OFF_MMAP_LENGTH, n * MMAP_ENTRY_SIZE);
    wr32(info + MBI_OFF_MMAP_ADDR, (uint32_t)(base + MMAP_OFF));

    static const char nul = '\0', space = ' ';
    size_t namelen = name ? strlen(name) : 0;
    uint64_t cmd = base + CMDLINE_OFF;
    uint8_t entry[MOD_ENTRY_SIZE];
    if (mod->present) {
        wr32(info + MBI_OFF_FLAGS, MBI_MEM | MBI_CMDLINE | MBI_MMAP | MBI_MODS);
        wr32(info + MBI_OFF_MODS_COUNT, 1);
        wr32(info + MBI_OFF_MODS_ADDR, (uint32_t)(base + MODS_OFF));
        wr32(entry, (uint32_t)mod->start);
        wr32(entry + 4, (uint32_t)mod->end);
        wr32(entry + 8, (uint32_t)(cmd + cmdlen + 1));
        wr32(entry + 12, 0);
    }
    if (!put(mem, base, info, sizeof info, err, errlen) ||
        !put(mem, base + MMAP_OFF, mmap, n * MMAP_ENTRY_SIZE, err, errlen))
        return false;
    if (mod->present &&
        (!put(mem, base + MODS_OFF, entry, sizeof entry, err, errlen) ||
         !put(mem, cmd + cmdlen + 1, mod->name, mod->namelen, err, errlen) ||
         !put(mem, cmd + cmdlen + 1 + mod->namelen, &nul, 1, err, errlen)))
        return false;
    if (namelen && (!put(mem, cmd, name, namelen, err, errlen) ||
                    !put(mem, cmd + namelen, &space, 1, err, errlen)))
        return false;
    size_t argslen = cmdlen - (namelen ? namelen + 1 : 0);
    return put(mem, cmd + cmdlen - argslen, args, argslen, err, errlen) &&
           put(mem, cmd + cmdlen, &nul, 1, err, errlen);
}

/* The end of the highest piece the image loads. */
static uint64_t layout_end(const struct layout *lo)
{
    struct piece pc;
    uint64_t end = 0;
    for (uint32_t i = 0; next_piece(lo, &i, &pc);)
        end = MAX(end, pc.gpa + pc.memsz);
    return end;
}

int guest_load_multiboot(const void *image, size_t size, const struct mb_params *p,
                         const struct guest_mem_ops *mem, struct guest_boot_state *out,
                         char *err, size_t errlen)
{
    const uint8_t *img = image;
    uint64_t ram = guest_ram_low_end(mem->ram_bytes); /* the image loads below the PCI hole */
    size_t hoff = 0;
    const char *name = p->name, *cmdline = p->cmdline ? p->cmdline : "";
    struct module_place mod = { .present = p->module != NULL,
                                .name = p->module_name ? p->module_name : "" };

    size_t namelen = name ? strnlen(name, CMDLINE_MAX + 1) : 0;
    size_t cmdlen = (namelen ? namelen + 1 : 0) + strnlen(cmdline, CMDLINE_MAX + 1);
    if (cmdlen > CMDLINE_MAX) {
        ksnprintf(err, errlen, "command line (the kernel's name, a space and guest.cmdline) "
                  "is longer than %llu bytes", (ull)CMDLINE_MAX);
        return -1;
    }
    if (mod.present) {
        mod.namelen = strnlen(mod.name, CMDLINE_MAX + 1);
        if (cmdlen + 1 + mod.namelen > CMDLINE_MAX) {
            ksnprintf(err, errlen, "the command line (%zu bytes) and the module's name (%zu "
                      "bytes) do not fit in the %llu bytes of the info page left for them",
                      cmdlen, mod.namelen, (ull)CMDLINE_MAX + 1);
            return -1;
        }
    }
    /* The info page needs low RAM, the mmap and mem_upper assume RAM above
     * 1 MiB, and Multiboot kernels load there. */
    if (ram <= HIGH_RAM_START) {
        ksnprintf(err, errlen, "multiboot needs more than 1 MiB of guest RAM, not %llu KiB",
                  (ull)(ram >> 10));
        return -1;
    }
    if (!img || !find_header(img, size, &hoff)) {
        ksnprintf(err, errlen, "no multiboot header in the first %u bytes", MB_SEARCH_BYTES);
        return -1;
    }
    uint32_t flags = rd32(img + hoff + 4);
    if (flags & MBH_VIDEO) {
        ksnprintf(err, errlen, "the image asks for a video mode (multiboot flag 2): no display");
        return -1;
    }
    if (flags & MBH_REQUIRED & ~MBH_KNOWN) {
        ksnprintf(err, errlen, "the image requires unsupported multiboot features (flags 0x%x)",
                  flags & MBH_REQUIRED & ~MBH_KNOWN);
        return -1;
    }

    uint64_t entry = 0;
    bool entry_ok = false;
    struct layout lo = { .img = img, .aout = (flags & MBH_AOUT_KLUDGE) != 0 };
    if (lo.aout) {
        struct piece pc;
        if (!aout_piece(img, size, hoff, &pc, &entry, err, errlen) ||
            !check_piece(&pc, size, ram, 0, false, err, errlen))
            return -1;
        entry_ok = in_piece(&pc, entry);
        if (!entry_ok) {
            ksnprintf(err, errlen, "entry point 0x%llx is outside the image [0x%llx, 0x%llx)",
                      (ull)entry, (ull)pc.gpa, (ull)(pc.gpa + pc.memsz));
            return -1;
        }
        lo.aout_piece = pc;
    } else {
        uint64_t phoff, vaddr;
        uint32_t phnum, phentsize, loads = 0;
        struct piece pc;
        if (!elf_header(img, size, &phoff, &phnum, &phentsize, &entry, err, errlen))
            return -1;
        /* Check every segment before writing any. The entry is virtual:
         * translate it through the segment whose p_vaddr range holds it
         * (kernels linked high but loaded low), then it must be loaded. */
        uint64_t pentry = entry;
        bool translated = false;
        for (uint32_t i = 0; i < phnum; i++) {
            if (!elf_segment(img, phoff, phentsize, i, &pc, &vaddr))
                continue;
            if (!check_piece(&pc, size, ram, i, true, err, errlen))
                return -1;
            loads++;
            if (!translated && entry >= vaddr && entry - vaddr < pc.memsz) {
                pentry = pc.gpa + (entry - vaddr);
                translated = true;
            }
        }
        if (loads == 0) {
            ksnprintf(err, errlen, "ELF: no loadable segment");
            return -1;
        }
        for (uint32_t i = 0; i < phnum && !entry_ok; i++)
            if (elf_segment(img, phoff, phentsize, i, &pc, &vaddr))
                entry_ok = in_piece(&pc, pentry);
        if (!entry_ok) {
            ksnprintf(err, errlen, "ELF: entry point 0x%llx is not in a loaded segment",
                      (ull)entry);
            return -1;
        }
        entry = pentry;
        lo.phoff = phoff;
        lo.phnum = phnum;
        lo.phentsize = phentsize;
    }

    uint64_t info = info_place(&lo);
    if (!info) {
        ksnprintf(err, errlen, "the image covers every page below 640 KiB: no room for the "
                  "multiboot info");
        return -1;
    }
    if (mod.present) {
        /* Fields are 32 bits: the module must end below 4 GiB too. */
        mod.start = (MAX(layout_end(&lo), HIGH_RAM_START) + INFO_PAGE_SIZE - 1) &
                    ~(INFO_PAGE_SIZE - 1);
        mod.end = mod.start + p->module_size;
        if (mod.end > ram) {
            ksnprintf(err, errlen, "the module \"%s\" (%zu bytes) does not fit above the image: "
                      "[0x%llx, 0x%llx) goes beyond %s", mod.name, p->module_size,
                      (ull)mod.start, (ull)mod.end,
                      ram == GUEST_PCI_HOLE_START ? "the PCI hole" : "guest RAM");
            return -1;
        }
    }
    if (!load_layout(&lo, mem, err, errlen) ||
        (mod.present && !put(mem, mod.start, p->module, p->module_size, err, errlen)) ||
        !write_info(mem, info, namelen ? name : NULL, cmdline, cmdlen, &mod, err, errlen))
        return -1;
    memset(out, 0, sizeof *out);
    out->mode = GUEST_MODE_PROT32;
    out->rip = entry;
    out->eax = MB_BOOT_MAGIC;
    out->ebx = (uint32_t)info;
    return 0;
}
