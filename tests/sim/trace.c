/* Trace loader: see trace.h. The trace is a file from outside, read
 * strictly: every line is checked whole, numbers are digits only and
 * range-checked, and an error names the file and the line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/sim/trace.h"

/* Longest data line accepted; a trace line needs about 20 characters.
 * Comment lines may be longer. */
#define LINE_MAX_CHARS 255

static bool grow(struct trace *t, uint64_t *cap)
{
    uint64_t n = *cap ? *cap * 2 : 1 << 16;
    uint8_t *vm = realloc(t->vm, n);
    if (!vm)
        return false;
    t->vm = vm;
    uint32_t *ppn = realloc(t->ppn, n * sizeof *ppn);
    if (!ppn)
        return false;
    t->ppn = ppn;
    uint8_t *w = realloc(t->write, n);
    if (!w)
        return false;
    t->write = w;
    *cap = n;
    return true;
}

enum line_kind { LINE_EOF, LINE_OK, LINE_LONG, LINE_NUL };

/* One line into buf (without its newline). A NUL byte or a data line
 * longer than LINE_MAX_CHARS is reported, not cut short and read as two
 * lines; a comment line (its first non-blank character '#') may be of any
 * length: recorders put command lines there, and only its start is kept. */
static enum line_kind read_line(FILE *f, char buf[LINE_MAX_CHARS + 1])
{
    size_t n = 0;
    int c;
    bool any = false, comment = false, lead = true;
    enum line_kind kind = LINE_OK;
    while ((c = getc(f)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (lead && c == '#')
            comment = true;
        lead = lead && (c == ' ' || c == '\t' || c == '\r');
        if (c == 0)
            kind = LINE_NUL;
        else if (n < LINE_MAX_CHARS)
            buf[n++] = (char)c;
        else if (kind == LINE_OK && !comment)
            kind = LINE_LONG;
    }
    buf[n] = 0;
    return any ? kind : LINE_EOF;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static const char *skip_blanks(const char *s)
{
    while (blank(*s))
        s++;
    return s;
}

/* Decimal digits only (no sign), no more than 64 bits; advances *s. */
static bool parse_uint(const char **s, uint64_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
        p++;
    }
    *s = p;
    *out = v;
    return true;
}

bool trace_read(FILE *f, const char *name, unsigned nvms, const uint64_t *vm_pages,
                struct trace *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    char line[LINE_MAX_CHARS + 1];
    uint64_t lineno = 0, cap = 0;
    enum line_kind kind;
    bool ok = true;
    while (ok && (kind = read_line(f, line)) != LINE_EOF) {
        lineno++;
        unsigned long long ln = (unsigned long long)lineno;
        if (kind == LINE_LONG) {
            snprintf(err, errlen, "%s:%llu: line longer than %d characters", name, ln,
                     LINE_MAX_CHARS);
            ok = false;
            break;
        }
        if (kind == LINE_NUL) {
            snprintf(err, errlen, "%s:%llu: NUL byte in the line", name, ln);
            ok = false;
            break;
        }
        const char *s = skip_blanks(line);
        if (*s == '#' || *s == 0)
            continue;
        uint64_t vm, ppn;
        bool shape = parse_uint(&s, &vm) && blank(*s);
        s = skip_blanks(s);
        shape = shape && parse_uint(&s, &ppn) && blank(*s);
        s = skip_blanks(s);
        char rw = shape ? *s : 0;
        if (rw)             /* never past the line's end */
            s = skip_blanks(s + 1);
        if (!shape || (rw != 'r' && rw != 'w') || *s != 0) {
            snprintf(err, errlen, "%s:%llu: expected 'VM PPN r|w'", name, ln);
            ok = false;
        } else if (vm >= nvms) {
            snprintf(err, errlen, "%s:%llu: VM %llu but only %u --vm given", name, ln,
                     (unsigned long long)vm, nvms);
            ok = false;
        } else if (ppn >= vm_pages[vm] || ppn > UINT32_MAX) {
            snprintf(err, errlen, "%s:%llu: PPN %llu outside VM %llu (%llu pages)", name, ln,
                     (unsigned long long)ppn, (unsigned long long)vm,
                     (unsigned long long)vm_pages[vm]);
            ok = false;
        } else if (t->len == cap && !grow(t, &cap)) {
            snprintf(err, errlen, "%s: out of memory", name);
            ok = false;
        } else {
            t->vm[t->len] = (uint8_t)vm;
            t->ppn[t->len] = (uint32_t)ppn;
            t->write[t->len] = rw == 'w';
            t->len++;
        }
    }
    if (ok && ferror(f)) {
        snprintf(err, errlen, "%s: read error", name);
        ok = false;
    }
    if (!ok)
        trace_free(t);
    return ok;
}

bool trace_load(const char *path, unsigned nvms, const uint64_t *vm_pages,
                struct trace *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return false;
    }
    bool ok = trace_read(f, path, nvms, vm_pages, t, err, errlen);
    if (f != stdin)
        fclose(f);
    return ok;
}

void trace_free(struct trace *t)
{
    free(t->vm);
    free(t->ppn);
    free(t->write);
    memset(t, 0, sizeof *t);
}
