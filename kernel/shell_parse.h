/*
 * Shell command lines: split into words (spaces and tabs separate; "double"
 * or 'single' quotes group; a backslash escapes the next byte outside single
 * quotes) and dispatched through a table of commands with sub-commands.
 */
#ifndef KERNEL_SHELL_PARSE_H
#define KERNEL_SHELL_PARSE_H

#include "include/hv/types.h"

#define SHELL_MAX_ARGS 16
#define SHELL_LINE_MAX 256

struct shell_args {
    int argc;
    char *argv[SHELL_MAX_ARGS + 1];
    char store[SHELL_LINE_MAX + SHELL_MAX_ARGS]; /* the words, NUL separated */
};

enum shell_parse_err {
    SHELL_PARSE_OK = 0,
    SHELL_PARSE_UNTERMINATED_QUOTE,
    SHELL_PARSE_TOO_MANY_ARGS,
    SHELL_PARSE_TOO_LONG,
};

enum shell_parse_err shell_split(const char *line, struct shell_args *out);
const char *shell_parse_strerror(enum shell_parse_err e);

/* A command. `min_args`/`max_args` count the words after the command name
 * (after the sub-command name for entries reached through `sub`). */
struct shell_cmd {
    const char *name;
    const char *usage;  /* e.g. "vm start NAME" */
    const char *help;   /* one line */
    int min_args, max_args;
    /* Returns 0 on success; a non-zero return means the command printed its
     * own one-line error. */
    int (*run)(int argc, char **argv, void *ctx);
    const struct shell_cmd *sub; /* sub-commands, NULL-name terminated */
};

/* Output for dispatch errors ("unknown command 'x'; try 'help'", "usage: ...").
 * One line each, no trailing newline. */
typedef void (*shell_err_fn)(void *ctx, const char *msg);

enum shell_dispatch_result {
    SHELL_OK = 0,
    SHELL_EMPTY,        /* blank line */
    SHELL_PARSE_ERROR,
    SHELL_UNKNOWN,      /* no such command or sub-command */
    SHELL_USAGE,        /* wrong number of arguments */
    SHELL_CMD_FAILED,   /* the command returned non-zero */
};

/* Splits `line`, finds the command in `cmds` (NULL-name terminated), checks
 * the argument count and runs it with argv[0] = the (sub-)command name. */
enum shell_dispatch_result shell_dispatch(const struct shell_cmd *cmds, const char *line,
                                          void *ctx, shell_err_fn err);

#endif
