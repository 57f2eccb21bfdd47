; backdoor: VMware's backdoor as guest tools call it: IN EAX, DX with EAX =
; 0x564D5868 ("VMXh"), DX = 0x5658 and the command in ECX.
;   1. from ring 0: GETVERSION (EBX the magic, ECX the product type), an
;      unknown command (EBX keeps what it held), GETTIMEFULL (the host's time
;      of day: EAX the magic, a time between 2023 and 2100) and GETMEMSIZE;
;   2. with `user=1`, from ring 3 with IOPL 0 and a TSS whose I/O bitmap
;      denies every port: GETVERSION again (ESX answers there: VMware Tools
;      run as user processes), then an IN from port 0x1234, which must raise
;      #GP (error code 0) in ring 0. Where the backdoor is kept from user
;      mode (monitor_control.restrict_backdoor), the backdoor's IN raises
;      the #GP instead.
; Lines: "backdoor: version V, type T", "backdoor: unknown command kept
; EBX", "backdoor: time of day S" (seconds since 1970), "backdoor: memory
; size N" (MiB under VMware and the monitor), or "backdoor: no
; GETTIMEFULL" where the magic does not come back (QEMU), with user=1 "backdoor: user-mode call answered: version V" or
; "backdoor: user-mode call refused with #GP", then "backdoor: user-mode
; IN from port 0x1234 raised #GP 0"; "backdoor: ok", exit 0. No backdoor
; (EBX not the magic): "backdoor: none", exit 3. A failed check: "backdoor:
; FAIL: ...", exit 1; an unexpected exception exits 2.
%include "common.inc"

BDOOR_MAGIC equ 0x564D5868
BDOOR_PORT  equ 0x5658
CMD_GETVERSION equ 10
CMD_GETMEMSIZE equ 20
CMD_GETTIMEFULL equ 46
YEAR_2023 equ 1672531200        ; 2023-01-01: a time of day before it is no clock
YEAR_2100 equ 4102444800
SEL_CODE  equ 0x08
SEL_DATA  equ 0x10
SEL_UCODE equ 0x18 | 3
SEL_UDATA equ 0x20 | 3
SEL_TSS   equ 0x28
TSS_ESP0  equ 4
TSS_SS0   equ 8
TSS_IOMAP equ 102
TSS_SIZE  equ 104
IOMAP_BYTES equ 8192            ; a bit for each of the 65536 ports
USER_STACK equ guest_pages + 4096

%macro FAIL 1+
        PRINT "backdoor: FAIL: ", %1, 10
        EXIT 1
%endmacro

main:
        LOAD_GDT gdt_desc, SEL_CODE, SEL_DATA
        call idt_setup

        ; ---- 1. ring 0 ------------------------------------------------------
        mov eax, BDOOR_MAGIC
        mov ebx, 0
        mov ecx, CMD_GETVERSION
        mov edx, BDOOR_PORT
        in eax, dx
        cmp ebx, BDOOR_MAGIC
        je .v1
        PRINT "backdoor: none", 10
        EXIT 3
.v1:    mov [version], eax
        mov [vtype], ecx
        PRINT "backdoor: version "
        PRINT_DEC [version]
        PRINT ", type "
        PRINT_DEC [vtype]
        PRINT 10
        mov eax, BDOOR_MAGIC
        mov ebx, 0xdeadbeef
        mov ecx, 0xfff
        mov edx, BDOOR_PORT
        in eax, dx
        cmp ebx, 0xdeadbeef
        je .u1
        FAIL "an unknown command changed EBX"
.u1:    PRINT "backdoor: unknown command kept EBX", 10
        ; GETTIMEFULL: EAX the magic, ESI:EDX seconds since 1970, EBX us.
        mov eax, BDOOR_MAGIC
        mov ecx, CMD_GETTIMEFULL
        mov edx, BDOOR_PORT
        in eax, dx
        cmp eax, BDOOR_MAGIC
        je .t1
        PRINT "backdoor: no GETTIMEFULL", 10   ; QEMU's vmport has none
        jmp .mem
.t1:    test esi, esi
        jnz .t2
        cmp edx, YEAR_2023
        jb .t2
        cmp edx, YEAR_2100
        jae .t2
        cmp ebx, 1000000
        jb .t3
.t2:    FAIL "GETTIMEFULL's time of day is not one"
.t3:    PRINT "backdoor: time of day "
        PRINT_DEC edx
        PRINT 10
.mem:   mov eax, BDOOR_MAGIC
        mov ecx, CMD_GETMEMSIZE
        mov edx, BDOOR_PORT
        in eax, dx
        mov ebx, eax
        PRINT "backdoor: memory size "
        PRINT_DEC ebx
        PRINT 10

        mov esi, key_user
        call find_arg
        jnc finish
        test eax, eax
        jz finish

        ; ---- 2. ring 3, IOPL 0, every port denied by the TSS ----------------
        mov edi, tss
        mov ecx, (TSS_SIZE + IOMAP_BYTES + 1) / 4 + 1
        xor eax, eax
        rep stosd
        mov dword [tss + TSS_ESP0], _stack_top
        mov dword [tss + TSS_SS0], SEL_DATA
        mov word [tss + TSS_IOMAP], TSS_SIZE
        mov edi, tss + TSS_SIZE
        mov ecx, IOMAP_BYTES + 1        ; the bitmap, and the byte after it
        mov al, 0xff
        rep stosb
        mov eax, tss                    ; its descriptor: base, limit, type 9
        mov word [gdt + SEL_TSS], TSS_SIZE + IOMAP_BYTES
        mov [gdt + SEL_TSS + 2], ax
        shr eax, 16
        mov [gdt + SEL_TSS + 4], al
        mov [gdt + SEL_TSS + 7], ah
        mov ax, SEL_TSS
        ltr ax
        mov [kernel_esp], esp
        push dword SEL_UDATA            ; IRET to ring 3: SS, ESP, EFLAGS, CS, EIP
        push dword USER_STACK
        push dword 0x002                ; IOPL 0, interrupts off
        push dword SEL_UCODE
        push dword user_code
        iret

; Ring 3. The #GP handler ends the visit (gp_isr).
user_code:
        mov ax, SEL_UDATA
        mov ds, ax
        mov es, ax
        mov eax, BDOOR_MAGIC
        mov ebx, 0
        mov ecx, CMD_GETVERSION
        mov edx, BDOOR_PORT
user_backdoor:
        in eax, dx
        mov [user_ebx], ebx
        mov [user_eax], eax
        mov edx, 0x1234
user_other:
        in eax, dx
        ud2                             ; the IN must have faulted

; Back in ring 0, from the #GP handler: which IN faulted, with what code.
after_user:
        mov eax, [gp_eip]
        cmp eax, user_other
        je .answered
        cmp eax, user_backdoor
        je .refused
        FAIL "#GP from an unexpected place"
.refused:
        PRINT "backdoor: user-mode call refused with #GP", 10
        jmp finish
.answered:
        cmp dword [user_ebx], BDOOR_MAGIC
        je .a1
        FAIL "the user-mode call's EBX is not the magic"
.a1:    PRINT "backdoor: user-mode call answered: version "
        PRINT_DEC [user_eax]
        PRINT 10
        cmp dword [gp_error], 0
        je .a2
        FAIL "the #GP's error code is not 0"
.a2:    PRINT "backdoor: user-mode IN from port 0x1234 raised #GP 0", 10
finish: PRINT "backdoor: ok", 10
        EXIT 0

; ---- IDT: #GP to gp_isr, everything else unexpected -------------------------
idt_setup:
        mov edi, idt
        xor ecx, ecx
.fill:  mov eax, unexpected
        cmp ecx, 13
        jne .gate
        mov eax, gp_isr
.gate:  IDT_GATE SEL_CODE
        add edi, 8
        inc ecx
        cmp ecx, 32
        jb .fill
        lidt [idt_desc]
        ret

; #GP: only expected from ring 3; records where and why, and resumes the
; kernel at after_user on its own stack.
gp_isr:
        mov ax, SEL_DATA
        mov ds, ax
        mov es, ax
        mov eax, [esp]                  ; the error code
        mov [gp_error], eax
        mov eax, [esp + 8]              ; CS
        test eax, 3
        jnz .user
        PRINT "backdoor: FAIL: #GP in ring 0", 10
        EXIT 1
.user:  mov eax, [esp + 4]              ; EIP
        mov [gp_eip], eax
        mov esp, [kernel_esp]
        jmp after_user

unexpected:
        mov ax, SEL_DATA
        mov ds, ax
        PRINT "backdoor: FAIL: unexpected exception", 10
        EXIT 2

key_user:   db "user=", 0
        align 4
version:    dd 0
vtype:      dd 0
user_eax:   dd 0
user_ebx:   dd 0
gp_eip:     dd 0
gp_error:   dd 0
kernel_esp: dd 0
        align 8
gdt:    dq 0
        dq 0x00cf9a000000ffff           ; 0x08 ring-0 code
        dq 0x00cf92000000ffff           ; 0x10 ring-0 data
        dq 0x00cffa000000ffff           ; 0x18 ring-3 code
        dq 0x00cff2000000ffff           ; 0x20 ring-3 data
        dq 0x0000890000000000           ; 0x28 the TSS (filled in)
gdt_end:
gdt_desc:
        dw gdt_end - gdt - 1
        dd gdt
idt_desc:
        dw 32 * 8 - 1
        dd idt
        align 8
idt:    times 32 * 8 db 0
        align 16
tss:    times TSS_SIZE + IOMAP_BYTES + 8 db 0

        GUEST_END 1
