/*
 * The shell's line editor: a byte-at-a-time state machine fed by the serial
 * console. Printable bytes insert at the cursor; Backspace/DEL erase; Ctrl-U
 * kills the line; Ctrl-C abandons it; Left/Right move the cursor; Up/Down
 * walk the history (ANSI/VT100 escape sequences ESC [ A..D, and ESC O A..D);
 * Enter (CR, LF, or CR LF counted once) completes the line. Echo and cursor
 * redraw go through `echo` so that the editor has no idea of the UART.
 */
#ifndef KERNEL_LINE_EDITOR_H
#define KERNEL_LINE_EDITOR_H

#include "include/hv/types.h"

#define LINE_MAX_LEN 200
#define LINE_HISTORY 16

typedef void (*line_echo_fn)(void *ctx, const char *bytes, size_t len);

struct line_editor {
    char buf[LINE_MAX_LEN + 1];
    size_t len, cursor;
    char history[LINE_HISTORY][LINE_MAX_LEN + 1];
    unsigned hist_count, hist_next; /* ring of entered lines */
    int hist_pos;                   /* -1: editing a new line */
    int esc_state;                  /* escape-sequence parser state */
    bool last_was_cr;
    bool echo_on;
    line_echo_fn echo;
    void *echo_ctx;
};

enum line_result {
    LINE_NONE = 0,  /* keep feeding */
    LINE_DONE,      /* a line is ready: line_editor_take() */
    LINE_CANCELLED, /* Ctrl-C: the line was dropped */
};

void line_editor_init(struct line_editor *le, line_echo_fn echo, void *ctx, bool echo_on);
enum line_result line_editor_feed(struct line_editor *le, char c);
/* Copies the finished line (terminated) into `out`, adds it to the history
 * when not empty and not a repeat of the last, and resets for the next. */
void line_editor_take(struct line_editor *le, char *out, size_t size);

#endif
