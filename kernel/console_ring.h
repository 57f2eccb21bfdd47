/* The host console's transmit ring: bytes written by the shell, the log and
 * guest consoles wait here and go to the UART as its FIFO empties (its
 * transmit interrupt, or the timer tick without one), so no writer busy-waits
 * on a 115200-baud line: a guest line printed inside a VM exit used to keep
 * the vCPU off the CPU for 5-10 ms, longer than Linux's timer tick. Pure: the
 * caller gives the storage and says how much the UART takes now. */
#ifndef KERNEL_CONSOLE_RING_H
#define KERNEL_CONSOLE_RING_H

#include "include/hv/types.h"

struct console_ring {
    char *buf;
    uint32_t size;          /* a power of two */
    uint32_t head, tail;    /* free-running: used = head - tail */
};

/* `size` must be a power of two. */
void console_ring_init(struct console_ring *r, char *buf, uint32_t size);
static inline uint32_t console_ring_used(const struct console_ring *r)
{
    return r->head - r->tail;
}
/* False (nothing stored) when full. */
bool console_ring_put(struct console_ring *r, char c);
/* Hands up to `room` bytes to `send`, oldest first; returns how many. */
uint32_t console_ring_send(struct console_ring *r, uint32_t room, void (*send)(char c));

#endif
