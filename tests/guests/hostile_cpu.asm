; hostile_cpu: one hostile action per run, chosen by `case=N`, each checking
; that the monitor answers as a CPU would and that nothing but this guest
; notices. The host crash, state leaks and failed VM entries of issue 11 are
; the cases; docs/guests.md lists them.
;
;   case=1  XSETBV with every kind of XCR0 the SDM refuses (vol. 1, 13.3):
;           each must raise #GP in the guest; valid values must load and read
;           back through XGETBV.
;   case=2  CR and MSR writes a CPU refuses (EFER.LME while paging, reserved
;           EFER/CR bits, VMXE, NW without CD, PG with LME but no PAE, bad
;           PAT, non-canonical bases): each must be #GP, never a failed VM
;           entry, pushing RFLAGS with RF set as a CPU's faults do; valid
;           writes must read back.
;   case=3  Writes DR0-DR3 and DR6, then halts for good (a later VM must
;           not see them).
;   case=4  Reads DR0-DR3, DR6 and DR7: a new vCPU holds the reset values.
;   case=5  COM1 output flood: prints lines forever as fast as it can.
;   case=6  A single-step #DB delivered onto a stack page the guest never
;           touched: the delivery itself exits (EPT violation); the event
;           must still reach the handler, at the right instruction.
;   case=7  CPUID tells the truth: for each feature it advertises, the MSR
;           or instruction behind it works (no #GP/#UD); a TSC written
;           reads back.
;   case=8  Scans the BIOS area [0xE0000, 1 MiB) for the ACPI RSDP and the
;           MP floating pointer, as Linux does: every read must return
;           (ROM-like contents), not stop the VM.
;   case=9  Asks QEMU's fw_cfg (ports 0x510/0x511) for its signature, the CPU
;           count and the RAM size, as small test kernels do; the RAM size
;           must be `mem=N` MiB from the command line.
;   case=10 Turns PAE paging on with a CR0 write that also changes NE (the
;           monitor's bit: the write exits and the monitor carries it out).
;           A reserved bit in a present page-directory-pointer entry must be
;           #GP with paging still off; valid entries must be loaded, so
;           the code runs on and two linear aliases of one page agree.
;   case=11 VMCALL is a hypercall (KVM's ABI): an unknown number returns
;           -1000 (-KVM_ENOSYS) in EAX with no fault; VMMCALL, AMD's, is #UD.
;
; Output: "hostile: case N", then "hostile: PASS ..." (exit 0) or
; "hostile: FAIL ..." (exit 1). Exceptions come back through the guest's own
; IDT: a stub records the vector and resumes after the probe (try_call).
%include "common.inc"

NO_FAULT        equ 0xff
SEL_CODE        equ 0x08
SEL_DATA        equ 0x10

MSR_EFER        equ 0xc0000080
MSR_PAT         equ 0x277
MSR_SYSENTER_EIP equ 0x176
MSR_LSTAR       equ 0xc0000082
MSR_FMASK       equ 0xc0000084
MSR_FS_BASE     equ 0xc0000100
MSR_KERNEL_GS   equ 0xc0000102

main:
        lgdt [gdt_desc]
        call build_idt
        lidt [idt_desc]
        mov esi, key_case
        call find_arg
        jnc .nocase
        mov [case_no], eax
        PRINT "hostile: case "
        PRINT_DEC eax
        PRINT 10
        mov eax, [case_no]
        cmp eax, 1
        je case_xsetbv
        cmp eax, 2
        je case_cr_msr
        cmp eax, 3
        je case_dr_write
        cmp eax, 4
        je case_dr_read
        cmp eax, 5
        je case_flood
        cmp eax, 6
        je case_lazy_stack
        cmp eax, 7
        je case_cpuid_truth
        cmp eax, 8
        je case_bios_scan
        cmp eax, 9
        je case_fw_cfg
        cmp eax, 10
        je case_pae
        cmp eax, 11
        je case_vmcall
.nocase:
        PRINT "hostile: FAIL no case=N (1-11) on the command line", 10
        EXIT 1

; ---- exceptions ----------------------------------------------------------
; try_call: EBX = routine (may clobber anything but ESP). Returns EAX = the
; vector it raised, or NO_FAULT. Other registers are preserved.
try_call:
        pushad
        mov [recover_esp], esp
        mov dword [caught], NO_FAULT
        call ebx
try_back:
        mov esp, [recover_esp]
        mov dword [recover_esp], 0
        popad
        mov eax, [caught]
        ret

; Each exception stub records its vector and unwinds to try_back; outside
; try_call an exception is a failure of the monitor's emulation.
%macro EXC_STUB 1
exc_%1:
%if (%1 = 8) || (%1 >= 10 && %1 <= 14) || (%1 = 17)
        mov eax, [esp + 4]              ; the CPU pushed an error code
        mov [fault_eip], eax
        mov eax, [esp + 12]
%else
        mov eax, [esp]
        mov [fault_eip], eax
        mov eax, [esp + 8]
%endif
        mov [fault_eflags], eax
        mov dword [caught], %1
        jmp exc_common
%endmacro
%assign i 0
%rep 32
EXC_STUB i
%assign i i+1
%endrep

exc_common:
        cmp dword [recover_esp], 0
        je .stray
        jmp try_back
.stray: PRINT "hostile: FAIL exception "
        PRINT_DEC [caught]
        PRINT " outside a probe", 10
        EXIT 1

; build_idt: 32 interrupt gates (present, DPL 0, 32-bit) to the stubs.
build_idt:
        xor ecx, ecx
.gate:  mov eax, [exc_table + ecx * 4]
        mov edi, idt
        lea edi, [edi + ecx * 8]
        IDT_GATE SEL_CODE
        inc ecx
        cmp ecx, 32
        jb .gate
        ret

; ---- case 1: XSETBV ------------------------------------------------------
; probe_xsetbv: [arg_ecx] index, [arg_hi]:[arg_lo] value.
probe_xsetbv:
        mov ecx, [arg_ecx]
        mov eax, [arg_lo]
        mov edx, [arg_hi]
        xsetbv
        ret

; EXPECT_GP probe, on_fail, ecx, hi, lo: the probe run with these operands
; must raise #GP; anything else goes to on_fail with the vector in EAX.
%macro EXPECT_GP 5
        mov dword [arg_ecx], %3
        mov dword [arg_hi], %4
        mov dword [arg_lo], %5
        mov ebx, %1
        call try_call
        cmp eax, 13
        jne %2
        inc dword [refused]
%endmacro

; XSETBV_GP ecx, hi, lo: the write must raise #GP.
%macro XSETBV_GP 3
        EXPECT_GP probe_xsetbv, xsetbv_not_refused, %1, %2, %3
%endmacro

case_xsetbv:
        mov eax, 1
        cpuid
        test ecx, 1 << 26               ; XSAVE
        jnz .has
        PRINT "hostile: PASS no XSAVE on this CPU: nothing to probe", 10
        EXIT 0
.has:   mov eax, cr4
        or eax, (1 << 18) | (1 << 9)    ; OSXSAVE, OSFXSR
        mov cr4, eax
        mov eax, 0xd
        xor ecx, ecx
        cpuid
        mov [xcr0_ok], eax
        mov [xcr0_ok + 4], edx
        PRINT "hostile: XCR0 offered "
        PRINT_HEX [xcr0_ok + 4]
        PRINT ":"
        PRINT_HEX [xcr0_ok]
        PRINT 10
        ; one value per rule of SDM vol. 1, 13.3, each with valid bits else
        XSETBV_GP 1, 0, 3               ; XCR1 is not writable
        XSETBV_GP 0, 0, 0               ; x87 off
        XSETBV_GP 0, 0, 2               ; x87 off, SSE on
        XSETBV_GP 0, 0, 5               ; AVX without SSE
        XSETBV_GP 0, 0, 0x0b            ; BNDREGS without BNDCSR
        XSETBV_GP 0, 0, 0x13            ; BNDCSR without BNDREGS
        XSETBV_GP 0, 0, 0x27            ; opmask without ZMM state
        XSETBV_GP 0, 0, 0x47            ; ZMM_Hi256 alone
        XSETBV_GP 0, 0, 0x87            ; Hi16_ZMM alone
        XSETBV_GP 0, 0, 0x67            ; two of the three AVX-512 bits
        XSETBV_GP 0, 0, 0xe3            ; AVX-512 without AVX
        XSETBV_GP 0, 0, 0x103           ; bit 8: a supervisor (XSS) component
        XSETBV_GP 0, 0, 0x803           ; bit 11: CET user state is XSS too
        XSETBV_GP 0, 0, 0x20007         ; AMX TILECFG alone
        XSETBV_GP 0, 0, 0x40007         ; AMX TILEDATA alone
        XSETBV_GP 0, 0x80000000, 3      ; bit 63
        XSETBV_GP 0, 1, 3               ; bit 32
        ; valid values the CPU offers must load and read back
        mov dword [arg_hi], 0
        mov dword [arg_lo], 3
        call xsetbv_valid
        mov eax, [xcr0_ok]
        and eax, 7
        cmp eax, 7
        jne .noavx
        mov dword [arg_lo], 7
        call xsetbv_valid
        mov eax, [xcr0_ok]
        and eax, 0xe7
        cmp eax, 0xe7
        jne .noavx
        mov dword [arg_lo], 0xe7
        call xsetbv_valid
.noavx: PRINT "hostile: PASS xsetbv: "
        PRINT_DEC [refused]
        PRINT " bad values refused with #GP, "
        PRINT_DEC [accepted]
        PRINT " good ones loaded", 10
        EXIT 0

xsetbv_not_refused:
        PRINT "hostile: FAIL xsetbv "
        PRINT_HEX [arg_hi]
        PRINT ":"
        PRINT_HEX [arg_lo]
        PRINT " (ecx "
        PRINT_DEC [arg_ecx]
        PRINT ") gave vector "
        PRINT_HEX eax
        PRINT ", not #GP", 10
        EXIT 1

; xsetbv_valid: [arg_hi]:[arg_lo] must load and XGETBV must return it.
xsetbv_valid:
        mov dword [arg_ecx], 0
        mov ebx, probe_xsetbv
        call try_call
        cmp eax, NO_FAULT
        jne .bad
        xor ecx, ecx
        xgetbv
        cmp eax, [arg_lo]
        jne .bad
        cmp edx, [arg_hi]
        jne .bad
        inc dword [accepted]
        ret
.bad:   PRINT "hostile: FAIL valid XCR0 "
        PRINT_HEX [arg_lo]
        PRINT " did not load and read back", 10
        EXIT 1

; ---- case 2: CR and MSR writes ------------------------------------------
probe_wrmsr:
        mov ecx, [arg_ecx]
        mov eax, [arg_lo]
        mov edx, [arg_hi]
        wrmsr
        ret

probe_cr0:
        mov eax, [arg_lo]
        mov cr0, eax
        ret

probe_cr4:
        mov eax, [arg_lo]
        mov cr4, eax
        ret

; WRMSR_GP msr, hi, lo / WRMSR_OK msr, hi, lo (then reads back)
%macro WRMSR_GP 3
        EXPECT_GP probe_wrmsr, cr_not_refused, %1, %2, %3
%endmacro
%macro WRMSR_OK 3
        mov dword [arg_ecx], %1
        mov dword [arg_hi], %2
        mov dword [arg_lo], %3
        mov ebx, probe_wrmsr
        call try_call
        cmp eax, NO_FAULT
        jne cr_not_accepted
        mov ecx, %1
        rdmsr
        cmp eax, %3
        jne cr_not_accepted
        cmp edx, %2
        jne cr_not_accepted
        inc dword [accepted]
%endmacro
; CR_GP probe, value: MOV to CR0/CR4 of `value` (computed in EAX first).
%macro CR_GP 1
        EXPECT_GP %1, cr_not_refused, 0, 0, eax
%endmacro

case_cr_msr:
        ; without paging
        WRMSR_GP MSR_EFER, 0, 2                 ; EFER bit 1 is reserved
        test dword [fault_eflags], 1 << 16      ; a fault pushes RFLAGS.RF
        jnz .rf_ok
        PRINT "hostile: FAIL the #GP's pushed EFLAGS lacks RF: "
        PRINT_HEX [fault_eflags]
        PRINT 10
        EXIT 1
.rf_ok:
        WRMSR_GP MSR_PAT, 0, 0x00070402         ; memory type 2 is reserved
        WRMSR_GP MSR_SYSENTER_EIP, 0x8000, 0    ; not canonical
        WRMSR_GP MSR_FS_BASE, 0x8000, 0
        WRMSR_GP MSR_KERNEL_GS, 0xffff7fff, 0
        WRMSR_GP MSR_LSTAR, 0x00800000, 0
        WRMSR_GP MSR_FMASK, 1, 0                ; bits 63:32 are reserved
        WRMSR_OK MSR_LSTAR, 0xffff8000, 0x1000
        WRMSR_OK MSR_KERNEL_GS, 0x00007fff, 0x2000
        WRMSR_OK MSR_EFER, 0, 1                 ; SCE
        mov eax, cr4
        or eax, 1 << 13                         ; VMXE: no VT-x offered
        CR_GP probe_cr4
        mov eax, cr4
        or eax, 1 << 31                         ; reserved
        CR_GP probe_cr4
        mov eax, cr0
        or eax, 1 << 29                         ; NW without CD
        CR_GP probe_cr0
        ; LME without PAE, then paging on: #GP (long mode needs PAE)
        WRMSR_OK MSR_EFER, 0, 0x101             ; SCE | LME, paging still off
        mov eax, cr0
        or eax, 0x80000000
        CR_GP probe_cr0
        WRMSR_OK MSR_EFER, 0, 1                 ; LME off again
        ; 32-bit paging with one 4 MiB identity page over the image
        mov dword [page_dir], 0x83              ; present, writable, 4 MiB
        mov eax, cr4
        or eax, 1 << 4                          ; PSE
        mov cr4, eax
        mov eax, page_dir
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        PRINT "hostile: paging on", 10
        ; the write that used to fail VM entry: LME while paging is on
        WRMSR_GP MSR_EFER, 0, 0x101
        mov eax, cr0
        and eax, 0x7fffffff
        mov cr0, eax
        PRINT "hostile: PASS cr/msr: "
        PRINT_DEC [refused]
        PRINT " bad writes refused with #GP, "
        PRINT_DEC [accepted]
        PRINT " good ones read back", 10
        EXIT 0

cr_not_refused:
        PRINT "hostile: FAIL bad write (msr "
        PRINT_HEX [arg_ecx]
        PRINT " value "
        PRINT_HEX [arg_hi]
        PRINT ":"
        PRINT_HEX [arg_lo]
        PRINT ") gave vector "
        PRINT_HEX eax
        PRINT ", not #GP", 10
        EXIT 1

cr_not_accepted:
        PRINT "hostile: FAIL good write (msr "
        PRINT_HEX [arg_ecx]
        PRINT " value "
        PRINT_HEX [arg_hi]
        PRINT ":"
        PRINT_HEX [arg_lo]
        PRINT ") faulted or did not read back", 10
        EXIT 1

; ---- cases 3 and 4: debug registers ---------------------------------------
case_dr_write:
        mov eax, 0x11111111
        mov dr0, eax
        mov eax, 0x22222222
        mov dr1, eax
        mov eax, 0x33333333
        mov dr2, eax
        mov eax, 0x44444444
        mov dr3, eax
        mov eax, 0xffff4ff1             ; B0 and BS
        mov dr6, eax
        PRINT "hostile: debug registers set; halting", 10
.stop:  cli
        hlt
        jmp .stop

%macro DR_CHECK 2
        mov eax, dr%1
        cmp eax, %2
        je %%ok
        PRINT "hostile: FAIL dr", %1 + '0', " holds "
        PRINT_HEX eax
        PRINT ", reset value "
        PRINT_HEX %2
        PRINT 10
        inc dword [refused]
%%ok:
%endmacro

case_dr_read:
        DR_CHECK 0, 0
        DR_CHECK 1, 0
        DR_CHECK 2, 0
        DR_CHECK 3, 0
        DR_CHECK 6, 0xffff0ff0
        DR_CHECK 7, 0x400
        cmp dword [refused], 0
        jne .bad
        PRINT "hostile: PASS debug registers hold their reset values", 10
        EXIT 0
.bad:   EXIT 1

; ---- case 5: COM1 flood -----------------------------------------------------
case_flood:
        xor edi, edi
.line:  PRINT "hostile: flood line "
        PRINT_DEC edi
        PRINT 10
        inc edi
        jmp .line

; ---- case 6: an event whose delivery faults in the EPT ----------------------
LAZY_STACK_TOP  equ 0x301000            ; a page nothing has touched (memsize >= 4)

case_lazy_stack:
        mov ebx, probe_lazy_stack
        call try_call
        cmp eax, 1
        jne .lost
        cmp dword [fault_eip], lazy_after
        jne .late
        PRINT "hostile: PASS single-step #DB delivered on an unbacked stack page", 10
        EXIT 0
.lost:  PRINT "hostile: FAIL no #DB at all (vector "
        PRINT_HEX eax
        PRINT ")", 10
        EXIT 1
.late:  PRINT "hostile: FAIL the #DB was lost; a later one came at "
        PRINT_HEX [fault_eip]
        PRINT 10
        EXIT 1

probe_lazy_stack:
        pushfd
        or dword [esp], 0x100           ; TF: a #DB after the instruction after POPF
        popfd
        mov esp, LAZY_STACK_TOP         ; ... this one: delivered on the new stack
lazy_after:
        jmp try_back                    ; if that #DB was lost, TF traps again here

; ---- case 7: what CPUID advertises works --------------------------------------
probe_rdmsr:
        mov ecx, [arg_ecx]
        rdmsr
        ret

probe_rdtscp:
        rdtscp
        ret

probe_invpcid:
        mov eax, 2                      ; all contexts, globals included
        invpcid eax, [invpcid_desc]
        ret

; FEATURE_PROBE leaf, register, bit, probe, arg: if CPUID(leaf).register has
; the bit, the probe (with [arg_ecx] = arg) must run without a fault.
%macro FEATURE_PROBE 5
        mov eax, %1
        xor ecx, ecx
        cpuid
        test %2, 1 << %3
        jz %%absent
        mov dword [arg_ecx], %5
        mov ebx, %4
        call try_call
        cmp eax, NO_FAULT
        jne truth_broken
        inc dword [accepted]
%%absent:
%endmacro
; FEATURE_MSR leaf, register, bit, msr: the MSR behind the feature reads.
%macro FEATURE_MSR 4
        FEATURE_PROBE %1, %2, %3, probe_rdmsr, %4
%endmacro
; FEATURE_INSN leaf, register, bit, probe: the instruction behind it runs.
%macro FEATURE_INSN 4
        FEATURE_PROBE %1, %2, %3, %4, %1
%endmacro

case_cpuid_truth:
        FEATURE_MSR 1, edx, 5, 0x10             ; MSR: the TSC
        FEATURE_MSR 1, edx, 7, 0x17a            ; MCE: MCG_STATUS
        FEATURE_MSR 1, edx, 14, 0x179           ; MCA: MCG_CAP
        FEATURE_MSR 1, edx, 9, 0x1b             ; APIC: APIC_BASE
        FEATURE_MSR 1, edx, 11, 0x174           ; SEP: SYSENTER_CS
        FEATURE_MSR 1, edx, 12, 0xfe            ; MTRR: MTRRCAP
        FEATURE_MSR 1, edx, 16, 0x277           ; PAT
        FEATURE_MSR 1, edx, 21, 0x600           ; DS: DS_AREA
        FEATURE_MSR 1, ecx, 15, 0x345           ; PDCM: PERF_CAPABILITIES
        FEATURE_MSR 1, ecx, 7, 0x198            ; EST: PERF_STATUS
        FEATURE_MSR 1, edx, 22, 0x19c           ; ACPI: THERM_STATUS
        FEATURE_MSR 6, eax, 0, 0x19c            ; thermal sensor: THERM_STATUS
        FEATURE_MSR 7, ebx, 1, 0x3b             ; TSC_ADJUST
        FEATURE_MSR 7, edx, 26, 0x48            ; IBRS: SPEC_CTRL
        FEATURE_MSR 7, edx, 29, 0x10a           ; ARCH_CAPABILITIES
        FEATURE_MSR 7, edx, 30, 0xcf            ; CORE_CAPABILITIES
        FEATURE_MSR 7, ebx, 25, 0x560           ; PT: RTIT_OUTPUT_BASE
        FEATURE_MSR 0x80000001, edx, 29, 0xc0000080 ; LM: EFER
        FEATURE_INSN 0x80000001, edx, 27, probe_rdtscp
        FEATURE_INSN 7, ebx, 10, probe_invpcid
        ; MISC_ENABLE exists on every CPU with CPUID leaf 1's family 6
        mov dword [arg_ecx], 0x1a0
        mov ebx, probe_rdmsr
        call try_call
        cmp eax, NO_FAULT
        jne truth_broken
        ; a TSC written reads back (within the instructions in between)
        mov ecx, 0x10
        mov edx, 0x12
        mov eax, 0x34560000
        wrmsr
        rdtsc
        cmp edx, 0x12
        jne .tsc_bad
        sub eax, 0x34560000
        cmp eax, 0x1000000              ; well under 16 M ticks later
        jae .tsc_bad
        PRINT "hostile: PASS cpuid: "
        PRINT_DEC [accepted]
        PRINT " advertised features checked, the TSC written read back", 10
        EXIT 0
.tsc_bad:
        PRINT "hostile: FAIL the TSC written as 0x12:0x34560000 reads "
        PRINT_HEX edx
        PRINT ":"
        PRINT_HEX eax
        PRINT 10
        EXIT 1

truth_broken:
        PRINT "hostile: FAIL CPUID advertises what gives vector "
        PRINT_HEX eax
        PRINT " (leaf or MSR "
        PRINT_HEX [arg_ecx]
        PRINT ")", 10
        EXIT 1

; ---- case 8: the BIOS area reads as ROM ----------------------------------------
case_bios_scan:
        mov esi, 0xe0000
        xor ebx, ebx                    ; signatures found
.next:  cmp dword [esi], 0x20445352     ; "RSD " of "RSD PTR "
        jne .mp
        cmp dword [esi + 4], 0x20525450 ; "PTR "
        jne .mp
        inc ebx
.mp:    cmp dword [esi], 0x5f504d5f     ; "_MP_"
        jne .step
        inc ebx
.step:  add esi, 16                     ; both live on 16-byte boundaries
        cmp esi, 0x100000
        jb .next
        PRINT "hostile: PASS bios area: 4096 paragraphs read, "
        PRINT_DEC ebx
        PRINT " signatures", 10
        EXIT 0

; ---- case 9: fw_cfg ------------------------------------------------------------
FW_CFG_SEL      equ 0x510
FW_CFG_DATA     equ 0x511

; fw_cfg_item KEY: selects the item and reads 4 bytes into EAX (little-endian).
fw_cfg_dword:
        push ecx
        push edx
        mov dx, FW_CFG_SEL
        out dx, ax
        mov dx, FW_CFG_DATA
        xor eax, eax
        mov ecx, 4
.byte:  ror eax, 8
        in al, dx
        loop .byte
        ror eax, 8
        pop edx
        pop ecx
        ret

case_fw_cfg:
        mov eax, 0                      ; the signature
        call fw_cfg_dword
        cmp eax, 0x554d4551             ; "QEMU"
        jne .bad_sig
        mov eax, 5                      ; CPU count (2 bytes, then zeros)
        call fw_cfg_dword
        cmp eax, 1
        jne .bad_cpus
        mov eax, 3                      ; RAM size, low dword
        call fw_cfg_dword
        mov ebx, eax
        mov esi, key_mem
        call find_arg
        jnc .no_mem
        shl eax, 20
        cmp ebx, eax
        jne .bad_ram
        PRINT "hostile: PASS fw_cfg: QEMU, 1 CPU, RAM "
        PRINT_HEX ebx
        PRINT 10
        EXIT 0
.bad_sig:
        PRINT "hostile: FAIL fw_cfg signature "
        PRINT_HEX eax
        PRINT 10
        EXIT 1
.bad_cpus:
        PRINT "hostile: FAIL fw_cfg CPU count "
        PRINT_HEX eax
        PRINT 10
        EXIT 1
.no_mem:
        PRINT "hostile: FAIL case 9 needs mem=N on its command line", 10
        EXIT 1
.bad_ram:
        PRINT "hostile: FAIL fw_cfg RAM size "
        PRINT_HEX ebx
        PRINT ", expected "
        PRINT_HEX eax
        PRINT 10
        EXIT 1

key_mem:        db "mem=", 0

; ---- case 10: PAE paging turned on by a CR0 write that exits ----------------
; Entry 0 maps linear 0-4 MiB and entry 1 linear 1 GiB - 1 GiB + 4 MiB, both
; onto physical 0-4 MiB (2 MiB pages), where this image, its stack and its
; tables are. Entry 1 first carries reserved bit 5.
PAE_ALIAS       equ 0x40000000

case_pae:
        mov dword [pae_pd0], 0x83               ; 2 MiB page at 0: present, writable
        mov dword [pae_pd0 + 8], 0x200083
        mov dword [pae_pd1], 0x83
        mov dword [pae_pd1 + 8], 0x200083
        mov dword [pae_pdpt], pae_pd0 + 1
        mov dword [pae_pdpt + 8], pae_pd1 + 1 + (1 << 5)
        mov eax, cr4
        or eax, 1 << 5                          ; PAE
        mov cr4, eax
        mov eax, pae_pdpt
        mov cr3, eax
        mov eax, cr0                            ; NE off, so that turning paging
        and eax, ~(1 << 5)                      ; on below changes it too
        mov cr0, eax
        mov ebx, probe_pae_on
        call try_call
        cmp eax, 13
        jne .no_gp
        mov eax, cr0
        test eax, 0x80000000
        jnz .paging_on
        mov dword [pae_pdpt + 8], pae_pd1 + 1
        mov ebx, probe_pae_on
        call try_call
        cmp eax, NO_FAULT
        jne .fault
        mov dword [pae_word], 0x5a17c0de
        mov eax, [pae_word + PAE_ALIAS]
        cmp eax, 0x5a17c0de
        jne .alias
        PRINT "hostile: PASS PAE paging on through an exiting CR0 write; reserved PDPTE bit refused", 10
        EXIT 0
.no_gp:
        PRINT "hostile: FAIL reserved PDPTE bit: vector "
        PRINT_HEX eax
        PRINT ", expected #GP", 10
        EXIT 1
.paging_on:
        PRINT "hostile: FAIL paging on after the refused CR0 write", 10
        EXIT 1
.fault:
        PRINT "hostile: FAIL valid PDPTEs: vector "
        PRINT_HEX eax
        PRINT 10
        EXIT 1
.alias:
        PRINT "hostile: FAIL alias read "
        PRINT_HEX eax
        PRINT 10
        EXIT 1

; ---- case 11: VMCALL answers as KVM's hypercalls do -------------------------
case_vmcall:
        mov ebx, probe_vmcall
        call try_call
        cmp eax, NO_FAULT
        jne .fault
        cmp dword [vmcall_ret], -1000
        jne .ret
        mov ebx, probe_vmmcall
        call try_call
        cmp eax, 6
        jne .vmmcall
        PRINT "hostile: PASS VMCALL returned -1000 (unknown hypercall), VMMCALL #UD", 10
        EXIT 0
.fault:
        PRINT "hostile: FAIL VMCALL raised vector "
        PRINT_HEX eax
        PRINT 10
        EXIT 1
.ret:
        PRINT "hostile: FAIL VMCALL returned "
        PRINT_HEX [vmcall_ret]
        PRINT 10
        EXIT 1
.vmmcall:
        PRINT "hostile: FAIL VMMCALL: vector "
        PRINT_HEX eax
        PRINT ", expected #UD", 10
        EXIT 1

probe_vmcall:
        mov eax, 0x7fff                         ; no such hypercall
        vmcall
        mov [vmcall_ret], eax
        ret

probe_vmmcall:
        mov eax, 0x7fff
        vmmcall
        ret

vmcall_ret:     dd 0

probe_pae_on:
        mov eax, cr0
        or eax, 0x80000000 | (1 << 5)           ; PG and NE
        mov cr0, eax
        ret

; ---- data ---------------------------------------------------------------------
key_case:       db "case=", 0
        align 8
gdt:    dq 0
        dq 0x00cf9a000000ffff           ; 0x08: flat 32-bit code
        dq 0x00cf92000000ffff           ; 0x10: flat data
gdt_desc:
        dw gdt_desc - gdt - 1
        dd gdt
idt_desc:
        dw 32 * 8 - 1
        dd idt
exc_table:
%assign i 0
%rep 32
        dd exc_ %+ i
%assign i i+1
%endrep

; Zero-filled in the image (not bss): the loader may place the Multiboot
; information right after the bss.
        align 8, db 0
idt:            times 32 dq 0
case_no:        dd 0
caught:         dd 0
fault_eip:      dd 0
fault_eflags:   dd 0
recover_esp:    dd 0
arg_ecx:        dd 0
arg_lo:         dd 0
arg_hi:         dd 0
refused:        dd 0
accepted:       dd 0
xcr0_ok:        dd 0, 0
        align 16, db 0
invpcid_desc:   dq 0, 0
        align 4096, db 0
page_dir:       times 1024 dd 0
pae_pd0:        times 512 dq 0
pae_pd1:        times 512 dq 0
pae_pdpt:       times 4 dq 0                    ; 32-byte aligned: after two pages
pae_word:       dd 0

        GUEST_END
