"""Devlog 084: one complex QR panel (mk x 64), interleaved loops against split rows.

Run as ``PYTHONPATH=$PWD python devlog/figures/084-split-panel.py``.  Process
CPU ms, best of 9: ``zgeqr2`` (the interleaved loops the blocked kernels'
panels ran on before) and ``zgeqr2_split``; GFLOP/s with ``8 mk kb^2 - 8
kb^3 / 3``.
"""

import time

import numpy as np

import jitla
from jitla.kernels.qr_complex import zgeqr2, zgeqr2_split


def best(f, r=9):
    f()
    b = 1e9
    for _ in range(r):
        t = time.process_time()
        f()
        b = min(b, time.process_time() - t)
    return b


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
            t = best(f)
            print(f"mk {mk:5d} {name:22s} {t * 1e3:7.3f} ms {flops / t / 1e9:5.1f} GFLOP/s")
