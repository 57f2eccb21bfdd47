/* What a real CPU refuses: the checks the monitor applies to a guest's
 * XSETBV, MOV to CR0/CR4 and WRMSR to EFER before it carries them out, so
 * that a bad value is a #GP in the guest (as on hardware), never a failed VM
 * entry and never a fault in the host. Pure functions of the values and the
 * state they apply to: hosted tests exercise every rule.
 * Each returns NULL when the write is valid, else the rule it breaks. */
#ifndef VMM_GUEST_RULES_H
#define VMM_GUEST_RULES_H

#include "include/hv/types.h"

/* XSETBV (SDM vol. 1, 13.3; vol. 2, XSETBV): `supported` is the XCR0 mask
 * the guest is offered (CPUID.(0DH,0):EDX:EAX as the guest sees it). */
const char *xsetbv_refusal(uint32_t index, uint64_t value, uint64_t supported);

/* The state a CR0/CR4/EFER write is judged against. */
struct cr_state {
    uint64_t cr0, cr3, cr4, efer; /* as the guest sees them now */
    bool cs_long;             /* CS.L: running 64-bit code */
    uint64_t cr4_allowed;     /* CR4 bits this CPU and the guest's CPUID allow */
    uint64_t efer_allowed;    /* EFER bits the guest's CPUID allows (SCE, LME, NXE...) */
};

/* MOV to CR0 (SDM vol. 2, MOV-Move to/from Control Registers; vol. 3, 2.5). */
const char *cr0_refusal(const struct cr_state *s, uint64_t value);
/* MOV to CR4. */
const char *cr4_refusal(const struct cr_state *s, uint64_t value);
/* WRMSR to IA32_EFER (SDM vol. 4, table 2-2; vol. 3, 9.8.5). LMA is read-only:
 * the value written there is ignored, not checked. */
const char *efer_refusal(const struct cr_state *s, uint64_t value);

/* PAE paging keeps its four page-directory-pointer entries in the CPU: they
 * are read from CR3 when a MOV to CR3 leaves PAE paging in use, or a MOV to
 * CR0 or CR4 does and changes CR0.CD, NW or PG or CR4.PAE, PGE, PSE or SMEP
 * (SDM vol. 3, 4.4.1). Whether the write from `s` to (cr0, cr4) is one, the
 * result being 32-bit paging with PAE (long mode is off: `lma` after it). */
bool pdptes_reloaded(const struct cr_state *s, uint64_t cr0, uint64_t cr4, bool lma);
/* The entries read: a present one with a reserved bit set (2:1, 8:5, or
 * MAXPHYADDR `phys_bits` and up, table 4-8) makes the MOV a #GP. */
const char *pdpte_refusal(const uint64_t pdpte[4], unsigned phys_bits);

#endif
