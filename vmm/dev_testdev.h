/* QEMU's "pc-testdev", which test suites for hypervisors (kvm-unit-tests)
 * expect beside the isa-debug-exit port: not a device any PC has, so a VM
 * gets it only with `testdev.present = TRUE`. Its registers, as QEMU
 * defines them:
 *   0xe0-0xe3  a 32-bit latch: what is written reads back, byte by byte;
 *   0xe4       a 32-bit write names a guest-physical page whose mapping the
 *              host drops, so the guest's next access to it faults into the
 *              monitor (tests of events delivered through such a page);
 *   0xe8-0xeb  the same latch;
 *   0x2000+N   a byte write sets interrupt line N (0-23) to the value's
 *              truth: ISA lines to the 8259 and the I/O APIC, 16-23 to the
 *              I/O APIC alone;
 *   0xff000000 64 KiB that hold what is written. In QEMU every access to
 *              them traps and is emulated (tests of KVM's instruction
 *              emulator); all the guest can see is memory, and here they
 *              are memory, the host's pages mapped there
 *              (vmm/testdev_attach.c), so every instruction form works on
 *              them, as every form the emulator knows does under KVM. The
 *              model reads and writes them only for the monitor's own
 *              accesses (string I/O, an access that also touches a page
 *              beyond them).
 * Pure state machine: the line, the page drop and the window's pages come
 * from `host`. */
#ifndef VMM_DEV_TESTDEV_H
#define VMM_DEV_TESTDEV_H

#include "include/hv/types.h"

#define TESTDEV_LATCH_PORT   0xe0
#define TESTDEV_FLUSH_PORT   0xe4
#define TESTDEV_LATCH2_PORT  0xe8
#define TESTDEV_PORTS_LAST   0xeb
#define TESTDEV_IRQ_PORT     0x2000
#define TESTDEV_IRQ_LINES    24
#define TESTDEV_IOMEM_BASE   0xff000000ULL
#define TESTDEV_IOMEM_LEN    0x10000u
#define TESTDEV_IOMEM_PAGES  (TESTDEV_IOMEM_LEN / 4096)

struct testdev_host {
    void (*set_irq)(void *ctx, unsigned line, bool level);
    void (*drop_page)(void *ctx, uint64_t gpa);
    void *ctx;
    /* The window's pages, 4 KiB each (NULL: none there; reads all ones). */
    uint8_t *iomem[TESTDEV_IOMEM_PAGES];
};

struct testdev {
    struct testdev_host host;
    uint32_t latch;
    uint64_t flushes, irq_writes;       /* for `stats`: what the guest asked */
};

void testdev_init(struct testdev *t, const struct testdev_host *host);

/* Ports [TESTDEV_LATCH_PORT, TESTDEV_PORTS_LAST] and the interrupt lines'
 * [TESTDEV_IRQ_PORT, + TESTDEV_IRQ_LINES). A port or size the device does
 * not answer reads as all ones and ignores writes, as QEMU's does. */
uint32_t testdev_port_read(struct testdev *t, uint16_t port, unsigned size);
void testdev_port_write(struct testdev *t, uint16_t port, unsigned size, uint32_t val);

/* The memory window: `gpa` and `size` (1-8 bytes) as the access gave them;
 * bytes past the window's end, or in a page the host gave none for, read as
 * all ones and are not written. */
bool testdev_iomem_owns(uint64_t gpa);
uint64_t testdev_iomem_read(const struct testdev *t, uint64_t gpa, unsigned size);
void testdev_iomem_write(struct testdev *t, uint64_t gpa, unsigned size, uint64_t val);

#endif
