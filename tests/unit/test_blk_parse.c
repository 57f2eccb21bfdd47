/* Device-controlled data the block drivers read: ATA IDENTIFY words, NVMe
 * CAP, Identify Controller and Namespace, completion status; and the
 * first-sector check that keeps swap off the boot disk (on a real FAT32 ESP
 * image made like build/esp.img). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "drivers/ata_identify.h"
#include "drivers/nvme_data.h"
#include "drivers/disk_label.h"

static void put_model(uint16_t id[256], const char *m)
{
    char b[40];
    memset(b, ' ', sizeof b);
    memcpy(b, m, strlen(m));
    for (int i = 0; i < 20; i++)
        id[27 + i] = (uint16_t)((uint8_t)b[2 * i] << 8 | (uint8_t)b[2 * i + 1]);
}

static void test_ata_identify(void **state)
{
    (void)state;
    uint16_t id[256];
    struct ata_identity a;
    char why[80];
    memset(id, 0, sizeof id);
    put_model(id, "QEMU HARDDISK");
    id[49] = 1u << 9;
    id[60] = 0x5000; /* 20480 sectors */
    assert_true(ata_parse_identify(id, &a, why, sizeof why));
    assert_false(a.lba48);
    assert_int_equal(a.sectors, 20480);
    assert_string_equal(a.model, "QEMU HARDDISK");
    /* LBA48: words 100-103, only when word 83 says so. */
    id[83] = 1u << 10;
    id[100] = 0x0000;
    id[101] = 0x0010; /* 0x100000 sectors */
    assert_true(ata_parse_identify(id, &a, why, sizeof why));
    assert_true(a.lba48);
    assert_int_equal(a.sectors, 0x100000);
    /* Lies are bounded: 64-bit counts cut to 48 bits, 28-bit count to 28. */
    id[103] = 0xffff;
    id[60] = 0xffff;
    id[61] = 0xffff;
    assert_true(ata_parse_identify(id, &a, why, sizeof why));
    /* 48 bits of 0xffff_0000_0010_0000 is 0x100000, below the (capped)
     * 28-bit count: not believed, the 28-bit count is used. */
    assert_int_equal(a.sectors, 0x0fffffff);
    /* A word 83 of all ones (no device behind a floating bus) is not LBA48. */
    id[83] = 0xffff;
    assert_true(ata_parse_identify(id, &a, why, sizeof why));
    assert_false(a.lba48);
    assert_int_equal(a.sectors, 0x0fffffff);
    /* Logical sectors of 4096 bytes are refused; of 512 accepted. */
    id[106] = 0x4000 | (1u << 12);
    id[117] = 2048;
    assert_false(ata_parse_identify(id, &a, why, sizeof why));
    assert_non_null(strstr(why, "4096"));
    id[117] = 256;
    assert_true(ata_parse_identify(id, &a, why, sizeof why));
    /* No LBA, or no sectors: unusable. */
    id[49] = 0;
    assert_false(ata_parse_identify(id, &a, why, sizeof why));
    assert_non_null(strstr(why, "LBA"));
    memset(id, 0, sizeof id);
    id[49] = 1u << 9;
    assert_false(ata_parse_identify(id, &a, why, sizeof why));
    /* Non-printable model bytes never reach a log line. */
    put_model(id, "\x1b[2Jevil\x07");
    id[60] = 8;
    assert_true(ata_parse_identify(id, &a, why, sizeof why));
    assert_string_equal(a.model, "?[2Jevil?");
}

static void test_nvme_cap(void **state)
{
    (void)state;
    struct nvme_cap c;
    /* MQES 2047, TO 30 (15 s), DSTRD 0, CSS NVM, MPSMIN 0, MPSMAX 4. */
    uint64_t cap = 2047 | 30ULL << 24 | 1ULL << 37 | 4ULL << 52;
    nvme_decode_cap(cap, &c);
    assert_int_equal(c.max_entries, 2048);
    assert_int_equal(c.timeout_ns, 15000000000ULL);
    assert_int_equal(c.db_stride, 4);
    assert_true(c.nvm_cmd_set);
    assert_int_equal(c.page_min, 4096);
    assert_int_equal(c.page_max, 65536);
    /* Extremes: the largest stride, TO of 0 still waits, no NVM set. */
    nvme_decode_cap(0xfULL << 32 | 0xfULL << 48, &c);
    assert_int_equal(c.db_stride, 4u << 15);
    assert_int_equal(c.timeout_ns, 500000000ULL);
    assert_int_equal(c.max_entries, 1);
    assert_false(c.nvm_cmd_set);
    assert_int_equal(c.page_min, 4096u << 15);
}

static void test_nvme_identify(void **state)
{
    (void)state;
    static uint8_t d[4096];
    memset(d, 0, sizeof d);
    memcpy(d + 4, "swap                ", 20);
    memcpy(d + 24, "QEMU NVMe Ctrl                          ", 40);
    d[77] = 7; /* 2^7 minimum pages */
    d[516] = 3;
    struct nvme_ctrl_id c;
    nvme_parse_ctrl_id(d, 4096, &c);
    assert_string_equal(c.model, "QEMU NVMe Ctrl");
    assert_string_equal(c.serial, "swap");
    assert_int_equal(c.mdts_pages, 128);
    assert_int_equal(c.nn, 3);
    d[77] = 0;
    nvme_parse_ctrl_id(d, 4096, &c);
    assert_int_equal(c.mdts_pages, 0);
    d[77] = 255; /* nonsense: capped, no undefined shift */
    nvme_parse_ctrl_id(d, 4096, &c);
    assert_int_equal(c.mdts_pages, 1u << 20);

    struct nvme_ns_id ns;
    char why[80];
    memset(d, 0, sizeof d);
    d[0] = 0x00;
    d[1] = 0x50; /* NSZE 0x5000 blocks */
    d[25] = 1;   /* two formats */
    d[26] = 1;   /* the second in use */
    d[128 + 4 + 2] = 12; /* format 1: 4096-byte blocks, no metadata */
    assert_true(nvme_parse_ns_id(d, &ns, why, sizeof why));
    assert_int_equal(ns.blocks, 0x5000);
    assert_int_equal(ns.block_size, 4096);
    d[26] = 3; /* a format beyond NLBAF */
    assert_false(nvme_parse_ns_id(d, &ns, why, sizeof why));
    d[26] = 0;
    d[128 + 2] = 20; /* 1 MiB blocks */
    assert_false(nvme_parse_ns_id(d, &ns, why, sizeof why));
    d[128 + 2] = 9;
    d[128] = 8; /* 8 metadata bytes */
    assert_false(nvme_parse_ns_id(d, &ns, why, sizeof why));
    assert_non_null(strstr(why, "metadata"));
    d[128] = 0;
    assert_true(nvme_parse_ns_id(d, &ns, why, sizeof why));
    assert_int_equal(ns.block_size, 512);
    d[1] = 0;
    assert_false(nvme_parse_ns_id(d, &ns, why, sizeof why)); /* inactive */
}

static void test_nvme_completion(void **state)
{
    (void)state;
    /* CID 7, phase 1, SCT 2 SC 0x81; SQ 1, head 5. */
    struct nvme_cqe e = { 0, 0, 1u << 16 | 5, 7 | 1u << 16 | (0x281u << 17) };
    assert_true(nvme_cqe_phase(&e));
    assert_int_equal(nvme_cqe_cid(&e), 7);
    assert_int_equal(nvme_cqe_sqid(&e), 1);
    assert_int_equal(nvme_cqe_sqhd(&e), 5);
    assert_int_equal(nvme_cqe_status(&e) & 0x7ff, 0x281);
    char t[64];
    nvme_status_text(nvme_cqe_status(&e), t, sizeof t);
    assert_string_equal(t, "unrecovered read error (sct 2 sc 0x81)");
    nvme_status_text(0x80, t, sizeof t);
    assert_string_equal(t, "LBA out of range (sct 0 sc 0x80)");
}

static void test_disk_labels(void **state)
{
    (void)state;
    uint8_t s[512];
    char what[64];
    memset(s, 0, sizeof s);
    assert_int_equal(disk_label_classify(s, what, sizeof what), DISK_UNLABELLED);
    s[510] = 0x55;
    s[511] = 0xaa;
    assert_int_equal(disk_label_classify(s, what, sizeof what), DISK_UNLABELLED);
    s[446 + 16 + 4] = 0x83;
    assert_int_equal(disk_label_classify(s, what, sizeof what), DISK_DATA);
    assert_string_equal(what, "MBR, partition type 0x83");
    s[446 + 48 + 4] = 0xef; /* an ESP after a Linux partition: still the boot disk */
    assert_int_equal(disk_label_classify(s, what, sizeof what), DISK_BOOT);
    s[446 + 48 + 4] = 0;
    s[446 + 4] = 0xee;
    assert_int_equal(disk_label_classify(s, what, sizeof what), DISK_BOOT);
    assert_string_equal(what, "GPT (protective MBR)");
    s[446 + 4] = 0x0c;
    assert_int_equal(disk_label_classify(s, what, sizeof what), DISK_BOOT);
    /* Without the signature nothing counts. */
    s[511] = 0;
    assert_int_equal(disk_label_classify(s, what, sizeof what), DISK_UNLABELLED);

    /* A real FAT32 ESP, made the way tools/make-esp.sh makes ours. */
    char img[] = "/tmp/test_blk_parse_espXXXXXX";
    int fd = mkstemp(img);
    assert_true(fd >= 0);
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "truncate -s 34M %s && mformat -i %s -F -v HVESP :: >/dev/null 2>&1", img, img);
    assert_int_equal(system(cmd), 0);
    FILE *f = fdopen(fd, "rb");
    assert_int_equal(fread(s, 1, 512, f), 512);
    fclose(f);
    unlink(img);
    assert_int_equal(disk_label_classify(s, what, sizeof what), DISK_BOOT);
    assert_string_equal(what, "FAT32 file system");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ata_identify),
        cmocka_unit_test(test_nvme_cap),
        cmocka_unit_test(test_nvme_identify),
        cmocka_unit_test(test_nvme_completion),
        cmocka_unit_test(test_disk_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
