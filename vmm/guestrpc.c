/* GuestRPC's message channels (see guestrpc.h). */
#include "vmm/guestrpc.h"
#include "lib/kstring.h"

void guestrpc_init(struct guestrpc *g, guestrpc_exec_fn exec, void *ctx)
{
    memset(g, 0, sizeof *g);
    g->exec = exec;
    g->exec_ctx = ctx;
}

static void run(struct guestrpc *g, struct guestrpc_chan *c);

/* splitmix64's finaliser: cookies a guest cannot guess from the last ones. */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static void set32(uint64_t *reg, uint32_t v)
{
    *reg = v;
}

static void open_channel(struct guestrpc *g, struct backdoor_regs *r, uint64_t entropy,
                         uint32_t *status)
{
    uint32_t proto = (uint32_t)r->bx;
    if ((proto & ~GUESTRPC_FLAG_COOKIE) != GUESTRPC_PROTO_RPCI)
        return;                               /* TCLO or anything else: refused */
    for (unsigned id = 0; id < GUESTRPC_CHANNELS; id++) {
        struct guestrpc_chan *c = &g->chan[id];
        if (c->state != CHAN_CLOSED)
            continue;
        c->state = CHAN_IDLE;
        c->cookies = proto & GUESTRPC_FLAG_COOKIE;
        uint64_t k = c->cookies ? mix(entropy ^ ((uint64_t)id << 56) ^ g->requests) : 0;
        c->cookie_hi = (uint32_t)(k >> 32);
        c->cookie_lo = (uint32_t)k;
        c->len = c->pos = 0;
        set32(&r->dx, id << 16 | (uint16_t)r->dx);
        set32(&r->si, c->cookie_hi);
        set32(&r->di, c->cookie_lo);
        *status = GUESTRPC_STATUS_SUCCESS;
        return;
    }
}

/* The channel EDX names, open and with the cookies `hi` and `lo`, or NULL. */
static struct guestrpc_chan *channel_with(struct guestrpc *g, const struct backdoor_regs *r,
                                          uint32_t hi, uint32_t lo)
{
    uint32_t id = (uint32_t)r->dx >> 16;
    if (id >= GUESTRPC_CHANNELS)
        return NULL;
    struct guestrpc_chan *c = &g->chan[id];
    if (c->state == CHAN_CLOSED)
        return NULL;
    if (c->cookies && (hi != c->cookie_hi || lo != c->cookie_lo))
        return NULL;
    return c;
}

/* The low-bandwidth calls carry the cookies in ESI and EDI. */
static struct guestrpc_chan *channel(struct guestrpc *g, const struct backdoor_regs *r)
{
    return channel_with(g, r, (uint32_t)r->si, (uint32_t)r->di);
}

/* The high-bandwidth port's: EBP and EDI for OUTSB, ESI and EBP for INSB
 * (EDI and ESI are then the data's addresses). */
static struct guestrpc_chan *hb_channel(struct guestrpc *g, const struct backdoor_regs *r,
                                        bool out)
{
    if ((uint16_t)r->bx != BDOORHB_CMD_MESSAGE)
        return NULL;
    return out ? channel_with(g, r, (uint32_t)r->bp, (uint32_t)r->di)
               : channel_with(g, r, (uint32_t)r->si, (uint32_t)r->bp);
}

uint8_t *guestrpc_hb_begin(struct guestrpc *g, const struct backdoor_regs *r, bool out)
{
    struct guestrpc_chan *c = hb_channel(g, r, out);
    /* All 64 bits of RCX: a count whose low half matches would move more
     * than the buffer holds. */
    if (!c || c->pos != 0 || r->cx != c->len || c->len == 0)
        return NULL;
    if (out ? c->state != CHAN_SENDING : c->state != CHAN_RECEIVING)
        return NULL;
    return c->buf;
}

uint32_t guestrpc_hb_done(struct guestrpc *g, const struct backdoor_regs *r, bool out)
{
    struct guestrpc_chan *c = guestrpc_hb_begin(g, r, out) ? hb_channel(g, r, out) : NULL;
    if (!c) {
        g->failures++;
        return 0;
    }
    c->pos = c->len;
    if (out)
        run(g, c);
    return GUESTRPC_STATUS_SUCCESS;
}

static void run(struct guestrpc *g, struct guestrpc_chan *c)
{
    size_t n = g->exec(g->exec_ctx, (const char *)c->buf, c->len, (char *)g->reply,
                       sizeof g->reply);
    if (n > sizeof c->buf)
        n = sizeof c->buf;
    memcpy(c->buf, g->reply, n);
    c->len = (uint32_t)n;
    c->pos = 0;
    c->state = CHAN_REPLY;
    g->requests++;
}

/* Up to 4 bytes of the message at c->pos, little-endian, as EBX carries them. */
static uint32_t take4(struct guestrpc_chan *c)
{
    uint32_t v = 0, n = c->len - c->pos < 4 ? c->len - c->pos : 4;
    for (uint32_t i = 0; i < n; i++)
        v |= (uint32_t)c->buf[c->pos + i] << (8 * i);
    c->pos += n;
    return v;
}

static void put4(struct guestrpc_chan *c, uint32_t v)
{
    uint32_t n = c->len - c->pos < 4 ? c->len - c->pos : 4;
    for (uint32_t i = 0; i < n; i++)
        c->buf[c->pos + i] = (uint8_t)(v >> (8 * i));
    c->pos += n;
}

void guestrpc_call(struct guestrpc *g, struct backdoor_regs *r, uint64_t entropy)
{
    uint32_t type = (uint32_t)r->cx >> 16, status = 0;
    uint16_t port = (uint16_t)r->dx;
    struct guestrpc_chan *c = type == GUESTRPC_OPEN ? NULL : channel(g, r);

    switch (type) {
    case GUESTRPC_OPEN:
        open_channel(g, r, entropy, &status);
        break;
    case GUESTRPC_SENDSIZE:
        /* Any time the channel is open: a reply not read is given up. */
        if (!c || (uint32_t)r->bx > GUESTRPC_MSG_MAX)
            break;
        c->len = (uint32_t)r->bx;
        c->pos = 0;
        c->state = CHAN_SENDING;
        if (c->len == 0)
            run(g, c);
        status = GUESTRPC_STATUS_SUCCESS | GUESTRPC_STATUS_HB;
        break;
    case GUESTRPC_SENDPAYLOAD:
        if (!c || c->state != CHAN_SENDING)
            break;
        put4(c, (uint32_t)r->bx);
        if (c->pos == c->len)
            run(g, c);
        status = GUESTRPC_STATUS_SUCCESS;
        break;
    case GUESTRPC_RECVSIZE:
        if (!c)
            break;
        status = GUESTRPC_STATUS_SUCCESS;
        if (c->state == CHAN_REPLY || c->state == CHAN_RECEIVING) {
            status |= GUESTRPC_STATUS_DORECV | GUESTRPC_STATUS_HB;
            c->state = CHAN_RECEIVING;
            c->pos = 0;
            set32(&r->dx, (uint32_t)GUESTRPC_SENDSIZE << 16 | port);
            set32(&r->bx, c->len);
        }
        break;
    case GUESTRPC_RECVPAYLOAD:
        if (!c || c->state != CHAN_RECEIVING || c->pos >= c->len)
            break;
        set32(&r->bx, take4(c));
        set32(&r->dx, (uint32_t)GUESTRPC_SENDPAYLOAD << 16 | port);
        status = GUESTRPC_STATUS_SUCCESS;
        break;
    case GUESTRPC_RECVSTATUS:
        if (!c || (c->state != CHAN_RECEIVING && c->state != CHAN_REPLY))
            break;
        c->state = CHAN_IDLE;
        c->len = c->pos = 0;
        status = GUESTRPC_STATUS_SUCCESS;
        break;
    case GUESTRPC_CLOSE:
        if (!c)
            break;
        c->state = CHAN_CLOSED;
        c->cookies = false;
        c->cookie_hi = c->cookie_lo = 0;
        c->len = c->pos = 0;
        status = GUESTRPC_STATUS_SUCCESS;
        break;
    default:
        break;
    }
    if (!status)
        g->failures++;
    set32(&r->cx, status << 16);
}
