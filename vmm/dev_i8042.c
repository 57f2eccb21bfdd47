/* 8042 keyboard controller model (IBM PC AT Technical Reference, "Keyboard
 * controller": status register, command byte, commands 20h-FFh; the
 * keyboard's own commands from the same manual's "Keyboard" section). The
 * real part has one output buffer; bytes that would follow one another on
 * the wire (FA then AA after a reset) wait in a small queue and move into
 * it as the guest reads port 0x60. */
#include "vmm/dev_i8042.h"

#define ST_OBF 0x01
#define ST_SYS 0x04
#define ST_A2 0x08
#define ST_UNLOCKED 0x10
#define ST_AUX_OBF 0x20

#define CB_KBD_INT 0x01
#define CB_AUX_INT 0x02
#define CB_SYS 0x04
#define CB_KBD_OFF 0x10
#define CB_AUX_OFF 0x20

#define KBD_ACK 0xfa
#define KBD_RESEND 0xfe

static void update_irqs(struct i8042 *k)
{
    bool full = k->count > 0, aux = full && k->q_aux[k->head];
    bool irq1 = full && !aux && (k->cmd_byte & CB_KBD_INT);
    bool irq12 = aux && (k->cmd_byte & CB_AUX_INT);
    if (irq1 != k->irq1) {
        k->irq1 = irq1;
        dev_irq_set(&k->irq, I8042_KBD_IRQ, irq1);
    }
    if (irq12 != k->irq12) {
        k->irq12 = irq12;
        dev_irq_set(&k->irq, I8042_AUX_IRQ, irq12);
    }
}

static void lower_irqs(struct i8042 *k)
{
    if (k->irq1) {
        k->irq1 = false;
        dev_irq_set(&k->irq, I8042_KBD_IRQ, false);
    }
    if (k->irq12) {
        k->irq12 = false;
        dev_irq_set(&k->irq, I8042_AUX_IRQ, false);
    }
}

static void push(struct i8042 *k, uint8_t byte, bool aux)
{
    if (k->count == I8042_QUEUE)
        return;                  /* overrun: the byte is lost, as a real buffer's would be */
    unsigned tail = (k->head + k->count) % I8042_QUEUE;
    k->q[tail] = byte;
    k->q_aux[tail] = aux;
    k->count++;
    update_irqs(k);
}

void i8042_init(struct i8042 *k, struct dev_irq irq, void (*reset)(void *ctx), void *reset_ctx)
{
    *k = (struct i8042){ .irq = irq, .reset = reset, .reset_ctx = reset_ctx };
    /* As a BIOS leaves it: translation, mouse off, SYS, keyboard interrupt. */
    k->cmd_byte = 0x40 | CB_AUX_OFF | CB_SYS | CB_KBD_INT;
    k->sys_flag = true;
    k->output_port = 0x03;       /* reset line inactive (high), A20 on */
    k->scancode_set = 2;
    k->scanning = true;
}

static void system_reset(struct i8042 *k)
{
    if (k->reset)
        k->reset(k->reset_ctx);
}

/* The keyboard's side of a byte written to port 0x60. */
static void keyboard_byte(struct i8042 *k, uint8_t val)
{
    if (k->kbd_pending) {
        uint8_t cmd = k->kbd_pending;
        k->kbd_pending = 0;
        push(k, KBD_ACK, false);
        if (cmd == 0xed)
            k->leds = val & 7;
        else if (cmd == 0xf0 && val == 0)
            push(k, k->scancode_set, false);  /* query the current set */
        else if (cmd == 0xf0 && val <= 3)
            k->scancode_set = val;
        return;                  /* 0xf3: typematic rate, accepted */
    }
    switch (val) {
    case 0xff:                   /* reset: ACK, then the self-test passed */
        k->scanning = true;
        push(k, KBD_ACK, false);
        push(k, 0xaa, false);
        break;
    case 0xf2:                   /* identify: an MF2 keyboard */
        push(k, KBD_ACK, false);
        push(k, 0xab, false);
        push(k, 0x83, false);
        break;
    case 0xee:                   /* echo */
        push(k, 0xee, false);
        break;
    case 0xed: case 0xf3: case 0xf0:
        k->kbd_pending = val;
        push(k, KBD_ACK, false);
        break;
    case 0xf4: k->scanning = true; push(k, KBD_ACK, false); break;
    case 0xf5: k->scanning = false; push(k, KBD_ACK, false); break;
    case 0xf6: case 0xf7: case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc: case 0xfd:
        push(k, KBD_ACK, false);
        break;
    default:
        push(k, KBD_RESEND, false);  /* not a command the keyboard knows */
        break;
    }
}

static void data_write(struct i8042 *k, uint8_t val)
{
    uint8_t cmd = k->pending_cmd;
    k->pending_cmd = 0;
    switch (cmd) {
    case 0x60:
        k->cmd_byte = val;
        k->sys_flag = val & CB_SYS;
        update_irqs(k);
        break;
    case 0xd1:
        k->output_port = val;
        if (!(val & 1))
            system_reset(k);     /* bit 0 is the CPU reset line, active low */
        break;
    case 0xd2: push(k, val, false); break;  /* as if from the keyboard */
    case 0xd3: push(k, val, true); break;   /* as if from the mouse */
    case 0xd4: push(k, KBD_RESEND, true); break; /* to the mouse: there is none */
    default:
        if (cmd >= 0x61 && cmd <= 0x7f)
            break;               /* controller RAM: kept nowhere */
        keyboard_byte(k, val);
        break;
    }
}

static void command(struct i8042 *k, uint8_t val)
{
    if (val >= 0xf0) {
        /* Pulse output port bits 0-3 for the bits that are 0: bit 0 resets. */
        if (!(val & 1))
            system_reset(k);
        return;
    }
    switch (val) {
    case 0x20: push(k, k->cmd_byte, false); break;
    case 0x60: case 0xd1: case 0xd2: case 0xd3: case 0xd4:
        k->pending_cmd = val;
        break;
    case 0xa7: k->cmd_byte |= CB_AUX_OFF; break;
    case 0xa8: k->cmd_byte &= (uint8_t)~CB_AUX_OFF; break;
    case 0xa9: push(k, 0x00, false); break;   /* AUX interface test: lines fine */
    case 0xaa:                                 /* controller self-test */
        k->sys_flag = true;
        push(k, 0x55, false);
        break;
    case 0xab: push(k, 0x00, false); break;   /* keyboard interface test */
    case 0xad: k->cmd_byte |= CB_KBD_OFF; break;
    case 0xae: k->cmd_byte &= (uint8_t)~CB_KBD_OFF; break;
    case 0xc0: push(k, 0x00, false); break;   /* input port */
    case 0xd0: push(k, k->output_port, false); break;
    case 0xe0: push(k, 0x00, false); break;   /* test inputs */
    default:
        if (val >= 0x21 && val <= 0x3f)
            push(k, 0x00, false);             /* controller RAM reads as 0 */
        else if (val >= 0x61 && val <= 0x7f)
            k->pending_cmd = val;
        break;                                 /* anything else: ignored */
    }
    update_irqs(k);
}

uint8_t i8042_port_read(struct i8042 *k, uint16_t port)
{
    if (port == 0x64) {
        uint8_t st = ST_UNLOCKED;
        if (k->count)
            st |= ST_OBF | (k->q_aux[k->head] ? ST_AUX_OBF : 0);
        if (k->sys_flag)
            st |= ST_SYS;
        if (k->last_was_cmd)
            st |= ST_A2;
        return st;
    }
    if (port != 0x60)
        return 0xff;
    if (k->count) {
        k->last_read = k->q[k->head];
        k->head = (uint8_t)((k->head + 1) % I8042_QUEUE);
        k->count--;
        /* Reading the buffer lowers IRQ 1 / 12, and the next byte raises it
         * again when it arrives: a new edge per byte. The ISA lines are
         * edge-triggered at the PIC and the I/O APIC, and Linux's handler
         * reads one byte per interrupt, so a line left high would lose
         * every byte after the first (atkbd's probe then times out). */
        lower_irqs(k);
        update_irqs(k);
    }
    return k->last_read;         /* an empty buffer reads its last byte again */
}

void i8042_port_write(struct i8042 *k, uint16_t port, uint8_t val)
{
    if (port == 0x64) {
        k->last_was_cmd = true;
        command(k, val);
    } else if (port == 0x60) {
        k->last_was_cmd = false;
        data_write(k, val);
    }
}

void i8042_kbd_input(struct i8042 *k, uint8_t byte)
{
    if (k->scanning && !(k->cmd_byte & CB_KBD_OFF))
        push(k, byte, false);
}
