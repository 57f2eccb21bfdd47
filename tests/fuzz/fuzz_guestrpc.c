/*
 * libFuzzer target: GuestRPC (vmm/guestrpc.c, vmm/rpci.c, kernel/guestinfo.c)
 * driven by a hostile guest. The input is a run of backdoor calls, 7 bytes
 * each: the message type, a channel, a byte choosing the cookies (the right
 * ones, 0, or a flipped bit) and EBX; a SENDPAYLOAD call whose type byte
 * has bit 7 set sends the next request bytes from the input's tail instead
 * (so whole commands, info-set and info-get with their names and values,
 * come up); types 7 and 8 are the high-bandwidth port's transfers, out
 * (from the tail) and in. Beyond the sanitizers it checks the contract: every status is
 * 0, success, or success with a reply waiting; a refused call changes no
 * register but ECX; a reply is no longer than its channel and begins with
 * "1 " or "0 "; the variables stay within their arena and every one of
 * them can be found by its name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vmm/guestrpc.h"
#include "vmm/rpci.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define CALL_BYTES 7
#define BDORHB_PORT_CHAN(chan) (BDOORHB_PORT | (chan) << 16)

static struct guestrpc rpc;
static struct rpci cmds;
static struct guestinfo vars;
static uint32_t cookie_hi[GUESTRPC_CHANNELS], cookie_lo[GUESTRPC_CHANNELS];

static void log_text(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    volatile char sink = 0;
    for (size_t i = 0; i < len; i++)
        sink ^= text[i];                 /* the whole text is readable */
    (void)sink;
}

static void check_vars(void)
{
    CHECK(vars.used <= GUESTINFO_BYTES);
    uint32_t cur = 0, n = 0;
    const char *name, *value, *found;
    size_t nlen, vlen, flen;
    while (guestinfo_next(&vars, &cur, &name, &nlen, &value, &vlen)) {
        CHECK(guestinfo_name_valid(name, nlen));
        CHECK(guestinfo_get(&vars, name, nlen, &found, &flen) && found == value && flen == vlen);
        n++;
    }
    CHECK(n == vars.count && cur == vars.used);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guestinfo_init(&vars);
    memset(&cmds, 0, sizeof cmds);
    cmds.vars = &vars;
    cmds.log = log_text;
    guestrpc_init(&rpc, rpci_exec, &cmds);
    memset(cookie_hi, 0, sizeof cookie_hi);
    memset(cookie_lo, 0, sizeof cookie_lo);
    guestinfo_set(&vars, "guestinfo.a", 11, "preset", 6);

    size_t calls = size / CALL_BYTES / 2, tail = calls * CALL_BYTES;
    for (size_t i = 0; i < calls; i++) {
        const uint8_t *c = data + i * CALL_BYTES;
        uint32_t type = c[0] & 0x7f, chan = c[1] & 0x0f, bx;
        memcpy(&bx, c + 3, 4);
        if (type == GUESTRPC_SENDPAYLOAD && (c[0] & 0x80) && tail < size) {
            bx = 0;                       /* the next request bytes */
            for (unsigned k = 0; k < 4 && tail < size; k++)
                bx |= (uint32_t)data[tail++] << (8 * k);
        }
        if (type == GUESTRPC_OPEN && (c[2] & 1))
            bx = GUESTRPC_PROTO_RPCI | (c[2] & 2 ? GUESTRPC_FLAG_COOKIE : 0);
        uint32_t hi = 0, lo = 0;
        if (chan < GUESTRPC_CHANNELS && (c[2] & 0x30) != 0x30) {
            hi = cookie_hi[chan];
            lo = cookie_lo[chan] ^ (c[2] & 0x20 ? 1u : 0);
        }
        if (type == 7 || type == 8) {
            /* The high-bandwidth port: out (7) from the input's tail, or in
             * (8), of the length EBX's low half says. */
            bool out = type == 7;
            struct backdoor_regs h = { BDOOR_MAGIC, c[2] & 0x40 ? 1u : 0u, bx & 0x1fff,
                                       BDORHB_PORT_CHAN(chan), out ? 0 : hi, out ? lo : 0,
                                       out ? hi : lo };
            uint8_t *buf = guestrpc_hb_begin(&rpc, &h, out);
            volatile uint8_t sink = 0;
            for (uint32_t k = 0; buf && k < (uint32_t)h.cx; k++) {
                if (out)
                    buf[k] = tail < size ? data[tail++] : 0;
                else
                    sink ^= buf[k];      /* the whole reply is readable */
            }
            (void)sink;
            uint32_t st = guestrpc_hb_done(&rpc, &h, out);
            CHECK(buf ? st == GUESTRPC_STATUS_SUCCESS : st == 0);
            continue;
        }
        struct backdoor_regs r = { BDOOR_MAGIC, bx, BDOOR_CMD_MESSAGE | type << 16,
                                   BDOOR_PORT | chan << 16, hi, lo, 0 };
        struct backdoor_regs before = r;
        guestrpc_call(&rpc, &r, i * 0x9e3779b97f4a7c15ull);
        uint32_t status = (uint32_t)r.cx >> 16;
        CHECK(status == 0 || status == GUESTRPC_STATUS_SUCCESS ||
              status == (GUESTRPC_STATUS_SUCCESS | GUESTRPC_STATUS_HB) ||
              status == (GUESTRPC_STATUS_SUCCESS | GUESTRPC_STATUS_DORECV |
                         GUESTRPC_STATUS_HB));
        CHECK((r.cx & 0xffff) == 0 && r.ax == BDOOR_MAGIC);
        if (!status) {
            CHECK(r.bx == before.bx && r.dx == before.dx && r.si == before.si &&
                  r.di == before.di);
        } else if (type == GUESTRPC_OPEN) {
            uint32_t id = (uint32_t)r.dx >> 16;
            CHECK(id < GUESTRPC_CHANNELS);
            cookie_hi[id] = (uint32_t)r.si;
            cookie_lo[id] = (uint32_t)r.di;
        } else if (status & GUESTRPC_STATUS_DORECV) {
            CHECK(r.bx <= GUESTRPC_MSG_MAX && r.bx >= 2);
            const struct guestrpc_chan *ch = &rpc.chan[chan];
            CHECK(ch->buf[1] == ' ' && (ch->buf[0] == '1' || ch->buf[0] == '0'));
        }
        for (unsigned k = 0; k < GUESTRPC_CHANNELS; k++)
            CHECK(rpc.chan[k].pos <= rpc.chan[k].len && rpc.chan[k].len <= GUESTRPC_MSG_MAX);
    }
    check_vars();
    return 0;
}
