/*
 * A guest's serial output on its way to the host: every byte goes to the
 * VM's ring (what `vm console` shows); whole lines may also go to the host
 * console as "[name] line", as `serial.toHostConsole` says:
 *   all    every line, within a rate budget (a serial line costs the host
 *          milliseconds, so a guest printing in a loop must not own it);
 *   first  the first VM_CONSOLE_FIRST_LINES lines, then none;
 *   none   no lines.
 * A line held back is never dropped without a word: lines the rate budget
 * held back are counted aloud when the VM goes quiet for a second (or the
 * next window starts, or the VM ends); lines `first`/`none` hold back are
 * announced once when holding starts and counted when the VM ends, where the
 * last VM_CONSOLE_END_LINES of them are shown too (a guest's last words are
 * usually why it ended). While the operator is attached (`vm console`), the
 * bytes reach the terminal through the attach and no line is routed here.
 *
 * Pure: the time and the host console are passed in, so the rules run
 * hosted (tests/unit/test_vm_console.c).
 */
#ifndef KERNEL_VM_CONSOLE_H
#define KERNEL_VM_CONSOLE_H

#include "include/hv/types.h"

#define VM_CONSOLE_RING 4096
#define VM_LINE_MAX 160
#define VM_CONSOLE_LINES_PER_SEC 50
#define VM_CONSOLE_FIRST_LINES 10
#define VM_CONSOLE_END_LINES 5
#define VM_CONSOLE_QUIET_NS 1000000000ULL

/* serial.toHostConsole; the order is the .vmx enum's. */
enum vm_console_route { VM_CONSOLE_ALL = 0, VM_CONSOLE_FIRST, VM_CONSOLE_NONE };

/* Where lines for the host console go (console_async_write in the image). */
typedef void (*vm_console_out_fn)(void *ctx, const char *s, size_t n);

/* Receives one byte typed for the guest; false when it has no room now. */
typedef bool (*vm_console_input_fn)(void *dev, char c);

struct vm_console {
    /* what the VM printed */
    char ring[VM_CONSOLE_RING];
    uint64_t ring_total;
    char line[VM_LINE_MAX];
    size_t line_len;

    /* routing */
    uint32_t route;               /* enum vm_console_route */
    bool attached;                /* an operator's `vm console` shows the bytes */
    uint64_t lines_total;         /* whole lines the VM printed */
    uint64_t lines_shown;         /* of those, printed as "[name] line" */
    uint64_t line_window_ns;      /* rate budget: start of the current second */
    uint32_t lines_in_window;
    uint64_t throttled_unsaid;    /* held back by the budget, not yet counted aloud */
    uint64_t held;                /* held back by the route (first/none), since start */
    bool held_announced;
    uint64_t last_line_ns;
    /* the last lines the route held back, oldest first, for the VM's end */
    char tail[VM_CONSOLE_END_LINES][VM_LINE_MAX];
    uint8_t tail_len[VM_CONSOLE_END_LINES];
    unsigned tail_next, tail_count;

    /* input: the device that takes typed bytes (the UART), NULL when none */
    vm_console_input_fn input;
    void *input_dev;
};

/* A console for VM `route`; everything else zero. */
void vm_console_init(struct vm_console *c, uint32_t route);
/* One byte the guest wrote at time `now`. */
void vm_console_byte(struct vm_console *c, const char *name, char ch, uint64_t now,
                     vm_console_out_fn out, void *ctx);
/* Time passes: counts throttled lines aloud once the VM has been quiet for
 * VM_CONSOLE_QUIET_NS. Cheap when there is nothing to say. */
void vm_console_idle(struct vm_console *c, const char *name, uint64_t now,
                     vm_console_out_fn out, void *ctx);
/* The VM ended: its unfinished line, its last held lines and every count. */
void vm_console_end(struct vm_console *c, const char *name, uint64_t now,
                    vm_console_out_fn out, void *ctx);
/* Passes a typed byte to the guest's device; false when there is none or
 * it is full (the caller keeps the byte and tries again). */
bool vm_console_input(struct vm_console *c, char ch);

#endif
