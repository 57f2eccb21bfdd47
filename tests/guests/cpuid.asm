; cpuid: N executions of CPUID leaf 0 (each one a VM exit under the
; monitor), for measuring the cost of an exit. Argument n=N (default
; 100000). Prints the hypervisor signature (leaf 0x40000000) when
; CPUID.1:ECX bit 31 says there is a hypervisor.
%include "common.inc"

DEFAULT_N equ 100000

main:
        mov ebp, DEFAULT_N
        mov esi, key_n
        call find_arg
        jnc .have_n
        mov ebp, eax
.have_n:
        PRINT "cpuid: "
        PRINT_DEC ebp
        PRINT " x leaf 0", 10

        mov eax, 1
        cpuid
        test ecx, 1 << 31
        jz .nohv
        mov eax, 0x40000000
        cpuid
        mov [sig], ebx
        mov [sig + 4], ecx
        mov [sig + 8], edx
        ; Show the 12 bytes as they are, with anything unprintable as '.'.
        mov edi, sig
        mov ecx, 12
.clean: mov al, [edi]
        cmp al, 0x20
        jb .dot
        cmp al, 0x7e
        jbe .keep
.dot:   mov byte [edi], '.'
.keep:  inc edi
        loop .clean
        PRINT "cpuid: hypervisor signature '"
        mov esi, sig
        call serial_puts
        PRINT "'", 10
        jmp .loop_start
.nohv:
        PRINT "cpuid: no hypervisor bit", 10
.loop_start:
        mov esi, ebp            ; CPUID clobbers EAX..EDX only
        test esi, esi
        jz .done
.again: xor eax, eax
        cpuid
        dec esi
        jnz .again
.done:
        PRINT "cpuid: done "
        PRINT_DEC ebp
        PRINT 10
        EXIT 0

key_n:  db "n=", 0
sig:    times 13 db 0           ; 12 bytes and a terminator

        GUEST_END
