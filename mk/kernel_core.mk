# kernel/ core services: the log, configuration files, the shell's line
# editor and command parser. All pure code: built into the image and tested
# hosted. (FAKE_PLATFORM_SRCS comes from mk/mm.mk, read after this file, so
# the _SRCS below use deferred `=` assignment.)
KERNEL_C_SRCS += kernel/log.c

UNIT_TESTS += test_log
test_log_SRCS = tests/unit/test_log.c kernel/log.c $(FAKE_PLATFORM_SRCS)
