/* VM-exit handling: one handler per basic exit reason, through a table. */
#ifndef VMM_EXITS_H
#define VMM_EXITS_H

#include "include/hv/types.h"

struct vcpu;

enum exit_action {
    EXIT_CONTINUE = 0,  /* re-enter the guest at once (the fast path) */
    EXIT_YIELD,         /* back to the scheduler: slice over, host work pending */
    EXIT_HALT,          /* the vCPU halted */
    EXIT_STOP,          /* the VM is over (vm_fail or an exit port write) */
};

typedef enum exit_action (*exit_handler_fn)(struct vcpu *v);

enum exit_action vmm_handle_exit(struct vcpu *v, uint32_t basic_reason);

/* Helpers for handlers. */
void vcpu_skip_instruction(void);
/* Queues a hardware exception for the next VM entry (#GP, #UD...). The error
 * code is dropped in real mode, where exceptions have none. */
void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
bool vcpu_in_protected_mode(void);
/* The guest's view of CR0/CR3/CR4/EFER/CS.L and what its CPUID allows, for
 * the rules in vmm/guest_rules.h. */
struct cr_state;
void vcpu_cr_state(struct cr_state *s);

/* Handlers living in their own files. */
enum exit_action exit_io(struct vcpu *v);
enum exit_action exit_rdmsr(struct vcpu *v);
enum exit_action exit_wrmsr(struct vcpu *v);
enum exit_action exit_cr_access(struct vcpu *v);
enum exit_action exit_cpuid(struct vcpu *v);

#endif
