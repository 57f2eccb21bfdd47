# kernel/ core services: the log, configuration files, the shell's line
# editor and command parser. All pure code: built into the image and tested
# hosted. (FAKE_PLATFORM_SRCS comes from mk/mm.mk, read after this file, so
# the _SRCS below use deferred `=` assignment.)
KERNEL_C_SRCS += kernel/log.c

UNIT_TESTS += test_log
test_log_SRCS = tests/unit/test_log.c kernel/log.c lib/text_escape.c $(FAKE_PLATFORM_SRCS)

KERNEL_C_SRCS += kernel/shell_parse.c kernel/line_editor.c
UNIT_TESTS += test_shell_parse
test_shell_parse_SRCS = tests/unit/test_shell_parse.c kernel/shell_parse.c $(FAKE_PLATFORM_SRCS)
UNIT_TESTS += test_line_editor
test_line_editor_SRCS = tests/unit/test_line_editor.c kernel/line_editor.c $(FAKE_PLATFORM_SRCS)

KCORE_CONFIG_SRCS := kernel/config_parse.c kernel/config_schema.c kernel/host_config.c
KCORE_CONFIG_LIBS := lib/text_escape.c
KERNEL_C_SRCS += $(KCORE_CONFIG_SRCS)
UNIT_TESTS += test_config
test_config_SRCS = tests/unit/test_config.c $(KCORE_CONFIG_SRCS) $(KCORE_CONFIG_LIBS) $(FAKE_PLATFORM_SRCS)

# ---- fuzzing: the config parser + schema on arbitrary bytes ---------------
# A libFuzzer target (mk/fuzz.mk): `make fuzz-smoke-config` (part of `make
# test`) runs it briefly; `make fuzz-config` runs it for FUZZ_CONFIG_SECONDS.
FUZZ_CONFIG_SRCS    := tests/fuzz/fuzz_config.c $(KCORE_CONFIG_SRCS) $(KCORE_CONFIG_LIBS) kernel/vm_config.c kernel/vm_name.c kernel/guestinfo.c \
                       lib/string.c lib/format.c
FUZZ_CONFIG_SECONDS ?= 600

$(BUILD)/fuzz/fuzz_config: $(FUZZ_CONFIG_SRCS) $(wildcard kernel/config_*.h kernel/host_config.h \
                    kernel/log.h lib/*.h include/hv/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) $(FUZZ_CONFIG_SRCS) -o $@

HOSTED_TEST_STEPS += fuzz-smoke-config
.PHONY: fuzz fuzz-config fuzz-smoke-config
fuzz: fuzz-config

fuzz-smoke-config: $(BUILD)/fuzz/fuzz_config
	$(call fuzz_run,config,10,fuzz-smoke-config,4096)

fuzz-config: $(BUILD)/fuzz/fuzz_config
	$(call fuzz_run,config,$(FUZZ_CONFIG_SECONDS),fuzz-config,4096)
