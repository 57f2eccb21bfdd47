/* A VM's pc-testdev: see vmm/testdev_attach.h. */
#include "vmm/testdev_attach.h"
#include "vmm/dev_testdev.h"
#include "vmm/vplatform.h"
#include "kernel/vm.h"
#include "mm/heap.h"
#include "mm/guest_mem.h"
#include "mm/guest_devmem.h"
#include "lib/format.h"

struct testdev_vm {
    struct vm *vm;
    struct vplatform *plat;
    struct testdev dev;
    mpn_t window[TESTDEV_IOMEM_PAGES];   /* mapped at TESTDEV_IOMEM_BASE */
};

static void set_irq(void *ctx, unsigned line, bool level)
{
    struct testdev_vm *t = ctx;
    if (line < 16)
        vplatform_isa_irq(t->plat, line, level);
    else
        vplatform_gsi(t->plat, line, level);
    t->plat->next_deadline = 0;   /* an interrupt may be deliverable: the next entry looks */
}

static void drop_page(void *ctx, uint64_t gpa)
{
    struct testdev_vm *t = ctx;
    guest_mem_unmap(&t->vm->mem.ram, gpa);
}

static enum io_result testdev_io(void *dev, struct vm *vm, uint16_t port, unsigned size, bool in,
                                 uint32_t *val)
{
    (void)vm;
    struct testdev_vm *t = dev;
    if (in)
        *val = testdev_port_read(&t->dev, port, size);
    else
        testdev_port_write(&t->dev, port, size, *val);
    return IO_DONE;
}

/* Runs after guest_mem_destroy in vm_reap: no mapping points at the
 * window's pages then. */
static void destroy(void *state)
{
    struct testdev_vm *t = state;
    t->plat->testdev = NULL;
    guest_devmem_free(t->window, TESTDEV_IOMEM_PAGES);
    kfree(t);
}

bool testdev_attach(struct vm *vm, struct vplatform *plat, char *why, size_t whylen)
{
    if (!vm->cfg.testdev_present)
        return true;
    struct testdev_vm *t = kzalloc(sizeof *t);
    if (!t || !vm_device_add(&vm->devices, "pc-testdev", t, destroy)) {
        kfree(t);
        ksnprintf(why, whylen, "no memory for its pc-testdev");
        return false;
    }
    t->vm = vm;
    t->plat = plat;
    struct testdev_host host = { set_irq, drop_page, t, { NULL } };
    bool mapped = guest_devmem_map(&vm->mem.ram, TESTDEV_IOMEM_BASE, t->window, TESTDEV_IOMEM_PAGES);
    for (unsigned i = 0; i < TESTDEV_IOMEM_PAGES; i++)
        if (t->window[i] != INVALID_MPN)
            host.iomem[i] = plat_mpn_to_va(t->window[i]);
    testdev_init(&t->dev, &host);
    if (!mapped) {      /* destroy frees what was taken */
        ksnprintf(why, whylen, "no memory for its pc-testdev's window");
        return false;
    }
    plat->testdev = &t->dev;
    if (!vm_ports_claim(&vm->devices, TESTDEV_LATCH_PORT, TESTDEV_PORTS_LAST, testdev_io, t) ||
        !vm_ports_claim(&vm->devices, TESTDEV_IRQ_PORT, TESTDEV_IRQ_PORT + TESTDEV_IRQ_LINES - 1,
                        testdev_io, t)) {
        ksnprintf(why, whylen, "no port slots for its pc-testdev");
        return false;
    }
    return true;
}
