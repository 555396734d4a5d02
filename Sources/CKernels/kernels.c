/* Public entry points: argument checks and run-time choice between the scalar and AVX2 kernels. */
#include <stdlib.h>
#include "kernels_internal.h"

static int selected = -1; /* -1: not yet decided */

static int cpu_has_avx2(void) {
#if HS_HAVE_AVX2_BUILD
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#else
    return 0;
#endif
}

int hs_cpu_has_avx2(void) { return cpu_has_avx2(); }

int hs_kernels_auto_choice(const char *env, int avx2) {
    int forced_scalar = env && strcmp(env, "scalar") == 0;
    return (avx2 && !forced_scalar) ? HS_KERNELS_AVX2 : HS_KERNELS_SCALAR;
}

int hs_select_kernels(int path) {
    int avx2 = cpu_has_avx2();
    if (path == HS_KERNELS_AUTO) {
        __atomic_store_n(&selected, hs_kernels_auto_choice(getenv("HOPSCOPE_KERNELS"), avx2), __ATOMIC_RELAXED);
    } else if (path == HS_KERNELS_AVX2 && avx2) {
        __atomic_store_n(&selected, HS_KERNELS_AVX2, __ATOMIC_RELAXED);
    } else {
        __atomic_store_n(&selected, HS_KERNELS_SCALAR, __ATOMIC_RELAXED);
    }
    return __atomic_load_n(&selected, __ATOMIC_RELAXED);
}

int hs_kernels_in_use(void) {
    int s = __atomic_load_n(&selected, __ATOMIC_RELAXED);
    return s < 0 ? hs_select_kernels(HS_KERNELS_AUTO) : s;
}

int64_t hs_block_elements(uint32_t type) {
    switch (type) {
    case HS_F32: case HS_F16: case HS_BF16: return 1;
    case HS_Q4_0: case HS_Q4_1: case HS_Q5_0: case HS_Q5_1: case HS_Q8_0: return 32;
    case HS_Q2_K: case HS_Q3_K: case HS_Q4_K: case HS_Q5_K: case HS_Q6_K: return 256;
    default: return 0;
    }
}

int64_t hs_block_bytes(uint32_t type) {
    switch (type) {
    case HS_F32: return 4;
    case HS_F16: case HS_BF16: return 2;
    case HS_Q4_0: return 18;
    case HS_Q4_1: return 20;
    case HS_Q5_0: return 22;
    case HS_Q5_1: return 24;
    case HS_Q8_0: return 34;
    case HS_Q2_K: return 84;
    case HS_Q3_K: return 110;
    case HS_Q4_K: return 144;
    case HS_Q5_K: return 176;
    case HS_Q6_K: return 210;
    default: return 0;
    }
}

float hs_fp16_to_fp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;
    if (exp == 0) {
        /* zero or subnormal: mant · 2^-24, exact in float32 */
        float f = (float)mant * 5.9604644775390625e-8f;
        memcpy(&bits, &f, 4);
        bits |= sign;
    } else if (exp == 31) {
        bits = sign | 0x7F800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    }
    float out;
    memcpy(&out, &bits, 4);
    return out;
}

/* The implementation to run for `path`, or -2 when AVX2 is asked for on a CPU without it. */
static int resolve(int path) {
    if (path == HS_KERNELS_AUTO) return hs_kernels_in_use();
    if (path == HS_KERNELS_AVX2) return cpu_has_avx2() ? HS_KERNELS_AVX2 : -2;
    return HS_KERNELS_SCALAR;
}

int hs_dequantize_row_with(int path, uint32_t type, const void *src, float *dst, int64_t n) {
    int64_t be = hs_block_elements(type);
    if (be == 0 || n < 0 || n % be != 0) return -1;
    int p = resolve(path);
    if (p < 0) return p;
#if HS_HAVE_AVX2_BUILD
    if (p == HS_KERNELS_AVX2) return hs_dequantize_avx2(type, src, dst, n);
#endif
    return hs_dequantize_scalar(type, src, dst, n);
}

int hs_matvec_with(int path, uint32_t type, const void *w, size_t row_bytes, int64_t ncols, int64_t r0, int64_t r1,
                   const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy) {
    int64_t be = hs_block_elements(type);
    if (be == 0 || ncols < 0 || ncols % be != 0 || nx < 1 || nx > 8 || r0 < 0 || r1 < r0) return -1;
    int p = resolve(path);
    if (p < 0) return p;
#if HS_HAVE_AVX2_BUILD
    if (p == HS_KERNELS_AVX2) return hs_matvec_avx2(type, w, row_bytes, ncols, r0, r1, x, nx, ldx, y, ldy);
#endif
    return hs_matvec_scalar(type, w, row_bytes, ncols, r0, r1, x, nx, ldx, y, ldy);
}

int hs_dequantize_row(uint32_t type, const void *src, float *dst, int64_t n) {
    return hs_dequantize_row_with(HS_KERNELS_AUTO, type, src, dst, n);
}

int hs_matvec(uint32_t type, const void *w, size_t row_bytes, int64_t ncols, int64_t r0, int64_t r1,
              const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy) {
    return hs_matvec_with(HS_KERNELS_AUTO, type, w, row_bytes, ncols, r0, r1, x, nx, ldx, y, ldy);
}
