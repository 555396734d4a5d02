/* Integer-dot kernels for one ISA: included twice by kernels_q8.c, once per ISA, with
 *   QK_TARGET   the function attribute (target features)
 *   QK_NAME(x)  x with the ISA's suffix
 *   QK_VNNI     1: vpdpbusd (AVX512-VNNI on 256-bit vectors), 0: vpmaddubsw + vpmaddwd (AVX2)
 *
 * Both compute, per 32 weights, eight int32 lanes, lane i = Σ of elements 4i…4i+3 of w·xq (exact
 * integers), then add lane · (weight scale of the lane) · (activation block scale) into eight float
 * lanes per activation row. */

QK_TARGET HS_INLINE float QK_NAME(h2f)(const uint8_t *p) { return _cvtsh_ss(hs_rd16(p)); }

/* 16 bytes of nibbles → 32 bytes: low nibbles (elements 0…15) then high nibbles (16…31). */
QK_TARGET HS_INLINE __m256i QK_NAME(nib)(const uint8_t *qs) {
    __m128i v = _mm_loadu_si128((const __m128i *)qs);
    __m128i m = _mm_set1_epi8(0x0F);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), m), _mm_and_si128(v, m));
}

/* A u32 bit mask → 32 bytes, byte j = 0xFF when bit j is set. */
QK_TARGET HS_INLINE __m256i QK_NAME(bits)(uint32_t bits) {
    const __m256i spread = _mm256_setr_epi64x(0x0000000000000000LL, 0x0101010101010101LL,
                                              0x0202020202020202LL, 0x0303030303030303LL);
    const __m256i select = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), spread);
    return _mm256_cmpeq_epi8(_mm256_and_si256(v, select), select);
}

/* Per (sub-)block of a unit: scale of its first and second 16 weights, and its offset term. */
QK_TARGET HS_INLINE void QK_NAME(prep)(const int T, const uint8_t *u, float *wsa, float *wsb, float *wm) {
    HS_Q8_PREP(T, u, wsa, wsb, wm, QK_NAME(h2f))
}

/* The block's (or K sub-block's) 32 weights as signed bytes, the lane layout of the ggml block. */
QK_TARGET HS_INLINE __m256i QK_NAME(wdec)(const int T, const uint8_t *u, int s) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    switch (T) {
    case HS_Q4_0: return _mm256_sub_epi8(QK_NAME(nib)(u + 2), _mm256_set1_epi8(8));
    case HS_Q4_1: return QK_NAME(nib)(u + 4);
    case HS_Q5_0: {
        __m256i hb = _mm256_and_si256(QK_NAME(bits)(hs_rd32(u + 2)), _mm256_set1_epi8(0x10));
        return _mm256_sub_epi8(_mm256_or_si256(QK_NAME(nib)(u + 6), hb), _mm256_set1_epi8(16));
    }
    case HS_Q5_1: {
        __m256i hb = _mm256_and_si256(QK_NAME(bits)(hs_rd32(u + 4)), _mm256_set1_epi8(0x10));
        return _mm256_or_si256(QK_NAME(nib)(u + 8), hb);
    }
    case HS_Q8_0: return _mm256_loadu_si256((const __m256i *)(u + 2));
    case HS_Q4_K: {
        __m256i v = _mm256_loadu_si256((const __m256i *)(u + 16 + 32 * (s >> 1)));
        return (s & 1) ? _mm256_and_si256(_mm256_srli_epi16(v, 4), m4) : _mm256_and_si256(v, m4);
    }
    default: { /* HS_Q6_K */
        int h = s >> 2, g = s & 3;
        __m256i ql = _mm256_loadu_si256((const __m256i *)(u + 64 * h + 32 * (g & 1)));
        __m256i lo = g < 2 ? _mm256_and_si256(ql, m4) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), m4);
        __m256i qh = _mm256_loadu_si256((const __m256i *)(u + 128 + 32 * h));
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * g), _mm256_set1_epi8(3));
        return _mm256_sub_epi8(_mm256_or_si256(lo, _mm256_slli_epi16(hi, 4)), _mm256_set1_epi8(32));
    }
    }
}

/* One (sub-)block s of unit u (global block index b) into accumulator set A of every row. */
QK_TARGET HS_INLINE void QK_NAME(blk)(const int T, const int NR, const uint8_t *u, int s, int64_t b,
                                       const float *wsa, const float *wsb, const float *wm,
                                       const hs_xblk *const *xr, __m256 *A, float *macc) {
    const int has_min = T == HS_Q4_1 || T == HS_Q5_1 || T == HS_Q4_K;
    __m256i w = QK_NAME(wdec)(T, u, s);
    __m256 ws = T == HS_Q6_K ? _mm256_setr_m128(_mm_set1_ps(wsa[s]), _mm_set1_ps(wsb[s])) : _mm256_set1_ps(wsa[s]);
#if QK_VNNI
    __m256i negcorr = _mm256_sub_epi32(_mm256_setzero_si256(),
                                       _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8((char)0x80), w));
#else
    __m256i aw = _mm256_abs_epi8(w);
    const __m256i ones = _mm256_set1_epi16(1), flip = _mm256_set1_epi8((char)0x80);
#endif
    for (int j = 0; j < NR; j++) {
        const hs_xblk *xb = xr[j] + b;
        __m256i xq = _mm256_loadu_si256((const __m256i *)xb->q);
#if QK_VNNI
        __m256i dot = _mm256_dpbusd_epi32(negcorr, xq, w);
#else
        __m256i xs = _mm256_xor_si256(xq, flip);
        __m256i dot = _mm256_madd_epi16(_mm256_maddubs_epi16(aw, _mm256_sign_epi8(xs, w)), ones);
#endif
        A[j] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(dot), ws), _mm256_set1_ps(xb->d), A[j]);
        if (has_min) macc[j] += wm[s] * xb->s;
    }
}

/* y[j] = W[row] · x_j for NR activation rows (xr[j] → that row's blocks). Two accumulator sets
 * (even and odd blocks) keep two FMA chains in flight when NR is small. */
QK_TARGET HS_INLINE void QK_NAME(row)(const int T, const int NR, const uint8_t *wrow, int64_t nunits,
                                       const hs_xblk *const *xr, float *out) {
    const int nsub = hs_q8_nsub(T);
    const size_t ub = (size_t)hs_block_bytes(T);
    __m256 A0[8], A1[8];
    float macc[8];
    for (int j = 0; j < NR; j++) { A0[j] = A1[j] = _mm256_setzero_ps(); macc[j] = 0; }
    if (nsub == 1) {
        float wsa[2], wsb[2], wm[2];
        int64_t un = 0;
        for (; un + 2 <= nunits; un += 2) {
            const uint8_t *u = wrow + un * ub;
            QK_NAME(prep)(T, u, wsa, wsb, wm);
            QK_NAME(prep)(T, u + ub, wsa + 1, wsb + 1, wm + 1);
            QK_NAME(blk)(T, NR, u, 0, un, wsa, wsb, wm, xr, A0, macc);
            QK_NAME(blk)(T, NR, u + ub, 0, un + 1, wsa + 1, wsb + 1, wm + 1, xr, A1, macc);
        }
        if (un < nunits) {
            const uint8_t *u = wrow + un * ub;
            QK_NAME(prep)(T, u, wsa, wsb, wm);
            QK_NAME(blk)(T, NR, u, 0, un, wsa, wsb, wm, xr, A0, macc);
        }
    } else {
        for (int64_t un = 0; un < nunits; un++) {
            const uint8_t *u = wrow + un * ub;
            float wsa[8], wsb[8], wm[8];
            QK_NAME(prep)(T, u, wsa, wsb, wm);
            for (int s = 0; s < 8; s += 2) {
                QK_NAME(blk)(T, NR, u, s, un * 8 + s, wsa, wsb, wm, xr, A0, macc);
                QK_NAME(blk)(T, NR, u, s + 1, un * 8 + s + 1, wsa, wsb, wm, xr, A1, macc);
            }
        }
    }
    for (int j = 0; j < NR; j++) {
        __m256 a = _mm256_add_ps(A0[j], A1[j]);
        __m128 v = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
        v = _mm_add_ps(v, _mm_movehl_ps(v, v));
        v = _mm_add_ss(v, _mm_movehdup_ps(v));
        out[j] = _mm_cvtss_f32(v) + macc[j];
    }
}

/* Rows [r0, r1) × all nx activation rows, weight rows in tiles that stay in cache while every
 * group of up to 8 activation rows passes over them. */
QK_TARGET HS_INLINE void QK_NAME(tile)(const int T, const uint8_t *w, size_t rb, int64_t nunits, int64_t nblk,
                                        int64_t r0, int64_t r1, const hs_xblk *x, int64_t nx, float *y, int64_t ldy) {
    const int64_t tile = 16;
    for (int64_t t0 = r0; t0 < r1; t0 += tile) {
        int64_t t1 = t0 + tile < r1 ? t0 + tile : r1;
        for (int64_t j0 = 0; j0 < nx; j0 += 8) {
            int nr = nx - j0 < 8 ? (int)(nx - j0) : 8;
            const hs_xblk *xr[8];
            for (int j = 0; j < nr; j++) xr[j] = x + (j0 + j) * nblk;
            for (int64_t r = t0; r < t1; r++) {
                float out[8];
                const uint8_t *wr = w + (size_t)r * rb;
                switch (nr) {
                case 1: QK_NAME(row)(T, 1, wr, nunits, xr, out); break;
                case 2: QK_NAME(row)(T, 2, wr, nunits, xr, out); break;
                case 3: QK_NAME(row)(T, 3, wr, nunits, xr, out); break;
                case 4: QK_NAME(row)(T, 4, wr, nunits, xr, out); break;
                case 5: QK_NAME(row)(T, 5, wr, nunits, xr, out); break;
                case 6: QK_NAME(row)(T, 6, wr, nunits, xr, out); break;
                case 7: QK_NAME(row)(T, 7, wr, nunits, xr, out); break;
                default: QK_NAME(row)(T, 8, wr, nunits, xr, out); break;
                }
                for (int j = 0; j < nr; j++) y[(j0 + j) * ldy + r] = out[j];
            }
        }
    }
}

#define QK_TYPE_FN(TY) \
    QK_TARGET static void QK_NAME(tile_##TY)(const uint8_t *w, size_t rb, int64_t nunits, int64_t nblk, int64_t r0, \
                                             int64_t r1, const hs_xblk *x, int64_t nx, float *y, int64_t ldy) { \
        QK_NAME(tile)(HS_##TY, w, rb, nunits, nblk, r0, r1, x, nx, y, ldy); \
    }
QK_TYPE_FN(Q4_0)
QK_TYPE_FN(Q4_1)
QK_TYPE_FN(Q5_0)
QK_TYPE_FN(Q5_1)
QK_TYPE_FN(Q8_0)
QK_TYPE_FN(Q4_K)
QK_TYPE_FN(Q6_K)
#undef QK_TYPE_FN

static int QK_NAME(hs_matmul_q8)(uint32_t type, const uint8_t *w, size_t rb, int64_t ncols, int64_t r0, int64_t r1,
                          const hs_xblk *x, int64_t nx, float *y, int64_t ldy) {
    int64_t nunits = ncols / hs_block_elements(type), nblk = ncols / 32;
    switch (type) {
    case HS_Q4_0: QK_NAME(tile_Q4_0)(w, rb, nunits, nblk, r0, r1, x, nx, y, ldy); return 0;
    case HS_Q4_1: QK_NAME(tile_Q4_1)(w, rb, nunits, nblk, r0, r1, x, nx, y, ldy); return 0;
    case HS_Q5_0: QK_NAME(tile_Q5_0)(w, rb, nunits, nblk, r0, r1, x, nx, y, ldy); return 0;
    case HS_Q5_1: QK_NAME(tile_Q5_1)(w, rb, nunits, nblk, r0, r1, x, nx, y, ldy); return 0;
    case HS_Q8_0: QK_NAME(tile_Q8_0)(w, rb, nunits, nblk, r0, r1, x, nx, y, ldy); return 0;
    case HS_Q4_K: QK_NAME(tile_Q4_K)(w, rb, nunits, nblk, r0, r1, x, nx, y, ldy); return 0;
    case HS_Q6_K: QK_NAME(tile_Q6_K)(w, rb, nunits, nblk, r0, r1, x, nx, y, ldy); return 0;
    default: return -1;
    }
}
