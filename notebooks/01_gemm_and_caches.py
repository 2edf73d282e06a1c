# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 — GEMM and the caches
#
# **Course week 1** (linear maps as matrices) of the linear-algebra course, its computing side:
# what a matrix product costs, and why the order of the loops matters.
#
# Matrix multiplication `C = A @ B` with `A` of shape (m, k) and `B` of shape (k, n) is
#
# $$ C_{ij} = \sum_{p=0}^{k-1} A_{ip} B_{pj}, $$
#
# one multiply and one add per term: **2mnk flops**. For square n = 1024 that is 2.1 GFLOP,
# over 3 · 8 MiB of data. Each element of A and B is used n times, so in principle the work
# is compute-bound: a core that does 16 double-precision flops per cycle should get close to
# its peak. In practice the textbook loop runs at a few percent of it, and the rest of this
# notebook is the story of why, told through jitla's five GEMM kernels:
#
# | step | kernel | the idea |
# |---|---|---|
# | 1 | `naive` | the definition, i-j-k |
# | 2 | `reordered` | i-k-j: the inner loop walks rows, unit stride |
# | 3 | `blocked` | tile the loops so the working set fits a cache |
# | 4 | `packed` | copy blocks into the order the inner kernel reads them; a register tile |
# | 5 | `parallel` | the packed kernel on a grid of C regions, one per thread |
#
# Sizes here are small so that the notebook runs in CI in well under a minute; `jitla bench gemm`
# and `jitla cache` run the same comparisons at full size.

# %%
import inspect
import time

import numba
import numpy as np

import jitla
from jitla import config
from jitla.kernels import gemm, registry

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # the BLAS then runs with its default thread count
    threadpool_limits = None

rng = np.random.default_rng(0)
for info in registry("gemm"):
    print(f"{info.variant:10s} {'parallel' if info.parallel else 'serial':8s} {info.description}")


# %% [markdown]
# ## Measuring honestly
#
# Every figure below is a ratio measured in one process: a warm-up call first (it compiles the
# kernel, or loads it from Numba's disk cache), then the best of a few runs, alternating with
# OpenBLAS (through numpy) limited to one thread.


# %%
def best_time(f, repeat=3):
    f()  # warm-up: compilation is not part of the measurement
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def gflops(variant, n, dtype=np.float64):
    A = rng.random((n, n)).astype(dtype)
    B = rng.random((n, n)).astype(dtype)
    seconds = best_time(lambda: jitla.matmul(A, B, kernel=variant))
    return 2 * n**3 / seconds / 1e9


def blas_gflops(n, dtype=np.float64):
    A = rng.random((n, n)).astype(dtype)
    B = rng.random((n, n)).astype(dtype)
    if threadpool_limits is None:
        return 2 * n**3 / best_time(lambda: A @ B) / 1e9
    with threadpool_limits(1):
        return 2 * n**3 / best_time(lambda: A @ B) / 1e9


# %% [markdown]
# ## Step 1: the definition
#
# The inner loop runs down a **column** of B: consecutive iterations touch addresses n · 8 bytes
# apart, so every multiply-add needs a new cache line, and once the column no longer fits in L1
# each line is fetched from L2 or further for the sake of one number.

# %%
print(inspect.getsource(gemm.gemm_naive.py_func))

# %% [markdown]
# ## Step 2: swap the two inner loops
#
# In i-k-j order the inner loop is `C[i, :] += A[i, p] * B[p, :]`: unit stride in B and C, every
# byte of every cache line used, and a loop LLVM vectorises. The arithmetic is identical.

# %%
print(inspect.getsource(gemm.gemm_reordered.py_func))

# %%
with jitla.threads(1):
    for n in (64, 128, 256):
        print(
            f"n={n:4d}  naive {gflops('naive', n):6.2f}  reordered {gflops('reordered', n):6.2f}"
            f"  OpenBLAS {blas_gflops(n):6.2f} GFLOP/s"
        )

# %% [markdown]
# ## Step 3: blocking
#
# `reordered` streams all of B past every row of C: for large n, B no longer fits in L2, and each
# row of C costs k · n · 8 bytes from L3 or memory. Tiling all three loops (`MC x KC` of A,
# `KC x NC` of B) keeps a block of B in cache while many rows use it. The block sizes come from
# the machine's cache sizes:

# %%
caches = config.cache_info()
print(caches)
print("float64 blocks:", config.gemm_blocks(np.float64))
print("float32 blocks:", config.gemm_blocks(np.float32))

# %% [markdown]
# ## Step 4: packing and the micro-kernel
#
# Blocking alone still reads a tile of B with stride n between its rows — for n a power of two
# those rows map to few cache sets (conflict misses), and the TLB sees a new page per row.
# The packed kernel (Goto & van de Geijn 2008; BLIS) copies each block into a contiguous buffer,
# in exactly the order the innermost kernel reads it, and zero-pads the edges so the inner kernel
# never has a special case. The innermost kernel keeps a tile of C in vector registers, sized for
# the CPU LLVM compiles for: 6 × 32 float64 in 24 of the 32 AVX-512 registers, 6 × 8 in 12 of the
# 16 AVX2 registers (`jitla.kernels._tile.choose_tile`), and updates it with one rank-1 update per
# step of k:

# %%
print(gemm.micro_kernel.__doc__.split("Contract")[1].split("Notes")[0])

# %% [markdown]
# Whether LLVM really produced packed FMAs on 512-bit registers is a question for the assembly
# (cached code cannot be inspected, so `jitla.profiling` compiles a fresh copy):

# %%
try:
    from jitla.profiling.asm import vector_report

    report = vector_report(gemm.micro_kernel)
    print(report.verdict)
    print("FMAs in the whole kernel:", report.fma)
    print("FMAs in the hottest loop:", report.hot_loop_fma)
    print("\n".join(report.hot_loop[:12]))
except ImportError as error:  # profiling extras missing
    print("assembly report unavailable:", error)

# %% [markdown]
# ## Step 5: threads
#
# The parallel kernel splits C into a grid of regions, one per thread, each running the packed
# kernel with its own buffers. No element's sum is split across threads, so the result is the
# same bit for bit whatever the thread count:

# %%
A = rng.random((300, 200))
B = rng.random((200, 250))
with jitla.threads(1):
    one = jitla.matmul(A, B, kernel="parallel")
with jitla.threads(numba.config.NUMBA_NUM_THREADS):
    many = jitla.matmul(A, B, kernel="parallel")
print("bitwise identical:", np.array_equal(one, many))
print("max error vs numpy:", np.abs(one - A @ B).max())

# %% [markdown]
# ## The cache cliff
#
# GFLOP/s against n, with the sizes where the working set of `reordered` (one row of C plus all
# of B) leaves L1, L2 and L3 marked. Powers of two (and their neighbours) are included: that is
# where conflict misses show. At notebook sizes only the first boundaries are crossed;
# `jitla cache --plot cliff.png` runs the full sweep.

# %%
sizes = [32, 48, 64, 96, 127, 128, 129, 192, 255, 256, 257, 320]
curves = {}
with jitla.threads(1):
    for variant in ("reordered", "blocked", "packed"):
        curves[variant] = [gflops(variant, n) for n in sizes]
    curves["OpenBLAS"] = [blas_gflops(n) for n in sizes]

itemsize = 8
boundaries = {
    level: int(np.sqrt(size / itemsize))
    for level, size in (("L1", caches.l1d), ("L2", caches.l2), ("L3", caches.l3))
}
print("n where one n x n float64 matrix fills each cache:", boundaries)

try:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, values in curves.items():
        ax.plot(sizes, values, marker="o", label=name)
    for level, n in boundaries.items():
        if n <= sizes[-1]:
            ax.axvline(n, color="grey", linestyle=":")
            ax.text(n, ax.get_ylim()[1] * 0.95, level, ha="right")
    ax.set_xlabel("n")
    ax.set_ylabel("GFLOP/s (float64, 1 thread)")
    ax.legend()
    ax.set_title("GEMM: GFLOP/s against n")
except ImportError:
    for name, values in curves.items():
        print(name, [round(v, 1) for v in values])

# %% [markdown]
# ## What to take away
#
# * The flop count never changed; only the order of memory accesses did.
# * Each step removes one bottleneck: strided access (reorder), capacity misses (blocking),
#   conflict/TLB misses and loop overhead (packing), register reuse (the micro-kernel), and
#   finally the idle second core (threads).
# * The devlog entry `devlog/001-gemm.md` has the full-size numbers and what broke on the way.
