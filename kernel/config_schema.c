/*
 * Applying a parsed file to a typed struct. A value is written only after it
 * has been checked, so a bad value leaves the caller's default in place. The
 * messages say what was expected, because the person reading them is
 * editing the file by hand on a console.
 */
#include "kernel/config_schema.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/text_escape.h"


/* `key` begins with `prefix` (case-insensitive) and has more after it. */
static bool in_family(const char *prefix, const char *key)
{
    size_t n = strlen(prefix);
    return str_ncasecmp(prefix, key, n) == 0 && strlen(key) > n;
}

static const struct cfg_key *lookup(const struct cfg_key *schema, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (!schema[i].name)
            continue;
        if (schema[i].type == CFG_FAMILY ? in_family(schema[i].name, key)
                                         : str_casecmp(schema[i].name, key) == 0)
            return &schema[i];
    }
    return NULL;
}

/* 'value', or 'first 40 bytes...', escaped: the value is the file's, and
 * the message goes to a terminal. */
static void show(char *buf, size_t size, const char *value)
{
    char esc[TEXT_QUOTE_MAX + 4];
    text_escape_cut(esc, sizeof esc, value, strlen(value));
    ksnprintf(buf, size, "'%s'", esc);
}

static bool parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = { "true", "yes", "on", "1" };
    static const char *const no[] = { "false", "no", "off", "0" };
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (str_casecmp(v, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (str_casecmp(v, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* "debug, info, warn or error" */
static void list_choices(char *buf, size_t size, const char *const *choices)
{
    size_t n = 0;
    if (!choices || !choices[0]) {
        str_copy(buf, "(no choices: a schema bug)", size);
        return;
    }
    buf[0] = '\0';
    for (size_t i = 0; choices[i]; i++) {
        const char *sep = i == 0 ? "" : choices[i + 1] ? ", " : " or ";
        int k = ksnprintf(buf + n, size - n, "%s%s", sep, choices[i]);
        if (k < 0 || (size_t)k >= size - n)
            break; /* cut; ksnprintf terminated it */
        n += (size_t)k;
    }
}

static void problem(struct cfg_file *f, const struct cfg_entry *e, uint32_t *count,
                    const char *fmt, ...) PRINTF_LIKE(4, 5);

static void problem(struct cfg_file *f, const struct cfg_entry *e, uint32_t *count,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cfg_vreport(f, e->line, e->key, fmt, ap);
    va_end(ap);
    (*count)++;
}

uint32_t cfg_apply(struct cfg_file *f, const struct cfg_key *schema, size_t nkeys, void *dst)
{
    uint32_t problems = 0;
    char got[TEXT_QUOTE_MAX + 8], expected[CFG_MSG_MAX];

    for (size_t i = 0; i < f->count; i++) {
        const struct cfg_entry *e = &f->entries[i];
        if (e->bad)
            continue; /* its line was reported by the parser */
        const struct cfg_key *k = lookup(schema, nkeys, e->key);
        if (!k) {
            problem(f, e, &problems, "unknown key");
            continue;
        }
        void *field = (char *)dst + k->offset;
        show(got, sizeof got, e->value);
        uint32_t before = problems;

        switch (k->type) {
        case CFG_U64: {
            uint64_t v;
            if (str_to_u64(e->value, &v) && v >= k->min && v <= k->max) {
                memcpy(field, &v, sizeof v);
            } else if (k->min == 0 && k->max == UINT64_MAX) {
                problem(f, e, &problems, "expected a number, got %s", got);
            } else {
                problem(f, e, &problems, "expected a number from %llu to %llu, got %s",
                        (unsigned long long)k->min, (unsigned long long)k->max, got);
            }
            break;
        }
        case CFG_BOOL: {
            bool b;
            if (parse_bool(e->value, &b))
                memcpy(field, &b, sizeof b);
            else
                problem(f, e, &problems, "expected true or false, got %s", got);
            break;
        }
        case CFG_ENUM: {
            uint32_t idx = 0;
            bool found = false;
            for (; k->choices && k->choices[idx]; idx++) {
                if (str_casecmp(e->value, k->choices[idx]) == 0) {
                    found = true;
                    break;
                }
            }
            if (found) {
                memcpy(field, &idx, sizeof idx);
            } else {
                list_choices(expected, sizeof expected, k->choices);
                problem(f, e, &problems, "expected %s, got %s", expected, got);
            }
            break;
        }
        case CFG_STRING:
        case CFG_FAMILY: {
            /* The destination is char[max + 1]; the parser's values already
             * fit CFG_VALUE_MAX, so that bounds a careless schema too. */
            size_t max = (size_t)MIN(k->max, (uint64_t)CFG_VALUE_MAX - 1);
            size_t len = strlen(e->value);
            if (!text_is_clean(e->value, len))
                problem(f, e, &problems, "expected UTF-8 text, got %s", got);
            else if (len > max)
                problem(f, e, &problems, "expected at most %zu bytes, got %zu", max, len);
            else if (k->type == CFG_STRING)
                memcpy(field, e->value, len + 1);
            break;
        }
        default:
            problem(f, e, &problems, "key has an unsupported type in the schema");
            break;
        }
        /* Refused: reported here once; checks after this one see the key as
         * given but bad, and do not report its default as a second problem. */
        if (problems != before)
            f->entries[i].bad = true;
    }
    return problems;
}

struct schema_ref {
    const struct cfg_key *keys;
    size_t n;
};

static bool schema_has(const void *ctx, const char *key)
{
    const struct schema_ref *r = ctx;
    return lookup(r->keys, r->n, key) != NULL;
}

uint32_t cfg_load(struct cfg_file *f, const char *text, size_t len, const struct cfg_key *schema,
                  size_t nkeys, void *dst)
{
    struct schema_ref ref = { schema, nkeys };
    f->known = schema_has;
    f->known_ctx = &ref;
    cfg_parse(f, text, len);
    f->known = NULL;
    f->known_ctx = NULL;
    return cfg_apply(f, schema, nkeys, dst);
}
