/* GuestRPC's commands (see rpci.h). */
#include "vmm/rpci.h"
#include "lib/kstring.h"

struct out {
    char *buf;
    size_t cap, len;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (n > o->cap - o->len)
        n = o->cap - o->len;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* The request's first word is `cmd`, ended by a space or the request's end:
 * true, and *rest is what follows the space. */
static bool is_cmd(const char *req, size_t len, const char *cmd, const char **rest,
                   size_t *rest_len)
{
    size_t n = strlen(cmd);
    if (len < n || memcmp(req, cmd, n) != 0 || (len > n && req[n] != ' '))
        return false;
    *rest = len > n ? req + n + 1 : req + len;
    *rest_len = len > n ? len - n - 1 : 0;
    return true;
}

static size_t trim_end(const char *s, size_t n)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\t'))
        n--;
    return n;
}

static void info_get(struct rpci *c, const char *arg, size_t n, struct out *o)
{
    const char *value;
    size_t vlen;
    n = trim_end(arg, n);
    if (!guestinfo_name_valid(arg, n) || !guestinfo_get(c->vars, arg, n, &value, &vlen)) {
        puts_(o, "0 No value found");
        return;
    }
    puts_(o, "1 ");
    put(o, value, vlen);
}

static void info_set(struct rpci *c, const char *arg, size_t n, struct out *o)
{
    size_t name = 0;
    while (name < n && arg[name] != ' ')
        name++;
    if (name == n) {
        puts_(o, "0 Expected a name and a value");
        return;
    }
    switch (guestinfo_set(c->vars, arg, name, arg + name + 1, n - name - 1)) {
    case GUESTINFO_OK: puts_(o, "1 "); break;
    case GUESTINFO_BAD_NAME: puts_(o, "0 Not a guestinfo variable's name"); break;
    case GUESTINFO_BAD_VALUE: puts_(o, "0 The value holds a NUL byte"); break;
    case GUESTINFO_FULL: puts_(o, "0 No room for the value"); break;
    }
}

static void set_version(struct rpci *c, const char *arg, size_t n, struct out *o)
{
    uint64_t v = 0;
    n = trim_end(arg, n);
    size_t i = 0;
    for (; i < n && arg[i] >= '0' && arg[i] <= '9' && v <= 0xffffffffu; i++)
        v = v * 10 + (uint64_t)(arg[i] - '0');
    if (i == 0 || i != n || v > 0xffffffffu) {
        puts_(o, "0 Expected a version number");
        return;
    }
    c->tools_version = (uint32_t)v;
    puts_(o, "1 ");
}

size_t rpci_exec(void *ctx, const char *req, size_t len, char *reply, size_t cap)
{
    struct rpci *c = ctx;
    struct out o = { reply, cap, 0 };
    const char *arg;
    size_t n;
    if (is_cmd(req, len, "info-get", &arg, &n)) {
        info_get(c, arg, n, &o);
    } else if (is_cmd(req, len, "info-set", &arg, &n)) {
        info_set(c, arg, n, &o);
    } else if (is_cmd(req, len, "log", &arg, &n)) {
        if (c->log)
            c->log(c->log_ctx, arg, trim_end(arg, n));
        puts_(&o, "1 ");
    } else if (is_cmd(req, len, "tools.set.version", &arg, &n)) {
        set_version(c, arg, n, &o);
    } else {
        puts_(&o, "0 Unknown command");
    }
    return o.len;
}
