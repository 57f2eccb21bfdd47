/* A guest's serial output: the ring and the routing of its lines to the
 * host console (see vm_console.h). */
#include "kernel/vm_console.h"
#include "lib/format.h"
#include "lib/kstring.h"

void vm_console_init(struct vm_console *c, uint32_t route)
{
    memset(c, 0, sizeof *c);
    c->route = route <= VM_CONSOLE_NONE ? route : VM_CONSOLE_FIRST;
}

static void say(vm_console_out_fn out, void *ctx, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void say(vm_console_out_fn out, void *ctx, const char *fmt, ...)
{
    char buf[VM_LINE_MAX + 96];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        out(ctx, buf, (size_t)MIN(n, (int)sizeof buf - 1));
}

static void say_count(const char *name, uint64_t n, vm_console_out_fn out, void *ctx)
{
    say(out, ctx, "[%s] ... %llu lines not shown (vm console %s)\n", name,
        (unsigned long long)n, name);
}

static void say_throttled(struct vm_console *c, const char *name, vm_console_out_fn out,
                          void *ctx)
{
    if (!c->throttled_unsaid)
        return;
    say_count(name, c->throttled_unsaid, out, ctx);
    c->throttled_unsaid = 0;
}

/* A line the route holds back: kept among the last few for the VM's end. */
static void keep_tail(struct vm_console *c)
{
    unsigned i = c->tail_next;
    memcpy(c->tail[i], c->line, c->line_len);
    c->tail_len[i] = (uint8_t)c->line_len;
    c->tail_next = (i + 1) % VM_CONSOLE_END_LINES;
    if (c->tail_count < VM_CONSOLE_END_LINES)
        c->tail_count++;
}

static bool route_shows(const struct vm_console *c)
{
    switch (c->route) {
    case VM_CONSOLE_ALL: return true;
    case VM_CONSOLE_FIRST: return c->lines_shown < VM_CONSOLE_FIRST_LINES;
    default: return false;
    }
}

static void route_line(struct vm_console *c, const char *name, uint64_t now,
                       vm_console_out_fn out, void *ctx)
{
    c->lines_total++;
    c->last_line_ns = now;
    if (c->attached) {
        c->lines_shown++; /* the operator saw it through the attach */
    } else if (!route_shows(c)) {
        if (!c->held_announced) {
            say(out, ctx, "[%s] ... further lines not shown here (serial.toHostConsole = %s): "
                          "vm console %s\n",
                name, c->route == VM_CONSOLE_NONE ? "none" : "first", name);
            c->held_announced = true;
        }
        c->held++;
        keep_tail(c);
    } else {
        if (now - c->line_window_ns >= VM_CONSOLE_QUIET_NS) {
            say_throttled(c, name, out, ctx);
            c->line_window_ns = now;
            c->lines_in_window = 0;
        }
        if (c->lines_in_window++ < VM_CONSOLE_LINES_PER_SEC) {
            say(out, ctx, "[%s] %.*s\n", name, (int)c->line_len, c->line);
            c->lines_shown++;
        } else {
            c->throttled_unsaid++;
        }
    }
    c->line_len = 0;
}

void vm_console_byte(struct vm_console *c, const char *name, char ch, uint64_t now,
                     vm_console_out_fn out, void *ctx)
{
    c->ring[c->ring_total++ % VM_CONSOLE_RING] = ch;
    if (ch == '\r')
        return;
    if (ch == '\n') {
        route_line(c, name, now, out, ctx);
        return;
    }
    /* The line is hostile text for a terminal: printable ASCII only. */
    c->line[c->line_len++] = (ch >= 0x20 && ch < 0x7f) || ch == '\t' ? ch : '?';
    if (c->line_len == VM_LINE_MAX - 1)
        route_line(c, name, now, out, ctx);
}

void vm_console_idle(struct vm_console *c, const char *name, uint64_t now,
                     vm_console_out_fn out, void *ctx)
{
    if (c->throttled_unsaid && now - c->last_line_ns >= VM_CONSOLE_QUIET_NS)
        say_throttled(c, name, out, ctx);
}

void vm_console_end(struct vm_console *c, const char *name, uint64_t now,
                    vm_console_out_fn out, void *ctx)
{
    if (c->line_len)
        route_line(c, name, now, out, ctx);
    say_throttled(c, name, out, ctx);
    if (c->held > c->tail_count)
        say_count(name, c->held - c->tail_count, out, ctx);
    unsigned first = (c->tail_next + VM_CONSOLE_END_LINES - c->tail_count) % VM_CONSOLE_END_LINES;
    for (unsigned k = 0; k < c->tail_count; k++) {
        unsigned i = (first + k) % VM_CONSOLE_END_LINES;
        say(out, ctx, "[%s] %.*s\n", name, (int)c->tail_len[i], c->tail[i]);
    }
    c->held = 0;
    c->tail_count = 0;
}

bool vm_console_input(struct vm_console *c, char ch)
{
    return c->input && c->input(c->input_dev, ch);
}
