; memtouch: writes a per-page generation pattern over its RAM and verifies
; it, sweep after sweep, forever: any mismatch is guest data the monitor
; lost (a page swapped, compressed or shared back wrongly).
;
; RAM comes from the Multiboot info (mem_upper: KiB above 1 MiB). The range
; touched is [2 MiB, end): the first MiB above 1 MiB holds this image and
; its stack. Arguments: touch=N limits the end to 1 MiB + N MiB (to measure
; lazy allocation), sweeps=K exits 0 after K sweeps (0 or absent: forever).
;
; Sweep N, pass 1, for each 4 KiB page (page number P = gpa >> 12):
;   check word 0 = N-1, word 1 = P, word 1023 = (N-1) ^ P
;   (sweep 1: all three 0, the zero-filled page a new VM gets), then write
;   word 0 = N, word 1 = P, word 1023 = N ^ P, word i = N ^ i (2 <= i < 1023).
; Pass 2 checks every word of every page against what pass 1 wrote.
%include "common.inc"

TOUCH_START     equ 0x200000
MAX_END         equ 0xfffff000      ; 32-bit addresses, no paging
WORDS           equ 1024            ; 32-bit words per page
LAST            equ WORDS - 1

main:
        mov ebx, [mb_info]
        test dword [ebx + MBI_FLAGS], MBI_HAS_MEM
        jnz .have_mem
        PRINT "memtouch: no memory size in the multiboot info", 10
        EXIT 2
.have_mem:
        mov eax, [ebx + MBI_MEM_UPPER]
        cmp eax, (MAX_END - 0x100000) / 1024
        jbe .fits
        mov eax, (MAX_END - 0x100000) / 1024
.fits:  shl eax, 10
        add eax, 0x100000
        and eax, ~0xfff
        mov [end_addr], eax

        mov esi, key_touch
        call find_arg
        jnc .no_touch
        cmp eax, 4094                ; (N + 1) MiB must fit in 32 bits
        ja .no_touch
        shl eax, 20
        add eax, 0x100000
        cmp eax, [end_addr]
        jae .no_touch
        mov [end_addr], eax
.no_touch:
        mov esi, key_sweeps
        call find_arg
        jnc .no_sweeps
        mov [max_sweeps], eax
.no_sweeps:
        mov eax, [end_addr]
        cmp eax, TOUCH_START
        ja .range_ok
        PRINT "memtouch: no RAM to touch above 2 MiB (end "
        PRINT_HEX eax
        PRINT ")", 10
        EXIT 2
.range_ok:
        sub eax, TOUCH_START
        shr eax, 12
        mov [npages], eax
        PRINT "memtouch: touching "
        PRINT_HEX TOUCH_START
        PRINT "-"
        PRINT_HEX [end_addr]
        PRINT " ("
        PRINT_DEC [npages]
        PRINT " pages)", 10

        mov ebp, 1                   ; EBP = N, the sweep (generation)
.sweep:
        ; ---- pass 1: check the previous generation, write this one ----
        mov edi, TOUCH_START
.p1_page:
        mov edx, edi
        shr edx, 12                  ; EDX = page number
        lea ecx, [ebp - 1]           ; expected word 0
        xor ebx, ebx
        mov eax, [edi]
        cmp eax, ecx
        jne mismatch
        ; words 1 and LAST: 0 in sweep 1, else P and (N-1) ^ P
        xor ecx, ecx
        cmp ebp, 1
        je .p1_w1
        mov ecx, edx
.p1_w1: mov ebx, 1
        mov eax, [edi + 4]
        cmp eax, ecx
        jne mismatch
        xor ecx, ecx
        cmp ebp, 1
        je .p1_wl
        lea ecx, [ebp - 1]
        xor ecx, edx
.p1_wl: mov ebx, LAST
        mov eax, [edi + LAST * 4]
        cmp eax, ecx
        jne mismatch
        ; write generation N
        mov [edi], ebp
        mov [edi + 4], edx
        mov eax, ebp
        xor eax, edx
        mov [edi + LAST * 4], eax
        mov ebx, 2
.p1_fill:
        mov eax, ebp
        xor eax, ebx
        mov [edi + ebx * 4], eax
        inc ebx
        cmp ebx, LAST
        jb .p1_fill
        add edi, 4096
        cmp edi, [end_addr]
        jb .p1_page

        ; ---- pass 2: every word of every page ----
        mov edi, TOUCH_START
.p2_page:
        mov edx, edi
        shr edx, 12
        xor ebx, ebx
        mov ecx, ebp
        mov eax, [edi]
        cmp eax, ecx
        jne mismatch
        mov ebx, 1
        mov ecx, edx
        mov eax, [edi + 4]
        cmp eax, ecx
        jne mismatch
        mov ebx, LAST
        mov ecx, ebp
        xor ecx, edx
        mov eax, [edi + LAST * 4]
        cmp eax, ecx
        jne mismatch
        mov ebx, 2
.p2_word:
        mov ecx, ebp
        xor ecx, ebx
        mov eax, [edi + ebx * 4]
        cmp eax, ecx
        jne mismatch
        inc ebx
        cmp ebx, LAST
        jb .p2_word
        add edi, 4096
        cmp edi, [end_addr]
        jb .p2_page

        PRINT "memtouch: sweep "
        PRINT_DEC ebp
        PRINT " ok ("
        PRINT_DEC [npages]
        PRINT " pages)", 10
        mov eax, [max_sweeps]
        test eax, eax
        jz .next
        cmp ebp, eax
        jae .finished
.next:  inc ebp
        jmp .sweep
.finished:
        EXIT 0

; mismatch: EDI = page address, EBX = word index, ECX = expected, EAX = found.
mismatch:
        PRINT "memtouch: MISMATCH page "
        PRINT_HEX edi
        PRINT " word "
        PRINT_DEC ebx
        PRINT " expected "
        PRINT_HEX ecx
        PRINT " found "
        PRINT_HEX eax
        PRINT 10
        EXIT 1

key_touch:  db "touch=", 0
key_sweeps: db "sweeps=", 0
end_addr:   dd 0
npages:     dd 0
max_sweeps: dd 0

        GUEST_END
