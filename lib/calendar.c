/* Civil dates and Unix seconds; see lib/calendar.h. */
#include "lib/calendar.h"

/* Counted in 400-year eras starting 0000-03-01, so the leap day is the last
 * day of a "year" and every era has the same 146097 days. */
int64_t civil_days(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);                     /* 0-399 */
    unsigned mp = m > 2 ? m - 3 : m + 9;                         /* March = 0 */
    unsigned doy = (153 * mp + 2) / 5 + d - 1;                   /* 0-365 */
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;        /* 0-146096 */
    return era * 146097 + doe - 719468;                          /* 719468: 0000-03-01 to 1970 */
}

static void civil_from_days(int64_t z, struct civil_time *t)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    t->day = doy - (153 * mp + 2) / 5 + 1;
    t->mon = mp < 10 ? mp + 3 : mp - 9;
    t->year = (unsigned)(yoe + era * 400 + (t->mon <= 2));
}

void civil_from_unix(int64_t s, struct civil_time *t)
{
    int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
    int64_t rem = s - days * 86400;
    civil_from_days(days, t);
    t->hour = (unsigned)(rem / 3600);
    t->min = (unsigned)(rem / 60 % 60);
    t->sec = (unsigned)(rem % 60);
}

int64_t civil_to_unix(const struct civil_time *t)
{
    return civil_days(t->year, t->mon, t->day) * 86400 + t->hour * 3600 + t->min * 60 + t->sec;
}

unsigned civil_days_in_month(unsigned y, unsigned m)
{
    static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12)
        return 0;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

bool civil_valid(const struct civil_time *t)
{
    return t->mon >= 1 && t->mon <= 12 && t->day >= 1 &&
           t->day <= civil_days_in_month(t->year, t->mon) && t->hour < 24 && t->min < 60 &&
           t->sec < 60;
}
