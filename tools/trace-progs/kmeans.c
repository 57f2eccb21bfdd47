/* Clustering for the trace corpus (tools/trace-corpus.py): k-means over
 * 80,000 points in two coordinate arrays (1.2 MiB), each iteration a pass
 * assigning every point to its nearest of 16 centres and a pass moving the
 * centres: whole-array sweeps, round after round. Plain C, no libraries. */
#include <stdio.h>

#define POINTS 80000
#define K 16
#define ROUNDS 40

static double px[POINTS], py[POINTS];
static int cluster[POINTS];

int main(void)
{
    unsigned s = 12345;
    for (int i = 0; i < POINTS; i++) {
        s = s * 1103515245u + 12345u;
        px[i] = (s >> 8) % 10000;
        s = s * 1103515245u + 12345u;
        py[i] = (s >> 8) % 10000;
    }
    double cx[K], cy[K];
    for (int k = 0; k < K; k++) {
        cx[k] = px[k * 97];
        cy[k] = py[k * 97];
    }
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < POINTS; i++) {
            int best = 0;
            double best_d = 1e300;
            for (int k = 0; k < K; k++) {
                double dx = px[i] - cx[k], dy = py[i] - cy[k], d = dx * dx + dy * dy;
                if (d < best_d) {
                    best_d = d;
                    best = k;
                }
            }
            cluster[i] = best;
        }
        double sx[K] = { 0 }, sy[K] = { 0 };
        int n[K] = { 0 };
        for (int i = 0; i < POINTS; i++) {
            sx[cluster[i]] += px[i];
            sy[cluster[i]] += py[i];
            n[cluster[i]]++;
        }
        for (int k = 0; k < K; k++)
            if (n[k]) {
                cx[k] = sx[k] / n[k];
                cy[k] = sy[k] / n[k];
            }
    }
    printf("%f %f\n", cx[0], cy[0]);
    return 0;
}
