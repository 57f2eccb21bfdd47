/*
 * What a guest is told through ACPI (ACPI 6.x spec, chapter 5): a pure
 * generator of the tables a PC guest finds by scanning the BIOS area for
 * "RSD PTR ". One block holds them all:
 *
 *   RSDP (revision 2) -> XSDT and RSDT -> FADT, MADT
 *   FADT -> FACS, DSDT; PM1a event and control blocks and the PM timer in
 *           port space (ACPI_GUEST_PM_BASE), SCI on IRQ 9, the reset
 *           register (port 0xCF9, value 6), not hardware-reduced
 *   MADT    one local APIC per vCPU, the I/O APIC at 0xFEC00000 with GSI
 *           base 0, ISA IRQ 0 -> GSI 2 and the SCI (level, active high)
 *   HPET    (when the VM has one) the event timer block at 0xFED00000
 *   DSDT    \_S3 and \_S5 (the sleep types the PM1 device takes as suspend
 *           to RAM and power off), COM1
 *           (PNP0501: ports 0x3F8-0x3FF, IRQ 4), the HPET (PNP0103, when
 *           there is one) and one LNRO0005 device per
 *           virtio-mmio transport (memory window and interrupt), which is
 *           how Linux finds virtio-mmio
 *
 * No guest input reaches it (the VM's configuration does): sizes and
 * counts are still checked, and a block too small is refused, not overrun.
 * Hosted tests parse the result back with the host's own ACPI reader.
 */
#ifndef VMM_ACPI_GUEST_H
#define VMM_ACPI_GUEST_H

#include "include/hv/types.h"

#define ACPI_GUEST_MAX_CPUS 16
#define ACPI_GUEST_MAX_VIRTIO 16
#define ACPI_GUEST_IOAPIC_BASE 0xFEC00000u
#define ACPI_GUEST_LAPIC_BASE 0xFEE00000u
#define ACPI_GUEST_SCI_IRQ 9
/* The HPET's register block, and its Event Timer Block ID (the low half
 * of its capabilities register: vmm/dev_hpet.h). */
#define ACPI_GUEST_HPET_BASE 0xFED00000u
#define ACPI_GUEST_HPET_LEN 0x400u
/* PM1a_EVT (status, enable) at +0, PM1a_CNT at +4, PM_TMR at +8. */
#define ACPI_GUEST_PM_BASE 0x600
#define ACPI_GUEST_PM_LEN 12
#define ACPI_GUEST_RESET_PORT 0xCF9
#define ACPI_GUEST_RESET_VALUE 0x06
/* The SLP_TYP \_S5 declares: what PM1a_CNT takes as "power off". */
#define ACPI_GUEST_S5_TYP 5
/* \_S3's, suspend to RAM: 1, as QEMU's PIIX4 board has it (test kernels
 * write it without reading the DSDT). */
#define ACPI_GUEST_S3_TYP 1
/* No block below this is tried: the fixed tables alone take more. */
#define ACPI_GUEST_MIN_BLOCK 512

struct acpi_guest_virtio {
    uint64_t base;         /* its register window (guest-physical) */
    uint32_t size;
    uint32_t gsi;          /* its interrupt, an I/O APIC input */
    bool level;            /* level-triggered, else edge */
};

struct acpi_guest_cfg {
    unsigned ncpus;        /* 1..ACPI_GUEST_MAX_CPUS: APIC IDs 0..ncpus-1 */
    const struct acpi_guest_virtio *virtio;
    unsigned nvirtio;      /* 0..ACPI_GUEST_MAX_VIRTIO */
    bool hpet;             /* an HPET table and device */
    uint32_t hpet_block_id; /* its capabilities' low half (GCAP_ID 31:0) */
};

/* Where each table landed (guest-physical). */
struct acpi_guest_layout {
    uint64_t rsdp, xsdt, rsdt, fadt, facs, madt, dsdt, hpet; /* hpet: 0 if none */
    size_t used;           /* bytes of the block used */
};

/* Writes the tables into buf[0, cap), which the guest will see at
 * guest-physical `base` (16-byte aligned, the block below 4 GiB). Returns
 * the bytes used, or 0 with `why` set when the configuration is out of
 * range or the block is too small. */
size_t acpi_guest_build(const struct acpi_guest_cfg *cfg, uint64_t base, uint8_t *buf,
                        size_t cap, struct acpi_guest_layout *out, const char **why);

#endif
