/* Hardware task switching (Intel SDM vol. 3, chapter 8, "Task Management"),
 * as the monitor carries it out: VT-x cannot run a task switch in the guest
 * (every one exits, SDM 26.4.2), so the monitor does what the CPU would.
 *
 * Pure: the rules work on a snapshot of the registers involved and reach
 * guest memory (the GDT, LDTs, TSSs, the new stack) through two callbacks
 * on guest-linear addresses; vmm/exit_task_switch.c takes the snapshot from
 * the VMCS and writes the result back. Both TSS formats: 32-bit, and the
 * 16-bit one of 80286 software (figure 8-11). The privilege checks on a task gate or on a TSS
 * reached directly are the CPU's, made before the exit (SDM 26.4.2). */
#ifndef VMM_TASK_SWITCH_H
#define VMM_TASK_SWITCH_H

#include "include/hv/types.h"

/* A segment register: its selector and, in the VMCS access-rights format
 * (type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16),
 * its hidden part. */
struct ts_seg {
    uint16_t sel;
    uint32_t base, limit, ar;
};

#define TS_AR_UNUSABLE (1u << 16)

/* The task-visible state. Segments in the order ES, CS, SS, DS, FS, GS. */
struct ts_cpu {
    uint32_t gpr[8];            /* EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI */
    uint32_t eip, eflags;
    uint32_t cr0, cr3, dr7;
    struct ts_seg seg[6];
    struct ts_seg ldtr, tr;
    uint32_t gdt_base, gdt_limit;
};

/* What started the switch (the exit qualification's bits 31:30). */
enum ts_source { TS_CALL = 0, TS_IRET = 1, TS_JMP = 2, TS_GATE = 3 };

/* Guest-linear memory; false: the access failed (the caller knows why). A
 * write with `buf` NULL only checks that the bytes can be written. */
struct ts_mem {
    bool (*read)(void *ctx, uint32_t gla, void *buf, uint32_t n);
    bool (*write)(void *ctx, uint32_t gla, const void *buf, uint32_t n);
    /* The new task's CR3 is in force from here on (paging on only). */
    void (*set_cr3)(void *ctx, uint32_t cr3);
    void *ctx;
};

enum ts_result {
    TS_DONE,        /* *cpu is the new task (plus debug_trap) */
    TS_FAULT,       /* raise `fault` in *cpu's context: the old task before
                       the commit, the new one after (SDM table 8-1) */
    TS_MEM_FAILED,  /* a memory access failed; *cpu may be partly switched */
    TS_REFUSED,     /* not carried out: `why` says what (TR holds no TSS) */
};

struct ts_outcome {
    uint8_t vector;
    bool has_error;
    uint32_t error;
    bool debug_trap;            /* the new TSS's T flag: #DB after the switch */
    bool cr3_loaded;            /* paging on and CR3 taken from the new TSS */
    bool committed;             /* TR holds the new task: later faults are its own */
    const char *why;
};

/* Switches from *cpu to the task whose TSS selector is `sel`. `next_eip`
 * is what the old task resumes at; with `push_error`, `error` is pushed on
 * the new task's stack (an exception through a task gate). */
enum ts_result task_switch(struct ts_cpu *cpu, const struct ts_mem *mem, uint16_t sel,
                           enum ts_source src, uint32_t next_eip, bool push_error,
                           uint32_t error, struct ts_outcome *out);

#endif
