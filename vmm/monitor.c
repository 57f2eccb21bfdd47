/* Monitor state shared by every vCPU on this CPU. */
#include "vmm/monitor.h"
#include "vmm/vcpu.h"
#include "arch/x86_64/vmx.h"
#include "arch/x86_64/vmcs.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "mm/page_alloc.h"
#include "include/hv/platform.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "include/hv/x86/regs.h"

/* STAR, LSTAR, CSTAR, FMASK, KERNEL_GS_BASE: the order of vcpu.syscall_msr. */
static const uint32_t syscall_msrs[5] = { MSR_IA32_STAR, MSR_IA32_LSTAR, MSR_IA32_CSTAR,
                                          MSR_IA32_FMASK, MSR_IA32_KERNEL_GS_BASE };

static bool ready;
static char unavailable[160] = "the monitor was not started";
static mpn_t io_a, io_b, msr_bitmap;
static struct vcpu *current;   /* whose VMCS is loaded */
static struct vcpu *fpu_owner; /* whose FPU state is in the registers */
static struct vcpu *msr_owner; /* whose syscall MSRs and debug registers are in the CPU */

/* IA32_TSC_AUX exists where RDTSCP does, and the "enable RDTSCP" control
 * is allowed only on such CPUs (SDM vol. 3, appendix A.3.3). */
static bool tsc_aux_switched(void) { return (vmx_caps()->proc2 & PROC2_RDTSCP) != 0; }

static mpn_t filled_page(uint8_t byte)
{
    mpn_t m = page_alloc(OWNER_VMCS);
    if (m != INVALID_MPN)
        memset(plat_mpn_to_va(m), byte, PAGE_SIZE);
    return m;
}

bool monitor_init(char *why, size_t size)
{
    if (!vmx_init(why, size)) {
        str_copy(unavailable, why, sizeof unavailable);
        return false;
    }
    fpu_init();
    /* Every port and every MSR exits: devices and MSRs are emulated, and an
     * access we do not know is seen, not passed to the hardware. */
    io_a = filled_page(0xff);
    io_b = filled_page(0xff);
    msr_bitmap = filled_page(0xff);
    if (io_a == INVALID_MPN || io_b == INVALID_MPN || msr_bitmap == INVALID_MPN) {
        ksnprintf(why, size, "no memory for the VMX bitmaps");
        str_copy(unavailable, why, sizeof unavailable);
        return false;
    }
    ready = true;
    return true;
}

bool monitor_ready(void) { return ready; }
const char *monitor_unavailable_reason(void) { return unavailable; }
uint64_t monitor_io_bitmap_a(void) { return io_a << PAGE_SHIFT; }
uint64_t monitor_io_bitmap_b(void) { return io_b << PAGE_SHIFT; }
uint64_t monitor_msr_bitmap(void) { return msr_bitmap << PAGE_SHIFT; }

void monitor_set_current(struct vcpu *v) { current = v; }
struct vcpu *monitor_current(void) { return current; }

bool monitor_switch_to(struct vcpu *v)
{
    monitor_load_vmcs(v);
    if (fpu_owner != v) {
        if (fpu_owner) {
            fpu_save(plat_mpn_to_va(fpu_owner->fpu));
            fpu_owner->fpu_valid = true;
        }
        fpu_owner = v;
        if (!fpu_restore(plat_mpn_to_va(v->fpu), v->xcr0))
            return false;
    }
    if (msr_owner != v) {
        if (msr_owner) {
            for (unsigned i = 0; i < ARRAY_SIZE(syscall_msrs); i++)
                msr_owner->syscall_msr[i] = rdmsr(syscall_msrs[i]);
            if (tsc_aux_switched())
                msr_owner->tsc_aux = rdmsr(MSR_IA32_TSC_AUX);
            debugregs_save(msr_owner->dr);
        }
        /* Values the guest set through checked WRMSRs, and debug registers
         * read back from the CPU: all valid. */
        for (unsigned i = 0; i < ARRAY_SIZE(syscall_msrs); i++)
            wrmsr(syscall_msrs[i], v->syscall_msr[i]);
        if (tsc_aux_switched())
            wrmsr(MSR_IA32_TSC_AUX, v->tsc_aux); /* checked: bits 63:32 are 0 */
        debugregs_load(v->dr);
        msr_owner = v;
    }
    return true;
}

void monitor_load_vmcs(struct vcpu *v)
{
    if (current != v) {
        vmptrld(v->vmcs << PAGE_SHIFT);
        current = v;
    }
}

void monitor_forget(struct vcpu *v)
{
    if (current == v)
        current = NULL;
    if (fpu_owner == v)
        fpu_owner = NULL;
    if (msr_owner == v)
        msr_owner = NULL;
}
