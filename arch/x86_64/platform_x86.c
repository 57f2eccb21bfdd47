/* The platform interface (include/hv/platform.h) on this machine: the TSC,
 * the direct map, and EPT for guest mappings. */
#include "include/hv/platform.h"
#include "include/hv/layout.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/ept.h"
#include "arch/x86_64/vmx.h"
#include "mm/heap.h"

uint64_t plat_time_ns(void) { return tsc_now_ns(); }

void *plat_mpn_to_va(mpn_t mpn) { return (void *)(DMAP_BASE + (mpn << PAGE_SHIFT)); }

mpn_t plat_va_to_mpn(const void *va)
{
    uint64_t a = (uint64_t)va;
    if (a < DMAP_BASE || a >= MMIO_BASE)
        return INVALID_MPN;
    return (a - DMAP_BASE) >> PAGE_SHIFT;
}

/* The EPT's rights bits are the platform's: R=1, W=2, X=4. */
_Static_assert(PLAT_GPA_R == EPT_R && PLAT_GPA_W == EPT_W && PLAT_GPA_X == EPT_X,
               "PLAT_GPA_* must be the EPT rights bits");

/* EPT reaches any 48-bit guest-physical address; the size is the caller's. */
struct plat_vm *plat_gpa_create(uint64_t npages)
{
    (void)npages;
    struct plat_vm *vm = kzalloc(sizeof *vm);
    if (!vm)
        return NULL;
    if (!ept_init(&vm->ept, vmx_caps()->ept_ad)) {
        kfree(vm);
        return NULL;
    }
    return vm;
}

void plat_gpa_destroy(struct plat_vm *vm)
{
    if (!vm)
        return;
    /* No guest-physical or combined translation may outlive the tables:
     * the next VM's EPT root may be the same page. */
    ept_invalidate(&vm->ept);
    ept_destroy(&vm->ept, NULL, NULL);
    kfree(vm);
}

bool plat_gpa_map(struct plat_vm *vm, ppn_t ppn, mpn_t mpn, unsigned prot)
{
    return ept_map(&vm->ept, ppn << PAGE_SHIFT, mpn, prot);
}

mpn_t plat_gpa_lookup(struct plat_vm *vm, ppn_t ppn)
{
    return ept_lookup(&vm->ept, ppn << PAGE_SHIFT);
}

bool plat_gpa_protect(struct plat_vm *vm, ppn_t ppn, unsigned prot)
{
    if (!ept_protect(&vm->ept, ppn << PAGE_SHIFT, prot))
        return false;
    ept_invalidate(&vm->ept);
    return true;
}

bool plat_gpa_has_accessed_bits(void) { return vmx_caps()->ept_ad; }

/* One CPU runs guests for now, so invalidating here is invalidating
 * everywhere; with SMP this becomes an IPI to the CPUs running the VM. */
void plat_gpa_unmap(struct plat_vm *vm, ppn_t ppn)
{
    if (ept_unmap(&vm->ept, ppn << PAGE_SHIFT) != INVALID_MPN)
        ept_invalidate(&vm->ept);
}

void plat_gpa_unmap_noflush(struct plat_vm *vm, ppn_t ppn)
{
    ept_unmap(&vm->ept, ppn << PAGE_SHIFT);
}

bool plat_gpa_test_clear_accessed(struct plat_vm *vm, ppn_t ppn)
{
    return ept_test_clear_accessed(&vm->ept, ppn << PAGE_SHIFT);
}

void plat_gpa_flush(struct plat_vm *vm)
{
    ept_invalidate(&vm->ept);
}

uint64_t plat_random(void)
{
    /* xorshift64*, seeded from the TSC on first use. RDRAND would be
     * better where present, but sampling needs speed, not secrecy. */
    static uint64_t s;
    if (!s)
        s = rdtsc() | 1;
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545f4914f6cdd1dULL;
}

uint64_t plat_irq_save(void)
{
    uint64_t f = read_rflags();
    cli();
    return f & RFLAGS_IF;
}

void plat_irq_restore(uint64_t state)
{
    if (state)
        sti();
}
