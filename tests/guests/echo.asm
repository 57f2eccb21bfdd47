; echo: the serial port's receive path, polled (no interrupts). With
; `lines=N` it first prints N numbered lines (a chatty guest for the host
; console's routing). Then it reads what is typed into `vm console` a line at
; a time (CR or LF ends it) and prints it back as "echo: LINE"; the line
; "quit" ends the guest with status 0.
%include "common.inc"

COM1_RBR        equ COM1
LSR_DR          equ 1 << 0      ; data ready
LINE_MAX        equ 64

main:
        mov esi, lines_key
        call find_arg
        jnc .ready
        mov ecx, eax
        xor edx, edx
.chat:  cmp edx, ecx
        jae .ready
        inc edx
        PRINT "echo: line "
        PRINT_DEC edx
        PRINT 10
        jmp .chat
.ready: PRINT "echo: ready", 10
.line:  xor ebx, ebx            ; bytes in the line
.next:  call serial_getc
        cmp al, 13
        je .done
        cmp al, 10
        je .done
        cmp al, 0x20
        jae .keep
        ; any other control byte is named, not kept: the test wants to know
        PRINT "echo: control byte "
        push eax
        movzx eax, al
        PRINT_HEX eax
        pop eax
        PRINT 10
        jmp .next
.keep:  cmp ebx, LINE_MAX
        jae .next               ; a longer line is cut, never overrun
        mov [line + ebx], al
        inc ebx
        jmp .next
.done:  test ebx, ebx
        jz .line                ; CR LF, or an empty line: nothing to say
        mov byte [line + ebx], 0
        PRINT "echo: "
        mov esi, line
        call serial_puts
        PRINT 10
        cmp ebx, 4
        jne .line
        cmp dword [line], 'quit'
        jne .line
        PRINT "echo: bye", 10
        EXIT 0

; serial_getc: AL = the next received byte. Polls LSR.DR.
serial_getc:
        push edx
        mov dx, COM1_LSR
.wait:  in al, dx
        test al, LSR_DR
        jnz .ready
        pause
        jmp .wait
.ready: mov dx, COM1_RBR
        in al, dx
        pop edx
        ret

lines_key: db "lines=", 0
line:   times LINE_MAX + 1 db 0

        GUEST_END
