; smp: a VM of several vCPUs (issues 13 and 14). The BSP starts the APs as
; Linux and kvm-unit-tests do: INIT, SIPI, SIPI with the shorthand "all
; excluding self", to a real-mode trampoline copied below 1 MiB (0x7000,
; vector 0x07). Each AP switches to 32-bit protected mode, prints its APIC
; ID, counts itself in and sends the BSP a fixed IPI, which wakes it from
; HLT. Then the BSP sends each AP a fixed IPI by physical APIC ID and one by
; logical (flat) destination, an NMI IPI to APIC 1, moves its own APIC's
; page to 0xfed40000 through IA32_APIC_BASE (checking that the APIC answers
; there and no longer at 0xfee00000) and sends APIC 1 an IPI through the
; moved ICR, moves it back, switches itself to x2APIC mode and sends a self-IPI through the SELF IPI MSR (0x83f) and an
; IPI to APIC 1 through the ICR MSR (0x830). Every AP handler answers with
; a fixed IPI to the BSP (its "ack"), which the BSP waits for in HLT.
;
; touch=P (optional, issue 13): then every vCPU, the APs from a fixed IPI's
; handler, sweeps its own P pages at 4 MiB + index * P pages three times
; (write a pattern, check it and write its complement, check that), rounds=R
; times (default 1), so a VM
; whose limit is below what they touch releases pages at every vCPU's poll
; points and reads them back: "smp: N vcpus touched P pages each, M
; mismatches" (M must be 0).
;
; Last, every vCPU (the APs from a fixed IPI's handler) turns on paging with
; page tables of its own that map linear 0x40000000 to a page of its own
; holding its own number, and reads it there until every vCPU has read its
; own at least once and then 20,000 times more, with PAUSE between reads:
; "smp: N vcpus read their own page at 0x40000000, M mismatches". A CPU
; tags what its TLB caches with the VPID and PCID, not with CR3, so vCPUs
; that shared a VPID (the hypervisor's bug until session 14) would read a
; sibling's page on real hardware.
;
; cpus=N on the command line (default 2): the vCPUs the VM has. Every step
; prints a line "smp: ..."; the last is "smp: ok", then exit 0. A failed
; check prints "smp: FAIL: ..." and exits 1; an unexpected vector exits 2.
; Lines are printed under a spinlock: vCPUs share the UART.
%include "common.inc"

APIC        equ 0xfee00000
APIC_ID     equ APIC + 0x20
APIC_EOI    equ APIC + 0xb0
APIC_LDR    equ APIC + 0xd0
APIC_SVR    equ APIC + 0xf0
APIC_ICR_LO equ APIC + 0x300
APIC_ICR_HI equ APIC + 0x310
MSR_APIC_BASE   equ 0x1b
MSR_X2_ID       equ 0x802
MSR_X2_EOI      equ 0x80b
MSR_X2_LDR      equ 0x80d
MSR_X2_ICR      equ 0x830
MSR_X2_SELF     equ 0x83f
APIC_MOVED  equ 0xfed40000      ; where the BSP moves its APIC (as kvm-unit-tests does)
TRAMP       equ 0x7000          ; SIPI vector 0x07
VEC_ACK     equ 0x50            ; AP -> BSP
VEC_PHYS    equ 0x51            ; BSP -> AP, physical destination
VEC_LOGICAL equ 0x52            ; BSP -> AP, logical destination
VEC_SELF    equ 0x53            ; BSP -> itself, x2APIC SELF IPI
VEC_X2      equ 0x54            ; BSP (x2APIC ICR) -> AP
VEC_TOUCH   equ 0x55            ; BSP (x2APIC ICR, all excluding self) -> APs
VEC_TLB     equ 0x56            ; BSP (x2APIC ICR, all excluding self) -> APs
TOUCH_BASE  equ 0x400000
TLB_BASE    equ 0x200000        ; per vCPU: page directory, page table, data page
TLB_LINEAR  equ 0x40000000
TLB_READS   equ 20000
MAX_CPUS    equ 4

; LOCKED_PRINT "text": a line fragment under the print lock.
%macro LOCKED 0
        call print_lock
%endmacro
%macro UNLOCKED 0
        call print_unlock
%endmacro

main:
        call flat_setup
        mov al, 0xff            ; the 8259s masked, as an OS does on a PC
        out 0x21, al            ; (the BIOS left the 18.2 Hz tick open, and
        out 0xa1, al            ; vector 8 is #DF in protected mode)
        mov esi, key_cpus
        call find_arg
        jc .have
        mov eax, 2
.have:  cmp eax, MAX_CPUS
        ja .badn
        cmp eax, 2
        jb .badn
        mov [ncpus], eax

        ; CPUID: this vCPU's initial APIC ID and the package's processors
        mov eax, 1
        cpuid
        shr ebx, 24
        mov [cpuid_id], ebx
        mov eax, 0xb
        mov ecx, 1
        cpuid
        and ebx, 0xffff
        PRINT "smp: bsp apic id "
        PRINT_DEC [cpuid_id]
        PRINT ", cpuid 0xb says "
        PRINT_DEC ebx
        PRINT " logical processors", 10
        cmp ebx, [ncpus]
        jne .badcpuid

        mov dword [APIC_SVR], 0x1ff
        ; the trampoline below 1 MiB
        mov esi, tramp_start
        mov edi, TRAMP
        mov ecx, tramp_end - tramp_start
        rep movsb
        ; INIT (assert), SIPI, SIPI to all but self
        PRINT "smp: sending init, sipi, sipi to all excluding self", 10
        mov dword [APIC_ICR_HI], 0
        mov dword [APIC_ICR_LO], 0x000c4500
        mov dword [APIC_ICR_LO], 0x000c4600 | (TRAMP >> 12)
        mov dword [APIC_ICR_LO], 0x000c4600 | (TRAMP >> 12)

        ; wait in HLT: each AP counts itself in, then sends us an IPI once
        ; bsp_waiting is set, with interrupts off until the HLT (STI's
        ; shadow covers it), so an IPI finds us halted or halting. IPIs of
        ; one vector arriving together merge in the IRR (as on hardware):
        ; the count is ap_count, and at least one IPI must have come.
        mov ebx, [ncpus]
        dec ebx
.wait:  cli
        mov dword [bsp_waiting], 1
        cmp [ap_count], ebx
        jb .halt
        cmp dword [bsp_acks], 1
        jae .up
.halt:  sti
        hlt
        inc dword [bsp_halts]
        jmp .wait
.up:    ; Each AP counts itself in, then sends its ack: one can be counted
        ; in, and be held off the CPU, and send its ack only later. Taken
        ; then, that ack passed for the first test IPI's (seen once on our
        ; one physical CPU, and possible on hardware). So wait, interrupts
        ; on, until every AP has sent its ack (acks_sent counts them once
        ; the ICR is written: the vector is in our IRR by then), and take
        ; any still pending before the tests begin.
.drain: sti
        pause
        cmp [acks_sent], ebx
        jb .drain
        nop
        cli
        LOCKED
        PRINT "smp: "
        PRINT_DEC [ap_count]
        PRINT " aps up, bsp woken from hlt "
        PRINT_DEC [bsp_halts]
        PRINT " times by "
        PRINT_DEC [bsp_acks]
        PRINT " ipis", 10
        UNLOCKED
        cmp dword [bsp_halts], 1
        jb .nohalt

        ; a fixed IPI to each AP, by physical ID, then by logical destination
        mov ebx, 1
.each:  cmp ebx, [ncpus]
        jae .nmi
        mov esi, [bsp_acks]
        mov ecx, ebx
        shl ecx, 24
        mov [APIC_ICR_HI], ecx
        mov dword [APIC_ICR_LO], VEC_PHYS
        call wait_ack
        cmp dword [phys_hits + ebx * 4], 1
        jne .badphys
        LOCKED
        PRINT "smp: fixed ipi to apic id "
        PRINT_DEC ebx
        PRINT " by physical destination ok", 10
        UNLOCKED
        mov esi, [bsp_acks]
        mov ecx, ebx
        mov eax, 1
        shl eax, cl
        shl eax, 24
        mov [APIC_ICR_HI], eax
        mov dword [APIC_ICR_LO], VEC_LOGICAL | (1 << 11)
        call wait_ack
        cmp dword [log_hits + ebx * 4], 1
        jne .badlog
        LOCKED
        PRINT "smp: fixed ipi to apic id "
        PRINT_DEC ebx
        PRINT " by logical destination "
        PRINT_HEX eax
        PRINT " ok", 10
        UNLOCKED
        inc ebx
        jmp .each

.nmi:   mov esi, [bsp_acks]
        mov dword [APIC_ICR_HI], 1 << 24
        mov dword [APIC_ICR_LO], 4 << 8   ; NMI
        call wait_ack
        cmp dword [nmi_hits + 4], 1
        jne .badnmi
        LOCKED
        PRINT "smp: nmi ipi to apic id 1 ran its handler", 10
        UNLOCKED
        call move_apic


        ; x2APIC: offered by CPUID, entered through IA32_APIC_BASE.EXTD
        mov eax, 1
        cpuid
        test ecx, 1 << 21
        jz .nox2
        mov ecx, MSR_APIC_BASE
        rdmsr
        or eax, 1 << 10
        wrmsr
        mov byte [bsp_x2], 1
        mov ecx, MSR_X2_ID
        rdmsr
        mov ebx, eax
        mov ecx, MSR_X2_LDR
        rdmsr
        LOCKED
        PRINT "smp: bsp in x2apic mode, id "
        PRINT_DEC ebx
        PRINT ", ldr "
        PRINT_HEX eax
        PRINT 10
        UNLOCKED
        mov ecx, MSR_X2_SELF
        mov eax, VEC_SELF
        xor edx, edx
        wrmsr
.self:  cli
        cmp dword [self_hits], 1
        jae .selfok
        sti
        hlt
        jmp .self
.selfok:
        LOCKED
        PRINT "smp: x2apic self ipi through msr 0x83f ok", 10
        UNLOCKED
        mov esi, [bsp_acks]
        mov ecx, MSR_X2_ICR
        mov eax, VEC_X2         ; fixed, physical
        mov edx, 1              ; destination: x2APIC ID 1
        wrmsr
        call wait_ack
        cmp dword [x2_hits + 4], 1
        jne .badx2
        LOCKED
        PRINT "smp: x2apic ipi through msr 0x830 to apic id 1 ok", 10
        UNLOCKED
        call touch_phase
        call tlb_phase
        LOCKED
        PRINT "smp: ok", 10
        UNLOCKED
        EXIT 0

.badn:  PRINT "smp: FAIL: cpus= must be 2 to 4", 10
        EXIT 1
.badcpuid:
        PRINT "smp: FAIL: cpuid and cpus= disagree", 10
        EXIT 1
.nohalt:
        PRINT "smp: FAIL: the aps came up before the bsp halted", 10
        EXIT 1
.badphys:
        PRINT "smp: FAIL: physical ipi hit the wrong ap", 10
        EXIT 1
.badlog:
        PRINT "smp: FAIL: logical ipi hit the wrong ap", 10
        EXIT 1
.badnmi:
        PRINT "smp: FAIL: nmi count wrong", 10
        EXIT 1
.nox2:  PRINT "smp: FAIL: cpuid does not offer x2apic", 10
        EXIT 1
.badx2: PRINT "smp: FAIL: x2apic icr ipi count wrong", 10
        EXIT 1

; touch_phase: with touch=P, every vCPU sweeps its own pages; the BSP
; waits for every AP's ack and prints the mismatches.
touch_phase:
        mov esi, key_touch
        call find_arg
        jnc .none
        mov [touch_pages], eax
        mov esi, key_rounds
        call find_arg
        jc .r
        mov eax, 1
.r:     mov [touch_rounds], eax
        mov ecx, MSR_X2_ICR
        mov eax, VEC_TOUCH | (3 << 18) ; fixed, all excluding self
        xor edx, edx
        wrmsr
        xor ebx, ebx            ; the BSP's pages: index 0
        call touch_sweeps
        lock add [touch_bad], eax
        ; the APs' acks may merge: count the APs done instead
        mov esi, [ncpus]
        dec esi
.tw:    cli
        cmp [touch_done], esi
        jae .tdone
        sti
        hlt
        jmp .tw
.tdone:
        LOCKED
        PRINT "smp: "
        PRINT_DEC [ncpus]
        PRINT " vcpus touched "
        PRINT_DEC [touch_pages]
        PRINT " pages each, "
        PRINT_DEC [touch_bad]
        PRINT " mismatches", 10
        UNLOCKED
        cmp dword [touch_bad], 0
        jne .bad
.none:  ret
.bad:   PRINT "smp: FAIL: pages read back wrong", 10
        EXIT 1

; tlb_phase: every vCPU reads its own page through its own page tables;
; the BSP waits for every AP and prints the mismatches.
tlb_phase:
        mov ecx, MSR_X2_ICR
        mov eax, VEC_TLB | (3 << 18)    ; fixed, all excluding self
        xor edx, edx
        wrmsr
        xor ebx, ebx
        call tlb_reads
        lock add [tlb_bad], eax
        mov esi, [ncpus]
        dec esi
.tw:    cli
        cmp [tlb_done], esi
        jae .tdone
        sti
        hlt
        jmp .tw
.tdone: sti
        LOCKED
        PRINT "smp: "
        PRINT_DEC [ncpus]
        PRINT " vcpus read their own page at 0x40000000, "
        PRINT_DEC [tlb_bad]
        PRINT " mismatches", 10
        UNLOCKED
        cmp dword [tlb_bad], 0
        jne .bad
        ret
.bad:   PRINT "smp: FAIL: a vcpu read another's page through its own page tables", 10
        EXIT 1

; tlb_reads: EBX = vCPU index. Builds its page directory (4 MiB pages
; mapping everything to itself, but 0x40000000: a page table whose first
; entry is its data page, which holds index + 1), turns paging on, counts
; itself in, reads its page until all have counted in and TLB_READS times
; more, and turns paging off. EAX = mismatches. Preserves other registers.
tlb_reads:
        push ebx
        push ecx
        push edx
        push esi
        push edi
        imul edi, ebx, 0x3000
        add edi, TLB_BASE               ; EDI = the page directory
        xor ecx, ecx
.pde:   mov eax, ecx
        shl eax, 22
        or eax, 0x83                    ; present, writable, 4 MiB
        mov [edi + ecx * 4], eax
        inc ecx
        cmp ecx, 1024
        jb .pde
        lea eax, [edi + 0x1000 + 3]     ; the page table, present, writable
        mov [edi + (TLB_LINEAR >> 22) * 4], eax
        lea eax, [edi + 0x2000 + 3]     ; the data page
        mov [edi + 0x1000], eax
        lea edx, [ebx + 1]
        mov [edi + 0x2000], edx         ; EDX = what this vCPU must read
        mov eax, cr4
        or eax, 1 << 4                  ; PSE
        mov cr4, eax
        mov cr3, edi
        mov eax, cr0
        or eax, 1 << 31
        mov cr0, eax
        cmp [TLB_LINEAR], edx           ; read once (and cached) before counting in
        setne al
        movzx esi, al                   ; ESI = mismatches
        lock inc dword [tlb_in]
        mov ecx, TLB_READS
.read:  cmp [TLB_LINEAR], edx
        je .same
        inc esi
.same:  pause
        mov eax, [ncpus]
        cmp [tlb_in], eax
        jb .read                        ; not every vCPU has read its own yet
        loop .read
        mov eax, cr0
        and eax, ~(1 << 31)
        mov cr0, eax
        mov eax, esi
        pop edi
        pop esi
        pop edx
        pop ecx
        pop ebx
        ret

; touch_sweeps: EBX = vCPU index; [touch_rounds] rounds of touch_round.
; EAX = mismatches. Preserves other registers.
touch_sweeps:
        push ecx
        push edx
        mov ecx, [touch_rounds]
        xor edx, edx
.round: call touch_round
        add edx, eax
        loop .round
        mov eax, edx
        pop edx
        pop ecx
        ret

; touch_round: EBX = vCPU index; sweeps its [touch_pages] pages three
; times, 16 dwords a page. EAX = mismatches. Preserves other registers.
touch_round:
        push ebx
        push ecx
        push edx
        push esi
        push edi
        mov eax, [touch_pages]
        shl eax, 12
        imul eax, ebx
        lea edi, [TOUCH_BASE + eax]     ; this vCPU's first page
        mov edx, ebx
        shl edx, 28
        xor edx, 0x05a5a000             ; the pattern: address ^ this
        xor ecx, ecx                    ; mismatches
        ; 1: write
        mov ebx, edi
        call .span
.w1:    mov eax, ebx
        xor eax, edx
        mov [ebx], eax
        add ebx, 256
        cmp ebx, esi
        jb .w1
        ; 2: check, write the complement
        mov ebx, edi
.w2:    mov eax, ebx
        xor eax, edx
        cmp [ebx], eax
        je .ok2
        inc ecx
.ok2:   not eax
        mov [ebx], eax
        add ebx, 256
        cmp ebx, esi
        jb .w2
        ; 3: check the complement
        mov ebx, edi
.w3:    mov eax, ebx
        xor eax, edx
        not eax
        cmp [ebx], eax
        je .ok3
        inc ecx
.ok3:   add ebx, 256
        cmp ebx, esi
        jb .w3
        mov eax, ecx
        pop edi
        pop esi
        pop edx
        pop ecx
        pop ebx
        ret
.span:  mov esi, [touch_pages]          ; ESI = the end of the span
        shl esi, 12
        add esi, edi
        ret

; move_apic: IA32_APIC_BASE moves the BSP's APIC page (SDM 11.4.4); the
; APs' APICs stay at the default page. The BSP's handlers EOI at [bsp_apic].
move_apic:
        mov ecx, MSR_APIC_BASE
        rdmsr
        mov ebx, eax                    ; to restore
        and eax, 0xfff
        or eax, APIC_MOVED
        cli
        wrmsr
        mov dword [bsp_apic], APIC_MOVED
        sti
        rdmsr
        and eax, 0xfffff000
        cmp eax, APIC_MOVED
        jne .badbase
        mov eax, [APIC_MOVED + 0x30]    ; the version register answers there
        cmp al, 0x10
        jb .badver
        cmp dword [APIC + 0x30], 0xffffffff ; and no longer here
        jne .stillthere
        mov esi, [bsp_acks]
        mov dword [APIC_MOVED + 0x310], 1 << 24
        mov dword [APIC_MOVED + 0x300], VEC_PHYS
        call wait_ack
        cmp dword [phys_hits + 4], 2
        jne .badipi
        mov ecx, MSR_APIC_BASE
        mov eax, ebx
        xor edx, edx
        cli
        wrmsr
        mov dword [bsp_apic], APIC
        sti
        mov eax, [APIC + 0x30]
        cmp al, 0x10
        jb .badver
        LOCKED
        PRINT "smp: apic moved to 0xfed40000 and back, ipi through the moved icr ok", 10
        UNLOCKED
        ret
.badbase:
        PRINT "smp: FAIL: IA32_APIC_BASE does not read back the moved base", 10
        EXIT 1
.badver:
        PRINT "smp: FAIL: no apic version register at the apic base", 10
        EXIT 1
.stillthere:
        PRINT "smp: FAIL: the apic still answers at its old page", 10
        EXIT 1
.badipi:
        PRINT "smp: FAIL: ipi through the moved icr did not arrive", 10
        EXIT 1

; wait_ack: ESI = bsp_acks before the IPI was sent; sleeps in HLT until an
; AP's ack has come.
wait_ack:
        inc esi
.w:     cli
        cmp [bsp_acks], esi
        jae .done
        sti
        hlt
        jmp .w
.done:  ret

; ---- the print lock ---------------------------------------------------
print_lock:
        push eax
.spin:  mov eax, 1
        xchg eax, [lock_word]
        test eax, eax
        jz .got
        pause
        jmp .spin
.got:   pop eax
        ret
print_unlock:
        mov dword [lock_word], 0
        ret

; ---- set-up shared by the BSP and the APs ---------------------------------
        FLAT_SETUP

idt_table:
        dd 2, nmi_isr
        dd VEC_ACK, ack_isr
        dd VEC_PHYS, phys_isr
        dd VEC_LOGICAL, logical_isr
        dd VEC_SELF, self_isr
        dd VEC_X2, x2_isr
        dd VEC_TOUCH, touch_isr
        dd VEC_TLB, tlb_isr
        dd -1

; ---- the APs ----------------------------------------------------------
; Entered from the trampoline in 32-bit protected mode, CS = 0x08.
ap_entry32:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov eax, 1
        lock xadd [ap_next], eax
        inc eax
        shl eax, 12
        lea esp, [ap_stacks + eax]
        lidt [flat_idtr]
        mov dword [APIC_SVR], 0x1ff
        mov ebx, [APIC_ID]
        shr ebx, 24
        ; logical ID, flat model: one bit per APIC ID
        mov ecx, ebx
        mov eax, 1
        shl eax, cl
        shl eax, 24
        mov [APIC_LDR], eax
        LOCKED
        PRINT "smp: ap with apic id "
        PRINT_DEC ebx
        PRINT " up in protected mode", 10
        UNLOCKED
        lock inc dword [ap_count]
.go:    cmp dword [bsp_waiting], 0      ; the BSP is about to halt
        jne .send
        pause
        jmp .go
.send:  call send_ack
        lock inc dword [acks_sent]
.idle:  sti
        hlt
        jmp .idle

; send_ack: a fixed IPI to the BSP (APIC ID 0) from an AP (xAPIC).
send_ack:
        mov dword [APIC_ICR_HI], 0
        mov dword [APIC_ICR_LO], VEC_ACK
        ret

; AP handlers: count per APIC ID, ack, EOI.
%macro AP_ISR 2                  ; name, counter table
%1:
        pushad
        mov ebx, [APIC_ID]
        shr ebx, 24
        lock inc dword [%2 + ebx * 4]
        call send_ack
        mov dword [APIC_EOI], 0
        popad
        iret
%endmacro
AP_ISR phys_isr, phys_hits
AP_ISR logical_isr, log_hits
AP_ISR x2_isr, x2_hits

tlb_isr:                        ; an AP's reads through its own page tables
        pushad
        mov ebx, [APIC_ID]
        shr ebx, 24
        call tlb_reads
        lock add [tlb_bad], eax
        lock inc dword [tlb_done]
        call send_ack
        mov dword [APIC_EOI], 0
        popad
        iret

touch_isr:                      ; an AP's sweeps, then its ack
        pushad
        mov ebx, [APIC_ID]
        shr ebx, 24
        call touch_sweeps
        lock add [touch_bad], eax
        lock inc dword [touch_done]
        call send_ack
        mov dword [APIC_EOI], 0
        popad
        iret

nmi_isr:                        ; no EOI for an NMI; IRET unblocks NMIs
        pushad
        mov ebx, [APIC_ID]
        shr ebx, 24
        lock inc dword [nmi_hits + ebx * 4]
        call send_ack
        popad
        iret

; BSP handlers: the EOI goes where its APIC mode says.
bsp_eoi:
        cmp byte [bsp_x2], 0
        jne .x2
        push eax
        mov eax, [bsp_apic]
        mov dword [eax + 0xb0], 0
        pop eax
        ret
.x2:    push eax
        push ecx
        push edx
        mov ecx, MSR_X2_EOI
        xor eax, eax
        xor edx, edx
        wrmsr
        pop edx
        pop ecx
        pop eax
        ret

ack_isr:
        lock inc dword [bsp_acks]
        call bsp_eoi
        iret

self_isr:
        lock inc dword [self_hits]
        call bsp_eoi
        iret

unexpected:
        call print_lock
        PRINT "smp: FAIL: unexpected interrupt or exception", 10
        EXIT 2

; ---- the real-mode trampoline (copied to TRAMP) ------------------------
        bits 16
tramp_start:
        cli
        xor ax, ax
        mov ds, ax
        o32 lgdt [TRAMP + (tramp_gdtr - tramp_start)]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword 0x08:ap_entry32
        align 4, db 0
tramp_gdtr:
        dw 3 * 8 - 1
        dd flat_gdt
tramp_end:
        bits 32

key_cpus:   db "cpus=", 0
key_touch:  db "touch=", 0
key_rounds: db "rounds=", 0
        FLAT_DESCRIPTORS
        align 4
lock_word:  dd 0
ncpus:      dd 0
cpuid_id:   dd 0
ap_next:    dd 0
ap_count:   dd 0
bsp_halts:  dd 0
bsp_waiting: dd 0
bsp_acks:   dd 0
acks_sent:  dd 0                ; APs that have sent their start-up ack
self_hits:  dd 0
touch_pages: dd 0
touch_bad:  dd 0
touch_done: dd 0
tlb_in:     dd 0                ; vCPUs that read their page once
tlb_done:   dd 0                ; APs done with their reads
tlb_bad:    dd 0
touch_rounds: dd 0
bsp_x2:     db 0
align 4
bsp_apic:   dd APIC                 ; the BSP's APIC page (move_apic)
        align 4
phys_hits:  times MAX_CPUS dd 0
log_hits:   times MAX_CPUS dd 0
nmi_hits:   times MAX_CPUS dd 0
x2_hits:    times MAX_CPUS dd 0
        align 16
ap_stacks:  times MAX_CPUS * 4096 db 0

GUEST_END
