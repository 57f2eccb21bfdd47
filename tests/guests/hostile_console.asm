; hostile_console: a guest that attacks the host's console and log rather than its
; memory. It prints terminal escape sequences and bytes that are not UTF-8,
; then reads 200 MSRs that do not exist, 3 times each, surviving every #GP
; through an IDT of its own, then writes 256 ports nobody claims, twice,
; prints `lines=N` more lines at once (default none), and exits 0. Under the monitor none of its bytes may reach the host
; terminal raw, and its log lines stay bounded (system test
; bochs_hostile_console).
%include "common.inc"

MSR_BASE        equ 0xdead0000
MSR_COUNT       equ 200
MSR_ROUNDS      equ 3
PORT_BASE       equ 0x2000
PORT_COUNT      equ 256

main:
        PRINT "hostile_console: terminal escapes next", 10
        ; screen clear, window title with bell, raw 0xff, C1 CSI (UTF-8)
        PRINT 27, "[2J", 27, "]0;owned", 7, 0xff, " ", 0xc2, 0x9b, "31m", 10
        ; a GDT of our own: delivering an exception reads CS's descriptor,
        ; and the loader's GDTR need not point at a table
        lgdt [gdt_desc]
        jmp 0x08:.flat
.flat:  mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        ; an IDT whose #GP gate skips the faulting 2-byte RDMSR
        mov eax, gp_handler
        mov [idt + 13 * 8], ax
        shr eax, 16
        mov [idt + 13 * 8 + 6], ax
        mov ax, cs
        mov [idt + 13 * 8 + 2], ax
        mov byte [idt + 13 * 8 + 5], 0x8e
        lidt [idt_desc]
        mov esi, MSR_ROUNDS
.round: mov ecx, MSR_BASE
.msr:   rdmsr                   ; #GP: the handler counts it and skips
        inc ecx
        cmp ecx, MSR_BASE + MSR_COUNT
        jne .msr
        dec esi
        jnz .round
        PRINT "hostile_console: #GP taken "
        PRINT_DEC [gp_count]
        PRINT 10
        mov esi, 2
.sweep: mov edx, PORT_BASE
.port:  out dx, al
        inc edx
        cmp edx, PORT_BASE + PORT_COUNT
        jne .port
        dec esi
        jnz .sweep
        ; lines=N: a burst of N lines, more than the host console shows
        mov esi, lines_key
        call find_arg
        jnc .done
        mov ecx, eax
        xor ebx, ebx
.line:  test ecx, ecx
        jz .done
        PRINT "hostile_console: line "
        PRINT_DEC ebx
        PRINT 10
        inc ebx
        dec ecx
        jmp .line
.done:  PRINT "hostile_console: done", 10
        EXIT 0

lines_key:
        db "lines=", 0

; #GP with an error code: [esp] error, [esp+4] EIP. RDMSR is 0f 32.
gp_handler:
        add dword [esp + 4], 2
        add esp, 4
        inc dword [gp_count]
        iretd

gp_count:
        dd 0

        align 8, db 0
gdt:    dq 0
        dq 0x00cf9a000000ffff   ; 0x08: code, flat 4 GiB, 32-bit
        dq 0x00cf92000000ffff   ; 0x10: data, flat 4 GiB
gdt_desc:
        dw 3 * 8 - 1
        dd gdt

        align 8, db 0
; 32 gates, not present; #GP (13) is filled in at run time as a present
; 32-bit interrupt gate, DPL 0 (0x8e). Any other exception escalates.
idt:
%rep 32
        dw 0, 0
        db 0, 0x0e
        dw 0
%endrep
idt_desc:
        dw 32 * 8 - 1
        dd idt

        GUEST_END
