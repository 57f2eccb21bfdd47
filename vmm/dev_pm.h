/*
 * The guest's ACPI power management registers, where its FADT says they are
 * (vmm/acpi_guest.h; ACPI 6.x 4.8.3): a pure model, and the VM's device
 * built on it (dev_pm_attach.c).
 *
 *   PM1a_STS  base+0  16 bits, write 1 to clear. PWRBTN_STS is set by the
 *                     fixed power button (dev_pm_power_button), RTC_STS
 *                     when the RTC raises IRQ 8 (dev_pm_rtc_irq), WAK_STS
 *                     on the wake from S3; nothing else sets a bit (no
 *                     sleep button, no timer overflow). A status set with
 *                     its enable raises the SCI (dev_pm_sci) while awake.
 *   PM1a_EN   base+2  16 bits, reads back what was written of the defined
 *                     enables (timer, global lock, power and sleep button,
 *                     RTC, PCIe wake disable).
 *   PM1a_CNT  base+4  16 bits: SCI_EN reads 1 (the FADT has no SMI_CMD: the
 *                     machine is always in ACPI mode), BM_RLD and SLP_TYP read
 *                     back; GBL_RLS and SLP_EN read 0. Writing SLP_EN with the
 *                     \_S5 sleep type powers the VM off; with \_S3's it
 *                     suspends to RAM until RTC_STS and RTC_EN are both set
 *                     or the power button is pressed (dev_pm_wake_due,
 *                     ACPI 4.8.2.2.1: it wakes whatever PWRBTN_EN says);
 *                     with any other type (the DSDT
 *                     declares no other state) the VM is stopped with the
 *                     type named.
 *   PM_TMR    base+8  the 24-bit ACPI timer, 3.579545 MHz, read-only.
 *   0xCF9     reset control (the FADT's RESET_REG): a write with RST_CPU
 *                     (bit 2) set asks for a reset; SYS_RST and FULL_RST
 *                     (bits 1, 3) read back.
 * Accesses of 1, 2 or 4 bytes at any offset act on the bytes they cover.
 */
#ifndef VMM_DEV_PM_H
#define VMM_DEV_PM_H

#include "include/hv/types.h"

#define PM_TMR_HZ 3579545ULL
#define PM1_CNT_SCI_EN   0x0001
#define PM1_CNT_BM_RLD   0x0002
#define PM1_CNT_GBL_RLS  0x0004
#define PM1_CNT_SLP_TYP  0x1c00
#define PM1_CNT_SLP_EN   0x2000
#define PM1_EN_DEFINED   0x4721
#define PM1_STS_PWRBTN   0x0100   /* and PM1_EN's PWRBTN_EN */
#define PM1_STS_RTC      0x0400   /* and PM1_EN's RTC_EN */
#define PM1_STS_WAK      0x8000
#define PM1_SCI_EVENTS   (PM1_STS_PWRBTN | PM1_STS_RTC) /* the fixed events that can be set */
/* The FACS (ACPI 6.x, 5.2.10): where the OS leaves its waking vectors. */
#define FACS_WAKING_VECTOR   12   /* 32 bits: real mode, CS = vector >> 4 */
#define FACS_X_WAKING_VECTOR 24   /* 64 bits: 32-bit protected mode, flat */
#define FACS_MIN_LEN         32
#define CF9_RST_CPU      0x04
#define CF9_KEPT         0x0a

struct dev_pm {
    uint16_t base;        /* PM1a_EVT; PM1a_CNT at +4, PM_TMR at +8 */
    uint8_t s5_typ;       /* the SLP_TYP that means "power off" */
    uint8_t s3_typ;       /* the SLP_TYP that means "suspend to RAM" */
    uint16_t sts, en, cnt;
    uint8_t cf9;
    bool sleeping;        /* in S3 */
    /* The FACS as the guest sees it (its bytes are the guest's to write),
     * or NULL: no waking vector, a wake is a boot. */
    const volatile uint8_t *facs;
};

enum dev_pm_event {
    DEV_PM_NONE = 0,
    DEV_PM_POWER_OFF,     /* SLP_EN with the S5 type */
    DEV_PM_SLEEP_S3,      /* SLP_EN with the S3 type: the model is asleep */
    DEV_PM_SLEEP_OTHER,   /* SLP_EN with another type: *detail = the type */
    DEV_PM_RESET,         /* 0xCF9 with RST_CPU: *detail = the value written */
};

/* How the OS asked to be woken (the FACS's vectors, read at the wake). */
enum dev_pm_wake_mode {
    DEV_PM_WAKE_BOOT = 0, /* both vectors 0: the firmware boots, as from power on */
    DEV_PM_WAKE_REAL,     /* real mode at CS:IP = addr >> 4 : addr & 0xf */
    DEV_PM_WAKE_PROT32,   /* 32-bit protected mode, flat, paging off, at addr */
    DEV_PM_WAKE_BAD,      /* a vector no CPU mode can reach (addr: it) */
};

void dev_pm_init(struct dev_pm *p, uint16_t base, uint8_t s5_typ, uint8_t s3_typ);
/* `port` in [base, base + 12) or 0xCF9; `now_ns` drives the timer. */
uint32_t dev_pm_read(const struct dev_pm *p, uint16_t port, unsigned size, uint64_t now_ns);
enum dev_pm_event dev_pm_write(struct dev_pm *p, uint16_t port, unsigned size, uint32_t val,
                               unsigned *detail);
/* The PM timer's count at `now_ns` (24 bits). */
uint32_t dev_pm_timer(uint64_t now_ns);
/* The RTC raised its interrupt: RTC_STS (in S0 too, as the chipset sets it). */
void dev_pm_rtc_irq(struct dev_pm *p);
/* The fixed power button was pressed: PWRBTN_STS. */
void dev_pm_power_button(struct dev_pm *p);
/* The SCI's level: awake, with a fixed event's status and enable both set
 * (SCI_EN always reads 1). */
bool dev_pm_sci(const struct dev_pm *p);
/* Asleep in S3 with a wake event: RTC_STS with RTC_EN, or PWRBTN_STS. */
bool dev_pm_wake_due(const struct dev_pm *p);
/* The wake: WAK_STS set, awake again; returns where the OS asked to resume.
 * The X vector, when not 0, wins (ACPI 5.2.10; no 64-bit wake is offered,
 * so it is entered in 32-bit protected mode); a real-mode vector must lie
 * below 1 MiB, a protected-mode one below 4 GiB. */
enum dev_pm_wake_mode dev_pm_wake(struct dev_pm *p, uint64_t *addr);

struct vm;
/* Puts the PM registers and the reset port on `vm`'s port bus; `facs`: the
 * FACS's bytes in the VM's ACPI page. A power off ends the VM with status
 * 0 (vm_power_off); a reset restarts it (vm_guest_reset, which the i8042's
 * reset pulse can share); S3 suspends its board (vplatform_suspend). */
bool dev_pm_attach(struct vm *vm, const volatile uint8_t *facs);
/* The VM's PM model (for the board's RTC and wake), or NULL. */
struct dev_pm *dev_pm_of(struct vm *vm);

#endif
