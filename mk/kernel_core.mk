# kernel/ core services: the log, configuration files, the shell's line
# editor and command parser. All pure code: built into the image and tested
# hosted. (FAKE_PLATFORM_SRCS comes from mk/mm.mk, read after this file, so
# the _SRCS below use deferred `=` assignment.)
KERNEL_C_SRCS += kernel/log.c

UNIT_TESTS += test_log
test_log_SRCS = tests/unit/test_log.c kernel/log.c $(FAKE_PLATFORM_SRCS)

KERNEL_C_SRCS += kernel/shell_parse.c kernel/line_editor.c
UNIT_TESTS += test_shell_parse
test_shell_parse_SRCS = tests/unit/test_shell_parse.c kernel/shell_parse.c $(FAKE_PLATFORM_SRCS)
UNIT_TESTS += test_line_editor
test_line_editor_SRCS = tests/unit/test_line_editor.c kernel/line_editor.c $(FAKE_PLATFORM_SRCS)

CONFIG_SRCS := kernel/config_parse.c kernel/config_schema.c kernel/host_config.c
KERNEL_C_SRCS += $(CONFIG_SRCS)
UNIT_TESTS += test_config
test_config_SRCS = tests/unit/test_config.c $(CONFIG_SRCS) $(FAKE_PLATFORM_SRCS)
