/* The balloon's size and progress, as the vmkernel decides them: see
 * vm_balloon.h. Policy code: no arch/ header, runs hosted. */
#include "kernel/vm_balloon.h"

void vm_balloon_init(struct vm_balloon_ctl *b, uint64_t max_pages)
{
    *b = (struct vm_balloon_ctl){ .max_pages = max_pages, .manual = VM_BALLOON_AUTO };
}

static void set_want(struct vm_balloon_ctl *b, uint64_t want)
{
    if (want == b->want)
        return;
    b->want = want;
    if (b->changed)
        b->changed(b->dev);
}

void vm_balloon_update(struct vm_balloon_ctl *b, struct memsched_vm *msv, uint64_t held,
                       bool plenty, uint64_t now_ns)
{
    msv->has_balloon = b->device && b->driver && b->max_pages > 0;
    if (!msv->has_balloon) {
        msv->balloon_stalled = false;
        b->progress_ns = now_ns;
        b->last_held = held;
        return;
    }
    if (b->manual != VM_BALLOON_AUTO) {
        msv->balloon_stalled = false;
        set_want(b, b->manual);
        return;
    }
    /* Stalled, and memsched swaps in its place (it then asks the balloon
     * for nothing): the balloon keeps its size and stays stalled until it
     * grows or memsched stops asking. Taken for "nothing owed", the stall
     * would clear at the next tick and memsched turn to the stuck balloon
     * again, swapping one tick in every VM_BALLOON_STALL_NS. */
    bool was_stalled = msv->balloon_stalled;
    bool swapped_instead = was_stalled && msv->swap_target;
    uint64_t want;
    if (msv->balloon_target)
        want = MIN(held + msv->balloon_target, b->max_pages);
    else if (swapped_instead)
        want = b->want;
    else
        want = plenty ? 0 : MIN(held, b->max_pages);
    set_want(b, want);
    /* Owed more than maxmemctl lets it take, and it holds that much: the
     * balloon can do no more, memsched must swap the rest now. */
    if (msv->balloon_target && held >= b->max_pages) {
        msv->balloon_stalled = true;
        b->progress_ns = now_ns;
        b->last_held = held;
    } else if (swapped_instead) {
        if (held > b->last_held) {
            msv->balloon_stalled = false;
            b->progress_ns = now_ns;
            b->last_held = held;
        }
    } else if (held >= want || held > b->last_held) {
        b->progress_ns = now_ns;
        b->last_held = held;
        msv->balloon_stalled = false;
    } else if (now_ns - b->progress_ns >= VM_BALLOON_STALL_NS) {
        msv->balloon_stalled = true;
    }
    if (msv->balloon_stalled && !was_stalled)
        b->stalls++;
    /* Short by what is owed (at maxmemctl, all of it), or by what the
     * size it keeps while memsched swaps lacks. */
    uint64_t shortfall = msv->balloon_target ? msv->balloon_target
                                             : (b->want > held ? b->want - held : 0);
    if (msv->balloon_stalled)
        b->short_max = MAX(b->short_max, shortfall);
}

enum vm_balloon_set vm_balloon_set_manual(struct vm_balloon_ctl *b, uint64_t pages)
{
    if (!b->device)
        return VM_BALLOON_SET_NO_DEVICE;
    if (!b->driver)
        return VM_BALLOON_SET_NO_DRIVER;
    if (pages != VM_BALLOON_AUTO && pages > b->max_pages)
        return VM_BALLOON_SET_OVER_MAX;
    b->manual = pages;
    if (pages != VM_BALLOON_AUTO)
        set_want(b, pages);
    return VM_BALLOON_SET_OK;
}
