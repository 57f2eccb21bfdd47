; VM entry and exit. vmx_enter(regs, launched) saves the host's callee-saved
; registers, points HOST_RSP at them, loads the guest registers and enters;
; a VM exit lands on vmx_exit with RSP = HOST_RSP, saves the guest registers
; back into *regs and returns 0 to the caller of vmx_enter.
bits 64
default rel

%define VMCS_HOST_RSP 0x6c14

; struct guest_regs (guest_regs.h): gpr[] in the CPU's register encoding.
%define R_RAX 0x00
%define R_RCX 0x08
%define R_RDX 0x10
%define R_RBX 0x18
%define R_RBP 0x28
%define R_RSI 0x30
%define R_RDI 0x38
%define R_R8  0x40
%define R_R9  0x48
%define R_R10 0x50
%define R_R11 0x58
%define R_R12 0x60
%define R_R13 0x68
%define R_R14 0x70
%define R_R15 0x78
%define R_CR2 0x80
%define R_EXIT_TSC 0x88
%define R_ENTRY_TSC 0x90

section .text
global vmx_enter
global vmx_exit

vmx_enter:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    push rdi                    ; the regs pointer, found again at [rsp] on exit
    mov rax, VMCS_HOST_RSP
    vmwrite rax, rsp
    mov rax, [rdi + R_CR2]      ; CR2 is not in the VMCS
    mov cr2, rax
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov [rdi + R_ENTRY_TSC], rax
    test esi, esi               ; flags survive the moves below
    mov rax, [rdi + R_RAX]
    mov rbx, [rdi + R_RBX]
    mov rcx, [rdi + R_RCX]
    mov rdx, [rdi + R_RDX]
    mov rsi, [rdi + R_RSI]
    mov rbp, [rdi + R_RBP]
    mov r8,  [rdi + R_R8]
    mov r9,  [rdi + R_R9]
    mov r10, [rdi + R_R10]
    mov r11, [rdi + R_R11]
    mov r12, [rdi + R_R12]
    mov r13, [rdi + R_R13]
    mov r14, [rdi + R_R14]
    mov r15, [rdi + R_R15]
    mov rdi, [rdi + R_RDI]
    jnz .resume
    vmlaunch
    jmp .failed
.resume:
    vmresume
.failed:
    ; VMfailInvalid or VMfailValid: we are still on the host stack.
    pop rdi
    mov eax, 1
    jmp restore_host

vmx_exit:
    push rdi                    ; guest RDI; the regs pointer is now at [rsp + 8]
    mov rdi, [rsp + 8]
    mov [rdi + R_RAX], rax
    mov [rdi + R_RDX], rdx
    rdtsc                       ; first thing once RAX/RDX are safe
    shl rdx, 32
    or rax, rdx
    mov [rdi + R_EXIT_TSC], rax
    mov [rdi + R_RBX], rbx
    mov [rdi + R_RCX], rcx
    mov [rdi + R_RSI], rsi
    mov [rdi + R_RBP], rbp
    mov [rdi + R_R8], r8
    mov [rdi + R_R9], r9
    mov [rdi + R_R10], r10
    mov [rdi + R_R11], r11
    mov [rdi + R_R12], r12
    mov [rdi + R_R13], r13
    mov [rdi + R_R14], r14
    mov [rdi + R_R15], r15
    pop rax
    mov [rdi + R_RDI], rax
    mov rax, cr2
    mov [rdi + R_CR2], rax
    pop rdi
    xor eax, eax
restore_host:                   ; EAX holds the return value
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret
