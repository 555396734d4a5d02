/* SwiGLU's activation, gate ← silu(gate) · up, with a vectorized exp on AVX-512 CPUs. */
#include <math.h>
#include "kernels_internal.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "kernels_exp_avx512.h"

static __attribute__((target("avx512f"))) void silu_mul_avx512(float *gate, const float *up, int64_t n) {
    /* e^±104 is already 0 / +inf in float32 (vscalefps gets there exactly); the clamp only keeps the
     * reduction finite for larger inputs. */
    const __m512 one = _mm512_set1_ps(1.0f), lo = _mm512_set1_ps(-104.0f), hi = _mm512_set1_ps(104.0f);
    int64_t i = 0;
    for (; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 g = _mm512_maskz_loadu_ps(m, gate + i), u = _mm512_maskz_loadu_ps(m, up + i);
        __m512 e = hs_exp_avx512(_mm512_min_ps(_mm512_max_ps(_mm512_sub_ps(_mm512_setzero_ps(), g), lo), hi));
        _mm512_mask_storeu_ps(gate + i, m, _mm512_mul_ps(_mm512_div_ps(g, _mm512_add_ps(one, e)), u));
    }
}

static __attribute__((target("avx512f"))) float exp_lane_avx512(float x) {
    float out[16];
    _mm512_storeu_ps(out, hs_exp_avx512(_mm512_set1_ps(x)));
    return out[0];
}

float hs_exp_avx512_lane(float x) {   /* one lane of the vector exp, for tests */
    return hs_avx512_available() ? exp_lane_avx512(x) : expf(x);
}
#define HS_HAVE_SILU_AVX512 1
#else
float hs_exp_avx512_lane(float x) { return expf(x); }
#endif

void hs_silu_mul(float *gate, const float *up, int64_t n) {
#ifdef HS_HAVE_SILU_AVX512
    if (hs_avx512_available()) { silu_mul_avx512(gate, up, n); return; }
#endif
    for (int64_t i = 0; i < n; i++) gate[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}
