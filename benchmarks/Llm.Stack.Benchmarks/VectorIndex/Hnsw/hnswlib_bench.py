#!/usr/bin/python3
"""hnswlib reference for the HNSW benchmarks (Debian python3-hnswlib; run with /usr/bin/python3 in the same session).

Reads the data HnswData writes (LLMSTACK_HNSW_DATA, the real-embedding folder of prepare-minilm, else LLMSTACK_HNSW_DIR,
default /tmp/llmstack-hnsw: vectors.f32, queries.f32, truth.i32,
shape.txt), so the data and the ground truth are the very ones the .NET benchmarks use. Builds with M 16,
efConstruction 200, space 'cosine', on one thread and on all cores (timed; LLMSTACK_HNSW_THREADS=all: all cores only; =1: one thread only), then searches one query per call on one
thread for ef 16 ... 256 and prints QPS and recall@10. Memory: the index's own size from hnswlib's layout
(size_data_per_element = level-0 links + vector + label, plus the upper-level links) and the process RSS growth of the build.
"""
import os
import time

import hnswlib
import numpy as np

folder = os.environ.get("LLMSTACK_HNSW_DATA") or os.environ.get("LLMSTACK_HNSW_DIR", "/tmp/llmstack-hnsw")
n, nq, d, top = (int(x) for x in open(os.path.join(folder, "shape.txt")).read().split())
x = np.fromfile(os.path.join(folder, "vectors.f32"), dtype=np.float32).reshape(n, d)
q = np.fromfile(os.path.join(folder, "queries.f32"), dtype=np.float32).reshape(nq, d)
truth = np.fromfile(os.path.join(folder, "truth.i32"), dtype=np.int32).reshape(nq, top)


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def build(threads):
    index = hnswlib.Index(space="cosine", dim=d)
    before = rss()
    index.init_index(max_elements=n, M=16, ef_construction=200, random_seed=100)
    start = time.perf_counter()
    index.add_items(x, np.arange(n), num_threads=threads)
    return index, time.perf_counter() - start, rss() - before


cores = os.cpu_count()
# LLMSTACK_HNSW_THREADS=all builds once on all cores only (the search then uses that index): at 1,000,000 vectors the
# one-thread build alone outlasts a benchmark window.
# LLMSTACK_HNSW_THREADS=1 builds once on one thread only (its own window at 1,000,000 vectors).
all_cores_only = os.environ.get("LLMSTACK_HNSW_THREADS") == "all"
one_thread_only = os.environ.get("LLMSTACK_HNSW_THREADS") == "1"
print(f"hnswlib {hnswlib.__file__} n={n} d={d} data={folder}", flush=True)
if all_cores_only:
    index, seconds_all, grown = build(cores)
    print(f"build {cores} threads: {seconds_all:.1f} s; RSS growth {grown / n:.0f} bytes/vector", flush=True)
else:
    index, seconds1, grown = build(1)
    print(f"build 1 thread: {seconds1:.1f} s; RSS growth {grown / n:.0f} bytes/vector", flush=True)
    if cores > 1 and not one_thread_only:
        _, seconds_all, _ = build(cores)
        print(f"build {cores} threads: {seconds_all:.1f} s ({seconds1 / seconds_all:.2f}x one thread)", flush=True)
# hnswlib layout: per element 4 + 2M*4 (level-0 links) + 4d (vector) + 8 (label); upper levels M*4+4 per level, ~1/ln(M) levels per element on average.
levels = 1 / np.log(16)
print(f"hnswlib layout: {4 + 32 * 4 + 4 * d + 8 + levels * (16 * 4 + 4):.0f} bytes/vector")
for ef in (16, 32, 64, 128, 256):
    index.set_ef(ef)
    for i in range(50):
        index.knn_query(q[i:i + 1], k=top, num_threads=1)
    hits = 0
    start = time.perf_counter()
    for i in range(nq):
        labels, _ = index.knn_query(q[i:i + 1], k=top, num_threads=1)
        hits += len(set(labels[0].tolist()) & set(truth[i].tolist()))
    elapsed = time.perf_counter() - start
    print(f"ef {ef}: {nq / elapsed:,.0f} QPS, recall@10 {hits / (nq * top):.4f} (one thread, one query per call)", flush=True)
