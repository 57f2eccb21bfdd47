/* The serial debug shell: console bytes go to the line editor, finished
 * lines to the command table, or, while `vm console` is attached, to a
 * guest's UART (kernel/shell_attach.c). The scheduler's loop polls it
 * between guest time slices. */
#include "kernel/kernel.h"
#include "kernel/line_editor.h"
#include "kernel/shell_parse.h"
#include "kernel/shell_cmds.h"
#include "kernel/shell_attach.h"
#include "kernel/vm.h"
#include "include/hv/console.h"
#include "include/hv/platform.h"

#define PROMPT "hv> "

static struct line_editor editor;
static bool prompt_showing;

/* Called with the console lock held: write with console_hook_write. */
static void clear_prompt(void)
{
    if (prompt_showing)
        console_hook_write("\r\x1b[K", 4);
}

static void redraw_prompt(void)
{
    if (!prompt_showing)
        return;
    console_hook_write(PROMPT, sizeof PROMPT - 1);
    if (editor.echo_on) {
        console_hook_write(editor.buf, editor.len);
        for (size_t i = editor.cursor; i < editor.len; i++)
            console_hook_write("\b", 1);
    }
}

static void show_prompt(void)
{
    console_puts(PROMPT);
    prompt_showing = true;
}

static void echo(void *ctx, const char *bytes, size_t len)
{
    (void)ctx;
    console_write(bytes, len);
}

static void dispatch_error(void *ctx, const char *msg)
{
    (void)ctx;
    console_printf("%s\n", msg);
}

void shell_start(void);
void shell_poll(void);

void shell_start(void)
{
    line_editor_init(&editor, echo, NULL, g_host_config.shell_echo);
    console_set_async_hooks(clear_prompt, redraw_prompt);
    show_prompt();
}

/* `memstats -r`: a command re-run from the poll until a key is pressed. */
static void (*repeat_fn)(void);
static uint64_t repeat_period_ns, repeat_next_ns;

void shell_repeat(void (*fn)(void), uint64_t period_ns)
{
    repeat_fn = fn;
    repeat_period_ns = period_ns;
    repeat_next_ns = plat_time_ns() + period_ns;
}

/* True while a repeating command owns the console. */
static bool repeat_poll(void)
{
    if (!repeat_fn)
        return false;
    char c;
    if (console_getc(&c)) {
        repeat_fn = NULL;
        show_prompt();
        return false;
    }
    uint64_t now = plat_time_ns();
    if (now >= repeat_next_ns) {
        repeat_next_ns = now + repeat_period_ns;
        console_printf("\n");
        repeat_fn();
    }
    return true;
}

/* Handles whatever the console received; never blocks. */
void shell_poll(void)
{
    /* Guests that went quiet get their held-back lines counted aloud. */
    vm_consoles_idle();
    vm_restarts_poll();
    if (shell_attached()) {
        if (!shell_attach_poll())
            show_prompt(); /* detached */
        return;
    }
    char c;
    if (repeat_poll())
        return;
    while (console_getc(&c)) {
        enum line_result r = line_editor_feed(&editor, c);
        if (r == LINE_NONE)
            continue;
        prompt_showing = false;
        if (r == LINE_DONE) {
            char line[LINE_MAX_LEN + 1];
            line_editor_take(&editor, line, sizeof line);
            shell_dispatch(shell_commands, line, NULL, dispatch_error);
            /* `vm console` attached: what follows is the guest's input;
             * `memstats -r`: the prompt comes back when the repeat ends. */
            if (shell_attached() || repeat_fn)
                return;
        }
        show_prompt();
    }
}
