; bad_msr: rdmsr of an MSR that does not exist. The monitor injects #GP;
; with a zero-limit IDT the #GP cannot be delivered and escalates to a
; triple fault (so the injected event is seen to arrive).
%include "common.inc"

main:
        PRINT "bad_msr: rdmsr 0xdeadbeef, zero-limit IDT", 10
        lidt [zero_idt]
        mov ecx, 0xDEADBEEF
        rdmsr
        PRINT "bad_msr: survived, read "
        PRINT_HEX edx
        PRINT ":"
        PRINT_HEX eax
        PRINT 10
        EXIT 3

        GUEST_END
