/* The platform interface (include/hv/platform.h) on this machine. The
 * guest-mapping operations arrive with EPT (the VT-x monitor); until then a
 * call is a bug and panics. */
#include "include/hv/platform.h"
#include "include/hv/layout.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "lib/panic.h"

uint64_t plat_time_ns(void) { return tsc_now_ns(); }

void *plat_mpn_to_va(mpn_t mpn) { return (void *)(DMAP_BASE + (mpn << PAGE_SHIFT)); }

mpn_t plat_va_to_mpn(const void *va)
{
    uint64_t a = (uint64_t)va;
    if (a < DMAP_BASE || a >= MMIO_BASE)
        return INVALID_MPN;
    return (a - DMAP_BASE) >> PAGE_SHIFT;
}

void plat_gpa_unmap(struct plat_vm *vm, ppn_t ppn)
{
    (void)vm;
    hv_panic("plat_gpa_unmap(ppn 0x%llx): no EPT yet", (unsigned long long)ppn);
}

bool plat_gpa_test_clear_accessed(struct plat_vm *vm, ppn_t ppn)
{
    (void)vm;
    hv_panic("plat_gpa_test_clear_accessed(ppn 0x%llx): no EPT yet", (unsigned long long)ppn);
}

void plat_gpa_flush(struct plat_vm *vm)
{
    (void)vm;
    hv_panic("plat_gpa_flush: no EPT yet");
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
