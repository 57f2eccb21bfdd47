/* Host page tables. Built from MPN-allocator pages reached through the
 * direct map the UEFI stage left us; after the CR3 switch that map is ours. */
#include "arch/x86_64/paging.h"
#include "arch/x86_64/cpu.h"
#include "mm/page_alloc.h"
#include "lib/kstring.h"

#define PTE_P   (1ULL << 0)
#define PTE_W   (1ULL << 1)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS  (1ULL << 7)
#define PTE_G   (1ULL << 8)
#define PTE_NX  (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

static uint64_t *pml4;
static uint64_t pml4_phys;
static bool have_1g;
static uint64_t mmio_next = MMIO_BASE;
static struct paging_stats stats;
static const struct bootinfo *boot;

static uint64_t *table_va(uint64_t entry) { return phys_to_virt(entry & PTE_ADDR); }

/* The entry for `va` at `level` (3 = PML4E ... 0 = PTE), creating the
 * tables above it; NULL when out of memory. */
static uint64_t *walk(uint64_t va, int level)
{
    uint64_t *t = pml4;
    for (int l = 3; l > level; l--) {
        uint64_t *e = &t[(va >> (12 + 9 * l)) & 511];
        if (!(*e & PTE_P)) {
            mpn_t m = page_alloc_zeroed(OWNER_PAGETABLE);
            if (m == INVALID_MPN)
                return NULL;
            stats.table_pages++;
            *e = (m << PAGE_SHIFT) | PTE_P | PTE_W;
        } else if (*e & PTE_PS) {
            return NULL; /* already a large page: overlapping maps */
        }
        t = table_va(*e);
    }
    return &t[(va >> (12 + 9 * level)) & 511];
}

/* Maps [va, va+len) -> pa with the biggest pages alignment allows. */
static bool map_range(uint64_t va, uint64_t pa, uint64_t len, uint64_t flags, bool big)
{
    while (len) {
        int level = 0;
        if (big && have_1g && ((va | pa) & ((1ULL << 30) - 1)) == 0 && len >= (1ULL << 30))
            level = 2;
        else if (big && ((va | pa) & ((1ULL << 21) - 1)) == 0 && len >= (1ULL << 21))
            level = 1;
        uint64_t *e = walk(va, level);
        if (!e)
            return false;
        uint64_t size = 1ULL << (12 + 9 * level);
        *e = pa | flags | PTE_P | (level ? PTE_PS : 0);
        if (va >= DMAP_BASE && va < MMIO_BASE) {
            stats.dmap_bytes += size;
            if (level == 2)
                stats.dmap_1g++;
            else if (level == 1)
                stats.dmap_2m++;
            else
                stats.dmap_4k++;
        }
        va += size;
        pa += size;
        len -= size;
    }
    return true;
}

static bool is_ram(uint32_t type)
{
    return type == MEM_USABLE || type == MEM_ACPI_RECLAIM || type == MEM_ACPI_NVS ||
           type == MEM_RUNTIME || type == MEM_PERSISTENT;
}

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[], __image_start[];

static bool map_kernel(const struct bootinfo *bi)
{
    uint64_t img = (uint64_t)__image_start;
    struct {
        char *s, *e;
        uint64_t flags;
    } secs[] = {
        { __text_start, __text_end, PTE_G },
        { __rodata_start, __rodata_end, PTE_G | PTE_NX },
        { __data_start, __data_end, PTE_G | PTE_NX | PTE_W },
    };
    for (size_t i = 0; i < ARRAY_SIZE(secs); i++) {
        uint64_t s = ALIGN_DOWN((uint64_t)secs[i].s, PAGE_SIZE);
        uint64_t e = ALIGN_UP((uint64_t)secs[i].e, PAGE_SIZE);
        if (e > s && !map_range(s, bi->kernel_phys + (s - img), e - s, secs[i].flags, false))
            return false;
    }
    return true;
}

bool paging_init(const struct bootinfo *bi)
{
    boot = bi;
    have_1g = (cpuid(0x80000001, 0).edx >> 26) & 1;
    mpn_t root = page_alloc_zeroed(OWNER_PAGETABLE);
    if (root == INVALID_MPN)
        return false;
    stats.table_pages = 1;
    pml4_phys = root << PAGE_SHIFT;
    pml4 = phys_to_virt(pml4_phys);

    /* NX must be on before any entry with bit 63 is used. */
    wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_NXE);
    for (uint32_t i = 0; i < bi->nranges; i++) {
        const struct bi_range *r = &bi->ranges[i];
        if (!is_ram(r->type) || r->pages == 0)
            continue;
        if (!map_range(DMAP_BASE + r->base, r->base, r->pages * PAGE_SIZE, PTE_W | PTE_NX | PTE_G,
                       true))
            return false;
    }
    if (!map_kernel(bi))
        return false;
    write_cr4(read_cr4() | CR4_PGE);
    write_cr0(read_cr0() | CR0_WP);
    write_cr3(pml4_phys);
    /* The UEFI stage's tables (identity map included) are garbage now. */
    page_free_run(bi->pt_phys >> PAGE_SHIFT, bi->pt_pages);
    return true;
}

void *mmio_map(uint64_t pa, size_t len)
{
    uint64_t off = pa & (PAGE_SIZE - 1);
    uint64_t size = ALIGN_UP(off + len, PAGE_SIZE);
    if (mmio_next + size > MMIO_BASE + MMIO_SIZE)
        return NULL;
    uint64_t va = mmio_next;
    if (!map_range(va, pa - off, size, PTE_W | PTE_NX | PTE_PCD | PTE_PWT, false))
        return NULL;
    mmio_next += size;
    stats.mmio_bytes += size;
    return (void *)(va + off);
}

const void *firmware_map(uint64_t pa, size_t len)
{
    if (len == 0 || pa + len < pa)
        return NULL;
    /* Inside one RAM range of the firmware map: the direct map has it. */
    for (uint32_t i = 0; boot && i < boot->nranges; i++) {
        const struct bi_range *r = &boot->ranges[i];
        if (is_ram(r->type) && pa >= r->base && pa + len <= r->base + r->pages * PAGE_SIZE)
            return phys_to_virt(pa);
    }
    /* Reserved or unlisted memory (some firmware keeps tables there). */
    return mmio_map(pa, len);
}

void paging_get_stats(struct paging_stats *out)
{
    *out = stats;
}
