/* The simulator's content model and cost table; see cost.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/sim/cost.h"

static const char *const store_names[SIM_STORE_COUNT] = { "zero", "zip", "disk" };

const char *sim_store_name(enum sim_store s)
{
    return (unsigned)s < SIM_STORE_COUNT ? store_names[s] : "?";
}

void sim_content_default(struct sim_content *c)
{
    memset(c, 0, sizeof *c);
    c->random = 1.0;
}

/* One "key=number" of a comma list; false (with err) when malformed. The
 * number is a plain decimal, >= 0 and finite. */
static bool next_pair(char **cursor, const char *spec, char **key, double *val, char *err,
                      size_t errlen)
{
    char *kv = strsep(cursor, ",");
    char *eq = strchr(kv, '=');
    if (!eq || eq == kv) {
        snprintf(err, errlen, "'%s': '%s' is not key=value", spec, kv);
        return false;
    }
    *eq = 0;
    char *end;
    *val = strtod(eq + 1, &end);
    if (end == eq + 1 || *end || !(*val >= 0 && *val <= 1e12) || eq[1] == '-') {
        snprintf(err, errlen, "'%s': %s needs a number >= 0, not '%s'", spec, kv, eq + 1);
        return false;
    }
    *key = kv;
    return true;
}

bool sim_content_parse(const char *spec, struct sim_content *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (!strcmp(spec, "mix")) {
        c->mix = true;
        c->zero = c->text = c->random = 1.0 / 3;
        return true;
    }
    char buf[256];
    if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf) {
        snprintf(err, errlen, "'%.40s...': too long", spec);
        return false;
    }
    char *cursor = buf, *key;
    double v;
    while (cursor) {
        if (!next_pair(&cursor, spec, &key, &v, err, errlen))
            return false;
        if (!strcmp(key, "zero")) c->zero = v;
        else if (!strcmp(key, "text")) c->text = v;
        else if (!strcmp(key, "random")) c->random = v;
        else {
            snprintf(err, errlen, "'%s': unknown kind '%s' (zero, text, random)", spec, key);
            return false;
        }
    }
    double sum = c->zero + c->text + c->random;
    if (sum < 1.0 - 1e-6 || sum > 1.0 + 1e-6) {
        snprintf(err, errlen, "'%s': the fractions add up to %g, not 1", spec,
                 c->zero + c->text + c->random);
        return false;
    }
    return true;
}

void sim_content_format(const struct sim_content *c, char *buf, size_t len)
{
    if (c->mix)
        snprintf(buf, len, "mix");
    else
        snprintf(buf, len, "zero:%g,text:%g,random:%g", c->zero, c->text, c->random);
}

/* Defaults (docs/memsim.md says where each comes from):
 *   zero  0.04 us: refilling a page ran at 115 GB/s in make bench-codec
 *         (0.035 us a page), rounded up for the allocation;
 *   zip   1.1 us: decompressing guest pages ran at 3.7 GB/s there;
 *   disk  100 us: a SATA SSD's 4 KiB random read at queue depth 1 (about
 *         10,000 IOPS in vendors' data sheets);
 *   page  7.5 us: each further 4 KiB of the same read at 550 MB/s, SATA's
 *         sequential read. */
void sim_costs_default(struct sim_costs *c)
{
    c->ns[SIM_STORE_ZERO] = 40;
    c->ns[SIM_STORE_ZIP] = 1100;
    c->ns[SIM_STORE_DISK] = 100000;
    c->disk_page_ns = 7500;
}

bool sim_costs_parse(const char *spec, struct sim_costs *c, char *err, size_t errlen)
{
    char buf[256];
    if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf) {
        snprintf(err, errlen, "'%.40s...': too long", spec);
        return false;
    }
    struct sim_costs out = *c;
    char *cursor = buf, *key;
    double us;
    while (cursor) {
        if (!next_pair(&cursor, spec, &key, &us, err, errlen))
            return false;
        if (us > 1e9) {
            snprintf(err, errlen, "'%s': %s: more than 1000 s per fault", spec, key);
            return false;
        }
        uint64_t ns = (uint64_t)(us * 1000.0 + 0.5);
        if (!strcmp(key, "zero")) out.ns[SIM_STORE_ZERO] = ns;
        else if (!strcmp(key, "zip")) out.ns[SIM_STORE_ZIP] = ns;
        else if (!strcmp(key, "disk")) out.ns[SIM_STORE_DISK] = ns;
        else if (!strcmp(key, "page")) out.disk_page_ns = ns;
        else {
            snprintf(err, errlen, "'%s': unknown cost '%s' (zero, zip, disk, page)", spec, key);
            return false;
        }
    }
    *c = out;
    return true;
}

void sim_costs_format(const struct sim_costs *c, char *buf, size_t len)
{
    snprintf(buf, len, "zero:%g,zip:%g,disk:%g,page:%g", c->ns[SIM_STORE_ZERO] / 1000.0,
             c->ns[SIM_STORE_ZIP] / 1000.0, c->ns[SIM_STORE_DISK] / 1000.0,
             c->disk_page_ns / 1000.0);
}

/* A fixed mixing of (VM, PPN): the same page is always the same kind, and
 * kinds fall on pages independently of where they sit (SplitMix64's
 * finaliser). */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

enum sim_store sim_store_of(const struct sim_content *c, unsigned vm, uint32_t ppn)
{
    if (c->mix)
        return (enum sim_store)(ppn % 3);   /* memtouch fill=mix: zero, text, random */
    double u = (double)(mix64(((uint64_t)vm << 32 | ppn) + 0x9e3779b97f4a7c15ULL) >> 11) *
               0x1.0p-53;
    if (u < c->zero)
        return SIM_STORE_ZERO;
    if (u < c->zero + c->text)
        return SIM_STORE_ZIP;
    return SIM_STORE_DISK;
}

uint64_t sim_fault_cost_ns(const struct sim_costs *c, enum sim_store s, uint32_t pages)
{
    if ((unsigned)s >= SIM_STORE_COUNT)
        return 0;
    uint64_t ns = c->ns[s];
    if (s == SIM_STORE_DISK && pages > 1)
        ns += (uint64_t)(pages - 1) * c->disk_page_ns;
    return ns;
}
