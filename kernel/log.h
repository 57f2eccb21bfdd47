/*
 * The kernel log: leveled messages in a ring buffer, mirrored to a sink (the
 * serial console). A storm of the same message cannot flood the console: a
 * call site that logs faster than its budget is throttled, and identical
 * consecutive messages are folded into one "repeated N times" line (the
 * seed: VMTrack logging that was not throttled caused PSODs).
 */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include "include/hv/types.h"

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_LEVELS };

/* Where finished lines go (besides the ring), e.g. the UART. `line` has no
 * trailing newline. May be NULL. */
typedef void (*log_sink_fn)(const char *line, size_t len);

/* Per-call-site throttle state; LOG_* macros keep one static per site. */
struct log_site {
    uint64_t window_start_ns;
    uint32_t in_window;
    uint32_t suppressed;
};

/* Throttle: at most LOG_SITE_BURST messages per call site per
 * LOG_SITE_WINDOW_NS; the rest are counted and reported once the window
 * passes ("N messages suppressed"). */
#define LOG_SITE_BURST 10
#define LOG_SITE_WINDOW_NS 1000000000ULL
#define LOG_RING_SIZE 32768 /* bytes */
#define LOG_LINE_MAX 256

void log_init(log_sink_fn sink);
void log_set_sink(log_sink_fn sink);
/* Messages below `level` are neither kept nor printed. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
const char *log_level_name(enum log_level level);
/* Parses "debug", "info", "warn", "error"; false otherwise. */
bool log_level_parse(const char *s, enum log_level *out);

void log_write(struct log_site *site, enum log_level level, const char *fmt, ...)
    PRINTF_LIKE(3, 4);
void log_vwrite(struct log_site *site, enum log_level level, const char *fmt, va_list ap);

/* Calls `fn` for each line still in the ring, oldest first. */
void log_for_each(void (*fn)(const char *line, size_t len, void *ctx), void *ctx);

struct log_stats {
    uint64_t lines;       /* kept */
    uint64_t suppressed;  /* dropped by throttling */
    uint64_t folded;      /* identical repeats folded */
    uint64_t overwritten; /* lines lost to ring wrap-around */
};
void log_get_stats(struct log_stats *out);

#define LOG_AT(level, ...)                                \
    do {                                                  \
        static struct log_site log_site__;                \
        log_write(&log_site__, (level), __VA_ARGS__);     \
    } while (0)
#define LOG_DEBUG(...) LOG_AT(LOG_DEBUG, __VA_ARGS__)
#define LOG_INFO(...)  LOG_AT(LOG_INFO, __VA_ARGS__)
#define LOG_WARN(...)  LOG_AT(LOG_WARN, __VA_ARGS__)
#define LOG_ERROR(...) LOG_AT(LOG_ERROR, __VA_ARGS__)

/* Lines that must never be throttled: events that happen a bounded number
 * of times whatever a guest does, such as a VM starting, ending or being
 * reaped (once each per start). A call-site throttle shared by all VMs lost
 * such lines when several VMs ended within a second. */
#define LOG_EVENT(level, ...) log_write(NULL, (level), __VA_ARGS__)

#endif
