/*
 * Guest image loaders: place a guest kernel in guest-physical memory and say
 * how its first vCPU starts. Images come from files anyone can edit, so they
 * are hostile: every offset, size and address is checked, and a bad image is
 * refused with a one-line reason (never a partial load that runs).
 *
 * Guest memory is reached only through `guest_mem_ops` (the monitor
 * allocates pages lazily as the loader writes), so loaders are pure and run
 * under hosted tests and fuzzers.
 */
#ifndef VMM_GUEST_LOADER_H
#define VMM_GUEST_LOADER_H

#include "include/hv/types.h"
#include "mm/guest_mem.h"   /* the guest RAM layout: GUEST_LOW_RAM_END, ... */

/* A VM's RAM reads as zeros until written (a page's first touch backs it
 * with a zeroed machine page), so a loader may leave zeros unwritten. */
struct guest_mem_ops {
    /* Copies `len` bytes to guest-physical `gpa`; false when any byte falls
     * outside guest RAM (or memory ran out). */
    bool (*write)(void *ctx, uint64_t gpa, const void *src, size_t len);
    void *ctx;
    uint64_t ram_bytes;   /* how much guest RAM: [0, 0xA0000), [0x100000, guest_ram_low_end)
                             and above 4 GiB the rest (mm/guest_mem.h) */
};

enum guest_cpu_mode {
    GUEST_MODE_REAL = 0,  /* 16-bit real mode: CS:IP = cs_selector:rip */
    GUEST_MODE_PROT32,    /* 32-bit protected mode, flat 4 GiB segments, no paging */
    GUEST_MODE_LONG64,    /* 64-bit long mode, paging on (see below) */
};

/*
 * How the first vCPU starts. Fields a mode does not name are zero.
 *
 * REAL: CS = cs_selector (base cs_selector << 4), IP = rip.
 *
 * PROT32 with gdt_limit == 0 (flat and Multiboot loaders): CS = 0x08 and the
 * data segments 0x10, flat 4 GiB, no GDT in guest memory (hidden parts only).
 *
 * PROT32 with gdt_limit != 0 (the Linux 32-bit entry): as above, but
 * CS = cs_selector, DS = ES = SS = FS = GS = ds_selector, and GDTR =
 * gdt_base/gdt_limit, a GDT the loader wrote in guest memory whose entries
 * match those selectors (flat 4 GiB, code execute/read, data read/write).
 * CR0 = PE | ET | NE; CR3, CR4, EFER = 0; ESI = rsi (boot_params), ESP =
 * rsp, EFLAGS = 0x2; EBX, EBP, EDI 0 (boot.rst asks for them zero).
 *
 * LONG64 (the Linux and memtest86+ 64-bit entry). The vCPU must load:
 *   CR0  = cr0 (PE | ET | NE | PG: 0x80000031), CR3 = cr3 (identity-mapping
 *          PML4 in guest memory), CR4 = cr4 (PAE, 0x20), EFER = efer
 *          (LME | LMA, 0x500, through the guest EFER field: "load IA32_EFER"
 *          on entry); the VM-entry control "IA-32e mode guest" = 1. The page
 *          tables use 2 MiB pages (PS) and no NX bit, so EFER.NXE may stay 0
 *          and CR4.PSE does not matter (PAE paging ignores it).
 *   CS   = cs_selector, base 0, limit 0xffffffff, access rights 0xa09b
 *          (present, DPL 0, code execute/read accessed, L = 1, D = 0, G = 1).
 *   DS, ES, SS, FS, GS = ds_selector, base 0, limit 0xffffffff, access
 *          rights 0xc093 (present, DPL 0, data read/write accessed, D/B = 1,
 *          G = 1). The same descriptors are in the GDT at gdt_base.
 *   GDTR = gdt_base / gdt_limit; IDTR base 0 limit 0 (interrupts are off
 *          and the guest loads its own IDT before enabling them).
 *   TR   = selector 0, base 0, limit 0xffff, access 0x8b (busy 64-bit TSS:
 *          VM entry into IA-32e mode refuses a 16-bit or absent TR);
 *          LDTR unusable.
 *   RFLAGS = 0x2 (IF = 0), RIP = rip, RSP = rsp, RSI = rsi (Linux: the
 *          boot_params address), every other GPR 0.
 */
struct guest_boot_state {
    enum guest_cpu_mode mode;
    uint64_t rip;         /* PROT32/LONG64: linear; REAL: offset within CS */
    uint16_t cs_selector; /* REAL: base = selector << 4; PROT32 with a GDT, LONG64: GDT selector */
    uint16_t ds_selector; /* PROT32 with a GDT, LONG64: DS/ES/SS/FS/GS */
    uint64_t rsp;         /* 0: undefined (the guest sets its own) */
    uint32_t eax, ebx;    /* multiboot: magic 0x2BADB002, info address */
    uint64_t rsi;         /* Linux: guest-physical address of struct boot_params */
    uint64_t gdt_base;    /* PROT32 with a GDT, LONG64: GDTR */
    uint16_t gdt_limit;   /* 0: no GDT in guest memory (PROT32 only) */
    uint64_t cr0, cr3, cr4, efer; /* LONG64 only */
    uint32_t tr_limit;    /* 0: 0xffff, as at reset; PVH asks for 0x67 */
};

/* guest.type = "flat": the raw image at `load_addr`, entered at `entry` in
 * `mode` (REAL: entry must be < 1 MiB; cs = entry >> 4 & 0xf000 style split
 * is the loader's choice, documented in the .c). */
struct flat_params {
    uint64_t load_addr;
    uint64_t entry;
    enum guest_cpu_mode mode;
};

/* Returns 0 on success; else -1 and a reason in `err` ("image of N bytes
 * does not fit at 0x... in M MiB of guest RAM"). */
int guest_load_flat(const void *image, size_t size, const struct flat_params *p,
                    const struct guest_mem_ops *mem, struct guest_boot_state *out, char *err,
                    size_t errlen);

/* Multiboot v1 (the format of QEMU's -kernel and kvm-unit-tests): the header
 * in the first 8 KiB, the a.out-kludge address fields (flag 16) or else ELF32
 * program headers, bss zeroed, a multiboot info structure (flags: mem_lower/
 * mem_upper, cmdline, mmap) placed in low guest memory, entered in PROT32
 * with EAX = 0x2BADB002 and EBX = the info address. The command line is
 * `name` (the kernel's file name; NULL or "": none), a space and `cmdline`,
 * as boot loaders give it. One module (GRUB's `module`, QEMU's -initrd) is
 * loaded at the first page boundary above the image and 1 MiB, its string
 * the module's file name (mods_count 1, flag 3). Unsupported required flags
 * (video mode, bit 2) refuse the image. */
struct mb_params {
    const char *name;         /* the kernel's file name; NULL or "": none */
    const char *cmdline;      /* NULL: empty */
    const void *module;       /* NULL: no module (module_size 0 is an empty one) */
    size_t module_size;
    const char *module_name;  /* its string; NULL: "" */
};
int guest_load_multiboot(const void *image, size_t size, const struct mb_params *p,
                         const struct guest_mem_ops *mem, struct guest_boot_state *out,
                         char *err, size_t errlen);

/* Where the multiboot info, its mmap and the command line go: below the
 * 640 KiB hole, away from where small kernels load (an image that loads
 * there moves them to the highest page below 640 KiB it leaves free). */
#define MULTIBOOT_INFO_GPA 0x9000

/* guest.type = "linux": a bzImage by the Linux x86 boot protocol (2.10 or
 * later; 2.12 with XLF_KERNEL_64 for the 64-bit entry), also memtest86+.
 * The protected-mode kernel goes to its pref_address (relocatable, aligned
 * to kernel_alignment) or 1 MiB (not relocatable) with init_size bytes of
 * RAM from there kept free; the initrd as high as initrd_addr_max, the top
 * of RAM and the kernel allow, 4 KiB aligned. boot_params (the "zero page":
 * the image's setup header, type_of_loader 0xff, the e820 map of the VM's
 * RAM, the initrd, the command line), a GDT (__BOOT_CS 0x10, __BOOT_DS
 * 0x18) and identity page tables (2 MiB pages over max(4 GiB, RAM)) go in
 * low guest memory at the addresses below. Entered in LONG64 at the load
 * address + 0x200 (or with `entry32`, PROT32 at the load address), RSI =
 * boot_params, interrupts off. Every refusal names the file it is about. */
struct linux_params {
    const char *kernel_name;  /* for messages ("hv/guests/vmlinuz"); NULL: "kernel" */
    const char *cmdline;      /* NULL: empty */
    const void *initrd;       /* NULL or initrd_size 0: no initrd */
    size_t initrd_size;
    const char *initrd_name;  /* for messages; NULL: "initrd" */
    /* Optional ACPI tables the caller wrote (or will write) in guest RAM
     * above 1 MiB: marked ACPI (e820 type 3) and kept clear of the kernel and
     * initrd. acpi_size 0: none. acpi_rsdp: boot_params.acpi_rsdp_addr (0: none). */
    uint64_t acpi_base, acpi_size, acpi_rsdp;
    bool entry32;             /* the 32-bit protected-mode entry instead of 64-bit */
};

int guest_load_linux(const void *image, size_t size, const struct linux_params *p,
                     const struct guest_mem_ops *mem, struct guest_boot_state *out, char *err,
                     size_t errlen);

/* guest.type = "linux" with an ELF kernel (an uncompressed vmlinux, told
 * from a bzImage by its magic): Xen's PVH boot ABI (xen docs/misc/pvh.pandoc,
 * public/arch-x86/hvm/start_info.h). The PT_LOAD segments go to their
 * p_paddr, which must lie in guest RAM above 1 MiB and below 4 GiB, their
 * bss left to RAM's zeros; the initrd as high as RAM and 4 GiB allow, 4 KiB
 * aligned, clear of the segments. In low memory: hvm_start_info (version 1:
 * the memory map, the same e820 layout the boot protocol gets), one
 * hvm_modlist_entry for the initrd, the command line. Entered in PROT32,
 * paging off, flat segments, at the XEN_ELFNOTE_PHYS32_ENTRY address with
 * EBX = the start info, CR4 = 0, EFLAGS = 0x2, TR a 32-bit TSS of limit
 * 0x67. Every refusal names the file it is about. */
struct pvh_params {
    const char *kernel_name;  /* for messages; NULL: "kernel" */
    const char *cmdline;      /* NULL: empty */
    const void *initrd;       /* NULL or initrd_size 0: no initrd */
    size_t initrd_size;
    const char *initrd_name;  /* for messages; NULL: "initrd" */
    uint64_t rsdp;            /* start_info.rsdp_paddr: the VM's ACPI RSDP; 0: none */
};

int guest_load_pvh(const void *image, size_t size, const struct pvh_params *p,
                   const struct guest_mem_ops *mem, struct guest_boot_state *out, char *err,
                   size_t errlen);

/* True when the image starts with ELF's magic: how guest.type = "linux"
 * tells a vmlinux (PVH) from a bzImage (boot protocol). */
bool pvh_is_elf(const void *image, size_t size);

/* The PVH loader's low-memory layout (below the 640 KiB hole, and below
 * 1 GiB, the most Linux's PVH entry maps before it reads them). */
#define PVH_START_INFO_GPA 0x1000ull  /* hvm_start_info, 56 bytes */
#define PVH_MODLIST_GPA    0x1040ull  /* one hvm_modlist_entry, 32 bytes */
#define PVH_MEMMAP_GPA     0x1080ull  /* up to 5 hvm_memmap_table_entry, 24 bytes each */
#define PVH_CMDLINE_GPA    0x60000ull
#define PVH_CMDLINE_MAX    2047u      /* x86 Linux's COMMAND_LINE_SIZE, less the NUL */

/* The Linux loader's low-memory layout (all below the 640 KiB hole). */
#define LINUX_GDT_GPA         0x1000ull  /* 4 descriptors */
#define LINUX_BOOT_PARAMS_GPA 0x2000ull  /* one page */
#define LINUX_STACK_TOP       0x8000ull  /* RSP: [0x3000, 0x8000) is free for a stack */
#define LINUX_PML4_GPA        0x10000ull /* PML4, PDPT, then up to 64 page directories */
#define LINUX_CMDLINE_GPA     0x60000ull
#define LINUX_CMDLINE_ROOM    0x10000ull /* with its NUL */

#endif
