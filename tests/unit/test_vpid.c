/* vmm/vpid.h: every vCPU of every VM slot has its own VPID, never the
 * host's 0, within 16 bits. Before, every vCPU of a VM shared the VM's. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "vmm/vpid.h"

static void test_each_vcpu_its_own_vpid(void **state)
{
    (void)state;
    static bool used[0x10000];
    unsigned n = 0;
    for (unsigned vm = 1; vm <= VM_MAX; vm++)
        for (unsigned c = 0; c < VM_MAX_VCPUS; c++) {
            uint16_t v = vcpu_vpid(vm, c);
            assert_int_not_equal(v, 0);
            assert_false(used[v]);
            used[v] = true;
            n++;
        }
    assert_int_equal(n, VM_MAX * VM_MAX_VCPUS);
    /* the two vCPUs of one VM differ: the case that was wrong */
    assert_int_not_equal(vcpu_vpid(1, 0), vcpu_vpid(1, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_vcpu_its_own_vpid),
    };
    return cmocka_run_group_tests_name("vpid", tests, NULL, NULL);
}
