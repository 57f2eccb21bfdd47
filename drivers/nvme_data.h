/* NVMe data structures the controller fills (CAP, Identify data, completion
 * entries), decoded by pure functions: every field is device-controlled and
 * bound-checked here, and these run under hosted tests. Offsets and bit
 * positions per the NVMe 1.4 base specification. */
#ifndef DRIVERS_NVME_DATA_H
#define DRIVERS_NVME_DATA_H

#include "include/hv/types.h"

struct nvme_cap {
    uint32_t max_entries;   /* MQES + 1: entries per queue the controller takes */
    uint64_t timeout_ns;    /* TO: worst-case time for CSTS.RDY to change */
    uint32_t db_stride;     /* bytes between doorbells: 4 << DSTRD */
    bool nvm_cmd_set;       /* CSS bit 0: the NVM command set */
    uint32_t page_min, page_max; /* MPSMIN/MPSMAX in bytes */
};

void nvme_decode_cap(uint64_t cap, struct nvme_cap *out);

/* From Identify Controller (4096 bytes). */
struct nvme_ctrl_id {
    char model[41], serial[21];
    uint32_t mdts_pages;    /* largest transfer in 4 KiB pages; 0: no limit */
    uint32_t nn;            /* namespaces */
};
void nvme_parse_ctrl_id(const uint8_t *data, uint32_t page_min, struct nvme_ctrl_id *out);

/* From Identify Namespace (4096 bytes). False with a reason when the
 * namespace cannot be used (inactive, metadata, block size not in 512..4096). */
struct nvme_ns_id {
    uint64_t blocks;        /* NSZE */
    uint32_t block_size;    /* bytes */
};
bool nvme_parse_ns_id(const uint8_t *data, struct nvme_ns_id *out, char *why, size_t n);

/* A completion queue entry (16 bytes). */
struct nvme_cqe {
    uint32_t dw0, dw1, dw2, dw3;
};
static inline bool nvme_cqe_phase(const struct nvme_cqe *c) { return (c->dw3 >> 16) & 1; }
static inline uint16_t nvme_cqe_cid(const struct nvme_cqe *c) { return (uint16_t)c->dw3; }
static inline uint16_t nvme_cqe_sqhd(const struct nvme_cqe *c) { return (uint16_t)c->dw2; }
static inline uint16_t nvme_cqe_sqid(const struct nvme_cqe *c) { return (uint16_t)(c->dw2 >> 16); }
/* The status field without the phase bit: SC in bits 7:0, SCT in 10:8. */
static inline uint16_t nvme_cqe_status(const struct nvme_cqe *c) { return (uint16_t)(c->dw3 >> 17); }

/* "generic: invalid field in command (sct 0 sc 0x02)" */
void nvme_status_text(uint16_t status, char *buf, size_t n);

#endif
