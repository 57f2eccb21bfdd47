; bad_triple: loads an IDT with limit 0 and executes int3. The breakpoint
; cannot be delivered (#GP), nor can the #GP (#DF), nor the #DF: a triple
; fault, which the monitor must turn into a stopped VM with a reason.
%include "common.inc"

main:
        PRINT "bad_triple: zero-limit IDT, int3", 10
        lidt [zero_idt]
        int3
        PRINT "bad_triple: survived the triple fault", 10
        EXIT 3

        GUEST_END
