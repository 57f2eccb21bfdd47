; realmode: a flat guest (guest.type = "flat", guest.cpuMode = "real"),
; loaded at 0x10000 and started at CS:IP = 1000:0000 in 16-bit real mode.
; First it checks what a PC's BIOS leaves for a boot sector (the monitor
; sets it up, vmm/bios_handoff.h): the 18.2 Hz tick through the 8259 and the
; BIOS's own IRQ 0 handler wakes STI;HLT, INT 12h says 640 KiB, INT 15h
; says "unsupported" (CF set, AH 86h), the BIOS data area names COM1:
; "realmode: bios tick, int 12h 640 KiB, int 15h unsupported, COM1 0x3f8"
; (or "realmode: FAIL bios ..." and on). Then it prints one more line and
; halts with interrupts off, which a VM must be able to do at no cost to the
; others.
bits 16
org 0

start:
        mov ax, cs
        mov ds, ax
        sti
        hlt                     ; woken by the BIOS tick (IRQ 0, vector 8)
        cli
        int 0x12
        cmp ax, 640
        jne .nobios
        mov ah, 0x88            ; extended memory size: not there
        clc
        int 0x15
        jnc .nobios
        cmp ah, 0x86
        jne .nobios
        push ds
        xor bx, bx
        mov ds, bx
        cmp word [0x400], 0x3f8
        pop ds
        jne .nobios
        mov si, msg_bios
        call puts
        jmp .hello
.nobios:
        mov si, msg_nobios
        call puts
.hello:
        mov si, msg
        call puts
.halt:
        cli
        hlt
        jmp .halt

; DS:SI, a string ending in 0, out of COM1.
puts:
        lodsb
        test al, al
        jz .done
        mov bl, al
        mov dx, 0x3fd           ; LSR: wait for the transmitter
.wait:
        in al, dx
        test al, 0x20
        jz .wait
        mov dx, 0x3f8
        mov al, bl
        out dx, al
        jmp puts
.done:
        ret

msg_bios:   db "realmode: bios tick, int 12h 640 KiB, int 15h unsupported, COM1 0x3f8", 10, 0
msg_nobios: db "realmode: FAIL bios state", 10, 0
msg:        db "realmode: hello from 16-bit real mode, halting", 10, 0
