; memtouch: writes a per-page generation pattern over its RAM and verifies
; it, sweep after sweep, forever: any mismatch is guest data the monitor
; lost (a page swapped, compressed or shared back wrongly).
;
; RAM comes from the Multiboot info (mem_upper: KiB above 1 MiB). The range
; touched is [2 MiB, end): the first MiB above 1 MiB holds this image and
; its stack. Arguments: touch=N limits the end to 1 MiB + N MiB (to measure
; lazy allocation), sweeps=K exits 0 after K sweeps (0 or absent: forever),
; fill=zero|text|random|mix chooses what pages hold (below), corrupt=N (a
; test hook, with fill= only) flips one bit of one page after sweep N, which
; sweep N+1 must report, idle=1 (with sweeps=K) waits in HLT with interrupts
; on after the last sweep instead of exiting, for an interrupt that never
; comes: an idle VM whose memory the host may take back; idle=2 halts with
; interrupts off instead, as a guest that panicked.
;
; Without fill= (the original pattern), sweep N, pass 1, for each 4 KiB page
; (page number P = gpa >> 12):
;   check word 0 = N-1, word 1 = P, word 1023 = (N-1) ^ P
;   (sweep 1: all three 0, the zero-filled page a new VM gets), then write
;   word 0 = N, word 1 = P, word 1023 = N ^ P, word i = N ^ i (2 <= i < 1023).
; Pass 2 checks every word of every page against what pass 1 wrote.
;
; With fill=, every word of a page is checked in both passes, so a page the
; monitor loses or restores wrong between two sweeps is caught too (the
; swapper's zero tags, compression cache and swap device are verified byte
; for byte). Word i of page P in generation N is T[i] ^ K, where T is a
; 4 KiB template of the page's kind for generation N and K a key:
;   zero    T = 0; K = (N << 20) | P when N + P is odd, else 0: half the
;           pages are all zero, half one 32-bit value repeated, the two
;           kinds the swapper keeps as a tag without storage;
;   text    T = 512 eight-byte words from a 32-word dictionary, chosen by
;           xorshift32 seeded by N: LZ4 compresses it 2-4x;
;   random  T = 1024 xorshift32 outputs seeded by N: incompressible;
;   mix     page P is zero, text or random as P % 3 is 0, 1 or 2;
; and K = (N << 20) | P for text and random, so no two pages are alike and a
; page put back at another page number, or from another generation, does
; not match. Generation 0 is the zero-filled page a new VM gets (T = 0,
; K = 0). Templates are made once per sweep, so a word costs a load, an XOR
; and a compare (or a store) on top of the guest's own access.
%include "common.inc"

TOUCH_START     equ 0x200000
MAX_END         equ 0xfffff000      ; 32-bit addresses, no paging
WORDS           equ 1024            ; 32-bit words per page
LAST            equ WORDS - 1

FILL_NONE       equ 0               ; the original pattern
FILL_ZERO       equ 1
FILL_TEXT       equ 2
FILL_RANDOM     equ 3
FILL_MIX        equ 4
; Kinds of a page under fill=: FILL_ZERO, FILL_TEXT, FILL_RANDOM.

; The pages in guest_pages (see GUEST_END): the zero template, then the
; text and random templates of even and odd generations.
TPL_ZERO        equ 0
TPL_TEXT        equ 1               ; + (generation & 1)
TPL_RANDOM      equ 3               ; + (generation & 1)
TPL_PAGES       equ 5
CORRUPT_BYTE    equ 2050            ; inside word 512, mid-page: only a whole-page check sees it

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
        call parse_fill
        mov esi, key_corrupt
        call find_arg
        jnc .no_corrupt
        cmp dword [fill], FILL_NONE
        jne .corrupt_ok
        PRINT "memtouch: corrupt= needs fill= (the original pattern checks three words between sweeps)", 10
        EXIT 2
.corrupt_ok:
        mov [corrupt_after], eax
.no_corrupt:
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
        cmp dword [fill], FILL_NONE
        je .original
        PRINT "memtouch: fill "
        mov eax, [fill]
        mov esi, [fill_names + eax * 4]
        call serial_puts
        PRINT ", every word checked in both passes", 10
        jmp fill_sweeps
.original:

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
        jmp finish

; finish: after the last sweep, exit 0, or with idle=1 sleep in HLT for
; good (no interrupt source is set up: it masks the 8259s, which the BIOS
; left with the 18.2 Hz tick open, as QEMU's SeaBIOS leaves them too), with
; idle=2 halt with interrupts off.
finish:
        mov esi, key_idle
        call find_arg
        jnc .exit
        cmp eax, 1
        je .idle
        cmp eax, 2
        jne .exit
        PRINT "memtouch: halted with interrupts off", 10
.halt:  cli
        hlt
        jmp .halt
.idle:  PRINT "memtouch: idle, waiting in hlt", 10
        mov al, 0xff
        out 0x21, al
        out 0xa1, al
.sleep: sti
        hlt
        jmp .sleep
.exit:  EXIT 0

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

; ---- fill= ---------------------------------------------------------------

; parse_fill: sets [fill] from fill=WORD; an unknown word stops the guest
; with status 2, naming the choices.
parse_fill:
        mov esi, key_fill
        call find_key
        jnc .none
        mov ebx, FILL_ZERO
.try:   mov esi, [fill_names + ebx * 4]
        mov edi, eax
.cmp:   mov cl, [esi]
        test cl, cl
        jz .end_of_name
        cmp cl, [edi]
        jne .next
        inc esi
        inc edi
        jmp .cmp
.end_of_name:                        ; the value must end here too
        cmp byte [edi], 0
        je .found
        cmp byte [edi], ' '
        je .found
.next:  inc ebx
        cmp ebx, FILL_MIX
        jbe .try
        PRINT "memtouch: fill= must be zero, text, random or mix", 10
        EXIT 2
.found: mov [fill], ebx
.none:  ret


; seed: EAX = a non-zero xorshift32 state from generation EAX and the salt
; ECX (one per kind, so the text and random streams differ).
seed:
        imul eax, eax, 0x9e3779b9    ; odd: spreads consecutive generations
        xor eax, ecx
        jnz .ok
        inc eax
.ok:    ret

; make_templates: the text and random templates of generation [gen], in
; the pages of its parity. Clobbers all but EBP.
make_templates:
        mov eax, [gen]
        and eax, 1
        shl eax, 12
        lea edi, [guest_pages + TPL_RANDOM * 4096 + eax]
        push eax
        mov eax, [gen]
        mov ecx, 0x6a09e667
        call seed
        xor ebx, ebx
.rand:  call xorshift32
        mov [edi + ebx * 4], eax
        inc ebx
        cmp ebx, WORDS
        jb .rand
        pop eax
        lea edi, [guest_pages + TPL_TEXT * 4096 + eax]
        mov eax, [gen]
        mov ecx, 0xbb67ae85
        call seed
        xor ebx, ebx                 ; 8-byte slot
.text:  call xorshift32
        mov esi, eax
        shr esi, 27                  ; the top 5 bits: one of 32 words
        mov ecx, [dictionary + esi * 8]
        mov [edi + ebx * 8], ecx
        mov ecx, [dictionary + esi * 8 + 4]
        mov [edi + ebx * 8 + 4], ecx
        inc ebx
        cmp ebx, WORDS / 2
        jb .text
        ret

; template: EAX = kind, ECX = generation -> ESI = its template page.
template:
        mov esi, guest_pages + TPL_ZERO * 4096
        cmp eax, FILL_ZERO
        je .done
        test ecx, 1
        jz .even
        add esi, 4096
.even:  add esi, TPL_TEXT * 4096
        cmp eax, FILL_TEXT
        je .done
        add esi, (TPL_RANDOM - TPL_TEXT) * 4096
.done:  ret

; page_key: EAX = kind, ECX = generation, EDX = page number -> ECX = K.
page_key:
        test ecx, ecx
        jz .done                     ; generation 0: a fresh zero page
        cmp eax, FILL_ZERO
        jne .keyed
        push edx
        add edx, ecx
        test edx, 1
        pop edx
        jnz .keyed
        xor ecx, ecx                 ; zero kind, N + P even: all zero
        ret
.keyed: shl ecx, 20
        or ecx, edx
.done:  ret

; page_setup: EDI = page address -> ESI/ECX = template and key of the
; previous generation, EDX/EBP = those of this one ([gen]). Clobbers EAX, EBX.
page_setup:
        mov ebx, edi
        shr ebx, 12                  ; EBX = page number
        mov eax, [fill]
        cmp eax, FILL_MIX
        jne .kind
        push edx
        mov eax, ebx
        xor edx, edx
        mov ecx, 3
        div ecx
        lea eax, [edx + FILL_ZERO]   ; P % 3: 0 zero, 1 text, 2 random
        pop edx
.kind:  mov ecx, [gen]
        call template
        mov edx, ebx
        call page_key
        mov ebp, ecx                 ; this generation's key
        push esi                     ; and template
        mov ecx, [gen]
        dec ecx
        call template
        mov edx, ebx
        call page_key                ; ESI/ECX: the previous generation's
        pop edx
        ret

fill_sweeps:
        mov edi, guest_pages         ; generation 0 is zero: clear them all
        xor eax, eax
        mov ecx, TPL_PAGES * 1024
        rep stosd
        mov dword [gen], 1
.sweep:
        call make_templates
        ; ---- pass 1: every word of the previous generation, then this one
        mov edi, TOUCH_START
.p1_page:
        call page_setup
        xor ebx, ebx
.p1_word:
        mov eax, [esi + ebx * 4]
        xor eax, ecx
        cmp eax, [edi + ebx * 4]
        jne fill_mismatch
        mov eax, [edx + ebx * 4]
        xor eax, ebp
        mov [edi + ebx * 4], eax
        inc ebx
        cmp ebx, WORDS
        jb .p1_word
        add edi, 4096
        cmp edi, [end_addr]
        jb .p1_page

        ; ---- pass 2: every word of this generation
        mov edi, TOUCH_START
.p2_page:
        call page_setup
        mov esi, edx
        mov ecx, ebp
        xor ebx, ebx
.p2_word:
        mov eax, [esi + ebx * 4]
        xor eax, ecx
        cmp eax, [edi + ebx * 4]
        jne fill_mismatch
        inc ebx
        cmp ebx, WORDS
        jb .p2_word
        add edi, 4096
        cmp edi, [end_addr]
        jb .p2_page

        PRINT "memtouch: sweep "
        PRINT_DEC [gen]
        PRINT " ok ("
        PRINT_DEC [npages]
        PRINT " pages)", 10
        mov eax, [gen]
        cmp eax, [corrupt_after]
        je .corrupt
        mov ecx, [max_sweeps]
        test ecx, ecx
        jz .next
        cmp eax, ecx
        jae .finished
.next:  inc dword [gen]
        jmp .sweep
.finished:
        jmp finish
.corrupt:
        ; The test hook: one bit of the middle page changes behind the
        ; checker's back, as a monitor that lost data would change it. The
        ; next sweep must report it, so it runs whatever sweeps= says.
        mov eax, [npages]
        shr eax, 1
        shl eax, 12
        add eax, TOUCH_START + CORRUPT_BYTE
        xor byte [eax], 0x40
        PRINT "memtouch: test hook: flipped bit 6 of byte "
        PRINT_DEC CORRUPT_BYTE
        sub eax, CORRUPT_BYTE
        PRINT " of page "
        PRINT_HEX eax
        PRINT 10
        jmp .next

; fill_mismatch: EDI = page, EBX = word index, EAX = expected.
fill_mismatch:
        mov ecx, eax
        mov eax, [edi + ebx * 4]
        jmp mismatch

; The text kind's words: 8 bytes each, 32 of them, read as text would be.
dictionary:
        db "the page", " memory ", "swapped ", "a guest ", "machine ", "compress"
        db "ed zero ", "and the ", "balloon ", "monitor ", "release ", "target, "
        db "of each ", "VM gets ", "its own ", "shares. ", "The host", " frees  "
        db "pages in", " a cache", " on disk", "; faults", " return ", "to them "
        db "quickly ", "(rarely)", " when it", " sweeps ", "over all", " memory."
        db "Nothing ", " is lost"
%if ($ - dictionary) != 32 * 8
%error "the dictionary must hold 32 words of 8 bytes"
%endif

fill_names:
        dd 0, name_zero, name_text, name_random, name_mix
name_zero:   db "zero", 0
name_text:   db "text", 0
name_random: db "random", 0
name_mix:    db "mix", 0

key_touch:  db "touch=", 0
key_sweeps: db "sweeps=", 0
key_fill:   db "fill=", 0
key_corrupt: db "corrupt=", 0
key_idle:   db "idle=", 0
end_addr:   dd 0
npages:     dd 0
max_sweeps: dd 0
fill:       dd FILL_NONE
corrupt_after: dd 0
gen:        dd 0                     ; fill sweeps: N, the generation

        GUEST_END TPL_PAGES
