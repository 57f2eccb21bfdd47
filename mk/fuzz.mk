# libFuzzer targets share one way to be built and run. A target NAME is the
# binary $(BUILD)/fuzz/fuzz_NAME, built by its component's .mk with
# FUZZ_CFLAGS straight from the sources (libFuzzer needs its own
# instrumentation, not the unit-test objects), and run by
#   $(call fuzz_run,NAME,SECONDS,STEP,MAX_LEN)
# from the committed seeds in tests/fuzz/corpus/NAME, which are never
# written: new inputs go to the scratch corpus $(BUILD)/fuzz/corpus-NAME.
# STEP names the tally (build/results/STEP.tally) and the line printed; a
# crash leaves $(BUILD)/fuzz/NAME-* and the log $(BUILD)/fuzz/fuzz-NAME.log.
# `make test` runs each target for a few seconds (fuzz-smoke-*); `make fuzz`
# runs each for minutes.
FUZZ_CFLAGS := $(HOSTCFLAGS) -fsanitize=fuzzer

define fuzz_run
	@mkdir -p $(BUILD)/fuzz/corpus-$(1) $(BUILD)/results
	@if $(BUILD)/fuzz/fuzz_$(1) -max_total_time=$(2) -max_len=$(4) -timeout=10 -rss_limit_mb=2048 \
	     -artifact_prefix=$(BUILD)/fuzz/$(1)- -print_final_stats=1 \
	     $(BUILD)/fuzz/corpus-$(1) tests/fuzz/corpus/$(1) > $(BUILD)/fuzz/fuzz-$(1).log 2>&1; then \
	    echo "1 0" > $(BUILD)/results/$(3).tally; \
	    echo "$(3): clean ($(2) s, $$(grep -ao 'stat::number_of_executed_units: *[0-9]*' $(BUILD)/fuzz/fuzz-$(1).log | tail -n1 | grep -o '[0-9]*$$') runs)"; \
	else \
	    echo "0 1" > $(BUILD)/results/$(3).tally; \
	    tail -n 40 $(BUILD)/fuzz/fuzz-$(1).log; \
	    echo "$(3): FAILED, see $(BUILD)/fuzz/fuzz-$(1).log and $(BUILD)/fuzz/$(1)-*"; \
	    exit 1; \
	fi
endef

.PHONY: fuzz
