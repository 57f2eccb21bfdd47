; bad_beyond: reaches for guest-physical 0xE0000000, far beyond any RAM we
; are given and not a device. A PC bus answers a read there with all ones
; and drops a write, and so does the monitor by default
; (monitor.unknownMemory = "ignore"); code cannot run from there, so the
; jump that follows must stop the VM. With monitor.unknownMemory = "stop"
; (config/vms/bad_beyond_stop.vmx) the write already stops it.
%include "common.inc"

BEYOND  equ 0xE0000000

main:
        PRINT "bad_beyond: writing to 0xe0000000", 10
        mov dword [BEYOND], 0x5a5a5a5a
        mov eax, [BEYOND]
        PRINT "bad_beyond: read "
        PRINT_HEX eax
        PRINT 10
        PRINT "bad_beyond: jumping to 0xe0000000", 10
        mov eax, BEYOND
        jmp eax
        ; not reached: nothing runs there

        GUEST_END
