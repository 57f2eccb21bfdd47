/* Guest RAM and the fault path: see guest_mem.h. */
#include "mm/guest_mem.h"
#include "mm/page_alloc.h"
#include "mm/heap.h"
#include "mm/sampler.h"
#include "mm/swapper.h"
#include "lib/kstring.h"

bool guest_mem_init(struct guest_mem *gm, uint64_t ram_bytes, uint16_t owner)
{
    memset(gm, 0, sizeof *gm);
    gm->ram_bytes = ram_bytes;
    gm->owner = owner;
    uint64_t npages = guest_ram_top(ram_bytes) >> PAGE_SHIFT;
    size_t bytes = physmap_storage_bytes(npages);
    gm->pm_storage = bytes ? kmalloc(bytes) : NULL;
    gm->gpa = plat_gpa_create(npages);
    if (!gm->pm_storage || !gm->gpa ||
        !physmap_init(&gm->pm, gm->gpa, gm->pm_storage, bytes, npages)) {
        guest_mem_destroy(gm);
        return false;
    }
    /* A fresh physmap: every page is UNTOUCHED, so this cannot fail. */
    physmap_mark_absent(&gm->pm, GUEST_PCI_HOLE_START >> PAGE_SHIFT,
                        guest_pci_hole_pages(ram_bytes));
    return true;
}

uint64_t guest_mem_destroy(struct guest_mem *gm)
{
    uint64_t freed = 0;
    /* Swap slots and cache entries first, while the physmap names them. */
    if (gm->swapper && gm->pm_storage)
        swapper_destroy(gm->swapper);
    gm->swapper = NULL;
    if (gm->pm_storage) {
        for (ppn_t p = 0; p < gm->pm.npages; p++) {
            struct pm_entry e;
            if (physmap_lookup(&gm->pm, p, &e) == PM_OK && e.state == PM_MAPPED) {
                page_free(e.payload);
                freed++;
            }
        }
        kfree(gm->pm_storage);
        gm->pm_storage = NULL;
    }
    /* The mappings go after the pages: nothing runs the guest any more, and
     * the platform frees only its own tables. */
    plat_gpa_destroy(gm->gpa);
    gm->gpa = NULL;
    gm->sampler = NULL;
    return freed;
}

bool guest_mem_is_ram(const struct guest_mem *gm, uint64_t gpa)
{
    if (gpa < GUEST_LOW_RAM_END)
        return true;
    if (gpa < GUEST_PCI_HOLE_END)
        return gpa >= GUEST_HIGH_RAM_START && gpa < guest_ram_low_end(gm->ram_bytes);
    return gpa < guest_ram_top(gm->ram_bytes);
}

static void note_touch(struct guest_mem *gm, ppn_t ppn)
{
    if (gm->sampler)
        sampler_note_touch(gm->sampler, ppn);
}

/* A paged-out page back through the swapper. */
static enum gm_fault page_in(struct guest_mem *gm, ppn_t ppn)
{
    switch (swapper_page_in(gm->swapper, ppn)) {
    case SWAPPER_IN_OK:
        gm->page_ins++;
        note_touch(gm, ppn);
        return GM_FAULT_OK;
    case SWAPPER_IN_LOST:
        return GM_FAULT_LOST;
    default:
        return GM_FAULT_FAIL;
    }
}

enum gm_fault guest_mem_fault(struct guest_mem *gm, uint64_t gpa)
{
    if (!gm->pm_storage || !guest_mem_is_ram(gm, gpa))
        return GM_FAULT_FAIL;
    ppn_t ppn = gpa >> PAGE_SHIFT;
    struct pm_entry e;
    if (physmap_lookup(&gm->pm, ppn, &e) != PM_OK)
        return GM_FAULT_FAIL;
    if (e.state == PM_MAPPED) {
        /* Backed, but the sampler took the mapping away to see this touch. */
        note_touch(gm, ppn);
        gm->refills++;
        return plat_gpa_map(gm->gpa, ppn, e.payload, PLAT_GPA_RWX) ? GM_FAULT_OK : GM_FAULT_FAIL;
    }
    bool out = e.state == PM_ZERO || e.state == PM_COMPRESSED || e.state == PM_SWAPPED;
    if (out && gm->swapper)
        return page_in(gm, ppn);
    /* Without a swapper only a plain zero page can be made here. A page
     * in the balloon that the guest touches without deflating it first
     * gets a fresh zero page (MUST_TELL_HOST is not offered). */
    if (e.state != PM_UNTOUCHED && e.state != PM_BALLOONED &&
        !(e.state == PM_ZERO && e.payload == 0))
        return GM_FAULT_FAIL;
    mpn_t m = page_alloc_zeroed(gm->owner);
    if (m == INVALID_MPN)
        return GM_FAULT_FAIL;
    /* Map before recording: a failed map leaves nothing to undo but the page. */
    if (!plat_gpa_map(gm->gpa, ppn, m, PLAT_GPA_RWX)) {
        page_free(m);
        return GM_FAULT_FAIL;
    }
    if (physmap_map(&gm->pm, ppn, m, NULL) != PM_OK) {
        plat_gpa_unmap(gm->gpa, ppn);
        page_free(m);
        return GM_FAULT_FAIL;
    }
    gm->first_touches++;
    note_touch(gm, ppn);
    return GM_FAULT_OK;
}

bool guest_mem_touch(struct guest_mem *gm, uint64_t gpa)
{
    return guest_mem_fault(gm, gpa) == GM_FAULT_OK;
}

bool guest_mem_unmap(struct guest_mem *gm, uint64_t gpa)
{
    struct pm_entry e;
    if (!gm->pm_storage || !guest_mem_is_ram(gm, gpa) ||
        physmap_lookup(&gm->pm, gpa >> PAGE_SHIFT, &e) != PM_OK || e.state != PM_MAPPED)
        return false;
    plat_gpa_unmap(gm->gpa, gpa >> PAGE_SHIFT);
    return true;
}

enum gm_peek guest_mem_peek(const struct guest_mem *gm, uint64_t gpa, void *buf, size_t n)
{
    memset(buf, 0, n);
    struct pm_entry e;
    if (!gm->pm_storage || !guest_mem_is_ram(gm, gpa) ||
        (gpa & (PAGE_SIZE - 1)) + n > PAGE_SIZE ||
        physmap_lookup(&gm->pm, gpa >> PAGE_SHIFT, &e) != PM_OK)
        return GM_PEEK_NOT_RAM;
    switch (e.state) {
    case PM_MAPPED: case PM_SHARED:   /* backed, mapped for the guest or not */
        memcpy(buf, (const uint8_t *)plat_mpn_to_va(e.payload) + (gpa & (PAGE_SIZE - 1)), n);
        return GM_PEEK_IN_MEMORY;
    case PM_ZERO:
        if (e.payload & PM_ZERO_FILL) {      /* a 32-bit value repeated */
            uint8_t *b = buf;
            for (size_t i = 0; i < n; i++)
                b[i] = (uint8_t)(e.payload >> (8 * ((gpa + i) & 3)));
        }
        return GM_PEEK_UNBACKED;
    case PM_UNTOUCHED:
        return GM_PEEK_UNBACKED;
    case PM_COMPRESSED: case PM_SWAPPED:
        return GM_PEEK_PAGED_OUT;
    case PM_BALLOONED:
        return GM_PEEK_BALLOONED;
    default:
        return GM_PEEK_NOT_RAM;
    }
}

bool guest_mem_write(struct guest_mem *gm, uint64_t gpa, const void *src, size_t len)
{
    const uint8_t *s = src;
    while (len) {
        ppn_t ppn = gpa >> PAGE_SHIFT;
        struct pm_entry e;
        if (!gm->pm_storage || !guest_mem_is_ram(gm, gpa) ||
            physmap_lookup(&gm->pm, ppn, &e) != PM_OK)
            return false;
        /* A backed page is written as it is, mapped for the guest or not. */
        if (e.state != PM_MAPPED) {
            if (!guest_mem_touch(gm, gpa))
                return false;
            physmap_lookup(&gm->pm, ppn, &e);
        }
        size_t off = gpa & (PAGE_SIZE - 1);
        size_t n = MIN(len, PAGE_SIZE - off);
        memcpy((uint8_t *)plat_mpn_to_va(e.payload) + off, s, n);
        gpa += n;
        s += n;
        len -= n;
    }
    return true;
}

enum gm_balloon guest_mem_balloon(struct guest_mem *gm, ppn_t ppn)
{
    if (!gm->pm_storage || !guest_mem_is_ram(gm, ppn << PAGE_SHIFT) ||
        ppn > (UINT64_MAX >> PAGE_SHIFT))
        return GM_BALLOON_BAD;
    struct pm_entry old;
    enum pm_err r = physmap_balloon(&gm->pm, ppn, &old);
    if (r != PM_OK) {
        struct pm_entry now;
        bool again = physmap_lookup(&gm->pm, ppn, &now) == PM_OK && now.state == PM_BALLOONED;
        return again ? GM_BALLOON_AGAIN : GM_BALLOON_BAD;
    }
    if (old.state == PM_MAPPED)
        page_free(old.payload);    /* physmap_balloon zapped its mapping */
    else if (gm->swapper)
        swapper_drop(gm->swapper, &old);
    return GM_BALLOON_OK;
}

enum gm_balloon guest_mem_unballoon(struct guest_mem *gm, ppn_t ppn)
{
    if (!gm->pm_storage || ppn > (UINT64_MAX >> PAGE_SHIFT) ||
        !guest_mem_is_ram(gm, ppn << PAGE_SHIFT))
        return GM_BALLOON_BAD;
    return physmap_unballoon(&gm->pm, ppn) == PM_OK ? GM_BALLOON_OK : GM_BALLOON_AGAIN;
}

uint64_t guest_mem_pages(const struct guest_mem *gm)
{
    return gm->pm_storage ? physmap_consumed(&gm->pm) : 0;
}
