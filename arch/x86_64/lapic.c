/* Local APIC: enable, EOI, periodic timer. Register offsets are the xAPIC
 * MMIO ones; in x2APIC mode the MSR is 0x800 + offset / 16 (Intel SDM
 * vol. 3, 11.12.1). */
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/trap.h"

#define REG_ID       0x020
#define REG_TPR      0x080
#define REG_EOI      0x0b0
#define REG_SVR      0x0f0
#define REG_ESR      0x280
#define REG_LVT_TMR  0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_LVT_ERR  0x370
#define REG_TMR_INIT 0x380
#define REG_TMR_CUR  0x390
#define REG_TMR_DIV  0x3e0

#define LVT_MASKED   (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define LVT_NMI      (4u << 8)

static bool x2apic;
static volatile uint32_t *mmio;
static uint32_t boot_id;
static uint64_t timer_hz;

static uint32_t rd(uint32_t reg)
{
    if (x2apic)
        return (uint32_t)rdmsr(0x800 + (reg >> 4));
    return mmio[reg / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
    if (x2apic)
        wrmsr(0x800 + (reg >> 4), v);
    else
        mmio[reg / 4] = v;
}

void lapic_init(void)
{
    uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
    x2apic = (cpuid(1, 0).ecx >> 21) & 1;
    if (x2apic) {
        base |= (1ULL << 11) | (1ULL << 10);
        wrmsr(MSR_IA32_APIC_BASE, base);
    } else {
        base |= 1ULL << 11;
        wrmsr(MSR_IA32_APIC_BASE, base);
        mmio = mmio_map(base & 0xffffff000ULL, 4096);
    }
    boot_id = lapic_id();
    wr(REG_TPR, 0);
    wr(REG_LVT_LINT0, LVT_MASKED);      /* the 8259s are masked */
    wr(REG_LVT_LINT1, LVT_NMI);
    wr(REG_LVT_ERR, VEC_LAPIC_ERR);
    wr(REG_ESR, 0);
    wr(REG_SVR, 0x100 | VEC_SPURIOUS);  /* software enable */
}

bool lapic_is_x2apic(void) { return x2apic; }

uint32_t lapic_id(void)
{
    if (x2apic)
        return rd(REG_ID);
    if (!mmio)
        return 0;
    return rd(REG_ID) >> 24;
}

unsigned lapic_cpu_id(void)
{
    /* One CPU for now: the boot CPU is 0, anything else is named by its id. */
    uint32_t id = lapic_id();
    return id == boot_id ? 0 : id;
}

void lapic_eoi(void)
{
    wr(REG_EOI, 0);
}

uint64_t lapic_timer_start(uint8_t vector, unsigned hz)
{
    uint64_t tsc_hz = tsc_hz_get();
    wr(REG_TMR_DIV, 0x3); /* divide by 16 */
    wr(REG_LVT_TMR, LVT_MASKED);
    wr(REG_TMR_INIT, 0xffffffffu);
    uint64_t t0 = rdtsc(), window = tsc_hz / 100; /* 10 ms */
    while (rdtsc() - t0 < window)
        cpu_pause();
    uint32_t elapsed = 0xffffffffu - rd(REG_TMR_CUR);
    wr(REG_TMR_INIT, 0);
    timer_hz = (uint64_t)elapsed * 100;
    if (timer_hz < hz)
        return 0;
    wr(REG_LVT_TMR, vector | LVT_PERIODIC);
    wr(REG_TMR_INIT, (uint32_t)(timer_hz / hz));
    return timer_hz;
}

uint64_t lapic_timer_hz(void) { return timer_hz; }
