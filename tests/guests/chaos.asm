; chaos: random code against the monitor. Each episode fills a user page
; with random instructions and runs it at CPL 3 with random registers, some
; of them pointing into the user pages, until it faults or the watchdog (the
; local APIC timer) ends it. Half the code is random bytes; a quarter is
; forms that exit to the monitor (port and string I/O on device ports,
; CPUID, RDTSC, VMCALL, RDRAND, PAUSE, the VMware backdoor); a quarter is
; an access to a random register of the I/O APIC, the HPET or the local
; APIC by one of the instruction forms the monitor's device-access
; emulator knows (docs/devices.md; other forms, MOVS among them, stop the
; VM with the reason, so the random bytes are kept off those pages: the
; register is pointed back at a user page after each access). The guest's own code, tables and page tables are
; supervisor pages, so the random code cannot reach them; the ports that
; would end the VM or take the console (reset, power off, the exit port,
; COM1, the 8259s, the 8042) are closed by the TSS I/O bitmap, so what is
; left is everything a hostile program could make the monitor do. The test
; is the host: after the last episode the guest says PASS, and the console
; must show no monitor failure (docs/guests.md).
;
;   seed=N       the random sequence (default 1)
;   episodes=N   how many (default 20000)
;   ring=0       run the random code at CPL 0 instead: it can then reach
;                every exit (CR, DR and MSR accesses, HLT, CLI, task
;                switches through a TSS of random contents, INVLPG, XSETBV)
;                and every port, and wreck the guest. Each episode starts
;                from the guest's state put back (CR0, CR3, CR4, EFER, the
;                APIC base, GDT, IDT, TR, DR7); the watchdog is then also
;                an NMI (the PIT through the I/O APIC), which CLI cannot
;                stop. A run may end early (a triple fault when the random
;                code wrecked the paging, a reset or power-off through a
;                port, a hang): what is tested is the host.
;
; A double fault switches to a task of its own (a task gate: its own stack
; and CR3, so a stack or paging the random code wrecked is survived) that
; starts the next episode.
;
; Output: "chaos: seed S, N episodes at CPL R", a progress line every 4096
; episodes (64 at ring=0), then "chaos: PASS" with the count of episodes
; each vector ended (exit 0); "chaos: FAIL ..." if the guest's own code
; faulted (exit 1).
%include "common.inc"
%include "chaos.inc"

SEL_KCODE       equ 0x08
SEL_KDATA       equ 0x10
SEL_UCODE       equ 0x18 | 3
SEL_UDATA       equ 0x20 | 3
SEL_TSS         equ 0x28
SEL_TSS2        equ 0x30                ; a TSS of random contents (ring=0)
SEL_DFTSS       equ 0x38                ; #DF's task: its own stack and CR3

USER_CODE       equ 0x00400000      ; linear addresses of the user pages
USER_DATA       equ 0x00401000
USER_DATA2      equ 0x00402000
IOAPIC_BASE     equ 0xfec00000      ; one page table covers all three
HPET_BASE       equ 0xfed00000
LAPIC_BASE      equ 0xfee00000

PTE_P           equ 1
PTE_RW          equ 2
PTE_US          equ 4
PTE_PWT         equ 8
PTE_PCD         equ 16


MSR_EFER        equ 0xc0000080
MSR_APIC_BASE   equ 0x1b
CR0_GUEST       equ (1 << 31) | (1 << 16) | (1 << 5) | (1 << 4) | (1 << 1) | 1 ; PG WP NE ET MP PE
CR4_GUEST       equ (1 << 9) | (1 << 10)                ; OSFXSR, OSXMMEXCPT

main:
        call chaos_args
        PRINT "chaos: seed "
        PRINT_DEC [seed]
        PRINT ", "
        PRINT_DEC [episodes]
        PRINT " episodes at CPL "
        PRINT_DEC [ring]
        PRINT 10
        call build_gdt_tss
        call build_idt
        call build_paging
        call start_watchdog
        jmp episode

; ---- episodes --------------------------------------------------------------
; episode: the next one, or the verdict. Entered with any stack: it starts
; over on the top of the guest's stack, interrupts off.
episode:
        cli
        mov esp, _stack_top
        mov ax, SEL_KDATA
        mov ds, ax
        mov es, ax
        cld
        xor eax, eax                    ; breakpoints the random code armed, off
        mov dr7, eax
        mov eax, [done]
        cmp eax, [episodes]
        jae verdict
        mov edx, PROGRESS_MASK
        cmp dword [ring], 0
        jne .mask
        mov edx, PROGRESS_MASK_RING0    ; a ring=0 run may end any time
.mask:  test eax, edx
        jnz .quiet
        test eax, eax
        jz .quiet
        PRINT "chaos: "
        PRINT_DEC eax
        PRINT " episodes", 10
.quiet:
        ; an interrupt other than the watchdog ended the last episode: what
        ; the random code set up in the I/O APIC or HPET is undone
        cmp dword [calm], 0
        je .calm
        call calm_devices
.calm:
        cmp dword [ring], 0
        jne .fill
        call restore_state
        call arm_nmi_watchdog
        call fill_tss2
.fill:
        call fill_code
        call random_registers
        mov dword [ticks], 0
        mov dword [in_user], 1
        cmp dword [ring], 0
        je enter_ring0
        ; to CPL 3: SS, ESP, EFLAGS (IF, IOPL 0), CS, EIP
        push dword SEL_UDATA
        push dword USER_DATA + 0xf00
        push dword 0x202
        push dword SEL_UCODE
        push dword USER_CODE
        mov ax, SEL_UDATA
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov eax, [ss:regs + 0]
        mov ebx, [ss:regs + 4]
        mov ecx, [ss:regs + 8]
        mov edx, [ss:regs + 12]
        mov esi, [ss:regs + 16]
        mov edi, [ss:regs + 20]
        mov ebp, [ss:regs + 24]
        iretd

; enter_ring0: the episode's code at CPL 0, on the user data page's stack.
enter_ring0:
        mov esp, USER_DATA + 0xf00
        push dword 0x202
        push dword SEL_KCODE
        push dword USER_CODE
        mov eax, [regs + 0]
        mov ebx, [regs + 4]
        mov ecx, [regs + 8]
        mov edx, [regs + 12]
        mov esi, [regs + 16]
        mov edi, [regs + 20]
        mov ebp, [regs + 24]
        iretd

; double_fault: #DF's task (the gate in the IDT switched here, with its own
; stack and CR3, and pushed an error code). The episode is over: the TSS
; descriptors are made available again, TR goes back to the main TSS, and
; an IRET (NT clear, so not a task return) to `episode` lets NMIs in again,
; which an NMI whose delivery double-faulted left blocked. The switch set
; CR0.TS, which CLTS clears (the FPU is the random code's at CPL 3 too).
double_fault:
        pushfd
        and dword [esp], ~(1 << 14)     ; NT
        popfd
        clts                            ; the task switch set CR0.TS
        cmp dword [in_user], 0
        je .kernel
        mov dword [in_user], 0
        inc dword [ended + 8 * 4]
        inc dword [done]
        and byte [gdt_tss + 5], ~2
        and byte [gdt_dftss + 5], ~2
        mov ax, SEL_TSS
        ltr ax
        push dword 2
        push dword SEL_KCODE
        push dword episode
        iretd
.kernel:
        PRINT "chaos: FAIL double fault in the guest's own code, episode "
        PRINT_DEC [done]
        PRINT 10
        EXIT 1

; restore_state (ring=0): what the random code may have changed, put back.
restore_state:
        mov eax, page_dir
        mov cr3, eax
        mov eax, CR4_GUEST
        mov cr4, eax
        mov eax, CR0_GUEST
        mov cr0, eax
        mov ecx, MSR_EFER
        xor eax, eax
        xor edx, edx
        wrmsr
        mov ecx, MSR_APIC_BASE
        mov eax, LAPIC_BASE | (1 << 11) | (1 << 8)     ; enabled, the BSP
        wrmsr
        xor eax, eax
        mov dr7, eax
        in al, 0x92                     ; A20 on again, where a board masks it
        and al, ~1                      ; (and no fast reset)
        or al, 2
        out 0x92, al
        call build_gdt_tss              ; descriptors and TSSs written again, TR loaded
        xor eax, eax
        mov fs, ax
        mov gs, ax
        lidt [idtr]
        fninit
        ret

; arm_nmi_watchdog (ring=0): the PIT's channel 0 every 10 ms, its I/O APIC
; pin (2) delivering an NMI to the BSP; the 8259s masked.
arm_nmi_watchdog:
        mov al, 0xff
        out 0x21, al
        out 0xa1, al
        mov dword [IOAPIC_BASE], 0x10 + 2 * 2 + 1
        mov dword [IOAPIC_BASE + 0x10], 0               ; destination APIC 0
        mov dword [IOAPIC_BASE], 0x10 + 2 * 2
        mov dword [IOAPIC_BASE + 0x10], 4 << 8          ; NMI, edge, unmasked
        mov al, 0x34                    ; channel 0, lobyte/hibyte, mode 2
        out 0x43, al
        mov al, PIT_COUNT & 0xff
        out 0x40, al
        mov al, PIT_COUNT >> 8
        out 0x40, al
        ret

; fill_tss2 (ring=0): the second TSS gets random contents (a far JMP or
; CALL to SEL_TSS2 switches to it), but the guest's own CR3 but one time in
; 16: a random CR3 mostly ends the run (the next event is delivered through
; page tables that are not there).
fill_tss2:
        mov edi, tss2
        mov ecx, 104 / 4
.word:  call random
        stosd
        loop .word
        call random
        test al, 15
        jz .done
        mov dword [tss2 + 28], page_dir
.done:  ret

verdict:
        PRINT "chaos: PASS "
        PRINT_DEC [done]
        PRINT " episodes, ended by"
        xor ecx, ecx
.vec:   mov eax, [ended + ecx * 4]
        test eax, eax
        jz .next
        PRINT " "
        PRINT_DEC ecx
        PRINT ":"
        PRINT_DEC eax
.next:  inc ecx
        cmp ecx, 256
        jb .vec
        PRINT ", NMIs "
        PRINT_DEC [nmis]
        PRINT 10
        EXIT 0

; fill_code: CODE_BYTES of random instructions at the user code page (the
; supervisor alias: the kernel writes it through its identity map).
fill_code:
        mov edi, user_code
        lea ebx, [edi + CODE_BYTES]
.slot:  cmp edi, ebx
        jae .done
        call random
        test al, 1
        jz .raw
        test al, 2
        jz .form
        call mmio_access
        jmp .slot
.form:  ; a form from the table, then a random byte (an immediate, a port)
        shr eax, 2
        xor edx, edx
        mov ecx, FORMS
        div ecx
        mov esi, [forms + edx * 4]
        movzx ecx, byte [esi]
        inc esi
        rep movsb
        call random
        stosb
        movzx ecx, byte [esi]           ; the bytes after the random one
        inc esi
        rep movsb
        jmp .slot
.raw:   ; one to four random bytes
        shr eax, 1
        and eax, 3
        lea ecx, [eax + 1]
.byte:  call random
        stosb
        loop .byte
        jmp .slot
.done:  ret

INSN_MAX        equ 15

; mmio_access: at EDI, an instruction that loads a device register's
; address (random, dword aligned, in the register window) into EBX, ESI or
; EDI, one access through it, and an instruction that points the register
; back at the second user page. Advances EDI.
mmio_access:
        push ebx
        ; NOPs first: an instruction the random bytes began before them ends
        ; in them (15 bytes at most), so the address load is decoded as one,
        ; not as the displacement of an instruction the emulator does not know
        mov al, 0x90
        mov ecx, INSN_MAX - 1
        rep stosb
        call random
        xor edx, edx
        mov ecx, ACCESSES
        div ecx
        mov esi, [accesses + edx * 4]
        lodsb                           ; the register-loading opcode
        mov bl, al
        stosb
        call random                     ; the device: I/O APIC, HPET, local APIC
        mov edx, eax
        shr edx, 2
        and eax, 3
        jnz .hpet
        and edx, 0x1c                   ; IOREGSEL, IOWIN
        add edx, IOAPIC_BASE
        jmp .addr
.hpet:  cmp eax, 1
        jne .lapic
        and edx, 0x3fc
        add edx, HPET_BASE
        jmp .addr
.lapic: and edx, 0x3fc
        add edx, LAPIC_BASE
.addr:  mov eax, edx
        stosd
        lodsb                           ; the access: fixed bytes, then random ones
        movzx ecx, al
        lodsb
        movzx edx, al
        rep movsb
        mov ecx, edx
        jecxz .back
.imm:   call random
        stosb
        loop .imm
.back:  mov al, bl                      ; the same register, back at a user page
        stosb
        mov eax, USER_DATA2
        stosd
        pop ebx
        ret

; random_registers: EAX-EBP for the episode. Pointer-like registers point,
; half the time, somewhere into a user page or one of the MMIO pages; EDX
; is a port, near a device's half the time; ECX is a small count half the
; time (string I/O, REP).
random_registers:
        mov edi, regs
        mov ecx, 7
.reg:   call random
        stosd
        loop .reg
        call random
        test al, 1
        jz .eax
        shr eax, 8
        and eax, 0x1f                   ; a CPUID leaf worth asking
        mov [regs + 0], eax
.eax:   mov edi, regs + 4               ; EBX
        call pointer
        mov edi, regs + 16              ; ESI
        call pointer
        mov edi, regs + 20              ; EDI
        call pointer
        mov edi, regs + 24              ; EBP
        call pointer
        call random
        test al, 1
        jz .ecx
        shr eax, 8
        and eax, 0x3f
        mov [regs + 8], eax
.ecx:   cmp dword [ring], 0
        jne .port
        call random
        test al, 3
        jnz .port
        shr eax, 8                      ; ring=0: ECX an MSR worth writing, a quarter of the time
        xor edx, edx
        mov ecx, MSRS
        div ecx
        mov eax, [msrs + edx * 4]
        mov [regs + 8], eax
.port:  call random
        test al, 1
        jz .done
        shr eax, 8
        xor edx, edx
        mov ecx, PORTS
        div ecx
        movzx eax, word [ports + edx * 2]
        mov [regs + 12], eax
.done:  ret

; pointer: [EDI] becomes, half the time, a random offset into one of the
; user pages.
pointer:
        call random
        test al, 1
        jz .keep
        mov edx, eax
        shr edx, 8
        and edx, 0xffc                  ; an offset in the page, dword aligned
        shr eax, 1
        and eax, 3
        mov eax, [pages + eax * 4]
        add eax, edx
        mov [edi], eax
.keep:  ret

; random: EAX = the next xorshift32 output. Preserves other registers.
random:
        push edx
        mov eax, [rng]
        call xorshift32
        mov [rng], eax
        pop edx
        ret

; calm_devices: every I/O APIC pin masked, the HPET halted.
calm_devices:
        xor ecx, ecx
.pin:   lea eax, [0x10 + ecx * 2]
        mov [IOAPIC_BASE], eax
        mov dword [IOAPIC_BASE + 0x10], 0x10000
        inc ecx
        cmp ecx, IOAPIC_PINS
        jb .pin
        mov dword [HPET_BASE + 0x10], 0
        mov dword [calm], 0
        ret

; ---- events ------------------------------------------------------------------
; Every vector enters `event` with its number pushed. From the episode (the
; random code, CPL 3) any event but the watchdog's first tick ends it; from
; the guest's own code only an NMI is expected (the random code can send
; one through the I/O APIC), and it is counted and returned from.
event:
        push ds
        push es
        push eax                        ; [esp + 12] = the vector
        mov ax, SEL_KDATA               ; the random code may have left DS null
        mov ds, ax
        mov es, ax
        mov eax, [esp + 12]
        cmp dword [in_user], 0
        je .kernel
        mov dword [in_user], 0
        cmp eax, 2
        je .nmi_ends
        cmp eax, 32
        jb .ended
        mov dword [LAPIC_BASE + LAPIC_EOI], 0
        cmp eax, WATCHDOG_VECTOR
        jne .irq
        inc dword [ticks]
        cmp dword [ticks], 2            ; the first tick may come at once
        jb .resume
        jmp .ended
.irq:   mov dword [calm], 1
.ended: inc dword [ended + eax * 4]
        inc dword [done]
        jmp episode
.resume:
        mov dword [in_user], 1
.back:  pop eax
        pop es
        pop ds
        add esp, 4
        iretd
.nmi_ends:
        ; an NMI ends the episode, but only IRET lets the next one in: return
        ; to `episode` in the guest's own code (to CPL 0: IRET pops three)
        inc dword [ended + 2 * 4]
        inc dword [done]
        mov dword [esp + 16], episode
        mov dword [esp + 20], SEL_KCODE
        mov dword [esp + 24], 2
        jmp .back
.kernel:
        cmp eax, 2
        je .nmi
        cmp eax, 1                      ; a breakpoint the random code armed (ring=0)
        je .debug
        cmp eax, SPURIOUS_VECTOR
        je .back
        PRINT "chaos: FAIL vector "
        PRINT_DEC eax
        PRINT " in the guest's own code, episode "
        PRINT_DEC [done]
        PRINT 10
        EXIT 1
.nmi:   inc dword [nmis]
        jmp .back
.debug: xor eax, eax
        mov dr7, eax
        mov dr6, eax
        jmp .back

; ---- set-up --------------------------------------------------------------
; build_gdt_tss: the GDT from its pristine copy, the TSSs' fields, the
; I/O bitmap; then GDTR, the segment registers and TR. Again at each
; ring=0 episode: stray stores may have hit them.
build_gdt_tss:
        mov esi, gdt_pristine
        mov edi, gdt
        mov ecx, (gdt_end - gdt) / 4
        rep movsd
        mov eax, tss
        mov [gdt_tss + 2], ax
        shr eax, 16
        mov [gdt_tss + 4], al
        mov [gdt_tss + 7], ah
        mov eax, tss2
        mov [gdt_tss2 + 2], ax
        shr eax, 16
        mov [gdt_tss2 + 4], al
        mov [gdt_tss2 + 7], ah
        mov eax, dftss
        mov [gdt_dftss + 2], ax
        shr eax, 16
        mov [gdt_dftss + 4], al
        mov [gdt_dftss + 7], ah
        mov dword [dftss + 28], page_dir        ; CR3
        mov dword [dftss + 32], double_fault    ; EIP
        mov dword [dftss + 36], 2               ; EFLAGS: interrupts off
        mov dword [dftss + 56], df_stack_top    ; ESP
        mov dword [dftss + 72], SEL_KDATA       ; ES
        mov dword [dftss + 76], SEL_KCODE       ; CS
        mov dword [dftss + 80], SEL_KDATA       ; SS
        mov dword [dftss + 84], SEL_KDATA       ; DS
        mov word [dftss + 102], 104             ; no I/O bitmap
        mov dword [tss + 4], _stack_top         ; ESP0
        mov dword [tss + 8], SEL_KDATA          ; SS0
        mov word [tss + 102], iomap - tss       ; the I/O bitmap's offset
        call close_ports                ; ports closed to the random code
        LOAD_GDT gdtr, SEL_KCODE, SEL_KDATA
        mov ax, SEL_TSS
        ltr ax
        ret

build_idt:
        mov edi, idt
        mov ebx, stubs
        xor ecx, ecx
.gate:  mov eax, ebx
        IDT_GATE SEL_KCODE
        ; INT3, INTO and INT 0x80 are open to CPL 3, as in an OS
        cmp ecx, 3
        je .user
        cmp ecx, 4
        je .user
        cmp ecx, 0x80
        jne .next
.user:  mov byte [edi + 5], 0xee
.next:  add edi, 8
        add ebx, STUB_SIZE
        inc ecx
        cmp ecx, 256
        jb .gate
        ; #DF through a task gate
        mov dword [idt + 8 * 8], SEL_DFTSS << 16
        mov dword [idt + 8 * 8 + 4], 0x8500
        lidt [idtr]
        ret

; Page tables: the first 4 MiB identity-mapped for the guest itself
; (supervisor), three user pages at USER_CODE, and the I/O APIC, HPET and
; local APIC pages open to CPL 3 (the local APIC's read-only, so the
; watchdog stays the guest's; CR0.WP is clear, so the guest's own writes
; go through).
; ENTRY table, index, address, flags: a paging-structure entry. Clobbers EAX.
%macro ENTRY 4
        mov eax, %3
        or eax, %4
        mov [%1 + (%2) * 4], eax
%endmacro
build_paging:
        mov edi, page_tables
        xor eax, eax
        mov ecx, 4 * 4096 / 4
        rep stosd
        mov edi, pt_low
        mov eax, PTE_P | PTE_RW
        mov ecx, 1024
.low:   stosd
        add eax, 4096
        loop .low
        cmp dword [ring], 0
        jne .user
        ; ring=0: the first MiB not mapped (random jumps there fault, rather
        ; than run on through zeros into the VGA hole, which stops the VM)
        mov edi, pt_low
        mov ecx, 256
        xor eax, eax
        rep stosd
        ; the guest's code and constants read-only (CR0.WP is set)
        mov edi, pt_low + (0x100000 >> 12) * 4
        mov ecx, (writable - _mb_header) >> 12      ; the image starts at 1 MiB
.ro:    and dword [edi], ~PTE_RW
        add edi, 4
        loop .ro
        ; and the page tables and the IDT, which stray stores would wreck
        mov edi, page_tables
        mov ecx, 4
.rot:   mov eax, edi
        shr eax, 12
        and dword [pt_low + eax * 4], ~PTE_RW
        add edi, 4096
        loop .rot
        mov eax, idt
        shr eax, 12
        and dword [pt_low + eax * 4], ~PTE_RW
.user:
        ENTRY pt_user, 0, user_code, PTE_P | PTE_RW | PTE_US
        ENTRY pt_user, 1, user_data, PTE_P | PTE_RW | PTE_US
        ENTRY pt_user, 2, user_data2, PTE_P | PTE_RW | PTE_US
        mov dword [pt_mmio + 0x000 * 4], IOAPIC_BASE | PTE_P | PTE_RW | PTE_US | PTE_PCD | PTE_PWT
        mov dword [pt_mmio + 0x100 * 4], HPET_BASE | PTE_P | PTE_RW | PTE_US | PTE_PCD | PTE_PWT
        mov dword [pt_mmio + 0x200 * 4], LAPIC_BASE | PTE_P | PTE_US | PTE_PCD | PTE_PWT
        cmp dword [ring], 0
        jne .lapic
        or dword [pt_mmio + 0x200 * 4], PTE_RW  ; ring=0: WP would stop the guest's own EOIs
.lapic:
        ENTRY page_dir, 0, pt_low, PTE_P | PTE_RW | PTE_US
        ENTRY page_dir, 1, pt_user, PTE_P | PTE_RW | PTE_US
        ENTRY page_dir, IOAPIC_BASE >> 22, pt_mmio, PTE_P | PTE_RW | PTE_US
        mov eax, page_dir
        mov cr3, eax
        mov eax, cr4
        or eax, (1 << 9) | (1 << 10)    ; OSFXSR, OSXMMEXCPT: SSE at CPL 3
        mov cr4, eax
        mov eax, cr0
        and eax, ~((1 << 16) | (1 << 2) | (1 << 3))     ; WP, EM, TS clear
        or eax, (1 << 31) | (1 << 5) | (1 << 1)         ; PG, NE, MP
        mov cr0, eax
        fninit
        ret

start_watchdog:
        mov dword [LAPIC_BASE + LAPIC_TPR], 0
        mov dword [LAPIC_BASE + LAPIC_SVR], 0x100 | SPURIOUS_VECTOR
        mov dword [LAPIC_BASE + LAPIC_TIMER_DCR], 0xb          ; divide by 1
        mov dword [LAPIC_BASE + LAPIC_LVT_TIMER], (1 << 17) | WATCHDOG_VECTOR
        mov dword [LAPIC_BASE + LAPIC_TIMER_ICR], WATCHDOG_COUNT
        ret

; ---- data ------------------------------------------------------------------
CHAOS_SHARED_DATA

        align 4
msrs:           dd 0x10, 0x1b, 0x3a, 0x3b, 0x48, 0x49, 0x8b, 0xe7, 0xe8, 0xfe, 0x10a, 0x10b
                dd 0x122, 0x174, 0x175, 0x176, 0x179, 0x17a, 0x1a0, 0x1d9, 0x200, 0x201
                dd 0x250, 0x277, 0x2ff, 0x6e0, 0x802, 0x80b, 0x830, 0xda0
                dd 0xc0000080, 0xc0000081, 0xc0000082, 0xc0000084, 0xc0000100, 0xc0000102
                dd 0xc0000103, 0x4b564d00, 0x4b564d01, 0x40000000, 0x40000001, 0x564d0000
MSRS            equ ($ - msrs) / 4
pages:          dd USER_DATA, USER_DATA2, USER_CODE, USER_DATA + 0x800

; Device-register accesses (mmio_access): the opcode that loads the address
; (0xbb EBX, 0xbe ESI, 0xbf EDI), the count of fixed bytes, the count of
; random bytes after them (immediates), the fixed bytes.
%macro ACCESS 3+
%%s:    db %1, %%e - %%s - 3, %2, %3
%%e:
%endmacro
acc_load:       ACCESS 0xbb, 0, 0x8b, 0x03              ; mov eax, [ebx]
acc_store:      ACCESS 0xbb, 0, 0x89, 0x03              ; mov [ebx], eax
acc_store8:     ACCESS 0xbb, 0, 0x88, 0x23              ; mov [ebx], ah
acc_store16:    ACCESS 0xbb, 0, 0x66, 0x89, 0x0b        ; mov [ebx], cx
acc_movzx8:     ACCESS 0xbb, 0, 0x0f, 0xb6, 0x03        ; movzx eax, byte [ebx]
acc_movsx16:    ACCESS 0xbb, 0, 0x0f, 0xbf, 0x13        ; movsx edx, word [ebx]
acc_xchg:       ACCESS 0xbb, 0, 0x87, 0x03              ; xchg [ebx], eax
acc_or_imm:     ACCESS 0xbb, 4, 0x81, 0x0b              ; or dword [ebx], imm32
acc_and_imm8:   ACCESS 0xbb, 1, 0x83, 0x23              ; and dword [ebx], imm8
acc_mov_imm:    ACCESS 0xbb, 4, 0xc7, 0x03              ; mov dword [ebx], imm32
acc_test_imm:   ACCESS 0xbb, 4, 0xf7, 0x03              ; test dword [ebx], imm32
acc_cmp:        ACCESS 0xbb, 0, 0x3b, 0x03              ; cmp eax, [ebx]
acc_add:        ACCESS 0xbb, 0, 0x01, 0x03              ; add [ebx], eax
acc_bt:         ACCESS 0xbb, 0, 0x0f, 0xa3, 0x03        ; bt [ebx], eax
acc_bt_imm:     ACCESS 0xbb, 1, 0x0f, 0xba, 0x23        ; bt dword [ebx], imm8
acc_stos:       ACCESS 0xbf, 0, 0xab                    ; stosd
acc_rep_stos:   ACCESS 0xbf, 0, 0xf3, 0xab              ; rep stosd (ECX random)
acc_load_seg:   ACCESS 0xbe, 0, 0x3e, 0x8b, 0x06        ; mov eax, ds:[esi]
acc_inc:        ACCESS 0xbb, 0, 0xff, 0x03              ; inc dword [ebx]
acc_neg8:       ACCESS 0xbb, 0, 0xf6, 0x1b              ; neg byte [ebx]
acc_bts:        ACCESS 0xbb, 0, 0xf0, 0x0f, 0xab, 0x03  ; lock bts [ebx], eax
acc_setb:       ACCESS 0xbb, 0, 0x0f, 0x92, 0x03        ; setb byte [ebx]
acc_cmpxchg:    ACCESS 0xbb, 0, 0x0f, 0xb1, 0x0b        ; cmpxchg [ebx], ecx
acc_xadd16:     ACCESS 0xbb, 0, 0x66, 0x0f, 0xc1, 0x13  ; xadd [ebx], dx
acc_shl_cl:     ACCESS 0xbb, 0, 0xd3, 0x23              ; shl dword [ebx], cl
acc_rcr8_imm:   ACCESS 0xbb, 1, 0xc0, 0x1b              ; rcr byte [ebx], imm8
acc_div:        ACCESS 0xbb, 0, 0xf7, 0x33              ; div dword [ebx] (#DE likely)
acc_imul3:      ACCESS 0xbb, 1, 0x6b, 0x03              ; imul eax, [ebx], imm8
acc_movs:       ACCESS 0xbe, 0, 0xa5                    ; movsd from [esi] to [edi] (EDI random)
        align 4
accesses:       dd acc_load, acc_store, acc_store8, acc_store16, acc_movzx8, acc_movsx16
                dd acc_xchg, acc_or_imm, acc_and_imm8, acc_mov_imm, acc_test_imm, acc_cmp
                dd acc_add, acc_bt, acc_bt_imm, acc_stos, acc_rep_stos, acc_load_seg
                dd acc_inc, acc_neg8, acc_bts, acc_setb, acc_cmpxchg, acc_xadd16
                dd acc_shl_cl, acc_rcr8_imm, acc_div, acc_imul3, acc_movs
ACCESSES        equ ($ - accesses) / 4

; Instruction forms of this mode (chaos.inc has those of both).
form_rdrand:    FORM 0x0f, 0xc7, 0xf0, 0x90
form_ins_ram:   FORM 0x6c, 0x6c, 0x90                   ; INSB into a user page
form_outs_ram:  FORM 0xf3, 0x6e, 0x90                   ; REP OUTSB from one
; CR0's low byte flipped by the random byte (PE, MP, EM, TS, NE...): a
; random MOV to CR0 would turn paging off half the time, and the run would
; end in the zeros of low memory
form_flip_cr0:  FORM2 {0x0f, 0x20, 0xc0, 0x34}, {0x0f, 0x22, 0xc0, 0x90}
form_mov_cr4:   FORM 0x0f, 0x22, 0xe0, 0x90             ; MOV CR4, EAX
form_mov_cr3:   FORM 0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0x90   ; CR3 reloaded (a TLB flush)
form_jmp_tss2:  FORM 0xea, 0x00, 0x00, 0x00, 0x00, SEL_TSS2, 0x00, 0x90
form_call_tss2: FORM 0x9a, 0x00, 0x00, 0x00, 0x00, SEL_TSS2, 0x00, 0x90
form_jmp_tss:   FORM 0xea, 0x00, 0x00, 0x00, 0x00, SEL_TSS, 0x00, 0x90

        align 4
forms:          dd form_in_imm, form_ind_imm, form_out_imm, form_outd_imm, form_in_dx
                dd form_out_dx, form_outw_dx, form_inw_dx, form_rep_insb, form_rep_outsd
                dd form_outsw, form_insd, form_cpuid, form_rdtsc, form_rdtscp
                dd form_vmcall, form_rdrand, form_pause, form_ins_ram, form_outs_ram
                dd form_backdoor, form_int3, form_int80, form_flip_cr0, form_mov_cr4
                dd form_mov_cr3, form_read_cr, form_wrmsr, form_rdmsr, form_mov_dr
                dd form_read_dr, form_xsetbv, form_hlt, form_sti_hlt, form_cli
                dd form_invlpg, form_wbinvd, form_clts_lmsw, form_jmp_tss2, form_call_tss2
                dd form_jmp_tss, form_monitor
FORMS           equ ($ - forms) / 4

; The vector stubs: push the vector number, on to `event` (an error code,
; where the CPU pushes one, stays under it: the episode is over anyway).
STUB_SIZE       equ 16
        align 16
stubs:
%assign v 0
%rep 256
        push dword v
        jmp dword event
        align 16, db 0x90
%assign v v + 1
%endrep

; The GDT as build_gdt_tss writes it (TSS bases filled in there).
        align 8
gdt_pristine:
        dq 0                            ; accessed bits set: the CPU need not write them
        dq 0x00cf9b000000ffff           ; 0x08: kernel code
        dq 0x00cf93000000ffff           ; 0x10: kernel data
        dq 0x00cffb000000ffff           ; 0x18: user code
        dq 0x00cff3000000ffff           ; 0x20: user data
        dw tss_end - tss - 1            ; 0x28: the TSS
        dw 0
        db 0, 0x89, 0, 0
        dw 103                          ; 0x30: the TSS of random contents
        dw 0
        db 0, 0x89, 0, 0
        dw 103                          ; 0x38: #DF's task
        dw 0
        db 0, 0x89, 0, 0

; Writable from here on (ring=0 maps the pages before it read-only).
        align 4096, db 0
writable:
        align 8
gdtr:   dw gdt_end - gdt - 1
        dd gdt
        align 8
gdt:            times 5 dq 0            ; from gdt_pristine (build_gdt_tss)
gdt_tss:        dq 0                    ; 0x28
gdt_tss2:       dq 0                    ; 0x30
gdt_dftss:      dq 0                    ; 0x38
gdt_end:
idtr:   dw 256 * 8 - 1
        dd idt

; Zero-initialised, but in the image: the loader zeroes only up to
; _bss_end, and the I/O bitmap must be followed by a byte of all ones.
        align 4
rng:            dd 0
done:           dd 0
ticks:          dd 0
in_user:        dd 0
calm:           dd 0
nmis:           dd 0
regs:           times 7 dd 0
ended:          times 256 dd 0
        align 16
tss:            times 104 db 0
iomap:          times 8192 db 0
                db 0xff                 ; read past the map's end by the CPU
tss_end:
        align 16
tss2:           times 104 db 0
        align 16
dftss:          times 104 db 0
        align 16
df_stack:       times 1024 db 0
df_stack_top:

GUEST_END 8

; The zeroed pages after the image (GUEST_END 8): page tables, the user
; pages, the IDT.
page_tables     equ guest_pages
page_dir        equ guest_pages + 0 * 4096
pt_low          equ guest_pages + 1 * 4096
pt_user         equ guest_pages + 2 * 4096
pt_mmio         equ guest_pages + 3 * 4096
user_code       equ guest_pages + 4 * 4096
user_data       equ guest_pages + 5 * 4096
user_data2      equ guest_pages + 6 * 4096
idt             equ guest_pages + 7 * 4096
