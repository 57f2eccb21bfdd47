; bad_port: an I/O port no device claims. The monitor ignores the write
; and reads all ones, so the exit status is 255 (0xff); QEMU does the same.
%include "common.inc"

main:
        PRINT "bad_port: writing 0x55 to port 0x1234", 10
        mov dx, 0x1234
        mov al, 0x55
        out dx, al
        in al, dx
        movzx ebx, al
        PRINT "bad_port: read "
        PRINT_HEX ebx
        PRINT 10
        mov eax, ebx
        jmp guest_exit          ; status = the byte read

        GUEST_END
