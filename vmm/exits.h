/* VM-exit handling: exit_decode reads the exit once (vmm/exit_info.h), then
 * one handler per basic exit reason, through a table, works on that record
 * and on the guest-state accessor (vmm/guest_state.h). */
#ifndef VMM_EXITS_H
#define VMM_EXITS_H

#include "include/hv/types.h"
#include "vmm/exit_info.h"

struct vcpu;
struct vm;
struct cr_state;

enum exit_action {
    EXIT_CONTINUE = 0,  /* re-enter the guest at once (the fast path) */
    EXIT_YIELD,         /* back to the scheduler: slice over, host work pending */
    EXIT_HALT,          /* the vCPU halted */
    EXIT_SLEEP,         /* the vCPU waits until vm->vcpu_wake_ns[v->id] (the
                         * handler set it): a timer HLT, blocked memory */
    EXIT_STOP,          /* the VM is over (vm_fail or an exit port write) */
};

typedef enum exit_action (*exit_handler_fn)(struct vcpu *v, const struct exit_info *e);

/* Decodes the exit whose raw reason is `raw_reason`, re-queues an event the
 * exit interrupted, and runs the reason's handler. */
enum exit_action vmm_handle_exit(struct vcpu *v, uint32_t raw_reason);

/* Helpers for handlers. */
/* Stops the VM (vm_fail) for something this vCPU did or met, with the
 * reason `fmt` gives, and prints the vCPU's state under it (registers,
 * segments, the code at RIP: vmm/vcpu_dump.h). Nothing if the VM is
 * already over. */
void vcpu_fail(struct vcpu *v, const char *fmt, ...) PRINTF_LIKE(2, 3);
void vcpu_skip_instruction(struct vcpu *v, const struct exit_info *e);
/* IA-32e mode with a 64-bit code segment (EFER.LMA and CS.L). */
bool vcpu_in_64bit_mode(struct vcpu *v);
/* The current privilege level: SS's DPL, which VT-x keeps equal to it. */
unsigned vcpu_cpl(struct vcpu *v);
/* What the CPU does as an instruction the monitor ran completes, with RIP
 * then `next_rip`: EIP wraps outside 64-bit mode, STI/MOV-SS blocking and
 * RF end, and with TF set a single-step #DB follows. */
void vcpu_complete_instruction(struct vcpu *v, uint32_t interruptibility, uint64_t next_rip);
/* The I/O breakpoints (CR4.DE, DR7 R/W 10b) an access of `size` bytes at
 * `port` hits, as DR6's B0-B3 bits (vmm/io_breakpoint.h). */
unsigned vcpu_io_breakpoints(struct vcpu *v, uint16_t port, unsigned size);
/* A #DB trap after the instruction, with `dr6_bits` set in DR6 (one #DB
 * with single-step's BS when TF queued one already). */
void vcpu_debug_trap(struct vcpu *v, unsigned dr6_bits);
/* Queues a hardware exception for the next VM entry (#GP, #UD...). The error
 * code is dropped in real mode, where exceptions have none. */
void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
/* A fault raised while the event in e->idt_vec_info was being delivered
 * meets it as SDM vol. 3, table 6-5 says (two contributory faults, or a
 * page fault and then a contributory or page fault, make #DF; a fault
 * delivering #DF is a triple fault, which stops the VM); otherwise, or with
 * no event, it is raised alone (replacing the re-queued event). */
enum exit_action vcpu_raise_exception(struct vcpu *v, const struct exit_info *e, uint8_t vector,
                                      bool has_error, uint32_t error);
bool vcpu_in_protected_mode(struct vcpu *v);
/* The guest's view of CR0/CR3/CR4/EFER/CS.L and what its CPUID allows, for
 * the rules in vmm/guest_rules.h. */
void vcpu_cr_state(struct vcpu *v, struct cr_state *s);
/* General register N as the CPU encodes it (4 = RSP, from the VMCS). */
uint64_t vcpu_gpr_read(struct vcpu *v, unsigned index);
void vcpu_gpr_write(struct vcpu *v, unsigned index, uint64_t value);

/* Handlers living in their own files. */
enum exit_action exit_io(struct vcpu *v, const struct exit_info *e);
/* VMware's backdoor and pseudo counters (vmm/exit_gp.c): the guest's #GP,
 * intercepted while either is reachable past the CPU's privilege checks,
 * and RDPMC. */
enum exit_action exit_exception(struct vcpu *v, const struct exit_info *e);
enum exit_action exit_rdpmc(struct vcpu *v, const struct exit_info *e);
/* The backdoor answers this vCPU now (monitor_control.restrict_backdoor
 * keeps it to CPL 0); a call with the registers as they are: true if EAX
 * held the magic. RDPMC of a pseudo counter, if they are on: true if ECX
 * named one (EDX:EAX set). */
bool vcpu_backdoor_open(struct vcpu *v);
bool vcpu_backdoor_call(struct vcpu *v);
bool vcpu_pseudo_pmc(struct vcpu *v);
/* GuestRPC (backdoor command 30; vmm/guestrpc_attach.c): answers in `r`;
 * the high-bandwidth port's transfers (guestrpc_hb_begin/_done on the VM's
 * channels: NULL and 0 when it has none). */
struct backdoor_regs;
void vcpu_guestrpc_call(struct vcpu *v, struct backdoor_regs *r);
uint8_t *vcpu_guestrpc_hb_begin(struct vcpu *v, const struct backdoor_regs *r, bool out);
uint32_t vcpu_guestrpc_hb_done(struct vcpu *v, const struct backdoor_regs *r, bool out);
/* A decoded INS/OUTS (vmm/exit_io_string.c) that is VMware's high-bandwidth
 * backdoor call: REP INSB/OUTSB at port 0x5659 with the magic in EAX. True
 * when it is one: the message moved (or refused: EBX's status 0), *action
 * what to do, *complete whether the instruction ended (the caller steps RIP
 * past it) or must run again (a #PF injected, or a page to wait for). */
struct string_io;
bool vcpu_backdoor_hb(struct vcpu *v, struct string_io *s, enum exit_action *action,
                      bool *complete);
/* The exception bitmap the VM's configuration asks for (#GP while the
 * backdoor or the pseudo counters must pass the CPU's privilege checks). */
uint32_t vcpu_exception_bitmap(const struct vm *vm);
/* INS/OUTS (vmm/exit_io_string.c); exit_io passes them on. */
enum exit_action exit_io_string(struct vcpu *v, const struct exit_info *e);
enum exit_action exit_rdmsr(struct vcpu *v, const struct exit_info *e);
/* IA32_TSC_ADJUST is emulated for this vCPU (CPUID.7.0:EBX[1] says so). */
bool tsc_adjust_offered(const struct vcpu *v);
/* Hardware task switches (vmm/exit_task_switch.c). */
enum exit_action exit_task_switch(struct vcpu *v, const struct exit_info *e);
enum exit_action exit_wrmsr(struct vcpu *v, const struct exit_info *e);
enum exit_action exit_cr_access(struct vcpu *v, const struct exit_info *e);
enum exit_action exit_cpuid(struct vcpu *v, const struct exit_info *e);
/* VMCALL: KVM's hypercall ABI, KVM_HC_SEND_IPI implemented (exit_hypercall.c). */
enum exit_action exit_vmcall(struct vcpu *v, const struct exit_info *e);
/* What CPUID answers the guest (exit_cpuid.c), and the CR4 bits whose
 * features it offers (computed once per vCPU, vcpu->cr4_offered): a bit
 * outside them is refused with #GP even where the CPU has it (the CR4 mask
 * owns such bits, vmm/vcpu_setup.c). */
struct host_cpuid guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub);
uint64_t guest_cr4_offered(struct vcpu *v);
/* The guest's MAXPHYADDR (exit_msr.c). */
unsigned guest_phys_bits(void);
/* An EPT violation on a device page (the local or I/O APIC) or in the
 * legacy hole [0xA0000, LEGACY_HOLE_END), which reads as all ones. */
enum exit_action exit_mmio(struct vcpu *v, const struct exit_info *e);
/* An EPT violation on guest-physical memory that is neither RAM nor a
 * device: with monitor.unknownMemory = "ignore" (the default) a data access
 * is emulated, reads as all ones and writes are dropped, as on a PC bus,
 * the first few pages logged; an instruction fetch or a page-table walk
 * there, or any access with "stop", stops the VM naming the address. */
enum exit_action exit_unknown_memory(struct vcpu *v, const struct exit_info *e);
/* `n` bytes at guest-physical `gpa` (within one page) that are memory-like
 * but not RAM, for INS/OUTS (vmm/guest_linear.c): pc-testdev's window and the
 * display memory (svga.present) hold them (their pages, which the guest's
 * own accesses reach mapped), the rest of the legacy hole and memory that is neither RAM nor a device read
 * as all ones and drop writes (the latter counted and logged as a data
 * access there is; not with monitor.unknownMemory = "stop"). Into `into`,
 * from `from`, or with both NULL only checked. False: not such memory (a
 * register device, the BIOS area), nothing done. */
bool mmio_copy(struct vcpu *v, uint64_t gpa, uint8_t *into, const uint8_t *from, size_t n);
#define LEGACY_HOLE_END 0xE0000ULL  /* the BIOS area above it reads as ROM */
bool mmio_is_legacy_hole(uint64_t gpa);
/* A device of registers: a local APIC's page (wherever IA32_APIC_BASE put
 * it), the I/O APIC's, the virtio balloon's window. One list for the EPT
 * violation path and for string I/O, which must not stream through them. */
bool mmio_is_register_device(const struct vcpu *v, uint64_t gpa);

#endif
