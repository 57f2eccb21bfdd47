/* Memory-access traces for the simulator: text, one access per line,
 * "VM PPN r|w", VM being the index of --vm in the order given; lines starting
 * with '#' and blank lines are ignored. */
#ifndef TESTS_SIM_TRACE_H
#define TESTS_SIM_TRACE_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

struct trace {
    uint64_t len;
    uint8_t *vm;
    uint32_t *ppn;
    uint8_t *write;
};

/* Loads `path`, checking each VM index against `nvms` and each PPN against
 * that VM's page count. On error returns false with "FILE:LINE: reason". */
bool trace_load(const char *path, unsigned nvms, const uint64_t *vm_pages,
                struct trace *t, char *err, size_t errlen);
void trace_free(struct trace *t);

#endif
