; irqtimer: takes timer interrupts with HLT between them, as an OS idle loop
; does, and checks their count and rate (issue 14). Phase 1: the 8254's
; channel 0 at 100 Hz through the 8259 (IRQ 0, vector 0x20). Its rate is
; judged against the TSC, which is first calibrated against channel 2
; gated through port 0x61, as Linux and memtest86+ do, so the guest needs no
; outside clock. Ticks=N on the command line (default 50).
;
; Phase 2: the local APIC's timer (xAPIC registers at 0xfee00000, every
; access an emulated MMIO exit), periodic at 10 ms of its 1 GHz bus clock
; (what the monitor documents) with the 8259 masked, EOI through the APIC.
; Phase 3: TSC-deadline mode (IA32_TSC_DEADLINE), re-armed 10 ms ahead from
; each interrupt.
;
; Lines: "irqtimer: tsc per 10 ms T", "irqtimer: pit N ticks in P% of the
; expected time, H halts", "irqtimer: lapic ...", "irqtimer: tsc-deadline
; ...", "irqtimer: ok", then exit 0; any failure prints a reason and exits 1
; (an unexpected vector exits 2).
%include "common.inc"
%include "legacy_timers.inc"

VEC_PIT   equ 0x20
VEC_APIC  equ 0x40
VEC_DL    equ 0x41
APIC      equ 0xfee00000
APIC_EOI  equ APIC + 0xb0
APIC_SVR  equ APIC + 0xf0
APIC_LVTT equ APIC + 0x320
APIC_INIT equ APIC + 0x380
APIC_DIV  equ APIC + 0x3e0
MSR_TSC_DEADLINE equ 0x6e0
APIC_10MS equ 10000000          ; 10 ms of the 1 GHz APIC bus clock

main:
        call flat_setup
        call pic_setup
        call calibrate_tsc
        mov [tsc_10ms], eax
        PRINT "irqtimer: tsc per 10 ms "
        PRINT_DEC eax
        PRINT 10
        test eax, eax
        jz .nocal

        mov esi, key_ticks
        call find_arg
        jc .have
        mov eax, 50
.have:  mov [want], eax

        ; channel 0, lobyte/hibyte, mode 2 (rate generator), binary
        mov al, 0x34
        out PIT_CMD, al
        mov al, PIT_10MS & 0xff
        out PIT_CH0, al
        mov al, PIT_10MS >> 8
        out PIT_CH0, al
        rdtsc
        mov [t0], eax
        mov [t0 + 4], edx
        sti
.idle:  mov eax, [ticks]
        cmp eax, [want]
        jae .done
        hlt
        inc dword [halts]
        jmp .idle
.done:  cli
        rdtsc
        sub eax, [t0]
        sbb edx, [t0 + 4]
        call percent
        mov ebx, eax
        PRINT "irqtimer: pit "
        PRINT_DEC [ticks]
        PRINT " ticks in "
        PRINT_DEC ebx
        PRINT "% of the expected time, "
        PRINT_DEC [halts]
        PRINT " halts", 10
        cmp ebx, 80
        jb .rate
        cmp ebx, 125
        ja .rate
        mov eax, [halts]        ; one tick may come before the first HLT:
        inc eax                 ; the 8259 latches the edge of OUT rising
        cmp eax, [want]         ; when the count is loaded
        jb .fewhalts
        call lapic_phase
        call deadline_phase
        PRINT "irqtimer: ok", 10
        EXIT 0
.rate:  PRINT "irqtimer: FAIL: tick rate off", 10
        EXIT 1
.fewhalts:
        PRINT "irqtimer: FAIL: fewer halts than ticks", 10
        EXIT 1
.nocal: PRINT "irqtimer: FAIL: channel 2 never counted down", 10
        EXIT 1

; percent: EDX:EAX elapsed TSC over [want] periods of 10 ms -> EAX, the
; percentage of the expected time: (elapsed / want) * 100 / tsc_10ms, divided
; first so that nothing overflows (EDX < want for any run we make).
percent:
        div dword [want]
        mov ecx, 100
        mul ecx
        div dword [tsc_10ms]
        ret

; rate_check: EAX percent; fails the run outside 80-125.
rate_check:
        cmp eax, 80
        jb .bad
        cmp eax, 125
        ja .bad
        ret
.bad:   PRINT "irqtimer: FAIL: interrupt rate off", 10
        EXIT 1

; ---- phase 2: the local APIC timer, periodic --------------------------------
lapic_phase:
        mov al, 0xff            ; the 8259 off: only the APIC interrupts now
        out PIC1_DATA, al
        mov al, 0x30            ; and channel 0 stopped (a control word with
        out PIT_CMD, al         ; no count), so nothing else wakes the HLTs
        mov dword [APIC_SVR], 0x1ff
        mov dword [APIC_DIV], 0xb       ; divide by 1
        mov dword [APIC_LVTT], (1 << 17) | VEC_APIC ; periodic
        rdtsc
        mov [t0], eax
        mov [t0 + 4], edx
        mov dword [APIC_INIT], APIC_10MS
        sti
.idle:  mov eax, [lticks]
        cmp eax, [want]
        jae .done
        hlt
        jmp .idle
.done:  cli
        mov dword [APIC_INIT], 0        ; stop it
        rdtsc
        sub eax, [t0]
        sbb edx, [t0 + 4]
        call percent
        mov ebx, eax
        PRINT "irqtimer: lapic "
        PRINT_DEC [lticks]
        PRINT " periodic ticks in "
        PRINT_DEC ebx
        PRINT "% of the expected time", 10
        mov eax, ebx
        jmp rate_check

; ---- phase 3: TSC-deadline mode, re-armed from each interrupt ----------------
deadline_phase:
        mov dword [APIC_LVTT], (2 << 17) | VEC_DL
        rdtsc
        mov [t0], eax
        mov [t0 + 4], edx
        call arm_deadline
        sti
.idle:  mov eax, [dticks]
        cmp eax, [want]
        jae .done
        hlt
        jmp .idle
.done:  cli
        rdtsc
        sub eax, [t0]
        sbb edx, [t0 + 4]
        call percent
        mov ebx, eax
        PRINT "irqtimer: tsc-deadline "
        PRINT_DEC [dticks]
        PRINT " interrupts in "
        PRINT_DEC ebx
        PRINT "% of the expected time", 10
        mov eax, ebx
        jmp rate_check

; arm_deadline: IA32_TSC_DEADLINE = now + 10 ms.
arm_deadline:
        push eax
        push ecx
        push edx
        rdtsc
        add eax, [tsc_10ms]
        adc edx, 0
        mov ecx, MSR_TSC_DEADLINE
        wrmsr
        pop edx
        pop ecx
        pop eax
        ret

; ---- TSC calibration: 10 ms of the PIT's channel 2 ------------------------
; Returns EAX = TSC ticks in 10 ms (0 if OUT2 never rose).
calibrate_tsc:
        call pit_10ms_start
        rdtsc
        mov ebx, eax
        call pit_10ms_wait
        jnc .none
        rdtsc
        sub eax, ebx
        ret
.none:  xor eax, eax
        ret

; ---- IDT: every vector to `unexpected` except ours -----------------------
        FLAT_SETUP

idt_table:
        dd VEC_PIT, pit_isr
        dd VEC_APIC, apic_isr
        dd VEC_DL, deadline_isr
        dd 0x27, spurious_isr   ; the master's spurious IRQ 7
        dd -1

pit_isr:
        push eax
        inc dword [ticks]
        mov al, 0x20            ; non-specific EOI
        out PIC1_CMD, al
        pop eax
        iret

apic_isr:
        inc dword [lticks]
        mov dword [APIC_EOI], 0
        iret

deadline_isr:
        inc dword [dticks]
        call arm_deadline
        mov dword [APIC_EOI], 0
        iret

spurious_isr:
        iret

unexpected:
        PRINT "irqtimer: FAIL: unexpected interrupt or exception", 10
        EXIT 2

key_ticks:  db "ticks=", 0
        align 4
ticks:      dd 0
halts:      dd 0
lticks:     dd 0
dticks:     dd 0
want:       dd 0
tsc_10ms:   dd 0
t0:         dd 0, 0
        FLAT_DESCRIPTORS

        GUEST_END
