/* The serial debug shell's loop: feed console bytes to the line editor,
 * dispatch finished lines, sleep until the next interrupt otherwise. */
#include "kernel/kernel.h"
#include "kernel/line_editor.h"
#include "kernel/shell_parse.h"
#include "kernel/shell_cmds.h"
#include "include/hv/console.h"
#include "arch/x86_64/cpu.h"

#define PROMPT "hv> "

static struct line_editor editor;

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

void shell_run(void)
{
    line_editor_init(&editor, echo, NULL, g_host_config.shell_echo);
    console_puts(PROMPT);
    for (;;) {
        char c;
        bool any = false;
        while (console_getc(&c)) {
            any = true;
            enum line_result r = line_editor_feed(&editor, c);
            if (r == LINE_NONE)
                continue;
            if (r == LINE_DONE) {
                char line[LINE_MAX_LEN + 1];
                line_editor_take(&editor, line, sizeof line);
                shell_dispatch(shell_commands, line, NULL, dispatch_error);
            }
            console_puts(PROMPT);
        }
        if (!any) {
            /* Sleep until an interrupt; sti;hlt leaves no window for a lost
             * wake-up between the check above and the halt. */
            cli();
            if (!console_rx_pending())
                sti_hlt();
            sti();
        }
    }
}
