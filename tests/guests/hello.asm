; hello: the smallest guest. One line on the serial port, then exit 0.
; Given a Multiboot module (info flag 3, guest.initrd), it also prints
; "hello: module N bytes named 'NAME': TEXT", TEXT being the module's first
; line (up to 48 bytes; bytes outside 0x20-0x7e as '.'), so a test can see
; that the module arrived whole where the info says.
%include "common.inc"

MBI_HAS_MODS    equ 1 << 3
MBI_MODS_COUNT  equ 20
MBI_MODS_ADDR   equ 24
TEXT_MAX        equ 48

main:
        PRINT "hello from the guest", 10
        mov ebx, [mb_info]
        test dword [ebx + MBI_FLAGS], MBI_HAS_MODS
        jz .done
        cmp dword [ebx + MBI_MODS_COUNT], 0
        je .done
        mov ebx, [ebx + MBI_MODS_ADDR]  ; the first module: start, end, string
        PRINT "hello: module "
        mov eax, [ebx + 4]
        sub eax, [ebx]
        PRINT_DEC eax
        PRINT " bytes named '"
        mov esi, [ebx + 8]
        call serial_puts
        PRINT "': "
        mov esi, [ebx]
        mov edx, [ebx + 4]
        mov ecx, TEXT_MAX
.byte:  cmp esi, edx
        jae .eol
        lodsb
        cmp al, 10
        je .eol
        cmp al, 0x20
        jb .dot
        cmp al, 0x7e
        jbe .put
.dot:   mov al, '.'
.put:   call serial_putc
        loop .byte
.eol:   mov al, 10
        call serial_putc
.done:  EXIT 0

        GUEST_END
