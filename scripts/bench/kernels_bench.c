/* Throughput of hopscope's C kernels (hs_matvec, hs_dequantize_row) on random weights.
 *
 *   K=../../Sources/CKernels
 *   clang -O3 -fno-math-errno -I$K/include -I$K kernels_bench.c $K/kernels*.c -o /tmp/kbench -lpthread
 *   /tmp/kbench            # process CPU time: stable on a busy machine
 *   WALL=1 /tmp/kbench     # wall-clock time (meaningful for thr=2 on an idle machine)
 *   SCALAR=1 /tmp/kbench   # the portable scalar path
 *
 * Each line: median of ≥ 5 repetitions after one warm-up, weights in GB/s (bytes of W read per
 * second); dequant_row reports bytes in and float bytes out per second, one thread. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "CKernels.h"

static double now(void) {
    struct timespec t;
    clock_gettime(getenv("WALL") ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct { uint32_t type; uint8_t *w; size_t rb; int64_t nc, r0, r1; float *x; int64_t nx; float *y; int64_t nr; } job;
static void *run(void *a) {
    job *j = a;
    hs_matvec(j->type, j->w, j->rb, j->nc, j->r0, j->r1, j->x, j->nx, j->nc, j->y, j->nr);
    return 0;
}
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

/* Byte offsets of fp16 scales to keep finite, per type id. */
static void sane_scales(uint32_t type, uint8_t *blk) {
    int offs[2] = {-1, -1};
    switch (type) {
    case 2: case 6: case 8: offs[0] = 0; break;
    case 3: case 7: case 12: case 13: offs[0] = 0; offs[1] = 2; break;
    case 14: offs[0] = 208; break;
    }
    for (int k = 0; k < 2; k++) if (offs[k] >= 0) { blk[offs[k]] = 0; blk[offs[k] + 1] = 0x20; }
}

static void bench(const char *name, uint32_t type, int64_t rows, int64_t cols, int64_t nx, int threads) {
    int64_t be = hs_block_elements(type), bb = hs_block_bytes(type);
    size_t rb = cols / be * bb, total = rb * rows;
    uint8_t *w = malloc(total);
    for (size_t i = 0; i < total; i++) w[i] = (uint8_t)rand();
    if (type == 0) for (size_t i = 0; i < total / 4; i++) ((float *)w)[i] = 0.5f;
    else if (type == 1) for (size_t i = 0; i < total / 2; i++) ((uint16_t *)w)[i] = 0x3800;
    else for (int64_t r = 0; r < rows; r++) for (int64_t b = 0; b < cols / be; b++) sane_scales(type, w + r * rb + b * bb);
    float *x = malloc(4 * cols * nx), *y = malloc(4 * rows * nx), *row = malloc(4 * cols);
    for (int64_t i = 0; i < cols * nx; i++) x[i] = (rand() % 1000) / 1000.f;
    double t[64];
    int reps = 0;
    double budget = now() + 1.0;
    for (int warm = 1; reps < 64 && (now() < budget || reps < 5); warm = 0) {
        double t0 = now();
        pthread_t th[8];
        job js[8];
        for (int k = 0; k < threads; k++) {
            js[k] = (job){type, w, rb, cols, rows * k / threads, rows * (k + 1) / threads, x, nx, y, rows};
            pthread_create(&th[k], 0, run, &js[k]);
        }
        for (int k = 0; k < threads; k++) pthread_join(th[k], 0);
        if (!warm) t[reps++] = now() - t0;
    }
    qsort(t, reps, sizeof(double), cmp);
    double med = t[reps / 2];
    int dr = 0;
    double d0 = now(), dt;
    do {
        for (int64_t r = 0; r < rows; r++) hs_dequantize_row(type, w + r * rb, row, cols);
        dr++;
        dt = now() - d0;
    } while (dt < 0.3);
    printf("%-24s nx=%lld thr=%d  matvec %7.3f ms %5.1f GB/s | dequant_row %5.1f GB/s in %5.1f GB/s out\n", name,
           (long long)nx, threads, med * 1e3, total / med / 1e9, total * (double)dr / dt / 1e9, 4.0 * rows * cols * dr / dt / 1e9);
    free(w); free(x); free(y); free(row);
}

int main(void) {
    if (getenv("SCALAR")) hs_select_kernels(HS_KERNELS_SCALAR);
    printf("kernels: %s\n", hs_kernels_in_use() == HS_KERNELS_AVX2 ? "avx2" : "scalar");
    bench("Q4_1 1536x576 (ffn_up)", 3, 1536, 576, 1, 1);
    bench("Q4_1 576x1536 (ffn_down)", 3, 576, 1536, 1, 1);
    bench("Q8_0 49152x576 (embd)", 8, 49152, 576, 1, 1);
    for (int nx = 1; nx <= 8; nx *= 2) bench("Q4_0 4096x4096", 2, 4096, 4096, nx, 1);
    bench("Q4_0 4096x4096", 2, 4096, 4096, 1, 2);
    bench("Q4_1 4096x4096", 3, 4096, 4096, 1, 1);
    bench("Q5_0 4096x4096", 6, 4096, 4096, 1, 1);
    bench("Q8_0 4096x4096", 8, 4096, 4096, 1, 1);
    bench("Q4_K 4096x4096", 12, 4096, 4096, 1, 1);
    bench("Q6_K 4096x4096", 14, 4096, 4096, 1, 1);
    bench("F16 4096x4096", 1, 4096, 4096, 1, 1);
    bench("F32 4096x4096", 0, 4096, 4096, 1, 1);
    return 0;
}
