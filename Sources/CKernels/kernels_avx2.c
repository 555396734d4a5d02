/* AVX2 + FMA + F16C kernels, compiled for those features only inside functions marked HS_TARGET and
 * called only after the dispatcher has checked the CPU.
 *
 * Dequantization uses the same float32 operations as the scalar reference (separate multiply and
 * add, never fused), so its output is bit-identical. The matvec kernels fuse decoding with FMA
 * accumulation: a block's weights are decoded into registers once and reused for all nx vectors. */
#include "kernels_internal.h"
#if HS_HAVE_AVX2_BUILD
#include <immintrin.h>

#define HS_TARGET __attribute__((target("avx2,fma,f16c")))
#define HS_INLINE static inline __attribute__((always_inline))

HS_TARGET HS_INLINE float h2f(const uint8_t *p) { return _cvtsh_ss(hs_rd16(p)); }

/* Eight signed bytes → eight floats. */
HS_TARGET HS_INLINE __m256 i8x8_to_f32(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v)); }

/* 32 signed bytes → four vectors of eight floats, in element order. */
HS_TARGET HS_INLINE void i8x32_to_f32(__m256i q, __m256 out[4]) {
    __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
    out[0] = i8x8_to_f32(lo);
    out[1] = i8x8_to_f32(_mm_srli_si128(lo, 8));
    out[2] = i8x8_to_f32(hi);
    out[3] = i8x8_to_f32(_mm_srli_si128(hi, 8));
}

/* 16 bytes of nibbles → 32 bytes: low nibbles (elements 0…15) then high nibbles (16…31). */
HS_TARGET HS_INLINE __m256i nibbles32(const uint8_t *qs) {
    __m128i v = _mm_loadu_si128((const __m128i *)qs);
    __m128i m = _mm_set1_epi8(0x0F);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), m), _mm_and_si128(v, m));
}

/* A u32 bit mask → 32 bytes, byte j = 0xFF when bit j is set. */
HS_TARGET HS_INLINE __m256i bits_to_bytes(uint32_t bits) {
    const __m256i spread = _mm256_setr_epi64x(0x0000000000000000LL, 0x0101010101010101LL,
                                              0x0202020202020202LL, 0x0303030303030303LL);
    const __m256i select = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), spread);
    return _mm256_cmpeq_epi8(_mm256_and_si256(v, select), select);
}

/* ---------------------------------------------------------------------------------------------
 * Block decoders: the integer part of 32 weights as floats, plus the block's scale (and offset).
 * ------------------------------------------------------------------------------------------- */

/* Q4_0: q − 8, scale d. */
HS_TARGET HS_INLINE void dec_q4_0(const uint8_t *b, __m256 q[4], float *d, float *m) {
    *d = h2f(b);
    *m = 0;
    i8x32_to_f32(_mm256_sub_epi8(nibbles32(b + 2), _mm256_set1_epi8(8)), q);
}

/* Q4_1: q, scale d, offset m. */
HS_TARGET HS_INLINE void dec_q4_1(const uint8_t *b, __m256 q[4], float *d, float *m) {
    *d = h2f(b);
    *m = h2f(b + 2);
    i8x32_to_f32(nibbles32(b + 4), q);
}

/* Q5_0: (nibble | fifth bit << 4) − 16, scale d. */
HS_TARGET HS_INLINE void dec_q5_0(const uint8_t *b, __m256 q[4], float *d, float *m) {
    *d = h2f(b);
    *m = 0;
    __m256i hb = _mm256_and_si256(bits_to_bytes(hs_rd32(b + 2)), _mm256_set1_epi8(0x10));
    __m256i v = _mm256_or_si256(nibbles32(b + 6), hb);
    i8x32_to_f32(_mm256_sub_epi8(v, _mm256_set1_epi8(16)), q);
}

/* Q5_1: nibble | fifth bit << 4, scale d, offset m. */
HS_TARGET HS_INLINE void dec_q5_1(const uint8_t *b, __m256 q[4], float *d, float *m) {
    *d = h2f(b);
    *m = h2f(b + 2);
    __m256i hb = _mm256_and_si256(bits_to_bytes(hs_rd32(b + 4)), _mm256_set1_epi8(0x10));
    i8x32_to_f32(_mm256_or_si256(nibbles32(b + 8), hb), q);
}

/* Q8_0: int8, scale d. */
HS_TARGET HS_INLINE void dec_q8_0(const uint8_t *b, __m256 q[4], float *d, float *m) {
    *d = h2f(b);
    *m = 0;
    i8x32_to_f32(_mm256_loadu_si256((const __m256i *)(b + 2)), q);
}

typedef void (*dec32_fn)(const uint8_t *, __m256 *, float *, float *);

/* 32-element blocks to floats: q·d (+ m), a rounded product then a rounded sum, as the reference. */
HS_TARGET HS_INLINE void deq32(const uint8_t *src, float *dst, int64_t nb, int64_t bb, dec32_fn dec, int has_m) {
    for (int64_t i = 0; i < nb; i++) {
        __m256 q[4];
        float d, m;
        dec(src + i * bb, q, &d, &m);
        __m256 vd = _mm256_set1_ps(d), vm = _mm256_set1_ps(m);
        for (int k = 0; k < 4; k++) {
            __m256 v = _mm256_mul_ps(q[k], vd);
            if (has_m) v = _mm256_add_ps(v, vm);
            _mm256_storeu_ps(dst + 32 * i + 8 * k, v);
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * K-quant dequantization (256-element blocks)
 * ------------------------------------------------------------------------------------------- */

/* 32 unsigned bytes (values < 128) → dl·q − ml for 32 elements. */
HS_TARGET HS_INLINE void store32_dl_ml(__m256i v, float dl, float ml, float *y) {
    __m256 q[4];
    i8x32_to_f32(v, q);
    __m256 vd = _mm256_set1_ps(dl), vm = _mm256_set1_ps(ml);
    for (int k = 0; k < 4; k++) _mm256_storeu_ps(y + 8 * k, _mm256_sub_ps(_mm256_mul_ps(q[k], vd), vm));
}

HS_TARGET static void deq_q4_K(const uint8_t *src, float *y, int64_t nb) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (int64_t i = 0; i < nb; i++, y += 256) {
        const uint8_t *b = src + i * 144;
        float d = h2f(b), dmin = h2f(b + 2);
        uint8_t sm[16];
        hs_scales_mins_k4(b + 4, sm);
        for (int c = 0; c < 4; c++) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * c));
            store32_dl_ml(_mm256_and_si256(v, m4), d * (float)sm[2 * c], dmin * (float)sm[8 + 2 * c], y + 64 * c);
            store32_dl_ml(_mm256_and_si256(_mm256_srli_epi16(v, 4), m4), d * (float)sm[2 * c + 1], dmin * (float)sm[9 + 2 * c],
                          y + 64 * c + 32);
        }
    }
}

HS_TARGET static void deq_q5_K(const uint8_t *src, float *y, int64_t nb) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), b4 = _mm256_set1_epi8(0x10);
    for (int64_t i = 0; i < nb; i++, y += 256) {
        const uint8_t *b = src + i * 176;
        float d = h2f(b), dmin = h2f(b + 2);
        __m256i qh = _mm256_loadu_si256((const __m256i *)(b + 16));
        uint8_t sm[16];
        hs_scales_mins_k4(b + 4, sm);
        for (int c = 0; c < 4; c++) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(b + 48 + 32 * c));
            for (int h = 0; h < 2; h++) {
                int sub = 2 * c + h;
                __m256i bit = _mm256_set1_epi8((char)(1 << sub));
                __m256i hb = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, bit), bit), b4);
                __m256i lo = _mm256_and_si256(h ? _mm256_srli_epi16(v, 4) : v, m4);
                store32_dl_ml(_mm256_or_si256(lo, hb), d * (float)sm[sub], dmin * (float)sm[8 + sub], y + 32 * sub);
            }
        }
    }
}

HS_TARGET static void deq_q6_K(const uint8_t *src, float *y, int64_t nb) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(0x03), k32 = _mm256_set1_epi8(32);
    for (int64_t i = 0; i < nb; i++) {
        const uint8_t *b = src + i * 210;
        float d = h2f(b + 208);
        for (int half = 0; half < 2; half++) {
            const uint8_t *ql = b + 64 * half, *qhp = b + 128 + 32 * half;
            const int8_t *sc = (const int8_t *)(b + 192 + 8 * half);
            __m256i qh = _mm256_loadu_si256((const __m256i *)qhp);
            __m256i l0 = _mm256_loadu_si256((const __m256i *)ql), l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            __m256i lows[4] = {
                _mm256_and_si256(l0, m4), _mm256_and_si256(l1, m4),
                _mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
            };
            for (int g = 0; g < 4; g++) {
                __m256i high = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * g), m2);
                __m256i v = _mm256_sub_epi8(_mm256_or_si256(lows[g], _mm256_slli_epi16(high, 4)), k32);
                __m256 q[4];
                i8x32_to_f32(v, q);
                __m256 d0 = _mm256_set1_ps(d * (float)sc[2 * g]), d1 = _mm256_set1_ps(d * (float)sc[2 * g + 1]);
                float *o = y + 256 * i + 128 * half + 32 * g;
                _mm256_storeu_ps(o, _mm256_mul_ps(d0, q[0]));
                _mm256_storeu_ps(o + 8, _mm256_mul_ps(d0, q[1]));
                _mm256_storeu_ps(o + 16, _mm256_mul_ps(d1, q[2]));
                _mm256_storeu_ps(o + 24, _mm256_mul_ps(d1, q[3]));
            }
        }
    }
}

HS_TARGET static void deq_f16(const uint8_t *src, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + 2 * i))));
    for (; i < n; i++) y[i] = h2f(src + 2 * i);
}

HS_TARGET static void deq_bf16(const uint8_t *src, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + 2 * i)));
        _mm256_storeu_ps(y + i, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)));
    }
    for (; i < n; i++) {
        uint32_t bits = (uint32_t)hs_rd16(src + 2 * i) << 16;
        memcpy(y + i, &bits, 4);
    }
}

HS_TARGET int hs_dequantize_avx2(uint32_t type, const uint8_t *src, float *dst, int64_t n) {
    switch (type) {
    case HS_F32: memcpy(dst, src, (size_t)n * 4); return 0;
    case HS_F16: deq_f16(src, dst, n); return 0;
    case HS_BF16: deq_bf16(src, dst, n); return 0;
    case HS_Q4_0: deq32(src, dst, n / 32, 18, dec_q4_0, 0); return 0;
    case HS_Q4_1: deq32(src, dst, n / 32, 20, dec_q4_1, 1); return 0;
    case HS_Q5_0: deq32(src, dst, n / 32, 22, dec_q5_0, 0); return 0;
    case HS_Q5_1: deq32(src, dst, n / 32, 24, dec_q5_1, 1); return 0;
    case HS_Q8_0: deq32(src, dst, n / 32, 34, dec_q8_0, 0); return 0;
    case HS_Q4_K: deq_q4_K(src, dst, n / 256); return 0;
    case HS_Q5_K: deq_q5_K(src, dst, n / 256); return 0;
    case HS_Q6_K: deq_q6_K(src, dst, n / 256); return 0;
    default: return hs_dequantize_scalar(type, src, dst, n); /* Q2_K, Q3_K */
    }
}

/* ---------------------------------------------------------------------------------------------
 * Matrix × vectors
 * ------------------------------------------------------------------------------------------- */

HS_TARGET HS_INLINE float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Fused kernel for 32-element blocks. Without an offset (Q4_0, Q5_0, Q8_0) the block's integer
 * weights are dotted with x and the sum scaled once by d; with one (Q4_1, Q5_1) the weights
 * q·d + m are formed with one FMA and reused for every vector. Partial sums are folded into the
 * row total every HS_FLUSH blocks to keep float32 accumulation chains short. */
HS_TARGET HS_INLINE void mv32(const uint8_t *w, size_t rb, int64_t nb, int64_t r0, int64_t r1,
                              const float *x, int64_t ldx, float *y, int64_t ldy,
                              const int NX, dec32_fn dec, const int64_t bb, const int has_m) {
    for (int64_t r = r0; r < r1; r++) {
        const uint8_t *row = w + (size_t)r * rb;
        __m256 acc[8], total[8];
        for (int j = 0; j < NX; j++) acc[j] = total[j] = _mm256_setzero_ps();
        for (int64_t b = 0; b < nb; b++) {
            __m256 q[4];
            float d, m;
            dec(row + b * bb, q, &d, &m);
            __m256 vd = _mm256_set1_ps(d);
            const float *xb = x + 32 * b;
            if (has_m || NX >= 4) {
                /* Weights formed once and shared: cheaper than scaling each vector's sum from nx = 4 on. */
                if (has_m) {
                    __m256 vm = _mm256_set1_ps(m);
                    for (int k = 0; k < 4; k++) q[k] = _mm256_fmadd_ps(q[k], vd, vm);
                } else {
                    for (int k = 0; k < 4; k++) q[k] = _mm256_mul_ps(q[k], vd);
                }
                for (int j = 0; j < NX; j++) {
                    const float *xj = xb + j * ldx;
                    for (int k = 0; k < 4; k++) acc[j] = _mm256_fmadd_ps(q[k], _mm256_loadu_ps(xj + 8 * k), acc[j]);
                }
            } else {
                for (int j = 0; j < NX; j++) {
                    const float *xj = xb + j * ldx;
                    __m256 s = _mm256_mul_ps(q[0], _mm256_loadu_ps(xj));
                    s = _mm256_fmadd_ps(q[1], _mm256_loadu_ps(xj + 8), s);
                    s = _mm256_fmadd_ps(q[2], _mm256_loadu_ps(xj + 16), s);
                    s = _mm256_fmadd_ps(q[3], _mm256_loadu_ps(xj + 24), s);
                    acc[j] = _mm256_fmadd_ps(vd, s, acc[j]);
                }
            }
            if ((b % HS_FLUSH) == HS_FLUSH - 1) {
                for (int j = 0; j < NX; j++) {
                    total[j] = _mm256_add_ps(total[j], acc[j]);
                    acc[j] = _mm256_setzero_ps();
                }
            }
        }
        for (int j = 0; j < NX; j++) y[j * ldy + r] = hsum(_mm256_add_ps(total[j], acc[j]));
    }
}

/* Dot products of one decoded (float32) piece of a row with NX vectors, added to acc. */
HS_TARGET HS_INLINE void dot_nx(const float *wf, const float *x, int64_t ldx, int64_t n, __m256 *acc, const int NX) {
    __m256 a[8];
    for (int j = 0; j < NX; j++) a[j] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n; i += 8) {
        __m256 wv = _mm256_loadu_ps(wf + i);
        for (int j = 0; j < NX; j++) a[j] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + j * ldx + i), a[j]);
    }
    for (int j = 0; j < NX; j++) acc[j] = _mm256_add_ps(acc[j], a[j]);
}

/* Any type: decode HS_CHUNK weights into an L1 buffer with the SIMD dequantizer, then dot with all
 * vectors (F32 rows are used in place). Accumulation chains: HS_CHUNK/8 + chunks + 3. */
HS_TARGET HS_INLINE void mv_chunked(uint32_t type, const uint8_t *w, size_t rb, int64_t ncols, int64_t r0, int64_t r1,
                                    const float *x, int64_t ldx, float *y, int64_t ldy, const int NX) {
    int64_t be = hs_block_elements(type), bb = hs_block_bytes(type);
    float buf[HS_CHUNK] __attribute__((aligned(32)));
    for (int64_t r = r0; r < r1; r++) {
        const uint8_t *row = w + (size_t)r * rb;
        __m256 acc[8];
        for (int j = 0; j < NX; j++) acc[j] = _mm256_setzero_ps();
        for (int64_t c0 = 0; c0 < ncols; c0 += HS_CHUNK) {
            int64_t n = ncols - c0 < HS_CHUNK ? ncols - c0 : HS_CHUNK;
            const float *wf;
            if (type == HS_F32) {
                wf = (const float *)(row + 4 * c0);
            } else {
                hs_dequantize_avx2(type, row + (c0 / be) * bb, buf, n);
                wf = buf;
            }
            int64_t n8 = n & ~(int64_t)7;
            dot_nx(wf, x + c0, ldx, n8, acc, NX);
            for (int64_t i = n8; i < n; i++) /* F32/F16/BF16 rows whose length is not a multiple of 8 */
                for (int j = 0; j < NX; j++) {
                    float t[8] = {0};
                    t[0] = wf[i] * x[j * ldx + c0 + i];
                    acc[j] = _mm256_add_ps(acc[j], _mm256_loadu_ps(t));
                }
        }
        for (int j = 0; j < NX; j++) y[j * ldy + r] = hsum(acc[j]);
    }
}

/* Q4_0 / Q4_1 for a few vectors, with the block sums of x computed once per call:
 *   Q4_0  Σ (q − 8)·d·x = d·Σ q·x − 8·d·Σ x        Q4_1  Σ (q·d + m)·x = d·Σ q·x + m·Σ x
 * Widening the nibbles straight from memory and moving the offset out of the inner loop saves the
 * shuffle-port work that bounds the generic 32-block kernel (≈ 1.5× on nx = 1). Byte k of the
 * nibbles holds element k (low) and element k + 16 (high). */
HS_TARGET HS_INLINE void mv_q4_nx(const uint8_t *w, size_t rb, int64_t nb, int64_t r0, int64_t r1,
                                  const float *x, int64_t ldx, float *y, int64_t ldy, const float *xsum, const int NX,
                                  const int has_m) {
    const int64_t bb = has_m ? 20 : 18, qs = has_m ? 4 : 2;
    const __m256i m4 = _mm256_set1_epi32(0x0F);
    for (int64_t r = r0; r < r1; r++) {
        const uint8_t *row = w + (size_t)r * rb;
        __m256 acc[8], total[8];
        float corr[8], corr_total[8];
        for (int j = 0; j < NX; j++) {
            acc[j] = total[j] = _mm256_setzero_ps();
            corr[j] = corr_total[j] = 0;
        }
        for (int64_t b = 0; b < nb; b++) {
            const uint8_t *blk = row + bb * b;
            float d = h2f(blk), off = has_m ? h2f(blk + 2) : d;
            __m256i v0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(blk + qs)));
            __m256i v1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(blk + qs + 8)));
            __m256 q0 = _mm256_cvtepi32_ps(_mm256_and_si256(v0, m4));
            __m256 q1 = _mm256_cvtepi32_ps(_mm256_and_si256(v1, m4));
            __m256 q2 = _mm256_cvtepi32_ps(_mm256_srli_epi32(v0, 4));
            __m256 q3 = _mm256_cvtepi32_ps(_mm256_srli_epi32(v1, 4));
            __m256 vd = _mm256_set1_ps(d);
            const float *xb = x + 32 * b;
            for (int j = 0; j < NX; j++) {
                const float *xj = xb + j * ldx;
                __m256 s = _mm256_mul_ps(q0, _mm256_loadu_ps(xj));
                s = _mm256_fmadd_ps(q1, _mm256_loadu_ps(xj + 8), s);
                s = _mm256_fmadd_ps(q2, _mm256_loadu_ps(xj + 16), s);
                s = _mm256_fmadd_ps(q3, _mm256_loadu_ps(xj + 24), s);
                acc[j] = _mm256_fmadd_ps(vd, s, acc[j]);
                corr[j] += off * xsum[j * nb + b];
            }
            if ((b % HS_FLUSH) == HS_FLUSH - 1) {
                for (int j = 0; j < NX; j++) {
                    total[j] = _mm256_add_ps(total[j], acc[j]);
                    acc[j] = _mm256_setzero_ps();
                    corr_total[j] += corr[j];
                    corr[j] = 0;
                }
            }
        }
        for (int j = 0; j < NX; j++) {
            float c = corr_total[j] + corr[j];
            y[j * ldy + r] = hsum(_mm256_add_ps(total[j], acc[j])) + (has_m ? c : -8 * c);
        }
    }
}

/* Fused Q4_K: value = dl·q − ml per 32-element sub-block. Σ w·x = Σ_s dl_s·(Σ q·x)_s − Σ_s ml_s·(Σ x)_s;
 * the per-sub-block sums of x do not depend on the row, so they are computed once per call (xsum,
 * [NX][ncols/32]) and the min term costs one FMA per 256-block per vector. */
HS_TARGET HS_INLINE void mv_q4_K_nx(const uint8_t *w, size_t rb, int64_t nb, int64_t r0, int64_t r1,
                                    const float *x, int64_t ldx, float *y, int64_t ldy, const float *xsum, const int NX) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (int64_t r = r0; r < r1; r++) {
        const uint8_t *row = w + (size_t)r * rb;
        __m256 acc[8], accm[8], total[8];
        for (int j = 0; j < NX; j++) acc[j] = accm[j] = total[j] = _mm256_setzero_ps();
        for (int64_t b = 0; b < nb; b++) {
            const uint8_t *blk = row + 144 * b;
            uint8_t sm[16];
            hs_scales_mins_k4(blk + 4, sm);
            __m256 dl = _mm256_mul_ps(_mm256_set1_ps(h2f(blk)), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)sm))));
            __m256 ml = _mm256_mul_ps(_mm256_set1_ps(h2f(blk + 2)), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(sm + 8)))));
            float dls[8];
            _mm256_storeu_ps(dls, dl);
            for (int j = 0; j < NX; j++) accm[j] = _mm256_fmadd_ps(ml, _mm256_loadu_ps(xsum + j * nb * 8 + 8 * b), accm[j]);
            for (int c = 0; c < 4; c++) {
                __m256i v = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * c));
                __m256 qlo[4], qhi[4];
                i8x32_to_f32(_mm256_and_si256(v, m4), qlo);
                i8x32_to_f32(_mm256_and_si256(_mm256_srli_epi16(v, 4), m4), qhi);
                __m256 dlo = _mm256_set1_ps(dls[2 * c]), dhi = _mm256_set1_ps(dls[2 * c + 1]);
                const float *xc = x + 256 * b + 64 * c;
                for (int j = 0; j < NX; j++) {
                    const float *xj = xc + j * ldx;
                    __m256 s = _mm256_mul_ps(qlo[0], _mm256_loadu_ps(xj));
                    s = _mm256_fmadd_ps(qlo[1], _mm256_loadu_ps(xj + 8), s);
                    s = _mm256_fmadd_ps(qlo[2], _mm256_loadu_ps(xj + 16), s);
                    s = _mm256_fmadd_ps(qlo[3], _mm256_loadu_ps(xj + 24), s);
                    acc[j] = _mm256_fmadd_ps(dlo, s, acc[j]);
                    s = _mm256_mul_ps(qhi[0], _mm256_loadu_ps(xj + 32));
                    s = _mm256_fmadd_ps(qhi[1], _mm256_loadu_ps(xj + 40), s);
                    s = _mm256_fmadd_ps(qhi[2], _mm256_loadu_ps(xj + 48), s);
                    s = _mm256_fmadd_ps(qhi[3], _mm256_loadu_ps(xj + 56), s);
                    acc[j] = _mm256_fmadd_ps(dhi, s, acc[j]);
                }
            }
            if ((b & 1) == 1) {
                for (int j = 0; j < NX; j++) {
                    total[j] = _mm256_add_ps(total[j], acc[j]);
                    acc[j] = _mm256_setzero_ps();
                }
            }
        }
        for (int j = 0; j < NX; j++) y[j * ldy + r] = hsum(_mm256_add_ps(total[j], acc[j])) - hsum(accm[j]);
    }
}

/* Fused Q6_K: value = d·scale_s·(q − 32) with one int8 scale per 16 elements. The 6-bit values are
 * rebuilt as in deq_q6_K; each 16-element half-group is dotted with x and scaled once. */
HS_TARGET HS_INLINE void mv_q6_K_nx(const uint8_t *w, size_t rb, int64_t nb, int64_t r0, int64_t r1,
                                    const float *x, int64_t ldx, float *y, int64_t ldy, const int NX) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(0x03), k32 = _mm256_set1_epi8(32);
    for (int64_t r = r0; r < r1; r++) {
        const uint8_t *row = w + (size_t)r * rb;
        __m256 acc[8], total[8];
        for (int j = 0; j < NX; j++) acc[j] = total[j] = _mm256_setzero_ps();
        for (int64_t b = 0; b < nb; b++) {
            const uint8_t *blk = row + 210 * b;
            __m256 vd = _mm256_set1_ps(h2f(blk + 208));
            float dls[16];
            _mm256_storeu_ps(dls, _mm256_mul_ps(vd, i8x8_to_f32(_mm_loadl_epi64((const __m128i *)(blk + 192)))));
            _mm256_storeu_ps(dls + 8, _mm256_mul_ps(vd, i8x8_to_f32(_mm_loadl_epi64((const __m128i *)(blk + 200)))));
            for (int half = 0; half < 2; half++) {
                const uint8_t *ql = blk + 64 * half;
                __m256i qh = _mm256_loadu_si256((const __m256i *)(blk + 128 + 32 * half));
                __m256i l0 = _mm256_loadu_si256((const __m256i *)ql), l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
                __m256i lows[4] = {
                    _mm256_and_si256(l0, m4), _mm256_and_si256(l1, m4),
                    _mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                };
                for (int g = 0; g < 4; g++) {
                    __m256i high = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * g), m2);
                    __m256 q[4];
                    i8x32_to_f32(_mm256_sub_epi8(_mm256_or_si256(lows[g], _mm256_slli_epi16(high, 4)), k32), q);
                    __m256 da = _mm256_set1_ps(dls[8 * half + 2 * g]), db = _mm256_set1_ps(dls[8 * half + 2 * g + 1]);
                    const float *xg = x + 256 * b + 128 * half + 32 * g;
                    for (int j = 0; j < NX; j++) {
                        const float *xj = xg + j * ldx;
                        __m256 sa = _mm256_fmadd_ps(q[1], _mm256_loadu_ps(xj + 8), _mm256_mul_ps(q[0], _mm256_loadu_ps(xj)));
                        __m256 sb = _mm256_fmadd_ps(q[3], _mm256_loadu_ps(xj + 24), _mm256_mul_ps(q[2], _mm256_loadu_ps(xj + 16)));
                        acc[j] = _mm256_fmadd_ps(da, sa, acc[j]);
                        acc[j] = _mm256_fmadd_ps(db, sb, acc[j]);
                    }
                }
            }
            if ((b & 1) == 1) {
                for (int j = 0; j < NX; j++) {
                    total[j] = _mm256_add_ps(total[j], acc[j]);
                    acc[j] = _mm256_setzero_ps();
                }
            }
        }
        for (int j = 0; j < NX; j++) y[j * ldy + r] = hsum(_mm256_add_ps(total[j], acc[j]));
    }
}

/* Sums of x over each 32-element group, for every vector: xsum[j*(n/32) + g]. */
HS_TARGET static void group_sums32(const float *x, int64_t ldx, int64_t n, int64_t nx, float *xsum) {
    for (int64_t j = 0; j < nx; j++)
        for (int64_t g = 0; g < n / 32; g++) {
            const float *p = x + j * ldx + 32 * g;
            __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)),
                                     _mm256_add_ps(_mm256_loadu_ps(p + 16), _mm256_loadu_ps(p + 24)));
            xsum[j * (n / 32) + g] = hsum(s);
        }
}

#define HS_NX_SWITCH(CALL)                                                                      \
    switch (nx) {                                                                               \
    case 1: CALL(1); break; case 2: CALL(2); break; case 3: CALL(3); break; case 4: CALL(4); break; \
    case 5: CALL(5); break; case 6: CALL(6); break; case 7: CALL(7); break; case 8: CALL(8); break; \
    default: return -1;                                                                         \
    }

#define HS_MV32_FN(NAME, DEC, BB, HAS_M)                                                                  \
    HS_TARGET static int NAME(const uint8_t *w, size_t rb, int64_t ncols, int64_t r0, int64_t r1,         \
                              const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy) {          \
        int64_t nb = ncols / 32;                                                                          \
        HS_NX_SWITCH(NAME##_CALL)                                                                         \
        return 0;                                                                                         \
    }

#define mv_q4_0_CALL(N) mv32(w, rb, nb, r0, r1, x, ldx, y, ldy, N, dec_q4_0, 18, 0)
#define mv_q4_1_CALL(N) mv32(w, rb, nb, r0, r1, x, ldx, y, ldy, N, dec_q4_1, 20, 1)
#define mv_q5_0_CALL(N) mv32(w, rb, nb, r0, r1, x, ldx, y, ldy, N, dec_q5_0, 22, 0)
#define mv_q5_1_CALL(N) mv32(w, rb, nb, r0, r1, x, ldx, y, ldy, N, dec_q5_1, 24, 1)
#define mv_q8_0_CALL(N) mv32(w, rb, nb, r0, r1, x, ldx, y, ldy, N, dec_q8_0, 34, 0)
HS_MV32_FN(mv_q4_0, dec_q4_0, 18, 0)
HS_MV32_FN(mv_q4_1, dec_q4_1, 20, 1)
HS_MV32_FN(mv_q5_0, dec_q5_0, 22, 0)
HS_MV32_FN(mv_q5_1, dec_q5_1, 24, 1)
HS_MV32_FN(mv_q8_0, dec_q8_0, 34, 0)

#define mv_chunked_CALL(N) mv_chunked(type, w, rb, ncols, r0, r1, x, ldx, y, ldy, N)
HS_TARGET static int mv_any(uint32_t type, const uint8_t *w, size_t rb, int64_t ncols, int64_t r0, int64_t r1,
                            const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy) {
    HS_NX_SWITCH(mv_chunked_CALL)
    return 0;
}

/* Rows longer than this skip the kernels that need per-call sums of x (those live on the stack). */
#define HS_XSUM_MAX_COLS 16384
#define mv_q4_K_CALL(N) mv_q4_K_nx(w, rb, nb, r0, r1, x, ldx, y, ldy, xsum, N)
HS_TARGET static int mv_q4_K(const uint8_t *w, size_t rb, int64_t ncols, int64_t r0, int64_t r1,
                             const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy) {
    float xsum[8 * HS_XSUM_MAX_COLS / 32];
    int64_t nb = ncols / 256;
    group_sums32(x, ldx, ncols, nx, xsum);
    HS_NX_SWITCH(mv_q4_K_CALL)
    return 0;
}

#define mv_q4_xs_CALL(N) mv_q4_nx(w, rb, nb, r0, r1, x, ldx, y, ldy, xsum, N, has_m)
HS_TARGET static int mv_q4_xs(const uint8_t *w, size_t rb, int64_t ncols, int64_t r0, int64_t r1,
                              const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy, int has_m) {
    float xsum[8 * HS_XSUM_MAX_COLS / 32];
    int64_t nb = ncols / 32;
    group_sums32(x, ldx, ncols, nx, xsum);
    if (has_m) {
        HS_NX_SWITCH(mv_q4_xs_CALL)
    } else {
        HS_NX_SWITCH(mv_q4_xs_CALL)
    }
    return 0;
}

#define mv_q6_K_CALL(N) mv_q6_K_nx(w, rb, ncols / 256, r0, r1, x, ldx, y, ldy, N)
HS_TARGET static int mv_q6_K(const uint8_t *w, size_t rb, int64_t ncols, int64_t r0, int64_t r1,
                             const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy) {
    HS_NX_SWITCH(mv_q6_K_CALL)
    return 0;
}

HS_TARGET int hs_matvec_avx2(uint32_t type, const uint8_t *w, size_t rb, int64_t ncols, int64_t r0, int64_t r1,
                             const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy) {
    switch (type) {
    case HS_Q4_0:
        if (nx < 4 && ncols <= HS_XSUM_MAX_COLS) return mv_q4_xs(w, rb, ncols, r0, r1, x, nx, ldx, y, ldy, 0);
        return mv_q4_0(w, rb, ncols, r0, r1, x, nx, ldx, y, ldy);
    case HS_Q4_1:
        if (nx < 2 && ncols <= HS_XSUM_MAX_COLS) return mv_q4_xs(w, rb, ncols, r0, r1, x, nx, ldx, y, ldy, 1);
        return mv_q4_1(w, rb, ncols, r0, r1, x, nx, ldx, y, ldy);
    case HS_Q5_0: return mv_q5_0(w, rb, ncols, r0, r1, x, nx, ldx, y, ldy);
    case HS_Q5_1: return mv_q5_1(w, rb, ncols, r0, r1, x, nx, ldx, y, ldy);
    case HS_Q8_0: return mv_q8_0(w, rb, ncols, r0, r1, x, nx, ldx, y, ldy);
    case HS_Q4_K:
        if (ncols <= HS_XSUM_MAX_COLS) return mv_q4_K(w, rb, ncols, r0, r1, x, nx, ldx, y, ldy);
        return mv_any(type, w, rb, ncols, r0, r1, x, nx, ldx, y, ldy);
    case HS_Q6_K: return mv_q6_K(w, rb, ncols, r0, r1, x, nx, ldx, y, ldy);
    default: return mv_any(type, w, rb, ncols, r0, r1, x, nx, ldx, y, ldy);
    }
}
#endif
