/* How drivers report. They sit below the kernel in the layer table
 * (docs/architecture.md), so they cannot call its log: the kernel registers
 * a sink at boot and drivers report through it, one formatted line at a
 * time. Without a sink (a hosted test that does not set one) lines are
 * dropped. */
#ifndef DRIVERS_DRIVER_LOG_H
#define DRIVERS_DRIVER_LOG_H

#include "include/hv/types.h"

enum drv_level { DRV_DEBUG = 0, DRV_INFO, DRV_WARN, DRV_ERROR };

typedef void (*drv_log_sink_fn)(enum drv_level level, const char *line);

void drv_log_set_sink(drv_log_sink_fn sink);
void drv_logf(enum drv_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);

#define DRV_LOG_DEBUG(...) drv_logf(DRV_DEBUG, __VA_ARGS__)
#define DRV_LOG_INFO(...)  drv_logf(DRV_INFO, __VA_ARGS__)
#define DRV_LOG_WARN(...)  drv_logf(DRV_WARN, __VA_ARGS__)

#endif
