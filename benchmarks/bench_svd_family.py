"""The SVD family at n = 50-300 against numpy/scipy, 1 thread, float64, warm cache.

Issue 10, Part 2.2 asks for every ``jitla.linalg`` function at n = 100 to take
at most numpy's/scipy's time.  This script prints, for square Gaussian
matrices (and the diagonally shifted ``G + n I`` that ``jitla bench overhead``
uses), ``jitla time / reference time`` (< 1: jitla faster) for ``svd``,
``svdvals``, ``pinv``, ``matrix_rank``, ``cond``, ``norm(A, 2)``,
``null_space`` and ``orth`` with the default ("auto": the bidiagonal route,
divide and conquer with vectors from ``config.SVD_DC_MIN`` on), for ``svd``
with each bidiagonal route named ("svd qr": ``method="bidiagonal"``, the
bidiagonal QR; "svd dc": ``method="bidiagonal_dc"``, divide and conquer),
and for ``svd`` / ``svdvals`` with ``method="jacobi"`` (the relatively
accurate one-sided Jacobi, for comparison).  Timing:
:func:`jitla.profiling.overhead.time_calls` (untimed first call, alternating
loops, best of *repeat*), inside ``jitla.threads(1)``, which pins Numba and,
through threadpoolctl, OpenBLAS.  Run as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_svd_family.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_svd_family.py --sizes 100 --repeat 9
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_svd_family.py --pieces --sizes 100
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_svd_family.py \
        --sizes 100 --repeat 15 --matrix gaussian --only svdvals matrix_rank cond "norm(A, 2)" pinv

``--only`` keeps the named rows.  ``--pieces`` prints where the time goes
instead: each step of jitla's bidiagonal route (reduction, the values-only
reduction and the whole values kernel, the two factors formed, dqds, the bidiagonal QR
with and without vectors, the divide-and-conquer bidiagonal SVD, the
blocked application of the right reflectors, the whole D&C kernel) beside LAPACK's steps of numpy's ``gesdd``
(``dgebrd``, ``dlasq1``, ``dbdsqr``, ``dbdsdc``), called through
``scipy.linalg.cython_lapack``'s function pointers with ctypes; best of
*repeat* x 40 single calls (or of *repeat* calls once 2 s are spent), inputs
copied inside the timed call on both sides (a few microseconds).
``--pieces --complex`` does the same for the complex128 SVD
(:func:`complex_pieces`, beside ``zgebrd``)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_svd_family.py \
        --pieces --complex --sizes 256 1024 --repeat 3
"""

from __future__ import annotations

import argparse

import numpy as np

# imported before ``jitla.threads(1)`` is entered: threadpoolctl limits only the BLAS
# libraries loaded at that moment, and scipy brings its own OpenBLAS (imported inside
# the block, its zgebrd ran on every core)
import scipy.linalg  # noqa: F401
import scipy.linalg.cython_lapack  # noqa: F401


def _cases(A):
    import scipy.linalg as sl

    import jitla.linalg as jl

    return [
        ("svd", lambda: jl.svd(A), lambda: np.linalg.svd(A)),
        ("svdvals", lambda: jl.svdvals(A), lambda: np.linalg.svd(A, compute_uv=False)),
        ("pinv", lambda: jl.pinv(A), lambda: np.linalg.pinv(A)),
        ("matrix_rank", lambda: jl.matrix_rank(A), lambda: np.linalg.matrix_rank(A)),
        ("cond", lambda: jl.cond(A), lambda: np.linalg.cond(A)),
        ("norm(A, 2)", lambda: jl.norm(A, 2), lambda: np.linalg.norm(A, 2)),
        ("null_space", lambda: jl.null_space(A), lambda: sl.null_space(A)),
        ("orth", lambda: jl.orth(A), lambda: sl.orth(A)),
        ("svd qr", lambda: jl.svd(A, method="bidiagonal"), lambda: np.linalg.svd(A)),
        ("svd dc", lambda: jl.svd(A, method="bidiagonal_dc"), lambda: np.linalg.svd(A)),
        ("svd jacobi", lambda: jl.svd(A, method="jacobi"), lambda: np.linalg.svd(A)),
        (
            "svdvals jacobi",
            lambda: jl.svdvals(A, method="jacobi"),
            lambda: np.linalg.svd(A, compute_uv=False),
        ),
    ]


def _lapack(name):
    """A ctypes caller of LAPACK's *name* (Fortran ABI: every argument by pointer) from scipy."""
    import ctypes

    import scipy.linalg.cython_lapack as cl

    capsule = cl.__pyx_capi__[name]
    api = ctypes.pythonapi
    api.PyCapsule_GetName.restype = ctypes.c_char_p
    api.PyCapsule_GetName.argtypes = [ctypes.py_object]
    api.PyCapsule_GetPointer.restype = ctypes.c_void_p
    api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    address = api.PyCapsule_GetPointer(capsule, api.PyCapsule_GetName(capsule))

    def call(*args):
        return ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * len(args))(address)(*args)

    return call


def _gebrd_call(name, A, work):
    """A call of LAPACK's ``dgebrd`` / ``zgebrd`` (*name*) reducing a fresh F-order copy of square A."""
    import ctypes

    n = A.shape[0]
    gebrd = _lapack(name)
    F = np.asfortranarray(A)
    d, e = np.empty(n), np.empty(n)
    tauq, taup = np.empty(n, A.dtype), np.empty(n, A.dtype)
    info = ctypes.c_int(0)
    ref = lambda v: ctypes.byref(ctypes.c_int(v))  # noqa: E731
    out = [x.ctypes.data for x in (d, e, tauq, taup)]

    def call():
        B = F.copy(order="F")
        gebrd(
            ref(n),
            ref(n),
            B.ctypes.data,
            ref(n),
            *out,
            work.ctypes.data,
            ref(work.size),
            ctypes.byref(info),
        )
        return d, e

    return call


def _best(fn, repeat):
    """Best of *repeat* x 40 calls, or of at least *repeat* calls once 2 s have been spent (large n)."""
    import time

    fn()
    best = float("inf")
    spent = 0.0
    for i in range(repeat * 40):
        t = time.perf_counter()
        fn()
        took = time.perf_counter() - t
        best = min(best, took)
        spent += took
        if i + 1 >= repeat and spent > 2.0:
            break
    return best


def pieces(n, repeat):
    """Microseconds of each step of the SVD at order n: jitla's kernels and LAPACK's routines."""
    import ctypes

    from jitla.kernels import svd_bidiag as sb
    from jitla.kernels import svd_dc as sdc

    rng = np.random.default_rng(n)
    A = rng.standard_normal((n, n))
    G0 = np.ascontiguousarray(A.T)
    d, e, tr, tl = np.empty(n), np.zeros(n), np.empty(n), np.empty(n)
    G = G0.copy()
    sb.bidiagonalize(G, d, e, tr, tl)
    Ut, Vt, none = np.empty((n, n)), np.empty((n, n)), np.empty((0, 0))
    R = np.triu(G, 1) + np.eye(n)  # the right reflectors as dense rows
    jitla_steps = [
        (
            "bidiagonalize",
            lambda: sb.bidiagonalize(G0.copy(), np.empty(n), np.zeros(n), np.empty(n), np.empty(n)),
        ),
        ("bidiagonalize_values", lambda: sb.bidiagonalize_values(G0, np.empty(n), np.zeros(n))),
        ("svdvals_bidiagonal", lambda: sb.svdvals_bidiagonal(G0, np.empty(n))),
        ("form_right", lambda: sb.form_right(G.copy(), tr, Ut)),
        ("form_left", lambda: sb.form_left(G.copy(), tl, Vt)),
        ("dqds", lambda: sb.dqds(d.copy(), e.copy(), sb.DQDS_MAXIT)),
        ("bidiagonal_qr values", lambda: sb.bidiagonal_qr(d.copy(), e.copy(), none, none, False, sb.MAXITR)),
        (
            "bidiagonal_qr vectors",
            lambda: sb.bidiagonal_qr(d.copy(), e.copy(), np.eye(n), np.eye(n), True, sb.MAXITR),
        ),
        ("bidiagonal_dc vectors", lambda: sdc.bidiagonal_dc(d.copy(), e.copy(), Ut, Vt)),
        (
            "apply right reflectors",
            lambda: sdc._apply_reflectors(Ut.copy(), R, tr, n, 0, sdc.DC_REFLECTOR_BLOCK),
        ),
        ("svd_bidiagonal_dc", lambda: sdc.svd_bidiagonal_dc(G0.copy(), np.empty(n), Ut, Vt, True, sb.MAXITR)),
    ]
    ref = lambda v: ctypes.byref(ctypes.c_int(v))  # noqa: E731
    info = ctypes.c_int(0)
    work = np.empty(max(1, 3 * n * n + 4 * n, 64 * 2 * n))
    iwork = np.empty(8 * n, dtype=np.int32)
    dlasq1, dbdsqr, dbdsdc = (_lapack(x) for x in ("dlasq1", "dbdsqr", "dbdsdc"))
    gebrd = _gebrd_call("dgebrd", A, np.empty(64 * 2 * n))
    d0, e0 = (x.copy() for x in gebrd())

    def lasq1():
        dd, ee = d0.copy(), e0.copy()
        dlasq1(ref(n), dd.ctypes.data, ee.ctypes.data, work.ctypes.data, ctypes.byref(info))

    def bdsqr_vectors():
        dd, ee = d0.copy(), e0.copy()
        U, V = np.eye(n, order="F"), np.eye(n, order="F")
        dbdsqr(
            b"U",
            ref(n),
            ref(n),
            ref(n),
            ref(0),
            dd.ctypes.data,
            ee.ctypes.data,
            V.ctypes.data,
            ref(n),
            U.ctypes.data,
            ref(n),
            work.ctypes.data,
            ref(1),
            work.ctypes.data,
            ctypes.byref(info),
        )

    def bdsdc():
        dd, ee = d0.copy(), e0.copy()
        U, V = np.empty((n, n), order="F"), np.empty((n, n), order="F")
        dbdsdc(
            b"U",
            b"I",
            ref(n),
            dd.ctypes.data,
            ee.ctypes.data,
            U.ctypes.data,
            ref(n),
            V.ctypes.data,
            ref(n),
            work.ctypes.data,
            iwork.ctypes.data,
            work.ctypes.data,
            iwork.ctypes.data,
            ctypes.byref(info),
        )

    lapack_steps = [
        ("dgebrd", gebrd),
        ("dlasq1", lasq1),
        ("dbdsqr vectors", bdsqr_vectors),
        ("dbdsdc vectors", bdsdc),
        ("numpy svd", lambda: np.linalg.svd(A)),
        ("numpy svdvals", lambda: np.linalg.svd(A, compute_uv=False)),
    ]
    return [(name, _best(fn, repeat) * 1e6) for name, fn in jitla_steps + lapack_steps]


def complex_pieces(n, repeat):
    """Microseconds of each step of the complex128 SVD at order n: jitla's kernels and LAPACK's ``zgebrd``.

    The steps of :func:`jitla.linalg._complex._svd_2d`: the reduction with
    its reflectors kept (``zbidiagonalize``) and without
    (``zbidiagonalize_values``), the two unitary factors formed (blocked
    ``zungqr`` or the BLAS-2 kernels, as the API picks for n), the real
    ``dqds`` and divide and conquer on the real bidiagonal, and the two real
    x complex products that carry its vectors to the complex ones.
    """
    from jitla.kernels import svd_bidiag as sb
    from jitla.kernels import svd_complex as sz
    from jitla.kernels import svd_dc as sdc
    from jitla.linalg import _complex as lc

    rng = np.random.default_rng(n)
    A = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    G0 = np.ascontiguousarray(A.conj().T)
    d, e = np.empty(n), np.zeros(n)
    tr, tl = np.empty(n, complex), np.empty(n, complex)
    G = G0.copy()
    sz.zbidiagonalize(G, d, e, tr, tl)

    def form():
        if lc._blocked_qr(n):
            return lc._zform_bidiagonal_blocked(G, tr, tl)
        Ut, Vt = np.empty((n, n), complex), np.empty((n, n), complex)
        sz.zform_right(G.copy(), tr, Ut)
        sz.zform_left(G.copy(), tl, Vt)
        return Ut, Vt

    Ut, Vt = form()
    Ub, Vb = np.empty((n, n)), np.empty((n, n))
    sdc.bidiagonal_dc(d.copy(), e.copy(), Ub, Vb)
    jitla_steps = [
        (
            "zbidiagonalize",
            lambda: sz.zbidiagonalize(G0.copy(), np.empty(n), np.zeros(n), tr.copy(), tl.copy()),
        ),
        ("zbidiagonalize_values", lambda: sz.zbidiagonalize_values(G0, np.empty(n), np.zeros(n))),
        ("form both factors", form),
        ("dqds", lambda: sb.dqds(d.copy(), e.copy(), sb.DQDS_MAXIT)),
        ("bidiagonal_dc vectors", lambda: sdc.bidiagonal_dc(d.copy(), e.copy(), Ub, Vb)),
        ("2 real x complex", lambda: (lc._real_times_complex(Ub, Ut), lc._real_times_complex(Vb, Vt))),
        ("svd", lambda: lc._svd_2d(A, False, True)),
        ("svdvals", lambda: lc._svd_2d(A, False, False)),
    ]
    lapack_steps = [
        ("zgebrd", _gebrd_call("zgebrd", A, np.empty(64 * 2 * n, complex))),
        ("numpy svd", lambda: np.linalg.svd(A)),
        ("numpy svdvals", lambda: np.linalg.svd(A, compute_uv=False)),
    ]
    return [(name, _best(fn, repeat) * 1e6) for name, fn in jitla_steps + lapack_steps]


def main(argv=None):
    import jitla
    from jitla.profiling.overhead import time_calls

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[50, 100, 200, 300])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--matrix", choices=["gaussian", "shifted", "both"], default="both")
    parser.add_argument("--pieces", action="store_true", help="time each step against LAPACK's instead")
    parser.add_argument("--complex", action="store_true", help="with --pieces: the complex128 SVD's steps")
    parser.add_argument(
        "--only",
        nargs="+",
        default=None,
        metavar="NAME",
        help='these rows only, e.g. --only svdvals cond "norm(A, 2)"',
    )
    args = parser.parse_args(argv)
    if args.pieces:
        with jitla.threads(1):
            for n in args.sizes:
                steps = complex_pieces(n, args.repeat) if args.complex else pieces(n, args.repeat)
                for name, us in steps:
                    print(f"n = {n:<5}{name:<24}{us:>10.1f} us", flush=True)
        return
    kinds = ["gaussian", "shifted"] if args.matrix == "both" else [args.matrix]
    print(f"{'function':<16}{'matrix':<10}{'n':>5}{'jitla us':>12}{'ref us':>12}{'ratio':>8}")
    with jitla.threads(1):
        for n in args.sizes:
            rng = np.random.default_rng(n)
            for kind in kinds:
                A = rng.standard_normal((n, n))
                if kind == "shifted":
                    A += n * np.eye(n)
                for name, fn, ref in _cases(A):
                    if args.only and name not in args.only:
                        continue
                    t, t_ref, _ = time_calls(fn, ref, n=n, repeat=args.repeat)
                    print(
                        f"{name:<16}{kind:<10}{n:>5}{t * 1e6:>12.1f}{t_ref * 1e6:>12.1f}{t / t_ref:>8.2f}",
                        flush=True,
                    )
    print("ratio = jitla time / reference time (< 1: jitla faster); 1 thread both sides, best of loops")


if __name__ == "__main__":
    main()
