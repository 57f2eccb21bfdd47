/* Performing a decoded MMIO instruction (vmm/insn_decode.h) on a register
 * file: the device access through callbacks, the register and flag updates
 * with x86's width rules. Pure code, tested hosted. */
#ifndef VMM_INSN_EMULATE_H
#define VMM_INSN_EMULATE_H

#include "vmm/insn_decode.h"

/* The device side: accesses at the linear address the decoder computed
 * (the caller translates it, or checks it against the faulting address).
 * False: the access failed; nothing after it is done. */
struct insn_mmio_ops {
    bool (*read)(void *ctx, uint64_t gla, unsigned size, uint64_t *val);
    bool (*write)(void *ctx, uint64_t gla, unsigned size, uint64_t val);
    void *ctx;
};

enum insn_emul {
    INSN_EMUL_DONE = 0, /* advance RIP by d->len */
    INSN_EMUL_AGAIN,    /* a REP string instruction with count left: keep RIP,
                         * the guest re-executes it with the updated registers */
    INSN_EMUL_FAILED,   /* a callback refused the access */
    INSN_EMUL_DIVIDE_ERROR, /* DIV or IDIV by 0 or with a quotient too wide: the
                             * guest's #DE, nothing changed (the read was made) */
};

/* The arithmetic flags instructions here may change (SDM vol. 1, 3.4.3.1). */
#define INSN_FLAGS_ARITH 0x8d5u /* CF PF AF ZF SF OF */
#define INSN_FLAG_CF 0x001u
#define INSN_FLAG_PF 0x004u
#define INSN_FLAG_AF 0x010u
#define INSN_FLAG_ZF 0x040u
#define INSN_FLAG_SF 0x080u
#define INSN_FLAG_DF 0x400u
#define INSN_FLAG_OF 0x800u

/* Performs one decoded instruction (d->err must be INSN_OK): the memory
 * access(es) through `ops`, the register update with x86's width rules
 * (8/16-bit writes keep the rest of the register, 32-bit writes zero bits
 * 63:32), and the arithmetic flags in *rflags. A REP string instruction
 * does one iteration per call. */
enum insn_emul insn_emulate_mmio(const struct insn *d, uint64_t gpr[16], uint64_t *rflags,
                                 const struct insn_mmio_ops *ops);

/* Writes register `reg` with x86's width rules (see insn_reg_read). */
void insn_reg_write(uint64_t gpr[16], int reg, bool high8, unsigned size, uint64_t val);

#endif
