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
    case HS_Q4_0: return QK_NAME(nib)(u + 2);
    case HS_Q4_1: return QK_NAME(nib)(u + 4);
    case HS_Q5_0: {
        __m256i hb = _mm256_and_si256(QK_NAME(bits)(hs_rd32(u + 2)), _mm256_set1_epi8(0x10));
        return _mm256_or_si256(QK_NAME(nib)(u + 6), hb);
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

/* Weights of types whose decoded quants are signed (the others are 0…63, usable as unsigned bytes). */
#define QK_SIGNED(T) ((T) == HS_Q8_0 || (T) == HS_Q6_K)

/* Eight int32 lanes of one block: lane i = Σ_{k<4} w[4i+k]·x[4i+k] (x: the block's 32 int8). */
QK_TARGET HS_INLINE __m256i QK_NAME(dot8)(const int T, __m256i w, __m256i negcorr_or_aw, __m256i x) {
#if QK_VNNI
    if (QK_SIGNED(T)) return _mm256_dpbusd_epi32(negcorr_or_aw, _mm256_xor_si256(x, _mm256_set1_epi8((char)0x80)), w);
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), w, x);
#else
    const __m256i ones = _mm256_set1_epi16(1);
    if (QK_SIGNED(T)) return _mm256_madd_epi16(_mm256_maddubs_epi16(negcorr_or_aw, _mm256_sign_epi8(x, w)), ones);
    return _mm256_madd_epi16(_mm256_maddubs_epi16(w, x), ones);
#endif
}

/* The per-block weight term amortized over rows: VNNI: −128·Σw per lane (x is offset by 128 for
 * signed weights); AVX2: |w| (the sign moves onto x). */
QK_TARGET HS_INLINE __m256i QK_NAME(pre8)(const int T, __m256i w) {
    if (!QK_SIGNED(T)) return _mm256_setzero_si256();
#if QK_VNNI
    return _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8((char)0x80), w));
#else
    return _mm256_abs_epi8(w);
#endif
}

/* One block b (weights w, lane scales ws) into A[j] for NR rows. */
QK_TARGET HS_INLINE void QK_NAME(blk)(const int T, const int NR, __m256i w, __m256 ws, int64_t b, const hs_xrow *xr, __m256 *A) {
    __m256i pre = QK_NAME(pre8)(T, w);
    for (int j = 0; j < NR; j++) {
        __m256i x = _mm256_loadu_si256((const __m256i *)XQ(xr[j], b));
        __m256i dot = QK_NAME(dot8)(T, w, pre, x);
        A[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(ws, _mm256_loadu_ps(XD8(xr[j], b))), A[j]);
    }
}

#if QK_ZMM
/* Two consecutive blocks b, b+1 at once in 512-bit vectors. */
QK_TARGET HS_INLINE void QK_NAME(blk2)(const int T, const int NR, __m256i w0, __m256i w1, __m256 ws0, __m256 ws1,
                                        int64_t b, const hs_xrow *xr, __m512 *A) {
    __m512i w = _mm512_inserti64x4(_mm512_castsi256_si512(w0), w1, 1);
    __m512 ws = _mm512_insertf32x8(_mm512_castps256_ps512(ws0), ws1, 1);
    __m512i negcorr = _mm512_setzero_si512();
    if (QK_SIGNED(T))
        negcorr = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8((char)0x80), w));
    for (int j = 0; j < NR; j++) {
        __m512i x = _mm512_loadu_si512((const void *)XQ(xr[j], b));
        __m512i dot = QK_SIGNED(T) ? _mm512_dpbusd_epi32(negcorr, _mm512_xor_si512(x, _mm512_set1_epi8((char)0x80)), w)
                                   : _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, x);
        A[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(ws, _mm512_loadu_ps(XD8(xr[j], b))), A[j]);
    }
}
#define QK_VEC __m512
#define QK_VZERO _mm512_setzero_ps()
#else
#define QK_VEC __m256
#define QK_VZERO _mm256_setzero_ps()
#endif

/* Lane scales of sub-block s. */
QK_TARGET HS_INLINE __m256 QK_NAME(lanes)(const int T, const float *wsa, const float *wsb, int s) {
    return T == HS_Q6_K ? _mm256_setr_m128(_mm_set1_ps(wsa[s]), _mm_set1_ps(wsb[s])) : _mm256_set1_ps(wsa[s]);
}

QK_TARGET HS_INLINE float QK_NAME(hsum)(__m256 a) {
    __m128 v = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    v = _mm_add_ps(v, _mm_movehl_ps(v, v));
    v = _mm_add_ss(v, _mm_movehdup_ps(v));
    return _mm_cvtss_f32(v);
}

/* y[j] = W[row] · x_j for NR activation rows, over units [u0, u1) of the row; adds into out[j].
 * The offset terms (Σ_b wm_b·s_b) are a separate short dot product per row at the end. */
QK_TARGET HS_INLINE void QK_NAME(row)(const int T, const int NR, const uint8_t *wrow, int64_t u0, int64_t u1,
                                       const hs_xrow *xr, float *out) {
    const int nsub = hs_q8_nsub(T);
    const size_t ub = (size_t)hs_block_bytes(T);
    const int has_min = T != HS_Q8_0 && T != HS_Q6_K;
    float wmv[HS_Q8_CHUNK];     /* wm per block of this chunk */
    QK_VEC A[8];
    for (int j = 0; j < NR; j++) A[j] = QK_VZERO;
    __m256 A1[8];
    for (int j = 0; j < NR; j++) A1[j] = _mm256_setzero_ps();
    const int64_t b0 = u0 * nsub;
    if (nsub == 1) {
        int64_t un = u0;
        for (; un + 2 <= u1; un += 2) {
            const uint8_t *u = wrow + un * ub;
            float wsa[2], wsb[2], wm[2];
            QK_NAME(prep)(T, u, wsa, wsb, wm);
            QK_NAME(prep)(T, u + ub, wsa + 1, wsb + 1, wm + 1);
            wmv[un - u0] = wm[0];
            wmv[un + 1 - u0] = wm[1];
            __m256i w0 = QK_NAME(wdec)(T, u, 0), w1 = QK_NAME(wdec)(T, u + ub, 0);
#if QK_ZMM
            QK_NAME(blk2)(T, NR, w0, w1, _mm256_set1_ps(wsa[0]), _mm256_set1_ps(wsa[1]), un, xr, A);
#else
            QK_NAME(blk)(T, NR, w0, _mm256_set1_ps(wsa[0]), un, xr, A);
            QK_NAME(blk)(T, NR, w1, _mm256_set1_ps(wsa[1]), un + 1, xr, A1);
#endif
        }
        if (un < u1) {
            const uint8_t *u = wrow + un * ub;
            float wsa[1], wsb[1], wm[1];
            QK_NAME(prep)(T, u, wsa, wsb, wm);
            wmv[un - u0] = wm[0];
            QK_NAME(blk)(T, NR, QK_NAME(wdec)(T, u, 0), _mm256_set1_ps(wsa[0]), un, xr, A1);
        }
    } else {
        for (int64_t un = u0; un < u1; un++) {
            const uint8_t *u = wrow + un * ub;
            float wsa[8], wsb[8], wm[8];
            QK_NAME(prep)(T, u, wsa, wsb, wm);
            for (int s = 0; s < 8; s++) wmv[(un - u0) * 8 + s] = wm[s];
            for (int s = 0; s < 8; s += 2) {
                __m256i w0 = QK_NAME(wdec)(T, u, s), w1 = QK_NAME(wdec)(T, u, s + 1);
#if QK_ZMM
                QK_NAME(blk2)(T, NR, w0, w1, QK_NAME(lanes)(T, wsa, wsb, s), QK_NAME(lanes)(T, wsa, wsb, s + 1), un * 8 + s, xr, A);
#else
                QK_NAME(blk)(T, NR, w0, QK_NAME(lanes)(T, wsa, wsb, s), un * 8 + s, xr, A);
                QK_NAME(blk)(T, NR, w1, QK_NAME(lanes)(T, wsa, wsb, s + 1), un * 8 + s + 1, xr, A1);
#endif
            }
        }
    }
    const int64_t nb = (u1 - u0) * nsub;
    for (int j = 0; j < NR; j++) {
#if QK_ZMM
        __m256 a = _mm256_add_ps(_mm512_castps512_ps256(A[j]), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(A[j]), 1)));
        a = _mm256_add_ps(a, A1[j]);
#else
        __m256 a = _mm256_add_ps(A[j], A1[j]);
#endif
        if (has_min) {
            __m256 m = _mm256_setzero_ps();
            int64_t i = 0;
            for (; i + 8 <= nb; i += 8) m = _mm256_fmadd_ps(_mm256_loadu_ps(wmv + i), _mm256_loadu_ps(xr[j].s + b0 + i), m);
            float t = 0;
            for (; i < nb; i++) t += wmv[i] * xr[j].s[b0 + i];
            a = _mm256_add_ps(a, m);
            out[j] += QK_NAME(hsum)(a) + t;
        } else {
            out[j] += QK_NAME(hsum)(a);
        }
    }
}
#undef QK_VEC
#undef QK_VZERO

/* Rows [r0, r1) × all nx activation rows, weight rows in tiles that stay in cache while every
 * group of up to 8 activation rows passes over them. */
QK_TARGET HS_INLINE void QK_NAME(tile)(const int T, const uint8_t *w, size_t rb, int64_t nunits,
                                        int64_t r0, int64_t r1, const hs_xrow *x, int64_t nx, float *y, int64_t ldy) {
    const int64_t tile = 16;
    const int64_t uchunk = HS_Q8_CHUNK / hs_q8_nsub(T);
    for (int64_t t0 = r0; t0 < r1; t0 += tile) {
        int64_t t1 = t0 + tile < r1 ? t0 + tile : r1;
        for (int64_t j0 = 0; j0 < nx; j0 += 8) {
            int nr = nx - j0 < 8 ? (int)(nx - j0) : 8;
            const hs_xrow *xr = x + j0;
            for (int64_t r = t0; r < t1; r++) {
                float out[8] = {0};
                const uint8_t *wr = w + (size_t)r * rb;
                for (int64_t u0 = 0; u0 < nunits; u0 += uchunk) {
                    int64_t u1 = u0 + uchunk < nunits ? u0 + uchunk : nunits;
                    switch (nr) {
                    case 1: QK_NAME(row)(T, 1, wr, u0, u1, xr, out); break;
                    case 2: QK_NAME(row)(T, 2, wr, u0, u1, xr, out); break;
                    case 3: QK_NAME(row)(T, 3, wr, u0, u1, xr, out); break;
                    case 4: QK_NAME(row)(T, 4, wr, u0, u1, xr, out); break;
                    case 5: QK_NAME(row)(T, 5, wr, u0, u1, xr, out); break;
                    case 6: QK_NAME(row)(T, 6, wr, u0, u1, xr, out); break;
                    case 7: QK_NAME(row)(T, 7, wr, u0, u1, xr, out); break;
                    default: QK_NAME(row)(T, 8, wr, u0, u1, xr, out); break;
                    }
                }
                for (int j = 0; j < nr; j++) y[(j0 + j) * ldy + r] = out[j];
            }
        }
    }
}

#define QK_TYPE_FN(TY) \
    QK_TARGET static void QK_NAME(tile_##TY)(const uint8_t *w, size_t rb, int64_t nunits, int64_t r0, \
                                             int64_t r1, const hs_xrow *x, int64_t nx, float *y, int64_t ldy) { \
        QK_NAME(tile)(HS_##TY, w, rb, nunits, r0, r1, x, nx, y, ldy); \
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
                          const hs_xrow *x, int64_t nx, float *y, int64_t ldy) {
    int64_t nunits = ncols / hs_block_elements(type);
    switch (type) {
    case HS_Q4_0: QK_NAME(tile_Q4_0)(w, rb, nunits, r0, r1, x, nx, y, ldy); return 0;
    case HS_Q4_1: QK_NAME(tile_Q4_1)(w, rb, nunits, r0, r1, x, nx, y, ldy); return 0;
    case HS_Q5_0: QK_NAME(tile_Q5_0)(w, rb, nunits, r0, r1, x, nx, y, ldy); return 0;
    case HS_Q5_1: QK_NAME(tile_Q5_1)(w, rb, nunits, r0, r1, x, nx, y, ldy); return 0;
    case HS_Q8_0: QK_NAME(tile_Q8_0)(w, rb, nunits, r0, r1, x, nx, y, ldy); return 0;
    case HS_Q4_K: QK_NAME(tile_Q4_K)(w, rb, nunits, r0, r1, x, nx, y, ldy); return 0;
    case HS_Q6_K: QK_NAME(tile_Q6_K)(w, rb, nunits, r0, r1, x, nx, y, ldy); return 0;
    default: return -1;
    }
}
