/* TSC calibration: PIT channel 2 counts 1.193182 MHz regardless of the CPU;
 * with its gate on (port 0x61 bit 0) in mode 0, OUT2 (port 0x61 bit 5) goes
 * high when the count reaches zero. Three 10 ms windows, the median wins. */
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/cpu.h"

#define PIT_HZ 1193182ULL
#define WINDOW_MS 10

static uint64_t hz;
static uint64_t mult; /* ns = ticks * mult >> 32 */
static uint64_t base_tsc;
static const char *source = "uncalibrated";

/* TSC ticks in one PIT window, or 0 if OUT2 never rose. */
static uint64_t one_window(void)
{
    uint16_t count = (uint16_t)(PIT_HZ * WINDOW_MS / 1000);
    uint8_t p61 = inb(0x61);
    outb(0x61, (uint8_t)((p61 & ~0x02) & ~0x01)); /* gate off, speaker off */
    outb(0x43, 0xb0);                             /* ch2, lo/hi, mode 0, binary */
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    outb(0x61, (uint8_t)((p61 & ~0x02) | 0x01));  /* gate on: counting starts */
    uint64_t t0 = rdtsc();
    /* Bound the wait: 2^32 ticks is over a second on anything we run on. */
    while (!(inb(0x61) & 0x20)) {
        if (rdtsc() - t0 > (1ULL << 32))
            return 0;
    }
    return rdtsc() - t0;
}

static void set_hz(uint64_t f, const char *src)
{
    hz = f;
    source = src;
    mult = (1000000000ULL << 32) / f;
}

uint64_t tsc_calibrate(void)
{
    uint64_t w[3];
    for (int i = 0; i < 3; i++)
        w[i] = one_window();
    /* median of three */
    uint64_t a = w[0], b = w[1], c = w[2], m;
    if ((a <= b && b <= c) || (c <= b && b <= a))
        m = b;
    else if ((b <= a && a <= c) || (c <= a && a <= b))
        m = a;
    else
        m = c;
    base_tsc = rdtsc();
    if (m) {
        set_hz(m * 1000 / WINDOW_MS, "PIT channel 2");
        return hz;
    }
    struct cpuid_regs r = cpuid(0, 0);
    if (r.eax >= 0x16) {
        struct cpuid_regs f = cpuid(0x16, 0);
        if (f.eax) {
            set_hz((uint64_t)f.eax * 1000000, "CPUID leaf 0x16 (no PIT)");
            return 0;
        }
    }
    set_hz(1000000000ULL, "assumed 1 GHz (no PIT, no CPUID leaf 0x16)");
    return 0;
}

uint64_t tsc_hz_get(void) { return hz; }
const char *tsc_calibration_source(void) { return source; }

uint64_t tsc_to_ns(uint64_t ticks)
{
    return (uint64_t)(((unsigned __int128)ticks * mult) >> 32);
}

uint64_t tsc_now_ns(void)
{
    if (!hz)
        return 0;
    return tsc_to_ns(rdtsc() - base_tsc);
}
