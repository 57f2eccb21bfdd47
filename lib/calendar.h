/* The proleptic Gregorian calendar in UTC: seconds since 1970-01-01 and
 * civil dates, both ways. Used by the guests' CMOS clock (vmm/dev_rtc.c)
 * and by the host's time of day (kernel/wall_clock.c). */
#ifndef LIB_CALENDAR_H
#define LIB_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

struct civil_time {
    unsigned sec, min, hour, day, mon, year; /* hour 0-23, day 1-31, mon 1-12, year 4 digits */
};

/* Days from 1970-01-01 to the date (negative before it). */
int64_t civil_days(int64_t year, unsigned mon, unsigned day);
void civil_from_unix(int64_t s, struct civil_time *t);
int64_t civil_to_unix(const struct civil_time *t);
unsigned civil_days_in_month(unsigned year, unsigned mon);
/* Every field in range and the day present in its month (no leap seconds). */
bool civil_valid(const struct civil_time *t);

#endif
