; fpu: proves that a vCPU owns its FPU/SSE state. It turns SSE on (CR0, CR4:
; exits the monitor emulates), fills XMM0-XMM7 with values derived from its
; seed, then forever adds 1 to every lane and checks every lane of every
; register against what it must hold. Two of these with different seeds,
; preempted against each other, catch any state that leaks or is lost
; across vCPU switches. Arguments: seed=N (default 1), reports=K (exit 0
; after K reports; default: run forever).
; Output: "fpu: seed N", "fpu: round R ok" every 2^18 rounds,
; "fpu: MISMATCH xmm<i> lane <l> expected 0x<e> found 0x<f>" (exit 1).
%include "common.inc"

REPORT_MASK equ (1 << 18) - 1

main:
        mov ebp, 1
        mov esi, key_seed
        call find_arg
        jnc .seeded
        mov ebp, eax
.seeded:
        mov dword [reports_left], 0
        mov esi, key_reports
        call find_arg
        jnc .counted
        mov [reports_left], eax
.counted:
        PRINT "fpu: seed "
        PRINT_DEC ebp
        PRINT 10

        mov eax, cr0
        and eax, ~(1 << 2)              ; EM off: no x87 emulation
        or eax, (1 << 1)                ; MP on
        mov cr0, eax
        mov eax, cr4
        or eax, (1 << 9) | (1 << 10)    ; OSFXSR, OSXMMEXCPT
        mov cr4, eax

        ; xmm_i lane l starts at seed << 16 | i << 8 | l
%macro SEED_XMM 1
        mov eax, ebp
        shl eax, 16
        or eax, %1 << 8
        mov [lanes], eax
        inc eax
        mov [lanes + 4], eax
        inc eax
        mov [lanes + 8], eax
        inc eax
        mov [lanes + 12], eax
        movdqu xmm%1, [lanes]
%endmacro
        SEED_XMM 0
        SEED_XMM 1
        SEED_XMM 2
        SEED_XMM 3
        SEED_XMM 4
        SEED_XMM 5
        SEED_XMM 6
        SEED_XMM 7

        xor edi, edi                    ; rounds done
.round:
        ; add 1 to every lane
        paddd xmm0, [ones]
        paddd xmm1, [ones]
        paddd xmm2, [ones]
        paddd xmm3, [ones]
        paddd xmm4, [ones]
        paddd xmm5, [ones]
        paddd xmm6, [ones]
        paddd xmm7, [ones]
        inc edi
        ; check: lane l of xmm_i must be (seed << 16 | i << 8 | l) + rounds
%macro CHECK_XMM 1
        movdqu [lanes], xmm%1
        mov ebx, %1
        call check_lanes
%endmacro
        CHECK_XMM 0
        CHECK_XMM 1
        CHECK_XMM 2
        CHECK_XMM 3
        CHECK_XMM 4
        CHECK_XMM 5
        CHECK_XMM 6
        CHECK_XMM 7
        test edi, REPORT_MASK
        jnz .round
        PRINT "fpu: round "
        PRINT_DEC edi
        PRINT " ok", 10
        mov eax, [reports_left]
        test eax, eax
        jz .round                       ; 0: forever
        dec eax
        mov [reports_left], eax
        jnz .round
        EXIT 0

; EBX = register number, [lanes] = its four lanes, EDI = rounds, EBP = seed.
check_lanes:
        xor ecx, ecx
.lane:
        mov eax, ebp
        shl eax, 16
        mov edx, ebx
        shl edx, 8
        or eax, edx
        or eax, ecx
        add eax, edi
        cmp eax, [lanes + ecx * 4]
        jne .bad
        inc ecx
        cmp ecx, 4
        jne .lane
        ret
.bad:
        mov esi, eax
        PRINT "fpu: MISMATCH xmm"
        PRINT_DEC ebx
        PRINT " lane "
        PRINT_DEC ecx
        PRINT " expected "
        PRINT_HEX esi
        PRINT " found "
        PRINT_HEX [lanes + ecx * 4]
        PRINT 10
        EXIT 1

key_seed:       db "seed=", 0
key_reports:    db "reports=", 0
align 16
ones:           dd 1, 1, 1, 1
lanes:          dd 0, 0, 0, 0
reports_left:   dd 0

        GUEST_END
