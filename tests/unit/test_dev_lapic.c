/* vmm/dev_lapic.c: acceptance, priorities (TPR, PPR, ISR nesting), EOI and
 * its broadcast for level interrupts, software disable, self-IPIs, and the
 * timer in one-shot, periodic and TSC-deadline modes on a clock the test
 * owns. Bus clock 100 MHz; TSC 2 GHz. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vmm/dev_lapic.h"

#define T0 1000000ULL
#define MS 1000000ULL
#define BUS_HZ 100000000ULL
#define TSC_KHZ 2000000ULL

static struct vlapic apic;
static bool intr;
static unsigned eois, ipis;
static uint8_t eoi_vector;

static void out_set(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    assert_int_equal(line, 0);
    intr = level;
}

static void on_eoi(void *ctx, uint8_t v)
{
    (void)ctx;
    eois++;
    eoi_vector = v;
}

static uint32_t ipi_lo, ipi_dest;
static void on_ipi(void *ctx, struct vlapic *from, uint32_t lo, uint32_t dest)
{
    (void)ctx;
    assert_ptr_equal(from, &apic);
    ipi_lo = lo;
    ipi_dest = dest;
    ipis++;
}

static uint32_t rd(unsigned off) { return vlapic_mmio_read(&apic, off, 4, T0); }
static void wr(unsigned off, uint32_t v) { vlapic_mmio_write(&apic, off, 4, v, T0); }

static int setup(void **state)
{
    (void)state;
    intr = false;
    eois = ipis = 0;
    vlapic_init(&apic, 0, BUS_HZ, TSC_KHZ, (struct dev_irq){ out_set, NULL });
    apic.eoi = on_eoi;
    apic.ipi = on_ipi;
    wr(0xf0, 0x1ff);                         /* software enable, spurious vector 0xff */
    return 0;
}

static void test_reset_state_and_disable(void **state)
{
    (void)state;
    vlapic_init(&apic, 3, BUS_HZ, TSC_KHZ, (struct dev_irq){ out_set, NULL });
    assert_int_equal(rd(0x20), 3u << 24);
    assert_int_equal(rd(0x30), 0x00050014);
    assert_int_equal(rd(0xf0), 0xff);        /* software-disabled */
    assert_int_equal(rd(0x320), 0x10000);    /* LVT masked */
    assert_int_equal(rd(0xe0), 0xffffffff);
    vlapic_accept(&apic, 0x41, false);       /* a disabled APIC takes none */
    assert_false(intr);
    wr(0x350, 0x700);                        /* LINT0 ExtINT, unmask refused while disabled */
    assert_int_equal(rd(0x350), 0x10700);
    wr(0xf0, 0x1ff);
    wr(0x350, 0x700);
    assert_int_equal(rd(0x350), 0x700);
    wr(0xf0, 0x0ff);                         /* disabling masks every entry again */
    assert_int_equal(rd(0x350), 0x10700);
    assert_int_equal(vlapic_mmio_read(&apic, 0x22, 4, T0), 0); /* unaligned */
}

static void test_accept_ack_eoi(void **state)
{
    (void)state;
    vlapic_accept(&apic, 0x41, false);
    assert_true(intr);
    assert_int_equal(rd(0x200 + 0x20), 1u << 1); /* IRR bit 0x41 */
    assert_int_equal(vlapic_ack(&apic), 0x41);
    assert_false(intr);
    assert_int_equal(rd(0x100 + 0x20), 1u << 1); /* ISR */
    assert_int_equal(rd(0xa0), 0x40);        /* PPR: the in-service class */
    wr(0xb0, 0);                             /* EOI */
    assert_int_equal(rd(0x100 + 0x20), 0);
    assert_int_equal(rd(0xa0), 0);
    assert_int_equal(eois, 0);               /* edge: no broadcast */
    assert_int_equal(vlapic_ack(&apic), -1);
}

static void test_priorities(void **state)
{
    (void)state;
    wr(0x80, 0x50);                          /* TPR class 5 */
    vlapic_accept(&apic, 0x41, false);
    assert_false(intr);                      /* class 4 <= 5 */
    vlapic_accept(&apic, 0x61, false);
    assert_true(intr);
    assert_int_equal(vlapic_ack(&apic), 0x61);
    vlapic_accept(&apic, 0x62, false);
    assert_false(intr);                      /* same class as the one in service */
    vlapic_accept(&apic, 0x71, false);
    assert_int_equal(vlapic_ack(&apic), 0x71); /* higher class nests */
    assert_int_equal(rd(0xa0), 0x70);
    wr(0xb0, 0);                             /* ends 0x71, the highest in service */
    assert_int_equal(rd(0xa0), 0x60);
    wr(0xb0, 0);                             /* ends 0x61 */
    assert_int_equal(vlapic_ack(&apic), 0x62);
    wr(0xb0, 0);
    assert_int_equal(rd(0xa0), 0x50);        /* the TPR again */
    wr(0x80, 0x00);
    assert_int_equal(vlapic_ack(&apic), 0x41);
}

static void test_level_eoi_broadcast(void **state)
{
    (void)state;
    vlapic_accept(&apic, 0x39, true);
    assert_int_equal(rd(0x180 + 0x10), 1u << 25); /* TMR bit 0x39 */
    assert_int_equal(vlapic_ack(&apic), 0x39);
    wr(0xb0, 0);
    assert_int_equal(eois, 1);
    assert_int_equal(eoi_vector, 0x39);
    wr(0xf0, 0x11ff);                        /* suppress EOI broadcast */
    vlapic_accept(&apic, 0x39, true);
    vlapic_ack(&apic);
    wr(0xb0, 0);
    assert_int_equal(eois, 1);
    vlapic_accept(&apic, 0x05, false);       /* illegal vector */
    assert_false(intr);
    assert_int_equal(rd(0x280), 1u << 6);
    wr(0x280, 0);
    assert_int_equal(rd(0x280), 0);
}

static void test_ipis(void **state)
{
    (void)state;
    wr(0x300, 0x00040051);                   /* self, fixed, vector 0x51 */
    assert_true(intr);
    assert_int_equal(vlapic_ack(&apic), 0x51);
    wr(0x310, 0x01000000);
    wr(0x300, 0x00004500);                   /* INIT to APIC 1 */
    assert_int_equal(ipis, 1);
    assert_int_equal(rd(0x310), 0x01000000);
}

static void test_one_shot_timer(void **state)
{
    (void)state;
    wr(0x3e0, 0x3);                          /* divide by 16: 6.25 MHz */
    wr(0x320, 0x30);                         /* one-shot, vector 0x30 */
    wr(0x380, 62500);                        /* 10 ms */
    assert_int_equal(vlapic_mmio_read(&apic, 0x390, 4, T0 + 5 * MS), 31250);
    assert_int_equal(vlapic_next_deadline(&apic, T0), T0 + 10 * MS);
    vlapic_tick(&apic, T0 + 10 * MS - 1);
    assert_false(intr);
    vlapic_tick(&apic, T0 + 10 * MS);
    assert_true(intr);
    assert_int_equal(vlapic_ack(&apic), 0x30);
    assert_int_equal(vlapic_mmio_read(&apic, 0x390, 4, T0 + 11 * MS), 0);
    assert_int_equal(vlapic_next_deadline(&apic, T0 + 11 * MS), DEV_NO_DEADLINE);
    vlapic_tick(&apic, T0 + 30 * MS);
    assert_false(intr);                      /* once only */
    /* Divide by 1 (0xb) and count 0 stops it. */
    wr(0x3e0, 0xb);
    wr(0x380, 100);
    assert_int_equal(vlapic_next_deadline(&apic, T0), T0 + 1000);
    wr(0x380, 0);
    assert_int_equal(vlapic_next_deadline(&apic, T0), DEV_NO_DEADLINE);
}

static void test_periodic_timer(void **state)
{
    (void)state;
    wr(0x3e0, 0x0);                          /* divide by 2: 50 MHz */
    wr(0x320, 0x20031);                      /* periodic, vector 0x31 */
    wr(0x380, 50000);                        /* 1 ms */
    uint64_t d = vlapic_next_deadline(&apic, T0);
    assert_int_equal(d, T0 + MS);
    unsigned fired = 0;
    for (int i = 0; i < 10; i++) {
        vlapic_tick(&apic, d);
        if (vlapic_ack(&apic) == 0x31) {
            fired++;
            wr(0xb0, 0);
        }
        d = vlapic_next_deadline(&apic, d);
    }
    assert_int_equal(fired, 10);
    assert_int_equal(d, T0 + 11 * MS);
    assert_int_equal(vlapic_mmio_read(&apic, 0x390, 4, T0 + 10 * MS + MS / 2), 25000);
    /* Masked: it counts, but delivers nothing and asks for no deadline. */
    wr(0x320, 0x30031);
    vlapic_tick(&apic, T0 + 20 * MS);
    assert_false(intr);
    assert_int_equal(vlapic_next_deadline(&apic, T0 + 20 * MS), DEV_NO_DEADLINE);
}

/* A timer that fell due while masked, with nothing ticking it (a masked
 * timer asks for no deadline), delivers nothing when unmasked later: the
 * expiry was the masked LVT's. The TSC deadline then reads 0. */
static void test_expiry_while_masked_is_lost(void **state)
{
    (void)state;
    wr(0x3e0, 0xb);                           /* divide by 1: 1 GHz */
    wr(0x320, 0x10030);                       /* one-shot, masked */
    wr(0x380, 1000);                          /* 1 us */
    vlapic_mmio_write(&apic, 0x320, 4, 0x30, T0 + MS);   /* unmasked long after */
    assert_false(intr);
    assert_int_equal(vlapic_next_deadline(&apic, T0 + MS), DEV_NO_DEADLINE);
    assert_int_equal(vlapic_mmio_read(&apic, 0x390, 4, T0 + MS), 0);

    uint64_t tsc0 = 5000000000ULL;
    vlapic_mmio_write(&apic, 0x320, 4, 0x50032, T0 + MS);   /* TSC-deadline, masked */
    vlapic_tsc_deadline_write(&apic, tsc0 + 2000, T0 + MS, tsc0);  /* 1 us at 2 GHz */
    vlapic_mmio_write(&apic, 0x320, 4, 0x40032, T0 + 2 * MS);
    assert_false(intr);
    assert_int_equal(vlapic_tsc_deadline_read(&apic), 0);
}

/* Periodic to one-shot in mid-period: the count goes on from where it was
 * and the one shot fires when it reaches 0, not at once. */
static void test_periodic_to_one_shot_keeps_the_count(void **state)
{
    (void)state;
    wr(0x3e0, 0x0);                          /* 50 MHz */
    wr(0x320, 0x20031);                      /* periodic */
    wr(0x380, 50000);                        /* 1 ms */
    uint64_t t = T0 + MS + MS / 2;           /* half-way through the second period */
    vlapic_tick(&apic, T0 + MS);
    assert_int_equal(vlapic_ack(&apic), 0x31);
    wr(0xb0, 0);
    vlapic_mmio_write(&apic, 0x320, 4, 0x31, t);  /* one-shot now */
    assert_int_equal(vlapic_mmio_read(&apic, 0x390, 4, t), 25000);
    vlapic_tick(&apic, t);
    assert_false(intr);
    assert_int_equal(vlapic_next_deadline(&apic, t), T0 + 2 * MS);
    vlapic_tick(&apic, T0 + 2 * MS);
    assert_int_equal(vlapic_ack(&apic), 0x31);
    wr(0xb0, 0);
    vlapic_tick(&apic, T0 + 5 * MS);         /* once only */
    assert_false(intr);
    assert_int_equal(vlapic_mmio_read(&apic, 0x390, 4, T0 + 5 * MS), 0);
}

static void test_tsc_deadline_timer(void **state)
{
    (void)state;
    uint64_t tsc0 = 5000000000ULL;
    vlapic_tsc_deadline_write(&apic, tsc0 + 1000, T0, tsc0); /* not in TSC-deadline mode */
    assert_int_equal(vlapic_tsc_deadline_read(&apic), 0);
    wr(0x320, 0x40032);                      /* TSC-deadline, vector 0x32 */
    wr(0x380, 1000);                         /* ignored in this mode */
    assert_int_equal(rd(0x380), 0);
    vlapic_tsc_deadline_write(&apic, tsc0 + 2000000, T0, tsc0); /* 1 ms at 2 GHz */
    assert_int_equal(vlapic_tsc_deadline_read(&apic), tsc0 + 2000000);
    assert_int_equal(vlapic_next_deadline(&apic, T0), T0 + MS);
    vlapic_tick(&apic, T0 + MS - 1);
    assert_false(intr);
    vlapic_tick(&apic, T0 + MS);
    assert_int_equal(vlapic_ack(&apic), 0x32);
    assert_int_equal(vlapic_tsc_deadline_read(&apic), 0); /* reads 0 once fired */
    /* A deadline already past fires at the next tick; 0 disarms. */
    vlapic_tsc_deadline_write(&apic, tsc0, T0 + 2 * MS, tsc0 + 4000000);
    assert_int_equal(vlapic_next_deadline(&apic, T0 + 2 * MS), T0 + 2 * MS);
    vlapic_tsc_deadline_write(&apic, 0, T0 + 2 * MS, tsc0 + 4000000);
    assert_int_equal(vlapic_next_deadline(&apic, T0 + 2 * MS), DEV_NO_DEADLINE);
    /* Leaving the mode disarms it. */
    vlapic_tsc_deadline_write(&apic, tsc0 + 8000000, T0 + 2 * MS, tsc0 + 4000000);
    wr(0x320, 0x00032);
    assert_int_equal(vlapic_tsc_deadline_read(&apic), 0);
    vlapic_tick(&apic, T0 + 10 * MS);
    assert_false(intr);
}


/* ---- x2APIC (SDM 11.12) ------------------------------------------------------ */
static uint64_t msr_rd(uint32_t msr)
{
    uint64_t v = 0xdead;
    assert_true(vlapic_msr_read(&apic, msr, &v, T0));
    return v;
}

static void test_x2apic_msrs_only_in_x2apic_mode(void **state)
{
    (void)state;
    uint64_t v;
    assert_false(vlapic_msr_read(&apic, 0x802, &v, T0));
    assert_false(vlapic_msr_write(&apic, 0x808, 0, T0));
    vlapic_init(&apic, 5, BUS_HZ, TSC_KHZ, (struct dev_irq){ out_set, NULL });
    apic.ipi = on_ipi;
    vlapic_set_x2apic(&apic, true);
    assert_int_equal(msr_rd(0x802), 5);                  /* ID: the initial APIC ID */
    assert_int_equal(msr_rd(0x80d), 0x20);               /* LDR: cluster 0, bit 5 */
    assert_int_equal(msr_rd(0x803) & 0xff, 0x14);
    /* read-only registers: writes #GP (ID, version, LDR, PPR, ISR, IRR...) */
    assert_false(vlapic_msr_write(&apic, 0x802, 1, T0));
    assert_false(vlapic_msr_write(&apic, 0x80d, 1, T0));
    assert_false(vlapic_msr_write(&apic, 0x80a, 0, T0));
    assert_false(vlapic_msr_write(&apic, 0x810, 0, T0));
    assert_false(vlapic_msr_write(&apic, 0x839, 0, T0));
    /* absent in x2APIC mode: DFR, APR, ICR high half; CMCI is not modelled */
    assert_false(vlapic_msr_read(&apic, 0x80e, &v, T0));
    assert_false(vlapic_msr_read(&apic, 0x809, &v, T0));
    assert_false(vlapic_msr_read(&apic, 0x831, &v, T0));
    assert_false(vlapic_msr_read(&apic, 0x82f, &v, T0));
    /* write-only: EOI and SELF IPI */
    assert_false(vlapic_msr_read(&apic, 0x80b, &v, T0));
    assert_false(vlapic_msr_read(&apic, 0x83f, &v, T0));
    /* reserved bits, and the upper half of every 32-bit register */
    assert_false(vlapic_msr_write(&apic, 0x808, 0x100, T0));
    assert_false(vlapic_msr_write(&apic, 0x80f, 1ULL << 32, T0));
    assert_false(vlapic_msr_write(&apic, 0x83e, 0x4, T0));
    assert_false(vlapic_msr_write(&apic, 0x832, 1u << 20, T0));
    assert_false(vlapic_msr_write(&apic, 0x830, 1u << 12, T0)); /* delivery status */
    assert_false(vlapic_msr_write(&apic, 0x83f, 0x100, T0));
    /* EOI and ESR take only 0 */
    assert_false(vlapic_msr_write(&apic, 0x80b, 1, T0));
    assert_false(vlapic_msr_write(&apic, 0x828, 1, T0));
    assert_true(vlapic_msr_write(&apic, 0x828, 0, T0));
    assert_true(vlapic_msr_write(&apic, 0x808, 0x20, T0));
    assert_int_equal(msr_rd(0x808), 0x20);
}

static void test_x2apic_self_ipi_eoi_and_icr(void **state)
{
    (void)state;
    vlapic_set_x2apic(&apic, true);
    assert_true(vlapic_msr_write(&apic, 0x83f, 0x61, T0)); /* SELF IPI */
    assert_true(intr);
    assert_int_equal(msr_rd(0x820 + 0x61 / 32), 1u << (0x61 % 32)); /* IRR */
    assert_int_equal(vlapic_ack(&apic), 0x61);
    assert_int_equal(msr_rd(0x810 + 0x61 / 32), 1u << (0x61 % 32)); /* ISR */
    assert_true(vlapic_msr_write(&apic, 0x80b, 0, T0));
    assert_int_equal(msr_rd(0x810 + 0x61 / 32), 0);
    /* the ICR: one 64-bit register, the destination in 63:32 */
    assert_true(vlapic_msr_write(&apic, 0x830, 0x0000000700000451ULL, T0)); /* NMI to 7 */
    assert_int_equal(ipis, 1);
    assert_int_equal(ipi_lo, 0x451);
    assert_int_equal(ipi_dest, 7);
    assert_int_equal(msr_rd(0x830), 0x0000000700000451ULL);
    /* TSC-deadline and the LVT keep working */
    assert_true(vlapic_msr_write(&apic, 0x832, (2u << 17) | 0x41, T0));
    vlapic_tsc_deadline_write(&apic, 2000 * 10, T0, 0);   /* 10 us at 2 GHz */
    assert_int_equal(vlapic_next_deadline(&apic, T0), T0 + 10000);
    vlapic_tick(&apic, T0 + 10000);
    assert_int_equal(vlapic_ack(&apic), 0x41);
    /* the MMIO page's xAPIC ICR still names an 8-bit destination */
    vlapic_set_x2apic(&apic, false);
    wr(0x310, 0x03000000);
    wr(0x300, 0x00000452);
    assert_int_equal(ipi_dest, 3);
}

static void test_destinations(void **state)
{
    (void)state;
    vlapic_init(&apic, 2, BUS_HZ, TSC_KHZ, (struct dev_irq){ out_set, NULL });
    /* physical: the ID, or broadcast */
    assert_true(vlapic_match_dest(&apic, false, 2));
    assert_false(vlapic_match_dest(&apic, false, 3));
    assert_true(vlapic_match_dest(&apic, false, 0xff));
    /* flat logical: any common bit with LDR[31:24] */
    wr(0xd0, 0x04000000);
    assert_true(vlapic_match_dest(&apic, true, 0x04));
    assert_true(vlapic_match_dest(&apic, true, 0x0c));
    assert_false(vlapic_match_dest(&apic, true, 0x08));
    /* cluster logical: cluster in 7:4 must match, members in 3:0 */
    wr(0xe0, 0x0fffffff);
    wr(0xd0, 0x32000000);                    /* cluster 3, member bit 1 */
    assert_true(vlapic_match_dest(&apic, true, 0x32));
    assert_true(vlapic_match_dest(&apic, true, 0x33));
    assert_false(vlapic_match_dest(&apic, true, 0x22));
    assert_false(vlapic_match_dest(&apic, true, 0x31));
    assert_true(vlapic_match_dest(&apic, true, 0xf2));  /* every cluster */
    assert_true(vlapic_match_dest(&apic, true, 0xff));
    /* x2APIC: 32-bit IDs, logical = cluster 31:16 and a mask 15:0 */
    vlapic_set_x2apic(&apic, true);
    assert_true(vlapic_match_dest(&apic, false, 2));
    assert_false(vlapic_match_dest(&apic, false, 0x102));
    assert_true(vlapic_match_dest(&apic, false, 0xffffffffu));
    assert_true(vlapic_match_dest(&apic, true, 0x00000004));
    assert_false(vlapic_match_dest(&apic, true, 0x00010004));
    assert_false(vlapic_match_dest(&apic, true, 0x00000002));
}

static void test_init_resets_all_but_id_and_mode(void **state)
{
    (void)state;
    wr(0x20, 0x07000000);                    /* xAPIC ID 7 */
    wr(0x80, 0x30);
    wr(0x320, 0x20040);
    vlapic_accept(&apic, 0x70, false);
    assert_true(intr);
    vlapic_reset(&apic);
    assert_false(intr);                      /* nothing left to deliver */
    assert_int_equal(rd(0x20), 0x07000000);
    assert_int_equal(rd(0x80), 0);
    assert_int_equal(rd(0xf0), 0xff);        /* software-disabled again */
    assert_int_equal(rd(0x320), 1u << 16);   /* masked */
    assert_int_equal(rd(0x200 + 0x70 / 32 * 0x10), 0);
    assert_ptr_equal(apic.ipi, on_ipi);      /* the wiring stays */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_state_and_disable),
        cmocka_unit_test_setup(test_accept_ack_eoi, setup),
        cmocka_unit_test_setup(test_priorities, setup),
        cmocka_unit_test_setup(test_level_eoi_broadcast, setup),
        cmocka_unit_test_setup(test_ipis, setup),
        cmocka_unit_test_setup(test_x2apic_msrs_only_in_x2apic_mode, setup),
        cmocka_unit_test_setup(test_x2apic_self_ipi_eoi_and_icr, setup),
        cmocka_unit_test_setup(test_destinations, setup),
        cmocka_unit_test_setup(test_init_resets_all_but_id_and_mode, setup),
        cmocka_unit_test_setup(test_one_shot_timer, setup),
        cmocka_unit_test_setup(test_periodic_timer, setup),
        cmocka_unit_test_setup(test_periodic_to_one_shot_keeps_the_count, setup),
        cmocka_unit_test_setup(test_expiry_while_masked_is_lost, setup),
        cmocka_unit_test_setup(test_tsc_deadline_timer, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
