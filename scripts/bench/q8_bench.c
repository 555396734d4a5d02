/* Throughput of the integer kernels (hs_quantize_q8 + hs_matmul_q8), one thread, random weights.
 *
 *   K=../../Sources/CKernels
 *   clang -O3 -fno-math-errno -I$K/include -I$K q8_bench.c $K/kernels*.c -o /tmp/q8bench -lm
 *   /tmp/q8bench [PATH]    # PATH: 3 = AVX512-VNNI (default: the auto choice), 2 = AVX2, 1 = scalar
 *
 * Process CPU time (stable on a busy machine). Each line: type, activation rows nx, GB/s of weights
 * and GMAC/s (multiply-adds per second), median of 5 after a warm-up; W is 4096 × 4096 (≈ 9 MB in Q4_0,
 * larger than the cache, as a 7B layer). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "CKernels.h"

#include "bench_clock.h"

int main(int argc, char **argv) {
    int path = argc > 1 ? atoi(argv[1]) : HS_KERNELS_AUTO;
    const uint32_t types[] = {2, 3, 6, 8, 12, 14};
    const char *names[] = {"Q4_0", "Q4_1", "Q5_0", "Q8_0", "Q4_K", "Q6_K"};
    const int64_t nc = 4096, nr = 4096;
    float *x = malloc(sizeof(float) * nc * 64), *y = malloc(sizeof(float) * nr * 64);
    for (int64_t i = 0; i < nc * 64; i++) x[i] = (float)rand() / RAND_MAX - 0.5f;
    void *xq = malloc(hs_q8_size(64, nc));
    for (int t = 0; t < 6; t++) {
        size_t rb = (size_t)(nc / hs_block_elements(types[t]) * hs_block_bytes(types[t]));
        uint8_t *w = malloc(rb * nr);
        for (size_t i = 0; i < rb * nr; i++) w[i] = (uint8_t)rand();
        /* sane fp16 scales: overwrite each block's first bytes with 0x3C00 (1.0) patterns is type-specific; random is fine for timing */
        const int64_t nxs[] = {1, 4, 8, 16, 64};
        for (int k = 0; k < 5; k++) {
            int64_t nx = nxs[k];
            double ts[6];
            for (int rep = 0; rep < 6; rep++) {
                double s = now();
                hs_quantize_q8(x, nx, nc, nc, xq);
                if (hs_matmul_q8_with(path, types[t], w, rb, nc, 0, nr, xq, nx, y, nr) != 0) { fprintf(stderr, "fail\n"); return 1; }
                ts[rep] = now() - s;
            }
            qsort(ts + 1, 5, sizeof(double), cmp);
            double tm = ts[3];
            printf("%-5s nx=%-3lld %6.1f GB/s %7.1f GMAC/s\n", names[t], (long long)nx, rb * nr / tm / 1e9, (double)nc * nr * nx / tm / 1e9);
        }
        free(w);
    }
    return 0;
}
