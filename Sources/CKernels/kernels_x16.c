/* Q4_0, Q8_0, Q3_K, Q4_K, Q5_K and Q6_K weights repacked sixteen rows at a time ("x16"), and their integer product
 * with 8-bit activations (see hs_matmul_x16 in CKernels.h).
 *
 * In GGUF each row's blocks are contiguous, so a dot product ends in a horizontal sum per row and
 * every block needs its own scale conversion. The x16 layouts interleave the quants of 16 consecutive
 * rows four bytes at a time: one 64-byte vector holds bytes 4v…4v+3 of the same block of rows 0…15
 * (row r at bytes 4r…4r+3). One vpdpbusd of a vector's nibbles (unsigned, 0…15) with four activation
 * bytes broadcast to every lane (signed, −127…127: hs_quantize_q8s) adds four products to each row's
 * lane; one fp16 → f32 conversion scales 16 rows. No horizontal sums.
 *
 * Q4_0 (32-element blocks, weight = d·(n − 8)), per block of a group of 16 rows, 288 bytes:
 *     32 bytes   the 16 fp16 scales d
 *     256 bytes  4 vectors; vector v = bytes 4v…4v+3 of each row's 16 nibble bytes, so its low nibbles
 *                are elements 4v…4v+3 and its high nibbles elements 16+4v…19+4v
 * The −8 is folded in with the activation block's sum: Σ(n−8)·q = Σn·q − 8·Σq. Per block:
 *     t = fmaf((float)Σn·q, d_x, −8·s_x);  acc = fmaf(d_w, t, acc)          (s_x = d_x·Σq)
 *
 * Q4_K (256-element super-blocks of 8 sub-blocks of 32; weight = d·sc_s·n − dmin·m_s, with 6-bit
 * sc_s, m_s), per super-block of a group of 16 rows, 2368 bytes:
 *     32 + 32    the 16 fp16 d, then the 16 fp16 dmin
 *     128 + 128  sc[s][r], then m[s][r]: the 6-bit scales and mins decoded to bytes, sub-block-major
 *     2048       for each pair k of sub-blocks (GGUF stores sub-block 2k in the low and 2k+1 in the high
 *                nibbles of the same 32 bytes), 8 vectors: vector v = bytes 32k+4v…32k+4v+3 of each row
 * Per sub-block s:
 *     t = (float)Σn·q · d_x;  acc = fmaf(d·sc_s, t, acc);  acc = fmaf(−dmin·m_s, s_x, acc)
 * (d·sc_s and dmin·m_s are exact in float32: 11 × 6 significant bits.)
 *
 * Q8_0 (32-element blocks, weight = d·q with int8 q), per block of a group of 16 rows, 544 bytes:
 *     32 bytes   the 16 fp16 scales d
 *     512 bytes  8 vectors: vector v = bytes 4v…4v+3 of each row's 32 quants (elements 4v…4v+3)
 * Per block:  t = (float)Σq_w·q · d_x;  acc = fmaf(d_w, t, acc).
 * The quants are signed, the activations too, and both integer instructions want one unsigned
 * operand: VNNI flips the weights' sign bit (q_w + 128, 0…255) and subtracts 128·Σq of the activation
 * block; AVX2 moves the weights' signs onto the activations (|q_w| · sign(q_w)·q, vpsignb), each
 * vpmaddubsw pair sum ≤ 2·128·127 < 2^15 widened at once. Both give the exact Σq_w·q.
 *
 * Q5_K (256-element super-blocks as Q4_K with a fifth bit: weight = d·sc_s·(n + 16·h) − dmin·m_s), per
 * super-block of a group of 16 rows, 2880 bytes:
 *     2368       exactly Q4_K's layout above for the scales, mins and low nibbles
 *     512        for each sub-block s, one 64-byte vector H_s of the high bits: bit v of byte 4r + i is
 *                the fifth bit of element 4v + i of row r (so nibble vector v's high bits are H_s >> v)
 * Per sub-block the same three operations as Q4_K, with 5-bit n + 16·h (0…31). On AVX2 four
 * vpmaddubsw sums (≤ 4·2·31·127 = 31496 < 2^15) are widened at a time.
 *
 * Q3_K (256-element super-blocks, weight = d·sc·(n − 4) with 3-bit n = 2 bits of qs + 4·(hmask bit) and a
 * signed 6-bit scale sc (stored − 32) per 16 elements), per super-block of a group of 16 rows, 2336 bytes:
 *     32         the 16 fp16 d
 *     256        sc[k][r]: the 16 scales of each row as int8 (sc − 32), scale-major
 *     2048       the 3-bit n (0…7) as nibbles, exactly as Q4_K's: pair k of sub-blocks (s = 2k low, 2k + 1
 *                high nibbles), vector v = elements 4v…4v+3 of each row
 * The −4 is folded in as Q6_K's −32, with the activations' sums over each half of a sub-block: per
 * sub-block s,  t_a = (float)(Σn·q − 4·Σq_a) · d_x;  acc = fmaf(d·sc_2s, t_a, acc);  t_b likewise.
 * (Sub-block s of 32 elements is ggml's (half n = s / 4, shift j = s % 4); nibbles take 4 bits for 3: the
 * repack is 33 % larger than Q3_K.)
 *
 * Q6_K (256-element super-blocks, weight = d·sc·(q − 32) with 6-bit q and an int8 scale sc per 16
 * elements), per super-block of a group of 16 rows, 4384 bytes:
 *     32         the 16 fp16 d
 *     256        sc[k][r]: the 16 scales of each row, scale-major (sub-block s has scales 2s, 2s+1)
 *     4096       for each sub-block s of 32 elements, 8 vectors of the 6-bit q as bytes (0…63): vector v
 *                = elements 4v…4v+3 of each row
 * The −32 is folded in with the activations' sums over each half (16 elements) of the block, Σq_a and
 * Σq_b, computed once per call: per sub-block
 *     t_a = (float)(Σq6·q − 32·Σq_a over elements 0…15) · d_x;  acc = fmaf(d·sc_2s, t_a, acc)
 *     t_b = the same over elements 16…31;                        acc = fmaf(d·sc_2s+1, t_b, acc)
 * The q are stored unpacked (8 bits for 6), so Q6_K matrices grow by 30 %.
 *
 * Every path (scalar, AVX2, VNNI) computes these same operations in the same order per row, so their
 * results are bit-identical. The repack is the same bytes reordered (Q4_0, Q8_0: the same size; Q4_K:
 * 2.8 % larger, the decoded scales; Q5_K: 2.3 %; Q3_K: 33 %, 3-bit quants in nibbles; Q6_K: 30 %, its
 * quants unpacked to bytes);
 * hs_x16_unpack_row restores a row's GGUF bytes exactly. */
#include <math.h>
#include <stdlib.h>
#include "kernels_internal.h"

#define X16 16

typedef struct {
    float d;
    float s;
    int8_t q[32];
} hs_q8s_block;

/* Bytes of one packed unit (Q4_0 block, Q4_K super-block) for 16 rows, and the elements it covers. */
static int64_t unit_bytes(uint32_t type) {
    switch (type) {
    case HS_Q4_0: return 18 * X16;
    case HS_Q8_0: return 34 * X16;
    case HS_Q3_K: return 2336;
    case HS_Q4_K: return 2368;
    case HS_Q5_K: return 2880;
    case HS_Q6_K: return 4384;
    default: return 0;
    }
}
static int64_t unit_elems(uint32_t type) { return type == HS_Q4_0 || type == HS_Q8_0 ? 32 : 256; }

int hs_x16_supported(uint32_t type) { return unit_bytes(type) != 0; }

size_t hs_x16_bytes(uint32_t type, int64_t rows, int64_t ncols) {
    if (!hs_x16_supported(type) || rows < 0 || ncols <= 0 || ncols % unit_elems(type) != 0) return 0;
    return (size_t)(rows / X16) * (size_t)(ncols / unit_elems(type)) * (size_t)unit_bytes(type);
}

static int args_ok(uint32_t type, int64_t ncols) {
    return hs_x16_supported(type) && ncols > 0 && ncols % unit_elems(type) == 0;
}

int hs_x16_pack(uint32_t type, const void *src_, size_t row_bytes, int64_t ncols, int64_t g0, int64_t g1, void *dst_) {
    const uint8_t *src = src_;
    uint8_t *dst = dst_;
    if (!args_ok(type, ncols) || g0 < 0 || g1 < g0) return -1;
    const int64_t nu = ncols / unit_elems(type), ub = unit_bytes(type);
    const size_t sb = (size_t)hs_block_bytes(type);   /* a unit's bytes in one GGUF row */
    if (row_bytes < (size_t)nu * sb) return -1;
    for (int64_t g = g0; g < g1; g++) {
        for (int64_t u = 0; u < nu; u++) {
            uint8_t *o = dst + ((size_t)g * nu + u) * ub;
            for (int r = 0; r < X16; r++) {
                const uint8_t *blk = src + (size_t)(X16 * g + r) * row_bytes + u * sb;
                if (type == HS_Q4_0) {
                    memcpy(o + 2 * r, blk, 2);
                    for (int v = 0; v < 4; v++) memcpy(o + 32 + 64 * v + 4 * r, blk + 2 + 4 * v, 4);
                } else if (type == HS_Q8_0) {
                    memcpy(o + 2 * r, blk, 2);
                    for (int v = 0; v < 8; v++) memcpy(o + 32 + 64 * v + 4 * r, blk + 2 + 4 * v, 4);
                } else if (type == HS_Q3_K) {
                    memcpy(o + 2 * r, blk + 108, 2);
                    for (int k = 0; k < 16; k++) {   /* ggml's 6-bit scale k: 4 low bits, 2 high bits */
                        int lo = (blk[96 + k % 8] >> (k < 8 ? 0 : 4)) & 15, hi = (blk[104 + k % 4] >> (2 * (k / 4))) & 3;
                        o[32 + 16 * k + r] = (uint8_t)(int8_t)((lo | hi << 4) - 32);
                    }
                    for (int k = 0; k < 4; k++)
                        for (int v = 0; v < 8; v++) {
                            uint32_t nb[2];
                            for (int hl = 0; hl < 2; hl++) {
                                const int sub = 2 * k + hl;
                                uint32_t q = (hs_rd32(blk + 32 + 32 * (sub >> 2) + 4 * v) >> (2 * (sub & 3))) & 0x03030303u;
                                uint32_t h = (hs_rd32(blk + 4 * v) >> sub) & 0x01010101u;
                                nb[hl] = q | h << 2;
                            }
                            uint32_t b = nb[0] | nb[1] << 4;
                            memcpy(o + 288 + 512 * k + 64 * v + 4 * r, &b, 4);
                        }
                } else if (type == HS_Q6_K) {
                    memcpy(o + 2 * r, blk + 208, 2);
                    for (int k = 0; k < 16; k++) o[32 + 16 * k + r] = blk[192 + k];
                    /* four quants at a time, one 32-bit word per 4 elements (a word's bytes stay bytes) */
                    for (int sb = 0; sb < 8; sb++) {
                        const int h = sb >> 2, g = sb & 3;
                        for (int v = 0; v < 8; v++) {
                            uint32_t lo = (hs_rd32(blk + 64 * h + 32 * (g & 1) + 4 * v) >> (4 * (g >> 1))) & 0x0F0F0F0Fu;
                            uint32_t hi = (hs_rd32(blk + 128 + 32 * h + 4 * v) >> (2 * g)) & 0x03030303u;
                            uint32_t q = lo | hi << 4;
                            memcpy(o + 288 + 512 * sb + 64 * v + 4 * r, &q, 4);
                        }
                    }
                } else {
                    uint8_t sm[16];
                    memcpy(o + 2 * r, blk, 2);
                    memcpy(o + 32 + 2 * r, blk + 2, 2);
                    hs_scales_mins_k4(blk + 4, sm);
                    for (int s = 0; s < 8; s++) { o[64 + 16 * s + r] = sm[s]; o[192 + 16 * s + r] = sm[8 + s]; }
                    const uint8_t *qs = blk + (type == HS_Q5_K ? 48 : 16);
                    for (int k = 0; k < 4; k++)
                        for (int v = 0; v < 8; v++) memcpy(o + 320 + 512 * k + 64 * v + 4 * r, qs + 32 * k + 4 * v, 4);
                    if (type == HS_Q5_K) {   /* H_s: bit v of byte 4r + i = bit s of qh[4v + i], 4 bytes i per word */
                        uint32_t qh[8];
                        for (int v = 0; v < 8; v++) qh[v] = hs_rd32(blk + 16 + 4 * v);
                        for (int s = 0; s < 8; s++) {
                            uint32_t hw = 0;
                            for (int v = 0; v < 8; v++) hw |= ((qh[v] >> s) & 0x01010101u) << v;
                            memcpy(o + 2368 + 64 * s + 4 * r, &hw, 4);
                        }
                    }
                }
            }
        }
    }
    return 0;
}

int hs_x16_unpack_row(uint32_t type, const void *packed_, int64_t ncols, int64_t r, void *dst_) {
    const uint8_t *packed = packed_;
    uint8_t *dst = dst_;
    if (!args_ok(type, ncols) || r < 0) return -1;
    const int64_t nu = ncols / unit_elems(type), ub = unit_bytes(type), g = r / X16, k = r % X16;
    const int64_t sb = hs_block_bytes(type);
    for (int64_t u = 0; u < nu; u++) {
        const uint8_t *o = packed + ((size_t)g * nu + u) * ub;
        uint8_t *blk = dst + u * sb;
        if (type == HS_Q4_0) {
            memcpy(blk, o + 2 * k, 2);
            for (int v = 0; v < 4; v++) memcpy(blk + 2 + 4 * v, o + 32 + 64 * v + 4 * k, 4);
        } else if (type == HS_Q8_0) {
            memcpy(blk, o + 2 * k, 2);
            for (int v = 0; v < 8; v++) memcpy(blk + 2 + 4 * v, o + 32 + 64 * v + 4 * k, 4);
        } else if (type == HS_Q3_K) {
            memcpy(blk + 108, o + 2 * k, 2);
            memset(blk, 0, 108);
            for (int i = 0; i < 16; i++) {
                int sc = (int)(int8_t)o[32 + 16 * i + k] + 32;
                blk[96 + i % 8] |= (uint8_t)((sc & 15) << (i < 8 ? 0 : 4));
                blk[104 + i % 4] |= (uint8_t)((sc >> 4) << (2 * (i / 4)));
            }
            for (int sub = 0; sub < 8; sub++)
                for (int l = 0; l < 32; l++) {
                    uint8_t b = o[288 + 512 * (sub >> 1) + 64 * (l >> 2) + 4 * k + (l & 3)];
                    uint8_t n = (sub & 1) ? b >> 4 : b & 15;
                    blk[32 + 32 * (sub >> 2) + l] |= (uint8_t)((n & 3) << (2 * (sub & 3)));
                    blk[l] |= (uint8_t)(((n >> 2) & 1) << sub);
                }
        } else if (type == HS_Q6_K) {
            memcpy(blk + 208, o + 2 * k, 2);
            for (int i = 0; i < 16; i++) blk[192 + i] = o[32 + 16 * i + k];
            memset(blk, 0, 192);
            for (int sb = 0; sb < 8; sb++) {
                const int h = sb >> 2, g = sb & 3;
                for (int l = 0; l < 32; l++) {
                    uint8_t q = o[288 + 512 * sb + 64 * (l >> 2) + 4 * k + (l & 3)];
                    blk[64 * h + 32 * (g & 1) + l] |= (uint8_t)((q & 15) << (4 * (g >> 1)));
                    blk[128 + 32 * h + l] |= (uint8_t)((q >> 4) << (2 * g));
                }
            }
        } else {
            memcpy(blk, o + 2 * k, 2);
            memcpy(blk + 2, o + 32 + 2 * k, 2);
            uint8_t sc[8], m[8];
            for (int s = 0; s < 8; s++) { sc[s] = o[64 + 16 * s + k]; m[s] = o[192 + 16 * s + k]; }
            for (int j = 0; j < 4; j++) {   /* the inverse of hs_scales_mins_k4 */
                blk[4 + j] = (uint8_t)((sc[j] & 63) | (sc[j + 4] >> 4) << 6);
                blk[8 + j] = (uint8_t)((m[j] & 63) | (m[j + 4] >> 4) << 6);
                blk[12 + j] = (uint8_t)((sc[j + 4] & 15) | (m[j + 4] & 15) << 4);
            }
            uint8_t *qs = blk + (type == HS_Q5_K ? 48 : 16);
            for (int p = 0; p < 4; p++)
                for (int v = 0; v < 8; v++) memcpy(qs + 32 * p + 4 * v, o + 320 + 512 * p + 64 * v + 4 * k, 4);
            if (type == HS_Q5_K) {
                uint8_t *qh = blk + 16;
                memset(qh, 0, 32);
                for (int s = 0; s < 8; s++)
                    for (int l = 0; l < 32; l++) qh[l] |= (uint8_t)(((o[2368 + 64 * s + 4 * k + (l & 3)] >> (l >> 2)) & 1) << s);
            }
        }
    }
    return 0;
}

/* ---- scalar reference ---- */

static void x16_scalar(uint32_t type, const uint8_t *w, int64_t nu, int64_t g0, int64_t g1, const hs_q8s_block *x,
                       const int32_t *hsum, int64_t nx, float *y, int64_t ldy) {
    const int64_t ub = unit_bytes(type), nblk = nu * (unit_elems(type) / 32);
    for (int64_t g = g0; g < g1; g++) {
        for (int64_t j = 0; j < nx; j++) {
            for (int r = 0; r < X16; r++) {
                float acc = 0;
                for (int64_t u = 0; u < nu; u++) {
                    const uint8_t *o = w + ((size_t)g * nu + u) * ub;
                    if (type == HS_Q4_0) {
                        const hs_q8s_block *xb = x + j * nblk + u;
                        int32_t dot = 0;
                        for (int v = 0; v < 4; v++)
                            for (int i = 0; i < 4; i++) {
                                uint8_t b = o[32 + 64 * v + 4 * r + i];
                                dot += (int32_t)(b & 15) * xb->q[4 * v + i] + (int32_t)(b >> 4) * xb->q[16 + 4 * v + i];
                            }
                        float t = fmaf((float)dot, xb->d, -8.0f * xb->s);
                        acc = fmaf(hs_fp16_to_fp32(hs_rd16(o + 2 * r)), t, acc);
                    } else if (type == HS_Q8_0) {
                        const hs_q8s_block *xb = x + j * nblk + u;
                        int32_t dot = 0;
                        for (int v = 0; v < 8; v++)
                            for (int i = 0; i < 4; i++) dot += (int32_t)(int8_t)o[32 + 64 * v + 4 * r + i] * xb->q[4 * v + i];
                        float t = (float)dot * xb->d;
                        acc = fmaf(hs_fp16_to_fp32(hs_rd16(o + 2 * r)), t, acc);
                    } else if (type == HS_Q6_K || type == HS_Q3_K) {
                        const int off = type == HS_Q6_K ? 32 : 4;
                        float d = hs_fp16_to_fp32(hs_rd16(o + 2 * r));
                        for (int s = 0; s < 8; s++) {
                            const int64_t bi = j * nblk + 8 * u + s;
                            const hs_q8s_block *xb = x + bi;
                            int32_t dot[2] = {0, 0};
                            for (int v = 0; v < 8; v++)
                                for (int i = 0; i < 4; i++) {
                                    int32_t n;
                                    if (type == HS_Q6_K) n = o[288 + 512 * s + 64 * v + 4 * r + i];
                                    else { uint8_t b = o[288 + 512 * (s >> 1) + 64 * v + 4 * r + i]; n = (s & 1) ? b >> 4 : b & 15; }
                                    dot[v >> 2] += n * xb->q[4 * v + i];
                                }
                            for (int hf = 0; hf < 2; hf++) {
                                float t = (float)(dot[hf] - off * hsum[2 * bi + hf]) * xb->d;
                                acc = fmaf(d * (float)(int8_t)o[32 + 16 * (2 * s + hf) + r], t, acc);
                            }
                        }
                    } else {
                        float d = hs_fp16_to_fp32(hs_rd16(o + 2 * r)), dmin = hs_fp16_to_fp32(hs_rd16(o + 32 + 2 * r));
                        for (int s = 0; s < 8; s++) {
                            const hs_q8s_block *xb = x + j * nblk + 8 * u + s;
                            int32_t dot = 0;
                            for (int v = 0; v < 8; v++)
                                for (int i = 0; i < 4; i++) {
                                    uint8_t b = o[320 + 512 * (s >> 1) + 64 * v + 4 * r + i];
                                    int32_t n = (s & 1) ? b >> 4 : b & 15;
                                    if (type == HS_Q5_K) n += 16 * ((o[2368 + 64 * s + 4 * r + i] >> v) & 1);
                                    dot += n * xb->q[4 * v + i];
                                }
                            float t = (float)dot * xb->d;
                            acc = fmaf(d * (float)o[64 + 16 * s + r], t, acc);
                            acc = fmaf(-(dmin * (float)o[192 + 16 * s + r]), xb->s, acc);
                        }
                    }
                }
                y[j * ldy + X16 * g + r] = acc;
            }
        }
    }
}

/* ---- SIMD ---- */
#if HS_HAVE_AVX2_BUILD
#include <immintrin.h>
#define HS_INLINE static inline __attribute__((always_inline))
#define X16_AVX2 __attribute__((target("avx2,fma,f16c")))
#define X16_VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512bw,avx512vnni")))

static inline int32_t rd_i32(const int8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }

/* Σ over n vectors of nibbles·(4 activation bytes each), one int32 lane per row; q the activation
 * bytes, nib[v] the nibbles matching q[4v…4v+3]. Two chains for throughput. VNNI: 16 rows. */
X16_VNNI HS_INLINE __m512i dot_vnni(const int n, const __m512i *nib, const int8_t *q) {
    __m512i a = _mm512_setzero_si512(), c = _mm512_setzero_si512();
    for (int v = 0; v < n; v += 2) {
        a = _mm512_dpbusd_epi32(a, nib[v], _mm512_set1_epi32(rd_i32(q + 4 * v)));
        c = _mm512_dpbusd_epi32(c, nib[v + 1], _mm512_set1_epi32(rd_i32(q + 4 * v + 4)));
    }
    return _mm512_add_epi32(a, c);
}

/* AVX2, 8 rows: vpmaddubsw pair sums are ≤ 2·15·127 and eight of them ≤ 30480 < 2^15, so the 16-bit
 * sums of up to 8 vectors cannot overflow before the one vpmaddwd. G vectors are summed in 16 bits
 * before each widening: 8 for 4-bit weights, 4 for 5-bit (4·2·31·127 = 31496). */
X16_AVX2 HS_INLINE __m256i dot_avx2_g(const int n, const __m256i *nib, const int8_t *q, const int G) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i t = _mm256_setzero_si256();
    for (int v0 = 0; v0 < n; v0 += G) {
        __m256i s = _mm256_setzero_si256();
        for (int v = v0; v < v0 + G; v++) s = _mm256_add_epi16(s, _mm256_maddubs_epi16(nib[v], _mm256_set1_epi32(rd_i32(q + 4 * v))));
        t = v0 == 0 ? _mm256_madd_epi16(s, ones) : _mm256_add_epi32(t, _mm256_madd_epi16(s, ones));
    }
    return t;
}
X16_AVX2 HS_INLINE __m256i dot_avx2(const int n, const __m256i *nib, const int8_t *q) { return dot_avx2_g(n, nib, q, 8); }

/* The fifth bits of nibble vector v from a sub-block's high-bit vector (bit v of each byte → bit 4). */
#define X16_HIGH512(H, v) _mm512_and_si512((v) < 4 ? _mm512_slli_epi16(H, 4 - (v)) : _mm512_srli_epi16(H, (v) - 4), _mm512_set1_epi8(0x10))
#define X16_HIGH256(H, v) _mm256_and_si256((v) < 4 ? _mm256_slli_epi16(H, 4 - (v)) : _mm256_srli_epi16(H, (v) - 4), _mm256_set1_epi8(0x10))

/* One group of 16 rows (VNNI) or 8 rows (AVX2, half h) × NX activation rows, over all units. */
X16_VNNI HS_INLINE void tile_vnni(const uint32_t T, const int NX, const uint8_t *wg, int64_t nu, int64_t nblk,
                                  const hs_q8s_block *x, const int32_t *hsum, float *y, int64_t ldy) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const int64_t ub = unit_bytes(T);
    __m512 acc[4];
    for (int j = 0; j < NX; j++) acc[j] = _mm512_setzero_ps();
    for (int64_t u = 0; u < nu; u++) {
        const uint8_t *o = wg + (size_t)u * ub;
        __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)o));
        if (T == HS_Q4_0) {
            __m512i nib[8];
            for (int l = 0; l < 5; l++) _mm_prefetch((const char *)(o + 4 * ub + 64 * l), _MM_HINT_T0);
            for (int v = 0; v < 4; v++) {
                __m512i raw = _mm512_loadu_si512((const void *)(o + 32 + 64 * v));
                nib[v] = _mm512_and_si512(raw, m4);
                nib[4 + v] = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
            }
            for (int j = 0; j < NX; j++) {
                const hs_q8s_block *xb = x + j * nblk + u;
                /* lanes: low nibbles ↔ q[0…15], high ↔ q[16…31]: nib[0…3] then nib[4…7] in order */
                __m512 t = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot_vnni(8, nib, xb->q)), _mm512_set1_ps(xb->d),
                                           _mm512_set1_ps(-8.0f * xb->s));
                acc[j] = _mm512_fmadd_ps(d, t, acc[j]);
            }
        } else if (T == HS_Q8_0) {
            __m512i wv[8];
            for (int l = 0; l < 9; l++) _mm_prefetch((const char *)(o + 4 * ub + 64 * l), _MM_HINT_T0);
            for (int v = 0; v < 8; v++) wv[v] = _mm512_xor_si512(_mm512_loadu_si512((const void *)(o + 32 + 64 * v)), _mm512_set1_epi8((char)0x80));
            for (int j = 0; j < NX; j++) {
                const int64_t bi = j * nblk + u;
                const hs_q8s_block *xb = x + bi;
                __m512i dot = _mm512_sub_epi32(dot_vnni(8, wv, xb->q), _mm512_set1_epi32(128 * (hsum[2 * bi] + hsum[2 * bi + 1])));
                acc[j] = _mm512_fmadd_ps(d, _mm512_mul_ps(_mm512_cvtepi32_ps(dot), _mm512_set1_ps(xb->d)), acc[j]);
            }
        } else if (T == HS_Q3_K) {
            for (int k = 0; k < 4; k++) {
                for (int l = 0; l < 10; l++) _mm_prefetch((const char *)(o + ub + 584 * k + 64 * l), _MM_HINT_T0);
                __m512i raw[8];
                for (int v = 0; v < 8; v++) raw[v] = _mm512_loadu_si512((const void *)(o + 288 + 512 * k + 64 * v));
                for (int hi = 0; hi < 2; hi++) {
                    const int s = 2 * k + hi;
                    __m512i q[8];
                    for (int v = 0; v < 8; v++) q[v] = _mm512_and_si512(hi ? _mm512_srli_epi16(raw[v], 4) : raw[v], m4);
                    __m512 sa = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(o + 32 + 32 * s)))));
                    __m512 sb = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(o + 48 + 32 * s)))));
                    for (int j = 0; j < NX; j++) {
                        const int64_t bi = j * nblk + 8 * u + s;
                        const hs_q8s_block *xb = x + bi;
                        __m512i a = _mm512_setzero_si512(), c = _mm512_setzero_si512();
                        for (int v = 0; v < 4; v++) {
                            a = _mm512_dpbusd_epi32(a, q[v], _mm512_set1_epi32(rd_i32(xb->q + 4 * v)));
                            c = _mm512_dpbusd_epi32(c, q[4 + v], _mm512_set1_epi32(rd_i32(xb->q + 16 + 4 * v)));
                        }
                        a = _mm512_sub_epi32(a, _mm512_set1_epi32(4 * hsum[2 * bi]));
                        c = _mm512_sub_epi32(c, _mm512_set1_epi32(4 * hsum[2 * bi + 1]));
                        __m512 dx = _mm512_set1_ps(xb->d);
                        acc[j] = _mm512_fmadd_ps(sa, _mm512_mul_ps(_mm512_cvtepi32_ps(a), dx), acc[j]);
                        acc[j] = _mm512_fmadd_ps(sb, _mm512_mul_ps(_mm512_cvtepi32_ps(c), dx), acc[j]);
                    }
                }
            }
        } else if (T == HS_Q6_K) {
            for (int s = 0; s < 8; s++) {
                __m512i q[8];
                for (int l = 0; l < 9; l++) _mm_prefetch((const char *)(o + ub + 548 * s + 64 * l), _MM_HINT_T0);
                for (int v = 0; v < 8; v++) q[v] = _mm512_loadu_si512((const void *)(o + 288 + 512 * s + 64 * v));
                __m512 sa = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(o + 32 + 32 * s)))));
                __m512 sb = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(o + 48 + 32 * s)))));
                for (int j = 0; j < NX; j++) {
                    const int64_t bi = j * nblk + 8 * u + s;
                    const hs_q8s_block *xb = x + bi;
                    __m512i a = _mm512_setzero_si512(), c = _mm512_setzero_si512();
                    for (int v = 0; v < 4; v++) {
                        a = _mm512_dpbusd_epi32(a, q[v], _mm512_set1_epi32(rd_i32(xb->q + 4 * v)));
                        c = _mm512_dpbusd_epi32(c, q[4 + v], _mm512_set1_epi32(rd_i32(xb->q + 16 + 4 * v)));
                    }
                    a = _mm512_sub_epi32(a, _mm512_set1_epi32(32 * hsum[2 * bi]));
                    c = _mm512_sub_epi32(c, _mm512_set1_epi32(32 * hsum[2 * bi + 1]));
                    __m512 dx = _mm512_set1_ps(xb->d);
                    acc[j] = _mm512_fmadd_ps(sa, _mm512_mul_ps(_mm512_cvtepi32_ps(a), dx), acc[j]);
                    acc[j] = _mm512_fmadd_ps(sb, _mm512_mul_ps(_mm512_cvtepi32_ps(c), dx), acc[j]);
                }
            }
        } else {
            __m512 dmin = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(o + 32)));
            for (int k = 0; k < 4; k++) {
                /* the next super-block, a quarter per pair (hardware prefetch alone measured 25–30 % slower) */
                for (int l = 0; l < (T == HS_Q5_K ? 12 : 10); l++) _mm_prefetch((const char *)(o + ub + (T == HS_Q5_K ? 768 : 640) * k + 64 * l), _MM_HINT_T0);
                __m512i raw[8];
                for (int v = 0; v < 8; v++) raw[v] = _mm512_loadu_si512((const void *)(o + 320 + 512 * k + 64 * v));
                for (int h = 0; h < 2; h++) {
                    const int s = 2 * k + h;
                    __m512i nib[8];
                    for (int v = 0; v < 8; v++) nib[v] = _mm512_and_si512(h ? _mm512_srli_epi16(raw[v], 4) : raw[v], m4);
                    if (T == HS_Q5_K) {
                        const __m512i H = _mm512_loadu_si512((const void *)(o + 2368 + 64 * s));
                        for (int v = 0; v < 8; v++) nib[v] = _mm512_or_si512(nib[v], X16_HIGH512(H, v));
                    }
                    __m512 sc = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(o + 64 + 16 * s)))));
                    __m512 mn = _mm512_mul_ps(dmin, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(o + 192 + 16 * s)))));
                    for (int j = 0; j < NX; j++) {
                        const hs_q8s_block *xb = x + j * nblk + 8 * u + s;
                        __m512 t = _mm512_mul_ps(_mm512_cvtepi32_ps(dot_vnni(8, nib, xb->q)), _mm512_set1_ps(xb->d));
                        acc[j] = _mm512_fmadd_ps(sc, t, acc[j]);
                        acc[j] = _mm512_fnmadd_ps(mn, _mm512_set1_ps(xb->s), acc[j]);
                    }
                }
            }
        }
    }
    for (int j = 0; j < NX; j++) _mm512_storeu_ps(y + j * ldy, acc[j]);
}

X16_AVX2 HS_INLINE void tile_avx2(const uint32_t T, const int NX, const uint8_t *wg, int64_t nu, int64_t nblk, int h,
                                  const hs_q8s_block *x, const int32_t *hsum, float *y, int64_t ldy) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const int64_t ub = unit_bytes(T);
    __m256 acc[4];
    for (int j = 0; j < NX; j++) acc[j] = _mm256_setzero_ps();
    for (int64_t u = 0; u < nu; u++) {
        const uint8_t *o = wg + (size_t)u * ub;
        __m256 d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(o + 16 * h)));
        if (T == HS_Q4_0) {
            __m256i nib[8];
            for (int v = 0; v < 4; v++) {
                __m256i raw = _mm256_loadu_si256((const __m256i *)(o + 32 + 64 * v + 32 * h));
                nib[v] = _mm256_and_si256(raw, m4);
                nib[4 + v] = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
            }
            for (int j = 0; j < NX; j++) {
                const hs_q8s_block *xb = x + j * nblk + u;
                __m256 t = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot_avx2(8, nib, xb->q)), _mm256_set1_ps(xb->d),
                                           _mm256_set1_ps(-8.0f * xb->s));
                acc[j] = _mm256_fmadd_ps(d, t, acc[j]);
            }
        } else if (T == HS_Q8_0) {
            const __m256i ones = _mm256_set1_epi16(1);
            __m256i wv[8];
            for (int v = 0; v < 8; v++) wv[v] = _mm256_loadu_si256((const __m256i *)(o + 32 + 64 * v + 32 * h));
            for (int j = 0; j < NX; j++) {
                const hs_q8s_block *xb = x + j * nblk + u;
                __m256i dot = _mm256_setzero_si256();
                for (int v = 0; v < 8; v++) {
                    __m256i sx = _mm256_sign_epi8(_mm256_set1_epi32(rd_i32(xb->q + 4 * v)), wv[v]);
                    dot = _mm256_add_epi32(dot, _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(wv[v], wv[v]), sx), ones));
                }
                acc[j] = _mm256_fmadd_ps(d, _mm256_mul_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(xb->d)), acc[j]);
            }
        } else if (T == HS_Q3_K) {
            const __m256i ones = _mm256_set1_epi16(1);
            for (int k = 0; k < 4; k++) {
                __m256i raw[8];
                for (int v = 0; v < 8; v++) raw[v] = _mm256_loadu_si256((const __m256i *)(o + 288 + 512 * k + 64 * v + 32 * h));
                for (int hi = 0; hi < 2; hi++) {
                    const int s = 2 * k + hi;
                    __m256i q[8];
                    for (int v = 0; v < 8; v++) q[v] = _mm256_and_si256(hi ? _mm256_srli_epi16(raw[v], 4) : raw[v], m4);
                    __m256 sa = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(o + 32 + 32 * s + 8 * h)))));
                    __m256 sb = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(o + 48 + 32 * s + 8 * h)))));
                    for (int j = 0; j < NX; j++) {
                        const int64_t bi = j * nblk + 8 * u + s;
                        const hs_q8s_block *xb = x + bi;
                        /* pair sums ≤ 2·7·127: four vpmaddubsw add up in 16 bits */
                        __m256i half[2];
                        for (int hf = 0; hf < 2; hf++) {
                            const int8_t *xq = xb->q + 16 * hf;
                            __m256i p = _mm256_add_epi16(
                                _mm256_add_epi16(_mm256_maddubs_epi16(q[4 * hf], _mm256_set1_epi32(rd_i32(xq))),
                                                 _mm256_maddubs_epi16(q[4 * hf + 1], _mm256_set1_epi32(rd_i32(xq + 4)))),
                                _mm256_add_epi16(_mm256_maddubs_epi16(q[4 * hf + 2], _mm256_set1_epi32(rd_i32(xq + 8))),
                                                 _mm256_maddubs_epi16(q[4 * hf + 3], _mm256_set1_epi32(rd_i32(xq + 12)))));
                            half[hf] = _mm256_sub_epi32(_mm256_madd_epi16(p, ones), _mm256_set1_epi32(4 * hsum[2 * bi + hf]));
                        }
                        __m256 dx = _mm256_set1_ps(xb->d);
                        acc[j] = _mm256_fmadd_ps(sa, _mm256_mul_ps(_mm256_cvtepi32_ps(half[0]), dx), acc[j]);
                        acc[j] = _mm256_fmadd_ps(sb, _mm256_mul_ps(_mm256_cvtepi32_ps(half[1]), dx), acc[j]);
                    }
                }
            }
        } else if (T == HS_Q6_K) {
            const __m256i ones = _mm256_set1_epi16(1);
            for (int s = 0; s < 8; s++) {
                __m256i q[8];
                for (int v = 0; v < 8; v++) q[v] = _mm256_loadu_si256((const __m256i *)(o + 288 + 512 * s + 64 * v + 32 * h));
                __m256 sa = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(o + 32 + 32 * s + 8 * h)))));
                __m256 sb = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(o + 48 + 32 * s + 8 * h)))));
                for (int j = 0; j < NX; j++) {
                    const int64_t bi = j * nblk + 8 * u + s;
                    const hs_q8s_block *xb = x + bi;
                    /* pair sums ≤ 2·63·127 = 16002: two vpmaddubsw add up in 16 bits, no more */
                    __m256i half[2];
                    for (int hf = 0; hf < 2; hf++) {
                        const int8_t *xq = xb->q + 16 * hf;
                        __m256i p01 = _mm256_add_epi16(_mm256_maddubs_epi16(q[4 * hf], _mm256_set1_epi32(rd_i32(xq))),
                                                       _mm256_maddubs_epi16(q[4 * hf + 1], _mm256_set1_epi32(rd_i32(xq + 4))));
                        __m256i p23 = _mm256_add_epi16(_mm256_maddubs_epi16(q[4 * hf + 2], _mm256_set1_epi32(rd_i32(xq + 8))),
                                                       _mm256_maddubs_epi16(q[4 * hf + 3], _mm256_set1_epi32(rd_i32(xq + 12))));
                        half[hf] = _mm256_sub_epi32(_mm256_add_epi32(_mm256_madd_epi16(p01, ones), _mm256_madd_epi16(p23, ones)),
                                                    _mm256_set1_epi32(32 * hsum[2 * bi + hf]));
                    }
                    __m256 dx = _mm256_set1_ps(xb->d);
                    acc[j] = _mm256_fmadd_ps(sa, _mm256_mul_ps(_mm256_cvtepi32_ps(half[0]), dx), acc[j]);
                    acc[j] = _mm256_fmadd_ps(sb, _mm256_mul_ps(_mm256_cvtepi32_ps(half[1]), dx), acc[j]);
                }
            }
        } else {
            __m256 dmin = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(o + 32 + 16 * h)));
            for (int k = 0; k < 4; k++) {
                __m256i raw[8];
                for (int v = 0; v < 8; v++) raw[v] = _mm256_loadu_si256((const __m256i *)(o + 320 + 512 * k + 64 * v + 32 * h));
                for (int hi = 0; hi < 2; hi++) {
                    const int s = 2 * k + hi;
                    __m256i nib[8];
                    for (int v = 0; v < 8; v++) nib[v] = _mm256_and_si256(hi ? _mm256_srli_epi16(raw[v], 4) : raw[v], m4);
                    if (T == HS_Q5_K) {
                        const __m256i H = _mm256_loadu_si256((const __m256i *)(o + 2368 + 64 * s + 32 * h));
                        for (int v = 0; v < 8; v++) nib[v] = _mm256_or_si256(nib[v], X16_HIGH256(H, v));
                    }
                    __m256 sc = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(o + 64 + 16 * s + 8 * h)))));
                    __m256 mn = _mm256_mul_ps(dmin, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(o + 192 + 16 * s + 8 * h)))));
                    for (int j = 0; j < NX; j++) {
                        const hs_q8s_block *xb = x + j * nblk + 8 * u + s;
                        __m256 t = _mm256_mul_ps(_mm256_cvtepi32_ps(dot_avx2_g(8, nib, xb->q, T == HS_Q5_K ? 4 : 8)), _mm256_set1_ps(xb->d));
                        acc[j] = _mm256_fmadd_ps(sc, t, acc[j]);
                        acc[j] = _mm256_fnmadd_ps(mn, _mm256_set1_ps(xb->s), acc[j]);
                    }
                }
            }
        }
    }
    for (int j = 0; j < NX; j++) _mm256_storeu_ps(y + j * ldy + 8 * h, acc[j]);
}

/* Activation rows in tiles of up to 4 per pass over a group's weights (which stay in cache: 36 KB
 * for 4096 Q4_0 columns). TILES(T) calls the tile function specialised for type T and the tile's rows. */
#define X16_TILES(TILE, T, ...)                                                                   \
    switch (n) {                                                                                   \
    case 1: TILE(T, 1, wg, nu, nblk, __VA_ARGS__ xj, hj, yj, ldy); break;                           \
    case 2: TILE(T, 2, wg, nu, nblk, __VA_ARGS__ xj, hj, yj, ldy); break;                           \
    case 3: TILE(T, 3, wg, nu, nblk, __VA_ARGS__ xj, hj, yj, ldy); break;                           \
    default: TILE(T, 4, wg, nu, nblk, __VA_ARGS__ xj, hj, yj, ldy); break;                          \
    }
#define X16_DRIVER(NAME, TARGET, TILE, HALVES, ...)                                                          \
    TARGET static void NAME(const uint32_t T, const uint8_t *w, int64_t nu, int64_t g0, int64_t g1,          \
                            const hs_q8s_block *x, const int32_t *hsum, int64_t nx, float *y, int64_t ldy) {  \
        const int64_t nblk = nu * (unit_elems(T) / 32);                                                        \
        for (int64_t g = g0; g < g1; g++) {                                                                   \
            const uint8_t *wg = w + (size_t)g * nu * unit_bytes(T);                                            \
            for (int h = 0; h < HALVES; h++) {                                                                 \
                for (int64_t j0 = 0; j0 < nx; j0 += 4) {                                                       \
                    const hs_q8s_block *xj = x + j0 * nblk;                                                    \
                    const int32_t *hj = hsum ? hsum + 2 * j0 * nblk : NULL;                                    \
                    float *yj = y + j0 * ldy + X16 * g;                                                        \
                    int n = nx - j0 < 4 ? (int)(nx - j0) : 4;                                                  \
                    if (T == HS_Q4_0) { X16_TILES(TILE, HS_Q4_0, __VA_ARGS__) }                                \
                    else if (T == HS_Q8_0) { X16_TILES(TILE, HS_Q8_0, __VA_ARGS__) }                           \
                    else if (T == HS_Q3_K) { X16_TILES(TILE, HS_Q3_K, __VA_ARGS__) }                           \
                    else if (T == HS_Q4_K) { X16_TILES(TILE, HS_Q4_K, __VA_ARGS__) }                           \
                    else if (T == HS_Q5_K) { X16_TILES(TILE, HS_Q5_K, __VA_ARGS__) }                           \
                    else { X16_TILES(TILE, HS_Q6_K, __VA_ARGS__) }                                             \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
    }

X16_DRIVER(x16_vnni, X16_VNNI, tile_vnni, 1, )
X16_DRIVER(x16_avx2, X16_AVX2, tile_avx2, 2, h,)
#endif

int hs_matmul_x16_with(int path, uint32_t type, const void *w, int64_t ncols, int64_t g0, int64_t g1, const void *xq,
                       int64_t nx, float *y, int64_t ldy) {
    if (!args_ok(type, ncols) || nx < 0 || g0 < 0 || g1 < g0) return -1;
    int p = path == HS_KERNELS_AUTO ? hs_q8_kernels_in_use() : path;
    if (!hs_q8_path_available(p)) return -2;
    const int64_t nu = ncols / unit_elems(type), nblk = ncols / 32;
    /* Q6_K, Q3_K: the activations' sums over each half block, once per call (Σq_a, Σq_b of the layout notes);
     * Q8_0: their total (the VNNI path's 128·Σq). */
    int32_t *hsum = NULL;
    if (type == HS_Q6_K || type == HS_Q3_K || type == HS_Q8_0) {
        const hs_q8s_block *x = xq;
        hsum = malloc(sizeof(int32_t) * (size_t)(2 * nx * nblk + 1));
        if (!hsum) return -3;
        for (int64_t b = 0; b < nx * nblk; b++) {
            int32_t a = 0, c = 0;
            for (int i = 0; i < 16; i++) { a += x[b].q[i]; c += x[b].q[16 + i]; }
            hsum[2 * b] = a;
            hsum[2 * b + 1] = c;
        }
    }
#if HS_HAVE_AVX2_BUILD
    if (p == HS_KERNELS_AVX512_VNNI) x16_vnni(type, w, nu, g0, g1, xq, hsum, nx, y, ldy);
    else if (p == HS_KERNELS_AVX2) x16_avx2(type, w, nu, g0, g1, xq, hsum, nx, y, ldy);
    else
#endif
    x16_scalar(type, w, nu, g0, g1, xq, hsum, nx, y, ldy);
    free(hsum);
    return 0;
}

int hs_matmul_x16(uint32_t type, const void *w, int64_t ncols, int64_t g0, int64_t g1, const void *xq, int64_t nx,
                  float *y, int64_t ldy) {
    return hs_matmul_x16_with(HS_KERNELS_AUTO, type, w, ncols, g0, g1, xq, nx, y, ldy);
}
