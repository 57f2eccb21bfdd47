/* XSAVE/XRSTOR when the CPU has them (CPUID.1:ECX.XSAVE), FXSAVE/FXRSTOR
 * otherwise (Intel SDM vol. 1, chapter 13). */
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/safe_insn.h"
#include "lib/kstring.h"


static bool xsave;
static uint64_t supported;

bool fpu_init(void)
{
    struct cpuid_regs r = cpuid(1, 0);
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    xsave = (r.ecx >> 26) & 1;
    if (!xsave)
        return true;
    write_cr4(read_cr4() | CR4_OSXSAVE);
    struct cpuid_regs d = cpuid(0xd, 0);
    supported = ((uint64_t)d.edx << 32 | d.eax) & ((1ULL << 10) - 1); /* user state only */
    fpu_set_xcr0(supported);
    if (cpuid(0xd, 0).ebx > PAGE_SIZE) {
        /* Too large a state for our one-page areas: keep x87+SSE only. */
        supported = 3;
        fpu_set_xcr0(3);
    }
    return true;
}

bool fpu_has_xsave(void) { return xsave; }
uint64_t fpu_supported_xcr0(void) { return xsave ? supported : 3; }

void fpu_set_xcr0(uint64_t xcr0)
{
    if (xsave)
        __asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)));
}

void fpu_init_area(void *area)
{
    /* Legacy region: FCW 0x37f, MXCSR 0x1f80; XSTATE_BV 0 = everything in
     * its initial state. */
    uint8_t *a = area;
    uint16_t fcw = 0x37f;
    uint32_t mxcsr = 0x1f80;
    memcpy(a + 0, &fcw, 2);
    memcpy(a + 24, &mxcsr, 4);
}

void fpu_save(void *area)
{
    /* XSAVE covers only the components enabled in XCR0, and a guest's XCR0
     * may leave out SSE that it uses anyway (CR4.OSFXSR alone enables
     * SSE): save with every component we support enabled. */
    if (xsave) {
        fpu_set_xcr0(supported);
        __asm__ volatile("xsave64 (%0)" : : "r"(area), "a"(-1), "d"(-1) : "memory");
    } else {
        __asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
    }
}

bool fpu_restore(const void *area, uint64_t xcr0)
{
    if (xsave) {
        fpu_set_xcr0(supported);
        /* the guest's own feature set while it runs */
        return safe_xrstor(area, ~0ULL) && safe_xsetbv(0, xcr0);
    }
    __asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
    return true;
}
