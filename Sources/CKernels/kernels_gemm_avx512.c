/* Float32 GEMM against weights stored in 32-column panels, with AVX-512 (the dense path of small models). */
#include <stdlib.h>
#include <string.h>
#include "kernels_internal.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HS_HAVE_AVX512_BUILD 1
#define HS_AVX512 __attribute__((target("avx512f,avx512vl,fma")))
#else
#define HS_HAVE_AVX512_BUILD 0
#endif

/* Rows of x per micro-kernel call: 12 rows × 2 zmm of outputs = 24 accumulators, 2 for the panel. */
#define HS_MR 12
/* Depth of one pass over a panel (floats): 12 rows of x × 384 stay in L1 while a group of panels is swept. */
#define HS_KC 384
/* Bytes of panels swept per row block: they stay in L2 while every row block passes over them. */
#define HS_GROUP_BYTES (384 * 1024)

int hs_avx512_available(void) {
#if HS_HAVE_AVX512_BUILD
    static int cached = -1;
    int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (c < 0) {
        __builtin_cpu_init();
        const char *env = getenv("HOPSCOPE_KERNELS");
        c = !(env && strcmp(env, "scalar") == 0) && __builtin_cpu_supports("avx512f") &&
            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
        __atomic_store_n(&cached, c, __ATOMIC_RELAXED);
    }
    return c;
#else
    return 0;
#endif
}

int hs_gemm_available(void) {
    const char *gemm = getenv("HOPSCOPE_GEMM");
    return hs_avx512_available() && !(gemm && strcmp(gemm, "blas") == 0);
}

int64_t hs_panels_floats(int64_t n, int64_t k) { return (n + HS_NR - 1) / HS_NR * HS_NR * k; }

void hs_panels_pack_row(const float *src, int64_t row, int64_t k, float *panels) {
    float *p = panels + (row / HS_NR) * HS_NR * k + row % HS_NR;
    for (int64_t kk = 0; kk < k; kk++) p[kk * HS_NR] = src[kk];
}

void hs_panels_row(const float *panels, int64_t row, int64_t k, float *dst) {
    const float *p = panels + (row / HS_NR) * HS_NR * k + row % HS_NR;
    for (int64_t kk = 0; kk < k; kk++) dst[kk] = p[kk * HS_NR];
}

#if HS_HAVE_AVX512_BUILD
/* c[i, 0..<32] (+)= Σ_kk a[i, kk] · b[kk, 0..<32] for i < mr; masks cut the last panel's padding. */
static inline __attribute__((always_inline)) HS_AVX512 void
micro(const int mr, const float *a, int64_t lda, const float *b, int64_t kc, float *c, int64_t ldc,
      int accumulate, __mmask16 m0, __mmask16 m1) {
    __m512 acc0[HS_MR], acc1[HS_MR];
#pragma GCC unroll 16
    for (int i = 0; i < mr; i++) { acc0[i] = _mm512_setzero_ps(); acc1[i] = _mm512_setzero_ps(); }
    for (int64_t kk = 0; kk < kc; kk++) {
        __m512 b0 = _mm512_load_ps(b + kk * HS_NR), b1 = _mm512_load_ps(b + kk * HS_NR + 16);
#pragma GCC unroll 16
        for (int i = 0; i < mr; i++) {
            __m512 av = _mm512_set1_ps(a[i * lda + kk]);
            acc0[i] = _mm512_fmadd_ps(av, b0, acc0[i]);
            acc1[i] = _mm512_fmadd_ps(av, b1, acc1[i]);
        }
    }
#pragma GCC unroll 16
    for (int i = 0; i < mr; i++) {
        float *ci = c + i * ldc;
        if (accumulate) {
            acc0[i] = _mm512_add_ps(acc0[i], _mm512_maskz_loadu_ps(m0, ci));
            acc1[i] = _mm512_add_ps(acc1[i], _mm512_maskz_loadu_ps(m1, ci + 16));
        }
        _mm512_mask_storeu_ps(ci, m0, acc0[i]);
        _mm512_mask_storeu_ps(ci + 16, m1, acc1[i]);
    }
}

/* The micro-kernel with mr as a compile-time constant (a full register tile, or the last rows). */
static HS_AVX512 void micro_any(int mr, const float *a, int64_t lda, const float *b, int64_t kc, float *c,
                                int64_t ldc, int accumulate, __mmask16 m0, __mmask16 m1) {
    switch (mr) {
#define HS_MICRO(n) case n: micro(n, a, lda, b, kc, c, ldc, accumulate, m0, m1); break;
    HS_MICRO(1) HS_MICRO(2) HS_MICRO(3) HS_MICRO(4) HS_MICRO(5) HS_MICRO(6)
    HS_MICRO(7) HS_MICRO(8) HS_MICRO(9) HS_MICRO(10) HS_MICRO(11) HS_MICRO(12)
#undef HS_MICRO
    default: break;
    }
}

static HS_AVX512 void gemm_avx512(const float *x, int64_t m, int64_t k, int64_t ldx, const float *panels,
                                  int64_t n, int64_t p0, int64_t p1, float *y, int64_t ldy) {
    int64_t k0 = 0;
    while (k0 < k) {
        int64_t kc = k - k0;
        if (kc > HS_KC) kc = (kc - HS_KC < 64) ? kc : HS_KC;   /* no sliver of a last pass */
        int64_t group = HS_GROUP_BYTES / (kc * HS_NR * (int64_t)sizeof(float));
        if (group < 1) group = 1;
        for (int64_t g0 = p0; g0 < p1; g0 += group) {
            int64_t g1 = g0 + group < p1 ? g0 + group : p1;
            for (int64_t i0 = 0; i0 < m; i0 += HS_MR) {
                int mr = m - i0 < HS_MR ? (int)(m - i0) : HS_MR;
                for (int64_t j = g0; j < g1; j++) {
                    int64_t cols = n - j * HS_NR;
                    if (cols > HS_NR) cols = HS_NR;
                    __mmask16 m0 = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
                    __mmask16 m1 = cols >= 32 ? 0xFFFF : cols <= 16 ? 0 : (__mmask16)((1u << (cols - 16)) - 1);
                    micro_any(mr, x + i0 * ldx + k0, ldx, panels + (j * k + k0) * HS_NR, kc,
                              y + i0 * ldy + j * HS_NR, ldy, k0 > 0, m0, m1);
                }
            }
        }
        k0 += kc;
    }
}
#endif

int hs_gemm_panels(const float *x, int64_t m, int64_t k, int64_t ldx, const float *panels, int64_t n,
                   int64_t p0, int64_t p1, float *y, int64_t ldy) {
    int64_t npanels = (n + HS_NR - 1) / HS_NR;
    if (m < 0 || k < 1 || n < 1 || ldx < k || ldy < n || p0 < 0 || p1 < p0 || p1 > npanels) return -1;
    if (((uintptr_t)panels & 63) != 0) return -1;
    if (!hs_gemm_available()) return -2;
#if HS_HAVE_AVX512_BUILD
    gemm_avx512(x, m, k, ldx, panels, n, p0, p1, y, ldy);
    return 0;
#else
    return -2;
#endif
}
