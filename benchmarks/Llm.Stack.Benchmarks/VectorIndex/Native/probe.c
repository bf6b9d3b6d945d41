/*
 * The physical limits the exact vector scan is measured against (VectorSearchBenchmark), compiled by the benchmark's
 * setup with `gcc -O3 -march=native -shared -fPIC` on the machine that runs it and called in process on the very
 * buffers the .NET code scans.
 *
 * llmstack_read_sum: one sequential read of n floats, summed into eight independent vector accumulators (the widest
 *   vectors the CPU has, through AVX-512 / AVX2 intrinsics), with a software prefetch 2 KB ahead (the distance that
 *   read fastest when tried from 512 B to 8 KB): the memory read bandwidth one core can pull, with nothing else to do.
 * llmstack_dot_scan: the whole exact search in C: the dot product of a query with each of `rows` rows of `dim` floats
 *   (four rows at a time, AVX-512 FMA when available, the next four rows prefetched), the best `k` kept in a small
 *   sorted array. What a hand-written C kernel achieves for the same work as the .NET float32 scan.
 */
#include <immintrin.h>
#include <stddef.h>

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
#elif defined(__AVX2__)
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (; i + 64 <= n; i += 64) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(data + i));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(data + i + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(data + i + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(data + i + 24));
        a4 = _mm256_add_ps(a4, _mm256_loadu_ps(data + i + 32));
        a5 = _mm256_add_ps(a5, _mm256_loadu_ps(data + i + 40));
        a6 = _mm256_add_ps(a6, _mm256_loadu_ps(data + i + 48));
        a7 = _mm256_add_ps(a7, _mm256_loadu_ps(data + i + 56));
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    double sum = 0;
    for (int l = 0; l < 8; l++) sum += lanes[l];
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
