; acpi_poweroff: what an OS does to power off through ACPI, checked at each
; step. Scans the BIOS area [0xE0000, 0x100000) on 16-byte boundaries for
; "RSD PTR ", checks the RSDP's checksums, follows it to the XSDT (the RSDT
; for an ACPI 1.0 RSDP, as SeaBIOS gives QEMU) and the FADT (checksums),
; reads PM1a_CNT_BLK from the FADT and \_S5's SLP_TYPa
; from the DSDT, then writes SLP_TYPa | SLP_EN to PM1a_CNT. The monitor must
; end the VM "powered off" with status 0; if the guest is still running
; afterwards it exits with status 2, and any failed check exits 1 naming it.
; With `reset=1` it asks for a reset instead, through the FADT's RESET_REG
; (checked to be port 0xCF9), which must restart the VM.
; With `s3=1` it suspends to RAM instead, as an OS does: \_S3's SLP_TYPa from
; the DSDT, its waking vector in the FACS (real-mode code copied to
; RESUME_AT), RTC_EN in PM1_EN, an RTC alarm every second (register C read
; first, AIE on), the PM1 status bits cleared, then SLP_TYPa | SLP_EN. The
; code at the waking vector checks that RAM was kept and that PM1_STS has
; WAK_STS and RTC_STS, prints "acpi: resumed from S3 ..." and exits 0; a
; CPU still running after the OUT exits 2, a failed check 4 or 5. With
; `s3=2` nothing is enabled and no alarm set: only the power button wakes
; it (`vm power-button`), and the resume checks WAK_STS and PWRBTN_STS.
%include "common.inc"
%include "legacy_timers.inc"

SLP_EN          equ 1 << 13
RESUME_AT       equ 0x1000          ; the waking vector: CS:IP 0x100:0
S3_MARK_AT      equ 0x900           ; a word of RAM that must survive S3
S3_MARK         equ 0x53335333
S3_PM1_AT       equ 0x904           ; PM1a_EVT_BLK, for the resume code
S3_WANT_AT      equ 0x906           ; the PM1_STS bits the resume code wants
RTC_INDEX       equ 0x70
RTC_DATA        equ 0x71

%macro FAIL 1+
        PRINT "acpi: FAIL: ", %1, 10
        EXIT 1
%endmacro

main:
        call acpi_find_rsdp
        PRINT "acpi: RSDP at "
        PRINT_HEX esi
        PRINT 10
        mov eax, 'FACP'
        call acpi_find_table
        jc .c9
        FAIL "no FADT in the XSDT or RSDT"
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
        call acpi_sum8
        jz .c12
        FAIL "DSDT checksum"
        ; \_S5 (\_S3 with s3=1): NameOp, "_S5_", PackageOp, PkgLength (one
        ; byte here), NumElements, then SLP_TYPa as a BytePrefix constant,
        ; Zero or One.
.c12:   lea edx, [esi + ecx - 8]
        mov ebx, '_S5_'
        push esi
        mov esi, s3_key
        call find_arg
        pop esi
        jnc .s5
        test eax, eax
        jz .s5
        mov [s3_mode], eax
        mov ebx, '_S3_'
.s5:    cmp esi, edx
        jb .c13
        FAIL "no _S5_ or _S3_ package in the DSDT"
.c13:   cmp dword [esi], ebx
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
.typ:   cmp ebx, '_S3_'
        je suspend
        push eax
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
        call settle
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
        call settle
        PRINT "acpi: FAIL: still running after S5", 10
        EXIT 2

; settle: a second (100 x 10 ms of the PIT's channel 2) for a machine to
; act on a sleep or reset request. A PC's chipset acts before the next
; instruction, as the monitor does; QEMU acts from its main loop, and its
; CPU may run on meanwhile (a FAIL printed right after the OUT raced it).
settle:
        push ecx
        mov ecx, 100
.tick:  call pit_10ms_start
        call pit_10ms_wait
        dec ecx
        jnz .tick
        pop ecx
        ret

reset_key: db "reset=", 0
s3_key: db "s3=", 0
s3_mode: dd 0

; suspend: EAX = \_S3's SLP_TYPa, EBP = PM1a_CNT_BLK, EDI = the FADT.
suspend:
        mov ebx, eax
        mov edx, [edi + 56]                 ; PM1a_EVT_BLK: status, then enable
        mov [S3_PM1_AT], dx
        mov esi, [edi + 36]                 ; the FACS
        mov dword [esi + 12], RESUME_AT     ; Firmware_Waking_Vector
        mov dword [esi + 24], 0             ; X_Firmware_Waking_Vector: none
        mov dword [esi + 28], 0
        mov esi, resume_code
        mov edi, RESUME_AT
        mov ecx, resume_end - resume_code
        rep movsb
        mov dword [S3_MARK_AT], S3_MARK
        mov word [S3_WANT_AT], 0x8100       ; s3=2: WAK_STS, PWRBTN_STS
        cmp dword [s3_mode], 2
        je .quiet
        mov word [S3_WANT_AT], 0x8400       ; WAK_STS, RTC_STS
        movzx edx, word [S3_PM1_AT]
        add edx, 2                          ; PM1a_EN: RTC_EN
        mov ax, 1 << 10
        out dx, ax
        ; an alarm every second: "don't care" in all three, AIE on
        mov al, 0x0c                        ; register C read: IRQ 8 low again
        out RTC_INDEX, al
        in al, RTC_DATA
        mov ecx, 0x01
.alarm: mov al, cl
        out RTC_INDEX, al
        mov al, 0xc0
        out RTC_DATA, al
        add ecx, 2
        cmp ecx, 0x05
        jbe .alarm
        mov al, 0x0b
        out RTC_INDEX, al
        in al, RTC_DATA
        or al, 0x20
        mov ah, al
        mov al, 0x0b
        out RTC_INDEX, al
        mov al, ah
        out RTC_DATA, al
.quiet: mov dx, [S3_PM1_AT]                 ; PM1a_STS: every status cleared
        mov ax, 0xffff
        out dx, ax
        PRINT "acpi: PM1a_CNT "
        PRINT_HEX ebp
        PRINT " S3 type "
        PRINT_DEC ebx
        PRINT "; waking vector "
        PRINT_HEX RESUME_AT
        PRINT "; suspending", 10
        mov eax, ebx
        and eax, 7
        shl eax, 10
        or eax, SLP_EN
        mov edx, ebp
        out dx, ax
        call settle
        PRINT "acpi: FAIL: still running after S3", 10
        EXIT 2

; What the firmware jumps to on the wake: real mode, CS:IP = 0x100:0
; (copied to RESUME_AT; addresses inside it are relative to its start).
bits 16
resume_code:
        cli
        mov ax, cs
        mov ds, ax
        xor ax, ax
        mov es, ax
        cmp dword [es:S3_MARK_AT], S3_MARK
        je .kept
        mov si, .lost - resume_code
        mov bl, 4
        jmp .end
.kept:  mov dx, [es:S3_PM1_AT]
        in ax, dx
        mov cx, [es:S3_WANT_AT]             ; WAK_STS and the wake event's
        and ax, cx
        cmp ax, cx
        je .ok
        mov si, .nosts - resume_code
        mov bl, 5
        jmp .end
.ok:    mov si, .done - resume_code
        xor bl, bl
.end:   lodsb
        test al, al
        jz .exit
        mov ah, al
        mov dx, COM1_LSR
.wait:  in al, dx
        test al, LSR_THRE
        jz .wait
        mov al, ah
        mov dx, COM1
        out dx, al
        jmp .end
.exit:  mov al, bl
        out EXIT_PORT, al
.stop:  hlt
        jmp .stop
.done:  db "acpi: resumed from S3: RAM kept, PM1_STS has WAK_STS and the wake event's", 10, 0
.lost:  db "acpi: FAIL: RAM lost across S3", 10, 0
.nosts: db "acpi: FAIL: PM1_STS lacks WAK_STS or the wake event's status", 10, 0
resume_end:
bits 32


%include "acpi.inc"

        GUEST_END
