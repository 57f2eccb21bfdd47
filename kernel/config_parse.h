/*
 * ESX-style configuration files: `key = "value"` lines, `#` comments, blank
 * lines. Keys are case-insensitive ([A-Za-z0-9._:-]+). Values are quoted;
 * a bare value (no spaces) is accepted too. Input is hostile (it comes from
 * a file anyone can edit): every problem becomes an error naming the line,
 * and parsing goes on with the next line.
 */
#ifndef KERNEL_CONFIG_PARSE_H
#define KERNEL_CONFIG_PARSE_H

#include "include/hv/types.h"

#define CFG_KEY_MAX 64
/* Values up to 2047 bytes: guest.cmdline's limit, Linux's COMMAND_LINE_SIZE
 * on x86 (2048 with its NUL). Each key's own limit is its schema's (paths
 * and names far less, CFG_TEXT_MAX). */
#define CFG_VALUE_MAX 2048
#define CFG_TEXT_MAX 256
#define CFG_MSG_MAX 128
/* Problems of one file reported one by one; the rest are only counted (a
 * console line costs milliseconds, and a file of junk must not hold up the
 * boot). */
#define CFG_REPORTS_SHOWN 20

struct cfg_entry {
    char key[CFG_KEY_MAX];
    char value[CFG_VALUE_MAX];
    uint32_t line;
    bool bad; /* the key's only line was refused: it was there, with no value */
};

/* Called for every problem: file name, 1-based line, the key if one was
 * read ("" otherwise), and a message. */
typedef void (*cfg_report_fn)(void *ctx, const char *file, uint32_t line, const char *key,
                              const char *msg);

struct cfg_file {
    const char *name;          /* for messages: e.g. "hv/host.cfg" */
    struct cfg_entry *entries; /* caller's storage */
    size_t count, cap;
    uint32_t errors;           /* problems reported */
    cfg_report_fn report;
    void *report_ctx;
    /* Optional: which keys the file may have. An unknown key is reported
     * where it is read and takes no entry, so junk cannot crowd out real
     * settings; a known key whose only line is bad keeps an entry marked
     * `bad`, so later checks do not call it missing. */
    bool (*known)(const void *ctx, const char *key);
    const void *known_ctx;
};

/* Parses `len` bytes (linear in `len`) of `text` (not necessarily terminated; NUL bytes are
 * errors) into f->entries. A key given twice: the later line wins and the
 * earlier is reported. More entries than `cap`: reported, the rest dropped. */
void cfg_parse(struct cfg_file *f, const char *text, size_t len);

/* Reports one problem through f->report (file name, line, key, formatted
 * message; only the first CFG_REPORTS_SHOWN, then one line saying the rest
 * are counted) and counts it in f->errors. Shared by the parser, the schema and
 * the checks of the files built on them. */
void cfg_reportf(struct cfg_file *f, uint32_t line, const char *key, const char *fmt, ...)
    PRINTF_LIKE(4, 5);
void cfg_vreport(struct cfg_file *f, uint32_t line, const char *key, const char *fmt,
                 va_list ap);

/* The value of `key` (case-insensitive), or NULL (also when its only line
 * was bad). */
const struct cfg_entry *cfg_find(const struct cfg_file *f, const char *key);
/* Like cfg_find, but also finds a key whose only line was bad (`bad` set). */
const struct cfg_entry *cfg_mentioned(const struct cfg_file *f, const char *key);

#endif
