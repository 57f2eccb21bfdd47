/*
 * NVMe driver, polled. Bring-up: reset (CC.EN = 0, wait CSTS.RDY = 0),
 * admin queues (AQA/ASQ/ACQ), enable, Identify Controller and Namespace,
 * Set Features (one I/O queue pair), Create I/O Completion Queue, Create I/O
 * Submission Queue. One command is outstanding at a time: the caller waits
 * for its completion (phase tag), so queues never fill and a command
 * identifier mismatch means the controller is confused. Any timeout marks
 * the controller dead: its queue state is unknown, and guessing could let it
 * DMA into pages we reuse.
 */
#include "drivers/nvme.h"
#include "drivers/nvme_data.h"
#include "drivers/block.h"
#include "drivers/pci.h"
#include "drivers/nvme_io.h"
#include "arch/x86_64/paging.h"
#include "include/hv/platform.h"
#include "drivers/driver_log.h"
#include "mm/page_alloc.h"
#include "lib/format.h"
#include "lib/kstring.h"

/* Controller registers (offsets in BAR0). */
#define REG_CAP   0x00
#define REG_VS    0x08
#define REG_CC    0x14
#define REG_CSTS  0x1c
#define REG_AQA   0x24
#define REG_ASQ   0x28
#define REG_ACQ   0x30
#define REG_DOORBELLS 0x1000

#define CC_EN        (1u << 0)
#define CC_IOSQES(n) ((uint32_t)(n) << 16) /* log2 of the SQ entry size: 64 B */
#define CC_IOCQES(n) ((uint32_t)(n) << 20) /* log2 of the CQ entry size: 16 B */
#define CSTS_RDY     (1u << 0)
#define CSTS_CFS     (1u << 1)

/* Opcodes. */
#define ADMIN_CREATE_SQ   0x01
#define ADMIN_CREATE_CQ   0x05
#define ADMIN_IDENTIFY    0x06
#define ADMIN_SET_FEATURES 0x09
#define FEAT_NUM_QUEUES   0x07
#define IO_WRITE          0x01
#define IO_READ           0x02

#define CNS_NAMESPACE  0x00
#define CNS_CONTROLLER 0x01

#define QUEUE_DEPTH    16   /* one command at a time needs 2; a few spare */
#define MAX_PAGES      64   /* per command: a PRP list of 63 entries */
#define MAX_CTRLS      2
#define MAX_NS         4    /* namespaces registered per controller */
#define CMD_TIMEOUT_NS 5000000000ULL

struct sqe {
    uint32_t cdw0;      /* opcode 7:0, command identifier 31:16 */
    uint32_t nsid;
    uint32_t rsvd[2];
    uint64_t mptr;
    uint64_t prp1, prp2;
    uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};
_Static_assert(sizeof(struct sqe) == 64, "submission queue entry is 64 bytes");
_Static_assert(sizeof(struct nvme_cqe) == 16, "completion queue entry is 16 bytes");

struct qpair {
    uint16_t id;
    uint16_t depth;
    struct sqe *sq;            /* one page each, direct-mapped */
    volatile struct nvme_cqe *cq;
    mpn_t sq_mpn, cq_mpn;
    uint16_t sq_tail, cq_head;
    uint8_t phase;             /* the phase a new completion carries */
    uint32_t sq_db, cq_db;     /* doorbell offsets in BAR0 */
};

struct nvme_ctrl {
    unsigned index;
    struct pci_addr pci;
    volatile uint8_t *regs;
    struct nvme_cap cap;
    struct nvme_ctrl_id id;
    struct qpair admin, io;
    uint16_t next_cid;
    mpn_t prp_list, scratch;
    bool dead;
    char err[BLK_ERR_MAX];
};

struct nvme_ns {
    struct blk_dev blk;
    struct nvme_ctrl *c;
    uint32_t nsid;
    uint32_t blocks_per_page;
};

static struct nvme_ctrl ctrls[MAX_CTRLS];
static struct nvme_ns namespaces[MAX_CTRLS * MAX_NS];
static unsigned nns;

static uint32_t rd32(struct nvme_ctrl *c, uint32_t off) { return nvme_reg_read(c->regs, off); }
static void wr32(struct nvme_ctrl *c, uint32_t off, uint32_t v) { nvme_reg_write(c->regs, off, v); }

/* 64-bit registers as two dword accesses, low first: allowed by the spec
 * and safe on any PCI path. */
static uint64_t rd64(struct nvme_ctrl *c, uint32_t off)
{
    return rd32(c, off) | (uint64_t)rd32(c, off + 4) << 32;
}

static void wr64(struct nvme_ctrl *c, uint32_t off, uint64_t v)
{
    wr32(c, off, (uint32_t)v);
    wr32(c, off + 4, (uint32_t)(v >> 32));
}

static uint64_t mpn_phys(mpn_t m) { return m << PAGE_SHIFT; }

/* Waits until (CSTS & mask) == want; false on timeout, fatal status or a
 * controller that reads all ones (gone from the bus). */
static bool wait_csts(struct nvme_ctrl *c, uint32_t mask, uint32_t want)
{
    uint64_t deadline = plat_time_ns() + c->cap.timeout_ns;
    for (;;) {
        uint32_t s = rd32(c, REG_CSTS);
        if (s == 0xffffffffu) {
            ksnprintf(c->err, sizeof c->err, "controller not responding (CSTS reads all ones)");
            return false;
        }
        if ((s & mask) == want)
            return true;
        if (s & CSTS_CFS) {
            ksnprintf(c->err, sizeof c->err, "controller fatal status (CSTS 0x%x)", s);
            return false;
        }
        if (plat_time_ns() > deadline) {
            ksnprintf(c->err, sizeof c->err, "CSTS.RDY did not become %u within %llu ms",
                      want ? 1 : 0, (unsigned long long)(c->cap.timeout_ns / 1000000));
            return false;
        }
        nvme_poll_pause();
    }
}

static bool queue_alloc(struct nvme_ctrl *c, struct qpair *q, uint16_t id, uint16_t depth)
{
    q->id = id;
    q->depth = depth;
    q->sq_mpn = page_alloc_zeroed(OWNER_IO);
    q->cq_mpn = page_alloc_zeroed(OWNER_IO);
    if (q->sq_mpn == INVALID_MPN || q->cq_mpn == INVALID_MPN)
        return false;
    q->sq = plat_mpn_to_va(q->sq_mpn);
    q->cq = plat_mpn_to_va(q->cq_mpn);
    q->sq_tail = q->cq_head = 0;
    q->phase = 1; /* the zeroed queue holds phase 0: new entries carry 1 */
    uint32_t s = c->cap.db_stride;
    q->sq_db = REG_DOORBELLS + (2u * id) * s;
    q->cq_db = REG_DOORBELLS + (2u * id + 1) * s;
    return true;
}

/* A controller that timed out or completed nonsense may still be working
 * on a command whose pages we hand back to their owners: take its bus
 * mastering away so it can never write them, and reset it (which aborts
 * what it holds). It is not used again. */
static void kill_ctrl(struct nvme_ctrl *c)
{
    c->dead = true;
    pci_write16(c->pci, PCI_COMMAND,
                (uint16_t)(pci_read16(c->pci, PCI_COMMAND) & ~PCI_CMD_MASTER));
    if (c->regs)
        wr32(c, REG_CC, rd32(c, REG_CC) & ~CC_EN);
}

/* Submits `cmd` on `q` and waits for its completion. Returns 0, or -1 with
 * the reason in c->err. */
static int run_cmd(struct nvme_ctrl *c, struct qpair *q, struct sqe *cmd, uint32_t *dw0)
{
    if (c->dead) {
        ksnprintf(c->err, sizeof c->err, "controller disabled after an earlier failure");
        return -1;
    }
    uint16_t cid = c->next_cid++;
    cmd->cdw0 = (cmd->cdw0 & 0xffff) | (uint32_t)cid << 16;
    q->sq[q->sq_tail] = *cmd;
    q->sq_tail = (uint16_t)((q->sq_tail + 1) % q->depth);
    /* The entry must be in memory before the controller hears of it. */
    __asm__ volatile("mfence" ::: "memory");
    wr32(c, q->sq_db, q->sq_tail);

    uint64_t deadline = plat_time_ns() + CMD_TIMEOUT_NS;
    struct nvme_cqe e;
    for (;;) {
        e.dw3 = q->cq[q->cq_head].dw3;
        if (nvme_cqe_phase(&e) == q->phase)
            break;
        if (plat_time_ns() > deadline) {
            ksnprintf(c->err, sizeof c->err,
                      "command 0x%02x timed out after %llu ms (CSTS 0x%x); controller disabled",
                      cmd->cdw0 & 0xff, (unsigned long long)(CMD_TIMEOUT_NS / 1000000),
                      rd32(c, REG_CSTS));
            kill_ctrl(c);
            return -1;
        }
        nvme_poll_pause();
    }
    /* The phase was read first; the rest of the entry is valid from then. */
    e.dw0 = q->cq[q->cq_head].dw0;
    e.dw2 = q->cq[q->cq_head].dw2;
    q->cq_head = (uint16_t)((q->cq_head + 1) % q->depth);
    if (q->cq_head == 0)
        q->phase ^= 1;
    wr32(c, q->cq_db, q->cq_head);

    if (nvme_cqe_cid(&e) != cid || nvme_cqe_sqid(&e) != q->id || nvme_cqe_sqhd(&e) >= q->depth) {
        kill_ctrl(c);
        ksnprintf(c->err, sizeof c->err,
                  "bad completion: command id %u (expected %u), queue %u (expected %u), "
                  "head %u", nvme_cqe_cid(&e), cid, nvme_cqe_sqid(&e), q->id, nvme_cqe_sqhd(&e));
        return -1;
    }
    uint16_t st = nvme_cqe_status(&e);
    if (st & 0x7ff) {
        char txt[64];
        nvme_status_text(st, txt, sizeof txt);
        ksnprintf(c->err, sizeof c->err, "command 0x%02x failed: %s", cmd->cdw0 & 0xff, txt);
        return -1;
    }
    if (dw0)
        *dw0 = e.dw0;
    return 0;
}

static int identify(struct nvme_ctrl *c, uint32_t cns, uint32_t nsid)
{
    memset(plat_mpn_to_va(c->scratch), 0, PAGE_SIZE);
    struct sqe cmd = { .cdw0 = ADMIN_IDENTIFY, .nsid = nsid, .prp1 = mpn_phys(c->scratch),
                       .cdw10 = cns };
    return run_cmd(c, &c->admin, &cmd, NULL);
}

static int ns_rw(struct blk_dev *b, enum blk_op op, uint64_t page, const mpn_t *pages, uint32_t n)
{
    struct nvme_ns *ns = (struct nvme_ns *)b;
    struct nvme_ctrl *c = ns->c;
    struct sqe cmd = { .cdw0 = op == BLK_WRITE ? IO_WRITE : IO_READ, .nsid = ns->nsid };
    uint64_t lba = page * ns->blocks_per_page;
    cmd.cdw10 = (uint32_t)lba;
    cmd.cdw11 = (uint32_t)(lba >> 32);
    cmd.cdw12 = n * ns->blocks_per_page - 1; /* NLB, 0's based; n <= MAX_PAGES */
    cmd.prp1 = mpn_phys(pages[0]);
    if (n == 2) {
        cmd.prp2 = mpn_phys(pages[1]);
    } else if (n > 2) {
        /* PRP2 points at a list of the remaining pages (fits one page). */
        uint64_t *list = plat_mpn_to_va(c->prp_list);
        for (uint32_t i = 1; i < n; i++)
            list[i - 1] = mpn_phys(pages[i]);
        cmd.prp2 = mpn_phys(c->prp_list);
    }
    if (run_cmd(c, &c->io, &cmd, NULL) != 0) {
        ksnprintf(b->err, sizeof b->err, "%s of pages %llu+%u: %s",
                  op == BLK_WRITE ? "write" : "read", (unsigned long long)page, n, c->err);
        return -1;
    }
    return 0;
}

static const struct blk_ops nvme_ops = { ns_rw };

static bool create_io_queues(struct nvme_ctrl *c)
{
    uint16_t depth = (uint16_t)MIN(QUEUE_DEPTH, c->cap.max_entries);
    if (!queue_alloc(c, &c->io, 1, depth)) {
        ksnprintf(c->err, sizeof c->err, "out of memory for the I/O queues");
        return false;
    }
    /* One submission and one completion queue (both 0's based). */
    struct sqe sf = { .cdw0 = ADMIN_SET_FEATURES, .cdw10 = FEAT_NUM_QUEUES, .cdw11 = 0 };
    if (run_cmd(c, &c->admin, &sf, NULL) != 0)
        return false;
    struct sqe cq = { .cdw0 = ADMIN_CREATE_CQ, .prp1 = mpn_phys(c->io.cq_mpn),
                      .cdw10 = (uint32_t)(depth - 1) << 16 | 1,
                      .cdw11 = 1 /* physically contiguous, interrupts off */ };
    if (run_cmd(c, &c->admin, &cq, NULL) != 0)
        return false;
    struct sqe sq = { .cdw0 = ADMIN_CREATE_SQ, .prp1 = mpn_phys(c->io.sq_mpn),
                      .cdw10 = (uint32_t)(depth - 1) << 16 | 1,
                      .cdw11 = 1u << 16 /* completion queue 1 */ | 1 /* contiguous */ };
    return run_cmd(c, &c->admin, &sq, NULL) == 0;
}

/* Maps controller registers at `bar`, resets and enables the controller
 * with its admin queues. */
static bool bring_up(struct nvme_ctrl *c, uint64_t bar)
{
    /* CAP first, from the first page; it says how far the doorbells reach. */
    c->regs = mmio_map(bar, PAGE_SIZE);
    if (!c->regs) {
        ksnprintf(c->err, sizeof c->err, "cannot map BAR0 at 0x%llx", (unsigned long long)bar);
        return false;
    }
    uint64_t cap = rd64(c, REG_CAP);
    if (cap == ~0ULL) {
        ksnprintf(c->err, sizeof c->err, "CAP reads all ones");
        return false;
    }
    nvme_decode_cap(cap, &c->cap);
    if (!c->cap.nvm_cmd_set || c->cap.page_min > PAGE_SIZE || c->cap.max_entries < 2) {
        ksnprintf(c->err, sizeof c->err,
                  "unsupported: NVM command set %s, minimum page %u bytes, %u queue entries",
                  c->cap.nvm_cmd_set ? "yes" : "no", c->cap.page_min, c->cap.max_entries);
        return false;
    }
    /* The doorbells of queues 0 and 1 (DSTRD may spread them over 512 KiB). */
    c->regs = mmio_map(bar, REG_DOORBELLS + 4 * c->cap.db_stride);
    if (!c->regs) {
        ksnprintf(c->err, sizeof c->err, "cannot map the doorbells");
        return false;
    }
    /* The firmware may have left it running with queues in memory that is
     * ours now: disable first, whatever state it is in. */
    wr32(c, REG_CC, rd32(c, REG_CC) & ~CC_EN);
    if (!wait_csts(c, CSTS_RDY, 0))
        return false;
    uint16_t depth = (uint16_t)MIN(QUEUE_DEPTH, c->cap.max_entries);
    c->scratch = page_alloc_zeroed(OWNER_IO);
    c->prp_list = page_alloc_zeroed(OWNER_IO);
    if (c->scratch == INVALID_MPN || c->prp_list == INVALID_MPN ||
        !queue_alloc(c, &c->admin, 0, depth)) {
        ksnprintf(c->err, sizeof c->err, "out of memory for the admin queues");
        return false;
    }
    wr32(c, REG_AQA, (uint32_t)(depth - 1) << 16 | (uint32_t)(depth - 1));
    wr64(c, REG_ASQ, mpn_phys(c->admin.sq_mpn));
    wr64(c, REG_ACQ, mpn_phys(c->admin.cq_mpn));
    /* NVM command set, 4 KiB memory pages (MPS 0), round robin. */
    wr32(c, REG_CC, CC_IOCQES(4) | CC_IOSQES(6) | CC_EN);
    return wait_csts(c, CSTS_RDY, CSTS_RDY);
}

static void add_namespaces(struct nvme_ctrl *c)
{
    uint32_t last = MIN(c->id.nn, (uint32_t)MAX_NS);
    for (uint32_t nsid = 1; nsid <= last; nsid++) {
        struct nvme_ns_id nid;
        char why[80];
        if (identify(c, CNS_NAMESPACE, nsid) != 0) {
            DRV_LOG_WARN("nvme%u: namespace %u: Identify failed: %s", c->index, nsid, c->err);
            continue;
        }
        if (!nvme_parse_ns_id(plat_mpn_to_va(c->scratch), &nid, why, sizeof why)) {
            /* Inactive namespace IDs are normal (QEMU lists 256): debug only. */
            if (nid.blocks)
                DRV_LOG_WARN("nvme%un%u: not used: %s", c->index, nsid, why);
            else
                DRV_LOG_DEBUG("nvme%un%u: not used: %s", c->index, nsid, why);
            continue;
        }
        struct nvme_ns *ns = &namespaces[nns];
        memset(ns, 0, sizeof *ns);
        ns->c = c;
        ns->nsid = nsid;
        ns->blocks_per_page = PAGE_SIZE / nid.block_size;
        ksnprintf(ns->blk.name, sizeof ns->blk.name, "nvme%un%u", c->index, nsid);
        str_copy(ns->blk.model, c->id.model, sizeof ns->blk.model);
        ns->blk.sector_size = nid.block_size;
        ns->blk.sectors = nid.blocks;
        ns->blk.max_pages = c->id.mdts_pages ? MIN(c->id.mdts_pages, (uint32_t)MAX_PAGES)
                                             : MAX_PAGES;
        ns->blk.ops = &nvme_ops;
        if (!blk_register(&ns->blk)) {
            DRV_LOG_WARN("%s: not registered (registry full or no whole page)", ns->blk.name);
            continue;
        }
        nns++;
        DRV_LOG_INFO("nvme: %s: '%s' serial '%s', %llu blocks of %u bytes (%llu MiB), "
                 "up to %u pages per command", ns->blk.name, c->id.model, c->id.serial,
                 (unsigned long long)nid.blocks, nid.block_size,
                 (unsigned long long)(nid.blocks * nid.block_size >> 20), ns->blk.max_pages);
    }
}

unsigned nvme_probe(void)
{
    unsigned before = nns;
    for (unsigned i = 0; i < MAX_CTRLS; i++) {
        struct pci_addr a;
        if (!pci_find_class(0x01, 0x08, 0x02, i, &a))
            break;
        struct nvme_ctrl *c = &ctrls[i];
        memset(c, 0, sizeof *c);
        c->index = i;
        c->pci = a;
        uint64_t bar = pci_bar_mem(a, 0);
        if (!bar) {
            DRV_LOG_WARN("nvme%u: PCI %02x:%02x.%u has no memory BAR0; skipped", i, a.bus, a.dev, a.fn);
            continue;
        }
        /* Memory decoding and bus mastering on, legacy interrupts off: we poll. */
        pci_write16(a, PCI_COMMAND, (uint16_t)(pci_read16(a, PCI_COMMAND) | PCI_CMD_MEMORY |
                                               PCI_CMD_MASTER | PCI_CMD_INTX_OFF));
        bool ok = bring_up(c, bar) && identify(c, CNS_CONTROLLER, 0) == 0;
        if (ok)
            nvme_parse_ctrl_id(plat_mpn_to_va(c->scratch), c->cap.page_min, &c->id);
        if (!ok || !create_io_queues(c)) {
            /* Its queue pages stay allocated (never reused), in case the
             * controller ignores even the loss of bus mastering. */
            kill_ctrl(c);
            DRV_LOG_WARN("nvme%u: PCI %02x:%02x.%u not used: %s", i, a.bus, a.dev, a.fn, c->err);
            continue;
        }
        uint32_t vs = rd32(c, REG_VS);
        DRV_LOG_INFO("nvme%u: PCI %02x:%02x.%u, NVMe %u.%u, '%s', %u namespace(s), doorbell stride "
                 "%u, CAP.TO %llu ms", i, a.bus, a.dev, a.fn, vs >> 16, (vs >> 8) & 0xff,
                 c->id.model, c->id.nn, c->cap.db_stride,
                 (unsigned long long)(c->cap.timeout_ns / 1000000));
        add_namespaces(c);
    }
    return nns - before;
}
