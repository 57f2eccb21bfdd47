# mm/codec*: the page codec; mm/ccache*: the compression cache (issue 5).
CODEC_SRCS  := mm/codec_fill.c mm/codec_lz4_enc.c mm/codec_lz4_dec.c mm/codec_page.c
CCACHE_SRCS := mm/ccache.c mm/ccache_pvec.c
KERNEL_C_SRCS += $(CODEC_SRCS) $(CCACHE_SRCS) mm/ccache_pages.c

# The page corpus: files every Debian machine has (tools/codec-corpus.py).
CODEC_CORPUS := $(BUILD)/codec-corpus
$(CODEC_CORPUS)/.done: tools/codec-corpus.py
	@$(PYTHON) tools/codec-corpus.py $(CODEC_CORPUS) >/dev/null
	@touch $@

UNIT_TESTS += test_codec test_ccache
test_codec_SRCS := tests/unit/test_codec.c tests/unit/test_codec_corpus.c $(CODEC_SRCS)
test_codec_LIBS := -llz4
test_ccache_SRCS := tests/unit/test_ccache.c tests/unit/test_codec_corpus.c tests/fake/platform_fake.c \
                    $(CCACHE_SRCS) $(CODEC_SRCS)
$(BUILD)/unit/test_codec $(BUILD)/unit/test_ccache: | $(CODEC_CORPUS)/.done
# The cache on the real machine page allocator (mk/mm.mk's sources).
UNIT_TESTS += test_ccache_pages
test_ccache_pages_SRCS := tests/unit/test_ccache_pages.c mm/ccache_pages.c mm/page_alloc.c mm/mpn_db.c \
                          $(CCACHE_SRCS) $(CODEC_SRCS) tests/fake/platform_fake.c tests/fake/panic_fake.c \
                          lib/panic.c lib/format.c lib/string.c

# ---- fuzzing ---------------------------------------------------------------
# Two libFuzzer targets (mk/fuzz.mk): `make test` runs each for
# CODEC_FUZZ_SMOKE seconds; `make fuzz-codec` (and `make fuzz`) runs them
# longer.
fuzz_codec_FSRCS  := tests/fuzz/fuzz_codec.c $(CODEC_SRCS)
fuzz_ccache_FSRCS := tests/fuzz/fuzz_ccache.c tests/fake/platform_fake.c $(CCACHE_SRCS) $(CODEC_SRCS)
CODEC_FUZZ_SMOKE   ?= 6
CODEC_FUZZ_SECONDS ?= 300

$(BUILD)/fuzz/fuzz_codec: $(fuzz_codec_FSRCS) mm/codec.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) $(fuzz_codec_FSRCS) -llz4 -o $@
$(BUILD)/fuzz/fuzz_ccache: $(fuzz_ccache_FSRCS) mm/codec.h mm/ccache.h mm/ccache_pvec.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FUZZ_CFLAGS) $(fuzz_ccache_FSRCS) -o $@

.PHONY: fuzz fuzz-codec fuzz-smoke-codec fuzz-smoke-ccache fuzz-codec-codec fuzz-codec-ccache bench-codec
HOSTED_TEST_STEPS += fuzz-smoke-codec fuzz-smoke-ccache
fuzz-smoke-codec: $(BUILD)/fuzz/fuzz_codec
	$(call fuzz_run,codec,$(CODEC_FUZZ_SMOKE),fuzz-smoke-codec,8192)
fuzz-smoke-ccache: $(BUILD)/fuzz/fuzz_ccache
	$(call fuzz_run,ccache,$(CODEC_FUZZ_SMOKE),fuzz-smoke-ccache,8192)
fuzz-codec-codec: $(BUILD)/fuzz/fuzz_codec
	$(call fuzz_run,codec,$(CODEC_FUZZ_SECONDS),fuzz-codec-codec,8192)
fuzz-codec-ccache: $(BUILD)/fuzz/fuzz_ccache
	$(call fuzz_run,ccache,$(CODEC_FUZZ_SECONDS),fuzz-codec-ccache,8192)
fuzz-codec: fuzz-codec-codec fuzz-codec-ccache
fuzz: fuzz-codec

# ---- benchmark (printed, never a test) -----------------------------------
# Host flags, no sanitizers: the numbers are about the code, not the checks.
BENCH_CODEC_SRCS := tests/bench/bench_codec.c tests/unit/test_codec_corpus.c tests/fake/platform_fake.c \
                    $(CODEC_SRCS) $(CCACHE_SRCS)
$(BUILD)/bench/bench_codec: $(BENCH_CODEC_SRCS) mm/codec.h mm/ccache.h tests/unit/test_codec_corpus.h mk/codec.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O2 -gdwarf-4 $(WARN) -I. -DHV_HOSTED=1 -D_DEFAULT_SOURCE $(BENCH_CODEC_SRCS) -llz4 -o $@
bench-codec: $(BUILD)/bench/bench_codec $(CODEC_CORPUS)/.done
	@$(BUILD)/bench/bench_codec

# Instruction counts per guest page, under valgrind (deterministic, unlike
# the timings on a shared machine): each coder runs once over the guest
# pages; callgrind's inclusive counts of the four bench_instr_* functions,
# divided by the page count. Mispredicts are valgrind's simple predictor
# model, a hint rather than the CPU's figure.
.PHONY: bench-codec-instr
bench-codec-instr: $(BUILD)/bench/bench_codec $(CODEC_CORPUS)/.done
	@valgrind --tool=callgrind --branch-sim=yes --callgrind-out-file=$(BUILD)/bench/callgrind.codec \
	    $(BUILD)/bench/bench_codec --instr > $(BUILD)/bench/instr.log 2>$(BUILD)/bench/instr.err || \
	    { cat $(BUILD)/bench/instr.err; exit 1; }
	@callgrind_annotate --inclusive=yes --show=Ir,Bc,Bcm --show-percs=no $(BUILD)/bench/callgrind.codec 2>/dev/null | \
	    awk -v pages=$$(awk '/^instr-pages/ {print $$2}' $(BUILD)/bench/instr.log) \
	    'function num(s) { gsub(",", "", s); return s + 0 } \
	     /bench_instr_(ours|lz4)_[cd]/ { split($$0, f, " "); match($$0, /bench_instr_[a-z0-9]*_[cd]/); \
	       name = substr($$0, RSTART, RLENGTH); \
	       ir[name] = num(f[1]); bc[name] = num(f[2]); bm[name] = num(f[3]) } \
	     END { printf "bench-codec-instr: %d guest pages, one pass each (valgrind callgrind, per page)\n", pages; \
	       printf "%-12s %12s %12s %8s %12s %12s %8s\n", "", "ours instr", "lz4 instr", "ours/lz4", "ours mispr", "lz4 mispr", "ours/lz4"; \
	       split("c d", k, " "); split("compress decompress", t, " "); \
	       for (i = 1; i <= 2; i++) { o = "bench_instr_ours_" k[i]; l = "bench_instr_lz4_" k[i]; \
	         printf "%-12s %12.0f %12.0f %7.3fx %12.1f %12.1f %7.3fx\n", t[i], ir[o] / pages, ir[l] / pages, \
	           ir[o] / ir[l], bm[o] / pages, bm[l] / pages, bm[o] / bm[l] } }'
