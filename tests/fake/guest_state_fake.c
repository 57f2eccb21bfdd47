/* See guest_state_fake.h. */
#include "tests/fake/guest_state_fake.h"
#include <string.h>

#define FIELDS 96

static struct {
    uint32_t field;
    uint64_t value;
    unsigned writes;
    bool used;
} table[FIELDS];

struct fake_host fake_host;

static unsigned slot(uint32_t field)
{
    for (unsigned i = 0; i < FIELDS; i++)
        if (table[i].used && table[i].field == field)
            return i;
    for (unsigned i = 0; i < FIELDS; i++)
        if (!table[i].used) {
            table[i].used = true;
            table[i].field = field;
            return i;
        }
    __builtin_trap(); /* a test touching more fields than the table holds */
}

void fake_gs_reset(void)
{
    memset(table, 0, sizeof table);
    memset(&fake_host, 0, sizeof fake_host);
    fake_host.xcr0_offered = 7;
    fake_host.cr4_fixed1 = 0x3727ff;
}

void fake_gs_set(uint32_t field, uint64_t value) { table[slot(field)].value = value; }
uint64_t fake_gs_get(uint32_t field) { return table[slot(field)].value; }
unsigned fake_gs_writes(uint32_t field) { return table[slot(field)].writes; }

uint64_t gs_read(struct vcpu *v, uint32_t field)
{
    (void)v;
    return fake_gs_get(field);
}

void gs_write(struct vcpu *v, uint32_t field, uint64_t value)
{
    (void)v;
    unsigned i = slot(field);
    table[i].value = value;
    table[i].writes++;
}

struct host_cpuid host_cpuid(uint32_t leaf, uint32_t sub)
{
    return fake_host.cpuid ? fake_host.cpuid(leaf, sub) : (struct host_cpuid){ 0, 0, 0, 0 };
}

uint64_t host_tsc(void) { return fake_host.tsc; }
uint64_t host_guest_msr_read(uint32_t msr) { return fake_host.live_msr[msr & 7]; }

bool host_guest_msr_write(uint32_t msr, uint64_t value)
{
    if (fake_host.refuse_msr_write)
        return false;
    fake_host.last_msr = msr;
    fake_host.last_msr_value = value;
    fake_host.live_msr[msr & 7] = value;
    fake_host.msr_writes++;
    return true;
}

bool host_guest_xsetbv(uint64_t xcr0)
{
    if (fake_host.refuse_xsetbv)
        return false;
    fake_host.last_xsetbv = xcr0;
    fake_host.xsetbvs++;
    return true;
}

void host_guest_dr6_set(uint64_t bits) { fake_host.dr6 |= bits; }
uint64_t host_guest_dr_read(unsigned i) { return i < 4 ? fake_host.dr[i] : 0; }
void host_guest_tlb_flush(void) { fake_host.tlb_flushes++; }

uint64_t host_xcr0_offered(void) { return fake_host.xcr0_offered; }
uint64_t host_cr4_fixed1(void) { return fake_host.cr4_fixed1; }
uint32_t host_vmx_proc(void) { return fake_host.vmx_proc; }
uint32_t host_vmx_proc2(void) { return fake_host.vmx_proc2; }
bool host_vmx_nmi_window(void) { return fake_host.nmi_window; }

/* Without VMX fixed bits in the fake: the CPU runs with what the guest wrote. */
uint64_t vcpu_real_cr0(uint64_t shadow) { return shadow; }
uint64_t vcpu_real_cr4(uint64_t shadow) { return shadow; }
