/* Memory-access traces for the simulator: text, one access per line,
 * "VM PPN r|w", VM being the index of --vm in the order given; lines starting
 * with '#' and blank lines are ignored. */
#ifndef TESTS_SIM_TRACE_H
#define TESTS_SIM_TRACE_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct trace {
    uint64_t len;
    uint8_t *vm;
    uint32_t *ppn;
    uint8_t *write;
};

/* Loads `path` ("-": standard input), checking each VM index against
 * `nvms` and each PPN against that VM's page count. On error returns false,
 * with nothing allocated, and "FILE:LINE: reason" in err. Numbers are
 * decimal digits only; a data line longer than 255 characters or a line
 * holding a NUL byte is refused; a comment line may be of any length. */
bool trace_load(const char *path, unsigned nvms, const uint64_t *vm_pages,
                struct trace *t, char *err, size_t errlen);
/* The same from an open stream, `name` naming it in messages. */
bool trace_read(FILE *f, const char *name, unsigned nvms, const uint64_t *vm_pages,
                struct trace *t, char *err, size_t errlen);
void trace_free(struct trace *t);

#endif
