"""Devlog 076: complex svd / svdvals against scipy.linalg.svdvals (tall, wide, square; c128, c64).

Residual, unitarity of U and V and the singular values, in units of the working precision's eps.
"""

import numpy as np
import scipy.linalg as sl

import jitla.linalg as jl

rng = np.random.default_rng(5)
for dt in (np.complex128, np.complex64):
    eps = np.finfo(dt).eps
    for m, n in [(300, 257), (257, 300), (513, 301), (1024, 1024)]:
        A = (rng.standard_normal((m, n)) + 1j * rng.standard_normal((m, n))).astype(dt)
        U, S, Vh = jl.svd(A, full_matrices=False)
        s_ref = sl.svdvals(A.astype(np.complex128))
        k = min(m, n)
        res = np.linalg.norm(A.astype(np.complex128) - (U * S) @ Vh) / np.linalg.norm(A)
        ou = np.abs(U.conj().T @ U - np.eye(k)).max()
        ov = np.abs(Vh @ Vh.conj().T - np.eye(k)).max()
        sv = np.abs(S - s_ref).max() / s_ref[0]
        sv2 = np.abs(jl.svdvals(A) - s_ref).max() / s_ref[0]
        print(f"{np.dtype(dt).name:10s} {m}x{n}: resid {res / eps:6.1f}  |U^HU-I| {ou / eps:6.1f}", end="")
        print(f"  |VV^H-I| {ov / eps:6.1f}  S {sv / eps:6.1f}  svdvals {sv2 / eps:6.1f}  (eps, eps*s1)")
