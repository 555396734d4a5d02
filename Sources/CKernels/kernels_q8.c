/* Integer kernels: activations quantized to 8 bits per 32-element block, dotted with the weight
 * blocks' integer quants (see hs_matmul_q8 in CKernels.h). A scalar reference, an AVX2 version
 * (vpmaddubsw/vpmaddwd) and an AVX512-VNNI version (vpdpbusd on 256-bit vectors), chosen at run time. */
#include <math.h>
#include <stdlib.h>
#include "kernels_internal.h"

/* 32 activations quantized: q[i] stores q_i + 128 (unsigned), d the scale, s = d·Σ q_i. */
typedef struct {
    float d;
    float s;
    uint8_t q[32];
} hs_q8_block;
typedef hs_q8_block hs_xblk;

size_t hs_q8_size(int64_t nx, int64_t ncols) { return (size_t)nx * (size_t)(ncols / 32) * sizeof(hs_q8_block); }

static inline float hs_fp16_to_fp32_p(const uint8_t *p) { return hs_fp16_to_fp32(hs_rd16(p)); }

/* Sub-blocks of 32 per unit (ggml block) of a weight type. */
static inline int hs_q8_nsub(int T) { return T == HS_Q4_K || T == HS_Q6_K ? 8 : 1; }

/* Weight scales per sub-block s of a unit: wsa[s] for its first 16 weights, wsb[s] for the other 16,
 * wm[s] the offset applied to Σ x (Q4_1, Q5_1: m; Q4_K: −dmin·min). H2F: fp16 → f32. */
#define HS_Q8_PREP(T, u, wsa, wsb, wm, H2F) \
    switch (T) { \
    case HS_Q4_0: case HS_Q5_0: case HS_Q8_0: wsa[0] = wsb[0] = H2F(u); wm[0] = 0; break; \
    case HS_Q4_1: case HS_Q5_1: wsa[0] = wsb[0] = H2F(u); wm[0] = H2F(u + 2); break; \
    case HS_Q4_K: { \
        float d_ = H2F(u), dmin_ = H2F(u + 2); \
        uint8_t sm_[16]; \
        hs_scales_mins_k4(u + 4, sm_); \
        for (int s_ = 0; s_ < 8; s_++) { wsa[s_] = wsb[s_] = d_ * (float)sm_[s_]; wm[s_] = -dmin_ * (float)sm_[8 + s_]; } \
        break; \
    } \
    default: { /* HS_Q6_K */ \
        float d_ = H2F(u + 208); \
        const int8_t *sc_ = (const int8_t *)(u + 192); \
        for (int s_ = 0; s_ < 8; s_++) { \
            int h_ = s_ >> 2, g_ = s_ & 3; \
            wsa[s_] = d_ * (float)sc_[8 * h_ + 2 * g_]; wsb[s_] = d_ * (float)sc_[8 * h_ + 2 * g_ + 1]; wm[s_] = 0; \
        } \
    } \
    }

int hs_q8_supported(uint32_t type) {
    switch (type) {
    case HS_Q4_0: case HS_Q4_1: case HS_Q5_0: case HS_Q5_1: case HS_Q8_0: case HS_Q4_K: case HS_Q6_K: return 1;
    default: return 0;
    }
}

/* Round to nearest (ties to even, the default mode) — the same in every path, so all paths see the
 * same integer activations. */
static void quantize_q8(const float *x, int64_t nx, int64_t ldx, int64_t ncols, void *dst_, int offset) {
    hs_q8_block *dst = dst_;
    int64_t nb = ncols / 32;
    for (int64_t j = 0; j < nx; j++) {
        const float *xr = x + j * ldx;
        for (int64_t b = 0; b < nb; b++) {
            const float *v = xr + 32 * b;
            hs_q8_block *o = dst + j * nb + b;
            float amax = 0;
            for (int i = 0; i < 32; i++) { float a = fabsf(v[i]); amax = a > amax ? a : amax; }
            float d = amax / 127.0f, id = d > 0 ? 1.0f / d : 0.0f;
            int sum = 0;
            for (int i = 0; i < 32; i++) {
                int q = (int)nearbyintf(v[i] * id);
                q = q > 127 ? 127 : (q < -127 ? -127 : q);
                sum += q;
                o->q[i] = (uint8_t)(q + offset);
            }
            o->d = d;
            o->s = d * (float)sum;
        }
    }
}

void hs_quantize_q8(const float *x, int64_t nx, int64_t ldx, int64_t ncols, void *dst) {
    quantize_q8(x, nx, ldx, ncols, dst, 128);
}

void hs_quantize_q8s(const float *x, int64_t nx, int64_t ldx, int64_t ncols, void *dst) {
    quantize_q8(x, nx, ldx, ncols, dst, 0);
}

/* ---- scalar reference ---- */

/* The 32 weights of sub-block s of unit u as integers (the same values the SIMD decoders produce). */
static void wdec_scalar(int T, const uint8_t *u, int s, int8_t w[32]) {
    for (int i = 0; i < 32; i++) {
        int v;
        switch (T) {
        case HS_Q4_0: v = (i < 16 ? u[2 + i] & 15 : u[2 + i - 16] >> 4) - 8; break;
        case HS_Q4_1: v = i < 16 ? u[4 + i] & 15 : u[4 + i - 16] >> 4; break;
        case HS_Q5_0: case HS_Q5_1: {
            int off = T == HS_Q5_0 ? 2 : 4;
            uint32_t qh = hs_rd32(u + off);
            int lo = i < 16 ? u[off + 4 + i] & 15 : u[off + 4 + i - 16] >> 4;
            v = lo | (int)((qh >> i) & 1) << 4;
            if (T == HS_Q5_0) v -= 16;
            break;
        }
        case HS_Q8_0: v = (int8_t)u[2 + i]; break;
        case HS_Q4_K: { uint8_t b = u[16 + 32 * (s >> 1) + i]; v = (s & 1) ? b >> 4 : b & 15; break; }
        default: { /* Q6_K */
            int h = s >> 2, g = s & 3;
            uint8_t ql = u[64 * h + 32 * (g & 1) + i], qh = u[128 + 32 * h + i];
            v = ((g < 2 ? ql & 15 : ql >> 4) | ((qh >> (2 * g)) & 3) << 4) - 32;
        }
        }
        w[i] = (int8_t)v;
    }
}

static int matmul_q8_scalar(uint32_t T, const uint8_t *w, size_t rb, int64_t ncols, int64_t r0, int64_t r1,
                            const hs_q8_block *x, int64_t nx, float *y, int64_t ldy) {
    const int nsub = hs_q8_nsub((int)T);
    const int64_t nunits = ncols / hs_block_elements(T), nblk = ncols / 32;
    const size_t ub = (size_t)hs_block_bytes(T);
    for (int64_t r = r0; r < r1; r++) {
        for (int64_t j = 0; j < nx; j++) {
            float lane[8] = {0}, macc = 0;
            for (int64_t un = 0; un < nunits; un++) {
                const uint8_t *u = w + (size_t)r * rb + un * ub;
                float wsa[8], wsb[8], wm[8];
                HS_Q8_PREP((int)T, u, wsa, wsb, wm, hs_fp16_to_fp32_p)
                for (int s = 0; s < nsub; s++) {
                    int8_t q[32];
                    wdec_scalar((int)T, u, s, q);
                    const hs_q8_block *xb = x + j * nblk + un * nsub + s;
                    for (int l = 0; l < 8; l++) {
                        int32_t dot = 0;
                        for (int i = 4 * l; i < 4 * l + 4; i++) dot += (int32_t)q[i] * ((int32_t)xb->q[i] - 128);
                        lane[l] += (float)dot * (l < 4 ? wsa[s] : wsb[s]) * xb->d;
                    }
                    macc += wm[s] * xb->s;
                }
            }
            y[j * ldy + r] = ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7])) + macc;
        }
    }
    return 0;
}

/* ---- SIMD ---- */
#if HS_HAVE_AVX2_BUILD
#include <immintrin.h>
#define HS_INLINE static inline __attribute__((always_inline))

#define QK_TARGET __attribute__((target("avx2,fma,f16c")))
#define QK_NAME(x) x##_avx2
#define QK_VNNI 0
#include "kernels_q8_simd.h"
#undef QK_TARGET
#undef QK_NAME
#undef QK_VNNI

#define QK_TARGET __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512bw,avx512vnni")))
#define QK_NAME(x) x##_vnni
#define QK_VNNI 1
#include "kernels_q8_simd.h"
#undef QK_TARGET
#undef QK_NAME
#undef QK_VNNI

static int cpu_has_vnni(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
           __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni");
}
#else
static int cpu_has_vnni(void) { return 0; }
#endif

static int vnni_wanted = -1; /* -1: not yet decided */

int hs_q8_kernels_in_use(void) {
    int base = hs_kernels_in_use();  /* scalar when HOPSCOPE_KERNELS=scalar, hs_select_kernels(scalar) or no AVX2 */
    int v = __atomic_load_n(&vnni_wanted, __ATOMIC_RELAXED);
    if (v < 0) {
        const char *env = getenv("HOPSCOPE_KERNELS");
        v = cpu_has_vnni() && !(env && strcmp(env, "avx2") == 0);
        __atomic_store_n(&vnni_wanted, v, __ATOMIC_RELAXED);
    }
    return base == HS_KERNELS_AVX2 && v ? HS_KERNELS_AVX512_VNNI : base;
}

int hs_q8_path_available(int path) {
    switch (path) {
    case HS_KERNELS_SCALAR: return 1;
    case HS_KERNELS_AVX2: return hs_cpu_has_avx2();
    case HS_KERNELS_AVX512_VNNI: return cpu_has_vnni();
    default: return 0;
    }
}

int hs_matmul_q8_with(int path, uint32_t type, const void *w, size_t row_bytes, int64_t ncols, int64_t r0, int64_t r1,
                      const void *xq, int64_t nx, float *y, int64_t ldy) {
    const hs_q8_block *x = xq;
    if (!hs_q8_supported(type) || ncols <= 0 || ncols % hs_block_elements(type) != 0 || nx < 0 || r0 < 0 || r1 < r0) return -1;
    int p = path == HS_KERNELS_AUTO ? hs_q8_kernels_in_use() : path;
    if (!hs_q8_path_available(p)) return -2;
#if HS_HAVE_AVX2_BUILD
    if (p == HS_KERNELS_AVX512_VNNI) return hs_matmul_q8_vnni(type, w, row_bytes, ncols, r0, r1, x, nx, y, ldy);
    if (p == HS_KERNELS_AVX2) return hs_matmul_q8_avx2(type, w, row_bytes, ncols, r0, r1, x, nx, y, ldy);
#endif
    return matmul_q8_scalar(type, w, row_bytes, ncols, r0, r1, x, nx, y, ldy);
}

int hs_matmul_q8(uint32_t type, const void *w, size_t row_bytes, int64_t ncols, int64_t r0, int64_t r1,
                 const void *xq, int64_t nx, float *y, int64_t ldy) {
    return hs_matmul_q8_with(HS_KERNELS_AUTO, type, w, row_bytes, ncols, r0, r1, xq, nx, y, ldy);
}
