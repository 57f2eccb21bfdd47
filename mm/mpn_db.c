/* The MPN database: built once from the firmware map, then kept exact by the
 * allocator. See mm/mpn_db.h. */
#include "mm/mpn_db.h"
#include "mm/page_alloc.h"
#include "include/hv/platform.h"
#include "lib/kstring.h"

static struct mpn_rec *recs;
static uint64_t nrecs;
static uint64_t map_pages[MEM_TYPE_COUNT];
static uint64_t db_type_pages[MEM_TYPE_COUNT];
static uint64_t owner_pages[OWNER_BUCKETS];
static uint64_t overlap_pages;

static const char *const type_names[MEM_TYPE_COUNT] = {
    [MEM_USABLE] = "usable",     [MEM_ACPI_RECLAIM] = "acpi-reclaim",
    [MEM_ACPI_NVS] = "acpi-nvs", [MEM_RUNTIME] = "uefi-runtime",
    [MEM_MMIO] = "mmio",         [MEM_RESERVED] = "reserved",
    [MEM_UNUSABLE] = "unusable", [MEM_PERSISTENT] = "persistent",
    [MEM_HOLE] = "hole",
};

static const char *const owner_names[OWNER_VM_BASE] = {
    [OWNER_FREE] = "free",         [OWNER_RESERVED] = "reserved",
    [OWNER_LOWMEM] = "lowmem",     [OWNER_KERNEL] = "kernel",
    [OWNER_BOOTINFO] = "bootinfo", [OWNER_BOOTFILES] = "bootfiles",
    [OWNER_MPNDB] = "mpndb",       [OWNER_PAGETABLE] = "pagetable",
    [OWNER_HEAP] = "heap",         [OWNER_STACK] = "stack",
    [OWNER_EPT] = "ept",           [OWNER_VMCS] = "vmcs",
    [OWNER_CCACHE] = "ccache",     [OWNER_TEST] = "test",
    [OWNER_IO] = "io",
    [OWNER_GUEST_ROM] = "rom",     [OWNER_DEVMEM] = "devmem",
};

const char *mem_type_name(enum mem_type t)
{
    return (unsigned)t < MEM_TYPE_COUNT ? type_names[t] : "?";
}

const char *mpn_owner_name(uint16_t owner)
{
    if (owner >= OWNER_VM_BASE)
        return "vm";
    return owner_names[owner] ? owner_names[owner] : "?";
}

const char *mpn_db_strerror(enum mpn_db_err e)
{
    switch (e) {
    case MPN_DB_OK: return "ok";
    case MPN_DB_NO_RAM: return "the memory map has no usable RAM";
    case MPN_DB_NO_ROOM: return "no free usable range can hold the MPN database";
    case MPN_DB_TOO_BIG: return "more machine pages than the database can index";
    }
    return "?";
}

static unsigned owner_bucket(uint16_t owner)
{
    return owner >= OWNER_VM_BASE ? OWNER_VM_BASE : owner;
}

static bool is_ram_type(uint8_t t)
{
    /* Types the database must describe page by page. MMIO and reserved
     * ranges far above RAM (flash, APIC) do not stretch the database. */
    return t == MEM_USABLE || t == MEM_ACPI_RECLAIM || t == MEM_ACPI_NVS ||
           t == MEM_RUNTIME || t == MEM_PERSISTENT;
}

/* Of the obstacles (claims and non-usable map ranges) overlapping [a, b),
 * the one that starts first; false when there is none. */
static bool first_obstacle(uint64_t a, uint64_t b, const struct mem_range *ranges,
                           size_t nranges, const struct mem_claim *claims, size_t nclaims,
                           uint64_t *oa, uint64_t *ob)
{
    bool found = false;
    for (size_t i = 0; i < nranges + nclaims; i++) {
        uint64_t s, e;
        if (i < nranges) {
            if (ranges[i].type == MEM_USABLE)
                continue;
            s = ranges[i].base >> PAGE_SHIFT;
            e = s + ranges[i].pages;
        } else {
            s = claims[i - nranges].base >> PAGE_SHIFT;
            e = s + claims[i - nranges].pages;
        }
        if (e <= a || s >= b)
            continue;
        if (s < a)
            s = a;
        if (!found || s < *oa) {
            *oa = s;
            *ob = e;
            found = true;
        }
    }
    return found;
}

/* Largest run of usable pages in [min_mpn, limit) that no claim or other
 * map range touches (a lying map may overlap); returns its length. */
static uint64_t largest_free_run(const struct mem_range *ranges, size_t nranges,
                                 const struct mem_claim *claims, size_t nclaims,
                                 uint64_t limit, uint64_t min_mpn, uint64_t *start)
{
    uint64_t best = 0;
    for (size_t i = 0; i < nranges; i++) {
        if (ranges[i].type != MEM_USABLE)
            continue;
        uint64_t a = MAX(ranges[i].base >> PAGE_SHIFT, min_mpn);
        uint64_t b = MIN((ranges[i].base >> PAGE_SHIFT) + ranges[i].pages, limit);
        while (a < b) {
            uint64_t oa, ob;
            uint64_t end = b;
            bool hit = first_obstacle(a, b, ranges, nranges, claims, nclaims, &oa, &ob);
            if (hit)
                end = oa;
            if (end - a > best) {
                best = end - a;
                *start = a;
            }
            if (!hit)
                break;
            a = ob;
        }
    }
    return best;
}

static void set_range(uint64_t a, uint64_t b, uint8_t type)
{
    for (uint64_t m = a; m < b && m < nrecs; m++) {
        if (recs[m].type != MEM_HOLE && recs[m].type != type)
            overlap_pages++;
        /* A non-usable claim always wins over usable. */
        if (recs[m].type == MEM_HOLE || type != MEM_USABLE)
            recs[m].type = type;
    }
}

enum mpn_db_err mpn_db_init(const struct mem_range *ranges, size_t nranges,
                            const struct mem_claim *claims, size_t nclaims,
                            bool reserve_lowmem)
{
    memset(map_pages, 0, sizeof map_pages);
    memset(db_type_pages, 0, sizeof db_type_pages);
    memset(owner_pages, 0, sizeof owner_pages);
    overlap_pages = 0;

    uint64_t limit = 0;
    for (size_t i = 0; i < nranges; i++) {
        if (ranges[i].type < MEM_TYPE_COUNT)
            map_pages[ranges[i].type] += ranges[i].pages;
        if (is_ram_type(ranges[i].type)) {
            uint64_t end = (ranges[i].base >> PAGE_SHIFT) + ranges[i].pages;
            if (end > limit)
                limit = end;
        }
    }
    if (map_pages[MEM_USABLE] == 0)
        return MPN_DB_NO_RAM;
    if (limit >= MPN_NIL)
        return MPN_DB_TOO_BIG;

    uint64_t db_pages = ALIGN_UP(limit * sizeof(struct mpn_rec), PAGE_SIZE) >> PAGE_SHIFT;
    uint64_t start = 0;
    uint64_t min_mpn = reserve_lowmem ? (1u << 20) >> PAGE_SHIFT : 0;
    if (largest_free_run(ranges, nranges, claims, nclaims, limit, min_mpn, &start) < db_pages)
        return MPN_DB_NO_ROOM;

    /* The records are contiguous in machine memory, and the direct map is
     * linear, so one pointer reaches them all. */
    recs = plat_mpn_to_va(start);
    nrecs = limit;
    for (uint64_t m = 0; m < nrecs; m++)
        recs[m] = (struct mpn_rec){ .owner = OWNER_RESERVED, .type = MEM_HOLE,
                                    .order = ORDER_NONE, .next = MPN_NIL, .prev = MPN_NIL };
    for (size_t i = 0; i < nranges; i++) {
        uint64_t a = ranges[i].base >> PAGE_SHIFT;
        if (ranges[i].type < MEM_TYPE_COUNT && ranges[i].pages)
            set_range(a, a + ranges[i].pages, ranges[i].type);
    }
    for (uint64_t m = 0; m < nrecs; m++) {
        if (recs[m].type == MEM_USABLE)
            recs[m].owner = (reserve_lowmem && m < min_mpn) ? OWNER_LOWMEM : OWNER_FREE;
        db_type_pages[recs[m].type]++;
    }
    for (size_t c = 0; c < nclaims; c++) {
        uint64_t a = claims[c].base >> PAGE_SHIFT;
        for (uint64_t m = a; m < a + claims[c].pages && m < nrecs; m++)
            if (recs[m].type == MEM_USABLE)
                recs[m].owner = claims[c].owner;
    }
    for (uint64_t m = start; m < start + db_pages; m++)
        recs[m].owner = OWNER_MPNDB;
    for (uint64_t m = 0; m < nrecs; m++)
        if (recs[m].type == MEM_USABLE)
            owner_pages[owner_bucket(recs[m].owner)]++;
    return MPN_DB_OK;
}

struct mpn_rec *mpn_db_rec(mpn_t mpn)
{
    return mpn < nrecs ? &recs[mpn] : NULL;
}

uint64_t mpn_db_pages(void)
{
    return nrecs;
}

void mpn_db_set_owner(mpn_t mpn, uint16_t owner)
{
    struct mpn_rec *r = &recs[mpn];
    owner_pages[owner_bucket(r->owner)]--;
    owner_pages[owner_bucket(owner)]++;
    r->owner = owner;
}

void mpn_db_get_stats(struct mpn_db_stats *out)
{
    memcpy(out->map_pages, map_pages, sizeof map_pages);
    memcpy(out->db_pages, db_type_pages, sizeof db_type_pages);
    memcpy(out->owner_pages, owner_pages, sizeof owner_pages);
    out->total_pages = nrecs;
    out->overlaps = overlap_pages;
}
