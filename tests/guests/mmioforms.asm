; mmioforms: the read-modify-write forms on a device register, as a CPU runs
; them: INC, DEC, NOT, NEG, BTS, BTR, BTC, CMPXCHG and XADD (LOCK where it
; is allowed) on the local APIC's task-priority register, whose bits 7:0
; read back what was written. Under the monitor each access exits and is
; emulated (docs/devices.md); plain QEMU runs it too (make guests-qemu), as
; the reference for what hardware does. Only the low byte is compared:
; bits 31:8 of the TPR are reserved (a PC reads 0 there; QEMU keeps what
; was written). Every access is a dword: the SDM leaves narrower APIC
; accesses to the model (10.4.1), and QEMU and the monitor ignore them, so
; SETcc, which writes a byte, is left to the hosted tests.
;
; Output: "mmioforms: ok", exit 0; "FAIL n" and exit n at the first check
; that fails.
%include "common.inc"

TPR     equ 0xfee00080

; TPR_IS v, n: the TPR's low byte is v, else check n fails. Keeps flags
; and EAX.
%macro TPR_IS 2
        pushfd
        push eax
        mov eax, [TPR]
        cmp al, %1
        CHECK e, %2
        pop eax
        popfd
%endmacro

main:
        mov dword [TPR], 0x10
        inc dword [TPR]
        TPR_IS 0x11, 1
        dec dword [TPR]
        TPR_IS 0x10, 2
        not dword [TPR]
        TPR_IS 0xef, 3
        neg dword [TPR]
        CHECK c, 4                      ; NEG of a non-zero value sets CF
        TPR_IS 0x11, 5

        mov dword [TPR], 0
        stc
        bts dword [TPR], 4
        CHECK nc, 6                     ; CF is the bit as it was
        TPR_IS 0x10, 7
        mov eax, 4
        lock btr [TPR], eax
        CHECK c, 8
        TPR_IS 0, 9
        btc dword [TPR], 7
        TPR_IS 0x80, 10

        mov dword [TPR], 0x20
        mov eax, 0x20
        mov ecx, 0x30
        lock cmpxchg [TPR], ecx         ; equal: ECX stored
        CHECK e, 13
        TPR_IS 0x30, 14
        cmp eax, 0x20
        CHECK e, 15
        mov eax, 0x20
        lock cmpxchg [TPR], ecx         ; not equal: EAX loaded
        CHECK ne, 16
        cmp al, 0x30
        CHECK e, 17

        mov dword [TPR], 5
        mov edx, 3
        lock xadd [TPR], edx
        TPR_IS 8, 18
        cmp edx, 5
        CHECK e, 19
        mov dword [TPR], 0

        PRINT "mmioforms: ok", 10
        EXIT 0

fail:
        push eax
        PRINT "mmioforms: FAIL "
        pop eax
        movzx eax, al
        PRINT_DEC eax
        PRINT 10
        jmp guest_exit

GUEST_END
