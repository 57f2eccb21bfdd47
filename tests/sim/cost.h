/* The simulator's mechanism costs (issue 13): where a page-out goes and what
 * the fault that brings it back costs, by store, as in the image's swapper
 * (mm/swapper_out.c, mm/swapper_in.c):
 *
 *   zero  a zero or same-filled page: a tag; the fault allocates and fills
 *   zip   compresses to at most half: the compression cache; the fault
 *         decompresses
 *   disk  the rest: a swap slot; the fault reads it, with its read-ahead
 *         cluster (neighbours written together) in the same request
 *
 * Traces carry no page contents, so a content model gives each page a
 * class: fractions by a hash of (VM, PPN), or memtouch's fill=mix rule
 * (PPN % 3). The defaults are in docs/memsim.md, with where each comes from. */
#ifndef TESTS_SIM_COST_H
#define TESTS_SIM_COST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sim_store { SIM_STORE_ZERO, SIM_STORE_ZIP, SIM_STORE_DISK, SIM_STORE_COUNT };

struct sim_content {
    bool mix;                        /* PPN % 3: zero, text (zip), random (disk) */
    double zero, text, random;       /* fractions of pages, summing to 1 */
};

struct sim_costs {
    uint64_t ns[SIM_STORE_COUNT];    /* one fault from each store */
    uint64_t disk_page_ns;           /* each further page of one disk read */
};

const char *sim_store_name(enum sim_store s);

/* Default: every page incompressible (each reclaimed page goes to disk, as
 * the simulator assumed before it had stores). */
void sim_content_default(struct sim_content *c);
/* "mix", or "zero=Z,text=T,random=R" (fractions; a kind left out is 0; the
 * sum must be 1). False with a message in err. */
bool sim_content_parse(const char *spec, struct sim_content *c, char *err, size_t errlen);
/* "%g" form of the model, for the header line. */
void sim_content_format(const struct sim_content *c, char *buf, size_t len);

void sim_costs_default(struct sim_costs *c);
/* "zero=US,zip=US,disk=US,page=US" in microseconds (decimals allowed); a
 * key left out keeps its value. False with a message in err. */
bool sim_costs_parse(const char *spec, struct sim_costs *c, char *err, size_t errlen);
void sim_costs_format(const struct sim_costs *c, char *buf, size_t len);

/* The store page `ppn` of VM `vm` goes to when it is paged out. */
enum sim_store sim_store_of(const struct sim_content *c, unsigned vm, uint32_t ppn);

/* What a fault from store s costs when it brings `pages` pages back in one
 * go (1 but for a disk read with read-ahead). */
uint64_t sim_fault_cost_ns(const struct sim_costs *c, enum sim_store s, uint32_t pages);

#endif
