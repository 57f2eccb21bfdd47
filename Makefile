# Top-level build. `make` writes build/esp.img; `make test` runs every tier.
# Components describe themselves in mk/*.mk (sources, unit tests, extra test
# steps) so that independent parts of the tree never edit the same lines.

.DEFAULT_GOAL := all
include mk/toolchain.mk
include $(sort $(filter-out mk/toolchain.mk mk/rules.mk,$(wildcard mk/*.mk)))
include mk/rules.mk
