"""LU, Cholesky and Householder QR against LAPACK: same-run GFLOP/s and ratios.

:func:`measure_factor` times one registered factorisation kernel on an n x n
float64 matrix against the LAPACK routine numpy/scipy call (``dgetrf``
through ``scipy.linalg.lu_factor``, ``dpotrf`` through
``scipy.linalg.cholesky``, ``dgeqrf`` through ``numpy.linalg.qr(mode="r")``),
alternating, best of N (:func:`jitla.profiling.timing.time_pair`), with
jitla and the BLAS limited to the same number of threads.  Both sides copy
the input (LAPACK's wrappers copy too).  GFLOP/s use the nominal counts
(LU 2n^3/3, Cholesky n^3/3, QR 4n^3/3 for square A).  Cholesky is timed
twice: the upper factor (``dpotrf`` as scipy calls it by default) and the
lower one that :func:`jitla.linalg.cholesky` computes, against scipy's
``lower=True``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["FactorMeasurement", "FACTOR_OPS", "measure_factor"]

#: Registry ops :func:`measure_factor` knows, with the LAPACK routine it compares against.
FACTOR_OPS = {
    "lu": "dgetrf (scipy.linalg.lu_factor)",
    "cholesky": "dpotrf (scipy.linalg.cholesky)",
    "cholesky_lower": "dpotrf lower (scipy.linalg.cholesky, lower=True)",
    "qr": "dgeqrf (numpy.linalg.qr, mode='r')",
}


@dataclass(frozen=True)
class FactorMeasurement:
    """One factorisation timed against LAPACK.

    ``ratio`` is LAPACK's best time over jitla's (> 1: jitla is faster);
    ``max_error`` is ``max|F - F_lapack| / max|F_lapack|`` over the factor
    (for QR, of ``|R|``, whose row signs may differ).
    """

    op: str
    variant: str
    n: int
    threads: int
    gflops: float
    lapack_gflops: float
    ratio: float
    median_ratio: float
    reference: str
    max_error: float

    def as_dict(self) -> dict:
        return asdict(self)


def _load_scipy_blas() -> None:
    """Import scipy.linalg (its bundled OpenBLAS) if scipy is installed, so that a thread limit covers it."""
    try:
        import scipy.linalg  # noqa: F401
    except ImportError:
        pass


def _spd(n: int, rng) -> np.ndarray:
    X = rng.standard_normal((n, n))
    return X @ X.T + n * np.eye(n)


def _operations(op: str, info, A: np.ndarray, extra: tuple):
    """``(ours, lapack, error)``: two zero-argument callables and an error function."""
    import scipy.linalg

    n = A.shape[0]
    if op == "lu":
        piv = np.zeros(n, np.int32)

        def ours():
            F = A.copy()
            info.func(F, piv, *extra)
            return F

        def error():
            ref = scipy.linalg.lu_factor(A)[0]
            return float(np.abs(ours() - ref).max() / np.abs(ref).max())

        return ours, lambda: scipy.linalg.lu_factor(A, check_finite=False), error
    if op == "cholesky":

        def ours():
            F = A.copy()
            info.func(F, *extra)
            return F

        def error():
            ref = scipy.linalg.cholesky(A)
            return float(np.abs(np.triu(ours()) - ref).max() / np.abs(ref).max())

        return ours, lambda: scipy.linalg.cholesky(A, check_finite=False), error
    if op == "cholesky_lower":
        # numpy's factor, what jitla.linalg.cholesky computes for n > 128

        def ours():
            F = A.copy()
            info.func(F, *extra)
            return F

        def error():
            ref = scipy.linalg.cholesky(A, lower=True)
            return float(np.abs(np.tril(ours()) - ref).max() / np.abs(ref).max())

        return ours, lambda: scipy.linalg.cholesky(A, lower=True, check_finite=False), error
    if op == "qr":
        tau = np.empty(n)

        def ours():
            F = A.copy()
            info.func(F, tau, *extra)
            return F

        def error():
            ref = np.abs(np.linalg.qr(A, mode="r"))
            return float(np.abs(np.abs(np.triu(ours())) - ref).max() / ref.max())

        return ours, lambda: np.linalg.qr(A, mode="r"), error
    raise ValueError(f"unknown factorisation {op!r}: one of {', '.join(FACTOR_OPS)}")


def measure_factor(
    op: str, n: int = 2048, *, variant: str = "blocked", threads: int = 1, repeat: int = 5, seed: int = 0
) -> FactorMeasurement:
    """Time the *op*/*variant* kernel on an n x n float64 matrix against LAPACK.

    Parameters
    ----------
    op : {"lu", "cholesky", "cholesky_lower", "qr"}
        ``cholesky`` is the upper factor (scipy's default), ``cholesky_lower``
        numpy's lower one.
    n : int
    variant : str
        A registered variant of *op* (``"blocked"``, ``"parallel"``, ...).
    threads : int
        jitla's and the BLAS's thread count (a serial variant still runs on
        one thread, against a BLAS with *threads*).
    repeat : int
        Alternating samples of each side.
    seed : int
        Seed of the random matrix (symmetric positive definite for Cholesky).

    Returns
    -------
    FactorMeasurement
    """
    from jitla import threads as limit_threads
    from jitla.kernels import get_kernel
    from jitla.linalg._dispatch import kernel_extras
    from jitla.profiling.timing import SPIN_PAUSE, time_pair

    if op not in FACTOR_OPS:
        raise ValueError(f"unknown factorisation {op!r}: one of {', '.join(FACTOR_OPS)}")
    info = get_kernel(op, variant)
    rng = np.random.default_rng(seed)
    A = _spd(n, rng) if op.startswith("cholesky") else rng.standard_normal((n, n))
    # scipy's own OpenBLAS must be loaded before the thread limit is entered:
    # threadpoolctl limits only the libraries loaded at that moment
    _load_scipy_blas()
    with limit_threads(threads):
        extra = kernel_extras(info, A.dtype, nthreads=threads)
        ours, lapack, error = _operations(op, info, A, extra)
        timing = time_pair(ours, lapack, repeat=repeat, pause=SPIN_PAUSE if threads > 1 else 0.0)
        max_error = error()
    flops = info.flops(n) if op != "qr" else info.flops(n, n)
    return FactorMeasurement(
        op=op,
        variant=variant,
        n=n,
        threads=threads,
        gflops=flops / timing.best / 1e9,
        lapack_gflops=flops / timing.ref_best / 1e9,
        ratio=timing.ratio,
        median_ratio=timing.ref_median / timing.median,
        reference=FACTOR_OPS[op],
        max_error=max_error,
    )
