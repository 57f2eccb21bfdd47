/* tests/sim/cost.c: the simulator's content model and cost table (issue 13:
 * memsim prices a fault by the store it comes back from). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "tests/sim/cost.h"

static void test_defaults_are_all_disk(void **state)
{
    (void)state;
    struct sim_content c;
    sim_content_default(&c);
    for (uint32_t p = 0; p < 10000; p++)
        assert_int_equal(sim_store_of(&c, p % 3, p), SIM_STORE_DISK);
    struct sim_costs k;
    sim_costs_default(&k);
    assert_int_equal(sim_fault_cost_ns(&k, SIM_STORE_ZERO, 1), 40);
    assert_int_equal(sim_fault_cost_ns(&k, SIM_STORE_ZIP, 1), 1100);
    assert_int_equal(sim_fault_cost_ns(&k, SIM_STORE_DISK, 1), 100000);
}

static void test_mix_is_memtouch_rule(void **state)
{
    (void)state;
    struct sim_content c;
    char err[200];
    assert_true(sim_content_parse("mix", &c, err, sizeof err));
    assert_int_equal(sim_store_of(&c, 0, 0x200), SIM_STORE_DISK);   /* 0x200 % 3 == 2 */
    assert_int_equal(sim_store_of(&c, 5, 0x201), SIM_STORE_ZERO);
    assert_int_equal(sim_store_of(&c, 1, 0x202), SIM_STORE_ZIP);
}

static void test_fractions_by_page(void **state)
{
    (void)state;
    struct sim_content c;
    char err[200];
    assert_true(sim_content_parse("zero=0.2,text=0.3,random=0.5", &c, err, sizeof err));
    unsigned n[SIM_STORE_COUNT] = {0};
    for (unsigned vm = 0; vm < 4; vm++)
        for (uint32_t p = 0; p < 25000; p++)
            n[sim_store_of(&c, vm, p)]++;
    /* 100000 pages: each share within half a point of its fraction */
    assert_in_range(n[SIM_STORE_ZERO], 19500, 20500);
    assert_in_range(n[SIM_STORE_ZIP], 29500, 30500);
    assert_in_range(n[SIM_STORE_DISK], 49500, 50500);
    /* the same page is always the same kind */
    for (uint32_t p = 0; p < 1000; p++)
        assert_int_equal(sim_store_of(&c, 2, p), sim_store_of(&c, 2, p));
    /* a kind left out is 0 */
    assert_true(sim_content_parse("text=1", &c, err, sizeof err));
    for (uint32_t p = 0; p < 1000; p++)
        assert_int_equal(sim_store_of(&c, 0, p), SIM_STORE_ZIP);
}

static void test_bad_content_refused(void **state)
{
    (void)state;
    struct sim_content c;
    char err[200];
    static const char *const bad[] = {
        "zero=0.5", "zero=0.5,text=0.6", "zero", "=1", "zero=x", "zero=-0.5,random=1.5",
        "zero=1,", "paper=1", "zero=0.5,random=0.5x", "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        assert_false(sim_content_parse(bad[i], &c, err, sizeof err));
        assert_true(strlen(err) > 0);
    }
    char huge[600];
    memset(huge, 'z', sizeof huge - 1);
    huge[sizeof huge - 1] = 0;
    assert_false(sim_content_parse(huge, &c, err, sizeof err));
}

static void test_costs_parse_and_readahead(void **state)
{
    (void)state;
    struct sim_costs k;
    char err[200];
    sim_costs_default(&k);
    assert_true(sim_costs_parse("disk=20,page=0.5", &k, err, sizeof err));
    assert_int_equal(k.ns[SIM_STORE_ZERO], 40);          /* kept */
    assert_int_equal(k.ns[SIM_STORE_DISK], 20000);
    /* a read of 8 pages: the latency once, then 7 further pages */
    assert_int_equal(sim_fault_cost_ns(&k, SIM_STORE_DISK, 8), 20000 + 7 * 500);
    /* read-ahead is only for disk reads */
    assert_int_equal(sim_fault_cost_ns(&k, SIM_STORE_ZIP, 8), 1100);
    assert_true(sim_costs_parse("zero=0.0004", &k, err, sizeof err));
    assert_int_equal(k.ns[SIM_STORE_ZERO], 0);           /* rounds to ns */
    struct sim_costs before = k;
    assert_false(sim_costs_parse("zip=3,disk=-1", &k, err, sizeof err));
    assert_memory_equal(&k, &before, sizeof k);            /* all or nothing */
    assert_false(sim_costs_parse("tape=1", &k, err, sizeof err));
    assert_false(sim_costs_parse("disk=2e9", &k, err, sizeof err));
    char buf[96];
    sim_costs_default(&k);
    sim_costs_format(&k, buf, sizeof buf);
    assert_string_equal(buf, "zero:0.04,zip:1.1,disk:100,page:7.5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_all_disk),
        cmocka_unit_test(test_mix_is_memtouch_rule),
        cmocka_unit_test(test_fractions_by_page),
        cmocka_unit_test(test_bad_content_refused),
        cmocka_unit_test(test_costs_parse_and_readahead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
