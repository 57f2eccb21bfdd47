/* libFuzzer target for the legacy device models: the input is a program of
 * guest port accesses, INTA cycles and time steps on a PIT, PIC pair, RTC
 * and i8042 wired as on a PC (PIT -> IRQ 0, i8042 -> IRQ 1 and 12, RTC ->
 * IRQ 8). Checked: no crash or undefined behaviour on any sequence; the
 * PIC's reported INT matches its state; INTA vectors come from the
 * programmed bases; deadlines are never in the past and ticking at one
 * makes progress; the keyboard queue stays bounded. */
#include <stdint.h>
#include <stdlib.h>
#include "vmm/dev_pit.h"
#include "vmm/dev_pic.h"
#include "vmm/dev_rtc.h"
#include "vmm/dev_i8042.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

static struct pic pic;
static struct pit pit;
static struct rtc rtc;
static struct i8042 kbc;
static bool intr;
static unsigned resets;

static void to_pic(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    pic_set_irq(&pic, line, level);
}

static void intr_set(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    check(line == 0 && level != intr);
    intr = level;
}

static void on_reset(void *ctx)
{
    (void)ctx;
    resets++;
}

static const uint16_t pit_ports[4] = { 0x40, 0x42, 0x43, 0x61 };
static const uint16_t pic_ports[6] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t now = 1000;
    intr = false;
    resets = 0;
    struct dev_irq line = { to_pic, NULL };
    pic_init(&pic, (struct dev_irq){ intr_set, NULL });
    pit_init(&pit, line, now);
    rtc_init(&rtc, line, 1764763200, now);
    i8042_init(&kbc, line, on_reset, NULL);

    for (size_t i = 0; i + 3 <= size; i += 3) {
        uint8_t op = data[i], a = data[i + 1], v = data[i + 2];
        switch (op % 8) {
        case 0: pit_port_write(&pit, pit_ports[a & 3], v, now); break;
        case 1: (void)pit_port_read(&pit, pit_ports[a & 3], now); break;
        case 2: pic_port_write(&pic, pic_ports[a % 6], v); break;
        case 3:
            if (a & 1) {
                (void)pic_port_read(&pic, pic_ports[(a >> 1) % 6]);
            } else {
                uint8_t vec = pic_ack(&pic);
                check((vec & 0xf8) == pic.chip[0].base || (vec & 0xf8) == pic.chip[1].base);
            }
            break;
        case 4: rtc_port_write(&rtc, (uint16_t)(0x70 + (a & 1)), v, now); break;
        case 5: (void)rtc_port_read(&rtc, (uint16_t)(0x70 + (a & 1)), now); break;
        case 6:
            if (a & 2)
                i8042_port_write(&kbc, a & 1 ? 0x64 : 0x60, v);
            else if (a & 4)
                i8042_kbd_input(&kbc, v);
            else
                (void)i8042_port_read(&kbc, a & 1 ? 0x64 : 0x60);
            break;
        default: {
            /* Time passes: a little, a lot, or to the next deadline. */
            uint64_t d = pit_next_deadline(&pit, now), r = rtc_next_deadline(&rtc, now);
            check(d >= now && r >= now);
            if (a & 1) {
                uint64_t next = d < r ? d : r;
                if (next != DEV_NO_DEADLINE)
                    now = next;
            } else {
                now += (uint64_t)v << (a % 40);
            }
            pit_tick(&pit, now);
            rtc_tick(&rtc, now);
            if ((a & 1) && d == now && d != DEV_NO_DEADLINE) {
                uint64_t d2 = pit_next_deadline(&pit, now);
                check(d2 > now || d2 == DEV_NO_DEADLINE || pit.ch[0].reload == 1);
            }
            break;
        }
        }
        check(intr == pic_intr(&pic));
        check(kbc.count <= I8042_QUEUE);
    }
    return 0;
}
