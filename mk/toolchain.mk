# Tools and flags shared by every component.
BUILD      := build
# `make V=1` shows the full commands.
Q          := $(if $(V),,@)
KCC        := clang
KLD        := ld.lld
NASM       := nasm
HOSTCC     := clang
PYTHON     := python3

WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
              -Wno-unused-parameter

# The image: freestanding, no red zone (interrupts push onto the stack we are
# using), no SSE (we do not save FPU state on kernel entry), kernel code model
# because we are linked in the top 2 GiB.
KCFLAGS    := --target=x86_64-unknown-none-elf -std=c11 -ffreestanding -fno-builtin \
              -nostdlib -nostdinc -isystem $(shell $(KCC) -print-resource-dir)/include \
              -mno-red-zone -mgeneral-regs-only -mcmodel=kernel -fno-pic -fno-pie \
              -fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
              -O2 -g $(WARN) -I. -DHV_KERNEL=1
KASFLAGS   := -f elf64 -g -F dwarf
KLDFLAGS   := -nostdlib -static -z max-page-size=4096 --no-dynamic-linker

# Hosted tests: the same policy sources, built against libc with sanitizers.
HOST_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=all
HOSTCFLAGS := -std=c11 -O1 -g -fno-omit-frame-pointer $(HOST_SAN) $(WARN) -I. -DHV_HOSTED=1 \
              -D_DEFAULT_SOURCE
HOSTLDFLAGS:= $(HOST_SAN)

# Lists that component fragments append to.
KERNEL_C_SRCS   :=
KERNEL_ASM_SRCS :=
UNIT_TESTS      :=
# Hosted test steps run by `make test` after the unit tests and before the
# system tests (e.g. simulator checks, fuzz smoke runs). Each is a make target.
HOSTED_TEST_STEPS :=
