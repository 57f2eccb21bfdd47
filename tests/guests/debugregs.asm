; debugregs: the debug registers and single-step across VM exits (Intel SDM
; vol. 3, chapter 18). Under a monitor, every byte this guest prints is an
; I/O exit, and CPUID and IN exit too; what the guest armed before them must
; still hold after them, and an instruction the monitor carried out must end
; as the CPU's own would.
;  1. DR7 written, a line printed (exits), DR7 read back: the same value.
;  2. An execute breakpoint (DR0) armed, a line printed, the address reached:
;     #DB (a fault) there, DR6.B0 set.
;  3. A write watchpoint (DR1, 4 bytes) armed, a line printed, the word
;     written: #DB (a trap) after the store, DR6.B1 set.
;  4. Single-step (EFLAGS.TF) over CPUID, MOV, IN from COM1, PUSHFD, AND and
;     POPFD (which clears TF): one #DB after each, at the next instruction,
;     DR6.BS set; six in all, none after the POPFD's successor.
;  5. An I/O breakpoint (CR4.DE, DR2 on port 0x80, one byte): IN from port
;     0x61 passes; OUT to 0x80 ends in a #DB trap after it, DR6.B2 set.
; Output: "debugregs: dr7 kept across exits", "debugregs: execute breakpoint
; ok", "debugregs: write watchpoint ok", "debugregs: single-step ok (6
; traps)", "debugregs: i/o breakpoint ok", "debugregs: done";
; "debugregs: FAIL check N" (exit 1) at the
; first check that fails. Plain QEMU runs it too (make guests-qemu), as the
; reference for what hardware does.
%include "common.inc"

DR7_FIXED   equ 0x400               ; bit 10 reads as 1
DR7_L0      equ 1 << 0
DR7_L1      equ 1 << 2
DR7_W1_4    equ (01b << 20) | (11b << 22)   ; DR1: data writes, 4 bytes
DR7_L2      equ 1 << 4
DR7_IO2     equ 10b << 24                   ; DR2: I/O, 1 byte (LEN2 00b)
DR6_B2      equ 1 << 2
CR4_DE      equ 1 << 3
DR6_B0      equ 1 << 0
DR6_B1      equ 1 << 1
DR6_BS      equ 1 << 14
EFL_TF      equ 1 << 8
STEPS       equ 6

main:
        call flat_setup

        ; 1. DR7 survives exits.
        mov eax, DR7_FIXED | DR7_L1 | DR7_W1_4
        mov dr7, eax
        PRINT "debugregs: dr7 written", 10
        mov eax, dr7
        and eax, 0xffff2fff         ; bits 12 (reserved) and 14-15 vary by model
        cmp eax, DR7_FIXED | DR7_L1 | DR7_W1_4
        CHECK e, 1
        xor eax, eax
        mov dr7, eax
        PRINT "debugregs: dr7 kept across exits", 10

        ; 2. An execute breakpoint armed before exits.
        mov dword [db_count], 0
        mov eax, bp_target
        mov dr0, eax
        mov eax, DR7_FIXED | DR7_L0
        mov dr7, eax
        PRINT "debugregs: execute breakpoint armed", 10
bp_target:
        nop
        cmp dword [db_count], 1
        CHECK e, 2
        test dword [db_dr6], DR6_B0
        CHECK nz, 3
        cmp dword [db_eip], bp_target
        CHECK e, 4
        PRINT "debugregs: execute breakpoint ok", 10

        ; 3. A write watchpoint armed before exits.
        mov dword [db_count], 0
        mov eax, watched
        mov dr1, eax
        mov eax, DR7_FIXED | DR7_L1 | DR7_W1_4
        mov dr7, eax
        PRINT "debugregs: write watchpoint armed", 10
        mov dword [watched], 0x1234
wp_after:
        cmp dword [db_count], 1
        CHECK e, 5
        test dword [db_dr6], DR6_B1
        CHECK nz, 6
        cmp dword [db_eip], wp_after
        CHECK e, 7
        PRINT "debugregs: write watchpoint ok", 10

        ; 4. Single-step over instructions that exit and ones that do not.
        mov dword [db_count], 0
        xor eax, eax
        mov dword [step_bs], 0
        pushfd
        or dword [esp], EFL_TF
        popfd                       ; no trap after the POPFD that sets TF
        cpuid                       ; exits
s2:     mov dx, COM1 + 5
s3:     in al, dx                   ; exits
s4:     pushfd
s5:     and dword [esp], ~EFL_TF
s6:     popfd                       ; TF was set as it began: a trap after it
s7:     nop
        cmp dword [db_count], STEPS
        CHECK e, 8
        cmp dword [step_bs], STEPS
        CHECK e, 9
        mov esi, step_eip
        mov edi, step_want
        mov ecx, STEPS
.each:  mov eax, [esi]
        cmp eax, [edi]
        CHECK e, 10
        add esi, 4
        add edi, 4
        loop .each
        PRINT "debugregs: single-step ok (", 0
        PRINT_DEC STEPS
        PRINT " traps)", 10

        ; 5. An I/O breakpoint on port 0x80.
        mov dword [db_count], 0
        mov eax, cr4
        or eax, CR4_DE
        mov cr4, eax
        mov eax, 0x80
        mov dr2, eax
        mov eax, DR7_FIXED | DR7_L2 | DR7_IO2
        mov dr7, eax
        in al, 0x61                 ; another port: no trap
        cmp dword [db_count], 0
        CHECK e, 11
        out 0x80, al
io_after:
        cmp dword [db_count], 1
        CHECK e, 12
        test dword [db_dr6], DR6_B2
        CHECK nz, 13
        cmp dword [db_eip], io_after
        CHECK e, 14
        mov eax, cr4
        and eax, ~CR4_DE
        mov cr4, eax
        PRINT "debugregs: i/o breakpoint ok", 10

        PRINT "debugregs: done", 10
        EXIT 0

fail:
        PRINT "debugregs: FAIL check ", 0
        movzx eax, al
        PRINT_DEC eax
        PRINT 10
        EXIT 1

; #DB: counts, keeps DR6 and the EIP it came at (the first STEPS of them),
; then clears DR6 (its bits are sticky) and DR7 (so a breakpoint fault does
; not fire again as its instruction restarts). TF in the saved EFLAGS is
; left as it is: single-stepping goes on until the guest clears it.
db_handler:
        pushad
        mov eax, dr6
        mov [db_dr6], eax
        mov ebx, [esp + 32]         ; the EIP pushed for the #DB
        mov [db_eip], ebx
        mov ecx, [db_count]
        cmp ecx, STEPS
        jae .kept
        mov [step_eip + ecx * 4], ebx
        test eax, DR6_BS
        jz .kept
        inc dword [step_bs]
.kept:  inc dword [db_count]
        xor eax, eax
        mov dr6, eax
        mov dr7, eax
        popad
        iret

        FLAT_SETUP

idt_table:
        dd 1, db_handler
        dd -1

unexpected:
        PRINT "debugregs: FAIL: unexpected interrupt or exception", 10
        EXIT 2

        align 4
step_want:  dd s2, s3, s4, s5, s6, s7
db_count:   dd 0
db_dr6:     dd 0
db_eip:     dd 0
step_bs:    dd 0
step_eip:   times STEPS dd 0
watched:    dd 0

        FLAT_DESCRIPTORS

        GUEST_END
