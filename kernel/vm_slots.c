/* Slot choice for a starting VM (see vm_slots.h). */
#include "kernel/vm_slots.h"

int vm_slot_pick(const struct vm_slot_view *slots, unsigned n)
{
    int free_slot = -1, oldest_ended = -1;
    for (unsigned i = 0; i < n; i++) {
        const struct vm_slot_view *s = &slots[i];
        if (!s->used) {
            if (free_slot < 0)
                free_slot = (int)i;
            continue;
        }
        if (s->same_name)
            return (int)i;
        if (!s->live && (oldest_ended < 0 || s->start_ns < slots[oldest_ended].start_ns))
            oldest_ended = (int)i;
    }
    return free_slot >= 0 ? free_slot : oldest_ended;
}
