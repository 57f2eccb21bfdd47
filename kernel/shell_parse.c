/*
 * Shell command lines: word splitting and table dispatch. Words are built in
 * out->store; a word may mix quoted and bare parts (a"b c"'d' is one word
 * "ab cd"), as in a POSIX shell, so that people's habits carry over.
 */
#include "kernel/shell_parse.h"
#include "lib/format.h"
#include "lib/kstring.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

enum shell_parse_err shell_split(const char *line, struct shell_args *out)
{
    out->argc = 0;
    out->argv[0] = NULL;
    if (strnlen(line, SHELL_LINE_MAX + 1) > SHELL_LINE_MAX)
        return SHELL_PARSE_TOO_LONG;

    size_t w = 0; /* write position in store */
    const char *p = line;
    for (;;) {
        while (is_space(*p))
            p++;
        if (!*p)
            break;
        if (out->argc == SHELL_MAX_ARGS) {
            out->argc = 0;
            out->argv[0] = NULL;
            return SHELL_PARSE_TOO_MANY_ARGS;
        }
        /* Every byte of a word comes from a distinct byte of the line and
         * each word gets one NUL: the checks above bound w below the size of
         * store, so no check is needed per byte. */
        char *word = out->store + w;
        char quote = 0;
        for (; *p; p++) {
            char c = *p;
            if (quote == '\'') {
                if (c == '\'')
                    quote = 0;
                else
                    out->store[w++] = c;
            } else if (c == '\\' && p[1]) {
                /* Escapes any byte, in double quotes too; a backslash that
                 * ends the line is kept as itself. */
                out->store[w++] = *++p;
            } else if (quote == '"') {
                if (c == '"')
                    quote = 0;
                else
                    out->store[w++] = c;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (is_space(c)) {
                break;
            } else {
                out->store[w++] = c;
            }
        }
        if (quote) {
            out->argc = 0;
            out->argv[0] = NULL;
            return SHELL_PARSE_UNTERMINATED_QUOTE;
        }
        out->store[w++] = '\0';
        out->argv[out->argc++] = word;
        out->argv[out->argc] = NULL;
    }
    return SHELL_PARSE_OK;
}

const char *shell_parse_strerror(enum shell_parse_err e)
{
    switch (e) {
    case SHELL_PARSE_OK: return "ok";
    case SHELL_PARSE_UNTERMINATED_QUOTE: return "unterminated quote";
    case SHELL_PARSE_TOO_MANY_ARGS: return "too many arguments (at most 16)";
    case SHELL_PARSE_TOO_LONG: return "line too long (at most 256 bytes)";
    }
    return "bad command line";
}

static const struct shell_cmd *find_cmd(const struct shell_cmd *table, const char *name)
{
    for (; table && table->name; table++)
        if (strcmp(table->name, name) == 0)
            return table;
    return NULL;
}

/* A user's word echoed in an error: control bytes would drive the terminal,
 * so they become '?'. Long words are cut. */
static void quote_word(char *dst, size_t size, const char *word)
{
    size_t i = 0;
    for (; word[i] && i + 1 < size; i++) {
        unsigned char c = (unsigned char)word[i];
        dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[i] = '\0';
}

/* "start, stop, list" */
static void list_names(char *dst, size_t size, const struct shell_cmd *table)
{
    size_t n = 0;
    dst[0] = '\0';
    for (; table && table->name; table++) {
        int k = ksnprintf(dst + n, size - n, "%s%s", n ? ", " : "", table->name);
        if (k < 0 || (size_t)k >= size - n) {
            dst[n] = '\0';
            break;
        }
        n += (size_t)k;
    }
}

#define MSG_MAX 256

enum shell_dispatch_result shell_dispatch(const struct shell_cmd *cmds, const char *line,
                                          void *ctx, shell_err_fn err)
{
    struct shell_args args;
    char msg[MSG_MAX], word[64], names[160];

    enum shell_parse_err pe = shell_split(line, &args);
    if (pe != SHELL_PARSE_OK) {
        if (err)
            err(ctx, shell_parse_strerror(pe));
        return SHELL_PARSE_ERROR;
    }
    if (args.argc == 0)
        return SHELL_EMPTY;

    const struct shell_cmd *c = find_cmd(cmds, args.argv[0]);
    if (!c) {
        quote_word(word, sizeof word, args.argv[0]);
        ksnprintf(msg, sizeof msg, "unknown command '%s'; type 'help'", word);
        if (err)
            err(ctx, msg);
        return SHELL_UNKNOWN;
    }

    /* Walk down sub-command tables; `at` is the index of c's name in argv. */
    int at = 0;
    while (c->sub) {
        if (at + 1 >= args.argc) {
            if (c->run)
                break; /* the bare command has a meaning of its own */
            list_names(names, sizeof names, c->sub);
            ksnprintf(msg, sizeof msg, "%s: missing sub-command (%s)", c->name, names);
            if (err)
                err(ctx, msg);
            return SHELL_USAGE;
        }
        const struct shell_cmd *s = find_cmd(c->sub, args.argv[at + 1]);
        if (!s) {
            quote_word(word, sizeof word, args.argv[at + 1]);
            list_names(names, sizeof names, c->sub);
            ksnprintf(msg, sizeof msg, "%s: unknown sub-command '%s' (%s)", c->name, word,
                      names);
            if (err)
                err(ctx, msg);
            return SHELL_UNKNOWN;
        }
        c = s;
        at++;
    }

    int nargs = args.argc - at - 1;
    if (nargs < c->min_args || (c->max_args >= 0 && nargs > c->max_args)) {
        if (c->usage)
            ksnprintf(msg, sizeof msg, "usage: %s", c->usage);
        else
            ksnprintf(msg, sizeof msg, "%s: wrong number of arguments", c->name);
        if (err)
            err(ctx, msg);
        return SHELL_USAGE;
    }
    if (!c->run) {
        ksnprintf(msg, sizeof msg, "%s: not implemented", c->name);
        if (err)
            err(ctx, msg);
        return SHELL_UNKNOWN;
    }
    return c->run(args.argc - at, args.argv + at, ctx) == 0 ? SHELL_OK : SHELL_CMD_FAILED;
}
