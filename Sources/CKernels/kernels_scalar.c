/* Portable scalar kernels: the fallback, and the C twin of the Swift reference dequantizer.
 * Same float32 operations in the same order as ggml's dequantize_row_*; contraction into fused
 * multiply-adds is off so that q·d + m rounds twice, exactly as the reference does. */
#pragma STDC FP_CONTRACT OFF
#include "kernels_internal.h"

#define H(p) hs_fp16_to_fp32(hs_rd16(p))

static void q4_0(const uint8_t *b, float *y) {
    float d = H(b);
    for (int j = 0; j < 16; j++) {
        y[j] = (float)((b[2 + j] & 0xF) - 8) * d;
        y[j + 16] = (float)((b[2 + j] >> 4) - 8) * d;
    }
}

static void q4_1(const uint8_t *b, float *y) {
    float d = H(b), m = H(b + 2);
    for (int j = 0; j < 16; j++) {
        y[j] = (float)(b[4 + j] & 0xF) * d + m;
        y[j + 16] = (float)(b[4 + j] >> 4) * d + m;
    }
}

static void q5_0(const uint8_t *b, float *y) {
    float d = H(b);
    uint32_t qh = hs_rd32(b + 2);
    for (int j = 0; j < 16; j++) {
        int lo = (b[6 + j] & 0xF) | (int)(((qh >> j) & 1) << 4);
        int hi = (b[6 + j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
        y[j] = (float)(lo - 16) * d;
        y[j + 16] = (float)(hi - 16) * d;
    }
}

static void q5_1(const uint8_t *b, float *y) {
    float d = H(b), m = H(b + 2);
    uint32_t qh = hs_rd32(b + 4);
    for (int j = 0; j < 16; j++) {
        int lo = (b[8 + j] & 0xF) | (int)(((qh >> j) & 1) << 4);
        int hi = (b[8 + j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
        y[j] = (float)lo * d + m;
        y[j + 16] = (float)hi * d + m;
    }
}

static void q8_0(const uint8_t *b, float *y) {
    float d = H(b);
    for (int j = 0; j < 32; j++) y[j] = (float)(int8_t)b[2 + j] * d;
}

static void q2_K(const uint8_t *b, float *y) {
    const uint8_t *scales = b, *q = b + 16;
    float d = H(b + 80), dmin = H(b + 82);
    int is = 0;
    for (int half = 0; half < 2; half++, q += 32) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int part = 0; part < 2; part++) {
                uint8_t sc = scales[is++];
                float dl = d * (float)(sc & 0xF), ml = dmin * (float)(sc >> 4);
                for (int l = 0; l < 16; l++) *y++ = dl * (float)((q[16 * part + l] >> shift) & 3) - ml;
            }
        }
    }
}

static void q3_K(const uint8_t *b, float *y) {
    const uint8_t *hm = b, *q = b + 32, *s = b + 96;
    float d = H(b + 108);
    int scales[16];
    for (int i = 0; i < 16; i++) {
        int low = (s[i % 8] >> (i < 8 ? 0 : 4)) & 0xF;
        int high = (s[8 + i % 4] >> (2 * (i / 4))) & 3;
        scales[i] = (low | high << 4) - 32;
    }
    int is = 0, bit = 0;
    for (int half = 0; half < 2; half++, q += 32) {
        for (int shift = 0; shift < 8; shift += 2, bit++) {
            for (int part = 0; part < 2; part++) {
                float dl = d * (float)scales[is++];
                for (int l = 0; l < 16; l++) {
                    int idx = 16 * part + l;
                    int v = ((q[idx] >> shift) & 3) - (((hm[idx] >> bit) & 1) ? 0 : 4);
                    *y++ = dl * (float)v;
                }
            }
        }
    }
}

static void q4_K(const uint8_t *b, float *y) {
    float d = H(b), dmin = H(b + 2);
    const uint8_t *s = b + 4, *q = b + 16;
    for (int sub = 0; sub < 8; sub++) {
        uint8_t sc, m;
        hs_scale_min_k4(sub, s, &sc, &m);
        float dl = d * (float)sc, ml = dmin * (float)m;
        const uint8_t *qs = q + 32 * (sub / 2);
        int shift = (sub & 1) ? 4 : 0;
        for (int l = 0; l < 32; l++) y[32 * sub + l] = dl * (float)((qs[l] >> shift) & 0xF) - ml;
    }
}

static void q5_K(const uint8_t *b, float *y) {
    float d = H(b), dmin = H(b + 2);
    const uint8_t *s = b + 4, *qh = b + 16, *q = b + 48;
    for (int sub = 0; sub < 8; sub++) {
        uint8_t sc, m;
        hs_scale_min_k4(sub, s, &sc, &m);
        float dl = d * (float)sc, ml = dmin * (float)m;
        const uint8_t *qs = q + 32 * (sub / 2);
        int shift = (sub & 1) ? 4 : 0;
        for (int l = 0; l < 32; l++) {
            int v = ((qs[l] >> shift) & 0xF) | (((qh[l] >> sub) & 1) << 4);
            y[32 * sub + l] = dl * (float)v - ml;
        }
    }
}

static void q6_K(const uint8_t *b, float *y) {
    float d = H(b + 208);
    for (int half = 0; half < 2; half++) {
        const uint8_t *ql = b + 64 * half, *qh = b + 128 + 32 * half;
        const int8_t *sc = (const int8_t *)(b + 192 + 8 * half);
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                int low = (ql[l + 32 * (g & 1)] >> (4 * (g >> 1))) & 0xF;
                int high = (qh[l] >> (2 * g)) & 3;
                float ds = d * (float)sc[l / 16 + 2 * g];
                y[128 * half + 32 * g + l] = ds * (float)((low | high << 4) - 32);
            }
        }
    }
}

int hs_dequantize_scalar(uint32_t type, const uint8_t *src, float *dst, int64_t n) {
    int64_t be = hs_block_elements(type), bb = hs_block_bytes(type);
    if (be == 0 || n % be != 0) return -1;
    int64_t nb = n / be;
    switch (type) {
    case HS_F32: memcpy(dst, src, (size_t)n * 4); return 0;
    case HS_F16: for (int64_t i = 0; i < n; i++) dst[i] = H(src + 2 * i); return 0;
    case HS_BF16:
        for (int64_t i = 0; i < n; i++) {
            uint32_t bits = (uint32_t)hs_rd16(src + 2 * i) << 16;
            memcpy(dst + i, &bits, 4);
        }
        return 0;
    default: break;
    }
    void (*f)(const uint8_t *, float *);
    switch (type) {
    case HS_Q4_0: f = q4_0; break;
    case HS_Q4_1: f = q4_1; break;
    case HS_Q5_0: f = q5_0; break;
    case HS_Q5_1: f = q5_1; break;
    case HS_Q8_0: f = q8_0; break;
    case HS_Q2_K: f = q2_K; break;
    case HS_Q3_K: f = q3_K; break;
    case HS_Q4_K: f = q4_K; break;
    case HS_Q5_K: f = q5_K; break;
    case HS_Q6_K: f = q6_K; break;
    default: return -1;
    }
    for (int64_t i = 0; i < nb; i++) f(src + i * bb, dst + i * be);
    return 0;
}

/* Matvec: decode HS_CHUNK weights at a time, then 8 interleaved partial sums per vector (as the
 * SIMD lanes do), so no float32 accumulation chain is longer than HS_CHUNK/8 + chunks + 8. */
int hs_matvec_scalar(uint32_t type, const uint8_t *w, size_t row_bytes, int64_t ncols, int64_t r0, int64_t r1,
                     const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy) {
    int64_t be = hs_block_elements(type), bb = hs_block_bytes(type);
    float buf[HS_CHUNK];
    for (int64_t r = r0; r < r1; r++) {
        const uint8_t *row = w + (size_t)r * row_bytes;
        float total[8] = {0};
        for (int64_t c0 = 0; c0 < ncols; c0 += HS_CHUNK) {
            int64_t n = ncols - c0 < HS_CHUNK ? ncols - c0 : HS_CHUNK;
            if (hs_dequantize_scalar(type, row + (c0 / be) * bb, buf, n) != 0) return -1;
            for (int64_t j = 0; j < nx; j++) {
                const float *xj = x + j * ldx + c0;
                float lane[8] = {0};
                int64_t i = 0;
                for (; i + 8 <= n; i += 8)
                    for (int l = 0; l < 8; l++) lane[l] += buf[i + l] * xj[i + l];
                for (; i < n; i++) lane[i & 7] += buf[i] * xj[i];
                float s = ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
                total[j] += s;
            }
        }
        for (int64_t j = 0; j < nx; j++) y[j * ldy + r] = total[j];
    }
    return 0;
}
