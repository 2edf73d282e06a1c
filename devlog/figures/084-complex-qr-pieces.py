"""Devlog 084: where the complex QR's time goes at n = 1024, beside LAPACK and the real QR.

Run as ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=$PWD python
devlog/figures/084-complex-qr-pieces.py [n]``, or with ``panel`` for the
panel kernels alone: one mk x 64 panel by ``zgeqr2`` (the interleaved loops
the blocked kernels' panels ran on before) and by ``zgeqr2_split``, process
CPU ms, best of 9, and GFLOP/s with ``8 mk kb^2 - 8 kb^3 / 3``.

Otherwise, process CPU ms, best of 5
after a warm-up call, 1 thread: the API calls (``jl.qr`` against
``np.linalg.qr``), the kernels (``zgeqrf``, ``zungqr``; real ``geqrf``,
``orgqr``) and scipy's LAPACK (``zgeqrf`` / ``zungqr``, ``dgeqrf`` /
``dorgqr``, scipy's own OpenBLAS), then ``zgeqrf``'s steps summed over the
panels (the loop of :func:`jitla.kernels.qr_complex.zgeqrf`, replayed from
Python): panel factorisation, ``_zlarft``, ``_zlarfb``.
"""

import sys
import time

import numpy as np
from scipy.linalg import lapack

import jitla
import jitla.linalg as jl
from jitla import config
from jitla.kernels.qr_complex import _zlarfb, _zlarft, zgeqr2, zgeqr2_split, zgeqrf, zungqr
from jitla.kernels.qr_householder import geqrf, orgqr
from jitla.linalg._complex import _real_blocks


def best(f, r=5):
    f()
    b = 1e9
    for _ in range(r):
        t = time.process_time()
        f()
        b = min(b, time.process_time() - t)
    return b


def pieces(A, tau, nb, blocks):
    """CPU seconds of zgeqrf's steps on a copy of A, summed over the panels."""
    B = A.copy()
    n = B.shape[1]
    t = {"panel": 0.0, "larft": 0.0, "larfb": 0.0}
    for k in range(0, min(B.shape), nb):
        kb = min(nb, min(B.shape) - k)
        t0 = time.process_time()
        zgeqr2_split(B[k:, k : k + kb], tau[k : k + kb])
        t1 = time.process_time()
        t2 = t1
        if k + kb < n:
            V, T = _zlarft(B[k:, k : k + kb], tau[k : k + kb], blocks)
            t2 = time.process_time()
            _zlarfb(V, T, B[k:, k + kb :], True, blocks)
        t3 = time.process_time()
        t["panel"] += t1 - t0
        t["larft"] += t2 - t1
        t["larfb"] += t3 - t2
    return t


def panels():
    rng = np.random.default_rng(0)
    kb = 64
    with jitla.threads(1):
        for mk in (1024, 512, 128):
            P = rng.standard_normal((mk, kb)) + 1j * rng.standard_normal((mk, kb))
            tau = np.zeros(kb, complex)
            flops = 8 * mk * kb * kb - 8 * kb**3 / 3
            cases = {
                "zgeqr2 (interleaved)": lambda P=P, tau=tau: zgeqr2(P.copy(), tau),
                "zgeqr2_split": lambda P=P, tau=tau: zgeqr2_split(P.copy()[:, :], tau),
            }
            for name, f in cases.items():
                t = best(f, 9)
                print(f"mk {mk:5d} {name:22s} {t * 1e3:7.3f} ms {flops / t / 1e9:5.1f} GFLOP/s")


if sys.argv[1:] == ["panel"]:
    panels()
    sys.exit()
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
rng = np.random.default_rng(0)
A = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
Ar = rng.standard_normal((n, n))
nb = config.complex_qr_nb(n)
blocks = _real_blocks(A.dtype)
rblocks = config.gemm_blocks(np.float64).as_tuple()
rnb = config.factor_nb("qr", np.float64)
with jitla.threads(1):
    tau = np.zeros(n, complex)
    F = A.copy()
    zgeqrf(F, tau, nb, blocks)
    Q = np.empty_like(A)
    taur = np.zeros(n)
    Fr = Ar.copy()
    geqrf(Fr, taur, rnb, rblocks)
    Qr = np.empty_like(Ar)
    Af, Arf = np.asfortranarray(A), np.asfortranarray(Ar)
    h, tl, _, _ = lapack.zgeqrf(Af)
    hr, tlr, _, _ = lapack.dgeqrf(Arf)
    rows = {
        "jl.qr complex": lambda: jl.qr(A),
        "np qr complex": lambda: np.linalg.qr(A),
        "jl.qr real": lambda: jl.qr(Ar),
        "np qr real": lambda: np.linalg.qr(Ar),
        "zgeqrf": lambda: zgeqrf(A.copy(), tau, nb, blocks),
        "zungqr": lambda: zungqr(F, tau, Q, nb, blocks),
        "lapack zgeqrf": lambda: lapack.zgeqrf(Af),
        "lapack zungqr": lambda: lapack.zungqr(h, tl),
        "geqrf": lambda: geqrf(Ar.copy(), taur, rnb, rblocks),
        "orgqr": lambda: orgqr(Fr, taur, Qr, rnb, rblocks),
        "lapack dgeqrf": lambda: lapack.dgeqrf(Arf),
        "lapack dorgqr": lambda: lapack.dorgqr(hr, tlr),
    }
    t = {name: best(f) for name, f in rows.items()}
    for name, v in t.items():
        print(f"{name:14s} {v * 1e3:8.1f} ms")
    c = t["jl.qr complex"] / t["np qr complex"]
    r = t["jl.qr real"] / t["np qr real"]
    print(f"complex ratio {c:.3f}, real ratio {r:.3f}, c/r {c / r:.3f} (nb {nb})")
    pieces(A, tau, nb, blocks)
    runs = [pieces(A, tau, nb, blocks) for _ in range(3)]
    p = min(runs, key=lambda d: sum(d.values()))
    print("zgeqrf steps, ms:", ", ".join(f"{k} {v * 1e3:.1f}" for k, v in p.items()))
