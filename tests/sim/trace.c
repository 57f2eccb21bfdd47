/* Trace loader: see trace.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include "tests/sim/trace.h"

static bool grow(struct trace *t, uint64_t *cap)
{
    uint64_t n = *cap ? *cap * 2 : 1 << 16;
    uint8_t *vm = realloc(t->vm, n);
    if (!vm)
        return false;
    t->vm = vm;
    uint32_t *ppn = realloc(t->ppn, n * sizeof *ppn);
    if (!ppn)
        return false;
    t->ppn = ppn;
    uint8_t *w = realloc(t->write, n);
    if (!w)
        return false;
    t->write = w;
    *cap = n;
    return true;
}

bool trace_load(const char *path, unsigned nvms, const uint64_t *vm_pages,
                struct trace *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return false;
    }
    char line[256];
    uint64_t lineno = 0, cap = 0;
    bool ok = true;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '#' || *s == 0)
            continue;
        unsigned long vm;
        unsigned long long ppn;
        char rw;
        int used = 0;
        if (sscanf(s, "%lu %llu %c %n", &vm, &ppn, &rw, &used) != 3 ||
            (rw != 'r' && rw != 'w') || s[used] != 0) {
            snprintf(err, errlen, "%s:%llu: expected 'VM PPN r|w'", path,
                     (unsigned long long)lineno);
            ok = false;
            break;
        }
        if (vm >= nvms) {
            snprintf(err, errlen, "%s:%llu: VM %lu but only %u --vm given", path,
                     (unsigned long long)lineno, vm, nvms);
            ok = false;
            break;
        }
        if (ppn >= vm_pages[vm] || ppn > UINT32_MAX) {
            snprintf(err, errlen, "%s:%llu: PPN %llu outside VM %lu (%llu pages)", path,
                     (unsigned long long)lineno, ppn, vm, (unsigned long long)vm_pages[vm]);
            ok = false;
            break;
        }
        if (t->len == cap && !grow(t, &cap)) {
            snprintf(err, errlen, "%s: out of memory", path);
            ok = false;
            break;
        }
        t->vm[t->len] = (uint8_t)vm;
        t->ppn[t->len] = (uint32_t)ppn;
        t->write[t->len] = rw == 'w';
        t->len++;
    }
    if (f != stdin)
        fclose(f);
    if (!ok)
        trace_free(t);
    return ok;
}

void trace_free(struct trace *t)
{
    free(t->vm);
    free(t->ppn);
    free(t->write);
    memset(t, 0, sizeof *t);
}
