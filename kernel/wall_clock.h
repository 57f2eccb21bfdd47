/* The host's time of day: what the firmware's clock said at boot, plus the
 * TSC's count since. Guests' CMOS clocks start from it, and the shell's
 * `uptime` prints it. */
#ifndef KERNEL_WALL_CLOCK_H
#define KERNEL_WALL_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include "include/hv/bootinfo.h"

/* Used when the firmware gave no time, or one that is not a date: a sane,
 * monotonic calendar rather than 1970. */
#define WALL_CLOCK_FALLBACK_UNIX 1767225600LL /* 2026-01-01 00:00:00 UTC */

/* Checks the firmware's reading and converts it to seconds since 1970 UTC.
 * An unspecified zone is taken as UTC (the firmware's clock keeps UTC, as
 * Linux and QEMU keep it). False, with the reason, for a reading that is
 * not a time: a field out of range, a day its month does not have, a zone
 * beyond +-24 hours, a year before 1970. */
bool wall_clock_from_firmware(const struct bi_time *t, int64_t *unix_s, char *why, size_t n);

/* `age_ns`: how long before `now_ns` (plat_time_ns) the firmware was read. */
void wall_clock_init(const struct bi_time *t, uint64_t now_ns, uint64_t age_ns);
/* Whether the time of day came from the firmware (else the fallback). */
bool wall_clock_known(void);
/* Seconds since 1970 UTC at host time `now_ns`. */
int64_t wall_clock_unix(uint64_t now_ns);
/* The same in microseconds (VMware's backdoor GETTIMEFULL). */
int64_t wall_clock_unix_us(uint64_t now_ns);

#endif
