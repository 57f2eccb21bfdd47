; testdev: uses QEMU's pc-testdev as kvm-unit-tests do (testdev.present in
; the monitor, `-device pc-testdev` in QEMU), so that the same image checks
; the monitor's model against QEMU's device:
;   - the latch at 0xe0: a dword written reads back, a byte at 0xe9 lands in
;     it, and REP OUTSB leaves the last byte there (as emulator.c checks);
;   - the memory window at 0xff000000: what MOV writes reads back, bytes and
;     dwords, at both ends of its first page; REP MOVSB and REPE CMPSB
;     against RAM, LOCK XADD, PUSH and POP with the stack there, MOVDQU (as
;     emulator.c does); REP INSB from the latch into it and OUTSB from it
;     (as emulator.c's string I/O test);
;   - interrupt line 14 edge-triggered and line 15 level-triggered through
;     the I/O APIC (the 8259s masked), each delivered once, the level one
;     lowered by its handler before EOI (as ioapic.c does);
;   - a page dropped through port 0xe4 keeps its contents.
; Lines: "testdev: latch ok", "testdev: iomem ok", "testdev: string i/o ok",
; "testdev: edge irq ok",
; "testdev: level irq ok", "testdev: page drop ok", "testdev: done" (exit
; 0); a failure prints what and exits 1; no device (the latch reads all
; ones) prints "testdev: no device" and exits 2.
%include "common.inc"

LATCH     equ 0xe0
FLUSH     equ 0xe4
LATCH2    equ 0xe8
IRQ_PORT  equ 0x2000
IOMEM     equ 0xff000000
IOAPIC    equ 0xfec00000
APIC_EOI  equ 0xfee000b0
VEC_EDGE  equ 0x50
VEC_LEVEL equ 0x51
SPIN      equ 10000000

main:
        ; ---- the latch -------------------------------------------------
        mov eax, 0x11223344
        out LATCH, eax
        in eax, LATCH
        cmp eax, 0xffffffff
        je .absent
        cmp eax, 0x11223344
        jne .bad_latch
        mov al, 0xab
        out LATCH2 + 1, al
        in eax, LATCH
        cmp eax, 0x1122ab44
        jne .bad_latch
        mov esi, outs_text
        mov ecx, 16
        mov dx, LATCH
        rep outsb
        in al, LATCH
        cmp al, 'p'
        jne .bad_latch
        PRINT "testdev: latch ok", 10

        ; ---- the memory window -------------------------------------------
        mov dword [IOMEM + 0x100], 0x5a17c0de
        mov eax, [IOMEM + 0x100]
        cmp eax, 0x5a17c0de
        jne .bad_iomem
        mov byte [IOMEM + 0xfff], 0x99
        movzx eax, byte [IOMEM + 0xfff]
        cmp eax, 0x99
        jne .bad_iomem
        movzx eax, word [IOMEM + 0x101]
        cmp eax, 0x17c0
        jne .bad_iomem
        ; Forms emulator.c runs on the window: a string compare with RAM, a
        ; locked read-modify-write, the stack there, a 16-byte SSE move.
        mov esi, outs_text
        mov edi, IOMEM + 0x400
        mov ecx, 16
        rep movsb                       ; RAM to the window
        mov esi, outs_text
        mov edi, IOMEM + 0x400
        mov ecx, 16
        repe cmpsb
        jne .bad_iomem
        mov eax, 5
        lock xadd [IOMEM + 0x100], eax
        cmp eax, 0x5a17c0de
        jne .bad_iomem
        cmp dword [IOMEM + 0x100], 0x5a17c0e3
        jne .bad_iomem
        mov ebx, esp
        mov esp, IOMEM + 0x800
        push dword 0x600df00d
        pop eax
        mov esp, ebx
        cmp eax, 0x600df00d
        jne .bad_iomem
        mov eax, cr0
        and eax, ~(1 << 2)              ; EM off, MP on: SSE executes
        or eax, 1 << 1
        mov cr0, eax
        mov eax, cr4
        or eax, 1 << 9                  ; OSFXSR
        mov cr4, eax
        movdqu xmm0, [outs_text]
        movdqu [IOMEM + 0x500], xmm0
        mov eax, [IOMEM + 0x50c]
        cmp eax, [outs_text + 12]
        jne .bad_iomem
        PRINT "testdev: iomem ok", 10

        ; ---- string I/O between the latch and the window ---------------------
        xor eax, eax
        out LATCH, eax
        mov ax, 0x9999
        out LATCH, ax
        mov edi, IOMEM + 0x200
        mov ecx, 16
        mov dx, LATCH
        rep insb                        ; the latch's low byte, 16 times
        cmp byte [IOMEM + 0x20f], 0x99
        jne .bad_sio
        mov byte [IOMEM + 0x300], 0x5a
        mov esi, IOMEM + 0x300
        mov dx, LATCH + 3
        outsb                           ; into the latch's top byte
        in eax, LATCH
        cmp eax, 0x5a009999
        jne .bad_sio
        PRINT "testdev: string i/o ok", 10

        ; ---- interrupt lines through the I/O APIC ----------------------------
        call flat_setup                 ; our GDT and IDT (common.inc)
        mov al, 0xff                    ; both 8259s masked
        out 0x21, al
        out 0xa1, al
        mov eax, 0x10 + 2 * 14          ; pin 14: edge, fixed, to APIC 0
        mov edx, VEC_EDGE
        call ioapic_route
        mov eax, 0x10 + 2 * 15          ; pin 15: level
        mov edx, VEC_LEVEL | (1 << 15)
        call ioapic_route
        sti
        mov dx, IRQ_PORT + 14
        mov al, 1
        out dx, al                      ; the rising edge
        mov al, 0
        out dx, al
        mov ecx, SPIN
.edge:  cmp dword [edges], 1
        je .edge_seen
        loop .edge
.edge_seen:
        mov ecx, SPIN / 10              ; and no second delivery
.edge2: loop .edge2
        cmp dword [edges], 1
        jne .bad_edge
        PRINT "testdev: edge irq ok", 10
        mov dx, IRQ_PORT + 15
        mov al, 1
        out dx, al                      ; held high until the handler lowers it
        mov ecx, SPIN
.level: cmp dword [levels], 1
        je .level_seen
        loop .level
.level_seen:
        mov ecx, SPIN / 10
.level2: loop .level2
        cli
        cmp dword [levels], 1
        jne .bad_level
        PRINT "testdev: level irq ok", 10

        ; ---- a page dropped keeps its contents ------------------------------------
        mov dword [drop_word], 0xfeedface
        mov eax, drop_word
        and eax, ~0xfff
        out FLUSH, eax
        cmp dword [drop_word], 0xfeedface
        jne .bad_drop
        PRINT "testdev: page drop ok", 10
        PRINT "testdev: done", 10
        EXIT 0

.absent:
        PRINT "testdev: no device", 10
        EXIT 2
.bad_latch:
        PRINT "testdev: FAIL latch read "
        PRINT_HEX eax
        PRINT 10
        EXIT 1
.bad_iomem:
        PRINT "testdev: FAIL iomem read "
        PRINT_HEX eax
        PRINT 10
        EXIT 1
.bad_sio:
        PRINT "testdev: FAIL string i/o with the window", 10
        EXIT 1
.bad_edge:
        PRINT "testdev: FAIL edge interrupts: "
        PRINT_DEC [edges]
        PRINT 10
        EXIT 1
.bad_level:
        PRINT "testdev: FAIL level interrupts: "
        PRINT_DEC [levels]
        PRINT 10
        EXIT 1
.bad_drop:
        PRINT "testdev: FAIL dropped page reads "
        PRINT_HEX [drop_word]
        PRINT 10
        EXIT 1

; ioapic_route: EAX = the low register of a redirection entry, EDX = its low
; dword (vector, trigger); destination APIC 0, physical.
ioapic_route:
        mov [IOAPIC], eax
        mov [IOAPIC + 0x10], edx
        inc eax
        mov [IOAPIC], eax
        mov dword [IOAPIC + 0x10], 0
        ret

edge_handler:
        inc dword [edges]
        mov dword [APIC_EOI], 0
        iret

level_handler:
        push eax
        push edx
        inc dword [levels]
        mov dx, IRQ_PORT + 15
        mov al, 0
        out dx, al                      ; the device lowers its line
        mov dword [APIC_EOI], 0
        pop edx
        pop eax
        iret

unexpected:
        PRINT "testdev: FAIL unexpected interrupt or exception", 10
        EXIT 1

        FLAT_SETUP
idt_table:
        dd VEC_EDGE, edge_handler
        dd VEC_LEVEL, level_handler
        dd -1

outs_text:      db "abcdefghijklmnop"
        align 4, db 0
edges:          dd 0
levels:         dd 0
        FLAT_DESCRIPTORS
        align 4096, db 0
drop_word:      dd 0
        align 4096, db 0

        GUEST_END
