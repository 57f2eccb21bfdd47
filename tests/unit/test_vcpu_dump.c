/* vmm/vcpu_dump_format.c: the report printed under a VM's "stopped:" line,
 * line by line, for the CPU modes a guest can stop in. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/vcpu_dump.h"

#define MAX_LINES 16

struct lines {
    char text[MAX_LINES][256];
    unsigned n;
};

static void collect(const char *line, void *ctx)
{
    struct lines *l = ctx;
    assert_true(l->n < MAX_LINES);
    assert_true(strlen(line) < 200);   /* under the log's 256 with the "vm NAME: vCPU N: " prefix */
    strcpy(l->text[l->n++], line);
}

/* A flat 64-bit kernel as Linux runs, stopped in a page fault's delivery. */
static struct vcpu_dump long_mode(void)
{
    struct vcpu_dump d;
    memset(&d, 0, sizeof d);
    d.rip = 0xffffffff81000123ULL;
    d.rflags = 0x10046;
    for (unsigned i = 0; i < 16; i++)
        d.gpr[i] = 0x1111111111111111ULL * (i % 15 + 1);
    d.cr0 = 0x80050033;
    d.cr2 = 0xdead000;
    d.cr3 = 0x1000;
    d.cr4 = 0x20;
    d.efer = 0xd01;
    d.dr7 = 0x400;
    d.seg[1] = (struct vcpu_dump_seg){ .sel = 0x10, .limit = 0xffffffff, .ar = 0xa09b };
    d.seg[2] = (struct vcpu_dump_seg){ .sel = 0x18, .limit = 0xffffffff, .ar = 0xc093 };
    d.seg[0] = d.seg[3] = d.seg[4] = d.seg[5] = d.seg[6] =
        (struct vcpu_dump_seg){ .ar = 0x10000 };
    d.seg[5].base = 0xffff888007a00000ULL;
    d.seg[7] = (struct vcpu_dump_seg){ .sel = 0x40, .base = 0xfffffe0000003000ULL, .limit = 0x4087,
                                       .ar = 0x8b };
    d.gdtr_base = 0xfffffe0000001000ULL;
    d.gdtr_limit = 0x7f;
    d.idtr_base = 0xfffffe0000000000ULL;
    d.idtr_limit = 0xfff;
    d.interruptibility = 0x8;
    d.idt_vec_info = 0x80000b0e;   /* #PF, hardware exception, with an error code */
    d.idt_vec_err = 2;
    d.code_at = d.rip;
    static const uint8_t ud2[] = { 0x0f, 0x0b, 0x90 };
    memcpy(d.code, ud2, sizeof ud2);
    d.code_len = sizeof ud2;
    return d;
}

static void test_long_mode_report(void **state)
{
    (void)state;
    struct vcpu_dump d = long_mode();
    struct lines l = { .n = 0 };
    vcpu_dump_format(&d, collect, &l);
    assert_int_equal(l.n, 12);
    assert_string_equal(l.text[0], "RIP ffffffff81000123 RFLAGS 00010046, CPL 0, 64-bit mode, "
                                   "4-level paging, active, NMIs blocked");
    /* RAX RBX RCX RDX are registers 0, 3, 1, 2 as the CPU numbers them */
    assert_string_equal(l.text[1], "RAX 1111111111111111 RBX 4444444444444444 "
                                   "RCX 2222222222222222 RDX 3333333333333333");
    assert_string_equal(l.text[2], "RSI 7777777777777777 RDI 8888888888888888 "
                                   "RBP 6666666666666666 RSP 5555555555555555");
    assert_string_equal(l.text[3], "R8  9999999999999999 R9  aaaaaaaaaaaaaaaa "
                                   "R10 bbbbbbbbbbbbbbbb R11 cccccccccccccccc");
    assert_string_equal(l.text[4], "R12 dddddddddddddddd R13 eeeeeeeeeeeeeeee "
                                   "R14 ffffffffffffffff R15 1111111111111111");
    assert_string_equal(l.text[5], "CR0 80050033 CR2 dead000 CR3 1000 CR4 20 EFER d01 DR7 400");
    assert_string_equal(l.text[6], "ES 0000 unusable, CS 0010 base 0x0 limit 0xffffffff attr 0xa09b, "
                                   "SS 0018 base 0x0 limit 0xffffffff attr 0xc093");
    /* an unusable GS still has its base (SWAPGS's), which the report leaves out */
    assert_string_equal(l.text[7], "DS 0000 unusable, FS 0000 unusable, GS 0000 unusable");
    assert_string_equal(l.text[8], "LDTR 0000 unusable, TR 0040 base 0xfffffe0000003000 "
                                   "limit 0x4087 attr 0x8b");
    assert_string_equal(l.text[9], "GDTR base 0xfffffe0000001000 limit 0x7f, "
                                   "IDTR base 0xfffffe0000000000 limit 0xfff");
    assert_string_equal(l.text[10], "delivering vector 14, exception, error code 0x2, "
                                    "when the exit came");
}

static void test_code_bytes_line_is_last(void **state)
{
    (void)state;
    struct vcpu_dump d = long_mode();
    d.idt_vec_info = 0;
    d.entry_intr_info = 0x80000030;   /* a timer interrupt queued for the entry */
    d.pending_dbg = 0x4000;   /* BS: a single step waiting */
    struct lines l = { .n = 0 };
    vcpu_dump_format(&d, collect, &l);
    assert_int_equal(l.n, 13);
    assert_string_equal(l.text[10], "injecting vector 48, external interrupt, at the next entry");
    assert_string_equal(l.text[11], "pending debug exceptions 0x4000");
    assert_string_equal(l.text[12], "code at 0xffffffff81000123: 0f 0b 90");
    d.code_len = 0;
    l.n = 0;
    vcpu_dump_format(&d, collect, &l);
    assert_string_equal(l.text[12], "code at 0xffffffff81000123: not readable (not mapped by "
                                    "the guest, not in memory, or not RAM)");
}

/* Real mode: CPL 0 whatever SS holds, no R8-R15 (IA-32e mode only), the
 * code at CS * 16 + IP as read. A full 16-byte fetch is shown whole. */
static void test_real_mode(void **state)
{
    (void)state;
    struct vcpu_dump d;
    memset(&d, 0, sizeof d);
    d.rip = 0x7c00;
    d.rflags = 0x2;
    d.cr0 = 0x10;
    d.seg[1] = (struct vcpu_dump_seg){ .sel = 0xf000, .base = 0xf0000, .limit = 0xffff, .ar = 0x9b };
    d.seg[2] = (struct vcpu_dump_seg){ .sel = 0, .limit = 0xffff, .ar = 0xf3 };
    d.activity = 1;
    d.interruptibility = 0x3;
    d.code_at = 0xf7c00;
    for (unsigned i = 0; i < VCPU_DUMP_CODE_BYTES; i++)
        d.code[i] = (uint8_t)(0xf0 + i);
    d.code_len = VCPU_DUMP_CODE_BYTES;
    struct lines l = { .n = 0 };
    vcpu_dump_format(&d, collect, &l);
    assert_int_equal(l.n, 9);
    assert_string_equal(l.text[0], "RIP 0000000000007c00 RFLAGS 00000002, CPL 0, real mode, "
                                   "paging off, halted (HLT), STI shadow, MOV SS shadow");
    assert_string_equal(l.text[3], "CR0 10 CR2 0 CR3 0 CR4 0 EFER 0 DR7 0");
    assert_string_equal(l.text[8], "code at 0xf7c00: f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd "
                                   "fe ff");
}

/* The report's first line for `d`. */
static const char *header(const struct vcpu_dump *d)
{
    static struct lines l;
    l.n = 0;
    vcpu_dump_format(d, collect, &l);
    return l.text[0];
}

/* The mode and paging names in protected mode: CS.D, EFLAGS.VM, PAE,
 * EFER.LMA with a 32-bit CS, LA57; CPL from SS's DPL, 3 in virtual-8086
 * mode; an activity state the SDM reserves said so. */
static void test_mode_names(void **state)
{
    (void)state;
    struct vcpu_dump d;
    memset(&d, 0, sizeof d);
    d.cr0 = 0x11;
    d.seg[2].ar = 0x60f3;   /* SS DPL 3 */
    assert_string_equal(header(&d), "RIP 0000000000000000 RFLAGS 00000000, CPL 3, "
                                    "16-bit protected mode, paging off, active");
    d.seg[1].ar = 0x409b;
    d.seg[2].ar = 0x4093;
    d.cr0 = 0x80000011;
    d.cr4 = 0x20;
    d.activity = 7;
    assert_string_equal(header(&d), "RIP 0000000000000000 RFLAGS 00000000, CPL 0, "
                                    "32-bit protected mode, PAE paging, in an unknown activity state");
    d.rflags = 0x20202;
    d.activity = 3;
    assert_string_equal(header(&d), "RIP 0000000000000000 RFLAGS 00020202, CPL 3, "
                                    "virtual-8086 mode, PAE paging, waiting for SIPI");
    d.rflags = 0x2;
    d.efer = 0x500;
    d.cr4 = 0x1020;
    d.activity = 2;
    assert_string_equal(header(&d), "RIP 0000000000000000 RFLAGS 00000002, CPL 0, "
                                    "compatibility mode, 5-level paging, shut down");
    d.cr0 = 0x11;
    d.efer = 0;
    d.cr4 = 0;
    assert_string_equal(header(&d), "RIP 0000000000000000 RFLAGS 00000002, CPL 0, "
                                    "32-bit protected mode, paging off, shut down");
    d.cr0 = 0x80000011;
    assert_string_equal(header(&d), "RIP 0000000000000000 RFLAGS 00000002, CPL 0, "
                                    "32-bit protected mode, 32-bit paging, shut down");
}

/* Every event type names itself; an event without an error code says none. */
static void test_event_types(void **state)
{
    (void)state;
    static const struct { uint32_t info; const char *want; } cases[] = {
        { 0x80000020, "delivering vector 32, external interrupt, when the exit came" },
        { 0x80000202, "delivering vector 2, NMI, when the exit came" },
        { 0x80000480, "delivering vector 128, software interrupt (INT n), when the exit came" },
        { 0x80000501, "delivering vector 1, privileged software exception (INT1), when the exit came" },
        { 0x80000603, "delivering vector 3, software exception (INT3, INTO), when the exit came" },
        { 0x80000108, "delivering vector 8, event of a reserved type, when the exit came" },
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vcpu_dump d = long_mode();
        d.idt_vec_info = cases[i].info;
        struct lines l = { .n = 0 };
        vcpu_dump_format(&d, collect, &l);
        assert_string_equal(l.text[10], cases[i].want);
    }
}

/* Bases and limits as wide as they come still fit a line. */
static void test_widest_segments_fit(void **state)
{
    (void)state;
    struct vcpu_dump d = long_mode();
    for (unsigned i = 0; i < 8; i++)
        d.seg[i] = (struct vcpu_dump_seg){ .sel = 0xffff, .base = ~0ULL, .limit = ~0u, .ar = 0xf0ff };
    d.gdtr_base = d.idtr_base = ~0ULL;
    d.gdtr_limit = d.idtr_limit = 0xffff;
    struct lines l = { .n = 0 };
    vcpu_dump_format(&d, collect, &l);   /* collect checks each line's length */
    assert_string_equal(l.text[6], "ES ffff base 0xffffffffffffffff limit 0xffffffff attr 0xf0ff, "
                                   "CS ffff base 0xffffffffffffffff limit 0xffffffff attr 0xf0ff, "
                                   "SS ffff base 0xffffffffffffffff limit 0xffffffff attr 0xf0ff");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_mode_report),
        cmocka_unit_test(test_code_bytes_line_is_last),
        cmocka_unit_test(test_real_mode),
        cmocka_unit_test(test_mode_names),
        cmocka_unit_test(test_event_types),
        cmocka_unit_test(test_widest_segments_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
