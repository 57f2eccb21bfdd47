; longmode: a 64-bit guest that lives on SWAPGS and SYSCALL/SYSRET. It
; switches to long mode with page tables of its own, enters ring 3 with
; SYSRET, and loops: user code reads its GS data, SYSCALL enters the kernel
; path, which SWAPGSes to its own GS data, reads IA32_KERNEL_GS_BASE (it must
; hold the user's base now), SWAPGSes back and SYSRETs. GS bases and the data
; behind them depend on the seed, so two of these with different seeds,
; preempted against each other, catch any syscall-MSR state the monitor
; loses or mixes up across vCPU switches (KERNEL_GS_BASE changes on SWAPGS
; without a VM exit).
; Arguments: seed=N (1-3, default 1), reports=K (exit 0 after K reports).
;  Output: "long: in 64-bit mode, seed N", "long: round R ok" every 2^16
; rounds, "long: MISMATCH <what> expected 0x<e> found 0x<f>" (exit 1).
; With cr8=1 it checks instead that CR8 is its local APIC's task priority
; (TPR bits 7:4, SDM vol. 3, 11.8.6.1) both ways, then raises it to 15 and
; spins with interrupts off and no exits, printing "long: cr8 is the
; APIC's task priority; spinning at cr8 15": the host beside it must keep
; its own interrupts (a monitor that let CR8 through would hand the guest
; the host CPU's TPR).
%include "common.inc"

SEL_KCODE       equ 0x08
SEL_KDATA       equ 0x10
SEL_SYSRET_BASE equ 0x18        ; SYSRET: SS = base + 8, CS = base + 16 (RPL 3)
USER_MAGIC      equ 0x5553455200000000
KERNEL_MAGIC    equ 0x4b524e4c00000000
REPORT_MASK     equ (1 << 16) - 1
MSR_EFER        equ 0xc0000080
MSR_STAR        equ 0xc0000081
MSR_LSTAR       equ 0xc0000082
MSR_FMASK       equ 0xc0000084
MSR_GS_BASE     equ 0xc0000101
MSR_KERNEL_GS   equ 0xc0000102
LAPIC_TPR       equ 0xfee00080

main:
        mov dword [seed], 1
        mov esi, key_seed
        call find_arg
        jnc .seeded
        mov [seed], eax
.seeded:
        mov esi, key_reports
        call find_arg
        jnc .counted
        mov [reports_left], eax
.counted:
        mov esi, key_cr8
        call find_arg
        jnc .cr8_read
        mov [cr8_mode], eax
.cr8_read:
        cmp dword [seed], 3
        jbe .ok
        PRINT "long: seed must be 1-3", 10
        EXIT 2
.ok:
        ; identity map [0, 4 MiB) with two 2 MiB pages, user-accessible
        mov dword [pml4], pdpt + 7
        mov dword [pdpt], pd + 7
        mov dword [pd], 0x87
        mov dword [pd + 8], 0x200087
        ; the local APIC's page, uncached, in the 2 MiB page at 0xfee00000
        mov dword [pdpt + 3 * 8], pd_apic + 3
        mov dword [pd_apic + 0x1f7 * 8], 0xfee0009b
        lgdt [gdt_desc]
        mov eax, cr4
        or eax, 1 << 5                  ; PAE
        mov cr4, eax
        mov eax, pml4
        mov cr3, eax
        mov ecx, MSR_EFER
        rdmsr
        or eax, (1 << 8) | 1            ; LME, SCE
        wrmsr
        mov eax, cr0
        or eax, 0x80000000              ; PG: long mode from here
        mov cr0, eax
        jmp SEL_KCODE:long_entry

bits 64
long_entry:
        mov ax, SEL_KDATA
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov rsp, _stack_top
        ; this seed's GS data: user at area + 64*seed, kernel 32 bytes on
        mov eax, [seed]
        shl rax, 6
        lea rbx, [rel gs_area]
        add rbx, rax
        mov [user_base], rbx
        lea rdx, [rbx + 32]
        mov [kernel_base], rdx
        mov rax, USER_MAGIC
        or rax, [seed]
        mov [rbx], rax
        mov [expected_user], rax
        mov rax, KERNEL_MAGIC
        or rax, [seed]
        mov [rdx], rax
        mov [expected_kernel], rax
        mov ecx, MSR_GS_BASE
        mov rax, [user_base]
        call wrmsr64
        mov ecx, MSR_KERNEL_GS
        mov rax, [kernel_base]
        call wrmsr64
        mov ecx, MSR_STAR
        mov rax, (SEL_SYSRET_BASE << 48) | (SEL_KCODE << 32)
        call wrmsr64
        mov ecx, MSR_LSTAR
        lea rax, [rel syscall_entry]
        call wrmsr64
        mov ecx, MSR_FMASK
        mov eax, 0x300                  ; IF, TF
        call wrmsr64

        lea rsi, [rel msg_in64]
        call puts64
        mov eax, [seed]
        call dec64
        mov al, 10
        call putc64
        cmp dword [rel cr8_mode], 0
        jne cr8_check

        lea rcx, [rel user_loop]
        mov r11, 0x2
        o64 sysret                      ; to ring 3

; ---- ring 3 ------------------------------------------------------------------
user_loop:
        mov rax, [gs:0]
        xor edi, edi
        cmp rax, [rel expected_user]
        je .call
        mov edi, 1                      ; tell the kernel path: user GS wrong
        mov rsi, rax
.call:  syscall
        jmp user_loop

; ---- ring 0, entered by SYSCALL (RCX = user RIP, R11 = user RFLAGS) -----------
syscall_entry:
        swapgs
        mov r12, rcx
        test edi, edi
        jnz .user_bad
        mov rax, [gs:0]
        cmp rax, [rel expected_kernel]
        jne .kernel_bad
        ; after SWAPGS the MSR holds the user's base (read through RDMSR, which
        ; exits: every 64th round, so the loop mostly runs without exits)
        test r15, 63
        jnz .msr_done
        mov ecx, MSR_KERNEL_GS
        rdmsr
        shl rdx, 32
        or rax, rdx
        cmp rax, [rel user_base]
        jne .msr_bad
.msr_done:
        swapgs
        inc r15
        test r15, REPORT_MASK
        jnz .back
        call report
.back:  mov rcx, r12
        o64 sysret

.user_bad:
        lea rdi, [rel what_user]
        mov rdx, [rel expected_user]
        jmp mismatch
.kernel_bad:
        mov rsi, rax
        lea rdi, [rel what_kernel]
        mov rdx, [rel expected_kernel]
        jmp mismatch
.msr_bad:
        mov rsi, rax
        lea rdi, [rel what_msr]
        mov rdx, [rel user_base]
        jmp mismatch

;---- cr8=1: CR8 against the TPR in the APIC page --------------------------------
cr8_check:
        mov rbx, LAPIC_TPR
        mov eax, 15
        mov cr8, rax
        lea rdi, [rel what_tpr_of_cr8]
        mov esi, [rbx]
        mov edx, 0xf0
        cmp rsi, rdx
        jne mismatch
        mov dword [rbx], 0x25           ; TPR 2.5: CR8 reads the class, 2
        mov rsi, cr8
        lea rdi, [rel what_cr8_of_tpr]
        mov edx, 2
        cmp rsi, rdx
        jne mismatch
        mov eax, 9
        mov cr8, rax                    ; a write clears TPR[3:0]
        lea rdi, [rel what_tpr_of_cr8]
        mov esi, [rbx]
        mov edx, 0x90
        cmp rsi, rdx
        jne mismatch
        mov eax, 15
        mov cr8, rax
        mov rsi, cr8
        lea rdi, [rel what_cr8]
        mov edx, 15
        cmp rsi, rdx
        jne mismatch
        lea rsi, [rel msg_cr8]
        call puts64
.spin:  pause
        jmp .spin

; report: "long: round R ok"; exits 0 after the asked number of reports.
report:
        push rsi
        lea rsi, [rel msg_round]
        call puts64
        mov rax, r15
        call dec64
        lea rsi, [rel msg_ok]
        call puts64
        pop rsi
        cmp dword [rel reports_left], 0
        je .more
        dec dword [rel reports_left]
        jnz .more
        mov al, 0
        out EXIT_PORT, al
.more:  ret

; mismatch: RDI = what, RDX = expected, RSI = found.
mismatch:
        push rsi
        push rdx
        push rdi
        lea rsi, [rel msg_mismatch]
        call puts64
        pop rsi
        call puts64
        lea rsi, [rel msg_expected]
        call puts64
        pop rax
        call hex64
        lea rsi, [rel msg_found]
        call puts64
        pop rax
        call hex64
        mov al, 10
        call putc64
        mov al, 1
        out EXIT_PORT, al
.stop:  hlt
        jmp .stop

; ---- 64-bit helpers ---------------------------------------------------------------
wrmsr64:                                ; ECX = MSR, RAX = value
        mov rdx, rax
        shr rdx, 32
        wrmsr
        ret

%include "serial64.inc"

; ---- data ----------------------------------------------------------------------------
key_seed:       db "seed=", 0
key_reports:    db "reports=", 0
key_cr8:        db "cr8=", 0
msg_cr8:        db "long: cr8 is the APIC's task priority; spinning at cr8 15", 10, 0
what_tpr_of_cr8: db "APIC TPR after MOV to CR8", 0
what_cr8_of_tpr: db "CR8 after a TPR write", 0
what_cr8:       db "CR8", 0
msg_in64:       db "long: in 64-bit mode, seed ", 0
msg_round:      db "long: round ", 0
msg_ok:         db " ok", 10, 0
msg_mismatch:   db "long: MISMATCH ", 0
msg_expected:   db " expected ", 0
msg_found:      db " found ", 0
what_user:      db "user GS data", 0
what_kernel:    db "kernel GS data after SWAPGS", 0
what_msr:       db "IA32_KERNEL_GS_BASE after SWAPGS", 0

        align 8, db 0
gdt:    dq 0
        dq 0x00af9a000000ffff           ; 0x08: 64-bit kernel code
        dq 0x00cf92000000ffff           ; 0x10: kernel data
        dq 0x00cffa000000ffff           ; 0x18: 32-bit user code (SYSRET base)
        dq 0x00cff2000000ffff           ; 0x20: user data
        dq 0x00affa000000ffff           ; 0x28: 64-bit user code
gdt_desc:
        dw gdt_desc - gdt - 1
        dd gdt
seed:           dq 0
reports_left:   dd 0
cr8_mode:       dd 0
        align 8, db 0
user_base:      dq 0
kernel_base:    dq 0
expected_user:  dq 0
expected_kernel: dq 0
gs_area:        times 64 * 4 db 0
        align 4096, db 0
pml4:           times 512 dq 0
pdpt:           times 512 dq 0
pd:             times 512 dq 0
pd_apic:        times 512 dq 0

        GUEST_END
