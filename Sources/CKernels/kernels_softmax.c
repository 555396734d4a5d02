/* What one token's softmax probability and rank need from a row of logits, vectorized on AVX-512. */
#include <math.h>
#include "kernels_internal.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#include "kernels_exp_avx512.h"

static __attribute__((target("avx512f"))) void stats_avx512(const float *x, int64_t n, float t, float *max_out,
                                                            int64_t *above_out) {
    __m512 m = _mm512_set1_ps(-INFINITY), tv = _mm512_set1_ps(t);
    int64_t above = 0;
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), k, x + i);
        m = _mm512_max_ps(m, v);
        above += __builtin_popcount(_mm512_mask_cmp_ps_mask(k, v, tv, _CMP_GT_OQ));
    }
    *max_out = _mm512_reduce_max_ps(m);
    *above_out = above;
}

static __attribute__((target("avx512f"))) double sum_exp_avx512(const float *x, int64_t n, float m) {
    __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();
    const __m512 mv = _mm512_set1_ps(m), floor_ = _mm512_set1_ps(-104.0f);
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), k, x + i);
        __m512 e = hs_exp_avx512(_mm512_max_ps(_mm512_sub_ps(v, mv), floor_));
        e = _mm512_maskz_mov_ps(k, e);
        lo = _mm512_add_pd(lo, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
        hi = _mm512_add_pd(hi, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
}
#define HS_HAVE_SOFTMAX_AVX512 1
#endif

void hs_softmax_standing(const float *logits, int64_t n, int64_t token, float *prob, int64_t *rank) {
    float t = logits[token], m = -INFINITY;
    int64_t above = 0;
    double s = 0;
#ifdef HS_HAVE_SOFTMAX_AVX512
    if (hs_avx512_available()) {
        stats_avx512(logits, n, t, &m, &above);
        s = sum_exp_avx512(logits, n, m);
        *prob = (float)(exp((double)t - (double)m) / s);
        *rank = above + 1;
        return;
    }
#endif
    for (int64_t i = 0; i < n; i++) {
        if (logits[i] > m) m = logits[i];
        if (logits[i] > t) above++;
    }
    for (int64_t i = 0; i < n; i++) s += expf(logits[i] - m);
    *prob = (float)(exp((double)t - (double)m) / s);
    *rank = above + 1;
}
