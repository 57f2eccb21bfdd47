/* Decoding NVMe controller data; see drivers/nvme_data.h. */
#include "drivers/nvme_data.h"
#include "drivers/block.h"
#include "lib/format.h"
#include "lib/kstring.h"

void nvme_decode_cap(uint64_t cap, struct nvme_cap *out)
{
    out->max_entries = (uint32_t)(cap & 0xffff) + 1;     /* MQES, 0's based */
    uint64_t to = (cap >> 24) & 0xff;                    /* 500 ms units */
    /* A controller reporting 0 still needs some time; 500 ms is the unit. */
    out->timeout_ns = (to ? to : 1) * 500000000ULL;
    out->db_stride = 4u << ((cap >> 32) & 0xf);
    out->nvm_cmd_set = (cap >> 37) & 1;
    out->page_min = 4096u << ((cap >> 48) & 0xf);
    out->page_max = 4096u << ((cap >> 52) & 0xf);
}

static uint32_t le32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}

void nvme_parse_ctrl_id(const uint8_t *data, uint32_t page_min, struct nvme_ctrl_id *out)
{
    blk_clean_string(out->serial, sizeof out->serial, (const char *)data + 4, 20);
    blk_clean_string(out->model, sizeof out->model, (const char *)data + 24, 40);
    uint8_t mdts = data[77]; /* a power of two in units of the minimum page size */
    uint32_t unit_pages = page_min / 4096 ? page_min / 4096 : 1;
    if (mdts == 0)
        out->mdts_pages = 0;
    else if (mdts >= 20)
        out->mdts_pages = 1u << 20; /* far beyond anything we send */
    else
        out->mdts_pages = (1u << mdts) * unit_pages;
    out->nn = le32(data + 516);
}

bool nvme_parse_ns_id(const uint8_t *data, struct nvme_ns_id *out, char *why, size_t n)
{
    out->blocks = le64(data + 0);
    uint8_t nlbaf = data[25];              /* formats, 0's based */
    uint8_t idx = data[26] & 0x0f;         /* FLBAS: the format in use */
    if (out->blocks == 0) {
        ksnprintf(why, n, "inactive (no blocks)");
        return false;
    }
    if (idx > nlbaf) {
        ksnprintf(why, n, "format %u in use but only %u described", idx, nlbaf + 1u);
        return false;
    }
    uint32_t f = le32(data + 128 + 4 * idx);
    uint32_t ms = f & 0xffff, lbads = (f >> 16) & 0xff;
    if (ms != 0) {
        ksnprintf(why, n, "format with %u metadata bytes per block (not supported)", ms);
        return false;
    }
    if (lbads < 9 || lbads > 12) {
        ksnprintf(why, n, "block size 2^%u (only 512 to 4096 supported)", lbads);
        return false;
    }
    out->block_size = 1u << lbads;
    return true;
}

void nvme_status_text(uint16_t status, char *buf, size_t n)
{
    unsigned sc = status & 0xff, sct = (status >> 8) & 7;
    const char *what = "?";
    if (sct == 0) {
        switch (sc) {
        case 0x00: what = "success"; break;
        case 0x01: what = "invalid command opcode"; break;
        case 0x02: what = "invalid field in command"; break;
        case 0x04: what = "data transfer error"; break;
        case 0x06: what = "internal error"; break;
        case 0x0b: what = "invalid namespace or format"; break;
        case 0x80: what = "LBA out of range"; break;
        case 0x81: what = "capacity exceeded"; break;
        case 0x82: what = "namespace not ready"; break;
        default: what = "generic error"; break;
        }
    } else if (sct == 1) {
        what = "command specific error";
    } else if (sct == 2) {
        switch (sc) {
        case 0x80: what = "write fault"; break;
        case 0x81: what = "unrecovered read error"; break;
        default: what = "media or data integrity error"; break;
        }
    } else if (sct == 3) {
        what = "path error";
    }
    ksnprintf(buf, n, "%s (sct %u sc 0x%02x)", what, sct, sc);
}
