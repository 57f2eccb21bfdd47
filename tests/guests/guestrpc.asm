; guestrpc: VMware's GuestRPC as guest tools speak it over the backdoor
; (IN EAX, DX at 0x5658, command 30 in CX, the message type in ECX's high
; half, the channel in EDX's, its cookies in ESI and EDI), 4 bytes a call:
;   1. opens an RPCI channel asking for cookies;
;   2. info-get guestinfo.greeting: prints the reply ("1 " and the value the
;      VM's .vmx gave, or "0 No value found");
;   3. info-set guestinfo.fromguest, then reads it back; the same again
;      through the high-bandwidth port (the whole message by REP OUTSB and
;      REP INSB at port 0x5659) where the host offers it;
;   4. info-get of a variable nobody set: a reply beginning "0 ";
;   5. log: "1 ", and the host logs the text;
;   6. a call with a wrong cookie is refused (status 0);
;   7. eight channels open at once (VMware's number) and a ninth does not;
;      after CLOSE a channel refuses calls.
; Lines: "guestrpc: channel N open", "guestrpc: greeting reply: R",
; "guestrpc: set and read back", "guestrpc: high-bandwidth set and read back"
; (or "guestrpc: no high-bandwidth port"), "guestrpc: 8 channels, the ninth refused",
; "guestrpc: ok", exit 0. No channel (QEMU's vmport has no GuestRPC, a host
; without the backdoor): "guestrpc: none", exit 3. A failed check:
; "guestrpc: FAIL: check N", exit 1.
%include "common.inc"

BDOOR_MAGIC equ 0x564D5868
BDOOR_PORT  equ 0x5658
CMD_MESSAGE equ 30
PROTO_RPCI  equ 0x49435052
FLAG_COOKIE equ 0x80000000
T_OPEN      equ 0
T_SENDSIZE  equ 1
T_SENDPAYLOAD equ 2
T_RECVSIZE  equ 3
T_RECVPAYLOAD equ 4
T_RECVSTATUS equ 5
T_CLOSE     equ 6
ST_SUCCESS  equ 1
ST_DORECV   equ 2
ST_HB       equ 0x80
BDOORHB_PORT equ 0x5659
REPLY_MAX   equ 255
CHANNELS    equ 8

; MSG type: one call on the channel in [chan] with its cookies; EBX is the
; argument. ECX's high half is then the status.
%macro MSG 1
        mov eax, BDOOR_MAGIC
        mov ecx, CMD_MESSAGE | (%1 << 16)
        mov edx, [chan]
        shl edx, 16
        or edx, BDOOR_PORT
        mov esi, [cookie_hi]
        mov edi, [cookie_lo]
        in eax, dx
        shr ecx, 16
%endmacro

main:
        ; ---- 1. open -------------------------------------------------------
        call open_channel
        jnc .opened
        PRINT "guestrpc: none", 10
        EXIT 3
.opened:
        PRINT "guestrpc: channel "
        PRINT_DEC [chan]
        PRINT " open", 10

        ; ---- 2. the host's variable -----------------------------------------
        mov esi, req_greeting
        call rpc
        PRINT "guestrpc: greeting reply: "
        mov esi, reply
        call serial_puts
        PRINT 10

        ; ---- 3. set, read back ----------------------------------------------
        mov esi, req_set
        call rpc
        cmp word [reply], "1 "
        CHECK e, 1
        cmp dword [reply_len], 2
        CHECK e, 2
        mov esi, req_get_set
        call rpc
        mov esi, reply
        mov edi, want_set
        call streq
        CHECK e, 3
        PRINT "guestrpc: set and read back", 10
        mov byte [use_hb], 1
        mov byte [hb_used], 0
        mov esi, req_set_hb
        call rpc
        cmp word [reply], "1 "
        CHECK e, 12
        mov esi, req_get_set
        call rpc
        mov esi, reply
        mov edi, want_set_hb
        call streq
        CHECK e, 13
        mov byte [use_hb], 0
        cmp byte [hb_used], 0
        je .no_hb
        PRINT "guestrpc: high-bandwidth set and read back", 10
        jmp .hb_done
.no_hb: PRINT "guestrpc: no high-bandwidth port", 10
.hb_done:

        ; ---- 4. nobody's variable -------------------------------------------
        mov esi, req_missing
        call rpc
        cmp word [reply], "0 "
        CHECK e, 4

        ; ---- 5. log -----------------------------------------------------------
        mov esi, req_log
        call rpc
        cmp word [reply], "1 "
        CHECK e, 5

        ; ---- 6. a wrong cookie ------------------------------------------------
        xor dword [cookie_lo], 1
        mov ebx, 4
        MSG T_SENDSIZE
        test ecx, ST_SUCCESS
        CHECK z, 6
        xor dword [cookie_lo], 1
        mov ebx, 0
        MSG T_CLOSE
        test ecx, ST_SUCCESS
        CHECK nz, 7

        ; ---- 7. eight channels, no ninth --------------------------------------
        xor ebp, ebp
.more:  call open_channel
        CHECK nc, 8
        mov eax, [chan]
        mov ecx, [cookie_hi]
        mov edx, [cookie_lo]
        mov [chans + ebp * 4], eax
        mov [his + ebp * 4], ecx
        mov [los + ebp * 4], edx
        inc ebp
        cmp ebp, CHANNELS
        jb .more
        call open_channel
        CHECK c, 9
        PRINT "guestrpc: 8 channels, the ninth refused", 10
        xor ebp, ebp
.close: mov eax, [chans + ebp * 4]
        mov [chan], eax
        mov eax, [his + ebp * 4]
        mov [cookie_hi], eax
        mov eax, [los + ebp * 4]
        mov [cookie_lo], eax
        mov ebx, 0
        MSG T_CLOSE
        test ecx, ST_SUCCESS
        CHECK nz, 10
        inc ebp
        cmp ebp, CHANNELS
        jb .close
        mov ebx, 4                      ; the last one, closed
        MSG T_SENDSIZE
        test ecx, ST_SUCCESS
        CHECK z, 11
        PRINT "guestrpc: ok", 10
        EXIT 0

; open_channel: an RPCI channel with cookies into [chan], [cookie_hi],
; [cookie_lo]. CF set when the host refuses.
open_channel:
        mov eax, BDOOR_MAGIC
        mov ebx, PROTO_RPCI | FLAG_COOKIE
        mov ecx, CMD_MESSAGE | (T_OPEN << 16)
        mov edx, BDOOR_PORT
        xor esi, esi
        xor edi, edi
        in eax, dx
        shr ecx, 16
        test ecx, ST_SUCCESS
        jz .refused
        shr edx, 16
        mov [chan], edx
        mov [cookie_hi], esi
        mov [cookie_lo], edi
        clc
        ret
.refused:
        stc
        ret

; rpc: ESI = a NUL-terminated request. Sends it 4 bytes a call and reads
; the reply into `reply` (NUL-terminated; its length in [reply_len]). Any
; refused call fails the test.
rpc:
        mov [req], esi
        xor ecx, ecx
.len:   cmp byte [esi + ecx], 0
        je .sized
        inc ecx
        jmp .len
.sized: mov [req_len], ecx
        mov ebx, ecx
        MSG T_SENDSIZE
        test ecx, ST_SUCCESS
        CHECK nz, 20
        mov dword [pos], 0
        test ecx, ST_HB
        jz .send
        cmp byte [use_hb], 0
        je .send
        ; the whole request by REP OUTSB: EBX the command and status, ECX
        ; the length, EDX the channel, DS:ESI the bytes, EBP:EDI the cookies
        push ebp
        mov eax, BDOOR_MAGIC
        mov ebx, ST_SUCCESS << 16
        mov ecx, [req_len]
        mov edx, [chan]
        shl edx, 16
        or edx, BDOORHB_PORT
        mov esi, [req]
        mov edi, [cookie_lo]
        mov ebp, [cookie_hi]
        cld
        rep outsb
        pop ebp
        shr ebx, 16
        test ebx, ST_SUCCESS
        CHECK nz, 26
        mov byte [hb_used], 1
        jmp .sent
.send:  mov eax, [pos]
        cmp eax, [req_len]
        jae .sent
        mov ebx, [req]
        mov ebx, [ebx + eax]            ; 4 bytes (past the NUL is our own memory)
        MSG T_SENDPAYLOAD
        test ecx, ST_SUCCESS
        CHECK nz, 21
        add dword [pos], 4
        jmp .send
.sent:  MSG T_RECVSIZE
        mov eax, ecx
        and eax, ST_SUCCESS | ST_DORECV
        cmp eax, ST_SUCCESS | ST_DORECV
        CHECK e, 22
        cmp ebx, REPLY_MAX
        CHECK be, 23
        mov [reply_len], ebx
        mov dword [pos], 0
        test ecx, ST_HB
        jz .recv
        cmp byte [use_hb], 0
        je .recv
        ; the whole reply by REP INSB: ES:EDI the buffer, ESI:EBP the cookies
        push ebp
        mov eax, BDOOR_MAGIC
        mov ebx, ST_SUCCESS << 16
        mov ecx, [reply_len]
        mov edx, [chan]
        shl edx, 16
        or edx, BDOORHB_PORT
        mov esi, [cookie_hi]
        mov edi, reply
        mov ebp, [cookie_lo]
        cld
        rep insb
        pop ebp
        shr ebx, 16
        test ebx, ST_SUCCESS
        CHECK nz, 27
        jmp .got
.recv:  mov eax, [pos]
        cmp eax, [reply_len]
        jae .got
        mov ebx, ST_SUCCESS
        MSG T_RECVPAYLOAD
        test ecx, ST_SUCCESS
        CHECK nz, 24
        mov eax, [pos]
        mov [reply + eax], ebx
        add dword [pos], 4
        jmp .recv
.got:   mov eax, [reply_len]
        mov byte [reply + eax], 0
        mov ebx, ST_SUCCESS
        MSG T_RECVSTATUS
        test ecx, ST_SUCCESS
        CHECK nz, 25
        ret

; streq: ESI, EDI NUL-terminated: ZF set when equal.
streq:
.next:  mov al, [esi]
        cmp al, [edi]
        jne .out
        inc esi
        inc edi
        test al, al
        jnz .next
.out:   ret

fail:
        movzx eax, al
        PRINT "guestrpc: FAIL: check "
        call print_dec
        PRINT 10
        EXIT 1

req_greeting: db "info-get guestinfo.greeting", 0, 0, 0, 0
req_set:      db "info-set guestinfo.fromguest set by the guest", 0, 0, 0, 0
req_get_set:  db "info-get guestinfo.fromguest", 0, 0, 0, 0
want_set:     db "1 set by the guest", 0
req_set_hb:   db "info-set guestinfo.fromguest set by the guest, the fast way", 0, 0, 0, 0
want_set_hb:  db "1 set by the guest, the fast way", 0
req_missing:  db "info-get guestinfo.nobody.set.this", 0, 0, 0, 0
req_log:      db "log guestrpc test guest says hello", 0, 0, 0, 0
        align 4
use_hb:     db 0                ; rpc takes the high-bandwidth port where offered
hb_used:    db 0                ; and did
        align 4
chan:       dd 0
cookie_hi:  dd 0
cookie_lo:  dd 0
req:        dd 0
req_len:    dd 0
reply_len:  dd 0
pos:        dd 0
chans:      times CHANNELS dd 0
his:        times CHANNELS dd 0
los:        times CHANNELS dd 0
reply:      times REPLY_MAX + 5 db 0

        GUEST_END
