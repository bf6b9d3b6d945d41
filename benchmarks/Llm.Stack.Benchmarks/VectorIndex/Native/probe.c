/*
 * The physical limits the exact vector scan is measured against (VectorSearchBenchmark), compiled by the benchmark's
 * setup with `gcc -O3 -march=native -shared -fPIC` on the machine that runs it and called in process on the very
 * buffers the .NET code scans.
 *
 * llmstack_read_sum_with: one read of n floats, summed into sixteen independent vector accumulators (the widest
 *   vectors the CPU has, through AVX-512 / AVX2 intrinsics; one 1 KB block of loads per step, unrolled), split into
 *   `streams` equal parts read side by side (1, 2 or 4 sequential streams, so that several hardware prefetch streams
 *   run at once), each with a software prefetch `prefetch_bytes` ahead (0: none; one prefetcht0 per 64-byte line, so
 *   every line is requested once). It does nothing with the data but add it: the memory read bandwidth one core can
 *   pull. Which stream count and prefetch distance read fastest depends on the CPU and on its neighbours, so the
 *   benchmark does not fix them: NativeProbe times every combination on the buffer first and the probe runs the best.
 * llmstack_read_sum: the session-4 probe kept for comparison (eight accumulators, prefetch 2 KB ahead, one stream).
 * llmstack_dot_scan: the whole exact search in C: the dot product of a query with each of `rows` rows of `dim` floats
 *   (four rows at a time, AVX-512 FMA when available, the next four rows prefetched), the best `k` kept in a small
 *   sorted array. What a hand-written C kernel achieves for the same work as the .NET float32 scan.
 */
#include <immintrin.h>
#include <stddef.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define VEC_FLOATS 16
#define vzero() _mm512_setzero_ps()
#define vload(p) _mm512_loadu_ps(p)
#define vadd(a, b) _mm512_add_ps(a, b)
static inline double vsum(vec v) { return _mm512_reduce_add_ps(v); }
#elif defined(__AVX2__)
typedef __m256 vec;
#define VEC_FLOATS 8
#define vzero() _mm256_setzero_ps()
#define vload(p) _mm256_loadu_ps(p)
#define vadd(a, b) _mm256_add_ps(a, b)
static inline double vsum(vec v)
{
    float lanes[8];
    _mm256_storeu_ps(lanes, v);
    double sum = 0;
    for (int l = 0; l < 8; l++) sum += lanes[l];
    return sum;
}
#endif

#if defined(VEC_FLOATS)
/* Sixteen vectors: 1 KB per step with AVX-512 (512 B with AVX2). */
#define STEP (16 * VEC_FLOATS)

typedef struct { vec a[16]; } acc16;

static inline void step(acc16 *acc, const float *p, const char *prefetch_to, long prefetch_bytes)
{
    if (prefetch_bytes > 0) {
        const char *ahead = (const char *)p + prefetch_bytes;
        if (ahead < prefetch_to) {
            for (int line = 0; line < STEP * 4; line += 64) _mm_prefetch(ahead + line, _MM_HINT_T0);
        }
    }
    acc->a[0] = vadd(acc->a[0], vload(p));
    acc->a[1] = vadd(acc->a[1], vload(p + VEC_FLOATS));
    acc->a[2] = vadd(acc->a[2], vload(p + 2 * VEC_FLOATS));
    acc->a[3] = vadd(acc->a[3], vload(p + 3 * VEC_FLOATS));
    acc->a[4] = vadd(acc->a[4], vload(p + 4 * VEC_FLOATS));
    acc->a[5] = vadd(acc->a[5], vload(p + 5 * VEC_FLOATS));
    acc->a[6] = vadd(acc->a[6], vload(p + 6 * VEC_FLOATS));
    acc->a[7] = vadd(acc->a[7], vload(p + 7 * VEC_FLOATS));
    acc->a[8] = vadd(acc->a[8], vload(p + 8 * VEC_FLOATS));
    acc->a[9] = vadd(acc->a[9], vload(p + 9 * VEC_FLOATS));
    acc->a[10] = vadd(acc->a[10], vload(p + 10 * VEC_FLOATS));
    acc->a[11] = vadd(acc->a[11], vload(p + 11 * VEC_FLOATS));
    acc->a[12] = vadd(acc->a[12], vload(p + 12 * VEC_FLOATS));
    acc->a[13] = vadd(acc->a[13], vload(p + 13 * VEC_FLOATS));
    acc->a[14] = vadd(acc->a[14], vload(p + 14 * VEC_FLOATS));
    acc->a[15] = vadd(acc->a[15], vload(p + 15 * VEC_FLOATS));
}

static inline double reduce(acc16 *acc)
{
    vec s = vzero();
    for (int j = 0; j < 16; j++) s = vadd(s, acc->a[j]);
    return vsum(s);
}
#endif

double llmstack_read_sum_with(const float *data, long n, int streams, long prefetch_bytes)
{
    double sum = 0;
    long done = 0;
#if defined(VEC_FLOATS)
    if (streams != 1 && streams != 2 && streams != 4) streams = 1;
    long part = (n / (streams * (long)STEP)) * STEP; /* floats per stream, whole steps */
    const float *end = data + n;
    const char *limit = (const char *)end;
    if (part > 0) {
        acc16 acc;
        for (int j = 0; j < 16; j++) acc.a[j] = vzero();
        if (streams == 1) {
            for (long i = 0; i < part; i += STEP) step(&acc, data + i, limit, prefetch_bytes);
        } else if (streams == 2) {
            const float *s1 = data + part;
            for (long i = 0; i < part; i += STEP) {
                step(&acc, data + i, limit, prefetch_bytes);
                step(&acc, s1 + i, limit, prefetch_bytes);
            }
        } else {
            const float *s1 = data + part, *s2 = s1 + part, *s3 = s2 + part;
            for (long i = 0; i < part; i += STEP) {
                step(&acc, data + i, limit, prefetch_bytes);
                step(&acc, s1 + i, limit, prefetch_bytes);
                step(&acc, s2 + i, limit, prefetch_bytes);
                step(&acc, s3 + i, limit, prefetch_bytes);
            }
        }
        sum = reduce(&acc);
        done = part * streams;
    }
#endif
    for (long i = done; i < n; i++) sum += data[i];
    return sum;
}

double llmstack_read_sum(const float *data, long n)
{
    long i = 0;
#if defined(__AVX512F__)
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (; i + 128 <= n; i += 128) {
        const char *ahead = (const char *)(data + i) + 2048;
        for (int line = 0; line < 512; line += 64) _mm_prefetch(ahead + line, _MM_HINT_T0);
        a0 = _mm512_add_ps(a0, _mm512_loadu_ps(data + i));
        a1 = _mm512_add_ps(a1, _mm512_loadu_ps(data + i + 16));
        a2 = _mm512_add_ps(a2, _mm512_loadu_ps(data + i + 32));
        a3 = _mm512_add_ps(a3, _mm512_loadu_ps(data + i + 48));
        a4 = _mm512_add_ps(a4, _mm512_loadu_ps(data + i + 64));
        a5 = _mm512_add_ps(a5, _mm512_loadu_ps(data + i + 80));
        a6 = _mm512_add_ps(a6, _mm512_loadu_ps(data + i + 96));
        a7 = _mm512_add_ps(a7, _mm512_loadu_ps(data + i + 112));
    }
    double sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                                                    _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7))));
#else
    double sum = 0;
#endif
    for (; i < n; i++) sum += data[i];
    return sum;
}

static inline float dot(const float *x, const float *q, int dim)
{
    int j = 0;
    float sum = 0;
#if defined(__AVX512F__)
    __m512 a = _mm512_setzero_ps(), b = a;
    for (; j + 32 <= dim; j += 32) {
        a = _mm512_fmadd_ps(_mm512_loadu_ps(x + j), _mm512_loadu_ps(q + j), a);
        b = _mm512_fmadd_ps(_mm512_loadu_ps(x + j + 16), _mm512_loadu_ps(q + j + 16), b);
    }
    sum = _mm512_reduce_add_ps(_mm512_add_ps(a, b));
#endif
    for (; j < dim; j++) sum += x[j] * q[j];
    return sum;
}

static inline void keep(float score, int slot, int k, int *count, float *scores, int *slots)
{
    if (*count == k && score <= scores[k - 1]) return;
    int i = *count < k ? (*count)++ : k - 1;
    while (i > 0 && scores[i - 1] < score) {
        scores[i] = scores[i - 1];
        slots[i] = slots[i - 1];
        i--;
    }
    scores[i] = score;
    slots[i] = slot;
}

int llmstack_dot_scan(const float *data, long rows, int dim, const float *query, int k, int *slots, float *scores)
{
    int count = 0;
    long r = 0;
#if defined(__AVX512F__)
    if (dim % 16 == 0) {
        for (; r + 4 <= rows; r += 4) {
            const float *x0 = data + r * dim, *x1 = x0 + dim, *x2 = x1 + dim, *x3 = x2 + dim;
            if (r + 8 <= rows) {
                const char *next = (const char *)(x0 + 4 * dim);
                for (int line = 0; line < 4 * dim * 4; line += 64) _mm_prefetch(next + line, _MM_HINT_T0);
            }
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (int j = 0; j < dim; j += 16) {
                __m512 qv = _mm512_loadu_ps(query + j);
                a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x0 + j), qv, a0);
                a1 = _mm512_fmadd_ps(_mm512_loadu_ps(x1 + j), qv, a1);
                a2 = _mm512_fmadd_ps(_mm512_loadu_ps(x2 + j), qv, a2);
                a3 = _mm512_fmadd_ps(_mm512_loadu_ps(x3 + j), qv, a3);
            }
            keep(_mm512_reduce_add_ps(a0), (int)r, k, &count, scores, slots);
            keep(_mm512_reduce_add_ps(a1), (int)r + 1, k, &count, scores, slots);
            keep(_mm512_reduce_add_ps(a2), (int)r + 2, k, &count, scores, slots);
            keep(_mm512_reduce_add_ps(a3), (int)r + 3, k, &count, scores, slots);
        }
    }
#endif
    for (; r < rows; r++) keep(dot(data + r * dim, query, dim), (int)r, k, &count, scores, slots);
    return count;
}
