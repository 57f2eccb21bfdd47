/* A scientific kernel for the trace corpus (tools/trace-corpus.py): a
 * blocked matrix multiply followed by Jacobi sweeps of a 2-D stencil, on
 * arrays of a few MiB, so the trace has both a tiled reuse pattern and
 * whole-array sweeps. Plain C, no libraries. */
#include <stdio.h>
#include <stdlib.h>

#define N 384
#define BLOCK 48

static double a[N][N], b[N][N], c[N][N];

static void multiply(void)
{
    for (int ii = 0; ii < N; ii += BLOCK)
        for (int kk = 0; kk < N; kk += BLOCK)
            for (int jj = 0; jj < N; jj += BLOCK)
                for (int i = ii; i < ii + BLOCK; i++)
                    for (int k = kk; k < kk + BLOCK; k++)
                        for (int j = jj; j < jj + BLOCK; j++)
                            c[i][j] += a[i][k] * b[k][j];
}

static void jacobi(int sweeps)
{
    for (int s = 0; s < sweeps; s++) {
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                a[i][j] = 0.25 * (c[i - 1][j] + c[i + 1][j] + c[i][j - 1] + c[i][j + 1]);
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                c[i][j] = 0.25 * (a[i - 1][j] + a[i + 1][j] + a[i][j - 1] + a[i][j + 1]);
    }
}

int main(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = (double)((i * 7 + j * 3) % 17);
            b[i][j] = (double)((i * 5 + j * 11) % 13);
        }
    multiply();
    jacobi(20);
    double sum = 0;
    for (int i = 0; i < N; i++)
        sum += c[i][i];
    printf("%f\n", sum);
    return 0;
}
