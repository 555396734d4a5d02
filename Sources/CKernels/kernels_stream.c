/* A plain read of memory (hs_read_sum), for the memory-bandwidth figure `hopscope bench` divides
 * generation's weight traffic by: 256 bytes per step in independent 32-byte loads, no stores. */
#include "kernels_internal.h"

#if HS_HAVE_AVX2_BUILD
#include <immintrin.h>
__attribute__((target("avx2"))) static uint64_t read_avx2(const uint8_t *p, size_t n) {
    __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
    size_t i = 0;
    for (; i + 256 <= n; i += 256) {
        a = _mm256_xor_si256(a, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(p + i)), _mm256_loadu_si256((const __m256i *)(p + i + 32))));
        b = _mm256_xor_si256(b, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(p + i + 64)), _mm256_loadu_si256((const __m256i *)(p + i + 96))));
        c = _mm256_xor_si256(c, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(p + i + 128)), _mm256_loadu_si256((const __m256i *)(p + i + 160))));
        d = _mm256_xor_si256(d, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(p + i + 192)), _mm256_loadu_si256((const __m256i *)(p + i + 224))));
    }
    a = _mm256_xor_si256(_mm256_xor_si256(a, b), _mm256_xor_si256(c, d));
    uint64_t out[4];
    _mm256_storeu_si256((__m256i *)out, a);
    uint64_t s = out[0] ^ out[1] ^ out[2] ^ out[3];
    for (; i < n; i++) s ^= p[i];
    return s;
}
#endif

uint64_t hs_read_sum(const void *p_, size_t n) {
    const uint8_t *p = p_;
#if HS_HAVE_AVX2_BUILD
    if (hs_cpu_has_avx2()) return read_avx2(p, n);
#endif
    uint64_t s = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) s ^= (uint64_t)hs_rd32(p + i) | (uint64_t)hs_rd32(p + i + 4) << 32;
    for (; i < n; i++) s ^= p[i];
    return s;
}
