/* A loop larger than memory for the trace corpus (tools/trace-corpus.py):
 * Jacobi relaxation of a 2-D grid of 256 x 256 doubles kept in two arrays
 * (512 KiB each), each half-sweep computing one array from the other, so
 * every page of both comes round once a sweep in the same order. With the
 * VM's memory below the two arrays, LRU gives up each page just before the
 * sweep needs it. Plain C, no libraries. */
#include <stdio.h>

#define N 256
#define SWEEPS 40

static double a[N][N], c[N][N];

/* One half-sweep: each inner point of `to` the mean of its four
 * neighbours in `from`. */
static void relax(double to[N][N], double from[N][N])
{
    for (int i = 1; i < N - 1; i++)
        for (int j = 1; j < N - 1; j++)
            to[i][j] = 0.25 * (from[i - 1][j] + from[i + 1][j] + from[i][j - 1] + from[i][j + 1]);
}

int main(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            c[i][j] = (i * 13 + j * 7) % 19;
    for (int s = 0; s < SWEEPS; s++) {
        relax(a, c);
        relax(c, a);
    }
    printf("%f\n", c[N / 2][N / 2]);
    return 0;
}
