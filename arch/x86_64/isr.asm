; Interrupt and exception entry stubs. Every vector gets a stub that makes
; the stack uniform (an error code, real or zero, then the vector number)
; and jumps to one common path that saves all general registers into a
; struct trap_frame (arch/x86_64/trap.h) and calls trap_entry(frame).
bits 64
default rel

section .text
extern trap_entry

%macro STUB 1
isr_stub_%1:
%if (%1 = 8) || (%1 = 10) || (%1 = 11) || (%1 = 12) || (%1 = 13) || (%1 = 14) || (%1 = 17) || (%1 = 21) || (%1 = 29) || (%1 = 30)
    ; the CPU pushed an error code
%else
    push 0
%endif
    push %1
    jmp trap_common
%endmacro

%assign v 0
%rep 256
STUB v
%assign v v+1
%endrep

trap_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp
    ; keep the ABI's 16-byte alignment for the C handler
    mov rbx, rsp
    and rsp, -16
    cld
    call trap_entry
    mov rsp, rbx
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16             ; vector and error code
    iretq

section .rodata
global isr_stub_table
isr_stub_table:
%assign v 0
%rep 256
    dq isr_stub_ %+ v
%assign v v+1
%endrep
