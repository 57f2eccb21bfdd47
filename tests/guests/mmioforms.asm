; mmioforms: the read-modify-write forms on a device register, as a CPU runs
; them: INC, DEC, NOT, NEG, BTS, BTR, BTC, CMPXCHG and XADD (LOCK where it
; is allowed), the shifts and rotates (by 1, CL and an immediate), and the
; forms that only read it: MUL, DIV, IDIV, IMUL with two and three operands,
; and a DIV by the register holding 0, which is the guest's own #DE at the
; DIV; MOVSD from it to RAM and back; all on the local APIC's task-priority
; register, whose bits 7:0
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
        call flat_setup                 ; an IDT for the #DE below
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

        ; group 2: the register shifted and rotated in place
        mov dword [TPR], 0x21
        shl dword [TPR], 2              ; 0x84
        TPR_IS 0x84, 20
        mov cl, 3
        shr dword [TPR], cl             ; 0x10; CF = bit 2 of 0x84
        CHECK c, 21
        TPR_IS 0x10, 22
        sar dword [TPR], 1              ; 0x08
        CHECK nc, 23
        TPR_IS 0x08, 24
        rol dword [TPR], 4              ; 0x80
        TPR_IS 0x80, 25
        clc
        rcr dword [TPR], 1              ; 0x40, CF the bit out (0)
        CHECK nc, 26
        TPR_IS 0x40, 27
        stc
        rcl dword [TPR], 1              ; 0x81: CF came in at bit 0
        TPR_IS 0x81, 28
        mov dword [TPR], 0x81
        ror dword [TPR], 1              ; low byte 0x40; CF = the bit that went round
        CHECK c, 29
        TPR_IS 0x40, 30

        ; group 3 and IMUL: the register as a source
        mov dword [TPR], 0x20
        mov eax, 3
        mov edx, -1
        mul dword [TPR]                 ; EDX:EAX = 0x60
        CHECK nc, 31                    ; the upper half is 0
        cmp eax, 0x60
        CHECK e, 32
        test edx, edx
        CHECK z, 33
        mov eax, 0x61
        xor edx, edx
        div dword [TPR]                 ; 3, remainder 1
        cmp eax, 3
        CHECK e, 34
        cmp edx, 1
        CHECK e, 35
        mov eax, -0x41
        cdq
        idiv dword [TPR]                ; -2, remainder -1 (toward zero)
        cmp eax, -2
        CHECK e, 36
        cmp edx, -1
        CHECK e, 37
        imul ecx, [TPR], -3
        cmp ecx, -0x60
        CHECK e, 38
        mov ecx, 7
        imul ecx, [TPR]
        cmp ecx, 0xe0
        CHECK e, 39

        ; DIV by the register holding 0: #DE at the DIV, EAX kept
        mov dword [TPR], 0
        mov eax, 5
        xor edx, edx
de_at:  div dword [TPR]
        mov al, 40                      ; went on past the fault
        jmp fail
de_back:
        cmp dword [de_eip], de_at
        CHECK e, 41
        cmp eax, 5
        CHECK e, 42

        ; MOVSD between the register and RAM, both ways
        mov dword [TPR], 0x50
        mov esi, TPR
        mov edi, movs_buf
        cld
        movsd                           ; the register to RAM
        cmp byte [movs_buf], 0x50
        CHECK e, 43
        cmp edi, movs_buf + 4
        CHECK e, 44
        mov dword [movs_buf + 4], 0x60
        mov esi, movs_buf + 4
        mov edi, TPR
        movsd                           ; RAM to the register
        TPR_IS 0x60, 45
        cmp esi, movs_buf + 8
        CHECK e, 46
        mov dword [TPR], 0

        PRINT "mmioforms: ok", 10
        EXIT 0

; #DE: where it came from, then on after the DIV (a fault's return
; address is the faulting instruction).
de_handler:
        push eax
        mov eax, [esp + 4]
        mov [de_eip], eax
        pop eax
        mov dword [esp], de_back
        iret

unexpected:
        mov al, 99
        jmp fail

fail:
        push eax
        PRINT "mmioforms: FAIL "
        pop eax
        movzx eax, al
        PRINT_DEC eax
        PRINT 10
        jmp guest_exit

        FLAT_SETUP

idt_table:
        dd 0, de_handler
        dd -1

        align 4
de_eip: dd 0
movs_buf: dd 0, 0

        FLAT_DESCRIPTORS

GUEST_END
