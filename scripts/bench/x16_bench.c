/* Q4_0, Q8_0, Q4_K, Q5_K and Q6_K kernels compared, one thread: hs_matmul_q8 on the GGUF layout against hs_matmul_x16 on
 * the 16-row repack, for a 4096 × 4096 matrix (≈ 9 MB, larger than the caches, as a 7B layer) and
 * 4096 × 11008 (ffn_down's shape). Also prints how far apart the two are (float order only).
 *
 *   K=../../Sources/CKernels
 *   clang -O3 -fno-math-errno -I$K/include -I$K x16_bench.c $K/*.c -o /tmp/x16bench -lm
 *   /tmp/x16bench [PATH]   # 3 = AVX512-VNNI (default: auto), 2 = AVX2, 1 = scalar
 *
 * Process CPU time, median of 5 after a warm-up. GB/s of weights and GMAC/s. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "CKernels.h"

#include "bench_clock.h"

int main(int argc, char **argv) {
    int path = argc > 1 ? atoi(argv[1]) : HS_KERNELS_AUTO;
    const int64_t shapes[2][2] = {{4096, 4096}, {11008, 4096}};
    const uint32_t types[5] = {2, 8, 12, 13, 14};
    const char *names[5] = {"Q4_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"};
    for (int ty = 0; ty < 5; ty++)
    for (int sh = 0; sh < 2; sh++) {
        const uint32_t T = types[ty];
        const int64_t nc = shapes[sh][0], nr = shapes[sh][1];
        const int64_t ub = hs_block_bytes(T), ue = hs_block_elements(T);
        size_t rb = (size_t)(nc / ue * ub);
        uint8_t *w = malloc(rb * nr);
        for (size_t i = 0; i < rb * nr; i++) w[i] = (uint8_t)rand();
        for (int64_t r = 0; r < nr; r++)   /* sane fp16 scales (Q4_0 d; Q4_K d, dmin; Q6_K d at byte 208) */
            for (int64_t b = 0; b < nc / ue; b++)
                for (int k = 0; k < (T == 12 || T == 13 ? 2 : 1); k++) {
                    uint16_t h = 0x2000 + (rand() & 0x3ff);
                    memcpy(w + r * rb + b * ub + (T == 14 ? 208 : 2 * k), &h, 2);
                }
        uint8_t *p = malloc(hs_x16_bytes(T, nr, nc));
        hs_x16_pack(T, w, rb, nc, 0, nr / 16, p);
        float *x = malloc(sizeof(float) * nc * 64), *y = malloc(sizeof(float) * nr * 64), *y2 = malloc(sizeof(float) * nr * 64);
        for (int64_t i = 0; i < nc * 64; i++) x[i] = (float)rand() / (float)RAND_MAX - 0.5f;
        void *xq = malloc(hs_q8_size(64, nc)), *xs = malloc(hs_q8_size(64, nc));
        const int64_t nxs[] = {1, 2, 4, 8, 16, 64};
        for (int k = 0; k < 6; k++) {
            int64_t nx = nxs[k];
            double ta[6], tb[6];
            for (int rep = 0; rep < 6; rep++) {
                double s = now();
                if (hs_q8_supported(T)) {
                    hs_quantize_q8(x, nx, nc, nc, xq);
                    hs_matmul_q8_with(path, T, w, rb, nc, 0, nr, xq, nx, y, nr);
                } else {   /* no GGUF-layout kernel (Q5_K): the x16 scalar reference instead */
                    hs_quantize_q8s(x, nx, nc, nc, xq);
                    hs_matmul_x16_with(HS_KERNELS_SCALAR, T, p, nc, 0, nr / 16, xq, nx, y, nr);
                }
                ta[rep] = now() - s;
                s = now();
                hs_quantize_q8s(x, nx, nc, nc, xs);
                hs_matmul_x16_with(path, T, p, nc, 0, nr / 16, xs, nx, y2, nr);
                tb[rep] = now() - s;
            }
            double maxd = 0, maxy = 0;
            for (int64_t i = 0; i < nr * nx; i++) { maxd = fmax(maxd, fabs(y[i] - y2[i])); maxy = fmax(maxy, fabs(y[i])); }
            qsort(ta + 1, 5, sizeof(double), cmp);
            qsort(tb + 1, 5, sizeof(double), cmp);
            double a = ta[3], b = tb[3];
            printf("%s %5lldx%-5lld nx=%-3lld %s %6.1f GB/s %6.1f GMAC/s | x16 %6.1f GB/s %6.1f GMAC/s | %.2fx  maxdiff %.2g (of %.2g)\n",
                   names[ty], (long long)nr, (long long)nc, (long long)nx, hs_q8_supported(T) ? "q8" : "x16 scalar", rb * nr / a / 1e9, (double)nc * nr * nx / a / 1e9,
                   rb * nr / b / 1e9, (double)nc * nr * nx / b / 1e9, a / b, maxd, maxy);
        }
        free(w); free(p); free(x); free(y); free(y2); free(xq); free(xs);
    }
    return 0;
}
