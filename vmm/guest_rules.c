/* The architectural rules behind guest_rules.h, one line each, in the
 * order the SDM states them. */
#include "vmm/guest_rules.h"
#include "include/hv/x86/regs.h"

/* Every bit of a group set, or none (MPX, AVX-512 and AMX come in groups). */
static bool all_or_none(uint64_t value, uint64_t group)
{
    return (value & group) == 0 || (value & group) == group;
}

const char *xsetbv_refusal(uint32_t index, uint64_t value, uint64_t supported)
{
    if (index != 0)
        return "only XCR0 can be written";
    if (value & ~supported)
        return "a state component this CPU does not offer";
    if (!(value & XCR0_X87))
        return "x87 state (bit 0) must stay on";
    if ((value & XCR0_AVX) && !(value & XCR0_SSE))
        return "AVX (bit 2) needs SSE (bit 1)";
    if (!all_or_none(value, XCR0_MPX))
        return "MPX bits 3 and 4 must be set together";
    if (!all_or_none(value, XCR0_AVX512))
        return "AVX-512 bits 5-7 must be set together";
    if ((value & XCR0_AVX512) && !(value & XCR0_AVX))
        return "AVX-512 state needs AVX (bit 2)";
    if (!all_or_none(value, XCR0_AMX))
        return "AMX bits 17 and 18 must be set together";
    return NULL;
}

const char *cr0_refusal(const struct cr_state *s, uint64_t value)
{
    if (value >> 32)
        return "reserved bits 63:32 set";
    if ((value & CR0_PG) && !(value & CR0_PE))
        return "paging without protection";
    if ((value & CR0_NW) && !(value & CR0_CD))
        return "not-write-through without cache-disable";
    bool pg_on = (value & CR0_PG) && !(s->cr0 & CR0_PG);
    if (pg_on && (s->efer & EFER_LME) && !(s->cr4 & CR4_PAE))
        return "long mode needs PAE before paging";
    if (!(value & CR0_PG) && (s->cr0 & CR0_PG) && (s->efer & EFER_LMA) && s->cs_long)
        return "paging off while running 64-bit code";
    if (!(value & CR0_PG) && (s->cr4 & CR4_PCIDE) && (s->efer & EFER_LMA))
        return "paging off with PCIDE set";
    return NULL;
}

const char *cr4_refusal(const struct cr_state *s, uint64_t value)
{
    if (value & ~s->cr4_allowed)
        return "a bit this CPU does not offer";
    bool lma = s->efer & EFER_LMA;
    if (lma && !(value & CR4_PAE))
        return "PAE off in long mode";
    if (lma && ((value ^ s->cr4) & CR4_LA57))
        return "LA57 changed in long mode";
    if ((value & CR4_PCIDE) && !(s->cr4 & CR4_PCIDE) && !lma)
        return "PCIDE outside long mode";
    if ((value & CR4_PCIDE) && !(s->cr4 & CR4_PCIDE) && (s->cr3 & 0xfff))
        return "PCIDE with a nonzero PCID in CR3";
    return NULL;
}

const char *efer_refusal(const struct cr_state *s, uint64_t value)
{
    if (value & ~(s->efer_allowed | EFER_LMA))
        return "a reserved or unsupported bit";
    if ((s->cr0 & CR0_PG) && ((value ^ s->efer) & EFER_LME))
        return "LME changed while paging is on";
    return NULL;
}

bool pdptes_reloaded(const struct cr_state *s, uint64_t cr0, uint64_t cr4, bool lma)
{
    if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || lma)
        return false;
    return ((cr0 ^ s->cr0) & (CR0_CD | CR0_NW | CR0_PG)) ||
           ((cr4 ^ s->cr4) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP));
}

#define PDPTE_P        (1ULL << 0)
#define PDPTE_RESERVED 0x1e6ULL      /* bits 2:1 and 8:5 */

const char *pdpte_refusal(const uint64_t pdpte[4], unsigned phys_bits)
{
    uint64_t reserved = PDPTE_RESERVED;
    if (phys_bits < 64)
        reserved |= ~0ULL << phys_bits;
    for (unsigned i = 0; i < 4; i++)
        if ((pdpte[i] & PDPTE_P) && (pdpte[i] & reserved))
            return "a page-directory-pointer entry with a reserved bit set";
    return NULL;
}
