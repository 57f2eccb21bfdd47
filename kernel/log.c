/*
 * The kernel log. Lines are stored in a byte ring as [u16 length][text]
 * records so that wrap-around drops whole lines, never half of one.
 *
 * Order of filters for one message: level, then the call site's throttle
 * (cheap: a throttled message is never formatted), then folding of identical
 * consecutive messages. Only what survives is stamped, kept and mirrored.
 * log_write(NULL, ...) skips the throttle: for loops that print a bounded,
 * known list (the UEFI boot log replay, config problems), where one LOG_*
 * site would otherwise lose all but LOG_SITE_BURST lines.
 *
 * Locking: the console interrupt handler may log, so the shared state is
 * touched only with interrupts off and the spinlock held (other CPUs). The
 * sink is called after the lock is dropped: a slow UART must not keep
 * interrupts off, and a sink that logs must not deadlock.
 */
#include "kernel/log.h"
#include "include/hv/platform.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/spinlock.h"
#include "lib/text_escape.h"

#define REC_HDR 2 /* bytes of length before each line in the ring */

static spinlock_t log_lock = SPINLOCK_INIT;
static log_sink_fn log_sink;
static enum log_level log_min_level = LOG_INFO;

static char ring[LOG_RING_SIZE];
static size_t ring_head, ring_tail, ring_used; /* byte offsets; used bytes */
static uint64_t ring_first_seq, ring_next_seq; /* line numbers in the ring */

/* Folding: the body (level prefix + text, no timestamp) of the last kept
 * message and how many identical copies have been swallowed since. */
static char last_body[LOG_LINE_MAX];
static size_t last_len;
static bool have_last;
static uint64_t last_repeats;

static struct log_stats stats;

static const char *const level_names[LOG_LEVELS] = { "debug", "info", "warn", "error" };
static const char *const level_prefix[LOG_LEVELS] = { "", "", "warning: ", "error: " };

/* Up to three lines leave one log_write: a pending "repeated" line, a
 * "suppressed" line and the message itself. */
#define OUT_LINES 3
struct out_lines {
    char text[OUT_LINES][LOG_LINE_MAX];
    size_t len[OUT_LINES];
    int n;
};

void log_init(log_sink_fn sink)
{
    uint64_t irq = plat_irq_save();
    spin_lock(&log_lock);
    log_sink = sink;
    log_min_level = LOG_INFO;
    ring_head = ring_tail = ring_used = 0;
    ring_first_seq = ring_next_seq = 0;
    have_last = false;
    last_len = 0;
    last_repeats = 0;
    stats = (struct log_stats){ 0 };
    spin_unlock(&log_lock);
    plat_irq_restore(irq);
}

void log_set_sink(log_sink_fn sink)
{
    uint64_t irq = plat_irq_save();
    spin_lock(&log_lock);
    log_sink = sink;
    spin_unlock(&log_lock);
    plat_irq_restore(irq);
}

void log_set_level(enum log_level level)
{
    if ((unsigned)level < LOG_LEVELS)
        __atomic_store_n(&log_min_level, level, __ATOMIC_RELAXED);
}

enum log_level log_get_level(void)
{
    return __atomic_load_n(&log_min_level, __ATOMIC_RELAXED);
}

const char *log_level_name(enum log_level level)
{
    return (unsigned)level < LOG_LEVELS ? level_names[level] : "?";
}

bool log_level_parse(const char *s, enum log_level *out)
{
    if (!s)
        return false;
    for (unsigned i = 0; i < LOG_LEVELS; i++) {
        if (str_casecmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return true;
        }
    }
    return false;
}

/* ---- the ring (lock held) ---------------------------------------------- */

static void ring_copy_in(size_t off, const void *src, size_t n)
{
    size_t first = MIN(n, LOG_RING_SIZE - off);
    memcpy(ring + off, src, first);
    memcpy(ring, (const char *)src + first, n - first);
}

static void ring_copy_out(size_t off, void *dst, size_t n)
{
    size_t first = MIN(n, LOG_RING_SIZE - off);
    memcpy(dst, ring + off, first);
    memcpy((char *)dst + first, ring, n - first);
}

static size_t ring_rec_len(size_t off)
{
    unsigned char h[REC_HDR];
    ring_copy_out(off, h, REC_HDR);
    return (size_t)h[0] | (size_t)h[1] << 8;
}

static size_t ring_advance(size_t off, size_t n)
{
    return (off + n) % LOG_RING_SIZE;
}

static void ring_push(const char *line, size_t len)
{
    size_t need = REC_HDR + len;
    while (LOG_RING_SIZE - ring_used < need) {
        size_t old = REC_HDR + ring_rec_len(ring_head);
        ring_head = ring_advance(ring_head, old);
        ring_used -= old;
        ring_first_seq++;
        stats.overwritten++;
    }
    unsigned char h[REC_HDR] = { (unsigned char)len, (unsigned char)(len >> 8) };
    ring_copy_in(ring_tail, h, REC_HDR);
    ring_copy_in(ring_advance(ring_tail, REC_HDR), line, len);
    ring_tail = ring_advance(ring_tail, need);
    ring_used += need;
    ring_next_seq++;
    stats.lines++;
}

/* ---- producing lines (lock held) ---------------------------------------- */

/* Stamps `body` with the time, keeps it in the ring and queues it for the
 * sink. */
static void keep_line(struct out_lines *out, uint64_t now, const char *body, size_t blen)
{
    char *t = out->text[out->n];
    uint64_t sec = now / 1000000000ULL, usec = now % 1000000000ULL / 1000;
    int n = ksnprintf(t, LOG_LINE_MAX, "[%5llu.%06llu] ", (unsigned long long)sec,
                      (unsigned long long)usec);
    size_t len = MIN((size_t)n, (size_t)LOG_LINE_MAX - 1);
    size_t room = LOG_LINE_MAX - 1 - len;
    blen = MIN(blen, room);
    memcpy(t + len, body, blen);
    len += blen;
    t[len] = '\0';
    ring_push(t, len);
    out->len[out->n++] = len;
}

static void flush_repeats(struct out_lines *out, uint64_t now)
{
    if (last_repeats == 0)
        return;
    char body[64];
    int n = ksnprintf(body, sizeof body, "last message repeated %llu times",
                      (unsigned long long)last_repeats);
    last_repeats = 0;
    keep_line(out, now, body, MIN((size_t)n, sizeof body - 1));
}

static void emit(struct out_lines *out, uint64_t now, const char *body, size_t blen)
{
    if (have_last && blen == last_len && memcmp(body, last_body, blen) == 0) {
        last_repeats++;
        stats.folded++;
        return;
    }
    flush_repeats(out, now);
    memcpy(last_body, body, blen);
    last_len = blen;
    have_last = true;
    keep_line(out, now, body, blen);
}

/* Formats level prefix + message into `body`: one line, no newline. */
static size_t format_body(char *body, enum log_level level, const char *fmt, va_list ap)
{
    size_t p = str_copy(body, level_prefix[level], LOG_LINE_MAX);
    int n = kvsnprintf(body + p, LOG_LINE_MAX - p, fmt, ap);
    size_t len = p + MIN(n < 0 ? 0 : (size_t)n, LOG_LINE_MAX - 1 - p);
    while (len > p && (body[len - 1] == '\n' || body[len - 1] == '\r'))
        len--;
    /* An embedded newline would split one record into two lines on the
     * console and confuse anyone parsing the log. */
    for (size_t i = p; i < len; i++)
        if (body[i] == '\n' || body[i] == '\r')
            body[i] = ' ';
    body[len] = '\0';
    /* Arguments may hold a guest's or a file's bytes: no control byte or
     * broken UTF-8 reaches the console or the ring raw. */
    if (!text_is_clean(body + p, len - p)) {
        char raw[LOG_LINE_MAX];
        memcpy(raw, body + p, len - p);
        len = p + text_escape(body + p, LOG_LINE_MAX - p, raw, len - p, 0, NULL);
    }
    return len;
}

void log_vwrite(struct log_site *site, enum log_level level, const char *fmt, va_list ap)
{
    if ((unsigned)level >= LOG_LEVELS)
        level = LOG_ERROR;
    if (level < log_get_level())
        return;

    /* Format before taking the lock: the time spent with interrupts off
     * should not depend on the format string. Throttled messages are
     * formatted needlessly, but that is rare by construction. */
    char body[LOG_LINE_MAX];
    size_t blen = format_body(body, level, fmt, ap);

    struct out_lines out;
    out.n = 0;
    uint64_t irq = plat_irq_save();
    spin_lock(&log_lock);
    uint64_t now = plat_time_ns();

    if (site) {
        if (now - site->window_start_ns >= LOG_SITE_WINDOW_NS) {
            site->window_start_ns = now;
            site->in_window = 0;
        }
        if (site->in_window >= LOG_SITE_BURST) {
            site->suppressed++;
            stats.suppressed++;
            goto unlock;
        }
        site->in_window++;
        if (site->suppressed) {
            char sbody[LOG_LINE_MAX];
            int n = ksnprintf(sbody, sizeof sbody, "%s%u messages suppressed",
                              level_prefix[level], site->suppressed);
            site->suppressed = 0;
            emit(&out, now, sbody, MIN((size_t)n, sizeof sbody - 1));
        }
    }
    emit(&out, now, body, blen);

unlock:;
    log_sink_fn sink = log_sink;
    spin_unlock(&log_lock);
    plat_irq_restore(irq);
    if (sink)
        for (int i = 0; i < out.n; i++)
            sink(out.text[i], out.len[i]);
}

void log_write(struct log_site *site, enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(site, level, fmt, ap);
    va_end(ap);
}

void log_for_each(void (*fn)(const char *line, size_t len, void *ctx), void *ctx)
{
    /* One line is copied out per lock hold and `fn` runs unlocked (it may
     * print, or even log). Lines logged meanwhile are not visited; lines
     * overwritten meanwhile are skipped. */
    char line[LOG_LINE_MAX];
    uint64_t irq = plat_irq_save();
    spin_lock(&log_lock);
    uint64_t seq = ring_first_seq, end = ring_next_seq;
    size_t off = ring_head;
    spin_unlock(&log_lock);
    plat_irq_restore(irq);

    while (seq < end) {
        irq = plat_irq_save();
        spin_lock(&log_lock);
        if (seq < ring_first_seq) {
            seq = ring_first_seq;
            off = ring_head;
        }
        if (seq >= end || seq >= ring_next_seq) {
            spin_unlock(&log_lock);
            plat_irq_restore(irq);
            break;
        }
        size_t len = MIN(ring_rec_len(off), sizeof line - 1);
        ring_copy_out(ring_advance(off, REC_HDR), line, len);
        off = ring_advance(off, REC_HDR + ring_rec_len(off));
        seq++;
        spin_unlock(&log_lock);
        plat_irq_restore(irq);
        line[len] = '\0';
        fn(line, len, ctx);
    }
}

void log_get_stats(struct log_stats *out)
{
    uint64_t irq = plat_irq_save();
    spin_lock(&log_lock);
    *out = stats;
    spin_unlock(&log_lock);
    plat_irq_restore(irq);
}
