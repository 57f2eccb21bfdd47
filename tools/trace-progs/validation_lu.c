/* The validation set's numeric kernel (tools/trace-corpus.py, never tuned
 * on): LU decomposition without pivoting of a 320 x 320 matrix of doubles
 * (800 KiB), then forward and back substitution, repeated on perturbed
 * copies. Step k updates the trailing submatrix: sweeps that shrink as k
 * grows. Plain C, no libraries. */
#include <stdio.h>

#define N 320
#define SOLVES 4

static double m[N][N], lu[N][N], x[N], y[N];

int main(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            m[i][j] = (i == j) ? N + 1.0 : ((i * 31 + j * 17) % 23) / 23.0;
    double check = 0;
    for (int s = 0; s < SOLVES; s++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                lu[i][j] = m[i][j] + s * 0.001 * ((i + j) % 5);
        for (int k = 0; k < N; k++)
            for (int i = k + 1; i < N; i++) {
                double f = lu[i][k] /= lu[k][k];
                for (int j = k + 1; j < N; j++)
                    lu[i][j] -= f * lu[k][j];
            }
        for (int i = 0; i < N; i++) {
            y[i] = 1.0;
            for (int j = 0; j < i; j++)
                y[i] -= lu[i][j] * y[j];
        }
        for (int i = N - 1; i >= 0; i--) {
            x[i] = y[i];
            for (int j = i + 1; j < N; j++)
                x[i] -= lu[i][j] * x[j];
            x[i] /= lu[i][i];
        }
        check += x[0];
    }
    printf("%f\n", check);
    return 0;
}
