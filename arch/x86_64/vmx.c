/* VMX bring-up (Intel SDM vol. 3, 23.6-23.8 and appendix A). */
#include "arch/x86_64/vmx.h"
#include "arch/x86_64/vmcs.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "mm/page_alloc.h"
#include "include/hv/platform.h"
#include "lib/format.h"
#include "lib/kstring.h"


static struct vmx_caps caps;
static bool enabled;

/* (want | allowed-0) & allowed-1, and whether every wanted bit survived. */
static uint32_t adjust(uint32_t msr, uint32_t want, uint32_t required, const char *what,
                       char *why, size_t size, bool *ok)
{
    uint64_t v = rdmsr(msr);
    uint32_t allowed0 = (uint32_t)v, allowed1 = (uint32_t)(v >> 32);
    uint32_t got = (want | allowed0) & allowed1;
    if ((got & required) != required && *ok) {
        ksnprintf(why, size, "VT-x lacks required %s controls 0x%x", what,
                  (required & ~got));
        *ok = false;
    }
    return got;
}

bool vmx_init(char *why, size_t size)
{
    struct cpu_features f;
    cpu_features_read(&f);
    if (f.vmx == VMX_ABSENT) {
        ksnprintf(why, size, "no VT-x on this CPU (CPUID.1:ECX.VMX = 0)");
        return false;
    }
    if (f.vmx == VMX_DISABLED_LOCKED) {
        ksnprintf(why, size, "VT-x is disabled and locked by the firmware "
                             "(IA32_FEATURE_CONTROL = 0x%llx); enable it in the firmware setup",
                  (unsigned long long)f.feature_control);
        return false;
    }
    const char *missing = !f.ept ? "EPT" : !f.unrestricted ? "unrestricted guest"
                        : !f.preemption_timer ? "the VMX preemption timer"
                        : !f.ept_4level ? "4-level EPT" : !f.ept_wb ? "write-back EPT"
                        : !f.invept ? "INVEPT" : NULL;
    if (missing) {
        ksnprintf(why, size, "VT-x lacks %s, which guests need", missing);
        return false;
    }
    if (f.vmx == VMX_UNLOCKED)
        wrmsr(MSR_IA32_FEATURE_CONTROL, f.feature_control | 0x5); /* lock + VMX outside SMX */

    bool ok = true;
    bool true_ctls = f.vmx_true_ctls;
    caps.pin = adjust(true_ctls ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED,
                      PIN_EXT_INTR_EXIT | PIN_NMI_EXIT | PIN_VIRTUAL_NMI | PIN_PREEMPT_TIMER,
                      PIN_EXT_INTR_EXIT | PIN_NMI_EXIT | PIN_PREEMPT_TIMER, "pin-based", why,
                      size, &ok);
    /* NMI-window exiting is optional: it is turned on only while an NMI
     * waits, and it requires virtual NMIs (SDM vol. 3, 26.2.1.1). */
    caps.nmi_window = (caps.pin & PIN_VIRTUAL_NMI) &&
                      ((rdmsr(true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED) >> 32) &
                       PROC_NMI_WINDOW);
    caps.pause_exit = (rdmsr(true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED) >> 32) &
                      PROC_PAUSE_EXIT;
    caps.pause_loop = (rdmsr(MSR_VMX_PROCBASED2) >> 32) & PROC2_PAUSE_LOOP;
    /* CR8 exiting is required: without it (or a TPR shadow) a 64-bit
     * guest's MOV to CR8 writes the host CPU's own task priority (SDM vol.
     * 3, 26.3), and a guest that raises it to 15 blocks every interrupt the
     * host takes, its timer and console included. Every 64-bit VT-x CPU
     * offers both controls. */
    uint32_t proc_req = PROC_HLT_EXIT | PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_SECONDARY |
                        PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT;
    caps.proc = adjust(true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED,
                       proc_req | PROC_MWAIT_EXIT | PROC_MONITOR_EXIT | PROC_RDPMC_EXIT |
                           PROC_TSC_OFFSETTING,
                       proc_req, "processor-based", why, size, &ok);
    /* CR3-load/store and INVLPG exiting are not wanted (EPT makes them
     * useless); a CPU without true controls forces the CR3 ones on (they
     * are default-1, SDM vol. 3, A.3.2), and the CR-access handler serves
     * them. INVLPG exiting is not default-1, but a CPU's allowed-0 settings
     * may still force it: then exit_invlpg serves it, and INVPCID, which
     * would exit too (SDM vol. 3, 25.1.3), is not enabled: it is the #UD
     * of a CPU without it, and CPUID hides it. ENCLS and ENCLV exiting,
     * where the CPU has them: CPUID hides SGX, but on a host whose firmware
     * enabled it they would run in the guest rather than #UD. */
    caps.proc2 = adjust(MSR_VMX_PROCBASED2,
                        PROC2_EPT | PROC2_UNRESTRICTED | PROC2_VPID | PROC2_RDTSCP |
                            PROC2_ENCLS_EXIT | PROC2_ENCLV_EXIT |
                            (caps.proc & PROC_INVLPG_EXIT ? 0 : PROC2_INVPCID),
                        PROC2_EPT | PROC2_UNRESTRICTED, "secondary", why, size, &ok);
    /* The debug controls are required: every VM exit sets DR7 to 0x400 and
     * clears IA32_DEBUGCTL (SDM vol. 3, 28.5.1), so without them a guest's
     * breakpoints and BTF would be lost at its first exit. The TRUE control
     * MSRs allow them off, so they must be asked for; every VT-x CPU has
     * them (they were default-1 before the TRUE MSRs). */
    uint32_t exit_req = EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_DEBUG;
    caps.exit = adjust(true_ctls ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT,
                       exit_req | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_PREEMPT, exit_req,
                       "VM-exit", why, size, &ok);
    uint32_t entry_req = ENTRY_LOAD_EFER | ENTRY_LOAD_DEBUG;
    caps.entry = adjust(true_ctls ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY,
                        entry_req | ENTRY_LOAD_PAT, entry_req, "VM-entry", why, size, &ok);
    if (!ok)
        return false;
    caps.revision = f.vmcs_revision;
    caps.preempt_shift = f.preemption_timer_shift;
    /* VPIDs are reused (one per vCPU slot, vmm/vpid.h), so a new vCPU's
     * must be flushed: INVVPID with a single- or all-context type. */
    caps.vpid = (caps.proc2 & PROC2_VPID) && f.invvpid && (f.invvpid_single || f.invvpid_all);
    if (!caps.vpid)
        caps.proc2 &= ~PROC2_VPID;
    caps.ept_ad = f.ept_ad;
    caps.ept_2m = f.ept_2m;
    caps.ept_1g = f.ept_1g;
    caps.invvpid = f.invvpid;
    caps.invvpid_single = f.invvpid_single;
    caps.cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
    caps.cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
    caps.cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
    caps.cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);

    mpn_t region = page_alloc_zeroed(OWNER_VMCS);
    if (region == INVALID_MPN) {
        ksnprintf(why, size, "no memory for the VMXON region");
        return false;
    }
    *(uint32_t *)plat_mpn_to_va(region) = caps.revision;
    write_cr0((read_cr0() | caps.cr0_fixed0) & caps.cr0_fixed1);
    write_cr4((read_cr4() | caps.cr4_fixed0 | CR4_VMXE) & caps.cr4_fixed1);
    if (!vmxon(region << PAGE_SHIFT)) {
        page_free(region);
        ksnprintf(why, size, "VMXON failed");
        return false;
    }
    /* Forget any stale translations a previous owner of VMX left behind. */
    invept_all();
    enabled = true;
    return true;
}

bool vmx_enabled(void) { return enabled; }
const struct vmx_caps *vmx_caps(void) { return &caps; }

