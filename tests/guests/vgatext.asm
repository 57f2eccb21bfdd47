; vgatext: the text screen at 0xB8000 as a guest without a driver uses it:
; characters stored, read back, the screen scrolled up a line with REP MOVSD
; (display memory to display memory) and a line copied with SSE2 MOVDQU.
; On a PC with a display adapter, as under QEMU and under the monitor with
; svga.present (its default), that memory keeps what is written; without
; one (svga.present = "FALSE") reads float to all ones, which the guest
; reports and stops there, since its copies would then be between two
; devices.
;
; Output: "vgatext: ok", exit 0; "vgatext: no display memory", exit 2;
; "vgatext: FAIL n" and exit 1 at the first check that fails. With stay=1 it
; halts after "vgatext: ok" instead of exiting (interrupts off: for good),
; so the screen can be looked at from the host (`vm peek`).
%include "common.inc"

SCREEN  equ 0xb8000
COLS    equ 80
ROWS    equ 25
LINE    equ COLS * 2

main:
        ; is anything there?
        mov word [SCREEN], 0x0741       ; 'A', grey on black
        cmp word [SCREEN], 0x0741
        je .present
        PRINT "vgatext: no display memory", 10
        EXIT 2
.present:
        ; fill every row r with the character 'a' + r
        mov edi, SCREEN
        xor edx, edx
.row:   lea eax, [edx + 'a']
        mov ah, 0x07
        mov ecx, COLS
        rep stosw
        inc edx
        cmp edx, ROWS
        jb .row
        cmp word [SCREEN + 24 * LINE + 2 * 79], 0x0700 + 'a' + 24
        CHECK e, 1

        ; scroll up one line: rows 1-24 to 0-23, the last row blanked
        mov esi, SCREEN + LINE
        mov edi, SCREEN
        mov ecx, (ROWS - 1) * LINE / 4
        cld
        rep movsd
        mov eax, 0x07200720
        mov ecx, LINE / 4
        rep stosd
        cmp word [SCREEN], 0x0700 + 'b'
        CHECK e, 2
        cmp word [SCREEN + 23 * LINE + 2 * 40], 0x0700 + 'y'
        CHECK e, 3
        cmp word [SCREEN + 24 * LINE], 0x0720
        CHECK e, 4
        cmp esi, SCREEN + ROWS * LINE
        CHECK e, 5

        ; SSE2 (every x86-64 CPU has it): row 0's first 16 bytes to row 2
        mov eax, 1
        cpuid
        bt edx, 26
        jnc .done
        mov eax, cr0
        and eax, ~(1 << 2)              ; EM off
        or eax, 1 << 1                  ; MP on
        mov cr0, eax
        mov eax, cr4
        or eax, 1 << 9                  ; OSFXSR
        mov cr4, eax
        movdqu xmm0, [SCREEN]
        movdqu [SCREEN + 2 * LINE], xmm0
        mov eax, [SCREEN + 2 * LINE + 12]
        cmp eax, 0x07620762             ; two 'b's
        CHECK e, 6
.done:
        PRINT "vgatext: ok", 10
        mov esi, stay_key
        call find_arg
        jnc .exit
        test eax, eax
        jz .exit
.stay:  cli
        hlt
        jmp .stay
.exit:  EXIT 0

fail:
        push eax
        PRINT "vgatext: FAIL "
        pop eax
        movzx eax, al
        PRINT_DEC eax
        PRINT 10
        mov al, 1
        jmp guest_exit

stay_key: db "stay=", 0

GUEST_END
