/* VMware's backdoor calls (see backdoor.h). */
#include "vmm/backdoor.h"

static void set32(uint64_t *reg, uint64_t v)
{
    *reg = (uint32_t)v;
}

bool backdoor_call(struct backdoor_regs *r, const struct backdoor_host *h)
{
    if ((uint32_t)r->ax != BDOOR_MAGIC)
        return false;
    r->ax = BDOOR_MAGIC;         /* IN EAX writes EAX: an unknown call leaves the magic */
    switch ((uint16_t)r->cx) {
    case BDOOR_CMD_GETMHZ:
        set32(&r->ax, h->tsc_hz / 1000000);
        break;
    case BDOOR_CMD_GETVERSION:
        set32(&r->ax, BDOOR_VERSION);
        set32(&r->bx, BDOOR_MAGIC);
        set32(&r->cx, BDOOR_TYPE_ESX);
        break;
    case BDOOR_CMD_GETMEMSIZE:
        set32(&r->ax, h->mem_mib > 0xffffffffu ? 0xffffffffu : h->mem_mib);
        break;
    case BDOOR_CMD_GETHZ:
        set32(&r->ax, h->tsc_hz);
        set32(&r->bx, h->tsc_hz >> 32);
        set32(&r->cx, h->apic_hz > 0xffffffffu ? 0xffffffffu : h->apic_hz);
        break;
    case BDOOR_CMD_GETTIMEFULL:
        if (h->unix_us < 0) {
            set32(&r->ax, 0xffffffffu);
            break;
        }
        set32(&r->si, (uint64_t)(h->unix_us / 1000000) >> 32);
        set32(&r->dx, (uint64_t)(h->unix_us / 1000000));
        set32(&r->bx, (uint64_t)(h->unix_us % 1000000));
        set32(&r->cx, 0);
        break;
    default:
        break;
    }
    return true;
}

bool backdoor_pmc(uint32_t ecx, uint64_t host_tsc, uint64_t now_ns, uint64_t *val)
{
    switch (ecx) {
    case BDOOR_PMC_HOST_TSC: *val = host_tsc; return true;
    case BDOOR_PMC_REAL_NS:
    case BDOOR_PMC_APPARENT_NS: *val = now_ns; return true;
    default: return false;
    }
}
