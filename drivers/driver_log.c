/* See driver_log.h. */
#include "drivers/driver_log.h"
#include "lib/format.h"

static drv_log_sink_fn sink;

void drv_log_set_sink(drv_log_sink_fn fn) { sink = fn; }

void drv_logf(enum drv_level level, const char *fmt, ...)
{
    if (!sink)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    sink(level, line);
}
