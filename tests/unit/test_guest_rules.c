/* vmm/guest_rules.c: what a CPU refuses in XSETBV, MOV to CR0/CR4 and WRMSR
 * to EFER (Intel SDM), so a hostile value is the guest's #GP, never a failed
 * VM entry or a fault in the host. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vmm/guest_rules.h"
#include "include/hv/x86/regs.h"

/* A CPU with x87, SSE, AVX, MPX, AVX-512, PKRU and AMX. */
static const uint64_t ALL = XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_MPX | XCR0_AVX512 |
                            XCR0_PKRU | XCR0_AMX;

static void test_xsetbv_valid_values(void **state)
{
    (void)state;
    const uint64_t ok[] = { 1, 3, 7, 7 | XCR0_AVX512, 3 | XCR0_MPX, ALL, 1 | XCR0_PKRU,
                            7 | XCR0_AMX };
    for (unsigned i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_null(xsetbv_refusal(0, ok[i], ALL));
}

static void test_xsetbv_every_rule(void **state)
{
    (void)state;
    /* Each value breaks exactly one rule of SDM vol. 1, 13.3. */
    assert_string_equal(xsetbv_refusal(1, 3, ALL), "only XCR0 can be written");
    assert_string_equal(xsetbv_refusal(0, 2, ALL), "x87 state (bit 0) must stay on");
    assert_string_equal(xsetbv_refusal(0, 5, ALL), "AVX (bit 2) needs SSE (bit 1)");
    assert_string_equal(xsetbv_refusal(0, 3 | XCR0_BNDREGS, ALL),
                        "MPX bits 3 and 4 must be set together");
    assert_string_equal(xsetbv_refusal(0, 3 | XCR0_BNDCSR, ALL),
                        "MPX bits 3 and 4 must be set together");
    /* opmask without ZMM state: the value that crashed the host */
    assert_string_equal(xsetbv_refusal(0, 7 | XCR0_OPMASK, ALL),
                        "AVX-512 bits 5-7 must be set together");
    assert_string_equal(xsetbv_refusal(0, 7 | XCR0_ZMM_HI256 | XCR0_HI16_ZMM, ALL),
                        "AVX-512 bits 5-7 must be set together");
    assert_string_equal(xsetbv_refusal(0, 3 | XCR0_AVX512, ALL),
                        "AVX-512 state needs AVX (bit 2)");
    assert_string_equal(xsetbv_refusal(0, 7 | XCR0_TILECFG, ALL),
                        "AMX bits 17 and 18 must be set together");
    assert_string_equal(xsetbv_refusal(0, 7 | XCR0_TILEDATA, ALL),
                        "AMX bits 17 and 18 must be set together");
}

static void test_xsetbv_unsupported_bits(void **state)
{
    (void)state;
    const char *why = "a state component this CPU does not offer";
    /* A CPU with x87, SSE and AVX only: AVX-512 is refused even when whole. */
    assert_string_equal(xsetbv_refusal(0, 7 | XCR0_AVX512, 7), why);
    /* Supervisor components (IA32_XSS bits such as 8 and 11) and reserved
     * bits never belong in XCR0. */
    assert_string_equal(xsetbv_refusal(0, 3 | (1ULL << 8), ALL), why);
    assert_string_equal(xsetbv_refusal(0, 3 | (1ULL << 11), ALL), why);
    assert_string_equal(xsetbv_refusal(0, 3 | (1ULL << 63), ALL), why);
}

static struct cr_state protected_mode(void)
{
    return (struct cr_state){ .cr0 = CR0_PE | CR0_ET | CR0_NE,
                              .cr4_allowed = 0x7fffff & ~(CR4_VMXE | CR4_SMXE | (1ULL << 15) | (1ULL << 19)),
                              .efer_allowed = EFER_SCE | EFER_LME | EFER_NXE };
}

static struct cr_state long_mode(void)
{
    struct cr_state s = protected_mode();
    s.cr0 |= CR0_PG;
    s.cr4 |= CR4_PAE;
    s.efer = EFER_LME | EFER_LMA;
    s.cs_long = true;
    return s;
}

static void test_cr0_rules(void **state)
{
    (void)state;
    struct cr_state s = protected_mode();
    assert_null(cr0_refusal(&s, s.cr0 | CR0_PG));
    assert_null(cr0_refusal(&s, s.cr0 | CR0_CD | CR0_NW));
    assert_string_equal(cr0_refusal(&s, s.cr0 | (1ULL << 32)), "reserved bits 63:32 set");
    assert_string_equal(cr0_refusal(&s, CR0_PG), "paging without protection");
    assert_string_equal(cr0_refusal(&s, s.cr0 | CR0_NW),
                        "not-write-through without cache-disable");
    s.efer = EFER_LME;
    assert_string_equal(cr0_refusal(&s, s.cr0 | CR0_PG), "long mode needs PAE before paging");
    s.cr4 = CR4_PAE;
    assert_null(cr0_refusal(&s, s.cr0 | CR0_PG));

    struct cr_state l = long_mode();
    assert_string_equal(cr0_refusal(&l, l.cr0 & ~CR0_PG), "paging off while running 64-bit code");
    l.cs_long = false; /* compatibility mode may leave long mode */
    assert_null(cr0_refusal(&l, l.cr0 & ~CR0_PG));
    l.cr4 |= CR4_PCIDE;
    assert_string_equal(cr0_refusal(&l, l.cr0 & ~CR0_PG), "paging off with PCIDE set");
}

static void test_cr4_rules(void **state)
{
    (void)state;
    struct cr_state s = protected_mode();
    assert_null(cr4_refusal(&s, CR4_PAE | CR4_OSFXSR | CR4_PSE));
    assert_string_equal(cr4_refusal(&s, CR4_VMXE), "a bit this CPU does not offer");
    assert_string_equal(cr4_refusal(&s, CR4_SMXE), "a bit this CPU does not offer");
    assert_string_equal(cr4_refusal(&s, 1ULL << 31), "a bit this CPU does not offer");
    assert_string_equal(cr4_refusal(&s, CR4_PCIDE), "PCIDE outside long mode");

    struct cr_state l = long_mode();
    assert_string_equal(cr4_refusal(&l, 0), "PAE off in long mode");
    assert_string_equal(cr4_refusal(&l, CR4_PAE | CR4_LA57), "LA57 changed in long mode");
    assert_null(cr4_refusal(&l, CR4_PAE | CR4_PCIDE));
    l.cr3 = 0x1005;
    assert_string_equal(cr4_refusal(&l, CR4_PAE | CR4_PCIDE), "PCIDE with a nonzero PCID in CR3");
}

/* When PAE's four entries are read again (SDM vol. 3, 4.4.1), and which
 * of them the CPU refuses (table 4-8). */
static void test_pdpte_loads_and_reserved_bits(void **state)
{
    (void)state;
    struct cr_state s = protected_mode();
    s.cr4 = CR4_PAE;
    uint64_t pg = s.cr0 | CR0_PG;
    assert_true(pdptes_reloaded(&s, pg, s.cr4, false));            /* paging turned on */
    assert_false(pdptes_reloaded(&s, pg, s.cr4, true));            /* into long mode */
    assert_false(pdptes_reloaded(&s, s.cr0 | CR0_TS, s.cr4, false)); /* paging still off */
    s.cr0 = pg;
    assert_false(pdptes_reloaded(&s, pg | CR0_TS | CR0_WP, s.cr4, false));
    assert_true(pdptes_reloaded(&s, pg | CR0_CD, s.cr4, false));
    assert_true(pdptes_reloaded(&s, pg | CR0_CD | CR0_NW, s.cr4, false));
    assert_true(pdptes_reloaded(&s, pg, s.cr4 | CR4_PGE, false));
    assert_true(pdptes_reloaded(&s, pg, s.cr4 | CR4_PSE, false));
    assert_true(pdptes_reloaded(&s, pg, s.cr4 | CR4_SMEP, false));
    assert_false(pdptes_reloaded(&s, pg, s.cr4 | CR4_OSFXSR, false));
    assert_false(pdptes_reloaded(&s, pg, 0, false));                /* PAE off: 32-bit paging */
    s.cr4 = 0;
    assert_true(pdptes_reloaded(&s, pg, CR4_PAE, false));           /* PAE on under paging */

    uint64_t e[4] = { 0x1001, 0, 0x2000 | 0x1e6, 0x3019 };          /* entry 2 not present */
    assert_null(pdpte_refusal(e, 36));
    for (unsigned bit = 1; bit < 64; bit++) {
        uint64_t t[4] = { 0x1001, 0, 0, 0 };
        t[0] |= 1ULL << bit;
        bool reserved = (bit >= 1 && bit <= 2) || (bit >= 5 && bit <= 8) || bit >= 36;
        if (reserved)
            assert_non_null(pdpte_refusal(t, 36));
        else
            assert_null(pdpte_refusal(t, 36));
    }
    uint64_t high[4] = { (1ULL << 45) | 1, 0, 0, 0 };
    assert_non_null(pdpte_refusal(high, 36));
    assert_null(pdpte_refusal(high, 46));
}

static void test_efer_rules(void **state)
{
    (void)state;
    struct cr_state s = protected_mode();
    assert_null(efer_refusal(&s, EFER_LME | EFER_SCE | EFER_NXE));
    assert_null(efer_refusal(&s, EFER_LMA)); /* read-only: ignored, not refused */
    assert_string_equal(efer_refusal(&s, 1ULL << 1), "a reserved or unsupported bit");
    s.efer_allowed = EFER_SCE | EFER_LME; /* a CPU without NX */
    assert_string_equal(efer_refusal(&s, EFER_NXE), "a reserved or unsupported bit");

    /* The case that failed VM entry: LME set while paging is on. */
    s = protected_mode();
    s.cr0 |= CR0_PG;
    assert_string_equal(efer_refusal(&s, EFER_LME), "LME changed while paging is on");
    struct cr_state l = long_mode();
    assert_string_equal(efer_refusal(&l, EFER_LMA), "LME changed while paging is on");
    assert_null(efer_refusal(&l, EFER_LME | EFER_LMA | EFER_SCE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xsetbv_valid_values),
        cmocka_unit_test(test_xsetbv_every_rule),
        cmocka_unit_test(test_xsetbv_unsupported_bits),
        cmocka_unit_test(test_cr0_rules),
        cmocka_unit_test(test_cr4_rules),
        cmocka_unit_test(test_efer_rules),
        cmocka_unit_test(test_pdpte_loads_and_reserved_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
