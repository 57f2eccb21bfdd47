/* GuestRPC: VMware's message channels over the backdoor (command 30,
 * BDOOR_CMD_MESSAGE), by which guest tools send the host text commands
 * ("info-get guestinfo.NAME", "log ...") and read its replies. Written from
 * the protocol as open-vm-tools' lib/message and the BSDs' vmt(4) use it:
 *
 *   ECX = 30 | type << 16, EDX = port | channel << 16, ESI:EDI = the
 *   channel's cookies, EBX = the argument; the answer's status in ECX's
 *   high half (1 success, 2 "a reply waits", 0x80 high bandwidth).
 *
 *   0 OPEN        EBX = protocol ("RPCI" 0x49435052; bit 31 asks for
 *                 cookies): EDX's high half = the channel, ESI, EDI = its
 *                 cookies
 *   1 SENDSIZE    EBX = the request's length (it may be 0)
 *   2 SENDPAYLOAD EBX = its next 4 bytes (fewer at the end); the last one
 *                 runs the command, and its reply waits
 *   3 RECVSIZE    status 1 | 2 when a reply waits: EDX's high half = 1, EBX =
 *                 its length
 *   4 RECVPAYLOAD EBX = its next 4 bytes, EDX's high half = 2
 *   5 RECVSTATUS  EBX = the guest's status: the reply is done with
 *   6 CLOSE
 *
 * Eight channels a VM, as VMware has; each holds one message of up to
 * GUESTRPC_MSG_MAX bytes at a time. Only RPCI (guest to host) channels
 * open: TCLO, by which the host would send the tools commands, is refused.
 * A call on a channel that is not open, with the wrong cookies or out of
 * turn fails (status 0) and changes nothing else: the guest is hostile.
 *
 * SENDSIZE's and RECVSIZE's status offers the high-bandwidth port (0x80):
 * the whole message in one REP OUTSB or REP INSB at port 0x5659, EAX the
 * magic, EBX = 1 << 16 (BDOORHB_CMD_MESSAGE 0), ECX the length, EDX's high
 * half the channel; the cookies in EBP (high) and EDI (low) for OUTSB from
 * DS:rSI, in ESI (high) and EBP (low) for INSB to ES:rDI; the status comes
 * back in EBX's high half. The monitor moves the bytes
 * (vmm/guestrpc_attach.c) between guest memory and the channel's buffer
 * that guestrpc_hb_begin gives. Tools without it send 4 bytes a call.
 *
 * Pure: the monitor passes the registers in and runs each complete request
 * through `exec` (vmm/rpci.c). */
#ifndef VMM_GUESTRPC_H
#define VMM_GUESTRPC_H

#include "include/hv/types.h"
#include "vmm/backdoor.h"

#define BDOOR_CMD_MESSAGE 30
#define GUESTRPC_CHANNELS 8
#define GUESTRPC_MSG_MAX 4096
#define GUESTRPC_PROTO_RPCI 0x49435052u    /* "RPCI" */
#define GUESTRPC_PROTO_TCLO 0x4f4c4354u    /* "TCLO" */
#define GUESTRPC_FLAG_COOKIE 0x80000000u

enum guestrpc_type {
    GUESTRPC_OPEN = 0,
    GUESTRPC_SENDSIZE,
    GUESTRPC_SENDPAYLOAD,
    GUESTRPC_RECVSIZE,
    GUESTRPC_RECVPAYLOAD,
    GUESTRPC_RECVSTATUS,
    GUESTRPC_CLOSE,
};

#define GUESTRPC_STATUS_SUCCESS 0x0001u
#define GUESTRPC_STATUS_DORECV 0x0002u
#define GUESTRPC_STATUS_HB 0x0080u
#define BDOORHB_PORT 0x5659
#define BDOORHB_CMD_MESSAGE 0

/* Runs one request (`len` bytes, not terminated, any bytes) and writes its
 * reply ("1 ..." or "0 ...") into `reply` (`cap` bytes): returns its length. */
typedef size_t (*guestrpc_exec_fn)(void *ctx, const char *req, size_t len, char *reply,
                                   size_t cap);

enum guestrpc_chan_state {
    CHAN_CLOSED = 0,
    CHAN_IDLE,        /* open, no message under way */
    CHAN_SENDING,     /* the request's bytes are coming */
    CHAN_REPLY,       /* a reply waits */
    CHAN_RECEIVING,   /* the reply's bytes are going */
};

struct guestrpc_chan {
    enum guestrpc_chan_state state;
    bool cookies;                    /* opened with cookies: calls must give them */
    uint32_t cookie_hi, cookie_lo;   /* ESI, EDI */
    uint32_t len, pos;               /* the message's length; bytes moved so far */
    uint8_t buf[GUESTRPC_MSG_MAX];   /* the request, then its reply */
};

struct guestrpc {
    guestrpc_exec_fn exec;
    void *exec_ctx;
    uint64_t requests, failures;     /* requests run; calls refused */
    struct guestrpc_chan chan[GUESTRPC_CHANNELS];
    uint8_t reply[GUESTRPC_MSG_MAX]; /* `exec` writes here, then the channel's buf */
};

void guestrpc_init(struct guestrpc *g, guestrpc_exec_fn exec, void *ctx);
/* A backdoor call with command 30 (the caller checked the magic):
 * answers in `r` (ECX, EDX, EBX, ESI, EDI as above; EAX keeps the magic).
 * `entropy` makes a new channel's cookies (the host's TSC, say). */
void guestrpc_call(struct guestrpc *g, struct backdoor_regs *r, uint64_t entropy);

/* A high-bandwidth transfer on the port 0x5659 with the registers in `r`:
 * `out` (REP OUTSB, guest to host) when the channel's SENDSIZE waits for
 * exactly ECX bytes, else (REP INSB) when its reply of ECX bytes is being
 * received. Returns the channel's buffer for the ECX bytes, or NULL when
 * the call is refused (the caller then answers status 0). Once the bytes
 * are moved, guestrpc_hb_done completes it (a request runs) and gives the
 * status. */
uint8_t *guestrpc_hb_begin(struct guestrpc *g, const struct backdoor_regs *r, bool out);
uint32_t guestrpc_hb_done(struct guestrpc *g, const struct backdoor_regs *r, bool out);

#endif
