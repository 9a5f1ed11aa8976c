/* FP-heavy workload: n-body simulation plus a dense matrix multiply; also a benchmark. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define N 5
static double px[N], py[N], pz[N], vx[N], vy[N], vz[N], m[N];
static void advance(double dt) {
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            double dx = px[i] - px[j], dy = py[i] - py[j], dz = pz[i] - pz[j];
            double d2 = dx * dx + dy * dy + dz * dz, mag = dt / (d2 * sqrt(d2));
            vx[i] -= dx * m[j] * mag; vy[i] -= dy * m[j] * mag; vz[i] -= dz * m[j] * mag;
            vx[j] += dx * m[i] * mag; vy[j] += dy * m[i] * mag; vz[j] += dz * m[i] * mag;
        }
    for (int i = 0; i < N; i++) { px[i] += dt * vx[i]; py[i] += dt * vy[i]; pz[i] += dt * vz[i]; }
}
static double energy(void) {
    double e = 0;
    for (int i = 0; i < N; i++) {
        e += 0.5 * m[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
        for (int j = i + 1; j < N; j++)
            e -= m[i] * m[j] / sqrt((px[i] - px[j]) * (px[i] - px[j]) + (py[i] - py[j]) * (py[i] - py[j]) + (pz[i] - pz[j]) * (pz[i] - pz[j]));
    }
    return e;
}
int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    for (int i = 0; i < N; i++) {
        px[i] = i * 1.1; py[i] = i * -0.7 + 0.3; pz[i] = (i % 2) * 0.5;
        vx[i] = 0.01 * i; vy[i] = 0.02 * (N - i); vz[i] = -0.005 * i; m[i] = 1.0 + i * 0.3;
    }
    printf("e0=%.9f\n", energy());
    for (int s = 0; s < 200000 * scale; s++) advance(0.001);
    printf("e1=%.9f\n", energy());
    int n = 96;
    float *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b), *c = calloc(n * n, sizeof *c);
    for (int i = 0; i < n * n; i++) { a[i] = (i % 17) * 0.25f - 1.0f; b[i] = (i % 13) * 0.5f + 0.125f; }
    for (int r = 0; r < 4 * scale; r++)
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
                for (int j = 0; j < n; j++) c[i * n + j] += a[i * n + k] * b[k * n + j];
    double t = 0;
    for (int i = 0; i < n * n; i++) t += c[i];
    printf("mm=%.3f\n", t);
    return 0;
}
