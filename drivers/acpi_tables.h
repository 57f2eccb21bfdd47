/*
 * ACPI table discovery and parsing: RSDP -> XSDT (or RSDT) -> MADT, FADT,
 * DSDT. Tables come from firmware and are treated as untrusted input: every
 * length and checksum is checked, every pointer is reached through the
 * caller's `map` function, and a bad table is skipped with a reason rather
 * than trusted. No allocation: results land in fixed-size structs.
 */
#ifndef DRIVERS_ACPI_TABLES_H
#define DRIVERS_ACPI_TABLES_H

#include "include/hv/types.h"

/* Returns a pointer through which `len` bytes at physical `phys` can be
 * read, or NULL when that range cannot be reached. */
typedef const void *(*acpi_map_fn)(uint64_t phys, size_t len, void *ctx);

/* ACPI Generic Address Structure. */
struct acpi_gas {
    uint8_t space;      /* 0 memory, 1 system I/O */
    uint8_t bit_width, bit_offset, access_size;
    uint64_t address;
};

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_ISOS 16

struct acpi_ioapic {
    uint8_t id;
    uint32_t address;
    uint32_t gsi_base;
};

/* Interrupt source override: ISA `irq` arrives on `gsi` with `flags`
 * (MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2). */
struct acpi_iso {
    uint8_t irq;
    uint32_t gsi;
    uint16_t flags;
};

struct acpi_info {
    uint8_t revision;        /* RSDP revision: 0 = ACPI 1.0 (RSDT) */
    char oem_id[7];

    /* MADT */
    bool have_madt;
    uint64_t lapic_address;
    bool pcat_compat;        /* dual 8259s present: mask them */
    uint32_t ncpus;
    uint32_t cpu_apic_id[ACPI_MAX_CPUS]; /* enabled (or online-capable) CPUs */
    uint32_t nioapics;
    struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
    uint32_t nisos;
    struct acpi_iso iso[ACPI_MAX_ISOS];

    /* FADT */
    bool have_fadt;
    uint16_t sci_irq;
    uint32_t smi_cmd;
    uint8_t acpi_enable, acpi_disable;
    struct acpi_gas pm1a_cnt, pm1b_cnt; /* from X_ fields when present */
    struct acpi_gas pm_timer;
    uint32_t pm_timer_bits;             /* 24 or 32 */
    bool reset_supported;
    struct acpi_gas reset_reg;
    uint8_t reset_value;
    uint64_t dsdt_phys;

    /* \_S5 from the DSDT (and SSDTs): the sleep types for soft power off */
    bool have_s5;
    uint8_t s5_typa, s5_typb;

    /* Other tables seen, by signature, for the shell ("APIC FACP HPET ...") */
    char signatures[128];
    uint32_t bad_tables;     /* skipped for bad checksum/length */
};

enum acpi_err {
    ACPI_OK = 0,
    ACPI_NO_RSDP,            /* rsdp_phys was 0 or unreadable */
    ACPI_BAD_RSDP,           /* signature or checksum wrong */
    ACPI_BAD_ROOT,           /* the XSDT/RSDT is unreadable or corrupt */
};

/* Fills `out` from the tables reachable from `rsdp_phys`. Individual bad
 * tables are counted in out->bad_tables and skipped. */
enum acpi_err acpi_parse(uint64_t rsdp_phys, acpi_map_fn map, void *ctx, struct acpi_info *out);
const char *acpi_strerror(enum acpi_err e);

/* Finds the \_S5 package in an AML byte stream (a DSDT or SSDT body without
 * its header) and returns SLP_TYPa/b. Robust to any input. */
bool acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *typa, uint8_t *typb);

/* The value to write to PM1x_CNT to enter S5: SLP_TYP << 10 | SLP_EN. */
static inline uint16_t acpi_s5_cnt_value(uint8_t slp_typ)
{
    return (uint16_t)(((slp_typ & 7u) << 10) | (1u << 13));
}

#endif
