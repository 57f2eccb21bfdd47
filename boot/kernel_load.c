/* Loading the kernel ELF (ELF-64 executable, x86-64) into fresh pages. Its
 * segments keep their relative layout, so one contiguous physical block
 * mapped at the link address is the whole image. */
#include "boot/boot.h"
#include "include/hv/layout.h"

struct elf64_ehdr {
    UINT8 ident[16];
    UINT16 type, machine;
    UINT32 version;
    UINT64 entry, phoff, shoff;
    UINT32 flags;
    UINT16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    UINT32 type, flags;
    UINT64 offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1

void kernel_load(const void *elf, UINT64 size, struct loaded_kernel *out)
{
    const struct elf64_ehdr *eh = elf;
    if (size < sizeof *eh || eh->ident[0] != 0x7f || eh->ident[1] != 'E' ||
        eh->ident[2] != 'L' || eh->ident[3] != 'F')
        boot_fail("\\hv\\kernel.elf is not an ELF file");
    if (eh->ident[4] != 2 || eh->machine != 62 || eh->type != 2)
        boot_fail("\\hv\\kernel.elf is not an x86-64 ELF executable");
    if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phoff > size ||
        (UINT64)eh->phnum * sizeof(struct elf64_phdr) > size - eh->phoff)
        boot_fail("\\hv\\kernel.elf has a damaged program header table");

    const struct elf64_phdr *ph = (const void *)((const UINT8 *)elf + eh->phoff);
    UINT64 lo = ~0ULL, hi = 0;
    for (UINTN i = 0; i < eh->phnum; i++) {
        if (ph[i].type != PT_LOAD || ph[i].memsz == 0)
            continue;
        if (ph[i].vaddr < KERNEL_VMA || ph[i].filesz > ph[i].memsz ||
            ph[i].offset > size || ph[i].filesz > size - ph[i].offset ||
            ph[i].vaddr + ph[i].memsz < ph[i].vaddr)
            boot_fail("\\hv\\kernel.elf segment %lu is malformed", (unsigned long)i);
        if (ph[i].vaddr < lo)
            lo = ph[i].vaddr;
        if (ph[i].vaddr + ph[i].memsz > hi)
            hi = ph[i].vaddr + ph[i].memsz;
    }
    if (hi == 0)
        boot_fail("\\hv\\kernel.elf has nothing to load");
    lo &= ~4095ULL;
    if (hi - lo > (512ULL << 20))
        boot_fail("\\hv\\kernel.elf spans %lu MiB; too large", (unsigned long)((hi - lo) >> 20));
    if (eh->entry < lo || eh->entry >= hi)
        boot_fail("\\hv\\kernel.elf entry point lies outside the image");

    UINT64 pages = pages_of(hi - lo);
    EFI_PHYSICAL_ADDRESS phys;
    if (EFI_ERROR(BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &phys)))
        boot_fail("no memory for the kernel image (%lu pages)", (unsigned long)pages);
    UINT8 *dst = (UINT8 *)(UINTN)phys;
    for (UINT64 i = 0; i < pages * 4096; i++)
        dst[i] = 0;
    for (UINTN i = 0; i < eh->phnum; i++) {
        if (ph[i].type != PT_LOAD || ph[i].memsz == 0)
            continue;
        const UINT8 *src = (const UINT8 *)elf + ph[i].offset;
        UINT8 *seg = dst + (ph[i].vaddr - lo);
        for (UINT64 b = 0; b < ph[i].filesz; b++)
            seg[b] = src[b];
    }
    out->phys = phys;
    out->pages = pages;
    out->virt = lo;
    out->entry = eh->entry;
}
