; realmode: a flat guest (guest.type = "flat", guest.cpuMode = "real"),
; loaded at 0x10000 and started at CS:IP = 1000:0000 in 16-bit real mode.
; It prints one line through COM1 and then halts with interrupts off, which
; a VM must be able to do at no cost to the others.
bits 16
org 0

start:
        mov ax, cs
        mov ds, ax
        mov si, msg
.next:
        lodsb
        test al, al
        jz .halt
        mov bl, al
        mov dx, 0x3fd           ; LSR: wait for the transmitter
.wait:
        in al, dx
        test al, 0x20
        jz .wait
        mov dx, 0x3f8
        mov al, bl
        out dx, al
        jmp .next
.halt:
        cli
        hlt
        jmp .halt

msg:    db "realmode: hello from 16-bit real mode, halting", 10, 0
