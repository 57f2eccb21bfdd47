/* The console's transmit ring: see kernel/console_ring.h. */
#include "kernel/console_ring.h"

void console_ring_init(struct console_ring *r, char *buf, uint32_t size)
{
    r->buf = buf;
    r->size = size;
    r->head = r->tail = 0;
}

bool console_ring_put(struct console_ring *r, char c)
{
    if (console_ring_used(r) >= r->size)
        return false;
    r->buf[r->head++ & (r->size - 1)] = c;
    return true;
}

uint32_t console_ring_send(struct console_ring *r, uint32_t room, void (*send)(char c))
{
    uint32_t n = 0;
    while (n < room && r->tail != r->head) {
        send(r->buf[r->tail++ & (r->size - 1)]);
        n++;
    }
    return n;
}
