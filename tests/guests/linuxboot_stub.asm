; linuxboot_stub: starts a kernel in plain QEMU exactly as the hypervisor's
; Linux loader prepared it (tests/guests/linux_loader_dump.c), standing in
; for the vCPU setup the monitor will do for GUEST_MODE_LONG64.
;
; A Multiboot v1 kernel (a.out kludge) linked at 112 MiB, above the guest
; RAM the dump describes, booted with three modules: low.bin (copied to 0),
; high.bin (copied to 1 MiB), state.bin (read where it lies). It then loads
; what state.bin says, as guest_loader.h tells the vCPU to: GDTR, CR4, CR3,
; EFER.LME, CR0 (paging on: long mode), a far jump to CS, DS = ES = SS =
; FS = GS, RSI, RSP, and jumps to RIP with interrupts off. For the 32-bit
; entry (GUEST_MODE_PROT32 with a GDT) it leaves paging off and far-jumps to
; CS:RIP in 32-bit mode.
; With fewer than three modules it writes "linuxboot_stub: 3 modules needed"
; to COM1 and halts.
BITS 32
LOAD    equ 0x7000000
ORG LOAD

MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00010000                 ; a.out kludge: load where we say
S_RIP   equ 0
S_RSI   equ 8
S_RSP   equ 16
S_CR3   equ 24
S_CR0   equ 32
S_CR4   equ 40
S_EFER  equ 48
S_GDT   equ 56
S_GDTL  equ 64
S_CS    equ 72
S_DS    equ 80
S_MODE  equ 88                          ; GUEST_MODE_PROT32 = 1, GUEST_MODE_LONG64 = 2
PROT32  equ 1
EFER_MSR equ 0xC0000080
EFER_LMA equ 0x400                      ; set by the CPU, not written

header:
        dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
        dd header, LOAD, 0, bss_end, start

start:
        cli
        cld
        mov esp, stack_top
        cmp dword [ebx + 20], 3         ; mods_count
        jb no_modules
        mov esi, [ebx + 24]             ; mods_addr: start, end, string, reserved
        ; Everything is read before the copies: the list lies in low memory.
        mov eax, [esi + 0]
        mov [low_src], eax
        mov eax, [esi + 4]
        sub eax, [esi + 0]
        mov [low_len], eax
        mov eax, [esi + 16]
        mov [high_src], eax
        mov eax, [esi + 20]
        sub eax, [esi + 16]
        mov [high_len], eax
        mov eax, [esi + 32]
        mov [state], eax

        mov esi, [high_src]
        mov edi, 0x100000
        mov ecx, [high_len]
        rep movsb
        mov esi, [low_src]
        xor edi, edi
        mov ecx, [low_len]
        rep movsb

        mov ebp, [state]
        mov ax, [ebp + S_GDTL]
        mov [gdtr], ax
        mov eax, [ebp + S_GDT]
        mov [gdtr + 2], eax
        lgdt [gdtr]
        cmp dword [ebp + S_MODE], PROT32
        je entry32
        mov eax, [ebp + S_CR4]
        mov cr4, eax
        mov eax, [ebp + S_CR3]
        mov cr3, eax
        mov ecx, EFER_MSR
        mov eax, [ebp + S_EFER]
        and eax, ~EFER_LMA
        mov edx, [ebp + S_EFER + 4]
        wrmsr
        mov eax, [ebp + S_CR0]
        mov cr0, eax                    ; paging on: compatibility mode
        mov ax, [ebp + S_CS]
        mov [farptr + 4], ax
        jmp far [farptr]                ; into 64-bit mode

BITS 64
long64:
        mov ebp, ebp                    ; zero-extend: the upper half is undefined
        mov ax, [rbp + S_DS]
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax
        mov rsi, [rbp + S_RSI]
        mov rsp, [rbp + S_RSP]
        mov rax, [rbp + S_RIP]
        xor ebx, ebx
        xor ecx, ecx
        xor edx, edx
        xor edi, edi
        xor ebp, ebp
        jmp rax

BITS 32
; The 32-bit entry: paging off, CS and the data segments reloaded from our
; GDT, ESI = boot_params, EBX = EBP = EDI = 0 (boot.rst).
entry32:
        mov eax, [ebp + S_RIP]
        mov [farptr32], eax
        mov ax, [ebp + S_CS]
        mov [farptr32 + 4], ax
        mov esi, [ebp + S_RSI]
        mov esp, [ebp + S_RSP]
        mov ax, [ebp + S_DS]
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax
        xor ebx, ebx
        xor edi, edi
        xor ebp, ebp
        jmp far [farptr32]

no_modules:
        mov esi, msg
.next:
        lodsb
        test al, al
        jz .halt
        mov dx, 0x3f8
        out dx, al
        jmp .next
.halt:
        hlt
        jmp .halt

msg:    db "linuxboot_stub: 3 modules needed", 10, 0
align 4
farptr: dd long64
        dw 0
farptr32: dd 0
        dw 0
gdtr:   dw 0
        dd 0

align 4
bss_start:
low_src:  equ bss_start
low_len:  equ bss_start + 4
high_src: equ bss_start + 8
high_len: equ bss_start + 12
state:    equ bss_start + 16
stack_top equ bss_start + 4096
bss_end   equ stack_top
