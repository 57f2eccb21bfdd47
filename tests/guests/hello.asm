; hello: the smallest guest. One line on the serial port, then exit 0.
%include "common.inc"

main:
        PRINT "hello from the guest", 10
        EXIT 0

        GUEST_END
