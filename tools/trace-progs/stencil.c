/* A loop larger than memory for the trace corpus (tools/trace-corpus.py):
 * Jacobi sweeps of a 2-D stencil over two 256 x 256 arrays of doubles
 * (512 KiB each), each sweep reading one array and writing the other, so
 * every page of both comes round once a sweep in the same order. With the
 * VM's memory below the two arrays, LRU gives up each page just before
 * the sweep needs it. Plain C, no libraries. */
#include <stdio.h>

#define N 256
#define SWEEPS 40

static double a[N][N], c[N][N];

int main(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            c[i][j] = (i * 13 + j * 7) % 19;
    for (int s = 0; s < SWEEPS; s++) {
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                a[i][j] = 0.25 * (c[i - 1][j] + c[i + 1][j] + c[i][j - 1] + c[i][j + 1]);
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                c[i][j] = 0.25 * (a[i - 1][j] + a[i + 1][j] + a[i][j - 1] + a[i][j + 1]);
    }
    printf("%f\n", c[N / 2][N / 2]);
    return 0;
}
