/*
 * libFuzzer target: the simulator's trace reader (tests/sim/trace.c) on
 * arbitrary bytes. Beyond the sanitizers' checks it asserts the contract:
 * an accepted trace holds only in-range VM indices and PPNs, and no more
 * accesses than the input has lines; a refused one has nothing allocated
 * and a message that names the input and, for a bad line, a line number
 * within the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/sim/trace.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static const uint64_t pages[3] = { 4000, 17, 1 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    uint64_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    struct trace t;
    char err[256] = "";
    bool ok = trace_read(f, "fuzz", 3, pages, &t, err, sizeof err);
    fclose(f);
    if (ok) {
        CHECK(t.len <= lines);
        for (uint64_t i = 0; i < t.len; i++) {
            CHECK(t.vm[i] < 3);
            CHECK(t.ppn[i] < pages[t.vm[i]]);
            CHECK(t.write[i] <= 1);
        }
        trace_free(&t);
    } else {
        CHECK(t.len == 0 && !t.vm && !t.ppn && !t.write);
        CHECK(strncmp(err, "fuzz:", 5) == 0);
        unsigned long long ln = strtoull(err + 5, NULL, 10);
        CHECK(ln >= 1 && ln <= lines);
    }
    return 0;
}
