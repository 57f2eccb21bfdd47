; bad_beyond: writes to guest-physical 0xE0000000, far beyond any RAM we are
; given and not a device: the monitor must stop the VM there (EPT
; violation outside RAM and MMIO). Plain QEMU has no such check.
%include "common.inc"

BEYOND  equ 0xE0000000

main:
        PRINT "bad_beyond: writing to 0xe0000000", 10
        mov dword [BEYOND], 0x5a5a5a5a
        mov eax, [BEYOND]
        PRINT "bad_beyond: survived, read "
        PRINT_HEX eax
        PRINT 10
        EXIT 3

        GUEST_END
