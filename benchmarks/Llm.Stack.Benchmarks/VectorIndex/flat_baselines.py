#!/usr/bin/python3
"""The reference libraries of VectorSearchBenchmark, one thread (run by hand with Debian's /usr/bin/python3 in the same
session as the .NET benchmark: flat_baselines.py [N ...] [--dims D]).

Same shape and distribution as the .NET benchmark: N x D float32 (default 100000 x 384), 256 Gaussian cluster
centres (sigma 1) plus noise (sigma 0.6), normalised so that inner product = cosine similarity; top 10; one thread.
Exact search cost does not depend on the values, only on N x D. Each baseline is labelled with the kernel it runs:

- numpy + OpenBLAS sgemv: scores = X @ q (BLAS sgemv), then argpartition + sort of the top 10: one query per call.
- numpy + OpenBLAS sgemm: S = Q @ X.T in blocks of 16,384 rows (BLAS sgemm), argpartition per query, merged over the
  blocks: a batch of 1,000 queries, time per query.
- FAISS IndexFlatIP (Debian python3-faiss 1.7.3): one query per call runs FAISS's own fvec_inner_product, which in
  Debian's build is the scalar reference loop (the package is built without SIMD); batches of 256 / 1,000 run
  FAISS's BLAS path (sgemm through the same OpenBLAS, blocked, with a heap per query).

The BLAS library and the OpenBLAS kernel in use (its "core") are printed. Install: apt-get install python3-numpy
python3-faiss libopenblas0-pthread (without OpenBLAS numpy uses the reference BLAS).
"""
import ctypes
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np
import faiss

faiss.omp_set_num_threads(1)
args = sys.argv[1:]
d = 384
if "--dims" in args:
    i = args.index("--dims")
    d = int(args[i + 1])
    del args[i:i + 2]
sizes = [int(a) for a in args] or [100_000]
top = 10
rng = np.random.default_rng(42)


def timed(function, runs):
    function()
    start = time.perf_counter()
    for i in range(runs):
        function(i)
    return (time.perf_counter() - start) / runs


def top_k(scores):
    part = np.argpartition(-scores, top)[:top]
    return part[np.argsort(-scores[part])]


def sgemm_top_k(x, q, block=16_384):
    best_scores = np.full((q.shape[0], top), -np.inf, dtype=np.float32)
    best_ids = np.zeros((q.shape[0], top), dtype=np.int64)
    for start in range(0, x.shape[0], block):
        s = q @ x[start:start + block].T
        part = np.argpartition(-s, top, axis=1)[:, :top]
        scores = np.take_along_axis(s, part, axis=1)
        merged_scores = np.concatenate([best_scores, scores], axis=1)
        merged_ids = np.concatenate([best_ids, part + start], axis=1)
        order = np.argsort(-merged_scores, axis=1)[:, :top]
        best_scores = np.take_along_axis(merged_scores, order, axis=1)
        best_ids = np.take_along_axis(merged_ids, order, axis=1)
    return best_ids


for n in sizes:
    centers = rng.normal(0, 1, (256, d)).astype(np.float32)
    x = centers[rng.integers(0, 256, n)] + rng.normal(0, 0.6, (n, d)).astype(np.float32)
    q = centers[rng.integers(0, 256, 1000)] + rng.normal(0, 0.6, (1000, d)).astype(np.float32)
    faiss.normalize_L2(x)
    faiss.normalize_L2(q)
    runs = max(20, int(2e9 / (n * d)))
    sgemv = timed(lambda i=0: top_k(x @ q[i % 1000]), runs)
    sgemm = min(timed(lambda i=0: sgemm_top_k(x, q), 1) for _ in range(3)) / 1000
    assert (sgemm_top_k(x, q[:8])[:, 0] == np.array([top_k(x @ q[i])[0] for i in range(8)])).all()
    index = faiss.IndexFlatIP(d)
    index.add(x)
    single = timed(lambda i=0: index.search(q[i % 1000:i % 1000 + 1], top), runs)
    batch256 = timed(lambda i=0: index.search(q[:256], top), 2) / 256
    batch1000 = min(timed(lambda i=0: index.search(q, top), 1) for _ in range(3)) / 1000
    print(f"N={n} d={d}, one thread:")
    print(f"  numpy+OpenBLAS sgemv + argpartition, one query per call: {sgemv * 1e3:.3f} ms ({1 / sgemv:.0f} QPS)")
    print(f"  numpy+OpenBLAS sgemm + argpartition, batch of 1000 (best of 3): {sgemm * 1e3:.3f} ms/query ({1 / sgemm:.0f} QPS)")
    print(f"  FAISS {faiss.__version__} IndexFlatIP, one query per call (scalar fvec_inner_product in Debian's build): {single * 1e3:.3f} ms ({1 / single:.0f} QPS)")
    print(f"  FAISS IndexFlatIP, batch 256 (BLAS): {batch256 * 1e3:.3f} ms/query ({1 / batch256:.0f} QPS); batch 1000 (best of 3): {batch1000 * 1e3:.3f} ms/query ({1 / batch1000:.0f} QPS)")
with open("/proc/self/maps") as maps:
    blas = sorted({line.split()[-1] for line in maps if "blas" in line.lower()})
print("BLAS loaded: " + (", ".join(blas) or "(none found)"))
for path in blas:
    try:
        library = ctypes.CDLL(path)
        library.openblas_get_corename.restype = ctypes.c_char_p
        library.openblas_get_config.restype = ctypes.c_char_p
        print(f"OpenBLAS: {library.openblas_get_config().decode()}, core {library.openblas_get_corename().decode()}")
        break
    except (OSError, AttributeError):
        continue
