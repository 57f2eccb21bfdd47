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
#define CFG_VALUE_MAX 256
#define CFG_MSG_MAX 128

struct cfg_entry {
    char key[CFG_KEY_MAX];
    char value[CFG_VALUE_MAX];
    uint32_t line;
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
};

/* Parses `len` bytes of `text` (not necessarily terminated; NUL bytes are
 * errors) into f->entries. A key given twice: the later line wins and the
 * earlier is reported. More entries than `cap`: reported, the rest dropped. */
void cfg_parse(struct cfg_file *f, const char *text, size_t len);

/* Reports one problem through f->report (file name, line, key, formatted
 * message) and counts it in f->errors. Shared by the parser, the schema and
 * the checks of the files built on them. */
void cfg_reportf(struct cfg_file *f, uint32_t line, const char *key, const char *fmt, ...)
    PRINTF_LIKE(4, 5);
void cfg_vreport(struct cfg_file *f, uint32_t line, const char *key, const char *fmt,
                 va_list ap);

/* The value of `key` (case-insensitive), or NULL. */
const struct cfg_entry *cfg_find(const struct cfg_file *f, const char *key);

#endif
