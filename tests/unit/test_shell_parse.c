/* kernel/shell_parse.c: word splitting (quotes, escapes, limits) and
 * dispatch through command and sub-command tables, with the exact one-line
 * error messages the console shows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/shell_parse.h"

static void expect_words(const char *line, int n, const char *const *want)
{
    struct shell_args a;
    assert_int_equal(shell_split(line, &a), SHELL_PARSE_OK);
    assert_int_equal(a.argc, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(a.argv[i], want[i]);
    assert_null(a.argv[n]);
}

#define WORDS(line, ...)                                                   \
    do {                                                                   \
        static const char *const w__[] = { __VA_ARGS__ };                  \
        expect_words(line, (int)(sizeof w__ / sizeof w__[0]), w__);        \
    } while (0)

static void test_split_plain(void **state)
{
    (void)state;
    WORDS("help", "help");
    WORDS("  vm   start\tweb01  ", "vm", "start", "web01");
    WORDS("a\t\tb", "a", "b");
    struct shell_args a;
    assert_int_equal(shell_split("", &a), SHELL_PARSE_OK);
    assert_int_equal(a.argc, 0);
    assert_null(a.argv[0]);
    assert_int_equal(shell_split(" \t  ", &a), SHELL_PARSE_OK);
    assert_int_equal(a.argc, 0);
}

static void test_split_quotes_and_escapes(void **state)
{
    (void)state;
    WORDS("vm start \"my vm\"", "vm", "start", "my vm");
    WORDS("echo 'a  b' c", "echo", "a  b", "c");
    WORDS("a\"b c\"'d'", "ab cd");                   /* parts join into one word */
    WORDS("x \"\" ''", "x", "", "");                 /* empty words are words */
    WORDS("say \"he said \\\"hi\\\"\"", "say", "he said \"hi\"");
    WORDS("a\\ b", "a b");
    WORDS("'\\n' \"\\n\"", "\\n", "n");              /* no escapes in single quotes */
    WORDS("\"it's\" 'say \"x\"'", "it's", "say \"x\"");
    WORDS("end\\", "end\\");                         /* a final backslash is itself */
    WORDS("\\'q", "'q");
}

static void test_split_unterminated(void **state)
{
    (void)state;
    struct shell_args a;
    assert_int_equal(shell_split("echo \"abc", &a), SHELL_PARSE_UNTERMINATED_QUOTE);
    assert_int_equal(a.argc, 0);
    assert_int_equal(shell_split("echo 'abc", &a), SHELL_PARSE_UNTERMINATED_QUOTE);
    assert_int_equal(shell_split("echo \"a\\\"", &a), SHELL_PARSE_UNTERMINATED_QUOTE);
    assert_int_equal(shell_split("'", &a), SHELL_PARSE_UNTERMINATED_QUOTE);
}

static void test_split_limits(void **state)
{
    (void)state;
    struct shell_args a;
    char line[1024];

    /* 16 words fit, 17 do not */
    strcpy(line, "w");
    for (int i = 1; i < SHELL_MAX_ARGS; i++)
        strcat(line, " w");
    assert_int_equal(shell_split(line, &a), SHELL_PARSE_OK);
    assert_int_equal(a.argc, SHELL_MAX_ARGS);
    assert_null(a.argv[SHELL_MAX_ARGS]);
    strcat(line, " w");
    assert_int_equal(shell_split(line, &a), SHELL_PARSE_TOO_MANY_ARGS);
    assert_int_equal(a.argc, 0);

    /* 256 bytes fit, 257 do not */
    memset(line, 'x', SHELL_LINE_MAX);
    line[SHELL_LINE_MAX] = '\0';
    assert_int_equal(shell_split(line, &a), SHELL_PARSE_OK);
    assert_int_equal(strlen(a.argv[0]), SHELL_LINE_MAX);
    line[SHELL_LINE_MAX] = 'x';
    line[SHELL_LINE_MAX + 1] = '\0';
    assert_int_equal(shell_split(line, &a), SHELL_PARSE_TOO_LONG);

    /* the worst case for the store: a full line of 16 words */
    memset(line, 'y', SHELL_LINE_MAX);
    for (int i = 1; i < SHELL_MAX_ARGS; i++)
        line[i * 16] = ' ';
    line[SHELL_LINE_MAX] = '\0';
    assert_int_equal(shell_split(line, &a), SHELL_PARSE_OK);
    assert_int_equal(a.argc, SHELL_MAX_ARGS);
    assert_int_equal(strlen(a.argv[15]), 15);
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(shell_parse_strerror(SHELL_PARSE_UNTERMINATED_QUOTE), "unterminated quote");
    assert_string_equal(shell_parse_strerror(SHELL_PARSE_TOO_MANY_ARGS),
                        "too many arguments (at most 16)");
    assert_string_equal(shell_parse_strerror(SHELL_PARSE_TOO_LONG),
                        "line too long (at most 256 bytes)");
    assert_string_equal(shell_parse_strerror((enum shell_parse_err)99), "bad command line");
}

/* ---- dispatch ------------------------------------------------------------ */

struct ran {
    int calls;
    int argc;
    char argv[SHELL_MAX_ARGS][SHELL_LINE_MAX + 1];
    char err[512];
    int errs;
    int ret;
};

static int record(int argc, char **argv, void *ctx)
{
    struct ran *r = ctx;
    r->calls++;
    r->argc = argc;
    for (int i = 0; i < argc; i++)
        strcpy(r->argv[i], argv[i]);
    assert_null(argv[argc]);
    return r->ret;
}

static void on_err(void *ctx, const char *msg)
{
    struct ran *r = ctx;
    assert_null(strchr(msg, '\n'));
    strcpy(r->err, msg);
    r->errs++;
}

static const struct shell_cmd vm_cmds[] = {
    { "start", "vm start NAME", "power on a VM", 1, 1, record, NULL },
    { "stop", "vm stop NAME", "power off a VM", 1, 1, record, NULL },
    { "list", "vm list", "list VMs", 0, 0, record, NULL },
    { NULL, NULL, NULL, 0, 0, NULL, NULL },
};

static const struct shell_cmd log_cmds[] = {
    { "level", "log level [LEVEL]", "show or set", 0, 1, record, NULL },
    { NULL, NULL, NULL, 0, 0, NULL, NULL },
};

static const struct shell_cmd cmds[] = {
    { "help", "help [COMMAND]", "list commands", 0, 1, record, NULL },
    { "echo", "echo WORDS...", "print words", 0, -1, record, NULL },
    { "vm", "vm SUB-COMMAND", "virtual machines", 0, 0, NULL, vm_cmds },
    { "log", "log [level]", "the kernel log", 0, 0, record, log_cmds },
    { "todo", NULL, "not there yet", 0, 0, NULL, NULL },
    { NULL, NULL, NULL, 0, 0, NULL, NULL },
};

static enum shell_dispatch_result run(struct ran *r, const char *line)
{
    memset(r, 0, sizeof *r);
    return shell_dispatch(cmds, line, r, on_err);
}

static void test_dispatch_runs(void **state)
{
    (void)state;
    static struct ran r;
    assert_int_equal(run(&r, "help"), SHELL_OK);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.argc, 1);
    assert_string_equal(r.argv[0], "help");
    assert_int_equal(r.errs, 0);

    assert_int_equal(run(&r, "vm start 'web 01'"), SHELL_OK);
    assert_int_equal(r.argc, 2);
    assert_string_equal(r.argv[0], "start"); /* argv[0] is the sub-command */
    assert_string_equal(r.argv[1], "web 01");

    assert_int_equal(run(&r, "echo a b c d e f g h i j k l m n o"), SHELL_OK);
    assert_int_equal(r.argc, 16); /* max_args -1: no upper bound */

    /* A command with sub-commands and a run of its own, used bare. */
    assert_int_equal(run(&r, "log"), SHELL_OK);
    assert_string_equal(r.argv[0], "log");
    assert_int_equal(run(&r, "log level debug"), SHELL_OK);
    assert_string_equal(r.argv[0], "level");
    assert_string_equal(r.argv[1], "debug");
}

static void test_dispatch_empty_and_failed(void **state)
{
    (void)state;
    static struct ran r;
    assert_int_equal(run(&r, ""), SHELL_EMPTY);
    assert_int_equal(run(&r, "   \t"), SHELL_EMPTY);
    assert_int_equal(r.errs, 0);
    assert_int_equal(r.calls, 0);

    memset(&r, 0, sizeof r);
    r.ret = 5;
    assert_int_equal(shell_dispatch(cmds, "vm list", &r, on_err), SHELL_CMD_FAILED);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.errs, 0); /* the command printed its own error */
}

static void expect_err(const char *line, enum shell_dispatch_result res, const char *msg)
{
    static struct ran r;
    assert_int_equal(run(&r, line), res);
    assert_int_equal(r.calls, 0);
    assert_int_equal(r.errs, 1);
    assert_string_equal(r.err, msg);
}

static void test_dispatch_errors(void **state)
{
    (void)state;
    expect_err("foo", SHELL_UNKNOWN, "unknown command 'foo'; type 'help'");
    expect_err("Help", SHELL_UNKNOWN, "unknown command 'Help'; type 'help'");
    expect_err("vm x", SHELL_UNKNOWN, "vm: unknown sub-command 'x' (start, stop, list)");
    expect_err("log x", SHELL_UNKNOWN, "log: unknown sub-command 'x' (level)");
    expect_err("vm", SHELL_USAGE, "vm: missing sub-command (start, stop, list)");
    expect_err("vm start", SHELL_USAGE, "usage: vm start NAME");
    expect_err("vm start a b", SHELL_USAGE, "usage: vm start NAME");
    expect_err("vm list all", SHELL_USAGE, "usage: vm list");
    expect_err("help a b", SHELL_USAGE, "usage: help [COMMAND]");
    expect_err("log level a b", SHELL_USAGE, "usage: log level [LEVEL]");
    expect_err("todo", SHELL_UNKNOWN, "todo: not implemented");
    expect_err("todo x", SHELL_USAGE, "todo: wrong number of arguments");
    expect_err("vm start \"web", SHELL_PARSE_ERROR, "unterminated quote");
    expect_err("\x1b[2Jx", SHELL_UNKNOWN, "unknown command '?[2Jx'; type 'help'");
}

static void test_dispatch_long_names_and_no_err_fn(void **state)
{
    (void)state;
    char line[SHELL_LINE_MAX + 1];
    memset(line, 'z', SHELL_LINE_MAX);
    line[SHELL_LINE_MAX] = '\0';
    static struct ran r;
    assert_int_equal(run(&r, line), SHELL_UNKNOWN);
    assert_true(strlen(r.err) < 256);
    assert_memory_equal(r.err, "unknown command 'zzz", 20);

    /* No error sink: same results, nothing called. */
    assert_int_equal(shell_dispatch(cmds, "nope", NULL, NULL), SHELL_UNKNOWN);
    assert_int_equal(shell_dispatch(cmds, "vm", NULL, NULL), SHELL_USAGE);
    assert_int_equal(shell_dispatch(cmds, "'", NULL, NULL), SHELL_PARSE_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_plain),
        cmocka_unit_test(test_split_quotes_and_escapes),
        cmocka_unit_test(test_split_unterminated),
        cmocka_unit_test(test_split_limits),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_dispatch_runs),
        cmocka_unit_test(test_dispatch_empty_and_failed),
        cmocka_unit_test(test_dispatch_errors),
        cmocka_unit_test(test_dispatch_long_names_and_no_err_fn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
