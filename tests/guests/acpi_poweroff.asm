; acpi_poweroff: what an OS does to power off through ACPI, checked at each
; step. Scans the BIOS area [0xE0000, 0x100000) on 16-byte boundaries for
; "RSD PTR ", checks the RSDP's two checksums, follows it to the XSDT and
; the FADT (checksums), reads PM1a_CNT_BLK from the FADT and \_S5's SLP_TYPa
; from the DSDT, then writes SLP_TYPa | SLP_EN to PM1a_CNT. The monitor must
; end the VM "powered off" with status 0; if the guest is still running
; afterwards it exits with status 2, and any failed check exits 1 naming it.
; With `reset=1` it asks for a reset instead, through the FADT's RESET_REG
; (checked to be port 0xCF9), which must restart the VM.
%include "common.inc"

SLP_EN          equ 1 << 13

%macro FAIL 1+
        PRINT "acpi: FAIL: ", %1, 10
        EXIT 1
%endmacro

main:
        mov esi, 0xE0000
.scan:  cmp dword [esi], 'RSD '
        jne .on
        cmp dword [esi + 4], 'PTR '
        je .rsdp
.on:    add esi, 16
        cmp esi, 0x100000
        jb .scan
        FAIL "no RSDP in the BIOS area"

.rsdp:  PRINT "acpi: RSDP at "
        PRINT_HEX esi
        PRINT 10
        mov ecx, 20
        call sum8
        jz .c1
        FAIL "RSDP checksum"
.c1:    cmp byte [esi + 15], 2
        jae .c2
        FAIL "RSDP revision below 2"
.c2:    mov ecx, [esi + 20]
        cmp ecx, 36
        jae .c3
        FAIL "RSDP length"
.c3:    call sum8
        jz .c4
        FAIL "RSDP extended checksum"
.c4:    cmp dword [esi + 28], 0
        je .c5
        FAIL "XSDT above 4 GiB"
.c5:    mov ebx, [esi + 24]     ; the XSDT
        mov esi, ebx
        cmp dword [esi], 'XSDT'
        je .c6
        FAIL "XSDT signature"
.c6:    mov ecx, [esi + 4]
        call sum8
        jz .c7
        FAIL "XSDT checksum"
.c7:    sub ecx, 36
        shr ecx, 3              ; entries
        lea edx, [ebx + 36]
.entry: test ecx, ecx
        jnz .c8
        FAIL "no FADT in the XSDT"
.c8:    mov edi, [edx]
        cmp dword [edi], 'FACP'
        je .fadt
        add edx, 8
        dec ecx
        jmp .entry

.fadt:  mov esi, edi
        mov ecx, [esi + 4]
        call sum8
        jz .c9
        FAIL "FADT checksum"
.c9:    mov ebp, [edi + 64]     ; PM1a_CNT_BLK
        test ebp, ebp
        jnz .facs
        FAIL "no PM1a_CNT_BLK"
        ; The FACS is in read/write memory (ACPI 5.2.10): the OS writes its
        ; waking vector and takes its Global Lock with a locked instruction.
.facs:  mov esi, [edi + 36]     ; FIRMWARE_CTRL
        cmp dword [esi], 'FACS'
        je .f1
        FAIL "FACS signature"
.f1:    mov dword [esi + 12], 0x9a000       ; firmware waking vector
        cmp dword [esi + 12], 0x9a000
        je .f2
        FAIL "FACS waking vector did not keep what was written"
.f2:    lock bts dword [esi + 16], 1        ; Global Lock: owned
        jnc .f3
        FAIL "FACS Global Lock was owned already"
.f3:    lock btr dword [esi + 16], 1        ; released
        mov dword [esi + 12], 0
        PRINT "acpi: FACS at "
        PRINT_HEX esi
        PRINT ": waking vector and Global Lock written", 10
.c10:   mov esi, [edi + 40]     ; the DSDT
        cmp dword [esi], 'DSDT'
        je .c11
        FAIL "DSDT signature"
.c11:   mov ecx, [esi + 4]
        call sum8
        jz .c12
        FAIL "DSDT checksum"
        ; \_S5: NameOp, "_S5_", PackageOp, PkgLength (one byte here),
        ; NumElements, then SLP_TYPa as a BytePrefix constant, Zero or One.
.c12:   lea edx, [esi + ecx - 8]
.s5:    cmp esi, edx
        jb .c13
        FAIL "no _S5_ package in the DSDT"
.c13:   cmp dword [esi], '_S5_'
        jne .s5next
        cmp byte [esi + 4], 0x12
        je .pkg
.s5next:
        inc esi
        jmp .s5
.pkg:   movzx eax, byte [esi + 7]
        cmp al, 0x0a
        jne .small
        movzx eax, byte [esi + 8]
        jmp .typ
.small: cmp al, 1
        jbe .typ
        FAIL "_S5_ SLP_TYPa is not a constant"
.typ:   push eax
        mov esi, reset_key
        call find_arg
        jnc .off
        test eax, eax
        jz .off
        ; RESET_REG: a Generic Address Structure at 116, RESET_VALUE at 128
        cmp byte [edi + 116], 1         ; system I/O
        je .r1
        FAIL "RESET_REG is not in port space"
.r1:    test dword [edi + 112], 1 << 10 ; RESET_REG_SUP
        jnz .r2
        FAIL "RESET_REG_SUP clear"
.r2:    mov edx, [edi + 120]
        mov al, [edi + 128]
        PRINT "acpi: resetting through port "
        PRINT_HEX edx
        PRINT 10
        out dx, al
        PRINT "acpi: FAIL: still running after the reset", 10
        EXIT 3
.off:   pop eax
        PRINT "acpi: PM1a_CNT "
        PRINT_HEX ebp
        PRINT " S5 type "
        PRINT_DEC eax
        PRINT "; powering off", 10
        and eax, 7
        shl eax, 10
        or eax, SLP_EN
        mov edx, ebp
        out dx, ax
        PRINT "acpi: FAIL: still running after S5", 10
        EXIT 2

reset_key: db "reset=", 0

; sum8: ZF set when the ECX bytes at ESI add up to 0 (mod 256).
sum8:
        push eax
        push ecx
        push esi
        xor eax, eax
.add:   add al, [esi]
        inc esi
        dec ecx
        jnz .add
        test al, al
        pop esi
        pop ecx
        pop eax
        ret

        GUEST_END
