/* The display memory's window: see vmm/vga_window.h. */
#include "vmm/vga_window.h"
#include "vmm/vplatform.h"
#include "lib/kstring.h"

bool vga_window_owns(const struct vplatform *plat, uint64_t gpa)
{
    return plat && plat->vga_window && gpa >= VGA_WINDOW_BASE &&
           gpa < VGA_WINDOW_BASE + VGA_WINDOW_PAGES * PAGE_SIZE;
}

void vga_window_copy(const struct vplatform *plat, uint64_t gpa, uint8_t *into,
                     const uint8_t *from, size_t n)
{
    uint64_t off = gpa - VGA_WINDOW_BASE;
    uint8_t *p = plat->vga_window[off >> PAGE_SHIFT] + (off & (PAGE_SIZE - 1));
    if (into)
        memcpy(into, p, n);
    else if (from)
        memcpy(p, from, n);
}
