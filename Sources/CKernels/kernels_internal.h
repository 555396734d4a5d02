/* Shared between the dispatcher (kernels.c) and the scalar and AVX2 implementations. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "CKernels.h"

enum {
    HS_F32 = 0, HS_F16 = 1, HS_Q4_0 = 2, HS_Q4_1 = 3, HS_Q5_0 = 6, HS_Q5_1 = 7, HS_Q8_0 = 8,
    HS_Q2_K = 10, HS_Q3_K = 11, HS_Q4_K = 12, HS_Q5_K = 13, HS_Q6_K = 14, HS_BF16 = 30,
};

/// Elements of weights decoded at a time by the chunked matvec (a multiple of every block size).
#define HS_CHUNK 256
/// Blocks summed into one partial accumulator before it is folded into the row total.
#define HS_FLUSH 16

static inline uint16_t hs_rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t hs_rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/// Decodes one Q4_K / Q5_K (scale, min) pair from the 12 packed scale bytes.
static inline void hs_scale_min_k4(int j, const uint8_t *s, uint8_t *sc, uint8_t *m) {
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (uint8_t)((s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4));
        *m = (uint8_t)((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
    }
}

/// All eight Q4_K / Q5_K (scale, min) pairs at once, word-parallel: out[0..8) = scales,
/// out[8..16) = mins. Same values as hs_scale_min_k4 for j = 0…7 (checked by the tests).
static inline void hs_scales_mins_k4(const uint8_t *s, uint8_t out[16]) {
    uint32_t a = hs_rd32(s), b = hs_rd32(s + 4), c = hs_rd32(s + 8);
    const uint32_t low6 = 0x3F3F3F3Fu, low4 = 0x0F0F0F0Fu, low2 = 0x03030303u;
    uint32_t w[4] = {
        a & low6,                                 /* scales 0–3: low 6 bits of bytes 0–3 */
        (c & low4) | (((a >> 6) & low2) << 4),    /* scales 4–7: nibble of bytes 8–11, top bits of 0–3 */
        b & low6,                                 /* mins 0–3: low 6 bits of bytes 4–7 */
        ((c >> 4) & low4) | (((b >> 6) & low2) << 4), /* mins 4–7: high nibble of 8–11, top bits of 4–7 */
    };
    memcpy(out, w, 16);
}

int hs_cpu_has_avx2(void);
int hs_dequantize_scalar(uint32_t type, const uint8_t *src, float *dst, int64_t n);
int hs_matvec_scalar(uint32_t type, const uint8_t *w, size_t row_bytes, int64_t ncols, int64_t r0, int64_t r1,
                     const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy);
#if defined(__x86_64__) || defined(__i386__)
#define HS_HAVE_AVX2_BUILD 1
int hs_dequantize_avx2(uint32_t type, const uint8_t *src, float *dst, int64_t n);
int hs_matvec_avx2(uint32_t type, const uint8_t *w, size_t row_bytes, int64_t ncols, int64_t r0, int64_t r1,
                   const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy);
#endif

/// 1 when the CPU has AVX-512F/VL and FMA and HOPSCOPE_KERNELS is not "scalar": the vector paths of
/// the panel GEMM, the SwiGLU activation and the softmax standing.
int hs_avx512_available(void);

/// Output columns per panel of the panel-layout GEMM (two AVX-512 registers).
#define HS_NR 32
