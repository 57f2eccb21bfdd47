/* The NVMe driver against a simulated controller (drivers/nvme_io.h's hosted
 * seam): reset and bring-up order, Identify, I/O queue creation, transfers of
 * 1, 2 and more pages (PRP1, PRP2, PRP list) landing at the right blocks,
 * phase tags across many queue wraps, error status text, and a controller
 * that goes quiet or answers the wrong command losing bus mastering within a
 * bounded (virtual) time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "drivers/nvme.h"
#include "drivers/nvme_io.h"
#include "drivers/nvme_data.h"
#include "drivers/block.h"
#include "drivers/pci.h"
#include "arch/x86_64/paging.h"
#include "kernel/log.h"
#include "mm/page_alloc.h"
#include "tests/fake/platform_fake.h"
#include "tests/unit/blk_test_util.h"

/* ---- the simulated controller ------------------------------------------- */
enum fmode { F_OK, F_MUTE, F_BAD_CID, F_NEVER_READY };

#define DISK_BYTES (4u << 20)
#define MAXQ 2

struct fsq {
    uint64_t base;
    uint32_t size, head, cqid;
    bool live;
};

struct fcq {
    uint64_t base;
    uint32_t size, tail;
    uint8_t phase;
    bool live;
};

static struct {
    bool present;
    enum fmode mode;
    uint64_t cap;
    uint32_t cc, csts, aqa, vs;
    uint64_t asq, acq;
    uint32_t lbads;      /* log2 block size of namespace 1 */
    uint8_t mdts;
    uint64_t bad_lba;    /* reads and writes covering it fail; ~0 = none */
    uint16_t pci_cmd;
    bool disabled_before_asq; /* EN was 0 when ASQ was written */
    struct fsq sq[MAXQ];
    struct fcq cq[MAXQ];
    unsigned io_cmds, prp_lists;
    uint8_t disk[DISK_BYTES];
} ctl;

static uint8_t regs_page[4096]; /* what mmio_map hands out; never read */
static size_t mapped;           /* bytes of registers the driver mapped last */

static void *pa(uint64_t phys)
{
    return (uint8_t *)plat_mpn_to_va(phys >> 12) + (phys & 0xfff);
}

static void post(unsigned qid, uint16_t cid, uint16_t status, uint32_t dw0)
{
    unsigned cqid = ctl.sq[qid].cqid;
    struct nvme_cqe *e = (struct nvme_cqe *)pa(ctl.cq[cqid].base) + ctl.cq[cqid].tail;
    e->dw0 = dw0;
    e->dw1 = 0;
    e->dw2 = ctl.sq[qid].head | (uint32_t)qid << 16;
    e->dw3 = cid | (uint32_t)ctl.cq[cqid].phase << 16 | (uint32_t)status << 17;
    if (++ctl.cq[cqid].tail == ctl.cq[cqid].size) {
        ctl.cq[cqid].tail = 0;
        ctl.cq[cqid].phase ^= 1;
    }
}

static void fill_str(uint8_t *dst, const char *s, size_t n)
{
    memset(dst, ' ', n);
    memcpy(dst, s, strlen(s));
}

/* Pages of a transfer of `bytes` from PRP1/PRP2, as the spec lays them out. */
static unsigned prp_pages(const uint32_t *sqe, uint32_t bytes, uint64_t *out)
{
    uint64_t prp1 = sqe[6] | (uint64_t)sqe[7] << 32, prp2 = sqe[8] | (uint64_t)sqe[9] << 32;
    unsigned n = (bytes + 4095) / 4096;
    assert_int_equal(prp1 & 0xfff, 0);
    out[0] = prp1;
    if (n == 2) {
        out[1] = prp2;
    } else if (n > 2) {
        ctl.prp_lists++;
        const uint64_t *list = pa(prp2);
        for (unsigned i = 1; i < n; i++)
            out[i] = list[i - 1];
    }
    return n;
}

static uint16_t io(const uint32_t *sqe)
{
    uint8_t op = sqe[0] & 0xff;
    uint64_t slba = sqe[10] | (uint64_t)sqe[11] << 32;
    uint32_t nlb = (sqe[12] & 0xffff) + 1;
    uint32_t bs = 1u << ctl.lbads;
    assert_int_equal(sqe[1], 1);
    if ((slba + nlb) * bs > DISK_BYTES)
        return 0x80; /* LBA out of range */
    if (ctl.bad_lba >= slba && ctl.bad_lba < slba + nlb)
        return op == 0x02 ? 0x281 : 0x280;
    uint64_t pages[128];
    unsigned n = prp_pages(sqe, nlb * bs, pages);
    for (unsigned i = 0; i < n; i++) {
        uint8_t *disk = ctl.disk + slba * bs + i * 4096;
        if (op == 0x01)
            memcpy(disk, pa(pages[i]), 4096);
        else
            memcpy(pa(pages[i]), disk, 4096);
    }
    ctl.io_cmds++;
    return 0;
}

static uint16_t admin(const uint32_t *sqe, uint32_t *dw0)
{
    uint8_t op = sqe[0] & 0xff;
    uint64_t prp1 = sqe[6] | (uint64_t)sqe[7] << 32;
    uint16_t qid = (uint16_t)sqe[10], size = (uint16_t)((sqe[10] >> 16) + 1);
    switch (op) {
    case 0x06: {
        uint8_t *d = pa(prp1);
        memset(d, 0, 4096);
        if (sqe[10] == 1) {
            fill_str(d + 4, "SIM123", 20);
            fill_str(d + 24, "Simulated NVMe", 40);
            d[77] = ctl.mdts;
            d[516] = 2; /* namespace 2 is inactive */
        } else if (sqe[1] == 1) {
            uint64_t blocks = DISK_BYTES >> ctl.lbads;
            memcpy(d, &blocks, 8);
            d[128 + 2] = (uint8_t)ctl.lbads;
        }
        return 0;
    }
    case 0x09:
        *dw0 = 0;
        return 0;
    case 0x05:
        assert_true(qid == 1 && (sqe[11] & 1));
        ctl.cq[1] = (struct fcq){ prp1, size, 0, 1, true };
        return 0;
    case 0x01:
        assert_true(qid == 1 && (sqe[11] & 1));
        if (!ctl.cq[sqe[11] >> 16].live)
            return 0x100; /* completion queue invalid */
        ctl.sq[1] = (struct fsq){ prp1, size, 0, sqe[11] >> 16, true };
        return 0;
    }
    return 0x01; /* invalid opcode */
}

static void sq_doorbell(unsigned qid, uint32_t tail)
{
    assert_true(ctl.sq[qid].live && tail < ctl.sq[qid].size);
    while (ctl.sq[qid].head != tail) {
        const uint32_t *sqe = (const uint32_t *)pa(ctl.sq[qid].base) + 16 * ctl.sq[qid].head;
        ctl.sq[qid].head = (ctl.sq[qid].head + 1) % ctl.sq[qid].size;
        uint16_t cid = (uint16_t)(sqe[0] >> 16);
        uint32_t dw0 = 0;
        uint16_t st = qid ? io(sqe) : admin(sqe, &dw0);
        if (ctl.mode == F_MUTE && qid)
            continue;
        post(qid, ctl.mode == F_BAD_CID && qid ? (uint16_t)(cid + 1) : cid, st, dw0);
    }
}

uint32_t nvme_reg_read(volatile uint8_t *regs, uint32_t off)
{
    (void)regs;
    assert_true(off + 4 <= mapped); /* only registers the driver mapped */
    switch (off) {
    case 0x00: return (uint32_t)ctl.cap;
    case 0x04: return (uint32_t)(ctl.cap >> 32);
    case 0x08: return ctl.vs;
    case 0x14: return ctl.cc;
    case 0x1c: return ctl.csts;
    }
    return 0;
}

void nvme_reg_write(volatile uint8_t *regs, uint32_t off, uint32_t v)
{
    (void)regs;
    assert_true(off + 4 <= mapped);
    uint32_t stride = 4u << ((ctl.cap >> 32) & 0xf);
    if (off == 0x14) {
        bool was = ctl.cc & 1;
        ctl.cc = v;
        if (!(v & 1)) {
            ctl.csts &= ~1u;
            memset(ctl.sq, 0, sizeof ctl.sq);
            memset(ctl.cq, 0, sizeof ctl.cq);
        } else if (!was && ctl.mode != F_NEVER_READY) {
            assert_int_equal((v >> 16) & 0xf, 6); /* 64-byte SQ entries */
            assert_int_equal((v >> 20) & 0xf, 4); /* 16-byte CQ entries */
            assert_int_equal((v >> 7) & 0xf, 0);  /* 4 KiB pages */
            uint32_t n = (ctl.aqa & 0xfff) + 1;
            ctl.sq[0] = (struct fsq){ ctl.asq, n, 0, 0, true };
            ctl.cq[0] = (struct fcq){ ctl.acq, ((ctl.aqa >> 16) & 0xfff) + 1, 0, 1, true };
            ctl.csts |= 1;
        }
    } else if (off == 0x24) {
        ctl.aqa = v;
    } else if (off == 0x28 || off == 0x2c) {
        ctl.disabled_before_asq = !(ctl.cc & 1) && !(ctl.csts & 1);
        ctl.asq = off == 0x28 ? (ctl.asq & ~0xffffffffULL) | v : (ctl.asq & 0xffffffff) | (uint64_t)v << 32;
    } else if (off == 0x30 || off == 0x34) {
        ctl.acq = off == 0x30 ? (ctl.acq & ~0xffffffffULL) | v : (ctl.acq & 0xffffffff) | (uint64_t)v << 32;
    } else if (off >= 0x1000) {
        unsigned idx = (off - 0x1000) / stride, qid = idx / 2;
        assert_int_equal((off - 0x1000) % stride, 0);
        assert_true(qid < MAXQ);
        if (idx % 2 == 0)
            sq_doorbell(qid, v);
        else
            assert_true(v < ctl.cq[qid].size); /* a head inside the queue */
    }
}

void nvme_poll_pause(void) { fake_plat_advance_ns(10000); }

void *mmio_map(uint64_t phys, size_t len)
{
    assert_int_equal(phys, 0xfebf0000);
    mapped = len;
    return regs_page;
}

bool pci_find_class(uint8_t cls, uint8_t sub, int prog_if, unsigned index, struct pci_addr *out)
{
    assert_true(cls == 1 && sub == 8 && prog_if == 2);
    if (!ctl.present || index > 0)
        return false;
    *out = (struct pci_addr){ 0, 3, 0 };
    return true;
}

uint64_t pci_bar_mem(struct pci_addr a, unsigned bar) { (void)a, (void)bar; return 0xfebf0000; }
uint16_t pci_read16(struct pci_addr a, uint8_t off) { (void)a, (void)off; return ctl.pci_cmd; }
void pci_write16(struct pci_addr a, uint8_t off, uint16_t v)
{
    (void)a;
    assert_int_equal(off, PCI_COMMAND);
    ctl.pci_cmd = v;
}

/* ---- tests ---------------------------------------------------------------- */
static int setup(void **state)
{
    (void)state;
    memset(&ctl, 0, sizeof ctl);
    ctl.present = true;
    /* MQES 63, TO 2 (1 s), DSTRD 1 (8-byte stride), NVM command set. */
    ctl.cap = 63 | 2ULL << 24 | 1ULL << 32 | 1ULL << 37;
    ctl.vs = 0x10400;
    ctl.lbads = 9;
    ctl.mdts = 5; /* 32 pages */
    ctl.bad_lba = ~0ULL;
    ctl.cc = 1; /* the firmware left it enabled */
    ctl.csts = 1;
    blk_test_machine(512);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    blk_test_machine_free();
    return 0;
}

static struct blk_dev *up(void)
{
    assert_int_equal(nvme_probe(), 1);
    struct blk_dev *d = blk_find("nvme0n1");
    assert_non_null(d);
    return d;
}

static void test_bring_up(void **state)
{
    (void)state;
    struct blk_dev *d = up();
    assert_true(ctl.disabled_before_asq); /* reset before the admin queue moved */
    assert_int_equal(ctl.pci_cmd & (PCI_CMD_MEMORY | PCI_CMD_MASTER), PCI_CMD_MEMORY | PCI_CMD_MASTER);
    assert_true(ctl.sq[1].live && ctl.cq[1].live);
    assert_int_equal(ctl.sq[1].size, 16);
    assert_string_equal(d->model, "Simulated NVMe");
    assert_int_equal(d->sector_size, 512);
    assert_int_equal(d->sectors, DISK_BYTES / 512);
    assert_int_equal(d->max_pages, 32);       /* MDTS 5 */
    assert_null(blk_find("nvme0n2"));          /* inactive */
}

static void check_transfer(struct blk_dev *d, uint64_t page, uint32_t n)
{
    mpn_t out[40], in[40];
    for (uint32_t i = 0; i < n; i++) {
        out[i] = blk_test_page((uint8_t)(page + i));
        in[i] = page_alloc_zeroed(OWNER_TEST);
    }
    assert_int_equal(blk_rw(d, BLK_WRITE, page, out, n), 0);
    for (uint32_t i = 0; i < n; i++)
        assert_memory_equal(ctl.disk + (page + i) * 4096, plat_mpn_to_va(out[i]), 4096);
    assert_int_equal(blk_rw(d, BLK_READ, page, in, n), 0);
    for (uint32_t i = 0; i < n; i++) {
        assert_memory_equal(plat_mpn_to_va(in[i]), plat_mpn_to_va(out[i]), 4096);
        page_free(in[i]);
        page_free(out[i]);
    }
}

static void test_prps_and_block_sizes(void **state)
{
    (void)state;
    struct blk_dev *d = up();
    check_transfer(d, 3, 1);
    check_transfer(d, 7, 2);
    assert_int_equal(ctl.prp_lists, 0); /* PRP1 and PRP2 alone */
    check_transfer(d, 20, 3);
    assert_int_equal(ctl.prp_lists, 2);
    check_transfer(d, 100, 40); /* 32 + 8 pages: split by MDTS */
    assert_int_equal(ctl.io_cmds, 2 + 2 + 2 + 4);
}

static void test_4k_blocks(void **state)
{
    (void)state;
    ctl.lbads = 12;
    ctl.mdts = 0; /* no limit: the driver's own 64 */
    struct blk_dev *d = up();
    assert_int_equal(d->sector_size, 4096);
    assert_int_equal(d->max_pages, 64);
    check_transfer(d, 5, 33);
}

static void test_phase_tags_across_wraps(void **state)
{
    (void)state;
    struct blk_dev *d = up();
    mpn_t p = blk_test_page(9);
    /* 16-entry queues: 200 commands wrap them a dozen times. */
    for (unsigned i = 0; i < 100; i++) {
        assert_int_equal(blk_rw(d, BLK_WRITE, i % 50, &p, 1), 0);
        assert_int_equal(blk_rw(d, BLK_READ, i % 50, &p, 1), 0);
    }
    assert_int_equal(ctl.io_cmds, 200);
}

static void test_error_status(void **state)
{
    (void)state;
    struct blk_dev *d = up();
    ctl.bad_lba = 8 * 4 + 2; /* in page 4 */
    mpn_t p[2] = { blk_test_page(1), blk_test_page(2) };
    assert_int_equal(blk_rw(d, BLK_READ, 3, p, 2), -1);
    assert_string_equal(d->err, "read of pages 3+2: command 0x02 failed: unrecovered read error "
                                "(sct 2 sc 0x81)");
    assert_int_equal(blk_rw(d, BLK_WRITE, 4, p, 1), -1);
    assert_non_null(strstr(d->err, "write fault (sct 2 sc 0x80)"));
    /* Errors are the command's, not the controller's: it goes on. */
    assert_int_equal(blk_rw(d, BLK_WRITE, 6, p, 2), 0);
    assert_true(ctl.pci_cmd & PCI_CMD_MASTER);
}

static void quiet_or_confused(enum fmode mode, const char *said)
{
    struct blk_dev *d = up();
    ctl.mode = mode;
    mpn_t p = blk_test_page(3);
    uint64_t t0 = plat_time_ns();
    assert_int_equal(blk_rw(d, BLK_WRITE, 1, &p, 1), -1);
    assert_non_null(strstr(d->err, said));
    assert_true(plat_time_ns() - t0 <= 5100000000ULL);
    /* It can no longer write memory, and it was reset. */
    assert_false(ctl.pci_cmd & PCI_CMD_MASTER);
    assert_false(ctl.cc & 1);
    unsigned before = ctl.io_cmds;
    assert_int_equal(blk_rw(d, BLK_READ, 1, &p, 1), -1);
    assert_non_null(strstr(d->err, "disabled after an earlier failure"));
    assert_int_equal(ctl.io_cmds, before);
}

static void test_quiet_controller_times_out(void **state)
{
    (void)state;
    quiet_or_confused(F_MUTE, "timed out after 5000 ms");
}

static void test_wrong_completion_kills(void **state)
{
    (void)state;
    quiet_or_confused(F_BAD_CID, "bad completion: command id");
}

static void test_bring_up_failures(void **state)
{
    (void)state;
    ctl.mode = F_NEVER_READY;
    assert_int_equal(nvme_probe(), 0);
    assert_true(plat_time_ns() <= 1100000000ULL); /* CAP.TO: 1 s */
    assert_false(ctl.pci_cmd & PCI_CMD_MASTER);
    setup(NULL);
    ctl.cap &= ~(1ULL << 37); /* no NVM command set */
    assert_int_equal(nvme_probe(), 0);
    setup(NULL);
    ctl.present = false;
    assert_int_equal(nvme_probe(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bring_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prps_and_block_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_4k_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_phase_tags_across_wraps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quiet_controller_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_completion_kills, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bring_up_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
