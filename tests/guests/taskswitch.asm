; taskswitch: hardware task switches, checked as a CPU does them (SDM vol. 3,
; chapter 8). Three 32-bit TSSs in its own GDT: A (this code, loaded with
; LTR), B and C; #GP goes through a task gate in the IDT to C.
;  1. CALL to B: B sees NT set, its back link = A, TR = B; B clobbers
;     registers and IRETs; A sees its registers back, CR0.TS set, B free.
;  2. JMP to B: B resumes after its IRET, sees NT clear and A free (JMP
;     frees the old task), and JMPs back to A.
;  3. MOV DS with a selector beyond the GDT: #GP(0x1230) through the task
;     gate; C finds the error code on its stack and its back link = A, moves
;     A's saved EIP past the MOV and IRETs.
;  4. INT 0x40 through a task gate to D: no error code on D's stack, A
;     resumes after the INT.
;  5. CALL to E, a 16-bit (80286) TSS (SDM figure 8-11): E runs in a code
;     segment based at its code (its IP is 16 bits) on a 16-bit stack, finds
;     NT set, TR = E, AX and SP from its TSS (their low halves: SDM 8.6
;     leaves the upper ones undefined), and IRETs;
;     A finds E free, E's back link = A, E's IP saved as a word, and its own
;     registers back.
; Output: "taskswitch: call and iret ok", "taskswitch: jmp ok",
; "taskswitch: #GP through a task gate ok (error code 0x1230)",
; "taskswitch: int 0x40 through a task gate ok", "taskswitch: 16-bit tss
; ok", "taskswitch: done"; "taskswitch: FAIL <what>" at the first check
; that fails (exit 1).
%include "common.inc"

SEL_CODE equ 0x08
SEL_DATA equ 0x10
SEL_A    equ 0x18
SEL_B    equ 0x20
SEL_C    equ 0x28
SEL_D    equ 0x30
SEL_E    equ 0x38                ; a 16-bit TSS
SEL_ECS  equ 0x40                ; E's code: 32-bit, based at task_e
SEL_DATA16 equ 0x48              ; E's stack: 64 KiB, 16-bit (B = 0)
E_SP     equ 0x7000              ; E's stack, below 64 KiB (SP is a word)
EFL_NT   equ 1 << 14
TSS_EIP  equ 0x20
TSS_EFL  equ 0x24
TSS_ESP  equ 0x38
TSS_SEG  equ 0x48                ; ES, CS, SS, DS, FS, GS
BAD_SEL  equ 0x1230              ; GDT index 0x246: beyond the limit

%macro FAIL 1
        PRINT "taskswitch: FAIL ", %1, 10
        EXIT 1
%endmacro

main:
        LOAD_GDT gdt_desc, SEL_CODE, SEL_DATA
        mov eax, tss_a
        mov edi, gdt + SEL_A
        call make_tss_desc
        mov eax, tss_b
        mov edi, gdt + SEL_B
        call make_tss_desc
        mov eax, tss_c
        mov edi, gdt + SEL_C
        call make_tss_desc
        mov eax, tss_d
        mov edi, gdt + SEL_D
        call make_tss_desc
        mov edi, tss_d
        mov eax, task_d
        mov edx, stack_d_top
        call init_tss
        mov dword [idt + 0x40 * 8], SEL_D << 16
        mov dword [idt + 0x40 * 8 + 4], 0x8500
        mov edi, tss_b
        mov eax, task_b
        mov edx, stack_b_top
        call init_tss
        mov edi, tss_c
        mov eax, task_c
        mov edx, stack_c_top
        call init_tss
        ; #GP (vector 13): a task gate to C
        mov dword [idt + 13 * 8], SEL_C << 16
        mov dword [idt + 13 * 8 + 4], 0x8500       ; P, DPL 0, task gate
        lidt [idt_desc]
        mov ax, SEL_A
        ltr ax

        ; 1. CALL, then IRET back
        mov ebx, 0x1234abcd
        mov esi, 0x5a5a0001
        call SEL_B:0
        cmp ebx, 0x1234abcd
        jne .regs
        cmp esi, 0x5a5a0001
        jne .regs
        mov eax, cr0
        test eax, 8
        jz .ts
        clts
        cmp byte [gdt + SEL_B + 5], 0x89           ; IRET freed B
        jne .b_busy
        pushfd
        pop eax
        test eax, EFL_NT
        jnz .a_nt
        PRINT "taskswitch: call and iret ok", 10

        ; 2. JMP there and back
        jmp SEL_B:0
        clts
        cmp byte [gdt + SEL_A + 5], 0x8b           ; running: busy again
        jne .a_free
        PRINT "taskswitch: jmp ok", 10

        ; 3. #GP through the task gate
        mov ax, BAD_SEL
        mov ds, ax                                  ; 2 bytes: 8e d8
        clts
        cmp dword [gp_error], BAD_SEL
        jne .gp
        PRINT "taskswitch: #GP through a task gate ok (error code 0x1230)", 10

        ; 4. INT 0x40 through a task gate: back after the INT
        mov dword [d_ran], 0
        int 0x40
        clts
        cmp dword [d_ran], 1
        jne .d
        PRINT "taskswitch: int 0x40 through a task gate ok", 10

        ; 5. CALL to a 16-bit TSS, then IRET back
        mov eax, tss_e
        mov edi, gdt + SEL_E
        call make_tss_desc
        mov word [edi], 0x2b                        ; 44 bytes
        mov byte [edi + 5], 0x81                    ; available 16-bit TSS
        mov eax, task_e
        mov word [gdt + SEL_ECS], 0xffff
        mov [gdt + SEL_ECS + 2], ax
        shr eax, 16
        mov [gdt + SEL_ECS + 4], al
        mov word [gdt + SEL_ECS + 5], 0x409a        ; code, P, DPL 0; D = 1
        mov [gdt + SEL_ECS + 7], ah
        mov word [tss_e + 0x0e], 0                  ; IP
        mov word [tss_e + 0x10], 2                  ; FLAGS
        mov word [tss_e + 0x12], 0x1616             ; AX
        mov word [tss_e + 0x1a], E_SP               ; SP
        mov word [tss_e + 0x22], SEL_DATA           ; ES
        mov word [tss_e + 0x24], SEL_ECS            ; CS
        mov word [tss_e + 0x26], SEL_DATA16         ; SS
        mov word [tss_e + 0x28], SEL_DATA           ; DS
        mov ebx, 0x0b0b0b0b
        call SEL_E:0
        clts
        cmp ebx, 0x0b0b0b0b
        jne .eregs
        test dword [e_flags], EFL_NT
        jz .ent
        cmp word [e_tr], SEL_E
        jne .etr
        cmp word [e_eax], 0x1616
        jne .eax
        cmp word [e_esp], E_SP
        jne .eax
        cmp word [tss_e], SEL_A                     ; the back link
        jne .elink
        cmp byte [gdt + SEL_E + 5], 0x81            ; IRET freed E
        jne .ebusy
        cmp word [tss_e + 0x0e], task_e.after - task_e ; IP saved, a word
        jne .eip
        PRINT "taskswitch: 16-bit tss ok", 10
        PRINT "taskswitch: done", 10
        EXIT 0
.eregs: FAIL "A's registers not restored after E's IRET"
.ent:   FAIL "NT clear in E after CALL"
.etr:   FAIL "TR is not E in E"
.eax:   FAIL "E's AX or SP not from its 16-bit TSS"
.elink: FAIL "E's back link is not A"
.ebusy: FAIL "E still busy after its IRET"
.eip:   FAIL "E's IP not saved in its 16-bit TSS"
.regs:  FAIL "A's registers not restored after IRET"
.ts:    FAIL "CR0.TS clear after a task switch"
.b_busy: FAIL "B still busy after its IRET"
.a_nt:  FAIL "NT set in A after the return"
.a_free: FAIL "A not busy after the JMP back"
.gp:    FAIL "C did not see the error code"
.d:     FAIL "D did not run once"

; make_tss_desc: EAX = base, EDI = the GDT entry: a present, available
; 32-bit TSS of 104 bytes.
make_tss_desc:
        mov word [edi], 0x67
        mov [edi + 2], ax
        shr eax, 16
        mov [edi + 4], al
        mov byte [edi + 5], 0x89
        mov byte [edi + 6], 0
        mov [edi + 7], ah
        ret

; init_tss: EDI = TSS, EAX = EIP, EDX = ESP; flat segments, EFLAGS 2.
init_tss:
        mov [edi + TSS_EIP], eax
        mov dword [edi + TSS_EFL], 2
        mov [edi + TSS_ESP], edx
        mov dword [edi + TSS_SEG], SEL_DATA
        mov dword [edi + TSS_SEG + 4], SEL_CODE
        mov dword [edi + TSS_SEG + 8], SEL_DATA
        mov dword [edi + TSS_SEG + 12], SEL_DATA
        ret

; ---- task B -----------------------------------------------------------------
task_b:
        pushfd
        pop eax
        test eax, EFL_NT
        jz .no_nt
        cmp word [tss_b], SEL_A                     ; the back link
        jne .link
        str ax
        cmp ax, SEL_B
        jne .tr
        xor ebx, ebx
        xor esi, esi
        iret                                        ; NT: back to A
        ; entered again by A's JMP
        pushfd
        pop eax
        test eax, EFL_NT
        jnz .nt
        cmp byte [gdt + SEL_A + 5], 0x89            ; the JMP freed A
        jne .a_busy
        jmp SEL_A:0
        FAIL "A resumed B"
.no_nt: FAIL "NT clear in B after CALL"
.link:  FAIL "B's back link is not A"
.tr:    FAIL "TR is not B in B"
.nt:    FAIL "NT set in B after JMP"
.a_busy: FAIL "A still busy after JMP"

; ---- task C: #GP's handler ---------------------------------------------------
task_c:
        pop eax                                     ; the error code
        mov [gp_error], eax
        cmp word [tss_c], SEL_A
        jne .link
        add dword [tss_a + TSS_EIP], 2              ; past A's MOV DS
        iret
        FAIL "C entered twice"
.link:  FAIL "C's back link is not A"

; ---- task D: INT 0x40's handler ---------------------------------------------
task_d:
        cmp esp, stack_d_top                        ; nothing pushed
        jne .pushed
        cmp word [tss_d], SEL_A
        jne .link
        inc dword [d_ran]
        iret
        FAIL "D entered twice"
.pushed: FAIL "an error code on D's stack"
.link:  FAIL "D's back link is not A"

; ---- task E: a 16-bit TSS. Its code segment is based here, so only
; relative branches and flat data (DS) are used; it records what it sees
; for A to check.
task_e:
        pushfd
        pop dword [e_flags]
        str word [e_tr]
        mov [e_eax], eax
        mov [e_esp], esp
        xor ebx, ebx
        iret
.after: jmp .after                                  ; A never resumes E

        align 8, db 0
gdt:    dq 0
        dq 0x00cf9a000000ffff                       ; 0x08 code
        dq 0x00cf92000000ffff                       ; 0x10 data
        dq 0, 0, 0, 0                               ; 0x18-0x30: TSSs, built at run time
        dq 0, 0                                     ; 0x38 TSS E (16-bit), 0x40 E's code
        dq 0x000092000000ffff                       ; 0x48 data, 64 KiB, 16-bit
gdt_end:
gdt_desc:
        dw gdt_end - gdt - 1
        dd gdt
idt_desc:
        dw 0x41 * 8 - 1
        dd idt

; Zero-filled data in the image itself (the bss is the loader's stack).
        align 8, db 0
idt:            times 0x41 * 8 db 0
gp_error:       dd 0
d_ran:          dd 0
e_flags:        dd 0
e_tr:           dd 0
e_eax:          dd 0
e_esp:          dd 0
        align 128, db 0
tss_a:          times 104 db 0
        align 128, db 0
tss_b:          times 104 db 0
        align 128, db 0
tss_c:          times 104 db 0
        align 128, db 0
tss_d:          times 104 db 0
        align 64, db 0
tss_e:          times 44 db 0
        align 16, db 0
                times 1024 db 0
stack_b_top:
                times 1024 db 0
stack_c_top:
                times 1024 db 0
stack_d_top:

        GUEST_END
