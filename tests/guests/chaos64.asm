; chaos64: chaos.asm's random code in 64-bit mode. The same episodes (a user
; page of random instructions run with random registers until an event ends
; them, the local APIC timer as the watchdog), with what long mode adds for
; the monitor to get right:
;  - device accesses with REX prefixes (8-byte loads and stores, SPL-DIL,
;    R8-R15, a base in R11), the 67 prefix (32-bit addresses), and
;    RIP-relative ones (the displacement counted from the end of the whole
;    instruction, immediate included), to the I/O APIC, HPET and local APIC
;    pages mapped beside the code;
;  - SYSCALL (to a kernel entry that ends the episode), SWAPGS, SYSRET;
;  - at CPL 0 (`ring=0`), one random bit of CR0, CR4, CR8, EFER, the APIC
;    base or another MSR flipped: the monitor must refuse what long mode
;    forbids (clearing CR4.PAE, CR0.PG or EFER.LME, reserved bits, x2APIC
;    back to xAPIC) with the #GP a CPU gives, and take what it allows;
;    MOV CR8, INVPCID, x2APIC MSRs.
; Events go through interrupt stacks (IST): #DF, NMI and #DB have their own,
; so a stack the random code wrecked, or a breakpoint it armed on the
; guest's data, is survived.
;
;   seed=N       the random sequence (default 1)
;   episodes=N   how many (default 20000)
;   trace=1      print each episode's number and first code bytes before
;                it runs (to find what ended a run)
;   ring=0       the random code at CPL 0; each episode first puts back
;                CR0, CR3, CR4, CR8, IA32_MISC_ENABLE, EFER, the APIC
;                (x2APIC off), the syscall and segment-base MSRs, PAT, DR7,
;                A20, the GDT, TSS and IDT, and arms the NMI watchdog (the
;                PIT through the I/O APIC). A run may end early (a triple fault, a reset, a
;                hang): what is tested is the host.
;
; Output as chaos.asm's: "chaos: seed S, N episodes at CPL R in 64-bit
; mode", progress lines, "chaos: PASS N episodes, ended by V:C ..." (vector
; 256 is SYSCALL) or "chaos: FAIL ...".
%include "common.inc"
%include "chaos.inc"

SEL_KCODE       equ 0x08            ; 64-bit
SEL_KDATA       equ 0x10
SEL_SYSRET      equ 0x18            ; SYSRET: SS = 0x20, CS = 0x28 (RPL 3)
SEL_UDATA       equ 0x20 | 3
SEL_UCODE       equ 0x28 | 3        ; 64-bit
SEL_TSS         equ 0x30            ; 16 bytes

USER_CODE       equ 0x00400000      ; linear addresses (pd[2] maps them)
USER_DATA       equ 0x00401000
USER_DATA2      equ 0x00402000
IOAPIC          equ 0x00404000      ; the devices' pages, beside the code so
HPET            equ 0x00405000      ; that RIP-relative accesses reach them
LAPIC           equ 0x00406000
KIOAPIC         equ 0x00408000      ; the same, supervisor pages: the guest's
KHPET           equ 0x00409000      ; own accesses (a user page would be a
KLAPIC          equ 0x0040a000      ; #PF once the random code set CR4.SMAP)
IOAPIC_PHYS     equ 0xfec00000
HPET_PHYS       equ 0xfed00000
LAPIC_PHYS      equ 0xfee00000

PTE_P           equ 1
PTE_RW          equ 2
PTE_US          equ 4
PTE_MMIO        equ 8 | 16          ; PWT, PCD
PTE_XD_HIGH     equ 1 << 31         ; bit 63, in the entry's upper dword

SYSCALL_SLOT    equ 256             ; `ended` counts SYSCALL here

INSN_MAX        equ 15
MSR_APIC_BASE   equ 0x1b
MSR_PAT         equ 0x277
MSR_MISC_ENABLE equ 0x1a0
MSR_EFER        equ 0xc0000080
MSR_STAR        equ 0xc0000081
MSR_LSTAR       equ 0xc0000082
MSR_FMASK       equ 0xc0000084
MSR_FS_BASE     equ 0xc0000100
MSR_GS_BASE     equ 0xc0000101
MSR_KERNEL_GS   equ 0xc0000102
EFER_GUEST      equ (1 << 11) | (1 << 10) | (1 << 8) | 1 ; NXE, LMA, LME, SCE
CR0_GUEST3      equ (1 << 31) | (1 << 5) | (1 << 4) | (1 << 1) | 1     ; PG NE ET MP PE
CR0_GUEST0      equ CR0_GUEST3 | (1 << 16)                              ; and WP
CR4_GUEST       equ (1 << 5) | (1 << 9) | (1 << 10)     ; PAE, OSFXSR, OSXMMEXCPT
PAT_DEFAULT     equ 0x0007040600070406
FMASK           equ 0x47700         ; TF IF DF IOPL NT AC cleared by SYSCALL

; ---- 32-bit start: arguments, tables, long mode ----------------------------
main:
        call chaos_args
        mov ecx, MSR_MISC_ENABLE        ; as the board left it, for restore_state
        rdmsr
        mov [misc_enable], eax
        mov [misc_enable + 4], edx
        call close_ports                ; the I/O bitmap: only CPL 3 reads it, and
                                        ; CPL-3 code cannot write it
        call build_idt                  ; before paging makes its page read-only
        call build_paging
        lgdt [gdtr_boot]
        mov eax, CR4_GUEST
        mov cr4, eax
        mov eax, pml4
        mov cr3, eax
        mov ecx, MSR_EFER
        mov eax, EFER_GUEST & ~(1 << 10) ; LMA is the CPU's to set
        xor edx, edx
        wrmsr
        mov eax, CR0_GUEST3
        cmp dword [ring], 0
        jne .cr0
        mov eax, CR0_GUEST0
.cr0:   mov cr0, eax
        jmp SEL_KCODE:long_entry

; build_idt: 256 gates of 16 bytes to the stubs; #DF, NMI and #DB each on an
; interrupt stack of their own, the rest on IST 1; INT3, INTO and INT 0x80
; open to CPL 3.
build_idt:
        mov edi, idt
        mov ebx, stubs
        xor ecx, ecx
.gate:  mov [edi], bx
        mov word [edi + 2], SEL_KCODE
        mov eax, ebx
        shr eax, 16
        mov [edi + 6], ax
        mov byte [edi + 4], 1           ; IST 1
        cmp ecx, 8
        jne .nmi
        mov byte [edi + 4], 2
.nmi:   cmp ecx, 2
        jne .db
        mov byte [edi + 4], 3
.db:    cmp ecx, 1
        jne .type
        mov byte [edi + 4], 4
.type:  mov byte [edi + 5], 0x8e
        cmp ecx, 3
        je .user
        cmp ecx, 4
        je .user
        cmp ecx, 0x80
        jne .next
.user:  mov byte [edi + 5], 0xee
.next:  add edi, 16
        add ebx, STUB_SIZE
        inc ecx
        cmp ecx, 256
        jb .gate
        ret

; Page tables (4-level): [0, 2 MiB) identity-mapped for the guest
; (supervisor; at ring=0 the first MiB unmapped and the code, constants,
; page tables and IDT read-only under CR0.WP), and at 4 MiB the three user
; pages, the device pages for the random code (the local APIC's read-only
; at CPL 3, so the watchdog stays the guest's) and the same device pages
; again as supervisor pages for the guest's own accesses.
%macro ENTRY 4
        mov eax, %3
        or eax, %4
        mov [%1 + (%2) * 8], eax
%endmacro
build_paging:
        mov edi, page_tables
        xor eax, eax
        mov ecx, 5 * 4096 / 4
        rep stosd
        mov edi, pt_low
        mov eax, PTE_P | PTE_RW
        mov ecx, 512
.low:   mov [edi], eax
        add edi, 8
        add eax, 4096
        loop .low
        cmp dword [ring], 0
        jne .user
        mov edi, pt_low
        mov ecx, 256 * 2
        xor eax, eax
        rep stosd
        mov edi, pt_low + (0x100000 >> 12) * 8
        mov ecx, (writable - _mb_header) >> 12      ; the image starts at 1 MiB
.ro:    and dword [edi], ~PTE_RW
        add edi, 8
        loop .ro
        mov edi, page_tables
        mov ecx, 6                      ; the five tables and the IDT after them
.rot:   mov eax, edi
        shr eax, 12
        and dword [pt_low + eax * 8], ~PTE_RW
        add edi, 4096
        loop .rot
.user:
        ENTRY pt_user, 0, user_code, PTE_P | PTE_RW | PTE_US
        ENTRY pt_user, 1, user_data, PTE_P | PTE_RW | PTE_US
        ENTRY pt_user, 2, user_data2, PTE_P | PTE_RW | PTE_US
        ENTRY pt_user, 4, IOAPIC_PHYS, PTE_P | PTE_RW | PTE_US | PTE_MMIO
        ENTRY pt_user, 5, HPET_PHYS, PTE_P | PTE_RW | PTE_US | PTE_MMIO
        ENTRY pt_user, 6, LAPIC_PHYS, PTE_P | PTE_US | PTE_MMIO
        ; the device pages not executable, as an OS maps them: random jumps
        ; there take a #PF rather than fetch from a device
        or dword [pt_user + 4 * 8 + 4], PTE_XD_HIGH
        or dword [pt_user + 5 * 8 + 4], PTE_XD_HIGH
        or dword [pt_user + 6 * 8 + 4], PTE_XD_HIGH
        ENTRY pt_user, 8, IOAPIC_PHYS, PTE_P | PTE_RW | PTE_MMIO
        ENTRY pt_user, 9, HPET_PHYS, PTE_P | PTE_RW | PTE_MMIO
        ENTRY pt_user, 10, LAPIC_PHYS, PTE_P | PTE_RW | PTE_MMIO
        or dword [pt_user + 8 * 8 + 4], PTE_XD_HIGH
        or dword [pt_user + 9 * 8 + 4], PTE_XD_HIGH
        or dword [pt_user + 10 * 8 + 4], PTE_XD_HIGH
        cmp dword [ring], 0
        jne .tables
        or dword [pt_user + 6 * 8], PTE_RW      ; ring=0: the random code's to write too
.tables:
        ENTRY pd, 0, pt_low, PTE_P | PTE_RW | PTE_US
        ENTRY pd, 2, pt_user, PTE_P | PTE_RW | PTE_US
        ENTRY pdpt, 0, pd, PTE_P | PTE_RW | PTE_US
        ENTRY pml4, 0, pdpt, PTE_P | PTE_RW | PTE_US
        ret

; ---- 64-bit ----------------------------------------------------------------
bits 64
default rel

%include "serial64.inc"

long_entry:
        mov ax, SEL_KDATA
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov rsp, _stack_top
        mov al, 0xff                    ; the 8259s masked: the BIOS tick's vector
        out 0x21, al                    ; (8) would look like a #DF
        out 0xa1, al
        PRINT64 "chaos: seed "
        PRINT_DEC64 [seed]
        PRINT64 ", "
        PRINT_DEC64 [episodes]
        PRINT64 " episodes at CPL "
        PRINT_DEC64 [ring]
        PRINT64 " in 64-bit mode", 10
        call build_gdt_tss
        lidt [idtr]
        call syscall_msrs
        call start_watchdog
        jmp episode

; episode: the next one, or the verdict. Entered with any stack.
episode:
        cli
        mov rsp, _stack_top
        cld
        xor eax, eax
        mov dr7, rax
        mov eax, [done]
        cmp eax, [episodes]
        jae verdict
        mov edx, PROGRESS_MASK
        cmp dword [ring], 0
        jne .mask
        mov edx, PROGRESS_MASK_RING0
.mask:  test eax, edx
        jnz .quiet
        test eax, eax
        jz .quiet
        PRINT64 "chaos: "
        PRINT_DEC64 eax
        PRINT64 " episodes", 10
.quiet:
        cmp dword [ring], 0
        jne .calm
        call restore_state              ; first: the device pages need EFER.NXE
.calm:  cmp dword [calm], 0             ; then what an interrupt left set up undone
        je .arm
        call calm_devices
.arm:   cmp dword [ring], 0             ; and the watchdogs armed (calming masks pin 2)
        jne .fill
        call start_watchdog
        call arm_nmi_watchdog
.fill:
        call fill_code
        call random_registers
        cmp dword [trace], 0
        je .run
        call trace_episode
.run:   mov dword [ticks], 0
        mov dword [in_user], 1
        cmp dword [ring], 0
        je .ring0
        push SEL_UDATA
        push USER_DATA + 0xf00
        push 0x202
        push SEL_UCODE
        push USER_CODE
        mov ax, SEL_UDATA
        mov ds, ax
        mov es, ax
        jmp .regs
.ring0: push SEL_KDATA
        push USER_DATA + 0xf00
        push 0x202
        push SEL_KCODE
        push USER_CODE
.regs:  mov rax, [regs + 0 * 8]
        mov rbx, [regs + 1 * 8]
        mov rcx, [regs + 2 * 8]
        mov rdx, [regs + 3 * 8]
        mov rsi, [regs + 4 * 8]
        mov rdi, [regs + 5 * 8]
        mov rbp, [regs + 6 * 8]
        mov r8, [regs + 7 * 8]
        mov r9, [regs + 8 * 8]
        mov r10, [regs + 9 * 8]
        mov r11, [regs + 10 * 8]
        mov r12, [regs + 11 * 8]
        mov r13, [regs + 12 * 8]
        mov r14, [regs + 13 * 8]
        mov r15, [regs + 14 * 8]
        iretq

; to_episode: the next episode through an IRET, which lets NMIs in again (an
; NMI, or a fault in its delivery, ended this one). At ring=0 the GDT and
; IDT are put back first: the random code may have loaded its own (LGDT,
; LIDT), and the IRET reads the GDT.
to_episode:
        mov rsp, _stack_top
        cld
        cmp dword [ring], 0
        jne .iret
        call build_gdt_tss
        lidt [idtr]
.iret:  push SEL_KDATA
        push _stack_top
        push 2
        push SEL_KCODE
        push episode
        iretq

; syscall_entry: SYSCALL from the random code (any CPL) ends the episode.
syscall_entry:
        cld                             ; (FMASK clears DF too)
        cmp dword [in_user], 0
        je .kernel
        mov dword [in_user], 0
        inc dword [ended + SYSCALL_SLOT * 4]
        inc dword [done]
        jmp to_episode
.kernel:
        PRINT64 "chaos: FAIL SYSCALL in the guest's own code", 10
        EXIT 1

; restore_state (ring=0): what the random code may have changed, put back.
restore_state:
        lea rax, [pml4]
        mov cr3, rax
        mov eax, CR4_GUEST
        mov cr4, rax
        mov eax, CR0_GUEST0
        mov cr0, rax
        xor eax, eax
        mov cr8, rax
        ; IA32_MISC_ENABLE before EFER: its bit 34 (XD disable), which the
        ; random code may have set, makes EFER.NXE a reserved bit
        mov ecx, MSR_MISC_ENABLE
        mov eax, [misc_enable]
        mov edx, [misc_enable + 4]
        wrmsr
        mov ecx, MSR_EFER
        mov eax, EFER_GUEST
        xor edx, edx
        wrmsr
        ; the APIC back at its base in xAPIC mode: from x2APIC (or a base
        ; moved) through disabled, the one way a CPU allows
        mov ecx, MSR_APIC_BASE
        rdmsr
        cmp eax, LAPIC_PHYS | (1 << 11) | (1 << 8)
        jne .apic
        test edx, edx
        jz .apic_ok
.apic:  mov eax, LAPIC_PHYS | (1 << 8)
        xor edx, edx
        wrmsr
        mov eax, LAPIC_PHYS | (1 << 11) | (1 << 8)
        wrmsr
.apic_ok:
        xor eax, eax
        xor edx, edx
        mov ecx, MSR_FS_BASE
        wrmsr
        mov ecx, MSR_GS_BASE
        wrmsr
        mov ecx, MSR_KERNEL_GS
        wrmsr
        mov ecx, MSR_PAT
        mov rax, PAT_DEFAULT
        mov rdx, rax
        shr rdx, 32
        wrmsr
        call syscall_msrs
        xor eax, eax
        mov dr7, rax
        in al, 0x92                     ; A20 on again (and no fast reset)
        and al, ~1
        or al, 2
        out 0x92, al
        call build_gdt_tss
        lidt [idtr]
        fninit
        ret

; syscall_msrs: STAR, LSTAR and FMASK for SYSCALL to syscall_entry.
syscall_msrs:
        mov ecx, MSR_STAR
        xor eax, eax
        mov edx, (SEL_SYSRET << 16) | SEL_KCODE
        wrmsr
        mov ecx, MSR_LSTAR
        lea rax, [syscall_entry]
        xor edx, edx
        wrmsr
        mov ecx, MSR_FMASK
        mov eax, FMASK
        wrmsr
        ret

; arm_nmi_watchdog (ring=0): the PIT every 10 ms, its I/O APIC pin (2)
; delivering an NMI to the BSP; the 8259s masked.
arm_nmi_watchdog:
        mov al, 0xff
        out 0x21, al
        out 0xa1, al
        mov dword [abs KIOAPIC], 0x10 + 2 * 2 + 1
        mov dword [abs KIOAPIC + 0x10], 0
        mov dword [abs KIOAPIC], 0x10 + 2 * 2
        mov dword [abs KIOAPIC + 0x10], 4 << 8           ; NMI, edge, unmasked
        mov al, 0x34
        out 0x43, al
        mov al, PIT_COUNT & 0xff
        out 0x40, al
        mov al, PIT_COUNT >> 8
        out 0x40, al
        ret

start_watchdog:
        mov dword [abs KLAPIC + LAPIC_TPR], 0
        mov dword [abs KLAPIC + LAPIC_SVR], 0x100 | SPURIOUS_VECTOR
        mov dword [abs KLAPIC + LAPIC_TIMER_DCR], 0xb
        mov dword [abs KLAPIC + LAPIC_LVT_TIMER], (1 << 17) | WATCHDOG_VECTOR
        mov dword [abs KLAPIC + LAPIC_TIMER_ICR], WATCHDOG_COUNT
        ret

calm_devices:
        xor ecx, ecx
.pin:   lea eax, [0x10 + rcx * 2]
        mov [abs KIOAPIC], eax
        mov dword [abs KIOAPIC + 0x10], 0x10000
        inc ecx
        cmp ecx, IOAPIC_PINS
        jb .pin
        mov dword [abs KHPET + 0x10], 0
        mov dword [calm], 0
        ret

verdict:
        PRINT64 "chaos: PASS "
        PRINT_DEC64 [done]
        PRINT64 " episodes, ended by"
        xor ecx, ecx
        lea rbx, [ended]
.vec:   mov eax, [rbx + rcx * 4]
        test eax, eax
        jz .next
        PRINT64 " "
        PRINT_DEC64 ecx
        PRINT64 ":"
        PRINT_DEC64 eax
.next:  inc ecx
        cmp ecx, SYSCALL_SLOT
        jbe .vec
        PRINT64 ", NMIs "
        PRINT_DEC64 [nmis]
        PRINT64 10
        EXIT 0

; ---- the random code -------------------------------------------------------
; fill_code: CODE_BYTES of random instructions at the user code page (written
; through the identity map). Half random bytes, a quarter forms that exit, a
; quarter device accesses (by a register, or RIP-relative) or, at ring=0,
; a bit of a control register or an MSR flipped, or an IPI.
fill_code:
        lea rdi, [user_code]
        lea rbx, [rdi + CODE_BYTES]
.slot:  cmp rdi, rbx
        jae .done
        call random
        test al, 1
        jz .raw
        test al, 2
        jz .form
        shr eax, 2
        and eax, 7
        cmp eax, 4
        jb .mmio
        cmp eax, 6
        jb .rip
        cmp dword [ring], 0
        jne .mmio
        call random
        xor edx, edx
        mov ecx, 3
        div ecx
        test edx, edx
        jz .cr
        cmp edx, 1
        je .msr
        call ipi
        jmp .slot
.msr:   call msr_flip
        jmp .slot
.cr:    call cr_flip
        jmp .slot
.rip:   call rip_access
        jmp .slot
.mmio:  call mmio_access
        jmp .slot
.form:  shr eax, 2
        xor edx, edx
        mov ecx, FORMS
        div ecx
        lea rsi, [forms]
        mov esi, [rsi + rdx * 4]
        movzx ecx, byte [rsi]
        inc rsi
        rep movsb
        call random
        stosb
        movzx ecx, byte [rsi]
        inc rsi
        rep movsb
        jmp .slot
.raw:   shr eax, 1
        and eax, 3
        lea ecx, [rax + 1]
.byte:  call random
        stosb
        loop .byte
        jmp .slot
.done:  ret

; nops: INSN_MAX - 1 NOPs at RDI. An instruction the random bytes began
; before them ends in them, so what follows is decoded as written.
nops:
        mov al, 0x90
        mov ecx, INSN_MAX - 1
        rep stosb
        ret

; device_address: EAX = a random dword register of the I/O APIC (IOREGSEL,
; IOWIN), the HPET or the local APIC, at its page beside the code.
device_address:
        call random
        mov edx, eax
        shr edx, 2
        and eax, 3
        jnz .hpet
        and edx, 0x1c
        lea eax, [rdx + IOAPIC]
        ret
.hpet:  and edx, 0x3fc
        cmp eax, 1
        jne .lapic
        lea eax, [rdx + HPET]
        ret
.lapic: lea eax, [rdx + LAPIC]
        ret

; pick: RSI = a random entry of the table at RSI of ECX dword pointers.
pick:
        push rdx
        push rsi
        call random
        xor edx, edx
        div ecx
        pop rsi
        mov esi, [rsi + rdx * 4]
        pop rdx
        ret

; mmio_access: an instruction that loads a device register's address into a
; register (RBX, RSI, RDI or R11), one access through it, and the same
; register pointed back at the second user page. Advances RDI.
mmio_access:
        call nops
        lea rsi, [accesses]
        mov ecx, ACCESSES
        call pick
        movzx ecx, byte [rsi]           ; the register load's opcode bytes
        inc rsi
        mov r8, rsi
        mov r9, rcx
        rep movsb
        call device_address
        stosd
        movzx ecx, byte [rsi]           ; the access: fixed bytes, then random ones
        movzx edx, byte [rsi + 1]
        add rsi, 2
        rep movsb
        mov ecx, edx
        jrcxz .back
.imm:   call random
        stosb
        loop .imm
.back:  mov rsi, r8                     ; the same register, back at a user page
        mov rcx, r9
        rep movsb
        mov eax, USER_DATA2
        stosd
        ret

; rip_access: a RIP-relative access to a device register: the opcode bytes
; (ModRM mod 0, r/m 5), the displacement, random immediate bytes; the
; displacement counted from the end of the instruction.
rip_access:
        call nops
        lea rsi, [rip_accesses]
        mov ecx, RIP_ACCESSES
        call pick
        movzx ecx, byte [rsi]
        movzx edx, byte [rsi + 1]
        add rsi, 2
        rep movsb
        mov r8, rdi                     ; the displacement's place
        add rdi, 4
        mov ecx, edx
        jrcxz .disp
.imm:   call random
        stosb
        loop .imm
.disp:  call device_address
        lea rdx, [user_code]
        mov rcx, rdi                    ; the next instruction, as the code runs it
        sub rcx, rdx
        add ecx, USER_CODE
        sub eax, ecx
        mov [r8], eax
        ret

; cr_flip (ring=0): MOV from CR0, CR4 or CR8, one random bit of it flipped
; (BTC RAX, imm8: bits 0-63), MOV back.
cr_flip:
        call random
        mov edx, eax
        shr edx, 8
        and eax, 3
        lea rsi, [crs]
        lea rsi, [rsi + rax * 4]
        movzx ecx, byte [rsi]           ; a prefix (CR8: REX.R), or none
        jrcxz .mov
        mov al, 0x44
        stosb
.mov:   mov al, 0x0f
        stosb
        mov al, 0x20
        stosb
        mov al, [rsi + 1]               ; ModRM: the CR, RAX
        stosb
        mov eax, 0xf8ba0f48             ; BTC RAX, imm8
        stosd
        mov al, dl
        stosb
        movzx ecx, byte [rsi]
        jrcxz .back
        mov al, 0x44
        stosb
.back:  mov al, 0x0f
        stosb
        mov al, 0x22
        stosb
        mov al, [rsi + 1]
        stosb
        ret

; ipi (ring=0): an interprocessor interrupt of random contents, written to
; the local APIC's ICR (high dword, then low) by RIP-relative stores: any
; delivery mode (fixed, lowest priority, SMI, NMI, INIT, SIPI with a
; random vector, ExtINT), shorthand, destination mode and level; the
; destination APIC 0-3 or all (0xff) as often as not, else random. A VM
; of several vCPUs has its siblings started, reset and interrupted by it.
ipi:
        call nops
        call random
        mov edx, eax
        test eax, 1 << 8
        jnz .dest
        and edx, 0x3 << 24
        test eax, 1 << 9
        jz .dest
        or edx, 0xff << 24
.dest:  mov eax, LAPIC + 0x310
        call rip_store_imm
        call random
        mov edx, eax
        ; an INIT reaching the BSP resets the VM (the run starts over): all
        ; but one INIT in eight go to all excluding self
        mov ecx, edx
        and ecx, 7 << 8
        cmp ecx, 5 << 8
        jne .low
        test edx, 7 << 20
        jz .low
        or edx, 3 << 18
.low:   mov eax, LAPIC + 0x300
        ; (falls through)
; rip_store_imm: at RDI, MOV DWORD [RIP + disp32], imm32 storing EDX at the
; linear address EAX.
rip_store_imm:
        mov word [rdi], 0x05c7
        add rdi, 10
        mov [rdi - 4], edx
        lea rdx, [user_code]
        mov rcx, rdi
        sub rcx, rdx
        add ecx, USER_CODE
        sub eax, ecx
        mov [rdi - 8], eax
        ret

; msr_flip (ring=0): RDMSR of an MSR worth trying, one random bit of EAX or
; EDX flipped, WRMSR.
msr_flip:
        mov al, 0xb9                    ; MOV ECX, imm32
        stosb
        call random_msr
        stosd
        mov ax, 0x320f                  ; RDMSR
        stosw
        mov ax, 0xba0f                  ; BTC EAX or EDX, imm8
        stosw
        call random
        mov dl, 0xf8
        test al, 1
        jz .low
        mov dl, 0xfa
.low:   mov [rdi], dl
        mov [rdi + 1], ah
        add rdi, 2
        mov ax, 0x300f                  ; WRMSR
        stosw
        ret

; random_msr: EAX = an MSR from the list, at random. Clobbers RCX, RDX, RSI.
random_msr:
        call random
        shr eax, 8
        xor edx, edx
        mov ecx, MSRS
        div ecx
        lea rsi, [msrs]
        mov eax, [rsi + rdx * 4]
        ret

; random_registers: RAX-R15 for the episode: random (the upper half zero
; half the time), pointers into the user pages half the time, RAX a CPUID
; leaf, RCX a count or (ring=0) an MSR, RDX a port.
random_registers:
        lea rdi, [regs]
        mov ecx, 15
.reg:   call random
        mov edx, eax
        call random
        test al, 1
        jz .low
        shl rax, 32
        or rdx, rax
.low:   mov [rdi], rdx
        add rdi, 8
        loop .reg
        call random
        test al, 1
        jz .rax
        shr eax, 8
        and eax, 0x1f
        mov [regs + 0 * 8], rax
.rax:   lea rdi, [regs + 1 * 8]         ; RBX
        call pointer
        lea rdi, [regs + 4 * 8]         ; RSI
        call pointer
        lea rdi, [regs + 5 * 8]         ; RDI
        call pointer
        lea rdi, [regs + 6 * 8]         ; RBP
        call pointer
        lea rdi, [regs + 10 * 8]        ; R11
        call pointer
        call random
        test al, 1
        jz .rcx
        shr eax, 8
        and eax, 0x3f
        mov [regs + 2 * 8], rax
.rcx:   cmp dword [ring], 0
        jne .port
        call random
        test al, 3
        jnz .port
        call random_msr                 ; a quarter of the time at ring=0
        mov [regs + 2 * 8], rax
.port:  call random
        test al, 1
        jz .done
        shr eax, 8
        xor edx, edx
        mov ecx, PORTS
        div ecx
        lea rsi, [ports]
        movzx eax, word [rsi + rdx * 2]
        mov [regs + 3 * 8], rax
.done:  ret

pointer:
        call random
        test al, 1
        jz .keep
        mov edx, eax
        shr edx, 8
        and edx, 0xffc
        shr eax, 1
        and eax, 3
        lea rsi, [pages]
        mov eax, [rsi + rax * 4]
        add eax, edx
        mov [rdi], rax
.keep:  ret

; random: EAX = the next xorshift32 output. Preserves other registers.
random:
        push rdx
        mov eax, [rng]
        call xorshift32                 ; the same bytes in 64-bit mode
        mov [rng], eax
        pop rdx
        ret

; ---- events ----------------------------------------------------------------
; Every vector enters `event` with its number pushed, on its interrupt stack.
; From the random code any event but the watchdog's first tick ends the
; episode; in the guest's own code an NMI is counted and a breakpoint the
; random code armed is disarmed.
event:
        cld                             ; events leave DF as the random code set it
        push rax
        cmp dword [ring], 0
        jne .nx
        call nx_on
.nx:    mov eax, [rsp + 8]              ; the vector
        cmp dword [in_user], 0
        je .kernel
        mov dword [in_user], 0
        cmp eax, 32
        jb .ended
        mov dword [abs KLAPIC + LAPIC_EOI], 0
        cmp eax, WATCHDOG_VECTOR
        jne .irq
        inc dword [ticks]
        cmp dword [ticks], 2            ; the first tick may come at once
        jb .resume
        jmp .ended
.irq:   mov dword [calm], 1
.ended: lea rdx, [ended]
        inc dword [rdx + rax * 4]
        inc dword [done]
        jmp to_episode
.resume:
        mov dword [in_user], 1
.back:  pop rax
        add rsp, 8
        iretq
.kernel:
        cmp eax, 2
        je .nmi
        cmp eax, 1
        je .debug
        cmp eax, SPURIOUS_VECTOR
        je .back
        PRINT64 "chaos: FAIL vector "
        PRINT_DEC64 eax
        PRINT64 " in the guest's own code, episode "
        PRINT_DEC64 [done]
        PRINT64 "; the frame "
        mov rax, [rsp + 16]             ; the error code or RIP
        call hex64
        PRINT64 " "
        mov rax, [rsp + 24]             ; RIP or CS
        call hex64
        PRINT64 "; CR0 "
        mov rax, cr0
        call hex64
        PRINT64 " CR4 "
        mov rax, cr4
        call hex64
        PRINT64 " EFER "
        mov ecx, MSR_EFER
        rdmsr
        shl rdx, 32
        or rax, rdx
        call hex64
        PRINT64 10
        EXIT 1
.nmi:   inc dword [nmis]
        jmp .back
.debug: xor eax, eax
        mov dr7, rax
        mov dr6, rax
        jmp .back

; nx_on (ring=0): IA32_MISC_ENABLE as the board left it and EFER.NXE set
; again before the event path touches the device pages: with NXE clear, the
; XD bit of their entries is reserved and the access a #PF. Preserves
; registers.
nx_on:
        push rax
        push rcx
        push rdx
        mov ecx, MSR_MISC_ENABLE
        mov eax, [misc_enable]
        mov edx, [misc_enable + 4]
        wrmsr
        mov ecx, MSR_EFER
        rdmsr
        bts eax, 11
        wrmsr
        pop rdx
        pop rcx
        pop rax
        ret

; build_gdt_tss: the GDT from its pristine copy, the TSS's stacks (the I/O
; bitmap is close_ports'), then GDTR, the data segments and TR. Again at each ring=0
; episode: stray stores may have hit them.
build_gdt_tss:
        lea rsi, [gdt_pristine]
        lea rdi, [gdt]
        mov ecx, (gdt_end - gdt) / 8
        rep movsq
        lea rax, [tss]
        mov [gdt_tss + 2], ax
        shr rax, 16
        mov [gdt_tss + 4], al
        mov [gdt_tss + 7], ah
        lea rax, [_stack_top]
        mov [tss + 4], rax              ; RSP0
        lea rax, [ist1_top]
        mov [tss + 36], rax
        lea rax, [ist2_top]
        mov [tss + 44], rax
        lea rax, [ist3_top]
        mov [tss + 52], rax
        lea rax, [ist4_top]
        mov [tss + 60], rax
        mov word [tss + 102], iomap - tss       ; (filled once, by close_ports)
        lgdt [gdtr]
        mov ax, SEL_KDATA
        mov ds, ax
        mov es, ax
        mov ss, ax
        xor eax, eax
        mov fs, ax
        mov gs, ax
        mov ax, SEL_TSS
        ltr ax
        ret

; trace_episode (trace=1): "chaos: episode N: " and the code's first
; TRACE_BYTES bytes in hex.
TRACE_BYTES     equ 64
trace_episode:
        PRINT64 "chaos: episode "
        PRINT_DEC64 [done]
        PRINT64 ":"
        lea rsi, [user_code]
        mov ecx, TRACE_BYTES
.byte:  mov al, ' '
        call putc64
        lodsb
        call puthex8
        loop .byte
        PRINT64 10
        ret

; puthex8: AL as two hex digits.
puthex8:
        push rax
        shr al, 4
        call .digit
        pop rax
        push rax
        and al, 15
        call .digit
        pop rax
        ret
.digit: add al, '0'
        cmp al, '9'
        jbe .put
        add al, 'a' - '0' - 10
.put:   jmp putc64


; ---- data ------------------------------------------------------------------
CHAOS_SHARED_DATA
        align 4
misc_enable:    dd 0, 0                 ; IA32_MISC_ENABLE as the board left it

; MSRs worth a WRMSR or a bit flipped: chaos.asm's, the x2APIC registers
; (valid only in x2APIC mode), the segment bases, the syscall MSRs.
        align 4
msrs:           dd 0x10, 0x1b, 0x3a, 0x3b, 0x48, 0x49, 0x8b, 0xe7, 0xe8, 0xfe, 0x10a, 0x10b
                dd 0x122, 0x174, 0x175, 0x176, 0x179, 0x17a, 0x1a0, 0x1d9, 0x200, 0x201
                dd 0x250, 0x277, 0x2ff, 0x6e0, 0xda0
                dd 0x802, 0x803, 0x808, 0x80b, 0x80d, 0x80f, 0x828, 0x830, 0x832, 0x838
                dd 0x839, 0x83e, 0x83f
                dd 0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084
                dd 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103
                dd 0x4b564d00, 0x4b564d01, 0x40000000, 0x564d0000
MSRS            equ ($ - msrs) / 4
pages:          dd USER_DATA, USER_DATA2, USER_CODE, USER_DATA + 0x800

; cr_flip's registers: a REX.R prefix wanted (CR8), the ModRM for RAX.
crs:            db 0, 0xc0, 0, 0        ; CR0
                db 0, 0xe0, 0, 0        ; CR4
                db 1, 0xc0, 0, 0        ; CR8
                db 0, 0xe0, 0, 0        ; CR4 again: most of its bits matter

; Device accesses through a register (mmio_access): the register load's
; bytes (MOV r32, imm32 follows), the access's fixed bytes and the count of
; random bytes after them.
%macro ACCESS 3+
        db %%l - $ - 1
        db %1
%%l:    db %%e - %%f, %2
%%f:    db %3
%%e:
%endmacro
%define RBX_ 0xbb
%define RSI_ 0xbe
%define RDI_ 0xbf
%define R11_ 0x41, 0xbb
acc_load:       ACCESS RBX_, 0, 0x8b, 0x03              ; mov eax, [rbx]
acc_store:      ACCESS RBX_, 0, 0x89, 0x03              ; mov [rbx], eax
acc_store8:     ACCESS RBX_, 0, 0x88, 0x23              ; mov [rbx], ah
acc_store16:    ACCESS RBX_, 0, 0x66, 0x89, 0x0b        ; mov [rbx], cx
acc_movzx8:     ACCESS RBX_, 0, 0x0f, 0xb6, 0x03        ; movzx eax, byte [rbx]
acc_movsx16:    ACCESS RBX_, 0, 0x0f, 0xbf, 0x13        ; movsx edx, word [rbx]
acc_xchg:       ACCESS RBX_, 0, 0x87, 0x03              ; xchg [rbx], eax
acc_or_imm:     ACCESS RBX_, 4, 0x81, 0x0b              ; or dword [rbx], imm32
acc_and_imm8:   ACCESS RBX_, 1, 0x83, 0x23              ; and dword [rbx], imm8
acc_mov_imm:    ACCESS RBX_, 4, 0xc7, 0x03              ; mov dword [rbx], imm32
acc_test_imm:   ACCESS RBX_, 4, 0xf7, 0x03              ; test dword [rbx], imm32
acc_cmp:        ACCESS RBX_, 0, 0x3b, 0x03              ; cmp eax, [rbx]
acc_add:        ACCESS RBX_, 0, 0x01, 0x03              ; add [rbx], eax
acc_bt:         ACCESS RBX_, 0, 0x0f, 0xa3, 0x03        ; bt [rbx], eax
acc_bt_imm:     ACCESS RBX_, 1, 0x0f, 0xba, 0x23        ; bt dword [rbx], imm8
acc_load64:     ACCESS RBX_, 0, 0x48, 0x8b, 0x03        ; mov rax, [rbx]
acc_store64:    ACCESS RBX_, 0, 0x48, 0x89, 0x03        ; mov [rbx], rax
acc_store_spl:  ACCESS RBX_, 0, 0x40, 0x88, 0x23        ; mov [rbx], spl
acc_store_r8:   ACCESS RBX_, 0, 0x4c, 0x89, 0x03        ; mov [rbx], r8
acc_mov_imm64:  ACCESS RBX_, 4, 0x48, 0xc7, 0x03        ; mov qword [rbx], simm32
acc_movzx64:    ACCESS RBX_, 0, 0x48, 0x0f, 0xb7, 0x03  ; movzx rax, word [rbx]
acc_movsxd:     ACCESS RBX_, 0, 0x48, 0x63, 0x03        ; movsxd rax, dword [rbx]
acc_addr32:     ACCESS RBX_, 0, 0x67, 0x8b, 0x03        ; mov eax, [ebx]
acc_sib:        ACCESS RBX_, 0, 0x8b, 0x04, 0x23        ; mov eax, [rbx] (SIB, no index)
acc_lock_xadd:  ACCESS RBX_, 0, 0xf0, 0x48, 0x01, 0x03  ; lock add [rbx], rax
acc_load_seg:   ACCESS RSI_, 0, 0x3e, 0x8b, 0x06        ; mov eax, ds:[rsi]
acc_stos:       ACCESS RDI_, 0, 0xab                    ; stosd
acc_rep_stos:   ACCESS RDI_, 0, 0xf3, 0xab              ; rep stosd (RCX random)
acc_stosq:      ACCESS RDI_, 0, 0x48, 0xab              ; stosq
acc_rep_stosq:  ACCESS RDI_, 0, 0xf3, 0x48, 0xab        ; rep stosq
acc_stosw:      ACCESS RDI_, 0, 0x66, 0xab              ; stosw
acc_r11_load:   ACCESS R11_, 0, 0x41, 0x8b, 0x03        ; mov eax, [r11]
acc_r11_store:  ACCESS R11_, 0, 0x45, 0x89, 0x03        ; mov [r11], r8d
acc_r11_imm:    ACCESS R11_, 4, 0x41, 0xc7, 0x03        ; mov dword [r11], imm32
acc_r11_xor8:   ACCESS R11_, 1, 0x41, 0x80, 0x33        ; xor byte [r11], imm8
acc_r11_load64: ACCESS R11_, 0, 0x49, 0x8b, 0x03        ; mov rax, [r11]
acc_inc:        ACCESS RBX_, 0, 0xff, 0x03              ; inc dword [rbx]
acc_dec8:       ACCESS RBX_, 0, 0xfe, 0x0b              ; dec byte [rbx]
acc_not:        ACCESS RBX_, 0, 0xf7, 0x13              ; not dword [rbx]
acc_neg64:      ACCESS RBX_, 0, 0x48, 0xf7, 0x1b        ; neg qword [rbx]
acc_lock_bts:   ACCESS RBX_, 1, 0xf0, 0x0f, 0xba, 0x2b  ; lock bts dword [rbx], imm8
acc_btr:        ACCESS RBX_, 0, 0x0f, 0xb3, 0x03        ; btr [rbx], eax
acc_setne:      ACCESS RBX_, 0, 0x0f, 0x95, 0x03        ; setne byte [rbx]
acc_cmpxchg:    ACCESS RBX_, 0, 0xf0, 0x0f, 0xb1, 0x0b  ; lock cmpxchg [rbx], ecx
acc_xadd:       ACCESS R11_, 0, 0x41, 0x0f, 0xc1, 0x13  ; xadd [r11], edx
acc_sar64_cl:   ACCESS RBX_, 0, 0x48, 0xd3, 0x3b        ; sar qword [rbx], cl
acc_mul64:      ACCESS RBX_, 0, 0x48, 0xf7, 0x23        ; mul qword [rbx]
acc_idiv:       ACCESS R11_, 0, 0x41, 0xf7, 0x3b        ; idiv dword [r11] (#DE likely)
acc_imul2:      ACCESS RBX_, 0, 0x48, 0x0f, 0xaf, 0x03  ; imul rax, [rbx]
acc_rep_movs:   ACCESS RSI_, 0, 0xf3, 0x48, 0xa5        ; rep movsq from [rsi] to [rdi] (random)
        align 4
accesses:       dd acc_load, acc_store, acc_store8, acc_store16, acc_movzx8, acc_movsx16
                dd acc_xchg, acc_or_imm, acc_and_imm8, acc_mov_imm, acc_test_imm, acc_cmp
                dd acc_add, acc_bt, acc_bt_imm, acc_load64, acc_store64, acc_store_spl
                dd acc_store_r8, acc_mov_imm64, acc_movzx64, acc_movsxd, acc_addr32, acc_sib
                dd acc_lock_xadd, acc_load_seg, acc_stos, acc_rep_stos, acc_stosq
                dd acc_rep_stosq, acc_stosw, acc_r11_load, acc_r11_store, acc_r11_imm
                dd acc_r11_xor8, acc_r11_load64, acc_inc, acc_dec8, acc_not, acc_neg64
                dd acc_lock_bts, acc_btr, acc_setne, acc_cmpxchg, acc_xadd
                dd acc_sar64_cl, acc_mul64, acc_idiv, acc_imul2, acc_rep_movs
ACCESSES        equ ($ - accesses) / 4

; RIP-relative device accesses (rip_access): the bytes up to the ModRM
; (mod 0, r/m 5), then the count of immediate bytes after the displacement.
%macro RIPACC 2+
        db %%e - $ - 2, %1
        db %2
%%e:
%endmacro
rip_load:       RIPACC 0, 0x8b, 0x05                    ; mov eax, [rel]
rip_store:      RIPACC 0, 0x89, 0x05                    ; mov [rel], eax
rip_load64:     RIPACC 0, 0x48, 0x8b, 0x05              ; mov rax, [rel]
rip_store64:    RIPACC 0, 0x48, 0x89, 0x05              ; mov [rel], rax
rip_mov_imm:    RIPACC 4, 0xc7, 0x05                    ; mov dword [rel], imm32
rip_mov_imm64:  RIPACC 4, 0x48, 0xc7, 0x05              ; mov qword [rel], simm32
rip_or_imm8:    RIPACC 1, 0x83, 0x0d                    ; or dword [rel], imm8
rip_and_imm:    RIPACC 4, 0x81, 0x25                    ; and dword [rel], imm32
rip_test_imm:   RIPACC 4, 0xf7, 0x05                    ; test dword [rel], imm32
rip_movzx8:     RIPACC 0, 0x0f, 0xb6, 0x05              ; movzx eax, byte [rel]
rip_movzx16:    RIPACC 0, 0x0f, 0xb7, 0x05              ; movzx eax, word [rel]
rip_movsxd:     RIPACC 0, 0x48, 0x63, 0x05              ; movsxd rax, dword [rel]
rip_store16:    RIPACC 0, 0x66, 0x89, 0x05              ; mov [rel], ax
rip_store_ah:   RIPACC 0, 0x88, 0x25                    ; mov [rel], ah
rip_store_sil:  RIPACC 0, 0x40, 0x88, 0x35              ; mov [rel], sil
rip_load_r8:    RIPACC 0, 0x44, 0x8b, 0x05              ; mov r8d, [rel]
rip_xchg:       RIPACC 0, 0x87, 0x05                    ; xchg [rel], eax
rip_bt:         RIPACC 0, 0x0f, 0xa3, 0x05              ; bt [rel], eax
rip_bt_imm:     RIPACC 1, 0x0f, 0xba, 0x25              ; bt dword [rel], imm8
rip_cmp:        RIPACC 0, 0x3b, 0x05                    ; cmp eax, [rel]
rip_add:        RIPACC 0, 0x01, 0x05                    ; add [rel], eax
rip_lock_add:   RIPACC 0, 0xf0, 0x01, 0x05              ; lock add [rel], eax
rip_eip:        RIPACC 0, 0x67, 0x8b, 0x05              ; mov eax, [eip + disp]
rip_xor8:       RIPACC 1, 0x80, 0x35                    ; xor byte [rel], imm8
rip_inc:        RIPACC 0, 0xff, 0x05                    ; inc dword [rel]
rip_btc_imm:    RIPACC 1, 0x0f, 0xba, 0x3d              ; btc dword [rel], imm8
rip_seta:       RIPACC 0, 0x0f, 0x97, 0x05              ; seta byte [rel]
rip_xadd64:     RIPACC 0, 0x48, 0x0f, 0xc1, 0x05        ; xadd [rel], rax
rip_rol_imm:    RIPACC 1, 0xc1, 0x05                    ; rol dword [rel], imm8
rip_imul_imm:   RIPACC 4, 0x69, 0x05                    ; imul eax, [rel], imm32
        align 4
rip_accesses:   dd rip_load, rip_store, rip_load64, rip_store64, rip_mov_imm, rip_mov_imm64
                dd rip_or_imm8, rip_and_imm, rip_test_imm, rip_movzx8, rip_movzx16
                dd rip_movsxd, rip_store16, rip_store_ah, rip_store_sil, rip_load_r8
                dd rip_xchg, rip_bt, rip_bt_imm, rip_cmp, rip_add, rip_lock_add, rip_eip
                dd rip_xor8, rip_inc, rip_btc_imm, rip_seta, rip_xadd64
                dd rip_rol_imm, rip_imul_imm
RIP_ACCESSES    equ ($ - rip_accesses) / 4

; Instruction forms of this mode (chaos.inc has those of both).
%define NOPS 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90
form_ins_a32:   FORM 0x67, 0x6c, 0x90                   ; INSB to [EDI]
form_rdrand:    FORM 0x48, 0x0f, 0xc7, 0xf0, 0x90       ; RDRAND RAX
form_syscall:   FORM 0x0f, 0x05, 0x90
form_swapgs:    FORM 0x0f, 0x01, 0xf8, 0x90
form_sysret:    FORM 0x48, 0x0f, 0x07, 0x90
; CR3 reloaded, after NOPs: a random byte before it that took the 0F of the
; read as its own would leave a MOV to CR3 of a random RAX, which ends the run
form_mov_cr3:   FORM NOPS, 0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0x90
form_read_cr8:  FORM 0x44, 0x0f, 0x20                   ; CR8-CR15 (CR8 only is one)
form_write_cr8: FORM 0x44, 0x0f, 0x22, 0xc0, 0x90       ; MOV CR8, RAX
form_invpcid:   FORM 0x66, 0x0f, 0x38, 0x82, 0x03, 0x90 ; INVPCID RAX, [RBX]
form_flip_efer: FORM2 {0xb9, 0x80, 0x00, 0x00, 0xc0, 0x0f, 0x32, 0x80, 0xf4}, {0x0f, 0x30, 0x90}
form_flip_apic: FORM2 {0xb9, 0x1b, 0x00, 0x00, 0x00, 0x0f, 0x32, 0x80, 0xf4}, {0x0f, 0x30, 0x90}

        align 4
forms:          dd form_in_imm, form_ind_imm, form_out_imm, form_outd_imm, form_in_dx
                dd form_out_dx, form_outw_dx, form_inw_dx, form_rep_insb, form_rep_outsd
                dd form_outsw, form_insd, form_ins_a32, form_cpuid, form_rdtsc, form_rdtscp
                dd form_vmcall, form_rdrand, form_pause, form_backdoor, form_int3
                dd form_int80, form_syscall, form_swapgs, form_sysret, form_mov_cr3
                dd form_read_cr, form_read_cr8, form_write_cr8, form_wrmsr, form_rdmsr
                dd form_mov_dr, form_read_dr, form_xsetbv, form_hlt, form_sti_hlt, form_cli
                dd form_invlpg, form_invpcid, form_wbinvd, form_clts_lmsw, form_monitor
                dd form_flip_efer, form_flip_apic
FORMS           equ ($ - forms) / 4

STUB_SIZE       equ 16
        align 16
stubs:
%assign v 0
%rep 256
        push v
        jmp event
        align 16, db 0x90
%assign v v + 1
%endrep

        align 8
gdt_pristine:
        dq 0
        dq 0x00af9b000000ffff           ; 0x08: 64-bit kernel code
        dq 0x00cf93000000ffff           ; 0x10: kernel data
        dq 0x00cffb000000ffff           ; 0x18: 32-bit user code (SYSRET's base)
        dq 0x00cff3000000ffff           ; 0x20: user data
        dq 0x00affb000000ffff           ; 0x28: 64-bit user code
        dw tss_end - tss - 1            ; 0x30: the TSS (16 bytes; base filled in)
        dw 0
        db 0, 0x89, 0, 0
        dq 0
gdt_pristine_end:
gdtr_boot:                              ; the 32-bit start's: no TSS yet
        dw gdt_pristine_end - gdt_pristine - 1
        dd gdt_pristine

; Writable from here on (ring=0 maps the pages before it read-only).
        align 4096, db 0
writable:
        align 8
gdtr:   dw gdt_end - gdt - 1
        dq gdt
        align 8
idtr:   dw 256 * 16 - 1
        dq idt
        align 8
gdt:            times 6 dq 0
gdt_tss:        dq 0, 0
gdt_end:

        align 8
rng:            dd 0
done:           dd 0
ticks:          dd 0
in_user:        dd 0
calm:           dd 0
nmis:           dd 0
regs:           times 15 dq 0
ended:          times SYSCALL_SLOT + 1 dd 0
        align 16
tss:            times 104 db 0
iomap:          times 8192 db 0
                db 0xff
tss_end:
        align 16
ist1:           times 2048 db 0
ist1_top:
ist2:           times 2048 db 0
ist2_top:
ist3:           times 2048 db 0
ist3_top:
ist4:           times 2048 db 0
ist4_top:

GUEST_END 9

page_tables     equ guest_pages
pml4            equ guest_pages + 0 * 4096
pdpt            equ guest_pages + 1 * 4096
pd              equ guest_pages + 2 * 4096
pt_low          equ guest_pages + 3 * 4096
pt_user         equ guest_pages + 4 * 4096
idt             equ guest_pages + 5 * 4096
user_code       equ guest_pages + 6 * 4096
user_data       equ guest_pages + 7 * 4096
user_data2      equ guest_pages + 8 * 4096
