; stringio: INS and OUTS as a CPU runs them (Intel SDM vol. 2, INS/OUTS and
; REP): forward and backward (DF), 32- and 16-bit addressing (the 67h
; prefix: only SI/CX move, their upper halves stay), a long REP INSB across
; page boundaries with guard bytes around it, and rCX/rSI/rDI checked after
; each. Its own lines are written with REP OUTSB, so seeing them at all is
; the first check. Plain QEMU runs it too (make guests-qemu), as the
; reference for what hardware does.
;
; Exit 0 when every check holds; N (a check number) at the first that fails.
%include "common.inc"

CMOS_INDEX      equ 0x70
CMOS_DATA       equ 0x71
CMOS_REG_D      equ 0x0d            ; status D: reads 0x80 (valid RAM and time)
LOW_BUF         equ 0x8000          ; below 64 KiB, for 16-bit addressing
INS_LEN         equ 10000

main:
        ; 1. REP OUTSB forward: the line itself.
        mov esi, msg_fwd
        mov ecx, msg_fwd_len
        mov dx, COM1
        rep outsb
        cmp ecx, 0
        CHECK e, 1
        cmp esi, msg_fwd + msg_fwd_len
        CHECK e, 2

        ; 2. REP OUTSB backward (DF=1) over the reversed text.
        std
        mov esi, msg_rev + msg_rev_len - 1
        mov ecx, msg_rev_len
        rep outsb
        cld
        cmp esi, msg_rev - 1
        CHECK e, 3

        ; 3. 16-bit addressing (67h): SI and CX only; upper halves kept.
        mov esi, msg_a16
        mov edi, LOW_BUF
        mov ecx, msg_a16_len
        rep movsb
        mov esi, 0xabcd0000 | LOW_BUF
        mov ecx, 0x5a5a0000 | msg_a16_len
        a16 rep outsb
        cmp ecx, 0x5a5a0000
        CHECK e, 4
        cmp esi, 0xabcd0000 | (LOW_BUF + msg_a16_len)
        CHECK e, 5

        ; 4. REP INSB of INS_LEN bytes across pages, guard bytes around.
        mov edi, guest_pages
        mov ecx, 3 * 4096
        mov al, 0x55
        rep stosb
        mov al, CMOS_REG_D
        out CMOS_INDEX, al
        mov edi, guest_pages + 0x7f0
        mov ecx, INS_LEN
        mov dx, CMOS_DATA
        rep insb
        cmp ecx, 0
        CHECK e, 6
        cmp edi, guest_pages + 0x7f0 + INS_LEN
        CHECK e, 7
        cmp byte [guest_pages + 0x7ef], 0x55
        CHECK e, 8
        cmp byte [guest_pages + 0x7f0 + INS_LEN], 0x55
        CHECK e, 9
        mov esi, guest_pages + 0x7f0
        mov ecx, INS_LEN
.every: lodsb
        cmp al, 0x80
        CHECK e, 10
        loop .every
        PRINT "stringio: rep insb ok (", 0
        PRINT_DEC INS_LEN
        PRINT " bytes across 3 pages)", 10

        ; 5. INSB without REP, backward: one byte, EDI down by one, ECX kept.
        std
        mov edi, guest_pages + 0x7ef
        mov ecx, 7
        insb
        cld
        cmp edi, guest_pages + 0x7ee
        CHECK e, 11
        cmp ecx, 7
        CHECK e, 12
        cmp byte [guest_pages + 0x7ef], 0x80
        CHECK e, 13

        PRINT "stringio: done", 10
        EXIT 0

fail:
        cld
        PRINT "stringio: FAIL check ", 0
        movzx eax, al
        PRINT_DEC eax
        PRINT 10
        jmp guest_exit

msg_fwd:        db "stringio: rep outsb ok", 10
msg_fwd_len     equ $ - msg_fwd
; "stringio: backward outsb ok\n", reversed
msg_rev:        db 10,107,111,32,98,115,116,117,111,32,100,114,97,119,107,99,97,98,32,58
                db 111,105,103,110,105,114,116,115
msg_rev_len     equ $ - msg_rev
msg_a16:        db "stringio: a16 outsb ok", 10
msg_a16_len     equ $ - msg_a16

        GUEST_END 3
