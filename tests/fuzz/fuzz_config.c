/*
 * libFuzzer target: the configuration parser and schema on arbitrary bytes.
 * Beyond the sanitizers' checks it asserts the contract: every report names
 * a file, a line within the input and a terminated key and message; every
 * stored entry is a valid key with a terminated value; host fields stay in
 * their ranges whatever the input. The same bytes also go through the VM
 * file loader (.vmx), whose values decide how much memory a VM gets, and
 * whose guestinfo.NAME lines must come out as valid names with clean values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/host_config.h"
#include "kernel/vm_config.h"
#include "lib/text_escape.h"

/* Reports made for `problems` problems: one each for the first
 * CFG_REPORTS_SHOWN, then one saying the rest are counted. */
static uint32_t shown(uint32_t problems)
{
    return problems > CFG_REPORTS_SHOWN ? CFG_REPORTS_SHOWN + 1 : problems;
}

static uint32_t max_line;
static uint32_t reports;

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void on_report(void *ctx, const char *file, uint32_t line, const char *key,
                      const char *msg)
{
    (void)ctx;
    CHECK(file && key && msg);
    CHECK(line >= 1 && line <= max_line);
    CHECK(strnlen(key, CFG_KEY_MAX) < CFG_KEY_MAX);
    CHECK(strnlen(msg, CFG_MSG_MAX) < CFG_MSG_MAX && msg[0]);
    reports++;
}

static bool key_ok(const char *k)
{
    if (!*k)
        return false;
    for (; *k; k++) {
        char c = *k;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-'))
            return false;
    }
    return true;
}

/* A ".." component anywhere (a name such as "..eg" is no parent reference). */
static bool has_parent_component(const char *path)
{
    for (const char *c = path; *c;) {
        const char *end = strchr(c, '/');
        size_t len = end ? (size_t)(end - c) : strlen(c);
        if (len == 2 && c[0] == '.' && c[1] == '.')
            return true;
        if (!end)
            break;
        c = end + 1;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so ASan catches any read past `size`. */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    max_line = 1;
    for (size_t i = 0; i < size; i++)
        if (text[i] == '\n')
            max_line++;

    /* The raw parser with a small cap, to reach the overflow path. */
    struct cfg_entry ents[4];
    struct cfg_file f = { .name = "fuzz.cfg", .entries = ents, .cap = 4,
                          .report = on_report };
    reports = 0;
    cfg_parse(&f, text, size);
    CHECK(f.count <= f.cap && shown(f.errors) == reports);
    for (size_t i = 0; i < f.count; i++) {
        CHECK(strnlen(ents[i].key, CFG_KEY_MAX) < CFG_KEY_MAX && key_ok(ents[i].key));
        CHECK(strnlen(ents[i].value, CFG_VALUE_MAX) < CFG_VALUE_MAX);
        CHECK(ents[i].line >= 1 && ents[i].line <= max_line);
        CHECK(cfg_find(&f, ents[i].key) == &ents[i]); /* no duplicate keys */
    }
    struct host_config hc;
    uint32_t before = f.errors;
    uint32_t n = cfg_apply(&f, host_config_schema, host_config_schema_len, &hc);
    CHECK(f.errors == before + n && reports == shown(f.errors));

    /* The host loader end to end. */
    reports = 0;
    n = host_config_load(&hc, NULL, text, size, on_report, NULL);
    CHECK(shown(n) == reports);
    CHECK(hc.log_level <= 3);
    CHECK(hc.minfree_pct <= 50);
    CHECK(hc.balance_period_s >= 1 && hc.balance_period_s <= 3600);
    CHECK(hc.timer_hz >= 10 && hc.timer_hz <= 1000);
    CHECK(strnlen(hc.autostart, sizeof hc.autostart) < sizeof hc.autostart);
    CHECK(strnlen(hc.hostname, sizeof hc.hostname) < sizeof hc.hostname);
    /* text settings are printed as they are: never a control or non-UTF-8 byte */
    CHECK(text_is_clean(hc.hostname, strlen(hc.hostname)));
    CHECK(text_is_clean(hc.autostart, strlen(hc.autostart)));
    CHECK(strnlen(hc.swap_device, sizeof hc.swap_device) < sizeof hc.swap_device);
    CHECK(hc.swap_size_mb <= (1ULL << 24)); /* pages = MiB * 256 cannot overflow */

    /* The VM file loader end to end: a file it accepts has sane values. */
    struct vm_config vc;
    vm_config_defaults(&vc);
    reports = 0;
    n = vm_config_load(&vc, "fuzz.vmx", text, size, on_report, NULL);
    CHECK(shown(n) == reports);
    if (n == 0) {
        CHECK(vc.display_name[0] && vc.kernel[0]);
        CHECK(text_is_clean(vc.kernel, strlen(vc.kernel)));
        CHECK(text_is_clean(vc.cmdline, strlen(vc.cmdline)));
        CHECK(vc.memsize_mb >= 1 && vc.memsize_mb <= 65536);
        CHECK(vc.numvcpus >= 1 && vc.numvcpus <= 16);
        CHECK(vc.mem_min_mb <= vc.memsize_mb && vc.mem_max_mb >= vc.mem_min_mb);
        char path[256];
        if (vm_config_resolve_path("hv/vms/fuzz.vmx", vc.kernel, path, sizeof path))
            CHECK(!has_parent_component(path) && path[0] != '/');
        CHECK(vc.guest_type == VM_GUEST_LINUX || vc.initrd[0] == '\0');
        if (vc.initrd[0])
            CHECK(vm_config_resolve_path("fuzz.vmx", vc.initrd, path, sizeof path));
        /* guestinfo.NAME lines: valid names, clean values, within the arena. */
        uint32_t cur = 0, vars = 0;
        const char *name, *value;
        size_t nlen, vlen;
        CHECK(vc.guestinfo.used <= GUESTINFO_BYTES);
        while (guestinfo_next(&vc.guestinfo, &cur, &name, &nlen, &value, &vlen)) {
            CHECK(guestinfo_name_valid(name, nlen));
            CHECK(text_is_clean(value, vlen));
            vars++;
        }
        CHECK(vars == vc.guestinfo.count);
    }
    free(text);
    return 0;
}
