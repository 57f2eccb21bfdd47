/* The registered monitor: see monitor_ops.h. */
#include "kernel/monitor_ops.h"
#include "lib/format.h"

/* Bounds of the hv_monitor_ops section (linker.ld in the image; GNU ld makes
 * them for any build). Weak: a build with no monitor linked has none. */
extern const struct vm_monitor_ops *const __start_hv_monitor_ops[] __attribute__((weak));
extern const struct vm_monitor_ops *const __stop_hv_monitor_ops[] __attribute__((weak));

static bool started;
static char start_failure[160] = "the monitor was not started";

const struct vm_monitor_ops *vm_monitor(void)
{
    if (!__start_hv_monitor_ops || __start_hv_monitor_ops == __stop_hv_monitor_ops)
        return NULL;
    return __start_hv_monitor_ops[0];
}

bool vm_monitor_start(char *why, size_t whylen)
{
    const struct vm_monitor_ops *m = vm_monitor();
    if (!m) {
        ksnprintf(why, whylen, "no monitor is linked into this kernel");
        return false;
    }
    started = m->init(why, whylen);
    if (!started)
        ksnprintf(start_failure, sizeof start_failure, "%s", why);
    return started;
}

const char *vm_monitor_unavailable(void)
{
    const struct vm_monitor_ops *m = vm_monitor();
    if (!m)
        return "no monitor is linked into this kernel";
    if (!started)
        return start_failure;
    return m->unavailable();
}
