/* The host's time of day; see kernel/wall_clock.h. */
#include "kernel/wall_clock.h"
#include "kernel/log.h"
#include "lib/calendar.h"
#include "lib/format.h"

#define EFI_UNSPECIFIED_TIMEZONE 0x7ff
#define EFI_DAYLIGHT_BITS        0x03 /* ADJUST_DAYLIGHT, IN_DAYLIGHT; the rest are reserved */

/* Seconds since 1970 at host time base_ns (which may be before the host's
 * time 0: the firmware's second began before the TSC was calibrated). */
static int64_t base_s = WALL_CLOCK_FALLBACK_UNIX;
static int64_t base_ns;
static bool known;

bool wall_clock_from_firmware(const struct bi_time *t, int64_t *unix_s, char *why, size_t n)
{
    if (!(t->flags & BI_TIME_VALID)) {
        ksnprintf(why, n, "the firmware gave no time of day");
        return false;
    }
    struct civil_time c = { .sec = t->second, .min = t->minute, .hour = t->hour,
                            .day = t->day, .mon = t->month, .year = t->year };
    if (!civil_valid(&c) || t->year < 1970 || t->year > 9999 || t->nanosecond > 999999999u) {
        ksnprintf(why, n, "the firmware's clock reads %04u-%02u-%02u %02u:%02u:%02u, not a date",
                  t->year, t->month, t->day, t->hour, t->minute, t->second);
        return false;
    }
    if (t->timezone != EFI_UNSPECIFIED_TIMEZONE &&
        (t->timezone < -1440 || t->timezone > 1440)) {
        ksnprintf(why, n, "the firmware's time zone is %d minutes (the limit is 1440)",
                  t->timezone);
        return false;
    }
    if (t->daylight & ~EFI_DAYLIGHT_BITS) {
        ksnprintf(why, n, "the firmware's daylight flags 0x%02x are not UEFI's", t->daylight);
        return false;
    }
    int64_t s = civil_to_unix(&c);
    /* UEFI: Localtime = UTC - TimeZone; the firmware moves both the time and
     * the zone when daylight saving starts, so the zone alone converts. */
    if (t->timezone != EFI_UNSPECIFIED_TIMEZONE)
        s += (int64_t)t->timezone * 60;
    if (s < 0) {
        ksnprintf(why, n, "the firmware's time is before 1970 in UTC");
        return false;
    }
    *unix_s = s;
    return true;
}

void wall_clock_init(const struct bi_time *t, uint64_t now_ns, uint64_t age_ns)
{
    char why[96];
    int64_t s;
    base_ns = (int64_t)now_ns;
    known = wall_clock_from_firmware(t, &s, why, sizeof why);
    struct civil_time c;
    if (!known) {
        base_s = WALL_CLOCK_FALLBACK_UNIX;
        civil_from_unix(base_s, &c);
        LOG_WARN("clock: %s; the time of day starts at %04u-%02u-%02u %02u:%02u:%02u UTC", why,
                 c.year, c.mon, c.day, c.hour, c.min, c.sec);
        return;
    }
    /* The reading's own fraction of a second, and the time since it. */
    uint64_t late = age_ns + t->nanosecond;
    base_s = s + (int64_t)(late / 1000000000ULL);
    base_ns = (int64_t)now_ns - (int64_t)(late % 1000000000ULL);
    civil_from_unix(base_s, &c);
    LOG_INFO("clock: time of day %04u-%02u-%02u %02u:%02u:%02u UTC (firmware clock%s)", c.year,
             c.mon, c.day, c.hour, c.min, c.sec,
             t->timezone == EFI_UNSPECIFIED_TIMEZONE ? ", zone unspecified: taken as UTC" : "");
}

bool wall_clock_known(void)
{
    return known;
}

/* a / b rounded toward minus infinity (b > 0): a time before base_ns is
 * in the second (microsecond) that began before it. */
static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int64_t wall_clock_unix_us(uint64_t now_ns)
{
    return base_s * 1000000LL + floor_div((int64_t)now_ns - base_ns, 1000);
}

int64_t wall_clock_unix(uint64_t now_ns)
{
    return floor_div(wall_clock_unix_us(now_ns), 1000000);
}
