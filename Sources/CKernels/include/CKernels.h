/*
 * CKernels — hopscope's innermost quantized kernels.
 *
 * Two entry points do all the work on quantized GGUF weights:
 *
 *   hs_dequantize_row  decode blocks of any supported ggml type to float32 (embedding rows, sgemm tiles)
 *   hs_matvec          y = W·x for a range of weight rows and 1…8 float32 vectors, dequantizing on the fly
 *
 * In these two, activations are never quantized: every product is float32 weight × float32
 * activation with float32 accumulation. (The integer kernels further down, hs_quantize_q8 +
 * hs_matmul_q8, do quantize them, for large models without an f32 weight copy.) hs_dequantize_row is bit-identical to the Swift reference dequantizer
 * (GGUF.Dequantize.reference) and to ggml's dequantize_row_*; hs_matvec differs from an exact
 * dot product only by float32 summation order (see hs_matvec).
 *
 * Each kernel has an AVX2+FMA+F16C version (chosen at run time with __builtin_cpu_supports) and a
 * portable scalar version. HOPSCOPE_KERNELS=scalar in the environment forces the scalar one;
 * hs_select_kernels does the same from code (tests).
 *
 * Type ids are ggml's (GGMLType.rawValue): F32 0, F16 1, Q4_0 2, Q4_1 3, Q5_0 6, Q5_1 7, Q8_0 8,
 * Q2_K 10, Q3_K 11, Q4_K 12, Q5_K 13, Q6_K 14, BF16 30.
 *
 * AVX2 coverage: dequantization of every type except Q2_K / Q3_K (scalar); fused matvec kernels
 * for Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K and Q6_K; every other type decodes 256 weights at a time into
 * an L1 buffer with the SIMD dequantizer and dots them with FMAs (F32 rows are read in place).
 * Measured single-thread on this project's build machine (scripts/bench/kernels_bench.c, nx = 1,
 * GB/s of weights): Q4_0 ≈ 10, Q4_1 ≈ 10, Q4_K ≈ 10, Q5_0 ≈ 8, Q6_K ≈ 10, Q8_0 ≈ 18, F16 ≈ 14,
 * F32 ≈ 23; hs_dequantize_row ≈ 8–10 GB/s in (50–65 GB/s of floats out) for the quantized types.
 *
 * Thread safety: all kernels are reentrant (no global state besides the implementation choice),
 * so callers may run them on disjoint row ranges from several threads.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Which implementation the kernels use.
typedef enum {
    HS_KERNELS_AUTO = 0,    ///< the best the CPU supports, unless HOPSCOPE_KERNELS=scalar
    HS_KERNELS_SCALAR = 1,  ///< portable C
    HS_KERNELS_AVX2 = 2,    ///< AVX2 + FMA + F16C
    HS_KERNELS_AVX512_VNNI = 3, ///< AVX2 + AVX512F/VL/BW/VNNI (the integer kernels and the half kernel; elsewhere = AVX2)
} hs_kernels_path;

/// Selects the implementation for all later calls (process-wide) and returns the one now in use:
/// asking for AVX2 on a CPU without it yields HS_KERNELS_SCALAR. Not meant to race with kernel calls.
int hs_select_kernels(int path);

/// The implementation in use (HS_KERNELS_SCALAR or HS_KERNELS_AVX2).
int hs_kernels_in_use(void);

/// What HS_KERNELS_AUTO selects for a HOPSCOPE_KERNELS value `env` (NULL = unset) on a CPU with or
/// without AVX2/FMA/F16C; changes nothing (tests check the rule without touching process-wide state).
int hs_kernels_auto_choice(const char *env, int cpu_has_avx2);

/// 1 when the CPU (and this build) can run the AVX2 kernels.
int hs_cpu_has_avx2(void);

/// Elements per block of a ggml type, or 0 when the type is not supported.
int64_t hs_block_elements(uint32_t type);

/// Bytes per block of a ggml type, or 0 when the type is not supported.
int64_t hs_block_bytes(uint32_t type);

/// Decodes `n` elements (a whole number of blocks) of `type` at `src` into `dst`.
/// Returns 0, or -1 when the type is unsupported or `n` is not a multiple of the block size.
int hs_dequantize_row(uint32_t type, const void *src, float *dst, int64_t n);

/// Quantized matrix × float vectors: for rows r in [r0, r1) and vectors j in [0, nx),
///
///     y[j*ldy + r] = Σ_{c < ncols} W[r, c] · x[j*ldx + c]
///
/// W is `type` with row r at `w + r*row_bytes` (ncols elements, a whole number of blocks).
/// 1 ≤ nx ≤ 8: each block of weights is loaded and decoded once for all vectors. Callers split
/// [r0, r1) across threads, in large ranges: for Q4_0, Q4_1 and Q4_K the kernel first sums x over
/// each 32-element group (O(ncols·nx) per call), which one-row calls would pay for every row. Products and sums are float32; the result differs from the exact sum
/// by float32 rounding only (accumulation chains are kept short: ≤ 16 blocks per partial sum).
/// Returns 0, or -1 on an unsupported type, bad nx, or ncols not a multiple of the block size.
int hs_matvec(uint32_t type, const void *w, size_t row_bytes, int64_t ncols, int64_t r0, int64_t r1,
              const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy);

/// hs_dequantize_row with an explicit implementation (HS_KERNELS_AUTO = the selected one), for tests
/// that compare paths without touching the process-wide choice. AVX2 on a CPU without it returns -2.
int hs_dequantize_row_with(int path, uint32_t type, const void *src, float *dst, int64_t n);

/// hs_matvec with an explicit implementation, as hs_dequantize_row_with.
int hs_matvec_with(int path, uint32_t type, const void *w, size_t row_bytes, int64_t ncols, int64_t r0, int64_t r1,
                   const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy);

/* ---------------------------------------------------------------------------------------------
 * Integer kernels (for models without an f32 copy: 7B-class). Activations are quantized per 32
 * elements (as ggml's Q8_0/Q8_1): d = max|x|/127, q = round(x/d) ∈ [−127, 127]; the dot product with a
 * weight block is then an exact integer sum Σ w_q·q, scaled by d_w·d (plus m_w·d·Σq for formats with an
 * offset). The only error beyond float32 rounding is the activation rounding, |x − d·q| ≤ d/2 per
 * element, so |y − y_exact| ≤ Σ_blocks (d_b/2)·Σ_{i∈b} |W[r,i]| (+ float32 rounding). The AVX2 and
 * VNNI paths compute the same integers as the scalar reference; results differ by float32 order only.
 * ------------------------------------------------------------------------------------------- */

/// Bytes of the buffer hs_quantize_q8 fills for nx rows of ncols activations: per 32 elements a
/// 40-byte block {float d; float s = d·Σq; uint8 q[32] = q + 128}.
size_t hs_q8_size(int64_t nx, int64_t ncols);

/// 1 when hs_matmul_q8 handles `type` (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q6_K).
int hs_q8_supported(uint32_t type);

/// Quantizes nx rows of ncols (a multiple of 32) floats, row j at x + j*ldx, into dst
/// (hs_q8_size(nx, ncols) bytes, row j at byte j*hs_q8_size(1, ncols), so disjoint row ranges can be
/// quantized in parallel). Deterministic: every path of hs_matmul_q8 reads the same blocks.
void hs_quantize_q8(const float *x, int64_t nx, int64_t ldx, int64_t ncols, void *dst);

/// y[j*ldy + r] = Σ_c W[r, c] · x̃_j[c] for rows r in [r0, r1) and all nx quantized rows x̃_j
/// (row j of the hs_quantize_q8 buffer xq). Weight rows are tiled so each tile is read from memory once per call, and
/// up to 8 activation rows share each decoded weight block. Returns 0, -1 on bad arguments or an
/// unsupported type, -2 when the explicit path is not available on this CPU.
int hs_matmul_q8(uint32_t type, const void *w, size_t row_bytes, int64_t ncols, int64_t r0, int64_t r1,
                 const void *xq, int64_t nx, float *y, int64_t ldy);

/// hs_matmul_q8 on an explicit path (HS_KERNELS_SCALAR, _AVX2, _AVX512_VNNI, or _AUTO).
int hs_matmul_q8_with(int path, uint32_t type, const void *w, size_t row_bytes, int64_t ncols, int64_t r0, int64_t r1,
                      const void *xq, int64_t nx, float *y, int64_t ldy);

/// The path hs_matmul_q8 uses: scalar when the other kernels are scalar (HOPSCOPE_KERNELS=scalar),
/// else AVX512-VNNI when the CPU has it (unless HOPSCOPE_KERNELS=avx2), else AVX2.
int hs_q8_kernels_in_use(void);

/// 1 when `path` can run on this CPU.
int hs_q8_path_available(int path);

/// hs_quantize_q8 with q stored as signed bytes (q, not q + 128): the activations of hs_matmul_x16.
/// The same integers and scales as hs_quantize_q8, in a buffer of the same size.
void hs_quantize_q8s(const float *x, int64_t nx, int64_t ldx, int64_t ncols, void *dst);

/* ---------------------------------------------------------------------------------------------
 * Q4_0, Q8_0, Q4_K, Q5_K and Q6_K repacked sixteen rows at a time ("x16", layouts in kernels_x16.c): one vpdpbusd adds
 * four products to each of 16 rows, one fp16→f32 conversion scales 16 rows. The integers and the
 * error bound are those of hs_matmul_q8; every path (scalar, AVX2, VNNI) gives bit-identical results
 * (the same fused multiply-adds in the same order per row).
 * ------------------------------------------------------------------------------------------- */

/// 1 when `type` has an x16 layout (Q4_0, Q8_0, Q4_K, Q5_K, Q6_K).
int hs_x16_supported(uint32_t type);

/// Bytes of the x16 copy of the first rows − rows % 16 rows of a matrix with ncols columns (0 when
/// the type has no x16 layout or ncols is not a whole number of its blocks).
size_t hs_x16_bytes(uint32_t type, int64_t rows, int64_t ncols);

/// Packs row groups [g0, g1) (rows 16·g0 … 16·g1 − 1) of the GGUF matrix at src (rows of row_bytes)
/// into dst, a buffer of hs_x16_bytes for the whole matrix. Returns 0, or -1 on bad arguments.
int hs_x16_pack(uint32_t type, const void *src, size_t row_bytes, int64_t ncols, int64_t g0, int64_t g1, void *dst);

/// Row r of an x16 copy back in its GGUF bytes (ncols / block elements blocks) into dst.
int hs_x16_unpack_row(uint32_t type, const void *packed, int64_t ncols, int64_t r, void *dst);

/// y[j*ldy + r] = Σ_c W[r, c] · x̃_j[c] for rows r in [16·g0, 16·g1) of the x16 matrix w and all nx
/// rows of xq (hs_quantize_q8s). Returns 0, -1 on bad arguments, -2 when the path is unavailable,
/// -3 when out of memory (Q6_K's and Q8_0's activation block sums).
int hs_matmul_x16(uint32_t type, const void *w, int64_t ncols, int64_t g0, int64_t g1, const void *xq, int64_t nx,
                  float *y, int64_t ldy);

/// hs_matmul_x16 on an explicit path (HS_KERNELS_SCALAR, _AVX2, _AVX512_VNNI, or _AUTO).
int hs_matmul_x16_with(int path, uint32_t type, const void *w, int64_t ncols, int64_t g0, int64_t g1, const void *xq,
                       int64_t nx, float *y, int64_t ldy);

/* ---------------------------------------------------------------------------------------------
 * F16 and BF16 weights with float32 activations, no float32 copy of the weights (kernels_h16.c):
 * the half-precision bytes are converted in registers (F16C; BF16 by a shift) and cache-blocked for
 * prompt batches. Float32 products and sums: |y − y_exact| ≤ γ_m·Σ_c |W[r,c]·x[c]|, γ_m = m·u/(1 − m·u),
 * u = 2⁻²⁴, m ≤ ncols/8 + ncols/1024 + 8 on the AVX2 path and m = ncols for the scalar reference
 * (derivation in kernels_h16.c and docs/correctness.md).
 * ------------------------------------------------------------------------------------------- */

/// y[j*ldy + r] = Σ_{c < ncols} W[r, c] · x[j*ldx + c] for rows r in [r0, r1) and any nx ≥ 1 rows of
/// x, W F16 or BF16 (type 1 or 30) with row r at w + r*row_bytes. Returns 0, -1 on bad arguments or
/// another type, -2 when the explicit path is unavailable.
int hs_gemm_h16(uint32_t type, const void *w, size_t row_bytes, int64_t ncols, int64_t r0, int64_t r1,
                const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy);

/// hs_gemm_h16 on an explicit path (HS_KERNELS_SCALAR, _AVX2, _AVX512_VNNI (its AVX-512 code), or _AUTO:
/// AVX-512 where hs_q8_kernels_in_use() says so).
int hs_gemm_h16_with(int path, uint32_t type, const void *w, size_t row_bytes, int64_t ncols, int64_t r0, int64_t r1,
                     const float *x, int64_t nx, int64_t ldx, float *y, int64_t ldy);

/// XOR of the n bytes at p read as words (a checksum nobody uses): a plain streaming read of memory,
/// for measuring read bandwidth (kernels_stream.c).
uint64_t hs_read_sum(const void *p, size_t n);

/* ---------------------------------------------------------------------------------------------
 * A persistent worker pool (pool.c): workers spin for ~2 ms after each job, so back-to-back small
 * parallel loops (a generation step's matrix products) start without a thread wake-up.
 * ------------------------------------------------------------------------------------------- */

/// One chunk of a parallel loop.
typedef void (*hs_task_fn)(void *ctx, int64_t chunk);

/// Calls fn(ctx, c) for every c in [0, chunks), on `threads` threads (the caller and threads − 1
/// pool workers, started by the first call, which fixes their number), and returns when all are done.
/// Runs serially in the caller for one chunk, one thread, inside a pool worker (nested loops), or
/// while another thread's loop holds the pool.
void hs_pool_run(int threads, int64_t chunks, hs_task_fn fn, void *ctx);

/// Threads of the pool (1 before the first parallel call).
int hs_pool_threads(void);

/// IEEE binary16 → binary32 (exact; subnormals, infinities and NaNs included).
float hs_fp16_to_fp32(uint16_t h);

/* ---- Float32 GEMM on panel-layout weights (the dense path of small models) ----
 *
 * A weight matrix W [n × k] (row r = output r) is stored as ceil(n/32) panels of 32 outputs; panel j
 * holds, for each kk < k, the 32 floats W[32j + c, kk] (c < 32; rows ≥ n are zero). The GEMM
 *
 *     y[i*ldy + r] = Σ_{kk < k} x[i*ldx + kk] · W[r, kk]       (i < m, r in panels [p0, p1))
 *
 * runs an AVX-512 register-tiled kernel (12 rows × 32 outputs) that reads each panel contiguously;
 * float32 products and sums, so it differs from any other float32 GEMM by summation order only.
 * Callers split the panels [p0, p1) across threads. Only built and offered on x86-64 CPUs with AVX-512F;
 * elsewhere (or with HOPSCOPE_KERNELS=scalar or HOPSCOPE_GEMM=blas) hs_gemm_available() is 0 and
 * callers keep W row-major and use BLAS.
 */

/// 1 when hs_gemm_panels can run here (AVX-512F and not switched off by the environment).
int hs_gemm_available(void);

/// Floats needed for the panels of an n × k matrix (n rounded up to whole panels).
int64_t hs_panels_floats(int64_t n, int64_t k);

/// Stores row `row` (k floats at `src`) of a matrix into its panel layout.
void hs_panels_pack_row(const float *src, int64_t row, int64_t k, float *panels);

/// Reads row `row` of a panel-layout matrix into `dst` (k floats).
void hs_panels_row(const float *panels, int64_t row, int64_t k, float *dst);

/// The panel GEMM above. `panels` must be 64-byte aligned. Returns 0; -1 on bad arguments; -2 when
/// the CPU (or the environment) does not allow it.
int hs_gemm_panels(const float *x, int64_t m, int64_t k, int64_t ldx, const float *panels, int64_t n,
                   int64_t p0, int64_t p1, float *y, int64_t ldy);

/// SwiGLU's activation in place: gate[i] = silu(gate[i]) · up[i] = gate[i] / (1 + e^(−gate[i])) · up[i].
/// With AVX-512 (F/VL/FMA, unless HOPSCOPE_KERNELS=scalar) e^x is a vectorized polynomial within ~2 ulp of expf
/// (hs_exp_avx512_lane exposes one lane for tests); otherwise expf.
void hs_silu_mul(float *gate, const float *up, int64_t n);

/// e^x as hs_silu_mul computes it (x in [−104, 104]).
float hs_exp_avx512_lane(float x);

/// Makes glibc serve allocations up to 512 MB from the heap and keep freed memory (no-op elsewhere):
/// by default each large buffer is a fresh mmap whose pages the kernel zero-fills on first touch, every call.
void hs_keep_large_allocations_on_heap(void);

/// Probability and rank of logits[token] under softmax(logits[0..<n]) in one vectorized pass pair:
/// rank = 1 + the number of strictly larger logits; prob = e^(t−max) / Σ e^(x−max), the sum of float32
/// exponentials (hs_silu_mul's e^x on AVX-512, expf elsewhere) accumulated in double.
void hs_softmax_standing(const float *logits, int64_t n, int64_t token, float *prob, int64_t *rank);

#ifdef __cplusplus
}
#endif
