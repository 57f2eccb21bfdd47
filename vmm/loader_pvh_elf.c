/*
 * The ELF side of the PVH loader, written from the System V gABI (ELF64
 * header, program headers, notes) and Xen's public elfnote.h. The file is
 * hostile: every offset and size is checked against the file in 64-bit
 * arithmetic, where a 64-bit field cannot wrap a sum because each one is
 * first checked against the file's (or 4 GiB's) bound.
 */
#include "vmm/loader_pvh_elf.h"
#include "vmm/loader_refusal.h"
#include "vmm/guest_loader.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/le.h"

#define EHDR_SIZE    64u
#define PHDR_SIZE    56u
#define ELFCLASS64   2
#define ELFDATA2LSB  1
#define EV_CURRENT   1
#define ET_EXEC      2
#define EM_X86_64    62
#define PT_LOAD      1
#define PT_NOTE      4
#define NOTE_HDR     12u        /* namesz, descsz, type */
#define FOUR_GIB     0x100000000ull

typedef unsigned long long ull;

/* [off, off + len) within a file of `size` bytes, without wrapping. */
static bool in_file(uint64_t off, uint64_t len, size_t size)
{
    return off <= size && len <= size - off;
}

bool pvh_is_elf(const void *image, size_t size)
{
    return image && size >= 4 && memcmp(image, "\x7f" "ELF", 4) == 0;
}

static bool check_ehdr(const uint8_t *img, size_t size, const char *name, char *err,
                       size_t errlen)
{
    if (!pvh_is_elf(img, size) || size < EHDR_SIZE) {
        loader_refuse(err, errlen, name, "not an ELF file of at least %u bytes (%zu bytes)",
                      EHDR_SIZE, img ? size : 0);
        return false;
    }
    if (img[4] != ELFCLASS64 || img[5] != ELFDATA2LSB || img[6] != EV_CURRENT) {
        loader_refuse(err, errlen, name,
                      "ELF class %u, data %u, version %u: not a little-endian ELF64 "
                      "file",
                      img[4], img[5], img[6]);
        return false;
    }
    uint32_t type = (uint32_t)le_get(img + 0x10, 2), machine = (uint32_t)le_get(img + 0x12, 2);
    if (type != ET_EXEC || machine != EM_X86_64) {
        loader_refuse(err, errlen, name,
                      "ELF type %u machine %u: not an x86-64 executable (type %u "
                      "machine %u)",
                      type, machine, ET_EXEC, EM_X86_64);
        return false;
    }
    return true;
}

/* One PT_LOAD into out->seg[], checked on its own; overlaps are checked
 * once all are in. */
static bool add_segment(const uint8_t *ph, unsigned i, size_t size, const char *name,
                        struct pvh_image *out, char *err, size_t errlen)
{
    struct pvh_segment s = {
        .off = le_get(ph + 0x08, 8), .paddr = le_get(ph + 0x18, 8),
        .filesz = le_get(ph + 0x20, 8), .memsz = le_get(ph + 0x28, 8),
    };
    if (s.memsz == 0 && s.filesz == 0)
        return true; /* loads nothing */
    if (s.filesz > s.memsz) {
        loader_refuse(err, errlen, name,
                      "program header %u: p_filesz 0x%llx is above p_memsz 0x%llx", i,
                      (ull)s.filesz, (ull)s.memsz);
        return false;
    }
    if (!in_file(s.off, s.filesz, size)) {
        loader_refuse(err, errlen, name,
                      "program header %u: its bytes [0x%llx, +0x%llx) are beyond the "
                      "%zu-byte file",
                      i, (ull)s.off, (ull)s.filesz, size);
        return false;
    }
    /* The PVH entry runs with paging off: what it starts from is below 4 GiB. */
    if (s.paddr >= FOUR_GIB || s.memsz > FOUR_GIB - s.paddr) {
        loader_refuse(err, errlen, name,
                      "program header %u: [0x%llx, +0x%llx) does not end below "
                      "4 GiB",
                      i, (ull)s.paddr, (ull)s.memsz);
        return false;
    }
    if (out->nseg == PVH_MAX_SEGS) {
        loader_refuse(err, errlen, name, "more than %u loadable segments", PVH_MAX_SEGS);
        return false;
    }
    out->seg[out->nseg++] = s;
    return true;
}

static bool check_overlaps(const struct pvh_image *im, const char *name, char *err,
                           size_t errlen)
{
    for (unsigned i = 0; i < im->nseg; i++)
        for (unsigned j = i + 1; j < im->nseg; j++) {
            const struct pvh_segment *a = &im->seg[i], *b = &im->seg[j];
            if (a->paddr < b->paddr + b->memsz && b->paddr < a->paddr + a->memsz) {
                loader_refuse(err, errlen, name,
                              "segments at [0x%llx, 0x%llx) and [0x%llx, 0x%llx) "
                              "overlap",
                              (ull)a->paddr, (ull)(a->paddr + a->memsz), (ull)b->paddr,
                              (ull)(b->paddr + b->memsz));
                return false;
            }
        }
    return true;
}

/* Walks the notes in [off, off + len) (checked in the file) for Xen's
 * PHYS32_ENTRY. Its descriptor is 4 bytes by Xen's headers, 8 in Linux's
 * (_ASM_PTR): either, the value below 4 GiB. `found` counts them; two
 * that disagree are refused. */
static bool scan_notes(const uint8_t *img, uint64_t off, uint64_t len, const char *name,
                       uint64_t *entry, unsigned *found, char *err, size_t errlen)
{
    uint64_t pos = 0;
    while (pos < len) {
        if (len - pos < NOTE_HDR) {
            loader_refuse(err, errlen, name,
                          "note at file offset 0x%llx: %llu bytes left, less than a "
                          "note header",
                          (ull)(off + pos), (ull)(len - pos));
            return false;
        }
        const uint8_t *n = img + off + pos;
        uint64_t namesz = le_get(n, 4), descsz = le_get(n + 4, 4);
        uint32_t type = (uint32_t)le_get(n + 8, 4);
        uint64_t name_room = ALIGN_UP(namesz, 4ull), desc_room = ALIGN_UP(descsz, 4ull);
        uint64_t left = len - pos - NOTE_HDR;
        if (name_room > left || desc_room > left - name_room) {
            loader_refuse(err, errlen, name,
                          "note at file offset 0x%llx: name size %llu and descriptor "
                          "size %llu run past its segment's end",
                          (ull)(off + pos), (ull)namesz, (ull)descsz);
            return false;
        }
        const uint8_t *owner = n + NOTE_HDR, *desc = owner + name_room;
        if (namesz == 4 && memcmp(owner, "Xen", 4) == 0 && type == XEN_ELFNOTE_PHYS32_ENTRY) {
            if (descsz != 4 && descsz != 8) {
                loader_refuse(err, errlen, name,
                              "Xen PHYS32_ENTRY note has a %llu-byte descriptor (4 or "
                              "8 expected)",
                              (ull)descsz);
                return false;
            }
            uint64_t v = le_get(desc, (unsigned)descsz);
            if (v >= FOUR_GIB || (*found && v != *entry)) {
                loader_refuse(err, errlen, name, "Xen PHYS32_ENTRY note says 0x%llx: %s", (ull)v,
                              v >= FOUR_GIB ? "not a 32-bit address"
                                            : "another note says otherwise");
                return false;
            }
            *entry = v;
            ++*found;
        }
        pos += NOTE_HDR + name_room + desc_room;
    }
    return true;
}

bool pvh_elf_parse(const uint8_t *img, size_t size, const char *name, struct pvh_image *out,
                   char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!check_ehdr(img, size, name, err, errlen))
        return false;
    uint64_t phoff = le_get(img + 0x20, 8);
    uint32_t phentsize = (uint32_t)le_get(img + 0x36, 2), phnum = (uint32_t)le_get(img + 0x38, 2);
    if (phentsize != PHDR_SIZE || phnum == 0 || phnum > PVH_MAX_PHDRS) {
        loader_refuse(err, errlen, name, "%u program headers of %u bytes (1 to %u of %u expected)",
                      phnum, phentsize, PVH_MAX_PHDRS, PHDR_SIZE);
        return false;
    }
    if (!in_file(phoff, (uint64_t)phnum * PHDR_SIZE, size)) {
        loader_refuse(err, errlen, name, "program headers at 0x%llx run past the %zu-byte file",
                      (ull)phoff, size);
        return false;
    }
    uint64_t entry = 0;
    unsigned found = 0;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = img + phoff + (uint64_t)i * PHDR_SIZE;
        uint32_t type = (uint32_t)le_get(ph, 4);
        if (type == PT_LOAD && !add_segment(ph, i, size, name, out, err, errlen))
            return false;
        if (type == PT_NOTE) {
            uint64_t off = le_get(ph + 0x08, 8), len = le_get(ph + 0x20, 8);
            if (!in_file(off, len, size)) {
                loader_refuse(err, errlen, name,
                              "program header %u: notes [0x%llx, +0x%llx) are beyond "
                              "the %zu-byte file",
                              i, (ull)off, (ull)len, size);
                return false;
            }
            if (!scan_notes(img, off, len, name, &entry, &found, err, errlen))
                return false;
        }
    }
    if (out->nseg == 0) {
        loader_refuse(err, errlen, name, "no loadable segment (PT_LOAD)");
        return false;
    }
    if (!check_overlaps(out, name, err, errlen))
        return false;
    if (!found) {
        loader_refuse(err, errlen, name,
                      "no Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY in a PT_NOTE "
                      "segment): not a PVH kernel");
        return false;
    }
    for (unsigned i = 0; i < out->nseg; i++) {
        const struct pvh_segment *s = &out->seg[i];
        if (entry >= s->paddr && entry - s->paddr < s->filesz) {
            out->entry = (uint32_t)entry;
            return true;
        }
    }
    loader_refuse(err, errlen, name,
                  "the PVH entry 0x%llx is not in any segment's bytes from the file", (ull)entry);
    return false;
}
