/* kernel/vm_config.c: every key and its default, required keys, values the
 * schema refuses, the checks across keys (memory, flat addresses, keys of
 * the other guest type), with file, line, key and exact message; and
 * guest.kernel path resolution ("./", "../", absolute, escapes, overflow). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/vm_config.h"
#include "kernel/vm_console.h"

struct rep {
    char file[64];
    uint32_t line;
    char key[CFG_KEY_MAX];
    char msg[CFG_MSG_MAX];
};
static struct rep reps[64];
static size_t nreps;

static void on_report(void *ctx, const char *file, uint32_t line, const char *key,
                      const char *msg)
{
    assert_ptr_equal(ctx, reps);
    assert_true(strlen(msg) > 0 && strlen(msg) < CFG_MSG_MAX);
    assert_true(line >= 1);
    if (nreps < sizeof reps / sizeof reps[0]) {
        struct rep *r = &reps[nreps];
        snprintf(r->file, sizeof r->file, "%s", file);
        r->line = line;
        snprintf(r->key, sizeof r->key, "%s", key);
        snprintf(r->msg, sizeof r->msg, "%s", msg);
    }
    nreps++;
}

static struct vm_config cfg;

static uint32_t load(const char *text)
{
    nreps = 0;
    memset(&cfg, 0xa5, sizeof cfg); /* garbage: load must set every field */
    uint32_t n = vm_config_load(&cfg, "hv/vms/t.vmx", text, strlen(text), on_report, reps);
    assert_int_equal(n, nreps);
    return n;
}

static void expect_rep(size_t i, uint32_t line, const char *key, const char *msg)
{
    assert_true(i < nreps);
    assert_string_equal(reps[i].file, "hv/vms/t.vmx");
    assert_int_equal(reps[i].line, line);
    assert_string_equal(reps[i].key, key);
    assert_string_equal(reps[i].msg, msg);
}

/* One problem, exactly. */
static void expect_one(const char *text, uint32_t line, const char *key, const char *msg)
{
    uint32_t n = load(text);
    if (n != 1)
        fail_msg("%u problems, not 1, for: %s", n, text);
    expect_rep(0, line, key, msg);
}

#define REQ "displayName = \"vm1\"\nmemsize = \"64\"\nguest.kernel = \"k.bin\"\n"

/* ---- keys and defaults ------------------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(load(REQ), 0);
    assert_string_equal(cfg.display_name, "vm1");
    assert_int_equal(cfg.memsize_mb, 64);
    assert_string_equal(cfg.kernel, "k.bin");
    assert_int_equal(cfg.numvcpus, 1);
    assert_int_equal(cfg.guest_type, VM_GUEST_MULTIBOOT);
    assert_string_equal(cfg.cmdline, "");
    assert_int_equal(cfg.load_addr, 0x100000);
    assert_int_equal(cfg.entry, 0x100000);
    assert_int_equal(cfg.cpu_mode, VM_CPU_PROT32);
    assert_int_equal(cfg.mem_min_mb, 0);
    assert_int_equal(cfg.mem_max_mb, 64);
    assert_int_equal(cfg.mem_shares, 640); /* normal: 10 per MiB */
    assert_false(cfg.prealloc);
    assert_false(cfg.prealloc_main);
    assert_false(cfg.prealloc_pinned);
    assert_string_equal(cfg.unknown_port, "ignore");
    assert_string_equal(cfg.unknown_memory, "ignore");
    assert_false(cfg.testdev_present);
    assert_true(cfg.svga_present);         /* a display adapter, as every PC has */
    assert_int_equal(cfg.to_host_console, VM_CONSOLE_FIRST);

    struct vm_config d;
    memset(&d, 0xa5, sizeof d);
    vm_config_defaults(&d);
    assert_int_equal(d.numvcpus, 1);
    assert_int_equal(d.guest_type, VM_GUEST_MULTIBOOT);
    assert_int_equal(d.cpu_mode, VM_CPU_PROT32);
    assert_int_equal(d.load_addr, 0x100000);
    assert_string_equal(d.unknown_port, "ignore");
    assert_string_equal(d.unknown_memory, "ignore");
    assert_int_equal(d.to_host_console, VM_CONSOLE_FIRST);
    assert_string_equal(d.display_name, "");
}

static void test_all_multiboot_keys(void **state)
{
    (void)state;
    assert_int_equal(load("# every key of a multiboot VM\n"
                          "displayName = \"web-01.prod_a\"\n"
                          "MEMSIZE = \"0x100\"\n"
                          "numvcpus = \"1\"\n"
                          "guest.kernel = \"../guests/memtouch.bin\"\n"
                          "guest.type = \"Multiboot\"\n"
                          "guest.cmdline = \"touch=4 sweeps=3\"\n"
                          "sched.mem.min = \"128\"\n"
                          "sched.mem.max = \"200\"\n"
                          "sched.mem.shares = \"high\"\n"
                          "sched.mem.prealloc = \"true\"\n"
                          "sched.mem.prealloc.mainMem = \"yes\"\n"
                          "sched.mem.prealloc.pinnedMainMem = \"on\"\n"
                          "monitor.unknownPort = \"STOP\"\n"
                          "Monitor.UnknownMemory = \"Stop\"\n"
                          "testdev.present = \"TRUE\"\n"
                          "svga.present = \"FALSE\"\n"),
                     0);
    assert_string_equal(cfg.display_name, "web-01.prod_a");
    assert_int_equal(cfg.memsize_mb, 256);
    assert_int_equal(cfg.numvcpus, 1);
    assert_string_equal(cfg.kernel, "../guests/memtouch.bin");
    assert_int_equal(cfg.guest_type, VM_GUEST_MULTIBOOT);
    assert_string_equal(cfg.cmdline, "touch=4 sweeps=3");
    assert_int_equal(cfg.mem_min_mb, 128);
    assert_int_equal(cfg.mem_max_mb, 200);
    assert_int_equal(cfg.mem_shares, 20 * 256);
    assert_true(cfg.prealloc);
    assert_true(cfg.prealloc_main);
    assert_true(cfg.prealloc_pinned);
    assert_string_equal(cfg.unknown_port, "stop");
    assert_string_equal(cfg.unknown_memory, "stop");
    assert_true(cfg.testdev_present);
    assert_false(cfg.svga_present);
}

/* serial.toHostConsole: each word, any case, the enum kernel/vm_console.c
 * routes by. */
static void test_serial_to_host_console(void **state)
{
    (void)state;
    assert_int_equal(load(REQ "serial.toHostConsole = \"all\"\n"), 0);
    assert_int_equal(cfg.to_host_console, VM_CONSOLE_ALL);
    assert_int_equal(load(REQ "serial.toHostConsole = \"None\"\n"), 0);
    assert_int_equal(cfg.to_host_console, VM_CONSOLE_NONE);
    assert_int_equal(load(REQ "serial.toHostConsole = \"first\"\n"), 0);
    assert_int_equal(cfg.to_host_console, VM_CONSOLE_FIRST);
}

static void test_shares(void **state)
{
    (void)state;
    assert_int_equal(load(REQ "sched.mem.shares = \"low\"\n"), 0);
    assert_int_equal(cfg.mem_shares, 5 * 64);
    assert_int_equal(load(REQ "sched.mem.shares = \"NORMAL\"\n"), 0);
    assert_int_equal(cfg.mem_shares, 10 * 64);
    assert_int_equal(load(REQ "sched.mem.shares = \"high\"\n"), 0);
    assert_int_equal(cfg.mem_shares, 20 * 64);
    assert_int_equal(load(REQ "sched.mem.shares = \"1\"\n"), 0);
    assert_int_equal(cfg.mem_shares, 1);
    assert_int_equal(load(REQ "sched.mem.shares = \"1000000\"\n"), 0);
    assert_int_equal(cfg.mem_shares, 1000000);
    expect_one(REQ "sched.mem.shares = \"medium\"\n", 4, "sched.mem.shares",
               "expected low, normal, high or a number from 1 to 1000000, got 'medium'");
    assert_int_equal(cfg.mem_shares, 640); /* the default stays */
    expect_one(REQ "sched.mem.shares = \"0\"\n", 4, "sched.mem.shares",
               "expected low, normal, high or a number from 1 to 1000000, got '0'");
    expect_one(REQ "sched.mem.shares = \"1000001\"\n", 4, "sched.mem.shares",
               "expected low, normal, high or a number from 1 to 1000000, got '1000001'");
    expect_one(REQ "sched.mem.shares = \"\"\n", 4, "sched.mem.shares",
               "expected low, normal, high or a number from 1 to 1000000, got ''");
    expect_one(REQ "sched.mem.shares = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n", 4,
               "sched.mem.shares",
               "expected low, normal, high or a number from 1 to 1000000, got "
               "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
}

static void test_flat_keys(void **state)
{
    (void)state;
    assert_int_equal(load(REQ "guest.type = \"flat\"\n"
                              "guest.loadAddr = \"0x7c00\"\n"
                              "guest.cpuMode = \"real\"\n"),
                     0);
    assert_int_equal(cfg.guest_type, VM_GUEST_FLAT);
    assert_int_equal(cfg.load_addr, 0x7c00);
    assert_int_equal(cfg.entry, 0x7c00); /* defaults to loadAddr */
    assert_int_equal(cfg.cpu_mode, VM_CPU_REAL);

    assert_int_equal(load(REQ "guest.type = \"flat\"\n"
                              "guest.loadAddr = \"2M\"\n"
                              "guest.entry = \"0x200010\"\n"
                              "guest.cpuMode = \"prot32\"\n"),
                     0);
    assert_int_equal(cfg.load_addr, 0x200000);
    assert_int_equal(cfg.entry, 0x200010);
    assert_int_equal(cfg.cpu_mode, VM_CPU_PROT32);

    /* Flat with every default: loads at 1 MiB, protected mode. */
    assert_int_equal(load(REQ "guest.type = \"flat\"\n"), 0);
    assert_int_equal(cfg.load_addr, 0x100000);
    assert_int_equal(cfg.entry, 0x100000);
}

/* ---- required keys and bad values -------------------------------------------- */

static void test_required(void **state)
{
    (void)state;
    assert_int_equal(load(""), 3);
    expect_rep(0, 1, "displayName", "required key is missing");
    expect_rep(1, 1, "memsize", "required key is missing");
    expect_rep(2, 1, "guest.kernel", "required key is missing");

    /* Reported at the last line, where the key would go. */
    expect_one("# a VM\n"
               "displayName = \"a\"\n"
               "\n"
               "guest.kernel = \"k\"\n"
               "numvcpus = 1\n",
               5, "memsize", "required key is missing");
    expect_one("displayName = \"a\"\nguest.kernel = \"k\"", 2, "memsize",
               "required key is missing");

    expect_one("displayName = \"\"\nmemsize = 4\nguest.kernel = \"k\"\n", 1, "displayName",
               "must not be empty");
    expect_one("displayName = \"a\"\nmemsize = 4\nguest.kernel = \"\"\n", 3, "guest.kernel",
               "must not be empty");

    /* No text at all: as an empty file. */
    nreps = 0;
    assert_int_equal(vm_config_load(&cfg, NULL, NULL, 10, on_report, reps), 3);
    assert_string_equal(reps[0].file, "vm config");
    /* No report callback: the count is still right. */
    assert_int_equal(vm_config_load(&cfg, "x.vmx", "", 0, NULL, NULL), 3);
}

static void test_bad_values(void **state)
{
    (void)state;
    expect_one("displayName = \"my vm\"\nmemsize = 4\nguest.kernel = k\n", 1, "displayName",
               "expected letters, digits, '_', '.' or '-', got 'my vm'");
    expect_one("displayName = \"a/b\"\nmemsize = 4\nguest.kernel = k\n", 1, "displayName",
               "expected letters, digits, '_', '.' or '-', got 'a/b'");
    assert_int_equal(load("displayName = \"0123456789012345678901234567890\"\nmemsize = 4\n"
                          "guest.kernel = k\n"), 0);
    assert_string_equal(cfg.display_name, "0123456789012345678901234567890");
    expect_one("displayName = \"0123456789012345678901234567890x\"\nmemsize = 4\n"
               "guest.kernel = k\n", 1, "displayName", "expected at most 31 bytes, got 32");
    assert_string_equal(cfg.display_name, "");

    expect_one("displayName = a\nmemsize = 0\nguest.kernel = k\n", 2, "memsize",
               "expected a number from 1 to 65536, got '0'");
    expect_one("displayName = a\nmemsize = 65537\nguest.kernel = k\n", 2, "memsize",
               "expected a number from 1 to 65536, got '65537'");
    /* Suffixes scale the number of MiB: "64M" would be 64 TiB, "1K" is 1 GiB. */
    expect_one("displayName = a\nmemsize = 64M\nguest.kernel = k\n", 2, "memsize",
               "expected a number from 1 to 65536, got '64M'");
    assert_int_equal(load("displayName = a\nmemsize = 1K\nguest.kernel = k\n"), 0);
    assert_int_equal(cfg.memsize_mb, 1024);
    expect_one(REQ "numvcpus = 0\n", 4, "numvcpus", "expected a number from 1 to 16, got '0'");
    expect_one(REQ "numvcpus = 17\n", 4, "numvcpus", "expected a number from 1 to 16, got '17'");
    /* Within the format but beyond the monitor: refused, not run with one. */
    expect_one(REQ "numvcpus = 5\n", 4, "numvcpus",
               "5 virtual CPUs asked; this monitor runs at most 4 per VM");
    assert_int_equal(load(REQ "numvcpus = 4\n"), 0);
    assert_int_equal(cfg.numvcpus, 4);
    expect_one(REQ "guest.type = elf\n", 4, "guest.type", "expected flat, multiboot or linux, got 'elf'");
    expect_one(REQ "guest.type = flat\nguest.cpuMode = long\n", 5, "guest.cpuMode",
               "expected real or prot32, got 'long'");
    expect_one(REQ "guest.type = flat\nguest.loadAddr = 0x100000000\n", 5, "guest.loadAddr",
               "expected a number from 0 to 4294967295, got '0x100000000'");
    expect_one(REQ "guest.type = flat\nguest.entry = -1\n", 5, "guest.entry",
               "expected a number from 0 to 4294967295, got '-1'");
    expect_one(REQ "sched.mem.min = 65537\n", 4, "sched.mem.min",
               "expected a number from 0 to 65536, got '65537'");
    expect_one(REQ "sched.mem.prealloc = maybe\n", 4, "sched.mem.prealloc",
               "expected true or false, got 'maybe'");
    expect_one(REQ "sched.mem.prealloc.mainMem = 2\n", 4, "sched.mem.prealloc.mainMem",
               "expected true or false, got '2'");
    expect_one(REQ "sched.mem.prealloc.pinnedMainMem = x\n", 4,
               "sched.mem.prealloc.pinnedMainMem", "expected true or false, got 'x'");
    expect_one(REQ "monitor.unknownPort = crash\n", 4, "monitor.unknownPort",
               "expected ignore or stop, got 'crash'");
    assert_string_equal(cfg.unknown_port, "ignore");
    expect_one(REQ "monitor.unknownMemory = allones\n", 4, "monitor.unknownMemory",
               "expected ignore or stop, got 'allones'");
    assert_string_equal(cfg.unknown_memory, "ignore");
    expect_one(REQ "serial.toHostConsole = some\n", 4, "serial.toHostConsole",
               "expected all, first or none, got 'some'");
    assert_int_equal(cfg.to_host_console, VM_CONSOLE_FIRST);
    /* guest.cmdline: as long as Linux takes on x86 (2047 bytes and its
     * NUL); before, 255 */
    static char text[4096], want[2048];
    memset(want, 'a', 2047);
    want[2047] = '\0';
    snprintf(text, sizeof text, REQ "guest.type = linux\nguest.cmdline = \"%s\"\n", want);
    assert_int_equal(load(text), 0);
    assert_string_equal(cfg.cmdline, want);
    snprintf(text, sizeof text, REQ "guest.cmdline = \"%sa\"\n", want);
    expect_one(text, 4, "guest.cmdline", "value too long (more than 2047 bytes)");
    /* paths stay at 255 bytes */
    want[256] = '\0';
    snprintf(text, sizeof text, "displayName = vm1\nmemsize = 64\nguest.kernel = \"%s\"\n", want);
    expect_one(text, 3, "guest.kernel", "expected at most 255 bytes, got 256");
    expect_one(REQ "guest.kernal = k\n", 4, "guest.kernal", "unknown key");
    /* A repeated key: reported, and the later line wins. */
    expect_one(REQ "memsize = 128\n", 4, "memsize",
               "duplicate key, also set on line 2; this line wins");
    assert_int_equal(cfg.memsize_mb, 128);
}

/* ---- checks across keys ------------------------------------------------------- */

static void test_memory_checks(void **state)
{
    (void)state;
    assert_int_equal(load(REQ "sched.mem.min = \"64\"\nsched.mem.max = \"64\"\n"), 0);
    expect_one(REQ "sched.mem.min = \"65\"\n", 4, "sched.mem.min",
               "65 MiB is above memsize (64 MiB)");
    expect_one(REQ "sched.mem.min = \"32\"\nsched.mem.max = \"31\"\n", 5, "sched.mem.max",
               "31 MiB is below sched.mem.min (32 MiB)");
    assert_int_equal(load(REQ "sched.mem.min = \"100\"\nsched.mem.max = \"50\"\n"), 2);
    expect_rep(0, 4, "sched.mem.min", "100 MiB is above memsize (64 MiB)");
    expect_rep(1, 5, "sched.mem.max", "50 MiB is below sched.mem.min (100 MiB)");
    /* A limit above memsize is allowed (it just never binds). */
    assert_int_equal(load(REQ "sched.mem.max = \"1024\"\n"), 0);
    assert_int_equal(cfg.mem_max_mb, 1024);
    /* A refused limit is reported once, and the default applies. */
    expect_one(REQ "sched.mem.min = \"32\"\nsched.mem.max = \"0\"\n", 5, "sched.mem.max",
               "expected a number from 1 to 65536, got '0'");
    assert_int_equal(cfg.mem_max_mb, 64);
    /* memsize missing: no comparisons against it. */
    expect_one("displayName = a\nguest.kernel = k\nsched.mem.min = 8\n", 3, "memsize",
               "required key is missing");
}

/* A required key on a bad line gets that line's message only, not a second
 * "required key is missing" that sends the reader looking for a missing
 * line (issue #11, item 14). */
static void test_required_on_a_bad_line(void **state)
{
    (void)state;
    expect_one("displayName = \"a\x01\" \"b\"\nmemsize = 4\nguest.kernel = \"k\"\n", 1,
               "displayName", "byte 0x01 in the value");
    expect_one("displayName = a\nmemsize = \"4\nguest.kernel = \"k\"\n", 2, "memsize",
               "unterminated quote");
    expect_one("displayName = a\nmemsize = 4\nguest.kernel = \"k\xff\"\n", 3, "guest.kernel",
               "expected UTF-8 text, got 'k\\xff'");
    /* a value the schema refuses is reported once; checks that depend on it
     * do not add a second message about its default */
    expect_one(REQ "guest.type = \"flatt\"\nguest.loadAddr = \"0x200000\"\n", 4, "guest.type",
               "expected flat, multiboot or linux, got 'flatt'");
    expect_one(REQ "sched.mem.shares = \"hi\xffgh\"\n", 4, "sched.mem.shares",
               "expected UTF-8 text, got 'hi\\xffgh'");
    /* an earlier good line still counts when a later one for the key is bad */
    expect_one(REQ "memsize = \"8\n", 4, "memsize", "unterminated quote");
    assert_int_equal(cfg.memsize_mb, 64);
}

static void test_flat_checks(void **state)
{
    (void)state;
    expect_one(REQ "guest.type = flat\nguest.loadAddr = 0xa0000\n", 5, "guest.loadAddr",
               "0xa0000 is in the hole at [0xa0000, 0x100000)");
    expect_one(REQ "guest.type = flat\nguest.loadAddr = 0xfffff\n", 5, "guest.loadAddr",
               "0xfffff is in the hole at [0xa0000, 0x100000)");
    expect_one(REQ "guest.type = flat\nguest.loadAddr = 64M\n", 5, "guest.loadAddr",
               "0x4000000 is beyond memsize (64 MiB)");
    assert_int_equal(load(REQ "guest.type = flat\nguest.loadAddr = 0x3ffffff\n"), 0);
    expect_one(REQ "guest.type = flat\nguest.entry = 0xb8000\n", 5, "guest.entry",
               "0xb8000 is in the hole at [0xa0000, 0x100000)");
    expect_one(REQ "guest.type = flat\nguest.entry = 0x4000000\n", 5, "guest.entry",
               "0x4000000 is beyond memsize (64 MiB)");
    /* Real mode: the entry must be below 1 MiB, whoever set it. */
    expect_one(REQ "guest.type = flat\nguest.cpuMode = real\n", 5, "guest.cpuMode",
               "real mode needs an entry below 1 MiB, not 0x100000");
    expect_one(REQ "guest.type = flat\nguest.cpuMode = real\nguest.loadAddr = 0x1000\n"
                   "guest.entry = 0x100000\n",
               7, "guest.entry", "real mode needs an entry below 1 MiB, not 0x100000");
    expect_one(REQ "guest.type = flat\nguest.cmdline = \"x\"\n", 5, "guest.cmdline",
               "only for guest.type = multiboot or linux");
    expect_one("displayName = a\nmemsize = 1\nguest.kernel = k\nguest.type = flat\n", 4,
               "guest.type", "0x100000 is beyond memsize (1 MiB)");

    /* Flat-only keys on a multiboot guest, each on its line. */
    assert_int_equal(load(REQ "guest.loadAddr = 0x1000\nguest.entry = 0x1000\n"
                              "guest.cpuMode = real\n"),
                     3);
    expect_rep(0, 4, "guest.loadAddr", "only for guest.type = flat");
    expect_rep(1, 5, "guest.entry", "only for guest.type = flat");
    expect_rep(2, 6, "guest.cpuMode", "only for guest.type = flat");
}

/* The balloon: present by default on linux guests only; maxmemctl 65% of
 * memsize by default, at most memsize, 0 allowed (no ballooning). */
static void test_balloon_keys(void **state)
{
    (void)state;
    assert_int_equal(load(REQ), 0);
    assert_false(cfg.balloon_present);
    assert_int_equal(cfg.maxmemctl_mb, 41);
    assert_int_equal(load(REQ "guest.type = linux\n"), 0);
    assert_true(cfg.balloon_present);
    assert_int_equal(load(REQ "guest.type = linux\nballoon.present = FALSE\n"), 0);
    assert_false(cfg.balloon_present);
    assert_int_equal(load(REQ "balloon.present = \"TRUE\"\nsched.mem.maxmemctl = 0\n"), 0);
    assert_true(cfg.balloon_present);
    assert_int_equal(cfg.maxmemctl_mb, 0);
    assert_int_equal(load(REQ "sched.mem.maxmemctl = 64\n"), 0);
    assert_int_equal(cfg.maxmemctl_mb, 64);
    expect_one(REQ "sched.mem.maxmemctl = 65\n", 4, "sched.mem.maxmemctl",
               "65 MiB is above memsize (64 MiB)");
    expect_one(REQ "guest.type = linux\nballoon.present = maybe\n", 5, "balloon.present",
               "expected true or false, got 'maybe'");
    assert_true(cfg.balloon_present);   /* the refused value leaves the default */
}

/* guestinfo.NAME lines: any name after the prefix, in the file's order, a
 * value of clean text; the prefix alone is an unknown key; more than the
 * variables' room is refused on the line that overflows. */
static void test_guestinfo_keys(void **state)
{
    (void)state;
    const char *v;
    size_t len;
    assert_int_equal(load(REQ), 0);
    assert_int_equal(cfg.guestinfo.count, 0);
    assert_int_equal(load(REQ "guestinfo.greeting = \"hello from the host\"\n"
                              "GuestInfo.Empty = \"\"\nguestinfo.a.b-c_d:e = 1\n"), 0);
    assert_int_equal(cfg.guestinfo.count, 3);
    assert_true(guestinfo_get(&cfg.guestinfo, "guestinfo.greeting", 18, &v, &len));
    assert_int_equal(len, 19);
    assert_memory_equal(v, "hello from the host", 19);
    assert_true(guestinfo_get(&cfg.guestinfo, "guestinfo.empty", 15, &v, &len));
    assert_int_equal(len, 0);
    assert_true(guestinfo_get(&cfg.guestinfo, "guestinfo.a.b-c_d:e", 19, &v, &len));
    expect_one(REQ "guestinfo. = 1\n", 4, "guestinfo.", "unknown key");
    expect_one(REQ "guestinfo.bell = \"a\001b\"\n", 4, "guestinfo.bell",
               "byte 0x01 in the value");
    /* 2,000-byte values: the eighth does not fit in 16 KiB. */
    static char text[24000];
    size_t n = (size_t)snprintf(text, sizeof text, "%s", REQ);
    for (int i = 0; i < 9; i++) {
        n += (size_t)snprintf(text + n, sizeof text - n, "guestinfo.v%d = \"", i);
        memset(text + n, 'a' + i, 2000);
        n += 2000;
        n += (size_t)snprintf(text + n, sizeof text - n, "\"\n");
    }
    assert_int_equal(load(text), 1);
    expect_rep(0, 12, "guestinfo.v8", "the guestinfo variables come to more than 16384 bytes");
    assert_int_equal(cfg.guestinfo.count, 8);
}

static void test_linux_keys(void **state)
{
    (void)state;
    assert_int_equal(load("displayName = deb\nmemsize = 96\nguest.type = LINUX\n"
                          "guest.kernel = \"../guests/vmlinuz\"\n"
                          "guest.initrd = \"../guests/initramfs.gz\"\n"
                          "guest.cmdline = \"console=ttyS0 hvlinux.rounds=3\"\n"),
                     0);
    assert_int_equal(cfg.guest_type, VM_GUEST_LINUX);
    assert_string_equal(cfg.initrd, "../guests/initramfs.gz");
    assert_string_equal(cfg.cmdline, "console=ttyS0 hvlinux.rounds=3");
    /* No initrd is the default; an empty one is none too. */
    assert_int_equal(load(REQ "guest.type = linux\n"), 0);
    assert_string_equal(cfg.initrd, "");
    assert_int_equal(load(REQ "guest.type = linux\nguest.initrd = \"\"\n"), 0);
    /* The initrd path is checked like the kernel's. */
    expect_one(REQ "guest.type = linux\nguest.initrd = \"../../../rd.gz\"\n", 5,
               "guest.initrd", "path leaves the boot partition or is longer than 255 bytes");
    /* A multiboot guest's initrd is its module (the default type); a flat
     * guest has none; flat keys on a linux guest. */
    assert_int_equal(load(REQ "guest.initrd = env\n"), 0);
    assert_string_equal(cfg.initrd, "env");
    expect_one(REQ "guest.type = flat\nguest.initrd = rd.gz\n", 5, "guest.initrd",
               "only for guest.type = linux or multiboot");
    expect_one(REQ "guest.type = linux\nguest.loadAddr = 0x100000\n", 5, "guest.loadAddr",
               "only for guest.type = flat");
    expect_one(REQ "guest.type = bzimage\n", 4, "guest.type",
               "expected flat, multiboot or linux, got 'bzimage'");
}

/* The sample VMs for Debian's guests (config/vms/) parse as they are. */
static void expect_sample(const char *path, const char *kernel, const char *initrd)
{
    char text[4096];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    nreps = 0;
    assert_int_equal(vm_config_load(&cfg, "hv/vms/x.vmx", text, n, on_report, reps), 0);
    assert_int_equal(cfg.guest_type, VM_GUEST_LINUX);
    assert_string_equal(cfg.kernel, kernel);
    assert_string_equal(cfg.initrd, initrd);
}

static void test_linux_samples(void **state)
{
    (void)state;
    expect_sample("config/vms/linux.vmx", "../guests/vmlinuz", "../guests/initramfs.gz");
    assert_int_equal(cfg.memsize_mb, 96); /* Debian's kernel needs 80 */
    assert_non_null(strstr(cfg.cmdline, "console=ttyS0"));
    expect_sample("config/vms/memtest.vmx", "../guests/memtest.bin", "");
}

static void test_kernel_path_checked(void **state)
{
    (void)state;
    /* t.vmx is in hv/vms: three levels up leaves the ESP. */
    assert_int_equal(load("displayName = a\nmemsize = 4\nguest.kernel = \"../../x.bin\"\n"), 0);
    expect_one("displayName = a\nmemsize = 4\nguest.kernel = \"../../../x.bin\"\n", 3,
               "guest.kernel", "path leaves the boot partition or is longer than 255 bytes");
    expect_one("displayName = a\nmemsize = 4\nguest.kernel = \"/..\"\n", 3, "guest.kernel",
               "path leaves the boot partition or is longer than 255 bytes");
}

/* ---- path resolution ----------------------------------------------------------- */

static void expect_path(const char *vmx, const char *value, const char *want)
{
    char out[64];
    memset(out, 'z', sizeof out);
    bool ok = vm_config_resolve_path(vmx, value, out, sizeof out);
    if (want) {
        assert_true(ok);
        assert_string_equal(out, want);
    } else {
        assert_false(ok);
        assert_string_equal(out, "");
    }
}

static void test_resolve_path(void **state)
{
    (void)state;
    expect_path("hv/vms/hello.vmx", "../guests/hello.bin", "hv/guests/hello.bin");
    expect_path("hv/vms/hello.vmx", "hello.bin", "hv/vms/hello.bin");
    expect_path("hv/vms/hello.vmx", "./x/./y.bin", "hv/vms/x/y.bin");
    expect_path("hv/vms/hello.vmx", "/hv/guests/x.bin", "hv/guests/x.bin");
    expect_path("hv/vms/hello.vmx", "//hv//guests//x.bin", "hv/guests/x.bin");
    expect_path("hv/vms/hello.vmx", "a/b/../../c", "hv/vms/c");
    expect_path("hv/vms/hello.vmx", "../../x.bin", "x.bin");
    expect_path("hv/vms/hello.vmx", ".", "hv/vms");
    expect_path("/hv/vms/a.vmx", "b.bin", "hv/vms/b.bin");
    expect_path("a.vmx", "b.bin", "b.bin");
    expect_path(NULL, "hv/x", "hv/x");
    /* Leaving the root, or naming it. */
    expect_path("hv/vms/hello.vmx", "../../../x.bin", NULL);
    expect_path("hv/vms/hello.vmx", "a/../../../../x", NULL);
    expect_path("hv/vms/hello.vmx", "/../x.bin", NULL);
    expect_path("a.vmx", "../b.bin", NULL);
    expect_path("hv/vms/hello.vmx", "../..", NULL);
    expect_path("hv/vms/hello.vmx", "/", NULL);
    expect_path("hv/vms/hello.vmx", "", NULL);
    expect_path("hv/vms/hello.vmx", NULL, NULL);
    /* Names that only look like dots are names. */
    expect_path("hv/vms/hello.vmx", "...", "hv/vms/...");
    expect_path("hv/vms/hello.vmx", "..x/.y", "hv/vms/..x/.y");

    /* Overflow: exactly fitting, one byte short, and a long ".." detour. */
    char out[20];
    assert_true(vm_config_resolve_path("hv/vms/a.vmx", "0123456.bin", out, 19)); /* 18 chars */
    assert_string_equal(out, "hv/vms/0123456.bin");
    assert_false(vm_config_resolve_path("hv/vms/a.vmx", "0123456.bin", out, 18));
    assert_string_equal(out, "");
    assert_false(vm_config_resolve_path("hv/vms/a.vmx", "aaaaaaaaaaaaaaaaaaaa/../b", out,
                                        sizeof out));
    assert_false(vm_config_resolve_path("hv/vms/a.vmx", "b", out, 0));
    assert_false(vm_config_resolve_path("hv/vms/a.vmx", "b", NULL, 10));
    assert_true(vm_config_resolve_path("", "b", out, 2));
    assert_string_equal(out, "b");
    assert_false(vm_config_resolve_path("", "b", out, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_all_multiboot_keys),
        cmocka_unit_test(test_serial_to_host_console),
        cmocka_unit_test(test_shares),
        cmocka_unit_test(test_flat_keys),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_memory_checks),
        cmocka_unit_test(test_required_on_a_bad_line),
        cmocka_unit_test(test_flat_checks),
        cmocka_unit_test(test_balloon_keys),
        cmocka_unit_test(test_guestinfo_keys),
        cmocka_unit_test(test_linux_keys),
        cmocka_unit_test(test_linux_samples),
        cmocka_unit_test(test_kernel_path_checked),
        cmocka_unit_test(test_resolve_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
