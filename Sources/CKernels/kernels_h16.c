/* F16 and BF16 weights × float32 activations without a float32 copy of the weights (hs_gemm_h16 in
 * CKernels.h): the half-precision row bytes are converted in registers (F16C's vcvtph2ps; BF16 is a
 * 16-bit shift) right before their fused multiply-adds, so a 7B F16 model keeps its 13.5 GB once.
 *
 * Blocking. The weights are read from memory once per call: rows go in blocks of HB = 32 (at most
 * 32 × KC × 2 = 64 KB of half weights, L2-resident), columns in chunks of KC = 1024; within a chunk every
 * tile of up to 6 activation rows (6 × 4 KB, L1-resident) is dotted with every pair of weight rows of
 * the block by a register tile of 2 rows × J activation rows (2·J ≤ 12 accumulators of 8 lanes; one
 * weight conversion serves J activation rows). For one or two activation rows (generation) the tile is
 * 4 weight rows, with two accumulator chains per row for one activation row (the FMA latency, not
 * memory, would bound a single chain). With AVX-512 (HS_KERNELS_AVX512_VNNI, chosen by AUTO where the
 * integer kernels use it) the tiles are 4 × 6 and, for generation, 8 whole rows (below).
 *
 * Arithmetic. Every product is an exact float32 weight (binary16 and bfloat16 convert exactly) times a
 * float32 activation, rounded once by a fused multiply-add; the partial sums are float32. Relative to
 * the exact sum the error is within the standard bound for summation, γ_m · Σ|w·x| with
 * γ_m = m·u / (1 − m·u), u = 2⁻²⁴, and m the longest chain of roundings a term goes through: the lane
 * chain within a chunk (KC / 8), the 8-lane reduction (3 + 1 when two chains merge), and one add per
 * chunk into the row's total (ncols / KC), so m ≤ ncols/8 + ncols/1024 + 8. The scalar reference
 * (one sequential fmaf chain per output, m = ncols) obeys the same bound with m = ncols; the tests
 * check both against a float64 sum within these bounds. */
#include <math.h>
#include <stdlib.h>
#include "kernels_internal.h"

#define HB 32      /* weight rows per block */
#define KC 1024    /* columns per chunk */

static inline float bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* The scalar reference: one fmaf chain per output in column order. */
static void h16_scalar(uint32_t type, const uint8_t *w, size_t rb, int64_t ncols, int64_t r0, int64_t r1,
                       const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy) {
    for (int64_t r = r0; r < r1; r++) {
        const uint8_t *row = w + (size_t)r * rb;
        for (int64_t j = 0; j < nx; j++) {
            const float *xj = x + j * ldx;
            float acc = 0;
            for (int64_t c = 0; c < ncols; c++) {
                uint16_t h = hs_rd16(row + 2 * c);
                float wv = type == HS_F16 ? hs_fp16_to_fp32(h) : bf16_to_f32(h);
                acc = fmaf(wv, xj[c], acc);
            }
            y[j * ldy + r] = acc;
        }
    }
}

#if HS_HAVE_AVX2_BUILD
#include <immintrin.h>
#define H16_TARGET __attribute__((target("avx2,fma,f16c")))
#define H16_INLINE static inline __attribute__((always_inline))

H16_TARGET H16_INLINE __m256 load8(const uint32_t T, const uint8_t *p) {
    __m128i h = _mm_loadu_si128((const __m128i *)p);
    if (T == HS_F16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

H16_TARGET H16_INLINE float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* R weight rows (at w, rows rb apart) × J activation rows (at x, ldx apart) over n columns (a multiple
 * of LANES·U), U accumulator chains per (row, activation row); adds the sums into y[j*ldy + i] (or stores
 * them when `first`). One definition for both vector widths: V the vector type, LOADW the weight
 * conversion, HSUM the horizontal sum, ACC the accumulators the width's registers allow. */
#define H16_TILE(NAME, TARGET, V, LANES, ACC, SETZERO, LOADW, LOADX, FMADD, ADD, HSUM)                          \
    TARGET H16_INLINE void NAME(const uint32_t T, const int R, const int J, const int U, const uint8_t *w,       \
                                size_t rb, const float *x, int64_t ldx, int64_t n, float *y, int64_t ldy,         \
                                int first) {                                                                     \
        V acc[ACC];                                                                                              \
        for (int a = 0; a < R * J * U; a++) acc[a] = SETZERO();                                                  \
        for (int64_t c = 0; c < n; c += LANES * U) {                                                             \
            for (int u = 0; u < U; u++) {                                                                        \
                V wv[8];                                                                                         \
                for (int i = 0; i < R; i++) wv[i] = LOADW(T, w + (size_t)i * rb + 2 * (c + LANES * u));         \
                for (int j = 0; j < J; j++) {                                                                    \
                    V xv = LOADX(x + j * ldx + c + LANES * u);                                                   \
                    for (int i = 0; i < R; i++)                                                                  \
                        acc[(i * J + j) * U + u] = FMADD(wv[i], xv, acc[(i * J + j) * U + u]);                   \
                }                                                                                                \
            }                                                                                                    \
        }                                                                                                        \
        for (int i = 0; i < R; i++)                                                                              \
            for (int j = 0; j < J; j++) {                                                                        \
                V a = acc[(i * J + j) * U];                                                                      \
                for (int u = 1; u < U; u++) a = ADD(a, acc[(i * J + j) * U + u]);                                \
                float s = HSUM(a);                                                                               \
                float *o = y + j * ldy + i;                                                                      \
                *o = first ? s : *o + s;                                                                         \
            }                                                                                                    \
    }

H16_TILE(tile, H16_TARGET, __m256, 8, 12, _mm256_setzero_ps, load8, _mm256_loadu_ps, _mm256_fmadd_ps, _mm256_add_ps, hsum8)

/* Rows [r0, r1) (r1 − r0 ≤ HB), columns [c0, c0 + n): every activation tile against every row tile. */
H16_TARGET H16_INLINE void block(const uint32_t T, const uint8_t *w, size_t rb, int64_t r0, int64_t r1, int64_t c0,
                                 int64_t n, const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy, int first) {
    const uint8_t *wc = w + 2 * c0;
    const float *xc = x + c0;
    if (nx <= 2) {
        int64_t r = r0;
        for (; r + 4 <= r1; r += 4) {
            const uint8_t *wr = wc + (size_t)r * rb;
            if (nx == 1) tile(T, 4, 1, 2, wr, rb, xc, ldx, n, y + r, ldy, first);
            else tile(T, 4, 2, 1, wr, rb, xc, ldx, n, y + r, ldy, first);
        }
        for (; r < r1; r++) {
            const uint8_t *wr = wc + (size_t)r * rb;
            if (nx == 1) tile(T, 1, 1, 2, wr, rb, xc, ldx, n, y + r, ldy, first);
            else tile(T, 1, 2, 1, wr, rb, xc, ldx, n, y + r, ldy, first);
        }
        return;
    }
    for (int64_t j0 = 0; j0 < nx; j0 += 6) {
        const int J = nx - j0 < 6 ? (int)(nx - j0) : 6;
        const float *xj = xc + j0 * ldx;
        float *yj = y + j0 * ldy;
        for (int64_t r = r0; r < r1; r += 2) {
            const uint8_t *wr = wc + (size_t)r * rb;
            const int R = r + 2 <= r1 ? 2 : 1;
#define H16_CASE(RR, JJ) case JJ: tile(T, RR, JJ, 1, wr, rb, xj, ldx, n, yj + r, ldy, first); break;
            if (R == 2) {
                switch (J) { H16_CASE(2, 1) H16_CASE(2, 2) H16_CASE(2, 3) H16_CASE(2, 4) H16_CASE(2, 5) default: tile(T, 2, 6, 1, wr, rb, xj, ldx, n, yj + r, ldy, first); }
            } else {
                switch (J) { H16_CASE(1, 1) H16_CASE(1, 2) H16_CASE(1, 3) H16_CASE(1, 4) H16_CASE(1, 5) default: tile(T, 1, 6, 1, wr, rb, xj, ldx, n, yj + r, ldy, first); }
            }
#undef H16_CASE
        }
    }
}

/* Rows [r0, r1) in blocks of HB, columns in chunks of KC, each pair through BLOCK (a width's block). */
#define H16_BLOCKS(BLOCK)                                                                         \
    for (int64_t b0 = r0; b0 < r1; b0 += HB) {                                                    \
        const int64_t b1 = b0 + HB < r1 ? b0 + HB : r1;                                           \
        for (int64_t c0 = 0; c0 < ncols; c0 += KC) {                                              \
            const int64_t n = ncols - c0 < KC ? ncols - c0 : KC;                                  \
            BLOCK(T, w, rb, b0, b1, c0, n, x, nx, ldx, y, ldy, c0 == 0);                          \
        }                                                                                         \
    }

H16_TARGET static void h16_avx2_typed(const uint32_t T, const uint8_t *w, size_t rb, int64_t ncols, int64_t r0, int64_t r1,
                                      const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy) {
    H16_BLOCKS(block)
}

#endif

#if HS_HAVE_AVX2_BUILD
/* The AVX-512 path: the same blocking with 16 lanes and 32 registers, so a tile is 4 weight rows × up to
 * 6 activation rows (24 accumulators; one conversion of 16 weights serves 6 activation rows, against
 * 2 rows × 6 at 8 lanes above). For one or two activation rows it is 8 weight rows over the whole row
 * (no column chunks: x is at most 2 × 16 KB), so each thread reads 8 sequential streams, which is what
 * keeps a core's memory requests in flight; one activation row gets two chains per weight row.
 * Arithmetic: lane chains of at most KC/16 fused multiply-adds per chunk (ncols/32 per chain for
 * generation), a 16-lane reduction (4 adds, 1 more when two chains merge) and one add per chunk, so m
 * stays within the AVX2 path's bound (ncols/8 + ncols/1024 + 8). */
#define H16_512 __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512bw")))

H16_512 H16_INLINE __m512 load16(const uint32_t T, const uint8_t *p) {
    __m256i h = _mm256_loadu_si256((const __m256i *)p);
    if (T == HS_F16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

H16_TILE(tile512, H16_512, __m512, 16, 24, _mm512_setzero_ps, load16, _mm512_loadu_ps, _mm512_fmadd_ps, _mm512_add_ps,
         _mm512_reduce_add_ps)

/* Rows [r0, r1) of one activation-row tile set, columns [c0, c0 + n). */
H16_512 H16_INLINE void block512(const uint32_t T, const uint8_t *w, size_t rb, int64_t r0, int64_t r1, int64_t c0,
                                 int64_t n, const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy, int first) {
    const uint8_t *wc = w + 2 * c0;
    const float *xc = x + c0;
    for (int64_t j0 = 0; j0 < nx; j0 += 6) {
        const int J = nx - j0 < 6 ? (int)(nx - j0) : 6;
        const float *xj = xc + j0 * ldx;
        float *yj = y + j0 * ldy;
        int64_t r = r0;
#define H16_CASE(RR, JJ) case JJ: tile512(T, RR, JJ, 1, wr, rb, xj, ldx, n, yj + r, ldy, first); break;
        for (; r + 4 <= r1; r += 4) {
            const uint8_t *wr = wc + (size_t)r * rb;
            switch (J) { H16_CASE(4, 1) H16_CASE(4, 2) H16_CASE(4, 3) H16_CASE(4, 4) H16_CASE(4, 5) default: tile512(T, 4, 6, 1, wr, rb, xj, ldx, n, yj + r, ldy, first); }
        }
        for (; r < r1; r++) {
            const uint8_t *wr = wc + (size_t)r * rb;
            switch (J) { H16_CASE(1, 1) H16_CASE(1, 2) H16_CASE(1, 3) H16_CASE(1, 4) H16_CASE(1, 5) default: tile512(T, 1, 6, 1, wr, rb, xj, ldx, n, yj + r, ldy, first); }
        }
#undef H16_CASE
    }
}

/* R whole weight rows × nx ≤ 2 activation rows (generation): two chains for one activation row when
 * the width allows (R, J, U compile-time constants in each call of tile512). */
H16_512 H16_INLINE void rows512(const uint32_t T, const int R, const uint8_t *wr, size_t rb, int64_t ncols,
                                const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy) {
    if (nx == 2) tile512(T, R, 2, 1, wr, rb, x, ldx, ncols, y, ldy, 1);
    else if (ncols % 32 == 0) tile512(T, R, 1, 2, wr, rb, x, ldx, ncols, y, ldy, 1);
    else tile512(T, R, 1, 1, wr, rb, x, ldx, ncols, y, ldy, 1);
}

H16_512 static void h16_avx512_typed(const uint32_t T, const uint8_t *w, size_t rb, int64_t ncols, int64_t r0, int64_t r1,
                                     const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy) {
    if (nx <= 2) {
        /* Generation: whole rows, 8 at a time, then the rest one by one. */
        int64_t r = r0;
        for (; r + 8 <= r1; r += 8) rows512(T, 8, w + (size_t)r * rb, rb, ncols, x, nx, ldx, y + r, ldy);
        for (; r < r1; r++) rows512(T, 1, w + (size_t)r * rb, rb, ncols, x, nx, ldx, y + r, ldy);
        return;
    }
    H16_BLOCKS(block512)
}

#endif

/* The typed kernel FN for `type` (the type a compile-time constant inside it). */
#define H16_BY_TYPE(FN) (type == HS_F16 ? FN(HS_F16, w, row_bytes, ncols, r0, r1, x, nx, ldx, y, ldy) \
                                        : FN(HS_BF16, w, row_bytes, ncols, r0, r1, x, nx, ldx, y, ldy))

int hs_gemm_h16_with(int path, uint32_t type, const void *w, size_t row_bytes, int64_t ncols, int64_t r0, int64_t r1,
                     const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy) {
    if ((type != HS_F16 && type != HS_BF16) || ncols <= 0 || nx < 1 || r0 < 0 || r1 < r0 || ldx < ncols ||
        row_bytes < (size_t)ncols * 2)
        return -1;
    /* AUTO: the AVX-512 path where the integer kernels use AVX-512 (HOPSCOPE_KERNELS=avx2 or scalar
     * turns it off the same way), else the selected one. */
    int p = path == HS_KERNELS_AUTO ? hs_q8_kernels_in_use() : path;
    if (!hs_q8_path_available(p)) return -2;
#if HS_HAVE_AVX2_BUILD
    /* the vector paths need whole 16-column steps; other widths (never in real models) take the reference */
    if (p == HS_KERNELS_AVX512_VNNI && ncols % 16 == 0) {
        H16_BY_TYPE(h16_avx512_typed);
        return 0;
    }
    if (p == HS_KERNELS_AVX2 && ncols % 16 == 0) {
        H16_BY_TYPE(h16_avx2_typed);
        return 0;
    }
#endif
    h16_scalar(type, w, row_bytes, ncols, r0, r1, x, nx, ldx, y, ldy);
    return 0;
}

int hs_gemm_h16(uint32_t type, const void *w, size_t row_bytes, int64_t ncols, int64_t r0, int64_t r1, const float *x,
                int64_t nx, int64_t ldx, float *y, int64_t ldy) {
    return hs_gemm_h16_with(HS_KERNELS_AUTO, type, w, row_bytes, ncols, r0, r1, x, nx, ldx, y, ldy);
}
