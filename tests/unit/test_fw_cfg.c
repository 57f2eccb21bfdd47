/* vmm/dev_fw_cfg.c: the items small test kernels ask QEMU's fw_cfg for. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vmm/dev_fw_cfg.h"

/* The item's first `n` bytes as a little-endian number. */
static uint64_t read_le(struct fw_cfg *f, uint16_t key, unsigned n)
{
    fw_cfg_select(f, key);
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)fw_cfg_read(f) << (8 * i);
    return v;
}

static void test_items(void **state)
{
    (void)state;
    struct fw_cfg f;
    fw_cfg_init(&f, 96ULL << 20, 1);
    fw_cfg_select(&f, FW_CFG_SIGNATURE);
    char sig[5] = { 0 };
    for (int i = 0; i < 4; i++)
        sig[i] = (char)fw_cfg_read(&f);
    assert_string_equal(sig, "QEMU");
    assert_int_equal(fw_cfg_read(&f), 0); /* past the end */
    assert_int_equal(read_le(&f, FW_CFG_ID, 4), 1); /* traditional, no DMA */
    assert_int_equal(read_le(&f, FW_CFG_RAM_SIZE, 8), 96ULL << 20);
    assert_int_equal(read_le(&f, FW_CFG_NB_CPUS, 2), 1);
    assert_int_equal(read_le(&f, FW_CFG_MAX_CPUS, 2), 1);
    assert_int_equal(read_le(&f, FW_CFG_FILE_DIR, 4), 0);
    assert_int_equal(read_le(&f, 0x8000, 8), 0); /* unknown keys read as empty */
}

static void test_selecting_restarts_an_item(void **state)
{
    (void)state;
    struct fw_cfg f;
    fw_cfg_init(&f, 0x123456789aULL, 1);
    fw_cfg_select(&f, FW_CFG_RAM_SIZE);
    assert_int_equal(fw_cfg_read(&f), 0x9a);
    assert_int_equal(fw_cfg_read(&f), 0x78);
    fw_cfg_select(&f, FW_CFG_RAM_SIZE);
    assert_int_equal(fw_cfg_read(&f), 0x9a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_items),
        cmocka_unit_test(test_selecting_restarts_an_item),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
