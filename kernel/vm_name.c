/* VM names and name lists (see vm_name.h). */
#include "kernel/vm_name.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/text_escape.h"

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

bool vm_name_valid(const char *s, size_t len, const char **why)
{
    const char *w = NULL;
    if (len == 0)
        w = "a VM name must not be empty";
    else if (len > VM_NAME_MAX - 1)
        w = "a VM name is at most 31 bytes";
    for (size_t i = 0; !w && i < len; i++)
        if (!name_char(s[i]))
            w = "a VM name has only letters, digits, '_', '.' or '-'";
    if (why)
        *why = w;
    return !w;
}

static bool separator(char c)
{
    return c == ',' || c == ' ';
}

unsigned vm_name_list_each(const char *list, void (*ok)(void *ctx, const char *name),
                           void (*bad)(void *ctx, const char *shown, const char *why),
                           void *ctx)
{
    unsigned refused = 0;
    const char *p = list ? list : "";
    while (*p) {
        while (separator(*p))
            p++;
        const char *start = p;
        while (*p && !separator(*p))
            p++;
        size_t len = (size_t)(p - start);
        if (!len)
            continue;
        const char *why;
        if (vm_name_valid(start, len, &why)) {
            char name[VM_NAME_MAX];
            memcpy(name, start, len);
            name[len] = '\0';
            ok(ctx, name);
            continue;
        }
        char shown[TEXT_QUOTE_MAX + 4];
        text_escape_cut(shown, sizeof shown, start, len);
        bad(ctx, shown, why);
        refused++;
    }
    return refused;
}
