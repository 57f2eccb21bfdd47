/* vmm/virtqueue.c: a split ring read and written through a fake guest RAM
 * (64 KiB at guest-physical 0): chains are walked with their flags, used
 * entries published, and every hostile ring (bad size, misaligned rings,
 * rings outside RAM, an index that jumps, out-of-range or looping
 * descriptors, wrapping buffers, INDIRECT) fails with a reason, while a page
 * "on its way back" asks for a retry without consuming anything. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/virtqueue.h"

#define RAM 0x10000u
static uint8_t ram[RAM];
static uint64_t wait_page = ~0ULL;   /* reads of this page say VQM_WAIT */

static enum vq_mem_result check(uint64_t gpa, size_t len)
{
    if (gpa >= RAM || len > RAM - gpa)
        return VQM_BAD;
    if (wait_page != ~0ULL && (gpa >> 12) <= wait_page && ((gpa + len - 1) >> 12) >= wait_page)
        return VQM_WAIT;
    return VQM_OK;
}

static enum vq_mem_result rd(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    (void)ctx;
    enum vq_mem_result r = check(gpa, len);
    if (r == VQM_OK)
        memcpy(buf, ram + gpa, len);
    return r;
}

static enum vq_mem_result wr(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
    (void)ctx;
    enum vq_mem_result r = check(gpa, len);
    if (r == VQM_OK)
        memcpy(ram + gpa, buf, len);
    return r;
}

static const struct vq_mem mem = { rd, wr, NULL };

#define DESC 0x1000u
#define AVAIL 0x2000u
#define USED 0x3000u

static void put16(uint32_t at, uint16_t v) { memcpy(ram + at, &v, 2); }
static void put32(uint32_t at, uint32_t v) { memcpy(ram + at, &v, 4); }
static void put64(uint32_t at, uint64_t v) { memcpy(ram + at, &v, 8); }
static uint16_t get16(uint32_t at) { uint16_t v; memcpy(&v, ram + at, 2); return v; }
static uint32_t get32(uint32_t at) { uint32_t v; memcpy(&v, ram + at, 4); return v; }

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    put64(DESC + 16 * i, addr);
    put32(DESC + 16 * i + 8, len);
    put16(DESC + 16 * i + 12, flags);
    put16(DESC + 16 * i + 14, next);
}

/* Makes head available at the driver ring's next slot. */
static void offer(struct virtqueue *q, uint16_t head)
{
    uint16_t idx = get16(AVAIL + 2);
    put16(AVAIL + 4 + 2 * (idx & (q->num - 1)), head);
    put16(AVAIL + 2, (uint16_t)(idx + 1));
}

static struct virtqueue q;
static const char *why;

static void setup(uint16_t num)
{
    memset(ram, 0, sizeof ram);
    wait_page = ~0ULL;
    vq_init(&q, 256);
    q.num = num;
    q.desc = DESC;
    q.avail = AVAIL;
    q.used = USED;
    why = NULL;
    assert_true(vq_enable(&q, &why));
}

static void test_chain_and_used(void **state)
{
    (void)state;
    setup(8);
    struct vq_chain c;
    assert_int_equal(vq_peek(&q, &mem, &c, &why), VQ_EMPTY);
    desc(3, 0x5000, 100, VQ_DESC_F_NEXT, 5);
    desc(5, 0x6000, 200, VQ_DESC_F_WRITE, 0);
    offer(&q, 3);
    assert_int_equal(vq_peek(&q, &mem, &c, &why), VQ_CHAIN);
    assert_int_equal(c.head, 3);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.buf[0].addr, 0x5000);
    assert_int_equal(c.buf[0].len, 100);
    assert_false(c.buf[0].write);
    assert_int_equal(c.buf[1].addr, 0x6000);
    assert_true(c.buf[1].write);
    /* A peek consumes nothing. */
    assert_int_equal(vq_peek(&q, &mem, &c, &why), VQ_CHAIN);
    assert_int_equal(vq_push(&q, &mem, 3, 42, &why), VQ_CHAIN);
    assert_int_equal(get16(USED + 2), 1);
    assert_int_equal(get32(USED + 4), 3);
    assert_int_equal(get32(USED + 8), 42);
    assert_int_equal(vq_peek(&q, &mem, &c, &why), VQ_EMPTY);
    /* Indices wrap at 16 bits and entries at the queue size. */
    for (unsigned i = 0; i < 70000; i++) {
        desc(0, 0x5000, 4, 0, 0);
        offer(&q, 0);
        assert_int_equal(vq_peek(&q, &mem, &c, &why), VQ_CHAIN);
        assert_int_equal(vq_push(&q, &mem, 0, 0, &why), VQ_CHAIN);
    }
    assert_int_equal(get16(USED + 2), (uint16_t)70001);
}

static void test_enable_refuses_bad_setup(void **state)
{
    (void)state;
    static const struct { uint16_t num; uint64_t desc, avail, used; } bad[] = {
        { 0, DESC, AVAIL, USED }, { 3, DESC, AVAIL, USED }, { 512, DESC, AVAIL, USED },
        { 8, DESC + 8, AVAIL, USED }, { 8, DESC, AVAIL + 1, USED }, { 8, DESC, AVAIL, USED + 2 },
        { 8, ~0ULL - 15, AVAIL, USED }, { 8, DESC, ~0ULL - 1, USED }, { 8, DESC, AVAIL, ~0ULL - 3 },
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vq_init(&q, 256);
        q.num = bad[i].num;
        q.desc = bad[i].desc;
        q.avail = bad[i].avail;
        q.used = bad[i].used;
        why = NULL;
        assert_false(vq_enable(&q, &why));
        assert_non_null(why);
        assert_false(q.ready);
    }
}

static void expect_bad(void)
{
    struct vq_chain c;
    why = NULL;
    assert_int_equal(vq_peek(&q, &mem, &c, &why), VQ_BAD);
    assert_non_null(why);
}

static void test_hostile_rings(void **state)
{
    (void)state;
    /* The index runs more than a queue ahead. */
    setup(8);
    put16(AVAIL + 2, 9);
    expect_bad();
    /* A head out of range. */
    setup(8);
    offer(&q, 8);
    expect_bad();
    /* A next out of range. */
    setup(8);
    desc(0, 0x5000, 4, VQ_DESC_F_NEXT, 200);
    offer(&q, 0);
    expect_bad();
    /* A loop: 0 -> 1 -> 0. */
    setup(8);
    desc(0, 0x5000, 4, VQ_DESC_F_NEXT, 1);
    desc(1, 0x5000, 4, VQ_DESC_F_NEXT, 0);
    offer(&q, 0);
    expect_bad();
    /* A self-loop on a big queue stops at the chain limit. */
    setup(256);
    desc(0, 0x5000, 4, VQ_DESC_F_NEXT, 0);
    offer(&q, 0);
    expect_bad();
    /* A wrapping buffer; INDIRECT. */
    setup(8);
    desc(0, ~0ULL - 2, 8, 0, 0);
    offer(&q, 0);
    expect_bad();
    setup(8);
    desc(0, 0x5000, 16, VQ_DESC_F_INDIRECT, 0);
    offer(&q, 0);
    expect_bad();
    /* Rings outside RAM. */
    setup(8);
    q.avail = RAM + 0x1000;
    expect_bad();
    setup(8);
    q.desc = RAM;
    offer(&q, 0);
    q.avail = AVAIL;
    expect_bad();
    setup(8);
    desc(0, 0x5000, 4, 0, 0);
    offer(&q, 0);
    q.used = RAM - 4;
    struct vq_chain c;
    assert_int_equal(vq_peek(&q, &mem, &c, &why), VQ_CHAIN);
    assert_int_equal(vq_push(&q, &mem, 0, 0, &why), VQ_BAD);
}

static void test_wait_consumes_nothing(void **state)
{
    (void)state;
    setup(8);
    desc(0, 0x5000, 4, 0, 0);
    offer(&q, 0);
    struct vq_chain c;
    wait_page = DESC >> 12;
    assert_int_equal(vq_peek(&q, &mem, &c, &why), VQ_WAIT);
    wait_page = USED >> 12;
    assert_int_equal(vq_peek(&q, &mem, &c, &why), VQ_CHAIN);
    assert_int_equal(vq_push(&q, &mem, 0, 0, &why), VQ_WAIT);
    assert_int_equal(q.last_avail, 0);
    wait_page = ~0ULL;
    assert_int_equal(vq_push(&q, &mem, 0, 0, &why), VQ_CHAIN);
    assert_int_equal(q.last_avail, 1);
}

static void test_no_interrupt_flag(void **state)
{
    (void)state;
    setup(8);
    assert_true(vq_wants_interrupt(&q, &mem));
    put16(AVAIL, VQ_AVAIL_F_NO_INTERRUPT);
    assert_false(vq_wants_interrupt(&q, &mem));
    q.avail = RAM;   /* unreadable: interrupt anyway */
    assert_true(vq_wants_interrupt(&q, &mem));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_and_used),
        cmocka_unit_test(test_enable_refuses_bad_setup),
        cmocka_unit_test(test_hostile_rings),
        cmocka_unit_test(test_wait_consumes_nothing),
        cmocka_unit_test(test_no_interrupt_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
