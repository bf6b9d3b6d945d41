#!/usr/bin/env python3
"""FAISS IndexFlatIP reference for VectorSearchBenchmark (run by hand: /usr/bin/python3 faiss_flat_ip.py [N ...] [--dims D]).

Same shape and distribution as the .NET benchmark: N x D float32 (default 100000 x 384), 256 Gaussian cluster
centres (sigma 1) plus noise (sigma 0.6), normalised so that inner product = cosine similarity; top 10; one thread.
Measures one query per call and batches of 256 and 1,000 queries in one call (FAISS's BLAS path).
Flat search cost does not depend on the values, only on N x D. FAISS's batch path is a BLAS sgemm: install an
optimised BLAS (Debian: libopenblas0-pthread) or it runs on the reference BLAS; the BLAS libraries loaded are printed.
"""
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
for n in sizes:
    centers = rng.normal(0, 1, (256, d)).astype(np.float32)
    x = centers[rng.integers(0, 256, n)] + rng.normal(0, 0.6, (n, d)).astype(np.float32)
    q = centers[rng.integers(0, 256, 1000)] + rng.normal(0, 0.6, (1000, d)).astype(np.float32)
    faiss.normalize_L2(x)
    faiss.normalize_L2(q)
    index = faiss.IndexFlatIP(d)
    index.add(x)
    for i in range(5):
        index.search(q[i:i + 1], top)
    runs = max(20, int(2e9 / (n * d)))
    start = time.perf_counter()
    for i in range(runs):
        index.search(q[i % 1000:i % 1000 + 1], top)
    single = (time.perf_counter() - start) / runs
    index.search(q[:256], top)
    start = time.perf_counter()
    index.search(q[:256], top)
    batch256 = (time.perf_counter() - start) / 256
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        index.search(q, top)
        timings.append((time.perf_counter() - start) / 1000)
    batch1000 = min(timings)
    print(f"FAISS {faiss.__version__} IndexFlatIP N={n} d={d} 1 thread: one query per call {single * 1e3:.3f} ms ({1 / single:.0f} QPS, {runs} calls); "
          f"batch 256: {batch256 * 1e3:.3f} ms/query ({1 / batch256:.0f} QPS); batch 1000 (best of 3): {batch1000 * 1e3:.3f} ms/query ({1 / batch1000:.0f} QPS)")
with open("/proc/self/maps") as maps:
    blas = sorted({line.split()[-1] for line in maps if "blas" in line.lower()})
print("BLAS loaded: " + (", ".join(blas) or "(none found)"))
