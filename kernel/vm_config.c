/* A VM's .vmx file: schema, defaults, the checks that span keys, and
 * guest.kernel path resolution. docs/vm-config.md describes the keys for
 * people; keep the two in step. */
#include "kernel/vm_config.h"
#include "kernel/vm_balloon.h"
#include "kernel/vm_console.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/text_escape.h"

#define MEMSIZE_MAX_MB 65536
#define SHARES_MAX 1000000
#define FOUR_GIB_MINUS_1 0xffffffffull
#define LOW_RAM_END 0xA0000ull
#define HIGH_RAM_START 0x100000ull

/* ESX's named share levels, per MiB of memsize. */
#define SHARES_LOW 5
#define SHARES_NORMAL 10
#define SHARES_HIGH 20

/* What the schema fills: the config itself plus the two keys whose stored
 * form is not the schema's (shares: a name or a number; unknownPort: an
 * enum kept as its name). */
struct vm_config_raw {
    struct vm_config c;
    char shares[CFG_TEXT_MAX];
    uint32_t unknown_port;
    uint32_t unknown_memory;
};

/* Indexed by the enums, so a parsed value is the enum itself. */
static const char *const guest_types[] = { "flat", "multiboot", "linux", NULL };
static const char *const cpu_modes[] = { "real", "prot32", NULL };
static const char *const port_policies[] = { "ignore", "stop", NULL };
static const char *const console_routes[] = { "all", "first", "none", NULL };
_Static_assert(VM_GUEST_FLAT == 0 && VM_GUEST_MULTIBOOT == 1 && VM_GUEST_LINUX == 2,
               "guest_types out of step");
_Static_assert(VM_CPU_REAL == 0 && VM_CPU_PROT32 == 1, "cpu_modes out of step");
_Static_assert(VM_CONSOLE_ALL == 0 && VM_CONSOLE_FIRST == 1 && VM_CONSOLE_NONE == 2,
               "console_routes out of step");

#define RAW(f) offsetof(struct vm_config_raw, f)
#define CFG(f) offsetof(struct vm_config_raw, c.f)
#define STRMAX(f) (sizeof(((struct vm_config_raw *)0)->f) - 1)

static const struct cfg_key vm_schema[] = {
    { "displayName", CFG_STRING, CFG(display_name), 0, STRMAX(c.display_name), NULL,
      "the VM's name: letters, digits, '_', '.', '-' (required)" },
    { "memsize", CFG_U64, CFG(memsize_mb), 1, MEMSIZE_MAX_MB, NULL,
      "guest RAM in MiB (required)" },
    { "numvcpus", CFG_U64, CFG(numvcpus), 1, 16, NULL, "virtual CPUs" },
    { "guest.kernel", CFG_STRING, CFG(kernel), 0, STRMAX(c.kernel), NULL,
      "guest image, relative to this file's directory or /absolute on the ESP (required)" },
    { "guest.type", CFG_ENUM, CFG(guest_type), 0, 0, guest_types, "image format" },
    { "guest.cmdline", CFG_STRING, CFG(cmdline), 0, STRMAX(c.cmdline), NULL,
      "command line passed to a multiboot or linux guest" },
    { "guest.initrd", CFG_STRING, CFG(initrd), 0, STRMAX(c.initrd), NULL,
      "linux: initial ramdisk, a path like guest.kernel's (default: none)" },
    { "guest.loadAddr", CFG_U64, CFG(load_addr), 0, FOUR_GIB_MINUS_1, NULL,
      "flat: guest-physical load address of the image" },
    { "guest.entry", CFG_U64, CFG(entry), 0, FOUR_GIB_MINUS_1, NULL,
      "flat: guest-physical entry point (default: loadAddr)" },
    { "guest.cpuMode", CFG_ENUM, CFG(cpu_mode), 0, 0, cpu_modes,
      "flat: start in real mode or 32-bit protected mode" },
    { "sched.mem.min", CFG_U64, CFG(mem_min_mb), 0, MEMSIZE_MAX_MB, NULL,
      "reservation in MiB: memory the VM is guaranteed" },
    { "sched.mem.max", CFG_U64, CFG(mem_max_mb), 1, MEMSIZE_MAX_MB, NULL,
      "limit in MiB: machine memory the VM may hold (default: memsize)" },
    { "sched.mem.shares", CFG_STRING, RAW(shares), 0, STRMAX(shares), NULL,
      "low, normal, high or a number: the VM's claim on memory beyond its reservation" },
    { "sched.mem.prealloc", CFG_BOOL, CFG(prealloc), 0, 0, NULL,
      "give the VM its whole reservation when it starts" },
    { "sched.mem.prealloc.mainMem", CFG_BOOL, CFG(prealloc_main), 0, 0, NULL,
      "preallocate all of guest RAM when the VM starts" },
    { "sched.mem.prealloc.pinnedMainMem", CFG_BOOL, CFG(prealloc_pinned), 0, 0, NULL,
      "preallocate and pin all of guest RAM (never reclaimed)" },
    { "sched.mem.maxmemctl", CFG_U64, CFG(maxmemctl_mb), 0, MEMSIZE_MAX_MB, NULL,
      "the most memory in MiB the balloon may take from the guest (0: none; default 65% "
      "of memsize)" },
    { "balloon.present", CFG_BOOL, CFG(balloon_present), 0, 0, NULL,
      "give the VM a virtio-mmio balloon device (default: TRUE for guest.type = linux)" },
    { "hpet0.present", CFG_BOOL, CFG(hpet_present), 0, 0, NULL,
      "give the VM a PC chipset's HPET (0xfed00000, ACPI table HPET; default: TRUE)" },
    { "monitor_control.restrict_backdoor", CFG_BOOL, CFG(restrict_backdoor), 0, 0, NULL,
      "answer VMware's backdoor (port 0x5658) from kernel mode only (default: FALSE, any "
      "privilege level, as ESX)" },
    { "monitor_control.pseudo_perfctr", CFG_BOOL, CFG(pseudo_perfctr), 0, 0, NULL,
      "RDPMC reads VMware's pseudo counters 0x10000-0x10002 (host TSC, real and apparent "
      "time) at any privilege level (default: FALSE)" },
    { "svga.present", CFG_BOOL, CFG(svga_present), 0, 0, NULL,
      "give the VM a display adapter's 128 KiB memory window at 0xA0000-0xBFFFF (the text "
      "screen at 0xB8000 among it), which the guest reads and writes as memory; its "
      "registers are not emulated; FALSE: nothing there, reads all ones (default: TRUE)" },
    { "testdev.present", CFG_BOOL, CFG(testdev_present), 0, 0, NULL,
      "give the VM QEMU's pc-testdev (ports 0xe0-0xeb, interrupt lines at 0x2000, 64 KiB at "
      "0xff000000), which kvm-unit-tests use (default: FALSE)" },
    { "monitor.unknownPort", CFG_ENUM, RAW(unknown_port), 0, 0, port_policies,
      "an access to an I/O port no device claims: ignore (reads all ones) or stop the VM" },
    { "monitor.unknownMemory", CFG_ENUM, RAW(unknown_memory), 0, 0, port_policies,
      "a read or write of guest-physical memory that is neither RAM nor a device: ignore "
      "(reads all ones, writes dropped) or stop the VM" },
    { GUESTINFO_PREFIX, CFG_FAMILY, 0, 0, CFG_VALUE_MAX - 1, NULL,
      "guestinfo.NAME: a variable software in the guest reads over VMware's GuestRPC "
      "(`info-get guestinfo.NAME`); `vm guestinfo` shows and sets them" },
    { "serial.toHostConsole", CFG_ENUM, CFG(to_host_console), 0, 0, console_routes,
      "the guest's serial lines on the host console: all, first (the first 10 and its "
      "end) or none; `vm console` has them all" },
};

void vm_config_defaults(struct vm_config *c)
{
    memset(c, 0, sizeof *c);
    c->numvcpus = 1;
    c->guest_type = VM_GUEST_MULTIBOOT;
    c->load_addr = HIGH_RAM_START;
    c->entry = HIGH_RAM_START;
    c->cpu_mode = VM_CPU_PROT32;
    c->mem_shares = 0; /* "normal": set by vm_config_load once memsize is known */
    str_copy(c->unknown_port, port_policies[0], sizeof c->unknown_port);
    str_copy(c->unknown_memory, port_policies[0], sizeof c->unknown_memory);
    c->to_host_console = VM_CONSOLE_FIRST;
    c->hpet_present = true;           /* every PC chipset since the ICH6 has one */
    c->svga_present = true;           /* every PC and every ESX VM has a display adapter */
}

/* The file's problems after the schema's: named by the key's line, or for
 * a missing key by the file's last line (where the key would go). */
struct checker {
    struct cfg_file *f;
    uint32_t problems;
    uint32_t last_line;
};

static void problem(struct checker *k, uint32_t line, const char *key, const char *fmt, ...)
    PRINTF_LIKE(4, 5);

static void problem(struct checker *k, uint32_t line, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cfg_vreport(k->f, line, key, fmt, ap);
    va_end(ap);
    k->problems++;
}

/* The entry's line, or 0 if the key is absent. */
static uint32_t line_of(const struct cfg_file *f, const char *key)
{
    const struct cfg_entry *e = cfg_find(f, key);
    return e ? e->line : 0;
}

/* A required key: present, and (when the schema took it) not empty. A key
 * whose line was bad is there: its problem was reported on its line. */
static bool require(struct checker *k, const char *key)
{
    const struct cfg_entry *e = cfg_mentioned(k->f, key);
    if (!e) {
        problem(k, k->last_line, key, "required key is missing");
        return false;
    }
    if (e->bad)
        return false;
    if (!e->value[0]) {
        problem(k, e->line, key, "must not be empty");
        return false;
    }
    return true;
}

/* sched.mem.shares: a level name, scaled by memsize, or a plain number. */
static void apply_shares(struct checker *k, struct vm_config_raw *r)
{
    static const struct { const char *name; uint64_t per_mb; } levels[] = {
        { "low", SHARES_LOW }, { "normal", SHARES_NORMAL }, { "high", SHARES_HIGH },
    };
    const struct cfg_entry *e = cfg_find(k->f, "sched.mem.shares");
    const char *v = e ? r->shares : "normal";
    for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
        if (str_casecmp(v, levels[i].name) == 0) {
            r->c.mem_shares = levels[i].per_mb * r->c.memsize_mb;
            return;
        }
    }
    uint64_t n;
    if (str_to_u64(v, &n) && n >= 1 && n <= SHARES_MAX) {
        r->c.mem_shares = n;
        return;
    }
    r->c.mem_shares = SHARES_NORMAL * r->c.memsize_mb;
    char shown[TEXT_QUOTE_MAX + 4];
    text_escape_cut(shown, sizeof shown, v, strlen(v));
    problem(k, e->line, e->key, "expected low, normal, high or a number from 1 to %u, got '%s'",
            SHARES_MAX, shown);
}

/* A flat guest's addresses. A problem with a value the file did not set
 * is reported on the line of the key that made it matter. */
static void check_flat_addr(struct checker *k, const struct vm_config *c, const char *key,
                            uint32_t line, uint64_t v)
{
    if (v >= LOW_RAM_END && v < HIGH_RAM_START)
        problem(k, line, key, "0x%llx is in the hole at [0xa0000, 0x100000)",
                (unsigned long long)v);
    else if (c->memsize_mb && v >= c->memsize_mb << 20)
        problem(k, line, key, "0x%llx is beyond memsize (%llu MiB)", (unsigned long long)v,
                (unsigned long long)c->memsize_mb);
}

static void check_flat(struct checker *k, const struct vm_config *c)
{
    uint32_t type_line = line_of(k->f, "guest.type"); /* set: flat is not the default */
    uint32_t la_line = line_of(k->f, "guest.loadAddr");
    uint32_t en_line = line_of(k->f, "guest.entry");

    check_flat_addr(k, c, la_line ? "guest.loadAddr" : "guest.type",
                    la_line ? la_line : type_line, c->load_addr);
    if (en_line) /* else it is loadAddr, just checked */
        check_flat_addr(k, c, "guest.entry", en_line, c->entry);
    if (c->cpu_mode == VM_CPU_REAL && c->entry >= HIGH_RAM_START)
        problem(k, en_line ? en_line : line_of(k->f, "guest.cpuMode"),
                en_line ? "guest.entry" : "guest.cpuMode",
                "real mode needs an entry below 1 MiB, not 0x%llx", (unsigned long long)c->entry);
    uint32_t line = line_of(k->f, "guest.cmdline");
    if (line)
        problem(k, line, "guest.cmdline", "only for guest.type = multiboot or linux");
}

/* guest.kernel and guest.initrd name files on the boot partition. */
static void check_path(struct checker *k, const char *file, const char *key, const char *value)
{
    char path[CFG_TEXT_MAX];
    if (!value[0] || !file || vm_config_resolve_path(file, value, path, sizeof path))
        return;
    const struct cfg_entry *e = cfg_find(k->f, key);
    problem(k, e->line, key, "path leaves the boot partition or is longer than %zu bytes",
            sizeof path - 1);
}

/* guestinfo.NAME lines (the schema checked their values) into the VM's
 * first variables, in the file's order. */
static void apply_guestinfo(struct checker *k, struct vm_config *v)
{
    guestinfo_init(&v->guestinfo);
    for (size_t i = 0; i < k->f->count; i++) {
        const struct cfg_entry *e = &k->f->entries[i];
        /* A key's characters are a name's, so this is the family's test. */
        if (e->bad || !guestinfo_name_valid(e->key, strlen(e->key)))
            continue;
        /* A valid name and a value of text: only room can be short. */
        if (guestinfo_set(&v->guestinfo, e->key, strlen(e->key), e->value,
                          strlen(e->value)) != GUESTINFO_OK)
            problem(k, e->line, e->key, "the guestinfo variables come to more than %u bytes",
                    GUESTINFO_BYTES);
    }
}

uint32_t vm_config_load(struct vm_config *c, const char *file, const char *text, size_t len,
                        cfg_report_fn report, void *ctx)
{
    /* Every key twice over and then some, and guestinfo variables; the
     * entries are ~2 KiB each, too many for a kernel stack, so they are
     * static like the host file's: VM files are loaded one at a time (boot,
     * or the shell's vm start). */
    static struct cfg_entry entries[72];
    static struct vm_config_raw raw;

    memset(&raw, 0, sizeof raw);
    vm_config_defaults(&raw.c);
    if (!text)
        len = 0;
    struct cfg_file f = {
        .name = file ? file : "vm config",
        .entries = entries,
        .count = 0,
        .cap = ARRAY_SIZE(entries),
        .errors = 0,
        .report = report,
        .report_ctx = ctx,
    };
    cfg_load(&f, text ? text : "", len, vm_schema, ARRAY_SIZE(vm_schema), &raw);

    struct checker k = { .f = &f, .problems = 0, .last_line = 1 };
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n' && i + 1 < len)
            k.last_line++;
    struct vm_config *v = &raw.c;

    /* Required keys; a bad value was reported by the schema already. */
    if (require(&k, "displayName") && v->display_name[0] &&
        !vm_name_valid(v->display_name, strlen(v->display_name), NULL)) {
        const struct cfg_entry *e = cfg_find(&f, "displayName");
        problem(&k, e->line, "displayName",
                "expected letters, digits, '_', '.' or '-', got '%s'", v->display_name);
    }
    require(&k, "memsize");
    if (require(&k, "guest.kernel"))
        check_path(&k, file, "guest.kernel", v->kernel);

    /* A refused guest.type is reported once; the keys of either type are
     * not then called wrong for it (the refused type stays the default,
     * multiboot, so only that branch below needs to know). */
    const struct cfg_entry *type = cfg_mentioned(&f, "guest.type");
    bool type_known = !(type && type->bad);

    /* Values that default to others. */
    if (!cfg_find(&f, "guest.entry"))
        v->entry = v->load_addr;
    const struct cfg_entry *max = cfg_find(&f, "sched.mem.max");
    if (max && v->mem_max_mb == 0)
        max = NULL; /* refused by the schema: reported, and the default applies */
    if (!max)
        v->mem_max_mb = v->memsize_mb;
    if (!cfg_find(&f, "sched.mem.maxmemctl"))
        v->maxmemctl_mb = v->memsize_mb * VM_BALLOON_DEFAULT_MAX_PCT / 100;
    if (!cfg_find(&f, "balloon.present"))
        v->balloon_present = v->guest_type == VM_GUEST_LINUX;
    const struct cfg_entry *mc = cfg_find(&f, "sched.mem.maxmemctl");
    if (mc && v->memsize_mb && v->maxmemctl_mb > v->memsize_mb)
        problem(&k, mc->line, mc->key, "%llu MiB is above memsize (%llu MiB)",
                (unsigned long long)v->maxmemctl_mb, (unsigned long long)v->memsize_mb);
    apply_shares(&k, &raw);
    apply_guestinfo(&k, v);
    str_copy(v->unknown_port, port_policies[raw.unknown_port], sizeof v->unknown_port);
    str_copy(v->unknown_memory, port_policies[raw.unknown_memory], sizeof v->unknown_memory);

    /* Memory: min <= memsize, min <= max. */
    const struct cfg_entry *min = cfg_find(&f, "sched.mem.min");
    if (min && v->memsize_mb && v->mem_min_mb > v->memsize_mb)
        problem(&k, min->line, min->key, "%llu MiB is above memsize (%llu MiB)",
                (unsigned long long)v->mem_min_mb, (unsigned long long)v->memsize_mb);
    if (max && v->mem_max_mb < v->mem_min_mb)
        problem(&k, max->line, max->key, "%llu MiB is below sched.mem.min (%llu MiB)",
                (unsigned long long)v->mem_max_mb, (unsigned long long)v->mem_min_mb);

    /* The schema takes what the format allows; the monitor runs fewer. */
    const struct cfg_entry *nv = cfg_find(&f, "numvcpus");
    if (nv && v->numvcpus > VM_VCPUS_SUPPORTED)
        problem(&k, nv->line, nv->key, "%llu virtual CPUs asked; this monitor runs at most %u per VM",
                (unsigned long long)v->numvcpus, VM_VCPUS_SUPPORTED);

    /* Keys that belong to another guest type. */
    const struct cfg_entry *rd = cfg_find(&f, "guest.initrd");
    if (rd && v->guest_type != VM_GUEST_LINUX && v->guest_type != VM_GUEST_MULTIBOOT)
        problem(&k, rd->line, rd->key, "only for guest.type = linux or multiboot");
    else if (rd)
        check_path(&k, file, "guest.initrd", v->initrd);
    if (v->guest_type == VM_GUEST_FLAT) {
        check_flat(&k, v);
    } else if (type_known) {
        static const char *const flat_only[] = { "guest.loadAddr", "guest.entry",
                                                 "guest.cpuMode" };
        for (size_t i = 0; i < ARRAY_SIZE(flat_only); i++) {
            const struct cfg_entry *e = cfg_find(&f, flat_only[i]);
            if (e)
                problem(&k, e->line, e->key, "only for guest.type = flat");
        }
    }

    *c = *v;
    return f.errors;
}

/* Appends path component [s, s+n) to out (length *len), or pops one for
 * "..". False when ".." would leave the root or the result would not fit. */
static bool push_component(char *out, size_t size, size_t *len, const char *s, size_t n)
{
    if (n == 0 || (n == 1 && s[0] == '.'))
        return true;
    if (n == 2 && s[0] == '.' && s[1] == '.') {
        if (*len == 0)
            return false;
        while (*len > 0 && out[*len - 1] != '/')
            (*len)--;
        if (*len > 0)
            (*len)--; /* the separator */
        out[*len] = '\0';
        return true;
    }
    size_t need = *len + (*len ? 1 : 0) + n;
    if (need >= size)
        return false;
    if (*len)
        out[(*len)++] = '/';
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
    return true;
}

static bool push_path(char *out, size_t size, size_t *len, const char *p, size_t plen)
{
    size_t i = 0;
    while (i < plen) {
        size_t j = i;
        while (j < plen && p[j] != '/')
            j++;
        if (!push_component(out, size, len, p + i, j - i))
            return false;
        i = j + 1;
    }
    return true;
}

bool vm_config_resolve_path(const char *vmx_path, const char *value, char *out, size_t size)
{
    size_t len = 0;
    if (!out || size == 0)
        return false;
    out[0] = '\0';
    if (!value || !value[0])
        return false;
    if (value[0] != '/' && vmx_path) {
        /* The .vmx file's directory: everything before its last '/'. */
        const char *slash = NULL;
        for (const char *s = vmx_path; *s; s++)
            if (*s == '/')
                slash = s;
        if (slash && !push_path(out, size, &len, vmx_path, (size_t)(slash - vmx_path)))
            goto fail;
    }
    if (!push_path(out, size, &len, value, strlen(value)) || len == 0)
        goto fail;
    return true;
fail:
    out[0] = '\0';
    return false;
}
