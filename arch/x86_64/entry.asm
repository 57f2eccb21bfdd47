; Kernel entry from the UEFI stage: interrupts off, the stage's page tables
; loaded (identity + direct map + kernel), RDI = physical address of the
; boot-info record. We switch to our own stack and call kmain.
bits 64
default rel

section .text.entry
global _start
extern kmain

_start:
    cli
    cld
    lea rsp, [boot_stack_top]
    xor ebp, ebp            ; ends the backtrace chain
    call kmain
.hang:
    cli
    hlt
    jmp .hang

section .bss
align 4096
global boot_stack_bottom
boot_stack_bottom:
    resb 65536
global boot_stack_top
boot_stack_top:
