/*
 * The configuration file parser. The text is hostile: nothing is copied
 * before its length is checked, every byte is looked at as unsigned, and a
 * problem costs one report and the rest of that line, never the file.
 *
 * Grammar of one line (after an optional '\r' before its '\n' is dropped):
 *   [ws] [ key [ws] '=' [ws] value [ws] ] [ '#' comment ]
 *   key   = [A-Za-z0-9._:-]+
 *   value = '"' any byte but '"' and control bytes '"'  |  bare (no ws, no '"')
 * A comment after a value must follow whitespace or the closing quote, so a
 * bare value may contain '#'.
 */
#include "kernel/config_parse.h"
#include "lib/format.h"
#include "lib/kstring.h"

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static bool is_key_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == ':' || c == '-';
}

static bool is_control(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* How a byte is named in a message: 'x', or its code when not printable. */
static void describe(char *buf, size_t size, unsigned char c)
{
    if (c == 0)
        str_copy(buf, "a NUL byte", size);
    else if (c >= 0x20 && c < 0x7f)
        ksnprintf(buf, size, "'%c'", c);
    else
        ksnprintf(buf, size, "byte 0x%02x", c);
}

void cfg_vreport(struct cfg_file *f, uint32_t line, const char *key, const char *fmt,
                 va_list ap)
{
    char msg[CFG_MSG_MAX];
    kvsnprintf(msg, sizeof msg, fmt, ap);
    if (f->errors != UINT32_MAX)
        f->errors++;
    if (!f->report || f->errors > CFG_REPORTS_SHOWN + 1)
        return;
    if (f->errors == CFG_REPORTS_SHOWN + 1)
        f->report(f->report_ctx, f->name ? f->name : "config", line, "",
                  "more problems in this file are counted, not shown");
    else
        f->report(f->report_ctx, f->name ? f->name : "config", line, key, msg);
}

void cfg_reportf(struct cfg_file *f, uint32_t line, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cfg_vreport(f, line, key, fmt, ap);
    va_end(ap);
}

static struct cfg_entry *find_entry(struct cfg_file *f, const char *key)
{
    for (size_t i = 0; i < f->count; i++)
        if (str_casecmp(f->entries[i].key, key) == 0)
            return &f->entries[i];
    return NULL;
}

const struct cfg_entry *cfg_mentioned(const struct cfg_file *f, const char *key)
{
    return find_entry((struct cfg_file *)f, key);
}

const struct cfg_entry *cfg_find(const struct cfg_file *f, const char *key)
{
    const struct cfg_entry *e = cfg_mentioned(f, key);
    return e && !e->bad ? e : NULL;
}

static bool is_known(const struct cfg_file *f, const char *key)
{
    return !f->known || f->known(f->known_ctx, key);
}

/* A new entry, or NULL (reported) when the file has too many. */
static struct cfg_entry *new_entry(struct cfg_file *f, uint32_t line, const char *key)
{
    if (f->count >= f->cap || !f->entries) {
        cfg_reportf(f, line, key, "too many entries (at most %zu); line ignored", f->cap);
        return NULL;
    }
    return &f->entries[f->count++];
}

/* After a bad line of a known key: an entry marked bad, unless the key has
 * one already (an earlier good line keeps its value). */
static void mark_bad(struct cfg_file *f, uint32_t line, const char *key)
{
    if (!f->known || !key[0] || !f->known(f->known_ctx, key) || find_entry(f, key))
        return;
    struct cfg_entry *e = new_entry(f, line, key);
    if (!e)
        return;
    str_copy(e->key, key, sizeof e->key);
    e->value[0] = '\0';
    e->line = line;
    e->bad = true;
}

static void store(struct cfg_file *f, uint32_t line, const char *key, const unsigned char *v,
                  size_t vlen)
{
    if (!is_known(f, key)) {
        cfg_reportf(f, line, key, "unknown key");
        return;
    }
    struct cfg_entry *e = find_entry(f, key);
    if (e && !e->bad)
        cfg_reportf(f, line, key, "duplicate key, also set on line %u; this line wins", e->line);
    else if (!e && !(e = new_entry(f, line, key)))
        return;
    str_copy(e->key, key, sizeof e->key);
    memcpy(e->value, v, vlen);
    e->value[vlen] = '\0';
    e->line = line;
    e->bad = false;
}

/* Returns false after reporting a problem; `key` holds what was read of the
 * key ("" if none). */
static bool parse_line(struct cfg_file *f, const unsigned char *s, size_t n, uint32_t line,
                       char key[CFG_KEY_MAX])
{
    char what[16];
    size_t i = 0;

    while (i < n && is_ws(s[i]))
        i++;
    size_t kstart = i;
    while (i < n && is_key_char(s[i]))
        i++;
    size_t klen = i - kstart;
    /* For messages: the key, cut to fit when it is too long. */
    size_t kcopy = MIN(klen, (size_t)CFG_KEY_MAX - 1);
    memcpy(key, s + kstart, kcopy);
    key[kcopy] = '\0';

    /* A NUL anywhere (even in a comment) means the file is not text. */
    for (size_t j = 0; j < n; j++) {
        if (s[j] == 0) {
            cfg_reportf(f, line, key, "NUL byte at column %zu", j + 1);
            return false;
        }
    }
    if (kstart == n || s[kstart] == '#')
        return true; /* blank or comment */

    if (klen == 0) {
        describe(what, sizeof what, s[i]);
        cfg_reportf(f, line, "", "expected a key, got %s", what);
        return false;
    }
    if (klen >= CFG_KEY_MAX) {
        cfg_reportf(f, line, key, "key too long (more than %d bytes)", CFG_KEY_MAX - 1);
        return false;
    }

    while (i < n && is_ws(s[i]))
        i++;
    if (i == n || s[i] != '=') {
        if (i == n) {
            cfg_reportf(f, line, key, "expected '=' after the key");
        } else {
            describe(what, sizeof what, s[i]);
            cfg_reportf(f, line, key, "expected '=' after the key, got %s", what);
        }
        return false;
    }
    i++;
    while (i < n && is_ws(s[i]))
        i++;
    if (i == n || s[i] == '#') {
        cfg_reportf(f, line, key, "missing value");
        return false;
    }

    size_t vstart, vend;
    if (s[i] == '"') {
        vstart = ++i;
        while (i < n && s[i] != '"') {
            if (is_control(s[i])) {
                describe(what, sizeof what, s[i]);
                cfg_reportf(f, line, key, "%s in the value", what);
                return false;
            }
            i++;
        }
        if (i == n) {
            cfg_reportf(f, line, key, "unterminated quote");
            return false;
        }
        vend = i++;
    } else {
        vstart = i;
        while (i < n && !is_ws(s[i])) {
            if (s[i] == '"') {
                cfg_reportf(f, line, key, "stray '\"' in a value without quotes");
                return false;
            }
            if (is_control(s[i])) {
                describe(what, sizeof what, s[i]);
                cfg_reportf(f, line, key, "%s in the value", what);
                return false;
            }
            i++;
        }
        vend = i;
    }

    while (i < n && is_ws(s[i]))
        i++;
    if (i < n && s[i] != '#') {
        describe(what, sizeof what, s[i]);
        cfg_reportf(f, line, key, "unexpected %s after the value", what);
        return false;
    }
    if (vend - vstart >= CFG_VALUE_MAX) {
        /* Dropped, not cut: a cut path or list would be wrong silently. */
        cfg_reportf(f, line, key, "value too long (more than %d bytes)", CFG_VALUE_MAX - 1);
        return false;
    }
    store(f, line, key, s + vstart, vend - vstart);
    return true;
}

void cfg_parse(struct cfg_file *f, const char *text, size_t len)
{
    const unsigned char *t = (const unsigned char *)text;
    uint32_t line = 0;
    size_t pos = 0;

    if (!text)
        return;
    while (pos < len) {
        size_t end = pos;
        while (end < len && t[end] != '\n')
            end++;
        size_t n = end - pos;
        if (n && t[pos + n - 1] == '\r')
            n--; /* CR LF files from Windows editors */
        if (line != UINT32_MAX)
            line++;
        char key[CFG_KEY_MAX];
        if (!parse_line(f, t + pos, n, line, key))
            mark_bad(f, line, key);
        pos = end + 1;
    }
}
