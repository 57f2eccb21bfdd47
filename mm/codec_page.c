/* One page start to end: filled pages become a tag, the rest is tried with
 * LZ4 under the caller's threshold. */
#include "mm/codec.h"

void codec_compress_page(struct codec_ws *ws, const void *page, void *dst,
                         size_t threshold, struct codec_out *out)
{
    uint64_t v;

    out->len = 0;
    out->fill = 0;
    if (codec_page_is_filled(page, &v)) {
        out->kind = v ? CODEC_FILL : CODEC_ZERO;
        out->fill = v;
        return;
    }
    if (threshold < 16)
        threshold = 16;
    if (threshold > CODEC_PAGE_SIZE - 1)
        threshold = CODEC_PAGE_SIZE - 1;
    size_t n = codec_lz4_compress_page(ws, page, dst, threshold);
    out->kind = n ? CODEC_LZ4 : CODEC_INCOMPRESSIBLE;
    out->len = (uint32_t)n;
}

int codec_decompress_page(enum codec_kind kind, const void *src, size_t len,
                          uint64_t fill, void *page)
{
    switch (kind) {
    case CODEC_ZERO:
        codec_page_fill(page, 0);
        return 0;
    case CODEC_FILL:
        codec_page_fill(page, fill);
        return 0;
    case CODEC_LZ4:
        return codec_lz4_decompress(src, len, page, CODEC_PAGE_SIZE) == CODEC_PAGE_SIZE ? 0 : -1;
    default:
        return -1;
    }
}
