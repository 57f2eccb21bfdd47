/* PCI configuration space through the legacy ports 0xCF8/0xCFC (every PC
 * chipset and both emulators have them; ECAM is not needed for the
 * registers below 256), and a search by class code. */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include "include/hv/types.h"

struct pci_addr {
    uint8_t bus, dev, fn;
};

#define PCI_VENDOR_ID   0x00
#define PCI_COMMAND     0x04
#define PCI_CLASS_REV   0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0        0x10

#define PCI_CMD_IO      (1u << 0)
#define PCI_CMD_MEMORY  (1u << 1)
#define PCI_CMD_MASTER  (1u << 2)
#define PCI_CMD_INTX_OFF (1u << 10)

uint32_t pci_read32(struct pci_addr a, uint8_t off);
void pci_write32(struct pci_addr a, uint8_t off, uint32_t v);
uint16_t pci_read16(struct pci_addr a, uint8_t off);
void pci_write16(struct pci_addr a, uint8_t off, uint16_t v);

/* The `index`-th function (0 = first, in bus/device/function order) whose
 * class, subclass and programming interface match; prog_if < 0 matches any.
 * False when there is none. */
bool pci_find_class(uint8_t cls, uint8_t sub, int prog_if, unsigned index, struct pci_addr *out);

/* The physical address of memory BAR `bar` (a 64-bit BAR takes two
 * registers); 0 for an I/O BAR or an unassigned one. */
uint64_t pci_bar_mem(struct pci_addr a, unsigned bar);

#endif
