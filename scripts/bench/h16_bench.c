/* F16 / BF16 weights × float activations, one thread: hs_gemm_h16 (converted in registers) against
 * the float matvec (hs_matvec, ≤ 8 rows) on a 4096 × 11008 matrix (90 MB in F16, far larger than the
 * caches, as a 7B ffn matrix). GB/s of weights and GMAC/s; max |difference| from the scalar reference.
 *
 *   K=../../Sources/CKernels
 *   clang -O3 -fno-math-errno -mf16c -I$K/include -I$K h16_bench.c $K/*.c -o /tmp/h16bench -lm
 *   /tmp/h16bench
 *
 * Process CPU time, median of 5 after a warm-up. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <immintrin.h>
#include "CKernels.h"

#include "bench_clock.h"

int main(void) {
    const int64_t nc = 4096, nr = 11008;
    const uint32_t types[2] = {1, 30};
    const char *names[2] = {"F16", "BF16"};
    for (int ty = 0; ty < 2; ty++) {
        const uint32_t T = types[ty];
        size_t rb = (size_t)nc * 2;
        uint16_t *w = malloc(rb * nr);
        for (int64_t i = 0; i < nc * nr; i++) {
            float v = ((float)rand() / (float)RAND_MAX - 0.5f) * 0.03f;
            uint32_t b; memcpy(&b, &v, 4);
            w[i] = T == 1 ? (uint16_t)_cvtss_sh(v, 0) : (uint16_t)(b >> 16);
        }
        float *x = malloc(sizeof(float) * nc * 64), *y = malloc(sizeof(float) * nr * 64), *y2 = malloc(sizeof(float) * nr * 64);
        for (int64_t i = 0; i < nc * 64; i++) x[i] = (float)rand() / (float)RAND_MAX - 0.5f;
        const int64_t nxs[] = {1, 2, 4, 8, 16, 64};
        for (int k = 0; k < 6; k++) {
            int64_t nx = nxs[k];
            double ta[6], tb[6];
            for (int rep = 0; rep < 6; rep++) {
                double s = now();
                if (nx <= 8) hs_matvec(T, w, rb, nc, 0, nr, x, nx, nc, y, nr); else hs_gemm_h16_with(1, T, w, rb, nc, 0, nr / 8, x, nx, nc, y, nr);
                ta[rep] = now() - s;
                s = now();
                hs_gemm_h16(T, w, rb, nc, 0, nr, x, nx, nc, y2, nr);
                tb[rep] = now() - s;
            }
            if (nx > 8) hs_gemm_h16_with(1, T, w, rb, nc, 0, nr, x, nx, nc, y, nr);
            double maxd = 0, maxy = 0;
            for (int64_t i = 0; i < nr * nx; i++) { maxd = fmax(maxd, fabs(y[i] - y2[i])); maxy = fmax(maxy, fabs(y[i])); }
            qsort(ta + 1, 5, sizeof(double), cmp);
            qsort(tb + 1, 5, sizeof(double), cmp);
            double a = ta[3] * (nx > 8 ? 8 : 1), b = tb[3];
            printf("%-4s nx=%-3lld %s %6.1f GB/s %6.1f GMAC/s | h16 %6.1f GB/s %6.1f GMAC/s | %.2fx  maxdiff %.2g (of %.2g)\n",
                   names[ty], (long long)nx, nx <= 8 ? "matvec" : "scalar", rb * nr / a / 1e9, (double)nc * nr * nx / a / 1e9,
                   rb * nr / b / 1e9, (double)nc * nr * nx / b / 1e9, a / b, maxd, maxy);
        }
        free(w); free(x); free(y); free(y2);
    }
    return 0;
}
