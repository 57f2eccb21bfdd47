/*
 * The shell's line editor. The terminal's cursor is assumed to sit at
 * le->cursor columns after the prompt; every edit emits the VT100 bytes that
 * keep it so (no knowledge of the prompt's width is needed: the editor moves
 * relative to where it is, never to column 0).
 *
 * Escape sequences are parsed by a small state machine in le->esc_state:
 * ESC, ESC O x (SS3) and ESC [ params final (CSI). Only the first numeric
 * parameter of a CSI is kept (ESC [ 3 ~ is Delete; ESC [ 1 ; 5 C, Ctrl-Right
 * on xterm, still moves right).
 */
#include "kernel/line_editor.h"
#include "lib/format.h"
#include "lib/kstring.h"

enum {
    ESC_NONE = 0,
    ESC_GOT_ESC,
    ESC_SS3,
    ESC_CSI_BASE = 16, /* + param * 2 + (1 once a ';' was seen) */
};
#define CSI_PARAM_CAP 1000 /* larger numbers are clamped: they mean nothing to us */

#define CTRL(c) ((c) & 0x1f)
#define KEY_ESC 0x1b
#define KEY_DEL 0x7f

static void out(struct line_editor *le, const char *bytes, size_t len)
{
    if (le->echo_on && le->echo && len)
        le->echo(le->echo_ctx, bytes, len);
}

static void out_str(struct line_editor *le, const char *s)
{
    out(le, s, strlen(s));
}

/* Moves the terminal's cursor n columns left or right. */
static void move_cursor(struct line_editor *le, size_t n, bool right)
{
    char seq[24];
    if (n == 0)
        return;
    if (n == 1) {
        out_str(le, right ? "\x1b[C" : "\b");
        return;
    }
    int k = ksnprintf(seq, sizeof seq, "\x1b[%zu%c", n, right ? 'C' : 'D');
    out(le, seq, (size_t)k);
}

/* After a change at the cursor: rewrites the tail of the line, clears what
 * is left of the old one and puts the cursor back. */
static void redraw_tail(struct line_editor *le)
{
    size_t tail = le->len - le->cursor;
    out(le, le->buf + le->cursor, tail);
    out_str(le, "\x1b[K");
    move_cursor(le, tail, false);
}

static void reset_line(struct line_editor *le)
{
    le->len = le->cursor = 0;
    le->buf[0] = '\0';
    le->hist_pos = -1;
    le->esc_state = ESC_NONE;
}

void line_editor_init(struct line_editor *le, line_echo_fn echo, void *ctx, bool echo_on)
{
    memset(le, 0, sizeof *le);
    le->echo = echo;
    le->echo_ctx = ctx;
    le->echo_on = echo_on;
    reset_line(le);
}

static void insert(struct line_editor *le, char c)
{
    if (le->len >= LINE_MAX_LEN) {
        out_str(le, "\a");
        return;
    }
    memmove(le->buf + le->cursor + 1, le->buf + le->cursor, le->len - le->cursor);
    le->buf[le->cursor] = c;
    le->len++;
    le->buf[le->len] = '\0';
    le->cursor++;
    if (le->cursor == le->len) {
        out(le, &c, 1);
    } else {
        out(le, le->buf + le->cursor - 1, le->len - le->cursor + 1);
        move_cursor(le, le->len - le->cursor, false);
    }
}

static void erase_before_cursor(struct line_editor *le)
{
    if (le->cursor == 0)
        return;
    memmove(le->buf + le->cursor - 1, le->buf + le->cursor, le->len - le->cursor);
    le->len--;
    le->cursor--;
    le->buf[le->len] = '\0';
    if (le->cursor == le->len) {
        out_str(le, "\b \b");
    } else {
        out_str(le, "\b");
        redraw_tail(le);
    }
}

static void erase_at_cursor(struct line_editor *le)
{
    if (le->cursor == le->len)
        return;
    memmove(le->buf + le->cursor, le->buf + le->cursor + 1, le->len - le->cursor - 1);
    le->len--;
    le->buf[le->len] = '\0';
    redraw_tail(le);
}

/* Replaces the whole line (history recall, kill) and leaves the cursor at
 * its end. */
static void replace_line(struct line_editor *le, const char *s)
{
    move_cursor(le, le->cursor, false);
    out_str(le, "\x1b[K");
    le->len = le->cursor = str_copy(le->buf, s, sizeof le->buf);
    if (le->len > LINE_MAX_LEN)
        le->len = le->cursor = LINE_MAX_LEN;
    out(le, le->buf, le->len);
}

/* The k-th most recent history entry (0 = newest). */
static const char *history_entry(const struct line_editor *le, unsigned k)
{
    unsigned idx = (le->hist_next + LINE_HISTORY - 1 - k) % LINE_HISTORY;
    return le->history[idx];
}

static void history_up(struct line_editor *le)
{
    if (le->hist_pos + 1 >= (int)le->hist_count) {
        out_str(le, "\a");
        return;
    }
    le->hist_pos++;
    replace_line(le, history_entry(le, (unsigned)le->hist_pos));
}

static void history_down(struct line_editor *le)
{
    if (le->hist_pos < 0) {
        out_str(le, "\a");
        return;
    }
    le->hist_pos--;
    /* Past the newest entry: a fresh, empty line (what was being typed
     * before walking the history is not kept; there is no room for it). */
    replace_line(le, le->hist_pos < 0 ? "" : history_entry(le, (unsigned)le->hist_pos));
}

static void key(struct line_editor *le, char final, unsigned param)
{
    switch (final) {
    case 'A': history_up(le); break;
    case 'B': history_down(le); break;
    case 'C':
        if (le->cursor < le->len) {
            le->cursor++;
            move_cursor(le, 1, true);
        }
        break;
    case 'D':
        if (le->cursor > 0) {
            le->cursor--;
            move_cursor(le, 1, false);
        }
        break;
    case 'H': /* Home */
        move_cursor(le, le->cursor, false);
        le->cursor = 0;
        break;
    case 'F': /* End */
        move_cursor(le, le->len - le->cursor, true);
        le->cursor = le->len;
        break;
    case '~':
        if (param == 1 || param == 7)
            key(le, 'H', 0);
        else if (param == 4 || param == 8)
            key(le, 'F', 0);
        else if (param == 3)
            erase_at_cursor(le);
        break;
    default:
        break; /* F-keys and the like: ignored */
    }
}

/* Consumes one byte of an escape sequence. A control byte aborts the
 * sequence and is not consumed (returns false): Enter or Ctrl-C typed after
 * a stray ESC still work. */
static bool feed_escape(struct line_editor *le, unsigned char c)
{
    if (c < 0x20 || c == KEY_DEL) {
        le->esc_state = ESC_NONE;
        return false;
    }
    if (le->esc_state == ESC_GOT_ESC) {
        if (c == '[')
            le->esc_state = ESC_CSI_BASE;
        else if (c == 'O')
            le->esc_state = ESC_SS3;
        else
            le->esc_state = ESC_NONE; /* Alt-<key>: dropped */
        return true;
    }
    if (le->esc_state == ESC_SS3) {
        le->esc_state = ESC_NONE;
        key(le, (char)c, 0);
        return true;
    }
    unsigned v = (unsigned)(le->esc_state - ESC_CSI_BASE);
    unsigned param = v / 2;
    bool semi = v & 1;
    if (c >= '0' && c <= '9') {
        if (!semi)
            param = MIN(param * 10 + (c - '0'), CSI_PARAM_CAP);
        le->esc_state = ESC_CSI_BASE + (int)(param * 2 + semi);
    } else if (c == ';') {
        le->esc_state = ESC_CSI_BASE + (int)(param * 2 + 1);
    } else if (c <= 0x3f) {
        /* other parameter or intermediate bytes: keep waiting for the end */
    } else if (c <= 0x7e) {
        le->esc_state = ESC_NONE;
        key(le, (char)c, param);
    } else {
        le->esc_state = ESC_NONE; /* a broken sequence */
    }
    return true;
}

enum line_result line_editor_feed(struct line_editor *le, char ch)
{
    unsigned char c = (unsigned char)ch;
    bool after_cr = le->last_was_cr;
    le->last_was_cr = false;

    if (le->esc_state != ESC_NONE && feed_escape(le, c))
        return LINE_NONE;
    switch (c) {
    case '\r':
        le->last_was_cr = true;
        out_str(le, "\r\n");
        return LINE_DONE;
    case '\n':
        if (after_cr)
            return LINE_NONE; /* the LF of a CR LF */
        out_str(le, "\r\n");
        return LINE_DONE;
    case CTRL('C'):
        out_str(le, "^C\r\n");
        reset_line(le);
        return LINE_CANCELLED;
    case CTRL('U'):
        replace_line(le, "");
        return LINE_NONE;
    case CTRL('A'):
        key(le, 'H', 0);
        return LINE_NONE;
    case CTRL('E'):
        key(le, 'F', 0);
        return LINE_NONE;
    case '\b':
    case KEY_DEL:
        erase_before_cursor(le);
        return LINE_NONE;
    case KEY_ESC:
        le->esc_state = ESC_GOT_ESC;
        return LINE_NONE;
    default:
        if (c >= 0x20 && c < 0x7f)
            insert(le, (char)c);
        return LINE_NONE; /* other control bytes and non-ASCII: ignored */
    }
}

void line_editor_take(struct line_editor *le, char *out_buf, size_t size)
{
    le->buf[le->len] = '\0';
    if (size)
        str_copy(out_buf, le->buf, size);
    if (le->len && (le->hist_count == 0 || strcmp(history_entry(le, 0), le->buf) != 0)) {
        memcpy(le->history[le->hist_next], le->buf, le->len + 1);
        le->hist_next = (le->hist_next + 1) % LINE_HISTORY;
        if (le->hist_count < LINE_HISTORY)
            le->hist_count++;
    }
    /* last_was_cr survives: the LF of a CR LF may arrive after the take. */
    reset_line(le);
}
