/* kernel/config_parse.c, config_schema.c, host_config.c: the file format,
 * every error path with its file, line, key and exact message, limits
 * (cap, key and value lengths), hostile bytes, and the host schema. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/config_parse.h"
#include "kernel/config_schema.h"
#include "kernel/host_config.h"
#include "mm/victim.h"

/* ---- report capture ----------------------------------------------------- */

struct rep {
    char file[64];
    uint32_t line;
    char key[CFG_KEY_MAX];
    char msg[CFG_MSG_MAX];
};
static struct rep reps[256];
static size_t nreps;

static void on_report(void *ctx, const char *file, uint32_t line, const char *key,
                      const char *msg)
{
    assert_ptr_equal(ctx, reps);
    assert_non_null(file);
    assert_non_null(key);
    assert_non_null(msg);
    assert_true(strlen(key) < CFG_KEY_MAX);
    assert_true(strlen(msg) < CFG_MSG_MAX);
    assert_true(line >= 1);
    if (nreps < ARRAY_SIZE(reps)) {
        struct rep *r = &reps[nreps];
        snprintf(r->file, sizeof r->file, "%s", file);
        r->line = line;
        snprintf(r->key, sizeof r->key, "%s", key);
        snprintf(r->msg, sizeof r->msg, "%s", msg);
    }
    nreps++;
}

static void expect_rep(size_t i, uint32_t line, const char *key, const char *msg)
{
    assert_true(i < nreps);
    assert_int_equal(reps[i].line, line);
    assert_string_equal(reps[i].key, key);
    assert_string_equal(reps[i].msg, msg);
}

static struct cfg_entry ents[16];
static struct cfg_file file;

static void new_file(size_t cap)
{
    memset(ents, 0xa5, sizeof ents); /* garbage, as on a real stack */
    nreps = 0;
    file = (struct cfg_file){ .name = "hv/test.cfg", .entries = ents, .cap = cap,
                              .report = on_report, .report_ctx = reps };
}

static void parse(const char *text)
{
    cfg_parse(&file, text, strlen(text));
}

static void expect_entry(const char *key, const char *value, uint32_t line)
{
    const struct cfg_entry *e = cfg_find(&file, key);
    assert_non_null(e);
    assert_string_equal(e->value, value);
    assert_int_equal(e->line, line);
}

/* ---- parser ------------------------------------------------------------- */

static void test_parse_valid(void **state)
{
    (void)state;
    new_file(16);
    parse("# host settings\n"
          "a = \"1\"\n"
          "B.c=bare\n"
          "   \t\n"
          "\tx:y-z_9 = \"with  spaces\"   # trailing comment\n"
          "empty = \"\"\n"
          "hash = a#b\n"
          "q = \"#not a comment\"#but this is\n"
          "utf = \"caf\xc3\xa9\ttab\"\n");
    assert_int_equal(nreps, 0);
    assert_int_equal(file.errors, 0);
    assert_int_equal(file.count, 7);
    expect_entry("a", "1", 2);
    expect_entry("b.C", "bare", 3); /* keys are case-insensitive */
    expect_entry("X:Y-Z_9", "with  spaces", 5);
    expect_entry("empty", "", 6);
    expect_entry("hash", "a#b", 7);
    expect_entry("q", "#not a comment", 8);
    expect_entry("utf", "caf\xc3\xa9\ttab", 9);
    assert_string_equal(file.entries[1].key, "B.c"); /* spelled as written */
    assert_null(cfg_find(&file, "missing"));
    assert_null(cfg_find(&file, "a.b"));
}

static void test_parse_edges_of_text(void **state)
{
    (void)state;
    new_file(16);
    parse("a = 1"); /* no trailing newline */
    expect_entry("a", "1", 1);

    new_file(16);
    cfg_parse(&file, "", 0);
    cfg_parse(&file, NULL, 10);
    assert_int_equal(file.count, 0);
    assert_int_equal(nreps, 0);

    /* CR LF line ends; the CR is not part of the value */
    new_file(16);
    parse("a = \"1\"\r\nb = 2\r\n\r\nc = 3\r");
    assert_int_equal(nreps, 0);
    expect_entry("a", "1", 1);
    expect_entry("b", "2", 2);
    expect_entry("c", "3", 4);

    /* a lone CR is not a line end */
    new_file(16);
    parse("a = 1\rb = 2\n");
    assert_int_equal(file.count, 0);
    assert_int_equal(nreps, 1);
    expect_rep(0, 1, "a", "byte 0x0d in the value");

    /* only `len` bytes are read */
    new_file(16);
    cfg_parse(&file, "a = 12345", 7);
    expect_entry("a", "123", 1);
}

static void test_parse_errors(void **state)
{
    (void)state;
    new_file(16);
    parse("= 5\n"                      /* 1 */
          "key 5\n"                    /* 2 */
          "key\n"                      /* 3 */
          "ke$y = 1\n"                 /* 4 */
          "k1 =\n"                     /* 5 */
          "k2 =   # nothing\n"         /* 6 */
          "k3 = \"abc\n"               /* 7 */
          "k4 = a b\n"                 /* 8 */
          "k5 = \"a\"b\n"              /* 9 */
          "k6 = a\"b\"\n"              /* 10 */
          "k7 = \"a\x01z\"\n"          /* 11 */
          "k8 = a\x7f\n"               /* 12 */
          "\xff = 1\n"                 /* 13 */
          "\"quoted\" = 1\n"           /* 14 */
          "ok = \"fine\"\n");          /* 15: parsing went on */
    expect_rep(0, 1, "", "expected a key, got '='");
    expect_rep(1, 2, "key", "expected '=' after the key, got '5'");
    expect_rep(2, 3, "key", "expected '=' after the key");
    expect_rep(3, 4, "ke", "expected '=' after the key, got '$'");
    expect_rep(4, 5, "k1", "missing value");
    expect_rep(5, 6, "k2", "missing value");
    expect_rep(6, 7, "k3", "unterminated quote");
    expect_rep(7, 8, "k4", "unexpected 'b' after the value");
    expect_rep(8, 9, "k5", "unexpected 'b' after the value");
    expect_rep(9, 10, "k6", "stray '\"' in a value without quotes");
    expect_rep(10, 11, "k7", "byte 0x01 in the value");
    expect_rep(11, 12, "k8", "byte 0x7f in the value");
    expect_rep(12, 13, "", "expected a key, got byte 0xff");
    expect_rep(13, 14, "", "expected a key, got '\"'");
    assert_int_equal(nreps, 14);
    assert_int_equal(file.errors, 14);
    assert_int_equal(file.count, 1);
    expect_entry("ok", "fine", 15);
    for (size_t i = 0; i < nreps; i++)
        assert_string_equal(reps[i].file, "hv/test.cfg");
}

static void test_parse_nul_bytes(void **state)
{
    (void)state;
    static const char text[] = "a = 1\nb\0 = 2\n# c\0mment\nc = \"x\0y\"\n\0\nd = 4";
    new_file(16);
    cfg_parse(&file, text, sizeof text - 1);
    assert_int_equal(nreps, 4);
    expect_rep(0, 2, "b", "NUL byte at column 2");
    expect_rep(1, 3, "", "NUL byte at column 4");
    expect_rep(2, 4, "c", "NUL byte at column 7");
    expect_rep(3, 5, "", "NUL byte at column 1");
    assert_int_equal(file.count, 2);
    expect_entry("a", "1", 1);
    expect_entry("d", "4", 6);
}

static void test_parse_duplicates(void **state)
{
    (void)state;
    new_file(16);
    parse("a = 1\nb = 2\nA = \"3\"\na = 4\n");
    assert_int_equal(file.count, 2);
    expect_entry("a", "4", 4); /* the later line wins */
    assert_string_equal(cfg_find(&file, "a")->key, "a");
    assert_int_equal(nreps, 2);
    expect_rep(0, 3, "A", "duplicate key, also set on line 1; this line wins");
    expect_rep(1, 4, "a", "duplicate key, also set on line 3; this line wins");
    assert_int_equal(file.errors, 2);
}

static void test_parse_cap(void **state)
{
    (void)state;
    new_file(2);
    parse("a = 1\nb = 2\nc = 3\nd = 4\nb = 5\n");
    assert_int_equal(file.count, 2);
    expect_entry("a", "1", 1);
    expect_entry("b", "5", 5); /* replacing needs no new room */
    assert_null(cfg_find(&file, "c"));
    assert_int_equal(nreps, 3);
    expect_rep(0, 3, "c", "too many entries (at most 2); line ignored");
    expect_rep(1, 4, "d", "too many entries (at most 2); line ignored");
    expect_rep(2, 5, "b", "duplicate key, also set on line 2; this line wins");
    /* no storage at all */
    new_file(0);
    file.entries = NULL;
    parse("a = 1\n");
    assert_int_equal(file.count, 0);
    expect_rep(0, 1, "a", "too many entries (at most 0); line ignored");
    /* the entries after `cap` were not touched */
    new_file(1);
    parse("a = 1\nb = 2\n");
    assert_int_equal((unsigned char)ents[1].key[0], 0xa5);
}

static void test_parse_long_keys_and_values(void **state)
{
    (void)state;
    char *text = malloc(300000);
    assert_non_null(text);
    char key63[64], key64[65];
    memset(key63, 'k', 63);
    key63[63] = '\0';
    memset(key64, 'K', 64);
    key64[64] = '\0';

    new_file(16);
    snprintf(text, 300000, "%s = 1\n%s = 2\n", key63, key64);
    parse(text);
    assert_int_equal(file.count, 1);
    expect_entry(key63, "1", 1);
    assert_int_equal(nreps, 1);
    key64[63] = '\0'; /* the report names the key cut to fit */
    expect_rep(0, 2, key64, "key too long (more than 63 bytes)");

    /* values: 2047 bytes fit (guest.cmdline's limit, Linux's), 2048 do
     * not, quoted or bare */
    static char v255[CFG_VALUE_MAX], v256[CFG_VALUE_MAX + 1];
    memset(v255, 'v', CFG_VALUE_MAX - 1);
    v255[CFG_VALUE_MAX - 1] = '\0';
    memset(v256, 'w', CFG_VALUE_MAX);
    v256[CFG_VALUE_MAX] = '\0';
    new_file(16);
    snprintf(text, 300000, "a = \"%s\"\nb = %s\nc = \"%s\"\nd = %s\n", v255, v255, v256, v256);
    parse(text);
    assert_int_equal(file.count, 2);
    expect_entry("a", v255, 1);
    expect_entry("b", v255, 2);
    assert_int_equal(nreps, 2);
    expect_rep(0, 3, "c", "value too long (more than 2047 bytes)");
    expect_rep(1, 4, "d", "value too long (more than 2047 bytes)");

    /* a 200 KB line: an error, not an overflow; the next line is read */
    new_file(16);
    size_t n = 0;
    n += (size_t)sprintf(text, "big = \"");
    memset(text + n, 'x', 200000);
    n += 200000;
    n += (size_t)sprintf(text + n, "\"\n# %s\nkey%s = 1\nafter = 1\n", v256, v256);
    cfg_parse(&file, text, n);
    assert_int_equal(nreps, 2);
    expect_rep(0, 1, "big", "value too long (more than 2047 bytes)");
    assert_int_equal(reps[1].line, 3);
    assert_string_equal(reps[1].msg, "key too long (more than 63 bytes)");
    expect_entry("after", "1", 4);
    free(text);
}

static void test_parse_no_report_fn(void **state)
{
    (void)state;
    new_file(16);
    file.report = NULL;
    file.name = NULL;
    parse("x\ny = 1\n");
    assert_int_equal(file.errors, 1);
    assert_int_equal(file.count, 1);
    /* a NULL name is reported as "config" */
    new_file(16);
    file.name = NULL;
    parse("x\n");
    assert_string_equal(reps[0].file, "config");
}

/* ---- schema ------------------------------------------------------------- */

struct demo {
    uint64_t n;
    uint64_t any;
    bool b;
    uint32_t color;
    char s[8];
};
static const char *const colors[] = { "red", "green", "blue", NULL };
static const struct cfg_key demo_schema[] = {
    { "n", CFG_U64, offsetof(struct demo, n), 1, 100, NULL, "a number" },
    { "any", CFG_U64, offsetof(struct demo, any), 0, UINT64_MAX, NULL, "any number" },
    { "b", CFG_BOOL, offsetof(struct demo, b), 0, 0, NULL, "a flag" },
    { "color", CFG_ENUM, offsetof(struct demo, color), 0, 0, colors, "a color" },
    { "s", CFG_STRING, offsetof(struct demo, s), 0, 7, NULL, "short" },
};

static struct demo demo_defaults(void)
{
    struct demo d = { .n = 50, .any = 7, .b = false, .color = 2 };
    strcpy(d.s, "dflt");
    return d;
}

static uint32_t apply(const char *text, struct demo *d)
{
    new_file(16);
    *d = demo_defaults();
    parse(text);
    return cfg_apply(&file, demo_schema, ARRAY_SIZE(demo_schema), d);
}

static void test_schema_valid(void **state)
{
    (void)state;
    struct demo d;
    assert_int_equal(apply("n = 0x10\nANY = 4K\nb = yes\ncolor = GREEN\ns = \"1234567\"\n", &d),
                     0);
    assert_int_equal(nreps, 0);
    assert_int_equal(d.n, 16);
    assert_int_equal(d.any, 4096);
    assert_true(d.b);
    assert_int_equal(d.color, 1);
    assert_string_equal(d.s, "1234567");

    assert_int_equal(apply("n = 1\nany = 18446744073709551615\ns = \"\"\ncolor = red\n", &d), 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.any, UINT64_MAX);
    assert_string_equal(d.s, "");
    assert_int_equal(d.color, 0);
    assert_int_equal(apply("n = 100\nany = 2G\n", &d), 0);
    assert_int_equal(d.n, 100);
    assert_int_equal(d.any, 2ULL << 30);

    static const struct { const char *v; bool want; } bools[] = {
        { "true", true }, { "FALSE", false }, { "Yes", true }, { "no", false },
        { "on", true },   { "Off", false },   { "1", true },   { "0", false },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bools); i++) {
        char line[32];
        snprintf(line, sizeof line, "b = %s\n", bools[i].v);
        apply(line, &d);
        assert_int_equal(nreps, 0);
        assert_int_equal(d.b, bools[i].want);
    }
}

static void test_schema_errors(void **state)
{
    (void)state;
    struct demo d;
    uint32_t n = apply("n = abc\n"                     /* 1 */
                       "any = x1\n"                    /* 2 */
                       "b = maybe\n"                   /* 3 */
                       "color = pink\n"                /* 4 */
                       "s = \"12345678\"\n"            /* 5 */
                       "nope = 1\n"                    /* 6 */
                       "junk\n",                       /* 7: a parse error */
                       &d);
    assert_int_equal(n, 6);
    assert_int_equal(file.errors, 7);
    assert_int_equal(nreps, 7);
    expect_rep(0, 7, "junk", "expected '=' after the key");
    expect_rep(1, 1, "n", "expected a number from 1 to 100, got 'abc'");
    expect_rep(2, 2, "any", "expected a number, got 'x1'");
    expect_rep(3, 3, "b", "expected true or false, got 'maybe'");
    expect_rep(4, 4, "color", "expected red, green or blue, got 'pink'");
    expect_rep(5, 5, "s", "expected at most 7 bytes, got 8");
    expect_rep(6, 6, "nope", "unknown key");
    /* every default survived */
    struct demo want = demo_defaults();
    assert_memory_equal(&d, &want, sizeof d);
}

static void test_schema_numbers(void **state)
{
    (void)state;
    static const char *const bad[] = { "0", "101", "", "-1", " 5", "5 ", "1K", "0x",
                                       "99999999999999999999", "12abc", "0x65" };
    struct demo d;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char line[64], want[CFG_MSG_MAX];
        snprintf(line, sizeof line, "n = \"%s\"\n", bad[i]);
        assert_int_equal(apply(line, &d), 1);
        snprintf(want, sizeof want, "expected a number from 1 to 100, got '%s'", bad[i]);
        expect_rep(0, 1, "n", want);
        assert_int_equal(d.n, 50);
    }
    /* a long bad value is quoted cut */
    char line[300];
    snprintf(line, sizeof line, "n = %0200d\n", 7);
    line[4] = 'z';
    assert_int_equal(apply(line, &d), 1);
    char want[CFG_MSG_MAX];
    snprintf(want, sizeof want, "expected a number from 1 to 100, got 'z%.39s...'", line + 5);
    expect_rep(0, 1, "n", want);
}

static void test_schema_careless(void **state)
{
    (void)state;
    /* An enum without choices and a string wider than any value. */
    struct { uint32_t e; char s[CFG_VALUE_MAX]; } dst = { 3, "" };
    static const struct cfg_key odd[] = {
        { "e", CFG_ENUM, 0, 0, 0, NULL, NULL },
        { "s", CFG_STRING, offsetof(__typeof__(dst), s), 0, 100000, NULL, NULL },
        { "t", (enum cfg_type)99, 0, 0, 0, NULL, NULL },
    };
    char text[400];
    char v[256];
    memset(v, 's', 255);
    v[255] = '\0';
    snprintf(text, sizeof text, "e = x\ns = %s\nt = 1\n", v);
    new_file(16);
    parse(text);
    assert_int_equal(cfg_apply(&file, odd, ARRAY_SIZE(odd), &dst), 2);
    expect_rep(0, 1, "e", "expected (no choices: a schema bug), got 'x'");
    expect_rep(1, 3, "t", "key has an unsupported type in the schema");
    assert_int_equal(dst.e, 3);
    assert_string_equal(dst.s, v);
}

/* ---- host configuration ------------------------------------------------- */

static uint32_t load(struct host_config *c, const char *text)
{
    nreps = 0;
    return host_config_load(c, NULL, text, text ? strlen(text) : 0, on_report, reps);
}

static void test_host_defaults(void **state)
{
    (void)state;
    struct host_config c;
    memset(&c, 0x5a, sizeof c);
    host_config_defaults(&c);
    assert_int_equal(c.log_level, 1); /* info */
    assert_int_equal(c.minfree_pct, 0);
    assert_int_equal(c.balance_period_s, 15);
    assert_int_equal(c.sample_period_s, 30);
    assert_int_equal(c.timer_hz, 100);
    assert_true(c.shell_echo);
    assert_string_equal(c.autostart, "");
    assert_string_equal(c.hostname, "hv");
    assert_string_equal(c.swap_device, ""); /* no swap device */
    assert_int_equal(c.swap_size_mb, 0);    /* the whole device */
    assert_false(c.swap_force);
    assert_int_equal(c.victim_policy, VICTIM_RECENT); /* best on real programs */
    assert_int_equal(c.vcpu_alloc_bound, 48);          /* the seed's bound */
    assert_int_equal(c.vmtrack_timeout_s, 30);
    assert_int_equal(c.age_period_ms, 1000);
    assert_int_equal(c.ccache_pct, 10);

    /* a missing file is the defaults, silently */
    struct host_config d;
    memset(&d, 0x5a, sizeof d);
    assert_int_equal(load(&d, NULL), 0);
    assert_int_equal(nreps, 0);
    assert_memory_equal(&c, &d, sizeof c);
    /* so is an empty one */
    assert_int_equal(load(&d, ""), 0);
    assert_memory_equal(&c, &d, sizeof c);
}

static void test_host_schema_table(void **state)
{
    (void)state;
    static const char *const names[] = { "log.level",        "mem.minFreePct",
                                         "mem.balancePeriod", "mem.samplePeriod",
                                         "timer.hz",         "shell.echo",
                                         "vm.autostart",     "host.name",
                                         "swap.device",      "swap.sizeMB",
                                         "swap.force",       "mem.victimPolicy",
                                         "mem.vcpuAllocBound", "mem.vmtrackTimeout",
                                         "mem.agePeriod",    "mem.ccachePct" };
    assert_int_equal(host_config_schema_len, ARRAY_SIZE(names));
    for (size_t i = 0; i < host_config_schema_len; i++) {
        assert_string_equal(host_config_schema[i].name, names[i]);
        assert_non_null(host_config_schema[i].help);
        assert_true(strlen(host_config_schema[i].help) > 10);
    }
}

static void test_host_load_all_keys(void **state)
{
    (void)state;
    struct host_config c;
    assert_int_equal(load(&c, "# hv/host.cfg\r\n"
                              "log.level = \"debug\"\r\n"
                              "mem.minFreePct = \"50\"\r\n"
                              "mem.balancePeriod = \"3600\"\r\n"
                              "mem.samplePeriod = \"600\"\r\n"
                              "timer.hz = \"1000\"\r\n"
                              "shell.echo = \"false\"\r\n"
                              "vm.autostart = \"web01,db02\"\r\n"
                              "host.name = \"esx-lab\"\r\n"
                              "swap.device = \"nvme0n1\"\r\n"
                              "swap.sizeMB = \"4K\"\r\n"
                              "swap.force = \"yes\"\r\n"
                              "mem.vmtrackTimeout = \"0\"\r\n"),
                     0);
    assert_int_equal(nreps, 0);
    assert_int_equal(c.log_level, 0);
    assert_int_equal(c.minfree_pct, 50);
    assert_int_equal(c.balance_period_s, 3600);
    assert_int_equal(c.sample_period_s, 600);
    assert_int_equal(c.timer_hz, 1000);
    assert_false(c.shell_echo);
    assert_string_equal(c.autostart, "web01,db02");
    assert_string_equal(c.hostname, "esx-lab");
    assert_string_equal(c.swap_device, "nvme0n1");
    assert_int_equal(c.swap_size_mb, 4096); /* "4K" MiB: suffixes are binary units of the number */
    assert_true(c.swap_force);
    assert_int_equal(c.vmtrack_timeout_s, 0);          /* 0: VMTrack never ends a VM */
    assert_int_equal(load(&c, "mem.vmtrackTimeout = \"3601\"\n"), 1);   /* past an hour */
    assert_int_equal(c.vmtrack_timeout_s, 30);
    /* a device name longer than any the drivers make is refused, default kept */
    assert_int_equal(load(&c, "swap.device = \"ata0-master-and-more\"\n"), 1);
    assert_string_equal(c.swap_device, "");

    /* a second load starts from the defaults again */
    assert_int_equal(load(&c, "timer.hz = 10\nLOG.LEVEL = Error\nmem.balancePeriod = 1\n"), 0);
    assert_int_equal(c.timer_hz, 10);
    assert_int_equal(c.log_level, 3);
    assert_int_equal(c.balance_period_s, 1);
    assert_int_equal(c.minfree_pct, 0);
    assert_string_equal(c.hostname, "hv");
    assert_true(c.shell_echo);
}

static void test_host_load_errors(void **state)
{
    (void)state;
    struct host_config c;
    char name64[65];
    memset(name64, 'h', 64);
    name64[64] = '\0';
    char text[1024];
    snprintf(text, sizeof text,
             "timer.hz = 5\n"
             "log.level = verbose\n"
             "mem.minFreePct = 51\n"
             "mem.balancePeriod = 0\n"
             "shell.echo = 2\n"
             "host.name = \"%s\"\n"
             "mem.minFree = 6\n"
             "timer.hz = \"2000\"\n",
             name64);
    assert_int_equal(load(&c, text), 8);
    assert_int_equal(nreps, 8);
    for (size_t i = 0; i < nreps; i++)
        assert_string_equal(reps[i].file, HOST_CONFIG_PATH);
    /* parse problems (unknown keys among them) come first, then the
     * schema's in file order */
    expect_rep(0, 7, "mem.minFree", "unknown key");
    expect_rep(1, 8, "timer.hz", "duplicate key, also set on line 1; this line wins");
    expect_rep(2, 8, "timer.hz", "expected a number from 10 to 1000, got '2000'");
    expect_rep(3, 2, "log.level", "expected debug, info, warn or error, got 'verbose'");
    expect_rep(4, 3, "mem.minFreePct", "expected a number from 0 to 50, got '51'");
    expect_rep(5, 4, "mem.balancePeriod", "expected a number from 1 to 3600, got '0'");
    expect_rep(6, 5, "shell.echo", "expected true or false, got '2'");
    expect_rep(7, 6, "host.name", "expected at most 63 bytes, got 64");
    /* every default was kept */
    struct host_config d;
    host_config_defaults(&d);
    assert_memory_equal(&c, &d, sizeof c);

    /* the file name given is used */
    nreps = 0;
    host_config_load(&c, "EFI/hv/host.cfg", "x\n", 2, on_report, reps);
    assert_string_equal(reps[0].file, "EFI/hv/host.cfg");
}

static void test_host_load_many_entries(void **state)
{
    (void)state;
    struct host_config c;
    static char text[4096];
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "x%d = 1\n", i);
    snprintf(text + n, sizeof text - n, "timer.hz = 50\n");
    assert_int_equal(load(&c, text), 40);
    /* Unknown keys are reported on their own lines and take no entry slot,
     * so the known key after them still applies (issue #11, item 11). */
    expect_rep(0, 1, "x0", "unknown key");
    expect_rep(19, 20, "x19", "unknown key");
    assert_int_equal(c.timer_hz, 50);
}

/* A file of thousands of bad lines: every problem is counted, only the first
 * CFG_REPORTS_SHOWN are reported one by one (each costs a console line), then
 * one line says the rest are counted; keys after them still apply. */
static void test_host_load_thousands_of_bad_lines(void **state)
{
    (void)state;
    struct host_config c;
    enum { LINES = 3000 };
    static char text[LINES * 48 + 64];
    size_t n = 0;
    for (int i = 0; i < LINES; i++)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              i % 3 == 0 ? "unknown.key%d = 1\n"
                              : i % 3 == 1 ? "?garbage line %d\n" : "timer.hz = \"x%d\n", i);
    snprintf(text + n, sizeof text - n, "host.name = \"after\"\n");
    assert_int_equal(load(&c, text), LINES);
    assert_int_equal(nreps, CFG_REPORTS_SHOWN + 1);
    expect_rep(CFG_REPORTS_SHOWN, CFG_REPORTS_SHOWN + 1, "",
               "more problems in this file are counted, not shown");
    assert_string_equal(c.hostname, "after");
    assert_int_equal(c.timer_hz, 100);
}

/* Bytes that are not UTF-8 text never reach a setting (it would be printed
 * raw in the prompt), and the bad value is quoted escaped (item 14). */
static void test_host_load_not_utf8(void **state)
{
    (void)state;
    struct host_config c;
    assert_int_equal(load(&c, "host.name = \"h\xffst\"\n"), 1);
    expect_rep(0, 1, "host.name", "expected UTF-8 text, got 'h\\xffst'");
    assert_string_equal(c.hostname, "hv");
    assert_int_equal(load(&c, "timer.hz = \"9\xc2\x9b\"\nhost.name = \"caf\xc3\xa9\"\n"), 1);
    expect_rep(0, 1, "timer.hz", "expected a number from 10 to 1000, got '9\\xc2\\x9b'");
    assert_string_equal(c.hostname, "caf\xc3\xa9");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_edges_of_text),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_nul_bytes),
        cmocka_unit_test(test_parse_duplicates),
        cmocka_unit_test(test_parse_cap),
        cmocka_unit_test(test_parse_long_keys_and_values),
        cmocka_unit_test(test_parse_no_report_fn),
        cmocka_unit_test(test_schema_valid),
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_schema_numbers),
        cmocka_unit_test(test_schema_careless),
        cmocka_unit_test(test_host_defaults),
        cmocka_unit_test(test_host_schema_table),
        cmocka_unit_test(test_host_load_all_keys),
        cmocka_unit_test(test_host_load_errors),
        cmocka_unit_test(test_host_load_many_entries),
        cmocka_unit_test(test_host_load_thousands_of_bad_lines),
        cmocka_unit_test(test_host_load_not_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
