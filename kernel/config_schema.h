/*
 * Typed keys: a schema says which keys a file may have, their types, ranges
 * and defaults, and where each value goes in a C struct. Applying a parsed
 * file reports unknown keys and bad values with file, line and key, keeps the
 * default for those, and goes on.
 */
#ifndef KERNEL_CONFIG_SCHEMA_H
#define KERNEL_CONFIG_SCHEMA_H

#include "kernel/config_parse.h"

enum cfg_type {
    CFG_U64,    /* decimal or 0x hex, optional K/M/G suffix; min..max */
    CFG_BOOL,   /* true/false, yes/no, on/off, 1/0 */
    CFG_ENUM,   /* one of `choices` (case-insensitive); stored as its index (u32) */
    CFG_STRING, /* up to `max` bytes (<= CFG_VALUE_MAX - 1) into a char array */
    CFG_FAMILY, /* any key that begins with `name` (which ends in '.') and goes on,
                   such as guestinfo.NAME: a value of clean text up to `max` bytes,
                   checked here and stored by the file's own code (no offset) */
};

struct cfg_key {
    const char *name;
    enum cfg_type type;
    size_t offset;               /* in the destination struct */
    uint64_t min, max;           /* CFG_U64 range; CFG_STRING max length */
    const char *const *choices;  /* CFG_ENUM, NULL-terminated */
    const char *help;            /* one line, for docs and `config` in the shell */
};

/* Applies every entry of `f` to `dst` per `schema`. Returns the number of
 * problems reported (also added to f->errors). Destination field types:
 * CFG_U64 uint64_t, CFG_BOOL bool, CFG_ENUM uint32_t, CFG_STRING char[max+1]. */
uint32_t cfg_apply(struct cfg_file *f, const struct cfg_key *schema, size_t nkeys, void *dst);

/* Parses `text` with only the schema's keys taking entries (an unknown key
 * is reported on its line and dropped: a file of typos cannot use up the
 * entries the real keys need), then applies it. Returns what cfg_apply
 * returns; f->errors counts every problem. */
uint32_t cfg_load(struct cfg_file *f, const char *text, size_t len, const struct cfg_key *schema,
                  size_t nkeys, void *dst);

#endif
