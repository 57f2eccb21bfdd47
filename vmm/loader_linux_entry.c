/*
 * The processor side of the Linux boot protocol (Documentation/x86/boot.rst,
 * "32-bit boot protocol" and "64-bit boot protocol"): a GDT holding flat
 * __BOOT_CS (0x10) and __BOOT_DS (0x18) descriptors and, for the 64-bit
 * entry, page tables that identity-map the kernel, boot_params and the
 * command line. We map every GiB up to max(4 GiB, RAM) so that whatever the
 * loader placed, and the MMIO the guest probes before building its own
 * tables, is reachable. 2 MiB pages: every x86-64 CPU has them (1 GiB pages
 * need CPUID pdpe1gb, which a VM's CPUID may hide).
 */
#include "vmm/loader_linux_boot.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/le.h"

#define PTE_P   (1ull << 0)
#define PTE_RW  (1ull << 1)
#define PTE_PS  (1ull << 7)   /* in a PDE: a 2 MiB page */
#define GIB     (1ull << 30)
#define MIB2    (2ull << 20)
#define FOUR_GIB (4ull * GIB)

/* Descriptors: base 0, limit 0xfffff in 4 KiB units (G = 1), present,
 * DPL 0, accessed already set so the CPU never writes the GDT back. */
#define DESC_CODE64 0x00af9b000000ffffull /* execute/read, L = 1, D = 0 */
#define DESC_CODE32 0x00cf9b000000ffffull /* execute/read, D = 1 */
#define DESC_DATA   0x00cf93000000ffffull /* read/write, B = 1 */
#define GDT_ENTRIES 4u                    /* null, unused 0x08, CS, DS */

#define CR0_PE (1ull << 0)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

#define PML4_GPA LINUX_PML4_GPA
#define PDPT_GPA (LINUX_PML4_GPA + 0x1000)
#define PD_GPA   (LINUX_PML4_GPA + 0x2000) /* one page per GiB */
_Static_assert(PD_GPA + LINUX_MAP_MAX_GIB * 0x1000 <= LINUX_CMDLINE_GPA,
               "page tables overlap the command line");

typedef unsigned long long ull;

/* Where to say what failed. */
struct errbuf {
    const char *name;
    char *buf;
    size_t len;
};

static bool put(const struct guest_mem_ops *mem, uint64_t gpa, const void *src, size_t len,
                const struct errbuf *e)
{
    if (mem->write(mem->ctx, gpa, src, len))
        return true;
    ksnprintf(e->buf, e->len, "%s: could not write guest memory at 0x%llx (%zu bytes)", e->name,
              (ull)gpa, len);
    return false;
}

/* A page of 512 entries, the i-th being first + i * step, written in
 * pieces so the kernel stack never holds a whole page. */
static bool put_table(const struct guest_mem_ops *mem, uint64_t gpa, uint64_t first,
                      uint64_t step, unsigned count, const struct errbuf *e)
{
    uint8_t chunk[64 * 8];
    for (unsigned base = 0; base < 512; base += 64) {
        for (unsigned i = 0; i < 64; i++) {
            unsigned n = base + i;
            le_put(chunk + i * 8, n < count ? first + n * step : 0, 8);
        }
        if (!put(mem, gpa + base * 8ull, chunk, sizeof chunk, e))
            return false;
    }
    return true;
}

static bool write_page_tables(const struct guest_mem_ops *mem, const struct errbuf *e)
{
    uint64_t top = MAX(guest_ram_top(mem->ram_bytes), FOUR_GIB);
    unsigned gibs = (unsigned)((top + GIB - 1) / GIB); /* checked <= 64 by the caller */
    if (!put_table(mem, PML4_GPA, PDPT_GPA | PTE_P | PTE_RW, 0, 1, e) ||
        !put_table(mem, PDPT_GPA, PD_GPA | PTE_P | PTE_RW, 0x1000, gibs, e))
        return false;
    for (unsigned g = 0; g < gibs; g++)
        if (!put_table(mem, PD_GPA + g * 0x1000ull, g * GIB | PTE_P | PTE_RW | PTE_PS, MIB2,
                       512, e))
            return false;
    return true;
}

bool linux_write_entry(const struct guest_mem_ops *mem, bool entry32, uint64_t entry,
                       uint64_t boot_params, struct guest_boot_state *out, const char *name,
                       char *err, size_t errlen)
{
    const struct errbuf e = { name, err, errlen };
    uint8_t gdt[GDT_ENTRIES * 8];
    memset(gdt, 0, sizeof gdt);
    le_put(gdt + LINUX_BOOT_CS, entry32 ? DESC_CODE32 : DESC_CODE64, 8);
    le_put(gdt + LINUX_BOOT_DS, DESC_DATA, 8);
    if (!put(mem, LINUX_GDT_GPA, gdt, sizeof gdt, &e))
        return false;
    if (!entry32 && !write_page_tables(mem, &e))
        return false;

    memset(out, 0, sizeof *out);
    out->rip = entry;
    out->rsp = LINUX_STACK_TOP;
    out->rsi = boot_params;
    out->cs_selector = LINUX_BOOT_CS;
    out->ds_selector = LINUX_BOOT_DS;
    out->gdt_base = LINUX_GDT_GPA;
    out->gdt_limit = sizeof gdt - 1;
    if (entry32) {
        out->mode = GUEST_MODE_PROT32;
    } else {
        out->mode = GUEST_MODE_LONG64;
        out->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
        out->cr3 = PML4_GPA;
        out->cr4 = CR4_PAE;
        out->efer = EFER_LME | EFER_LMA;
    }
    return true;
}
