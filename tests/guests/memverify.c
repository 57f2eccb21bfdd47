/*
 * memverify: memtouch (tests/guests/memtouch.asm) for a Linux guest. It
 * maps N MiB of anonymous memory and, round after round, writes a
 * per-page generation pattern and checks it: any mismatch is guest data the
 * hypervisor lost (a page swapped, compressed, ballooned or shared back
 * wrongly), seen through the guest kernel's own memory management.
 *
 *   memverify MIB ROUNDS      (ROUNDS 0: forever)
 *
 * Round R, pass 1, for each 4 KiB page P of the buffer (64-bit words, 512
 * a page): check word 0 = R-1, word 1 = P, word 511 = (R-1) ^ P (round 1:
 * all 0, as fresh anonymous pages are), then write word 0 = R, word 1 = P,
 * word 511 = R ^ P and every other word i = R ^ (i * 0x9e3779b97f4a7c15).
 * Pass 2 checks every word of every page.
 *
 * Lines (the first names it):
 *   memverify: MIB MiB, ROUNDS rounds
 *   memverify: round R ok (P pages)
 *   memverify: MISMATCH page P word I expected 0xE found 0xF      exit 1
 *   memverify: usage: memverify MIB ROUNDS | cannot map N MiB     exit 2
 *
 * Freestanding (raw Linux system calls, no libc), so one static binary
 * builds from Debian's compiler alone and runs in any initramfs.
 */
#include <stddef.h>
#include <stdint.h>

#define SYS_WRITE 1
#define SYS_MMAP 9
#define SYS_EXIT_GROUP 231
#define PROT_RW 3           /* PROT_READ | PROT_WRITE */
#define MAP_PRIVATE_ANON 0x22
#define WORDS 512
#define MIX 0x9e3779b97f4a7c15ull

static long syscall6(long n, long a, long b, long c, long d, long e, long f)
{
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static void __attribute__((noreturn)) quit(int status)
{
    syscall6(SYS_EXIT_GROUP, status, 0, 0, 0, 0, 0);
    for (;;)
        ;
}

/* One line is built here and written with one call, so lines from other
 * processes on the console do not cut into it. */
static char line[160];
static size_t len;

static void add(const char *s)
{
    while (*s && len < sizeof line - 1)
        line[len++] = *s++;
}

static void add_num(uint64_t v, unsigned base)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (base == 16)
        add("0x");
    while (n > 0 && len < sizeof line - 1)
        line[len++] = tmp[--n];
}

static void flush(void)
{
    line[len++] = '\n';
    syscall6(SYS_WRITE, 1, (long)line, (long)len, 0, 0, 0);
    len = 0;
}

static int parse(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!s || !*s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 1;
}

static uint64_t expect(uint64_t round, uint64_t page, unsigned i)
{
    if (i == 0)
        return round;
    if (i == 1)
        return round ? page : 0;
    if (i == WORDS - 1)
        return round ^ (round ? page : 0);
    return round ^ (i * MIX);
}

static void mismatch(uint64_t page, unsigned i, uint64_t want, uint64_t got)
{
    add("memverify: MISMATCH page ");
    add_num(page, 10);
    add(" word ");
    add_num(i, 10);
    add(" expected ");
    add_num(want, 16);
    add(" found ");
    add_num(got, 16);
    flush();
    quit(1);
}

static void run(volatile uint64_t *buf, uint64_t pages, uint64_t rounds)
{
    for (uint64_t r = 1; rounds == 0 || r <= rounds; r++) {
        for (uint64_t p = 0; p < pages; p++) {
            volatile uint64_t *w = buf + p * WORDS;
            /* Round 1 sees fresh pages: all zero. */
            static const unsigned probe[] = { 0, 1, WORDS - 1 };
            for (unsigned k = 0; k < 3; k++) {
                uint64_t want = r == 1 ? 0 : expect(r - 1, p, probe[k]);
                if (w[probe[k]] != want)
                    mismatch(p, probe[k], want, w[probe[k]]);
            }
            for (unsigned i = 0; i < WORDS; i++)
                w[i] = expect(r, p, i);
        }
        for (uint64_t p = 0; p < pages; p++)
            for (unsigned i = 0; i < WORDS; i++)
                if (buf[p * WORDS + i] != expect(r, p, i))
                    mismatch(p, i, expect(r, p, i), buf[p * WORDS + i]);
        add("memverify: round ");
        add_num(r, 10);
        add(" ok (");
        add_num(pages, 10);
        add(" pages)");
        flush();
    }
}

int main(int argc, char **argv);
int main(int argc, char **argv)
{
    uint64_t mib, rounds;
    if (argc != 3 || !parse(argv[1], &mib) || !parse(argv[2], &rounds) || mib == 0 ||
        mib > (1u << 20)) {
        add("memverify: usage: memverify MIB ROUNDS (MIB 1 to 1048576, ROUNDS 0: forever)");
        flush();
        return 2;
    }
    long addr = syscall6(SYS_MMAP, 0, (long)(mib << 20), PROT_RW, MAP_PRIVATE_ANON, -1, 0);
    if (addr < 0 && addr > -4096) {
        add("memverify: cannot map ");
        add_num(mib, 10);
        add(" MiB");
        flush();
        return 2;
    }
    add("memverify: ");
    add_num(mib, 10);
    add(" MiB, ");
    add_num(rounds, 10);
    add(" rounds");
    flush();
    run((volatile uint64_t *)addr, mib << 8, rounds);
    return 0;
}

/* The process entry: argc at [rsp], argv after it; the stack is 16-byte
 * aligned here, as main's call then expects. */
__asm__(".globl _start\n"
        "_start:\n"
        "  xor %ebp, %ebp\n"
        "  mov (%rsp), %rdi\n"
        "  lea 8(%rsp), %rsi\n"
        "  call main\n"
        "  mov %eax, %edi\n"
        "  mov $231, %eax\n"
        "  syscall\n"
        "  hlt\n");
