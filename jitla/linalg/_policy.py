"""Every "auto" rule of :mod:`jitla.linalg`, one short function each.

Each function answers "which registered kernel runs this problem?" and
returns a :class:`Plan` ``(op, variant, reason)``: a registry operation, one
of its variants (so ``jitla.kernels.get_kernel(plan.op, plan.variant)``
always works) and the rule that chose it, in words.  The thresholds live in
:mod:`jitla.config`, with the measurement behind each.

The functions are pure: the thread count is an argument (``None`` reads
``numba.get_num_threads()``), so a test can ask what would happen on a
machine with more cores.  The API functions call these and nothing else to
decide; ``jitla.linalg.matmul_plan``, ``qr_method``, ``svd_method`` and
``eigh_method`` expose them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from jitla import config
from jitla.kernels import get_kernel

__all__ = [
    "Plan",
    "cholesky_plan",
    "eigh_plan",
    "gemm_plan",
    "householder_plan",
    "lstsq_small_route",
    "influence_plan",
    "least_squares_plan",
    "lstsq_plan",
    "lu_call_plan",
    "lu_plan",
    "orgqr_plan",
    "qr_plan",
    "solve_stack_plan",
    "svd_plan",
    "zsvd_bidiagonal_dc",
    "trsm_plan",
    "zgemm_plan",
    "tsqr_plan",
]


class Plan(NamedTuple):
    """What an "auto" rule picked.

    Attributes
    ----------
    op : str
        Registry operation ("gemm", "lu", "qr", "tsqr", ...).
    variant : str
        Registry variant of *op*.
    reason : str
        The rule that chose it, in words.
    """

    op: str
    variant: str
    reason: str


def _threads(nthreads: int | None) -> int:
    if nthreads is not None:
        return int(nthreads)
    import numba  # not at module level: importing the policies must not load Numba

    return numba.get_num_threads()


# --------------------------------------------------------------------------
# products
# --------------------------------------------------------------------------
def gemm_plan(batch, m, k, n, a_vec=False, b_vec=False, nthreads=None) -> Plan:
    """matmul's rule (:func:`jitla.linalg.matmul_plan` adds the shapes).

    1. vector @ vector                     -> dot
    2. matrix @ vector (vector @ matrix)   -> gemv (gemv_t)
    3. a stack of small matrices (m*n*k <= BATCHED_MAX)
                                           -> gemm_batched, parallel when threads > 1
    4. m*n*k < SMALL_GEMM                  -> gemm_small (packing would not pay)
    5. threads > 1 and m*n*k >= PARALLEL_GEMM -> gemm parallel
    6. otherwise                           -> gemm packed
    """
    nthreads = _threads(nthreads)
    size = m * n * k
    if not batch:
        if a_vec and b_vec:
            return Plan("dot", "serial", "vector @ vector")
        if b_vec:
            return Plan("gemv", "serial", "matrix @ vector")
        if a_vec:
            return Plan("gemv_t", "serial", "vector @ matrix")
    if batch and size <= config.BATCHED_MAX:
        variant = "parallel" if nthreads > 1 else "serial"
        return Plan(
            "gemm_batched", variant, f"stack of small matrices (m*n*k={size} <= {config.BATCHED_MAX})"
        )
    if size < config.SMALL_GEMM:
        return Plan("gemm_small", "tiles", f"small (m*n*k={size} < {config.SMALL_GEMM})")
    if nthreads > 1 and size >= config.PARALLEL_GEMM:
        return Plan("gemm", "parallel", f"large (m*n*k={size}) and {nthreads} threads")
    if nthreads == 1:
        return Plan("gemm", "packed", f"large (m*n*k={size}), 1 thread")
    return Plan("gemm", "packed", f"mid-size (m*n*k={size} < {config.PARALLEL_GEMM})")


def zgemm_plan(m, k, n, nthreads=None) -> Plan:
    """matmul's rule for complex operands (every product of a stack alike).

    The variant names one of ``jitla.kernels.gemm.ZGEMM_VARIANTS``: the
    complex kernels stay out of the registry (whose entries are warmed up
    from real examples), so ``get_kernel`` does not know "zgemm".

    1. m*n*k < SMALL_ZGEMM                       -> zgemm 1m_small (1m on gemm_small's tiles)
    2. threads > 1                               -> zgemm 3m (three parallel real products)
    3. min(m, n, k) >= ZGEMM_3M_MIN_DIM          -> zgemm 3m (three real products)
    4. m (k + 2n) < 2kn (A short next to B)      -> zgemm 1m_a (B in place, A split)
    5. otherwise                                 -> zgemm 1m (one real packed product)
    """
    size = m * n * k
    if size < config.SMALL_ZGEMM:
        return Plan("zgemm", "1m_small", f"small complex (m*n*k={size} < {config.SMALL_ZGEMM})")
    nthreads = _threads(nthreads)
    if nthreads > 1:
        return Plan("zgemm", "3m", f"complex (m*n*k={size}), {nthreads} threads")
    if min(m, n, k) >= config.ZGEMM_3M_MIN_DIM:
        return Plan("zgemm", "3m", f"large complex (min(m, n, k) >= {config.ZGEMM_3M_MIN_DIM}), 1 thread")
    if m * (k + 2 * n) < 2 * k * n:
        return Plan("zgemm", "1m_a", f"complex with a short A (m={m}, k={k}, n={n}), 1 thread")
    return Plan("zgemm", "1m", f"complex with a dimension < {config.ZGEMM_3M_MIN_DIM}, 1 thread")


def trsm_plan(n: int, k: int) -> Plan:
    """Triangular solve with k right-hand sides of order n.

    1. one right-hand side                          -> trsv
    2. n < 2 nb or k < TRSM_BLOCKED_MIN_RHS         -> trsm unblocked
    3. otherwise                                    -> trsm blocked
    """
    if k == 1:
        return Plan("trsv", "serial", "one right-hand side")
    nb = config.factor_nb("trsm")
    if n < 2 * nb or k < config.TRSM_BLOCKED_MIN_RHS:
        return Plan("trsm", "unblocked", f"small (n={n} < {2 * nb}) or few right-hand sides (k={k})")
    return Plan("trsm", "blocked", "blocked, GEMM updates")


# --------------------------------------------------------------------------
# LU and Cholesky
# --------------------------------------------------------------------------
def lu_plan(m: int, n: int, nthreads=None) -> Plan:
    """LU of one (m, n) matrix.

    1. min(m, n) <= LU_UNBLOCKED_MAX                 -> unblocked
    2. threads > 1 and min(m, n) >= LU_PARALLEL_MIN  -> parallel
    3. m n <= LU_TILED_MAX_ELEMENTS                  -> tiled
    4. otherwise                                     -> blocked
    """
    nthreads = _threads(nthreads)
    k = min(m, n)
    if k <= config.LU_UNBLOCKED_MAX:
        return Plan("lu", "unblocked", f"small (min(m, n) = {k} <= {config.LU_UNBLOCKED_MAX})")
    if nthreads > 1 and k >= config.LU_PARALLEL_MIN:
        return Plan("lu", "parallel", f"large (min(m, n) = {k}) and {nthreads} threads")
    if m * n <= config.LU_TILED_MAX_ELEMENTS:
        return Plan(
            "lu",
            "tiled",
            f"middle ({m * n} <= {config.LU_TILED_MAX_ELEMENTS} entries), register-tile updates",
        )
    return Plan("lu", "blocked", "blocked, GEMM trailing update")


def lu_call_plan(op: str, n: int, nthreads=None) -> Plan | None:
    """solve / inv / det / slogdet of one (n, n) matrix as one kernel call, or None.

    *op* is the registry operation of the one-call kernels: ``"gesv"``,
    ``"inv"`` or ``"slogdet"``.  Each factors and finishes inside Numba, so
    no Python runs between the factorisation and the result.

    1. n <= LU_UNBLOCKED_MAX                          -> op unblocked
    2. threads > 1 and n >= LU_PARALLEL_MIN           -> None: the general
       path, which factors with the parallel LU
    3. n^2 <= LU_TILED_MAX_ELEMENTS                   -> op tiled (lu_tiled inside)
    4. otherwise                                      -> op blocked (lu_blocked inside)
    """
    if n <= config.LU_UNBLOCKED_MAX:
        return Plan(op, "unblocked", f"one call, small (n = {n} <= {config.LU_UNBLOCKED_MAX})")
    if n >= config.LU_PARALLEL_MIN and _threads(nthreads) > 1:
        return None
    if n * n <= config.LU_TILED_MAX_ELEMENTS:
        return Plan(op, "tiled", f"one call, tiled LU (n = {n})")
    return Plan(op, "blocked", f"one call, blocked LU (n = {n})")


def solve_stack_plan(count: int, n: int, nthreads=None) -> Plan:
    """``solve`` on a stack of *count* systems of order n.

    1. more than one system and n <= SOLVE_BATCHED_MAX -> lu_solve_batched,
       parallel when threads > 1 and count >= SOLVE_BATCHED_PARALLEL_MIN
    2. otherwise                                      -> :func:`lu_plan` per system
    """
    nthreads = _threads(nthreads)
    if count > 1 and n <= config.SOLVE_BATCHED_MAX:
        if nthreads > 1 and count >= config.SOLVE_BATCHED_PARALLEL_MIN:
            return Plan("lu_solve_batched", "parallel", f"{count} systems of order {n}, {nthreads} threads")
        return Plan(
            "lu_solve_batched", "serial", f"{count} systems of order {n} <= {config.SOLVE_BATCHED_MAX}"
        )
    return lu_plan(n, n, nthreads)


def cholesky_plan(n: int, nthreads=None) -> Plan:
    """Cholesky of one matrix of order n.

    1. n <= CHOLESKY_UNBLOCKED_MAX                 -> unblocked
    2. threads > 1 and n >= CHOLESKY_PARALLEL_MIN  -> parallel
    3. n <= CHOLESKY_TILED_MAX                     -> tiled
    4. otherwise                                   -> blocked
    """
    nthreads = _threads(nthreads)
    if n <= config.CHOLESKY_UNBLOCKED_MAX:
        return Plan("cholesky", "unblocked", f"small (n={n} <= {config.CHOLESKY_UNBLOCKED_MAX})")
    if nthreads > 1 and n >= config.CHOLESKY_PARALLEL_MIN:
        return Plan("cholesky", "parallel", f"large (n={n}) and {nthreads} threads")
    if n <= config.CHOLESKY_TILED_MAX:
        return Plan("cholesky", "tiled", f"middle (n={n} <= {config.CHOLESKY_TILED_MAX}), register-tile SYRK")
    return Plan("cholesky", "blocked", "blocked, GEMM trailing update")


# --------------------------------------------------------------------------
# QR and least squares
# --------------------------------------------------------------------------
def _unblocked_qr(m: int, k: int) -> str | None:
    """The unblocked-QR rule (factor and Q alike): the reason, or None.  k reflectors of length <= m."""
    if k <= config.QR_UNBLOCKED_MAX:
        return f"small (min(m, n) = {k} <= {config.QR_UNBLOCKED_MAX})"
    if k <= config.QR_UNBLOCKED_SMALL_MAX and m * k <= config.QR_UNBLOCKED_MAX_ELEMENTS:
        return (
            f"small (min(m, n) = {k} <= {config.QR_UNBLOCKED_SMALL_MAX}, "
            f"{m * k} <= {config.QR_UNBLOCKED_MAX_ELEMENTS} entries)"
        )
    return None


def householder_plan(m: int, n: int, nthreads=None) -> Plan:
    """Householder QR of one (m, n) matrix.

    1. min(m, n) <= QR_UNBLOCKED_MAX, or min(m, n) <= QR_UNBLOCKED_SMALL_MAX
       and m n <= QR_UNBLOCKED_MAX_ELEMENTS            -> unblocked
    2. threads > 1 and flops >= QR_PARALLEL_FLOPS      -> parallel
    3. otherwise                                       -> blocked (compact WY)
    """
    nthreads = _threads(nthreads)
    k = min(m, n)
    reason = _unblocked_qr(max(m, n), k)
    if reason:
        return Plan("qr", "unblocked", reason)
    flops = get_kernel("qr", "blocked").flops(m, n)
    if nthreads > 1 and flops >= config.QR_PARALLEL_FLOPS:
        return Plan("qr", "parallel", f"large ({flops:.3g} flops) and {nthreads} threads")
    return Plan("qr", "blocked", "blocked compact WY")


def orgqr_plan(k: int, m: int | None = None) -> Plan:
    """Forming Q from k reflectors of length up to m (default k): ``form_q`` under the rule of
    :func:`householder_plan`'s step 1, else blocked (``orgqr``)."""
    reason = _unblocked_qr(k if m is None else m, k)
    if reason:
        return Plan("form_q", "unblocked", f"few reflectors: {reason}")
    return Plan("form_q", "blocked", "compact WY (orgqr)")


def _tall_skinny(m: int, n: int) -> str | None:
    """The one tall-skinny rule (TSQR beats Householder there); the reason, or None."""
    if m >= config.TSQR_ASPECT * n and m * n >= config.TSQR_MIN_SIZE and n <= config.TSQR_MAX_COLS:
        return (
            f"tall-skinny (m={m} >= {config.TSQR_ASPECT} n, m n >= {config.TSQR_MIN_SIZE}, "
            f"n <= {config.TSQR_MAX_COLS})"
        )
    return None


def tsqr_plan(nthreads=None) -> Plan:
    """TSQR (asked for by name or by :func:`qr_plan`): parallel when threads > 1, else serial."""
    nthreads = _threads(nthreads)
    if nthreads > 1:
        return Plan("tsqr", "parallel", f"row blocks in parallel on {nthreads} threads")
    return Plan("tsqr", "serial", "1 thread")


def qr_plan(m: int, n: int, mode: str = "reduced", *, pivoting: bool = False, nthreads=None) -> Plan:
    """``qr(method="auto")``.

    1. pivoting requested                              -> qr_pivoted businger_golub
    2. tall-skinny (m >= TSQR_ASPECT n, m n >= TSQR_MIN_SIZE, n <= TSQR_MAX_COLS), mode reduced/r
                                                       -> tsqr (parallel when threads > 1)
    3. otherwise                                       -> :func:`householder_plan`
    """
    if pivoting:
        return Plan("qr_pivoted", "businger_golub", "column pivoting requested")
    reason = _tall_skinny(m, n) if mode in ("reduced", "r") else None
    if reason:
        return Plan("tsqr", tsqr_plan(nthreads).variant, reason)
    return householder_plan(m, n, nthreads)


def least_squares_plan(m: int, n: int, nthreads=None) -> Plan:
    """The R factor of a regression fit's (m, n) augmented matrix ``[1 | X | Y]``.

    1. tall-skinny (the rule of :func:`qr_plan`)       -> tsqr_design (parallel when threads > 1)
    2. min(m, n) > QR_UNBLOCKED_MAX                    -> :func:`householder_plan` (blocked)
    3. otherwise                                       -> least_squares design_r (LQ of A^T, one call)

    Whichever computes R, the solves follow in ``least_squares/solve_from_r``.
    """
    if _tall_skinny(m, n):
        return Plan("tsqr_design", tsqr_plan(nthreads).variant, f"[1 | X | Y] {_tall_skinny(m, n)}")
    if min(m, n) > config.QR_UNBLOCKED_MAX:
        return householder_plan(m, n, nthreads)
    return Plan(
        "least_squares", "design_r", f"min(m, n) = {min(m, n)} <= {config.QR_UNBLOCKED_MAX}: one call"
    )


def _narrow(m: int, n: int, k: int) -> bool:
    """``[A | B]`` narrow enough for the regression fit's kernels (rule 3 of :func:`lstsq_plan`)."""
    return n + k <= config.QR_UNBLOCKED_MAX and m >= config.LSTSQ_FIT_ASPECT * (n + k)


def lstsq_small_route(m: int, n: int, k: int) -> str | None:
    """Which small route ``lstsq(method="qr")`` of a real (m, n) A, k >= 1 right-hand sides, may take.

    ``jitla.linalg._lstsq._lstsq_small`` then calls the route's kernels
    with no more Python than they need (devlogs 095, 097, 103); None: the
    general path.  With ``r = min(m, n)`` (the order of R): ``1 <= r <=
    config.LSTSQ_VALUES_JACOBI_MAX`` (s from the Jacobi values of R) and
    ``r + k <= config.QR_UNBLOCKED_MAX``, and

    1. m >= n, ``[A | B]`` not tall-skinny, and ``k <= max(
       config.LSTSQ_SMALL_FIT_MAX_RHS, c n)`` with ``c =
       config.LSTSQ_SMALL_SQUARE_MAX_RHS``, or ``config.LSTSQ_SMALL_TALL_MAX_RHS``
       when ``m >= config.LSTSQ_SMALL_TALL_ASPECT n`` -> ``"fit"``: the
       regression fit's R of ``[A | B]`` (narrow ``[A | B]``:
       :func:`lstsq_plan`'s rule 3) -- square and nearly square A, which the
       general path gives to Householder QR of A, take it too;
    2. m >= n, ``[A | B]`` not tall-skinny, more right-hand sides ->
       ``"householder"``: the general path's kernels (:func:`lstsq_plan`'s
       rule 4, the unblocked QR of A by :func:`householder_plan`'s rule 1,
       ``Q^T B``, the unblocked triangular solve), narrow or not: the fit's
       R would factor B's k columns too, ``2 m (n + k)^2`` flops against
       ``2 m n (n + 2 k)``;
    3. m < n -> ``"wide"``: the general path's kernels for the minimum-norm
       solution (:func:`lstsq_plan`'s rule 1; the unblocked QR of A^T by
       :func:`householder_plan`'s rule 1, as ``m <= QR_UNBLOCKED_MAX``).
    """
    r = min(m, n)
    if not (k >= 1 and 1 <= r <= config.LSTSQ_VALUES_JACOBI_MAX and r + k <= config.QR_UNBLOCKED_MAX):
        return None
    if m < n:
        return "wide"
    if _tall_skinny(m, n + k) is not None:
        return None
    if k <= config.LSTSQ_SMALL_FIT_MAX_RHS:
        return "fit"
    tall = m >= config.LSTSQ_SMALL_TALL_ASPECT * n
    per_column = config.LSTSQ_SMALL_TALL_MAX_RHS if tall else config.LSTSQ_SMALL_SQUARE_MAX_RHS
    return "fit" if k <= per_column * n else "householder"


def lstsq_plan(m: int, n: int, k: int, nthreads=None) -> Plan:
    """``lstsq(method="qr")`` for an (m, n) A with k right-hand sides.

    1. m < n (minimum-norm solution)                   -> Householder QR of A^T
    2. ``[A | B]`` tall-skinny (the rule of :func:`qr_plan`)
                                                       -> tsqr serial of ``[A | B]``
    3. n + k <= QR_UNBLOCKED_MAX, m >= LSTSQ_FIT_ASPECT (n + k)
                                                       -> least_squares design_r of ``[A | B]``
       (the regression fit's R, :func:`least_squares_plan`; the solves in solve_from_r)
    4. otherwise                                       -> :func:`householder_plan` of A
    """
    if m < n:
        return householder_plan(n, m, nthreads)
    reason = _tall_skinny(m, n + k)
    if reason:
        return Plan("tsqr", "serial", f"[A | B] {reason}")
    if _narrow(m, n, k):
        return Plan(
            "least_squares",
            "design_r",
            f"narrow [A | B] (n + k = {n + k} <= {config.QR_UNBLOCKED_MAX}, "
            f"m >= {config.LSTSQ_FIT_ASPECT} (n + k)): R of [A | B] in one call",
        )
    return householder_plan(m, n, nthreads)


# --------------------------------------------------------------------------
# SVD and symmetric eigenproblems
# --------------------------------------------------------------------------
def svd_plan(m: int, n: int, nthreads=None, *, compute_uv: bool = True, relative: bool = False) -> Plan:
    """``svd(method="auto")`` (*relative* False) and ``svd(method="jacobi")`` (*relative* True).

    "auto": LAPACK's route where it is the faster one -- backward stable,
    as numpy's SVD (values below ~eps * sigma_max have absolute accuracy
    only):

    1. values only and min(m, n) <= SVD_VALUES_JACOBI_MAX -> svdvals/jacobi
    2. values only                                    -> svdvals/bidiagonal
    3. min(m, n) >= SVD_DC_MIN                        -> svd/bidiagonal_dc
    4. min(m, n) <= SVD_BIDIAGONAL_UV_MAX             -> svd/bidiagonal
    5. otherwise (SVD_DC_MIN set above the QR's bound) -> the "jacobi" rules 2-3

    "jacobi": one-sided Jacobi, relatively accurate (every singular value
    of a graded matrix ``B D`` to full relative accuracy, Demmel & Veselić):

    1. values only and min(m, n) <= SVD_VALUES_JACOBI_MAX -> svdvals/jacobi
    2. threads > 1 and min(m, n) >= SVD_PARALLEL_MIN      -> preconditioned_parallel_tracked
    3. otherwise                                          -> preconditioned_tracked

    Why: at n = 100 the bidiagonalisation + Demmel-Kahan QR (dqds for values) takes about
    gesdd's time where the Jacobi methods take 4-7x (devlog 021); with
    vectors its lead over the tracked Jacobi sweeps shrinks with n (its
    rotations are ``~24 n^3`` flops at level-1 speed), which is why
    SVD_BIDIAGONAL_UV_MAX bounds it.  From SVD_DC_MIN on the bidiagonal SVD
    with vectors is divide and conquer (gesdd's ``dbdsdc``; the QR stays
    selectable as ``method="bidiagonal"``) at every size: at n = 1024 it
    takes 0.96x numpy's time where the serial tracked Jacobi took 6.1x
    (1.22x against the parallel Jacobi's 4.6x at 2 threads; devlog 075).
    Without vectors it
    wins at every size (1.3x gesdd at n = 512 against 4.7x, devlog 005).
    Rule 1 (both) trades the pivoted-QR preconditioning (relative accuracy
    also for rows graded on top of columns) for compile time, where the
    plain Jacobi kernel is about as fast as the bidiagonal route.
    """
    nthreads = _threads(nthreads)
    k = min(m, n)
    if not compute_uv and k <= config.SVD_VALUES_JACOBI_MAX:
        return Plan("svdvals", "jacobi", f"values only, min(m, n) = {k}: quick to compile")
    if not relative:
        if not compute_uv:
            return Plan("svdvals", "bidiagonal", "values only: bidiagonalisation + dqds")
        if k >= config.SVD_DC_MIN:
            return Plan(
                "svd",
                "bidiagonal_dc",
                f"min(m, n) = {k} >= {config.SVD_DC_MIN}: bidiagonalisation + divide and conquer",
            )
        if k <= config.SVD_BIDIAGONAL_UV_MAX:
            return Plan(
                "svd",
                "bidiagonal",
                f"min(m, n) = {k} <= {config.SVD_BIDIAGONAL_UV_MAX}: bidiagonalisation + QR with vectors",
            )
    if nthreads > 1 and k >= config.SVD_PARALLEL_MIN:
        return Plan("svd", "preconditioned_parallel_tracked", f"min(m, n) = {k} and {nthreads} threads")
    return Plan("svd", "preconditioned_tracked", "pivoted QR, then tracked-norm Jacobi (fastest serial)")


def zsvd_bidiagonal_dc(k: int) -> bool:
    """True when a complex SVD with vectors, min(m, n) = k, solves its real bidiagonal by divide and conquer.

    The real rule's lower bound (:data:`jitla.config.SVD_DC_MIN`, below which the
    bidiagonal QR is as fast and compiles less), with no upper bound, as the
    real rule: the QR's rotations of complex rows (level-1 work, ~48 k^3
    real flops) are what divide and conquer replaces by two real GEMMs.
    """
    return k >= config.SVD_DC_MIN


def eigh_plan(n: int) -> Plan:
    """``eigh(method="auto")``: tridiagonalisation, then divide and conquer or implicit QL.

    From :data:`jitla.config.EIGH_DC_MIN` on, divide and conquer (the
    merges' vector updates are GEMMs, where QL accumulates ~6 n^3 flops of
    plane rotations); below it implicit QL, which is as fast there and
    compiles less.  Both are backward stable; "jacobi" (relatively accurate
    for graded positive definite matrices, several times slower) only when
    named.  Values only (``eigvalsh``) always take root-free QL.
    """
    if n >= config.EIGH_DC_MIN:
        return Plan("eigh", "dc", f"n >= {config.EIGH_DC_MIN}: divide and conquer (merges are GEMMs)")
    return Plan("eigh", "ql", f"n < {config.EIGH_DC_MIN}: tridiagonalisation + implicit QL")


# --------------------------------------------------------------------------
# regression kernels
# --------------------------------------------------------------------------
def influence_plan(n: int, k: int, nthreads=None) -> Plan:
    """Influence measures of an (n, k) design.

    1. threads > 1 and n k^2 >= INFLUENCE_PARALLEL_FLOPS -> parallel
    2. otherwise                                         -> serial
    """
    nthreads = _threads(nthreads)
    if nthreads > 1 and n * k * k >= config.INFLUENCE_PARALLEL_FLOPS:
        return Plan("influence", "parallel", f"n k^2 = {n * k * k} and {nthreads} threads")
    return Plan("influence", "serial", f"n k^2 = {n * k * k} < {config.INFLUENCE_PARALLEL_FLOPS} or 1 thread")


def enet_cd_plan(n: int, p: int, precompute="auto") -> Plan:
    """Coordinate-descent mode of an (n, p) lasso / elastic net (glmnet's two modes).

    1. precompute is True or a Gram matrix          -> gram
    2. precompute is False                          -> residual
    3. "auto": n > p (scikit-learn's rule: X^T X,
       n p^2 flops once, then 2p flops per update)  -> gram, otherwise residual
    """
    if precompute is True or isinstance(precompute, np.ndarray):
        return Plan("enet_cd", "gram", "precompute given")
    if precompute is False:
        return Plan("enet_cd", "residual", "precompute=False")
    if n > p:
        return Plan("enet_cd", "gram", f"n = {n} > p = {p}")
    return Plan("enet_cd", "residual", f"n = {n} <= p = {p}")
