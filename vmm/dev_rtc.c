/* CMOS RTC model (Motorola MC146818A datasheet: "Address map", "Time,
 * calendar and alarm locations", "Update cycle", registers A-D; Intel
 * PIIX4 datasheet for the century byte at 0x32 and the NMI bit at 0x70).
 * The clock is a base time plus the host clock: nothing runs between
 * accesses. An update happens at each whole second after base_ns; UIP reads
 * 1 for the 244 us before it, as the datasheet's timing guarantees
 * software at least that long once UIP reads 0. */
#include "vmm/dev_rtc.h"

enum {
    REG_SEC = 0x00, REG_SEC_ALARM = 0x01, REG_MIN = 0x02, REG_MIN_ALARM = 0x03,
    REG_HOUR = 0x04, REG_HOUR_ALARM = 0x05, REG_DOW = 0x06, REG_DAY = 0x07,
    REG_MON = 0x08, REG_YEAR = 0x09, REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c,
    REG_D = 0x0d, REG_CENTURY = 0x32,
};

#define A_UIP 0x80
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM_BINARY 0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define D_VRT 0x80
#define UIP_NS 244000ULL

/* ---- register encodings ---------------------------------------------------- */
static bool binary(const struct rtc *r) { return r->ram[REG_B] & B_DM_BINARY; }

static uint8_t encode(const struct rtc *r, unsigned v)
{
    v %= 100;
    return (uint8_t)(binary(r) ? v : (v / 10) << 4 | v % 10);
}

static unsigned decode(const struct rtc *r, uint8_t v)
{
    return binary(r) ? v : (v >> 4) * 10u + (v & 15u);
}

/* Hours: in 12-hour mode 1-12 with bit 7 for PM. */
static uint8_t encode_hour(const struct rtc *r, unsigned h)
{
    if (r->ram[REG_B] & B_24H)
        return encode(r, h);
    unsigned h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(encode(r, h12) | (h >= 12 ? 0x80 : 0));
}

static unsigned decode_hour(const struct rtc *r, uint8_t v)
{
    if (r->ram[REG_B] & B_24H)
        return decode(r, v);
    unsigned h12 = decode(r, v & 0x7f) % 12;
    return h12 + (v & 0x80 ? 12 : 0);
}

/* ---- the clock ------------------------------------------------------------- */
static int64_t seconds_at(const struct rtc *r, uint64_t now)
{
    return r->base_s + (int64_t)((now > r->base_ns ? now - r->base_ns : 0) / NS_PER_S);
}

static bool set_mode(const struct rtc *r) { return r->ram[REG_B] & B_SET; }

static void current_time(const struct rtc *r, uint64_t now, struct civil_time *t)
{
    if (set_mode(r))
        *t = r->shadow;
    else
        civil_from_unix(seconds_at(r, now), t);
}

/* The guest set the time: it runs from `t` starting now (a fresh second). */
static void set_time(struct rtc *r, const struct civil_time *t, uint64_t now)
{
    r->base_s = civil_to_unix(t);
    r->base_ns = now;
    r->seen_ns = now;
}

void rtc_init(struct rtc *r, struct dev_irq irq, int64_t unix_s, uint64_t now)
{
    *r = (struct rtc){ .irq = irq, .base_s = unix_s, .base_ns = now, .seen_ns = now };
    r->ram[REG_A] = 0x26;        /* 32.768 kHz divider, 1024 Hz periodic rate */
    r->ram[REG_B] = B_24H;       /* BCD, 24-hour, no interrupts: as a BIOS leaves it */
    r->ram[REG_D] = D_VRT;
}

void rtc_cmos_set(struct rtc *r, uint8_t index, uint8_t val)
{
    if (index >= 0x0e && index < 128 && index != REG_CENTURY)
        r->ram[index] = val;
}

/* ---- interrupts -------------------------------------------------------------- */
static uint64_t periodic_ns(const struct rtc *r)
{
    unsigned rate = r->ram[REG_A] & 15;
    if (!rate)
        return 0;
    if (rate < 3)
        rate += 7;               /* rates 1 and 2 repeat 8 and 9 at 32.768 kHz */
    return (NS_PER_S << (rate - 1)) / 32768;
}

/* A byte of the alarm matches: equal, or "don't care" (top two bits set). */
static bool alarm_field(uint8_t alarm, uint8_t now)
{
    return (alarm & 0xc0) == 0xc0 || alarm == now;
}

/* Did a second in (from, to] match the alarm? Only the time of day
 * matters, so a day's worth of seconds covers every pattern; walked with a
 * running h:m:s rather than a calendar conversion per second. */
static bool alarm_between(const struct rtc *r, int64_t from, int64_t to)
{
    if (to - from > 86400)
        from = to - 86400;
    int64_t s = from + 1, days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
    unsigned tod = (unsigned)(s - days * 86400);
    unsigned h = tod / 3600, m = tod / 60 % 60, sec = tod % 60;
    for (; s <= to; s++) {
        if (alarm_field(r->ram[REG_SEC_ALARM], encode(r, sec)) &&
            alarm_field(r->ram[REG_MIN_ALARM], encode(r, m)) &&
            alarm_field(r->ram[REG_HOUR_ALARM], encode_hour(r, h)))
            return true;
        if (++sec == 60) {
            sec = 0;
            if (++m == 60) {
                m = 0;
                h = (h + 1) % 24;
            }
        }
    }
    return false;
}

void rtc_tick(struct rtc *r, uint64_t now)
{
    if (now <= r->seen_ns)
        return;
    uint8_t flags = 0;
    uint64_t p = periodic_ns(r);
    if (p && now / p > r->seen_ns / p)
        flags |= C_PF;
    if (!set_mode(r)) {
        int64_t from = seconds_at(r, r->seen_ns), to = seconds_at(r, now);
        if (to > from)
            flags |= C_UF;
        if (to > from && alarm_between(r, from, to))
            flags |= C_AF;
    }
    r->seen_ns = now;
    uint8_t c = r->ram[REG_C] | flags;
    uint8_t enabled = r->ram[REG_B] & (B_PIE | B_AIE | B_UIE); /* same bit positions as C */
    if ((c & enabled & (C_PF | C_AF | C_UF)) && !(c & C_IRQF)) {
        c |= C_IRQF;
        r->irqs++;
        dev_irq_set(&r->irq, RTC_IRQ, true);
    }
    r->ram[REG_C] = c;
}

uint64_t rtc_next_deadline(const struct rtc *r, uint64_t now)
{
    if (r->ram[REG_C] & C_IRQF)
        return DEV_NO_DEADLINE;  /* the line stays up until register C is read */
    uint64_t best = DEV_NO_DEADLINE, p = periodic_ns(r);
    if ((r->ram[REG_B] & B_PIE) && p)
        best = (now / p + 1) * p;
    if ((r->ram[REG_B] & (B_UIE | B_AIE)) && !set_mode(r)) {
        uint64_t since = now > r->base_ns ? now - r->base_ns : 0;
        uint64_t next = r->base_ns + (since / NS_PER_S + 1) * NS_PER_S;
        best = next < best ? next : best;
    }
    return best;
}

/* ---- ports ----------------------------------------------------------------------- */
static uint8_t read_reg(struct rtc *r, unsigned idx, uint64_t now)
{
    struct civil_time t;
    switch (idx) {
    case REG_SEC: case REG_MIN: case REG_HOUR: case REG_DOW:
    case REG_DAY: case REG_MON: case REG_YEAR: case REG_CENTURY:
        current_time(r, now, &t);
        switch (idx) {
        case REG_SEC: return encode(r, t.sec);
        case REG_MIN: return encode(r, t.min);
        case REG_HOUR: return encode_hour(r, t.hour);
        case REG_DOW: {
            int64_t days = civil_days(t.year, t.mon, t.day);
            return encode(r, (unsigned)(((days % 7) + 7 + 4) % 7) + 1); /* 1970-01-01: Thursday; 1 = Sunday */
        }
        case REG_DAY: return encode(r, t.day);
        case REG_MON: return encode(r, t.mon);
        case REG_YEAR: return encode(r, t.year % 100);
        default: return encode(r, t.year / 100);
        }
    case REG_A: {
        uint64_t phase = (now > r->base_ns ? now - r->base_ns : 0) % NS_PER_S;
        bool uip = !set_mode(r) && phase >= NS_PER_S - UIP_NS;
        return (uint8_t)((r->ram[REG_A] & 0x7f) | (uip ? A_UIP : 0));
    }
    case REG_C: {
        /* Reading C reports and clears every flag and drops the line. */
        rtc_tick(r, now);
        uint8_t c = r->ram[REG_C];
        r->ram[REG_C] = 0;
        if (c & C_IRQF)
            dev_irq_set(&r->irq, RTC_IRQ, false);
        return c;
    }
    case REG_D:
        return D_VRT;
    default:
        return r->ram[idx];
    }
}

static void write_time_field(struct rtc *r, unsigned idx, uint8_t val, uint64_t now)
{
    struct civil_time t;
    current_time(r, now, &t);
    switch (idx) {
    case REG_SEC: t.sec = decode(r, val) % 60; break;
    case REG_MIN: t.min = decode(r, val) % 60; break;
    case REG_HOUR: t.hour = decode_hour(r, val) % 24; break;
    case REG_DAY: t.day = decode(r, val); break;
    case REG_MON: t.mon = decode(r, val); break;
    case REG_YEAR: t.year = t.year / 100 * 100 + decode(r, val) % 100; break;
    case REG_CENTURY: t.year = decode(r, val) * 100 + t.year % 100; break;
    default: return;             /* day of week is derived from the date */
    }
    /* Keep the calendar sane whatever the guest wrote. */
    t.day = t.day < 1 ? 1 : t.day > 31 ? 31 : t.day;
    t.mon = t.mon < 1 ? 1 : t.mon > 12 ? 12 : t.mon;
    if (set_mode(r))
        r->shadow = t;
    else
        set_time(r, &t, now);
}

static void write_reg(struct rtc *r, unsigned idx, uint8_t val, uint64_t now)
{
    switch (idx) {
    case REG_SEC: case REG_MIN: case REG_HOUR: case REG_DOW:
    case REG_DAY: case REG_MON: case REG_YEAR: case REG_CENTURY:
        write_time_field(r, idx, val, now);
        break;
    case REG_A:
        rtc_tick(r, now);        /* flags under the old rate */
        r->ram[REG_A] = val & 0x7f;
        break;
    case REG_B: {
        rtc_tick(r, now);
        bool was_set = set_mode(r);
        if (val & B_SET) {
            val &= (uint8_t)~B_UIE;  /* SET clears UIE */
            if (!was_set)
                civil_from_unix(seconds_at(r, now), &r->shadow);
        }
        r->ram[REG_B] = val;
        if (was_set && !(val & B_SET))
            set_time(r, &r->shadow, now);  /* the clock restarts from what was set */
        break;
    }
    case REG_C: case REG_D:
        break;                   /* read-only */
    default:
        r->ram[idx] = val;
        break;
    }
}

uint8_t rtc_port_read(struct rtc *r, uint16_t port, uint64_t now)
{
    if (port != 0x71)
        return 0xff;             /* the index port is write-only */
    return read_reg(r, r->index, now);
}

void rtc_port_write(struct rtc *r, uint16_t port, uint8_t val, uint64_t now)
{
    if (port == 0x70) {
        r->index = val & 0x7f;
        r->nmi_masked = val & 0x80;
    } else if (port == 0x71) {
        write_reg(r, r->index, val, now);
    }
}
