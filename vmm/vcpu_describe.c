/* vcpu_describe: see vmm/vcpu_describe.h. The interruptibility bits are
 * the SDM's (vol. 3, 25.4.2, table 25-3); IF is RFLAGS bit 9. */
#include "vmm/vcpu_describe.h"
#include "lib/format.h"

#define RFLAGS_IF           (1u << 9)
#define BLOCKING_BY_STI     (1u << 0)
#define BLOCKING_BY_MOV_SS  (1u << 1)
#define BLOCKING_BY_NMI     (1u << 3)

void vcpu_describe(const struct vcpu_apic_view *a, const struct vcpu_last_exit *x,
                   const char *(*reason_name)(unsigned), char *buf, size_t n)
{
    if (!n)
        return;
    int o = ksnprintf(buf, n, "in service 0x%x, requested 0x%x, priority 0x%x%s%s",
                      a->isr_top < 0 ? 0 : a->isr_top, a->irr_top < 0 ? 0 : a->irr_top,
                      a->ppr, a->nmi_pending ? ", NMI pending" : "",
                      a->suspended ? ", suspended to RAM (ACPI S3)"
                      : a->wait_sipi ? ", waiting for SIPI" : "");
    if (!x->valid || o < 0 || (size_t)o >= n)
        return;
    ksnprintf(buf + o, n - (size_t)o, "; at RIP 0x%llx, interrupts %s%s%s%s, last exit %s",
              (unsigned long long)x->rip, (x->rflags & RFLAGS_IF) ? "on" : "off",
              (x->interruptibility & BLOCKING_BY_STI) ? ", STI shadow" : "",
              (x->interruptibility & BLOCKING_BY_MOV_SS) ? ", MOV SS shadow" : "",
              (x->interruptibility & BLOCKING_BY_NMI) ? ", NMIs blocked" : "",
              reason_name ? reason_name(x->reason) : "?");
}
