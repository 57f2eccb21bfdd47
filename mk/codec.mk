# mm/codec*: the page codec; mm/ccache*: the compression cache (issue 5).
CODEC_SRCS  := mm/codec_fill.c mm/codec_lz4_enc.c mm/codec_lz4_dec.c mm/codec_page.c
CCACHE_SRCS := mm/ccache.c mm/ccache_pvec.c
KERNEL_C_SRCS += $(CODEC_SRCS) $(CCACHE_SRCS)

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
