/* GuestRPC (vmm/guestrpc.c, vmm/rpci.c) and the guestinfo variables
 * (kernel/guestinfo.c): a client here speaks the channel protocol call by
 * call as open-vm-tools' lib/message does (open with cookies, the size,
 * the payload 4 bytes a call, the reply's size, its payload, its status,
 * close), and hostile calls come out of turn. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <cmocka.h>
#include "vmm/guestrpc.h"
#include "vmm/rpci.h"

#define STATUS(r) ((uint32_t)(r).cx >> 16)

static struct guestrpc rpc;
static struct rpci cmds;
static struct guestinfo vars;
static char logged[256];
static bool use_hb;   /* rpc_send moves the messages through the port 0x5659 */
static unsigned logs;

static void log_text(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    snprintf(logged, sizeof logged, "%.*s", (int)len, text);
    logs++;
}

static int setup(void **state)
{
    (void)state;
    guestinfo_init(&vars);
    memset(&cmds, 0, sizeof cmds);
    cmds.vars = &vars;
    cmds.log = log_text;
    guestrpc_init(&rpc, rpci_exec, &cmds);
    logs = 0;
    use_hb = false;
    return 0;
}

struct chan {
    uint32_t id, hi, lo;
};

static struct backdoor_regs call(const struct chan *c, uint32_t type, uint32_t bx)
{
    struct backdoor_regs r = { BDOOR_MAGIC, bx, BDOOR_CMD_MESSAGE | type << 16,
                               BDOOR_PORT | c->id << 16, c->hi, c->lo, 0 };
    guestrpc_call(&rpc, &r, 0x123456789abcdefull);
    return r;
}

/* The high-bandwidth port's registers for a message of `len` bytes, as
 * open-vm-tools' Backdoor_HbOut/HbIn load them (the data's addresses are
 * the monitor's business: 0x1000 here). */
static struct backdoor_regs hb_regs(const struct chan *c, bool out, uint32_t len)
{
    struct backdoor_regs r = { BDOOR_MAGIC, GUESTRPC_STATUS_SUCCESS << 16 | BDOORHB_CMD_MESSAGE,
                               len, BDOORHB_PORT | c->id << 16, 0, 0, 0 };
    if (out)
        r.si = 0x1000, r.di = c->lo, r.bp = c->hi;
    else
        r.si = c->hi, r.di = 0x1000, r.bp = c->lo;
    return r;
}


static bool open_chan(struct chan *c, bool cookies)
{
    struct chan none = { 0, 0, 0 };
    struct backdoor_regs r = call(&none, GUESTRPC_OPEN,
                                  GUESTRPC_PROTO_RPCI | (cookies ? GUESTRPC_FLAG_COOKIE : 0));
    if (!(STATUS(r) & GUESTRPC_STATUS_SUCCESS))
        return false;
    c->id = (uint32_t)r.dx >> 16;
    c->hi = (uint32_t)r.si;
    c->lo = (uint32_t)r.di;
    assert_int_equal(r.dx & 0xffff, BDOOR_PORT);
    return true;
}

/* Sends `req` and reads the reply into `out` (terminated): its length, or
 * -1 if any call failed. */
static int rpc_send(const struct chan *c, const char *req, size_t len, char *out, size_t cap)
{
    struct backdoor_regs r = call(c, GUESTRPC_SENDSIZE, (uint32_t)len);
    if (STATUS(r) != (GUESTRPC_STATUS_SUCCESS | GUESTRPC_STATUS_HB))
        return -1;
    if (use_hb && len) {
        struct backdoor_regs h = hb_regs(c, true, (uint32_t)len);
        uint8_t *buf = guestrpc_hb_begin(&rpc, &h, true);
        if (!buf)
            return -1;
        memcpy(buf, req, len);
        if (guestrpc_hb_done(&rpc, &h, true) != GUESTRPC_STATUS_SUCCESS)
            return -1;
        len = 0;                      /* nothing left for the 4-byte calls */
    }
    for (size_t i = 0; i < len; i += 4) {
        uint32_t w = 0;
        for (size_t k = 0; k < 4 && i + k < len; k++)
            w |= (uint32_t)(uint8_t)req[i + k] << (8 * k);
        r = call(c, GUESTRPC_SENDPAYLOAD, w);
        if (STATUS(r) != GUESTRPC_STATUS_SUCCESS)
            return -1;
    }
    r = call(c, GUESTRPC_RECVSIZE, 0);
    if (STATUS(r) != (GUESTRPC_STATUS_SUCCESS | GUESTRPC_STATUS_DORECV | GUESTRPC_STATUS_HB) ||
        (uint32_t)r.dx >> 16 != GUESTRPC_SENDSIZE)
        return -1;
    size_t n = (uint32_t)r.bx;
    assert_true(n < cap);
    if (use_hb) {
        struct backdoor_regs h = hb_regs(c, false, (uint32_t)n);
        uint8_t *buf = guestrpc_hb_begin(&rpc, &h, false);
        if (!buf)
            return -1;
        memcpy(out, buf, n);
        if (guestrpc_hb_done(&rpc, &h, false) != GUESTRPC_STATUS_SUCCESS)
            return -1;
    }
    for (size_t i = use_hb ? n : 0; i < n; i += 4) {
        r = call(c, GUESTRPC_RECVPAYLOAD, GUESTRPC_STATUS_SUCCESS);
        if (STATUS(r) != GUESTRPC_STATUS_SUCCESS || (uint32_t)r.dx >> 16 != GUESTRPC_SENDPAYLOAD)
            return -1;
        for (size_t k = 0; k < 4 && i + k < n; k++)
            out[i + k] = (char)(r.bx >> (8 * k));
    }
    out[n] = 0;
    r = call(c, GUESTRPC_RECVSTATUS, GUESTRPC_STATUS_SUCCESS);
    return STATUS(r) == GUESTRPC_STATUS_SUCCESS ? (int)n : -1;
}

static int rpc_str(const struct chan *c, const char *req, char *out)
{
    return rpc_send(c, req, strlen(req), out, GUESTRPC_MSG_MAX + 1);
}

static void test_info_get_and_set(void **state)
{
    (void)state;
    char out[GUESTRPC_MSG_MAX + 1];
    assert_int_equal(guestinfo_set(&vars, "guestinfo.greeting", 18, "hello there", 11),
                     GUESTINFO_OK);
    struct chan c;
    assert_true(open_chan(&c, true));
    assert_int_equal(rpc_str(&c, "info-get guestinfo.greeting", out), 13);
    assert_string_equal(out, "1 hello there");
    /* Names are a .vmx key's: any case. */
    rpc_str(&c, "info-get GuestInfo.GREETING", out);
    assert_string_equal(out, "1 hello there");
    rpc_str(&c, "info-get guestinfo.nothing", out);
    assert_string_equal(out, "0 No value found");
    rpc_str(&c, "info-get machine.id", out);          /* not a guestinfo variable */
    assert_string_equal(out, "0 No value found");
    /* The value is the rest, spaces and all; then it reads back. */
    rpc_str(&c, "info-set guestinfo.answer forty two ", out);
    assert_string_equal(out, "1 ");
    rpc_str(&c, "info-get guestinfo.answer", out);
    assert_string_equal(out, "1 forty two ");
    rpc_str(&c, "info-set guestinfo.greeting ", out);  /* empty: kept, empty */
    assert_string_equal(out, "1 ");
    rpc_str(&c, "info-get guestinfo.greeting", out);
    assert_string_equal(out, "1 ");
    rpc_str(&c, "info-set guestinfo.answer", out);
    assert_string_equal(out, "0 Expected a name and a value");
    rpc_str(&c, "info-set tools.answer 1", out);
    assert_string_equal(out, "0 Not a guestinfo variable's name");
    rpc_str(&c, "info-set guestinfo.a/b 1", out);
    assert_string_equal(out, "0 Not a guestinfo variable's name");
    assert_int_equal(rpc_send(&c, "info-set guestinfo.z a\0b", 24, out, sizeof out), 28);
    assert_string_equal(out, "0 The value holds a NUL byte");
    assert_int_equal(vars.count, 2);
}

static void test_log_version_unknown(void **state)
{
    (void)state;
    char out[GUESTRPC_MSG_MAX + 1];
    struct chan c;
    assert_true(open_chan(&c, true));
    rpc_str(&c, "log tools started\n", out);
    assert_string_equal(out, "1 ");
    assert_int_equal(logs, 1);
    assert_string_equal(logged, "tools started");
    rpc_str(&c, "tools.set.version 12352", out);
    assert_string_equal(out, "1 ");
    assert_int_equal(cmds.tools_version, 12352);
    rpc_str(&c, "tools.set.version 99999999999", out);
    assert_string_equal(out, "0 Expected a version number");
    assert_int_equal(cmds.tools_version, 12352);
    rpc_str(&c, "machine.id.get ", out);
    assert_string_equal(out, "0 Unknown command");
    rpc_str(&c, "info-getx guestinfo.a", out);       /* a prefix is not the command */
    assert_string_equal(out, "0 Unknown command");
    assert_int_equal(rpc_send(&c, "", 0, out, sizeof out), 17);
    assert_string_equal(out, "0 Unknown command");
    assert_int_equal(rpc.requests, 6);
}

/* Eight channels, as VMware has; a closed one opens again; cookies
 * differ between channels and are checked. */
static void test_channels_and_cookies(void **state)
{
    (void)state;
    struct chan c[GUESTRPC_CHANNELS + 1];
    char out[GUESTRPC_MSG_MAX + 1];
    for (unsigned i = 0; i < GUESTRPC_CHANNELS; i++) {
        assert_true(open_chan(&c[i], true));
        assert_int_equal(c[i].id, i);
        if (i)
            assert_true(c[i].hi != c[i - 1].hi || c[i].lo != c[i - 1].lo);
    }
    assert_false(open_chan(&c[GUESTRPC_CHANNELS], true));
    struct chan wrong = c[3];
    wrong.lo ^= 1;
    assert_int_equal(STATUS(call(&wrong, GUESTRPC_SENDSIZE, 4)), 0);
    assert_int_equal(STATUS(call(&wrong, GUESTRPC_CLOSE, 0)), 0);
    assert_int_equal(rpc_str(&c[3], "log x", out), 2);   /* the real one still works */
    assert_int_equal(STATUS(call(&c[3], GUESTRPC_CLOSE, 0)), GUESTRPC_STATUS_SUCCESS);
    assert_int_equal(STATUS(call(&c[3], GUESTRPC_SENDSIZE, 4)), 0);   /* closed */
    assert_true(open_chan(&c[GUESTRPC_CHANNELS], true));
    assert_int_equal(c[GUESTRPC_CHANNELS].id, 3);
    /* Without cookies (old tools): any ESI, EDI. */
    for (unsigned i = 0; i < GUESTRPC_CHANNELS; i++)
        assert_int_equal(STATUS(call(&c[i == 3 ? GUESTRPC_CHANNELS : i], GUESTRPC_CLOSE, 0)),
                         GUESTRPC_STATUS_SUCCESS);
    struct chan plain;
    assert_true(open_chan(&plain, false));
    plain.hi = 0xdead, plain.lo = 0xbeef;
    assert_int_equal(rpc_str(&plain, "log y", out), 2);
}

/* Out of turn, out of range, another protocol: refused with status 0 and
 * no other register changed; the channel is still usable after. */
static void test_hostile_calls(void **state)
{
    (void)state;
    char out[GUESTRPC_MSG_MAX + 1];
    struct chan none = { 0, 0, 0 }, far = { 0xffff, 0, 0 }, c;
    struct backdoor_regs r = call(&none, GUESTRPC_OPEN, GUESTRPC_PROTO_TCLO | GUESTRPC_FLAG_COOKIE);
    assert_int_equal(STATUS(r), 0);
    assert_int_equal(r.dx, BDOOR_PORT);
    assert_int_equal(STATUS(call(&none, GUESTRPC_OPEN, 0x12345678)), 0);
    assert_int_equal(STATUS(call(&far, GUESTRPC_RECVSIZE, 0)), 0);
    assert_int_equal(STATUS(call(&none, GUESTRPC_SENDSIZE, 1)), 0);     /* not open */
    assert_true(open_chan(&c, true));
    assert_int_equal(STATUS(call(&c, 7, 0)), 0);                        /* no such type */
    assert_int_equal(STATUS(call(&c, 0xffff, 0)), 0);
    assert_int_equal(STATUS(call(&c, GUESTRPC_SENDPAYLOAD, 0x41414141)), 0);  /* no size */
    assert_int_equal(STATUS(call(&c, GUESTRPC_RECVPAYLOAD, 1)), 0);     /* no reply */
    assert_int_equal(STATUS(call(&c, GUESTRPC_RECVSTATUS, 1)), 0);
    r = call(&c, GUESTRPC_RECVSIZE, 0);                                 /* nothing waits */
    assert_int_equal(STATUS(r), GUESTRPC_STATUS_SUCCESS);
    struct backdoor_regs h = hb_regs(&c, true, 4);                      /* nor a size */
    assert_null(guestrpc_hb_begin(&rpc, &h, true));
    assert_int_equal(guestrpc_hb_done(&rpc, &h, true), 0);
    assert_int_equal(STATUS(call(&c, GUESTRPC_SENDSIZE, GUESTRPC_MSG_MAX + 1)), 0);
    assert_int_equal(STATUS(call(&c, GUESTRPC_SENDSIZE, 0xffffffffu)), 0);
    /* Payload past the size: refused once the request ran. */
    assert_int_equal(STATUS(call(&c, GUESTRPC_SENDSIZE, 2)),
                     GUESTRPC_STATUS_SUCCESS | GUESTRPC_STATUS_HB);
    assert_int_equal(STATUS(call(&c, GUESTRPC_SENDPAYLOAD, 0x4141)), GUESTRPC_STATUS_SUCCESS);
    assert_int_equal(STATUS(call(&c, GUESTRPC_SENDPAYLOAD, 0x4141)), 0);
    /* The reply read past its end. */
    r = call(&c, GUESTRPC_RECVSIZE, 0);
    assert_int_equal((uint32_t)r.bx, 17);                               /* "0 Unknown command" */
    for (int i = 0; i < 5; i++)
        assert_int_equal(STATUS(call(&c, GUESTRPC_RECVPAYLOAD, 1)), GUESTRPC_STATUS_SUCCESS);
    assert_int_equal(STATUS(call(&c, GUESTRPC_RECVPAYLOAD, 1)), 0);
    /* A new request gives up the reply not finished. */
    assert_int_equal(rpc_str(&c, "log z", out), 2);
    assert_string_equal(out, "1 ");
    /* The largest request, and one that fills the reply. */
    static char big[GUESTRPC_MSG_MAX];
    memset(big, 'v', sizeof big);
    memcpy(big, "info-set guestinfo.big ", 23);
    assert_int_equal(rpc_send(&c, big, sizeof big, out, sizeof out), 2);
    assert_int_equal(rpc_str(&c, "info-get guestinfo.big", out), 2 + GUESTRPC_MSG_MAX - 23);
    assert_true(rpc.failures >= 12);
}

/* The high-bandwidth port: the whole message at once, both ways, the same
 * replies; refused with the wrong cookies (EBP and EDI out, ESI and EBP
 * in), another length, another command in BX, or out of turn. */
static void test_high_bandwidth(void **state)
{
    (void)state;
    char out[GUESTRPC_MSG_MAX + 1];
    struct chan c;
    assert_true(open_chan(&c, true));
    use_hb = true;
    assert_int_equal(guestinfo_set(&vars, "guestinfo.k", 11, "value k", 7), GUESTINFO_OK);
    assert_int_equal(rpc_str(&c, "info-get guestinfo.k", out), 9);
    assert_string_equal(out, "1 value k");
    static char big[GUESTRPC_MSG_MAX];
    memset(big, 'w', sizeof big);
    memcpy(big, "info-set guestinfo.big ", 23);
    assert_int_equal(rpc_send(&c, big, sizeof big, out, sizeof out), 2);
    assert_int_equal(rpc_str(&c, "info-get guestinfo.big", out), 2 + GUESTRPC_MSG_MAX - 23);
    use_hb = false;
    assert_int_equal(call(&c, GUESTRPC_SENDSIZE, 8).cx >> 16,
                     GUESTRPC_STATUS_SUCCESS | GUESTRPC_STATUS_HB);
    struct backdoor_regs h = hb_regs(&c, true, 8);
    h.di ^= 1;                                            /* cookie low, out */
    assert_null(guestrpc_hb_begin(&rpc, &h, true));
    h = hb_regs(&c, true, 8);
    h.bp ^= 1;                                            /* cookie high, out */
    assert_null(guestrpc_hb_begin(&rpc, &h, true));
    h = hb_regs(&c, true, 7);                             /* not the size given */
    assert_null(guestrpc_hb_begin(&rpc, &h, true));
    h = hb_regs(&c, true, 8);
    h.cx |= 1ULL << 32;                                   /* nor is it in 64 bits */
    assert_null(guestrpc_hb_begin(&rpc, &h, true));
    h = hb_regs(&c, true, 8);
    h.bx |= 1;                                            /* not the message command */
    assert_null(guestrpc_hb_begin(&rpc, &h, true));
    h = hb_regs(&c, false, 8);                            /* in, while sending */
    assert_null(guestrpc_hb_begin(&rpc, &h, false));
    h = hb_regs(&c, true, 8);
    memcpy(guestrpc_hb_begin(&rpc, &h, true), "log abcd", 8);
    assert_int_equal(guestrpc_hb_done(&rpc, &h, true), GUESTRPC_STATUS_SUCCESS);
    assert_string_equal(logged, "abcd");
    assert_null(guestrpc_hb_begin(&rpc, &h, true));       /* sent: out of turn now */
    assert_int_equal(call(&c, GUESTRPC_RECVSIZE, 0).bx, 2);
    h = hb_regs(&c, false, 2);
    h.si ^= 1;                                            /* cookie high, in */
    assert_null(guestrpc_hb_begin(&rpc, &h, false));
    h = hb_regs(&c, false, 2);
    h.bp ^= 1;                                            /* cookie low, in */
    assert_null(guestrpc_hb_begin(&rpc, &h, false));
    h = hb_regs(&c, false, 2);
    assert_memory_equal(guestrpc_hb_begin(&rpc, &h, false), "1 ", 2);
    assert_int_equal(guestrpc_hb_done(&rpc, &h, false), GUESTRPC_STATUS_SUCCESS);
    assert_null(guestrpc_hb_begin(&rpc, &h, false));      /* received */
    assert_int_equal(call(&c, GUESTRPC_RECVSTATUS, 1).cx >> 16, GUESTRPC_STATUS_SUCCESS);
}

static void test_guestinfo_store(void **state)
{
    (void)state;
    const char *v, *n;
    size_t len, nlen;
    assert_false(guestinfo_name_valid("guestinfo.", 10));
    assert_false(guestinfo_name_valid("guestinfo", 9));
    assert_true(guestinfo_name_valid("GUESTINFO.x", 11));
    assert_false(guestinfo_name_valid("guestinfo.x y", 13));
    char longname[80];
    memset(longname, 'a', sizeof longname);
    memcpy(longname, "guestinfo.", 10);
    assert_true(guestinfo_name_valid(longname, 63));
    assert_false(guestinfo_name_valid(longname, 64));
    assert_int_equal(guestinfo_set(&vars, "guestinfo.a", 11, "1", 1), GUESTINFO_OK);
    assert_int_equal(guestinfo_set(&vars, "guestinfo.b", 11, "22", 2), GUESTINFO_OK);
    assert_int_equal(guestinfo_set(&vars, "guestinfo.c", 11, "333", 3), GUESTINFO_OK);
    /* Replaced with a longer value: keeps its place, the rest intact. */
    assert_int_equal(guestinfo_set(&vars, "GUESTINFO.B", 11, "bbbbbbbb", 8), GUESTINFO_OK);
    uint32_t cur = 0;
    const char *order[] = { "1", "bbbbbbbb", "333" };
    for (int i = 0; i < 3; i++) {
        assert_true(guestinfo_next(&vars, &cur, &n, &nlen, &v, &len));
        assert_int_equal(len, strlen(order[i]));
        assert_memory_equal(v, order[i], len);
    }
    assert_false(guestinfo_next(&vars, &cur, &n, &nlen, &v, &len));
    assert_true(guestinfo_unset(&vars, "guestinfo.a", 11));
    assert_false(guestinfo_unset(&vars, "guestinfo.a", 11));
    assert_true(guestinfo_get(&vars, "guestinfo.c", 11, &v, &len));
    assert_memory_equal(v, "333", 3);
    assert_int_equal(vars.count, 2);
    /* Full: refused whole, nothing changed. */
    static char big[0x10000];
    memset(big, 'x', sizeof big);
    assert_int_equal(guestinfo_set(&vars, "guestinfo.d", 11, big, 0x10000), GUESTINFO_FULL);
    assert_int_equal(guestinfo_set(&vars, "guestinfo.d", 11, big, 16340), GUESTINFO_FULL);
    size_t room = GUESTINFO_BYTES - vars.used - 4 - 11;
    assert_int_equal(guestinfo_set(&vars, "guestinfo.d", 11, big, room), GUESTINFO_OK);
    assert_int_equal(vars.used, GUESTINFO_BYTES);
    assert_int_equal(guestinfo_set(&vars, "guestinfo.e", 11, "", 0), GUESTINFO_FULL);
    /* A shorter value frees room in place. */
    assert_int_equal(guestinfo_set(&vars, "guestinfo.d", 11, "y", 1), GUESTINFO_OK);
    assert_int_equal(guestinfo_set(&vars, "guestinfo.e", 11, "", 0), GUESTINFO_OK);
    assert_true(guestinfo_get(&vars, "guestinfo.e", 11, &v, &len));
    assert_int_equal(len, 0);
    assert_true(guestinfo_get(&vars, "guestinfo.c", 11, &v, &len));
    assert_memory_equal(v, "333", 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_info_get_and_set, setup),
        cmocka_unit_test_setup(test_log_version_unknown, setup),
        cmocka_unit_test_setup(test_channels_and_cookies, setup),
        cmocka_unit_test_setup(test_hostile_calls, setup),
        cmocka_unit_test_setup(test_high_bandwidth, setup),
        cmocka_unit_test_setup(test_guestinfo_store, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
