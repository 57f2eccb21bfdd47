/* PCI configuration mechanism #1: an address written to 0xCF8 selects a
 * dword that 0xCFC then reads or writes. */
#include "drivers/pci.h"
#include "arch/x86_64/cpu.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA    0xcfc

static uint32_t cfg_addr(struct pci_addr a, uint8_t off)
{
    return 0x80000000u | (uint32_t)a.bus << 16 | (uint32_t)(a.dev & 31) << 11 |
           (uint32_t)(a.fn & 7) << 8 | (off & 0xfc);
}

/* Boot and the shell run on one CPU, one command at a time, so the
 * address/data pair needs no lock today; interrupt handlers never touch it. */
uint32_t pci_read32(struct pci_addr a, uint8_t off)
{
    outl(CONFIG_ADDRESS, cfg_addr(a, off));
    return inl(CONFIG_DATA);
}

void pci_write32(struct pci_addr a, uint8_t off, uint32_t v)
{
    outl(CONFIG_ADDRESS, cfg_addr(a, off));
    outl(CONFIG_DATA, v);
}

uint16_t pci_read16(struct pci_addr a, uint8_t off)
{
    return (uint16_t)(pci_read32(a, off) >> ((off & 2) * 8));
}

void pci_write16(struct pci_addr a, uint8_t off, uint16_t v)
{
    uint32_t d = pci_read32(a, off);
    unsigned sh = (off & 2) * 8;
    d = (d & ~(0xffffu << sh)) | (uint32_t)v << sh;
    pci_write32(a, off, d);
}

bool pci_find_class(uint8_t cls, uint8_t sub, int prog_if, unsigned index, struct pci_addr *out)
{
    for (unsigned bus = 0; bus < 256; bus++) {
        for (uint8_t dev = 0; dev < 32; dev++) {
            struct pci_addr a = { (uint8_t)bus, dev, 0 };
            if ((pci_read32(a, PCI_VENDOR_ID) & 0xffff) == 0xffff)
                continue;
            /* Functions 1-7 exist only on multi-function devices. */
            uint8_t nfn = (pci_read32(a, 0x0c) >> 16) & 0x80 ? 8 : 1;
            for (uint8_t fn = 0; fn < nfn; fn++) {
                a.fn = fn;
                if ((pci_read32(a, PCI_VENDOR_ID) & 0xffff) == 0xffff)
                    continue;
                uint32_t c = pci_read32(a, PCI_CLASS_REV);
                if ((c >> 24) != cls || ((c >> 16) & 0xff) != sub)
                    continue;
                if (prog_if >= 0 && ((c >> 8) & 0xff) != (uint32_t)prog_if)
                    continue;
                if (index-- == 0) {
                    *out = a;
                    return true;
                }
            }
        }
    }
    return false;
}

uint64_t pci_bar_mem(struct pci_addr a, unsigned bar)
{
    if (bar > 5)
        return 0;
    uint8_t off = (uint8_t)(PCI_BAR0 + 4 * bar);
    uint32_t lo = pci_read32(a, off);
    if (lo & 1)
        return 0; /* an I/O BAR */
    uint64_t base = lo & ~0xfULL;
    if (((lo >> 1) & 3) == 2) { /* 64-bit: the next register is the high half */
        if (bar == 5)
            return 0;
        base |= (uint64_t)pci_read32(a, (uint8_t)(off + 4)) << 32;
    }
    return base;
}
