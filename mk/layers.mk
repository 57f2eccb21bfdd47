# The layer check (tools/check-layers.py): every #include points down the
# table of layers written once in that script; docs/architecture.md argues
# the order. A hosted step of `make test`.
HOSTED_TEST_STEPS += check-layers
.PHONY: check-layers
check-layers:
	@mkdir -p $(BUILD)/results
	@$(PYTHON) tools/check-layers.py --tally $(BUILD)/results/check-layers.tally
