/* Q4_0 weights repacked eight rows at a time ("q4x8"), and their integer product with 8-bit
 * activations (see hs_matmul_q4x8 in CKernels.h).
 *
 * A Q4_0 block is an fp16 scale and 16 bytes: byte i holds element i (low nibble) and element i + 16
 * (high nibble), weight = d·(nibble − 8). A q4x8 block holds the same block of eight consecutive rows:
 *
 *     16 bytes   the eight fp16 scales, row 0 first
 *     128 bytes  four 32-byte vectors; vector v, bytes 4r…4r+3 = bytes 4v…4v+3 of row r's 16
 *
 * so the low nibbles of vector v are elements 4v…4v+3 of all eight rows, the high nibbles elements
 * 16+4v…19+4v, and one vpdpbusd of a vector's nibbles with four activation bytes broadcast to every
 * lane adds four products to each row's lane. The −8 is folded in afterwards with the activation
 * block's Σq: Σ(n−8)·q = Σn·q − 8·Σq. No horizontal sums, one scale vector per eight rows.
 *
 * Every path computes, per row and activation row, exactly
 *     acc = 0; for each block: t = fmaf((float)Σn·q, d_x, −8·s_x); acc = fmaf(d_w, t, acc)
 * (s_x = d_x·Σq), so scalar, AVX2 and VNNI results are bit-identical. */
#include <math.h>
#include "kernels_internal.h"

#define HS_Q4X8_ROWS 16
#define HS_Q4X8_BLOCK (18 * HS_Q4X8_ROWS)
#define HS_Q4X8_QOFF (2 * HS_Q4X8_ROWS)
#define HS_Q4X8_VEC (4 * HS_Q4X8_ROWS)

typedef struct {
    float d;
    float s;
    int8_t q[32];
} hs_q8s_block;

size_t hs_q4x8_bytes(int64_t rows, int64_t ncols) { return (size_t)(rows / HS_Q4X8_ROWS) * (size_t)(ncols / 32) * HS_Q4X8_BLOCK; }

int hs_q4x8_pack(const void *src_, size_t row_bytes, int64_t ncols, int64_t g0, int64_t g1, void *dst_) {
    const uint8_t *src = src_;
    uint8_t *dst = dst_;
    if (ncols <= 0 || ncols % 32 != 0 || g0 < 0 || g1 < g0 || row_bytes < (size_t)(ncols / 32) * 18) return -1;
    const int64_t nb = ncols / 32;
    for (int64_t g = g0; g < g1; g++) {
        for (int64_t b = 0; b < nb; b++) {
            uint8_t *o = dst + ((size_t)g * nb + b) * HS_Q4X8_BLOCK;
            for (int r = 0; r < HS_Q4X8_ROWS; r++) {
                const uint8_t *blk = src + (size_t)(HS_Q4X8_ROWS * g + r) * row_bytes + b * 18;
                memcpy(o + 2 * r, blk, 2);
                for (int v = 0; v < 4; v++) memcpy(o + HS_Q4X8_QOFF + HS_Q4X8_VEC * v + 4 * r, blk + 2 + 4 * v, 4);
            }
        }
    }
    return 0;
}

int hs_q4x8_unpack_row(const void *packed_, int64_t ncols, int64_t r, void *dst_) {
    const uint8_t *packed = packed_;
    uint8_t *dst = dst_;
    if (ncols <= 0 || ncols % 32 != 0 || r < 0) return -1;
    const int64_t nb = ncols / 32, g = r / HS_Q4X8_ROWS, k = r % HS_Q4X8_ROWS;
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *o = packed + ((size_t)g * nb + b) * HS_Q4X8_BLOCK;
        memcpy(dst + b * 18, o + 2 * k, 2);
        for (int v = 0; v < 4; v++) memcpy(dst + b * 18 + 2 + 4 * v, o + HS_Q4X8_QOFF + HS_Q4X8_VEC * v + 4 * k, 4);
    }
    return 0;
}

/* ---- scalar reference ---- */

static void q4x8_scalar(const uint8_t *w, int64_t nb, int64_t g0, int64_t g1, const hs_q8s_block *x, int64_t nx,
                        float *y, int64_t ldy) {
    for (int64_t g = g0; g < g1; g++) {
        for (int64_t j = 0; j < nx; j++) {
            for (int r = 0; r < HS_Q4X8_ROWS; r++) {
                float acc = 0;
                for (int64_t b = 0; b < nb; b++) {
                    const uint8_t *o = w + ((size_t)g * nb + b) * HS_Q4X8_BLOCK;
                    const hs_q8s_block *xb = x + j * nb + b;
                    int32_t dot = 0;
                    for (int v = 0; v < 4; v++) {
                        for (int k = 0; k < 4; k++) {
                            uint8_t byte = o[HS_Q4X8_QOFF + HS_Q4X8_VEC * v + 4 * r + k];
                            dot += (int32_t)(byte & 15) * xb->q[4 * v + k] + (int32_t)(byte >> 4) * xb->q[16 + 4 * v + k];
                        }
                    }
                    float t = fmaf((float)dot, xb->d, -8.0f * xb->s);
                    acc = fmaf(hs_fp16_to_fp32(hs_rd16(o + 2 * r)), t, acc);
                }
                y[j * ldy + HS_Q4X8_ROWS * g + r] = acc;
            }
        }
    }
}

/* ---- SIMD ---- */
#if HS_HAVE_AVX2_BUILD
#include <immintrin.h>
#define HS_INLINE static inline __attribute__((always_inline))

#define Q4X8_TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#define Q4X8_TARGET_VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512bw,avx512vnni")))

/* Σ over the block of nibbles·q, one int32 lane per row: lo[v]/hi[v] the vectors' low/high
 * nibbles, q the activation block. VNNI: 16 rows per 512-bit vector. */
Q4X8_TARGET_VNNI HS_INLINE __m512i dot_vnni(const __m512i *lo, const __m512i *hi, const int8_t *q) {
    __m512i a = _mm512_setzero_si512(), c = _mm512_setzero_si512();
    for (int v = 0; v < 4; v++) {
        int32_t ql, qh;
        memcpy(&ql, q + 4 * v, 4);
        memcpy(&qh, q + 16 + 4 * v, 4);
        a = _mm512_dpbusd_epi32(a, lo[v], _mm512_set1_epi32(ql));
        c = _mm512_dpbusd_epi32(c, hi[v], _mm512_set1_epi32(qh));
    }
    return _mm512_add_epi32(a, c);
}

/* AVX2: eight rows per 256-bit vector, with vpmaddubsw; every 16-bit pair sum is ≤ 2·15·127 and
 * eight of them ≤ 30480 < 2^15, so one vpmaddwd at the end. */
Q4X8_TARGET_AVX2 HS_INLINE __m256i dot_avx2(const __m256i *lo, const __m256i *hi, const int8_t *q) {
    __m256i s = _mm256_setzero_si256();
    for (int v = 0; v < 4; v++) {
        int32_t ql, qh;
        memcpy(&ql, q + 4 * v, 4);
        memcpy(&qh, q + 16 + 4 * v, 4);
        s = _mm256_add_epi16(s, _mm256_maddubs_epi16(lo[v], _mm256_set1_epi32(ql)));
        s = _mm256_add_epi16(s, _mm256_maddubs_epi16(hi[v], _mm256_set1_epi32(qh)));
    }
    return _mm256_madd_epi16(s, _mm256_set1_epi16(1));
}

/* One row group × NX activation rows: the group's weights (nb·288 bytes, 36 KB for 4096 columns)
 * stay in cache while every tile of activation rows passes over them. */
Q4X8_TARGET_VNNI HS_INLINE void tile_vnni(const int NX, const uint8_t *wg, int64_t nb, const hs_q8s_block *x,
                                          float *y, int64_t ldy) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    __m512 acc[8];
    for (int j = 0; j < NX; j++) acc[j] = _mm512_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *o = wg + (size_t)b * HS_Q4X8_BLOCK;
        __m512i lo[4], hi[4];
        for (int v = 0; v < 4; v++) {
            __m512i raw = _mm512_loadu_si512((const void *)(o + HS_Q4X8_QOFF + HS_Q4X8_VEC * v));
            lo[v] = _mm512_and_si512(raw, m4);
            hi[v] = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
        }
        __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)o));
        for (int j = 0; j < NX; j++) {
            const hs_q8s_block *xb = x + j * nb + b;
            __m512 t = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot_vnni(lo, hi, xb->q)), _mm512_set1_ps(xb->d),
                                       _mm512_set1_ps(-8.0f * xb->s));
            acc[j] = _mm512_fmadd_ps(dw, t, acc[j]);
        }
    }
    for (int j = 0; j < NX; j++) _mm512_storeu_ps(y + j * ldy, acc[j]);
}

/* The same on AVX2, for rows 8h … 8h+7 of the group. */
Q4X8_TARGET_AVX2 HS_INLINE void tile_avx2(const int NX, const uint8_t *wg, int64_t nb, int h, const hs_q8s_block *x,
                                          float *y, int64_t ldy) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc[8];
    for (int j = 0; j < NX; j++) acc[j] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *o = wg + (size_t)b * HS_Q4X8_BLOCK;
        __m256i lo[4], hi[4];
        for (int v = 0; v < 4; v++) {
            __m256i raw = _mm256_loadu_si256((const __m256i *)(o + HS_Q4X8_QOFF + HS_Q4X8_VEC * v + 32 * h));
            lo[v] = _mm256_and_si256(raw, m4);
            hi[v] = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
        }
        __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(o + 16 * h)));
        for (int j = 0; j < NX; j++) {
            const hs_q8s_block *xb = x + j * nb + b;
            __m256 t = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot_avx2(lo, hi, xb->q)), _mm256_set1_ps(xb->d),
                                       _mm256_set1_ps(-8.0f * xb->s));
            acc[j] = _mm256_fmadd_ps(dw, t, acc[j]);
        }
    }
    for (int j = 0; j < NX; j++) _mm256_storeu_ps(y + j * ldy + 8 * h, acc[j]);
}

#define Q4X8_NX 4

Q4X8_TARGET_VNNI static void q4x8_vnni(const uint8_t *w, int64_t nb, int64_t g0, int64_t g1, const hs_q8s_block *x,
                                       int64_t nx, float *y, int64_t ldy) {
    for (int64_t g = g0; g < g1; g++) {
        const uint8_t *wg = w + (size_t)g * nb * HS_Q4X8_BLOCK;
        for (int64_t j0 = 0; j0 < nx; j0 += Q4X8_NX) {
            const hs_q8s_block *xj = x + j0 * nb;
            float *yj = y + j0 * ldy + HS_Q4X8_ROWS * g;
            switch (nx - j0 < Q4X8_NX ? nx - j0 : Q4X8_NX) {
            case 1: tile_vnni(1, wg, nb, xj, yj, ldy); break;
            case 2: tile_vnni(2, wg, nb, xj, yj, ldy); break;
            case 3: tile_vnni(3, wg, nb, xj, yj, ldy); break;
            default: tile_vnni(Q4X8_NX, wg, nb, xj, yj, ldy); break;
            }
        }
    }
}

Q4X8_TARGET_AVX2 static void q4x8_avx2(const uint8_t *w, int64_t nb, int64_t g0, int64_t g1, const hs_q8s_block *x,
                                       int64_t nx, float *y, int64_t ldy) {
    for (int64_t g = g0; g < g1; g++) {
        const uint8_t *wg = w + (size_t)g * nb * HS_Q4X8_BLOCK;
        for (int h = 0; h < 2; h++) {
            for (int64_t j0 = 0; j0 < nx; j0 += Q4X8_NX) {
                const hs_q8s_block *xj = x + j0 * nb;
                float *yj = y + j0 * ldy + HS_Q4X8_ROWS * g;
                switch (nx - j0 < Q4X8_NX ? nx - j0 : Q4X8_NX) {
                case 1: tile_avx2(1, wg, nb, h, xj, yj, ldy); break;
                case 2: tile_avx2(2, wg, nb, h, xj, yj, ldy); break;
                case 3: tile_avx2(3, wg, nb, h, xj, yj, ldy); break;
                default: tile_avx2(Q4X8_NX, wg, nb, h, xj, yj, ldy); break;
                }
            }
        }
    }
}
#endif

int hs_matmul_q4x8_with(int path, const void *w, int64_t ncols, int64_t g0, int64_t g1, const void *xq, int64_t nx,
                        float *y, int64_t ldy) {
    if (ncols <= 0 || ncols % 32 != 0 || nx < 0 || g0 < 0 || g1 < g0) return -1;
    int p = path == HS_KERNELS_AUTO ? hs_q8_kernels_in_use() : path;
    if (!hs_q8_path_available(p)) return -2;
    const int64_t nb = ncols / 32;
#if HS_HAVE_AVX2_BUILD
    if (p == HS_KERNELS_AVX512_VNNI) { q4x8_vnni(w, nb, g0, g1, xq, nx, y, ldy); return 0; }
    if (p == HS_KERNELS_AVX2) { q4x8_avx2(w, nb, g0, g1, xq, nx, y, ldy); return 0; }
#endif
    q4x8_scalar(w, nb, g0, g1, xq, nx, y, ldy);
    return 0;
}

int hs_matmul_q4x8(const void *w, int64_t ncols, int64_t g0, int64_t g1, const void *xq, int64_t nx, float *y,
                   int64_t ldy) {
    return hs_matmul_q4x8_with(HS_KERNELS_AUTO, w, ncols, g0, g1, xq, nx, y, ldy);
}
