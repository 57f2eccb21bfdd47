/* The PC's 8042 keyboard controller at 0x60 (data) and 0x64 (status and
 * command), enough for guests that probe it and reset through it: the
 * controller's self-tests, command byte, output port, pulse commands (0xfe:
 * reset the machine, reported through a callback), and an MF2 keyboard that
 * answers its probe commands. No mouse: the AUX port answers every device
 * command with 0xfe ("no device"). See docs/devices.md. */
#ifndef VMM_DEV_I8042_H
#define VMM_DEV_I8042_H

#include "vmm/dev_irq.h"

#define I8042_KBD_IRQ 1
#define I8042_AUX_IRQ 12
#define I8042_QUEUE 16

struct i8042 {
    uint8_t cmd_byte;       /* the controller's command byte ("CTR") */
    bool sys_flag;          /* status bit 2: POST passed */
    bool last_was_cmd;      /* status bit 3: the last write went to 0x64 */
    uint8_t q[I8042_QUEUE]; /* bytes waiting for the output buffer */
    bool q_aux[I8042_QUEUE];
    uint8_t head, count;
    uint8_t last_read;      /* what 0x60 returns when nothing is waiting */
    uint8_t pending_cmd;    /* a controller command waiting for its data byte */
    uint8_t kbd_pending;    /* a keyboard command waiting for its argument */
    uint8_t output_port;
    uint8_t leds, scancode_set;
    bool scanning;
    bool irq1, irq12;       /* levels last reported */
    struct dev_irq irq;
    void (*reset)(void *ctx);
    void *reset_ctx;
};

void i8042_init(struct i8042 *k, struct dev_irq irq, void (*reset)(void *ctx), void *reset_ctx);
uint8_t i8042_port_read(struct i8042 *k, uint16_t port);
void i8042_port_write(struct i8042 *k, uint16_t port, uint8_t val);
/* A byte from the keyboard (a scancode): queued if the keyboard is on. */
void i8042_kbd_input(struct i8042 *k, uint8_t byte);

#endif
