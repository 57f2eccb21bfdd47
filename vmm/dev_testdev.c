/* QEMU's pc-testdev, from its register list (vmm/dev_testdev.h). */
#include "vmm/dev_testdev.h"
#include "lib/kstring.h"

void testdev_init(struct testdev *t, const struct testdev_host *host)
{
    memset(t, 0, sizeof *t);
    t->host = *host;
}

static bool is_latch(uint16_t port)
{
    return (port >= TESTDEV_LATCH_PORT && port < TESTDEV_FLUSH_PORT) ||
           (port >= TESTDEV_LATCH2_PORT && port <= TESTDEV_PORTS_LAST);
}

uint32_t testdev_port_read(struct testdev *t, uint16_t port, unsigned size)
{
    uint32_t v = 0;
    for (unsigned b = 0; b < size && b < 4; b++) {
        uint16_t p = (uint16_t)(port + b);
        uint8_t byte = is_latch(p) ? (uint8_t)(t->latch >> (8 * (p & 3))) : 0xff;
        v |= (uint32_t)byte << (8 * b);
    }
    return v;
}

void testdev_port_write(struct testdev *t, uint16_t port, unsigned size, uint32_t val)
{
    if (port == TESTDEV_FLUSH_PORT && size == 4) {
        t->flushes++;
        if (t->host.drop_page)
            t->host.drop_page(t->host.ctx, val & ~0xfffULL);
        return;
    }
    if (port >= TESTDEV_IRQ_PORT && port < TESTDEV_IRQ_PORT + TESTDEV_IRQ_LINES) {
        if (size == 1 && t->host.set_irq) {    /* QEMU takes byte writes only */
            t->irq_writes++;
            t->host.set_irq(t->host.ctx, port - TESTDEV_IRQ_PORT, (val & 0xff) != 0);
        }
        return;
    }
    for (unsigned b = 0; b < size && b < 4; b++) {
        uint16_t p = (uint16_t)(port + b);
        if (!is_latch(p))
            continue;
        unsigned shift = 8 * (p & 3);
        t->latch = (t->latch & ~(0xffu << shift)) | (((val >> (8 * b)) & 0xffu) << shift);
    }
}

bool testdev_iomem_owns(uint64_t gpa)
{
    return gpa >= TESTDEV_IOMEM_BASE && gpa < TESTDEV_IOMEM_BASE + TESTDEV_IOMEM_LEN;
}

/* The host's byte at `gpa`; NULL when it has none there. */
static uint8_t *iomem_byte(const struct testdev *t, uint64_t gpa)
{
    if (!testdev_iomem_owns(gpa))
        return NULL;
    uint64_t off = gpa - TESTDEV_IOMEM_BASE;
    uint8_t *page = t->host.iomem[off / 4096];
    return page ? page + off % 4096 : NULL;
}

uint64_t testdev_iomem_read(const struct testdev *t, uint64_t gpa, unsigned size)
{
    uint64_t v = 0;
    for (unsigned b = 0; b < size && b < 8; b++) {
        const uint8_t *p = iomem_byte(t, gpa + b);
        v |= (uint64_t)(p ? *p : 0xff) << (8 * b);
    }
    return v;
}

void testdev_iomem_write(struct testdev *t, uint64_t gpa, unsigned size, uint64_t val)
{
    for (unsigned b = 0; b < size && b < 8; b++) {
        uint8_t *p = iomem_byte(t, gpa + b);
        if (p)
            *p = (uint8_t)(val >> (8 * b));
    }
}
