"""jitla.linalg._policy: every "auto" rule in one place, one return shape, thresholds from config.

The rules are pure functions of the sizes and the thread count, so they are
checked here without running a kernel; each rule's effect on results is
tested with the operation it serves.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest

from jitla import config
from jitla.kernels import get_kernel
from jitla.linalg import _policy as policy
from jitla.linalg import eigh_method, matmul_plan, qr_method, svd_method

SIZES = [0, 1, 2, 7, 31, 32, 33, 64, 65, 95, 96, 97, 127, 128, 129, 255, 256, 511, 512, 767, 768, 2048]


def _all_plans():
    for nthreads in (1, 2, 8):
        for n in SIZES:
            yield policy.lu_plan(n, n, nthreads)
            yield policy.cholesky_plan(n, nthreads)
            yield policy.householder_plan(3 * n + 1, n, nthreads)
            yield policy.svd_plan(n, n, nthreads)
            yield policy.svd_plan(n, n, nthreads, compute_uv=False)
            yield policy.svd_plan(n, n, nthreads, relative=True)
            yield policy.svd_plan(n, n, nthreads, compute_uv=False, relative=True)
            yield policy.eigh_plan(n)
            yield policy.influence_plan(100 * n, n, nthreads)
            yield policy.trsm_plan(n, 1)
            yield policy.trsm_plan(n, 16)
            yield policy.solve_stack_plan(5000, n, nthreads)
            for op in ("gesv", "inv", "slogdet"):
                plan = policy.lu_call_plan(op, n, nthreads)
                if plan is not None:  # None: the general path (parallel LU)
                    yield plan
            for m in (n, 20 * n + 1, 100_000):
                yield policy.qr_plan(m, n, nthreads=nthreads)
                yield policy.lstsq_plan(m, n, 1, nthreads)
                yield policy.least_squares_plan(m, n + 1, nthreads)
                yield policy.gemm_plan((), m, n, n, nthreads=nthreads)
                yield policy.gemm_plan((10,), n, n, n, nthreads=nthreads)


def test_every_plan_names_a_registered_kernel_and_a_reason():
    plans = list(_all_plans())
    assert len({p[:2] for p in plans}) > 15
    for plan in plans:
        assert isinstance(plan, policy.Plan) and len(plan) == 3
        get_kernel(plan.op, plan.variant)  # ValueError if the rule names a kernel that does not exist
        assert isinstance(plan.reason, str) and plan.reason


def test_public_plan_functions_share_the_shape():
    import numpy as np

    for plan in (
        qr_method(100, 10, nthreads=1),
        svd_method((40, 30)),
        svd_method((40, 30), "bidiagonal"),
        svd_method((40, 30), "bidiagonal", compute_uv=False),
        svd_method((40, 30), "jacobi"),
        eigh_method((5, 5)),
        eigh_method((5, 5), "jacobi"),
        eigh_method((5, 5), "dc"),
    ):
        assert isinstance(plan, policy.Plan)
        get_kernel(plan.op, plan.variant)
    m = matmul_plan(np.ones((3, 4)), np.ones((4, 5)))
    assert (m.op, m.variant, m.reason) == policy.gemm_plan((), 3, 4, 5)
    assert m.variant == m.kernel


@pytest.mark.parametrize(
    ("rule", "threshold", "below", "at_or_above"),
    [
        (lambda n, t: policy.lu_plan(n, n, t), config.LU_UNBLOCKED_MAX, "unblocked", "tiled"),
        (lambda n, t: policy.cholesky_plan(n, t), config.CHOLESKY_UNBLOCKED_MAX, "unblocked", "tiled"),
        (lambda n, t: policy.cholesky_plan(n, t), config.CHOLESKY_TILED_MAX, "tiled", "blocked"),
        (
            lambda n, t: policy.householder_plan(1000 * n, n, t),
            config.QR_UNBLOCKED_MAX,
            "unblocked",
            "blocked",
        ),
        (
            lambda n, t: policy.householder_plan(n, n, t),
            config.QR_UNBLOCKED_SMALL_MAX,
            "unblocked",
            "blocked",
        ),
        (lambda n, t: policy.orgqr_plan(n, n), config.QR_UNBLOCKED_SMALL_MAX, "unblocked", "blocked"),
        (lambda n, t: policy.eigh_plan(n), config.EIGH_DC_MIN - 1, "ql", "dc"),
    ],
)
def test_unblocked_thresholds_come_from_config(rule, threshold, below, at_or_above):
    assert rule(threshold, 1).variant == below
    assert rule(threshold + 1, 1).variant == at_or_above


def test_tiled_lu_bound_comes_from_config():
    most = config.LU_TILED_MAX_ELEMENTS
    side = math.isqrt(most)
    assert policy.lu_plan(side, most // side, 1).variant == "tiled"
    assert policy.lu_plan(side, most // side + 1, 1).variant == "blocked"
    assert policy.lu_plan(4 * side, side // 2, 1).variant == "blocked"  # tall: leaves L2
    for op in ("gesv", "inv", "slogdet"):
        assert policy.lu_call_plan(op, side, 1).variant == "tiled"
        assert policy.lu_call_plan(op, side + 1, 1).variant == "blocked"


def test_parallel_thresholds_come_from_config():
    n = config.LU_PARALLEL_MIN
    assert policy.lu_plan(n, n, 2).variant == "parallel"
    assert policy.lu_plan(n - 1, n - 1, 2).variant == "tiled"
    assert policy.lu_plan(n, n, 1).variant == "tiled"
    n = config.CHOLESKY_PARALLEL_MIN
    assert (
        policy.cholesky_plan(n, 2).variant == "parallel"
        and policy.cholesky_plan(n - 1, 2).variant == "blocked"
    )
    n = config.SVD_PARALLEL_MIN
    assert policy.svd_plan(n, n, 2, relative=True).variant == "preconditioned_parallel_tracked"
    assert policy.svd_plan(n - 1, n, 2, relative=True).variant == "preconditioned_tracked"
    assert policy.svd_plan(n, n, 1, relative=True).variant == "preconditioned_tracked"
    assert policy.influence_plan(config.INFLUENCE_PARALLEL_FLOPS, 1, 2).variant == "parallel"
    assert policy.influence_plan(config.INFLUENCE_PARALLEL_FLOPS - 1, 1, 2).variant == "serial"
    assert policy.influence_plan(10**9, 10, 1).variant == "serial"


@pytest.mark.parametrize("n", [1, 5, 20, 50])
@pytest.mark.parametrize("k", [1, 3])
def test_qr_and_lstsq_share_one_tall_skinny_rule(n, k):
    # lstsq factors [A | B]: n + k columns; qr's rule on that shape decides both
    for m in sorted({n + k, 16 * (n + k) - 1, 16 * (n + k), config.TSQR_MIN_SIZE // (n + k) + 1, 10**6}):
        if m < n:
            continue
        assert (policy.lstsq_plan(m, n, k, 1).op == "tsqr") == (
            policy.qr_plan(m, n + k, nthreads=1).op == "tsqr"
        )


def test_qr_and_lstsq_share_one_householder_rule():
    # a narrow [A | B] takes the regression fit's R (least_squares_plan of the augmented shape);
    # past it, lstsq factors A by qr's Householder rule
    for m, n in [(40, 32), (40, 33), (300, 63), (300, 64), (300, 65), (2000, 200), (40, 9), (40, 10)]:
        plan = policy.lstsq_plan(m, n, 1, 1)
        if n + 1 <= config.QR_UNBLOCKED_MAX and m >= config.LSTSQ_FIT_ASPECT * (n + 1):
            fit = policy.least_squares_plan(m, n + 1, 1)
            assert (plan.op, plan.variant) == (fit.op, fit.variant) == ("least_squares", "design_r")
        else:
            assert plan == policy.householder_plan(m, n, 1) == policy.qr_plan(m, n, "complete", nthreads=1)
    # wide lstsq: QR of A^T
    assert policy.lstsq_plan(10, 40, 1, 1) == policy.householder_plan(40, 10, 1)


def test_lstsq_small_route_rules():
    # min(m, n) <= LSTSQ_VALUES_JACOBI_MAX, min(m, n) + k <= QR_UNBLOCKED_MAX; tall: not
    # tall-skinny, the fit's R for k <= max(LSTSQ_SMALL_FIT_MAX_RHS, LSTSQ_SMALL_SQUARE_MAX_RHS n),
    # Householder QR of A for more; wide: any n
    route = policy.lstsq_small_route
    # (n/2 per column from m >= 2 n on)
    assert config.LSTSQ_SMALL_FIT_MAX_RHS == 4 and config.LSTSQ_SMALL_SQUARE_MAX_RHS == 1
    assert config.LSTSQ_SMALL_TALL_MAX_RHS == 0.5 and config.LSTSQ_SMALL_TALL_ASPECT == 2
    for shape in [(3, 3, 1), (10, 10, 10), (19, 10, 10), (100, 10, 5), (12, 10, 4), (100, 3, 2)]:
        assert route(*shape) == "fit"
    assert route(100, 1, 4) == "fit"
    for shape in [(100, 10, 50), (10, 10, 11), (240, 10, 50), (100, 3, 5), (20, 10, 30), (20, 10, 6)]:
        assert route(*shape) == "householder"  # B wider than A (than half A when m >= 2 n)
    assert route(10, 12, 2) == route(3, 10_000, 1) == "wide" and route(11, 12, 1) is None
    assert route(10, 11, 0) is route(11, 11, 1) is route(10, 10, 55) is None
    assert route(10**6, 3, 1) is None  # tall-skinny [A | B]: TSQR


def test_pivoting_and_mode_rules():
    assert policy.qr_plan(10**6, 5, pivoting=True)[:2] == ("qr_pivoted", "businger_golub")
    assert policy.qr_plan(10**6, 5, "complete", nthreads=1).op == "qr"
    assert policy.qr_plan(10**6, 5, "r", nthreads=2)[:2] == ("tsqr", "parallel")


def test_tsqr_only_for_narrow_matrices():
    # TSQR's blocks are factored unblocked and its merges cost ~2 n^3 / 3 each:
    # past TSQR_MAX_COLS columns the blocked Householder QR wins however tall A is
    n = config.TSQR_MAX_COLS
    assert policy.qr_plan(10**6, n, "r", nthreads=1).op == "tsqr"
    assert policy.qr_plan(10**6, n + 1, "r", nthreads=1) == policy.householder_plan(10**6, n + 1, 1)
    assert policy.least_squares_plan(10**6, n + 1, 1).op != "tsqr_design"


def test_stacks_of_small_systems_go_to_the_batched_kernel():
    assert policy.solve_stack_plan(2, config.SOLVE_BATCHED_MAX, 1)[:2] == ("lu_solve_batched", "serial")
    assert policy.solve_stack_plan(1, 4, 1).op == "lu"  # one system: plain LU
    assert policy.solve_stack_plan(2, config.SOLVE_BATCHED_MAX + 1, 1).op == "lu"
    big = config.SOLVE_BATCHED_PARALLEL_MIN
    assert policy.solve_stack_plan(big, 4, 2).variant == "parallel"
    assert policy.solve_stack_plan(big - 1, 4, 2).variant == "serial"


def test_no_other_linalg_or_regression_module_reads_the_thread_count():
    # choosing a kernel by the thread count is a policy; only _policy (and
    # _dispatch, which passes the count to parallel kernels) may ask Numba for it
    root = Path(__file__).resolve().parents[2] / "jitla"
    readers = set()
    for path in [*root.joinpath("linalg").glob("*.py"), *root.joinpath("regression").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "get_num_threads":
                readers.add(path.name)
    assert readers <= {"_policy.py", "_dispatch.py"}, readers


def test_small_qr_rule_bounds_the_matrix_size():
    # up to QR_UNBLOCKED_SMALL_MAX columns the unblocked kernels only while the matrix is small:
    # at n = 100 (issue 10's size) qr, lstsq and eigh's Q are unblocked, a tall 100-column one is not
    limit = config.QR_UNBLOCKED_MAX_ELEMENTS
    assert config.QR_UNBLOCKED_MAX < 100 <= config.QR_UNBLOCKED_SMALL_MAX
    assert policy.householder_plan(100, 100, 1).variant == "unblocked"
    assert policy.orgqr_plan(99).variant == "unblocked"
    assert policy.householder_plan(limit // 100, 100, 1).variant == "unblocked"
    assert policy.householder_plan(100, limit // 100, 1).variant == "unblocked"
    assert policy.householder_plan(limit // 100 + 1, 100, 1).variant == "blocked"
    assert policy.orgqr_plan(100, limit // 100).variant == "unblocked"
    assert policy.orgqr_plan(100, limit // 100 + 1).variant == "blocked"
    assert policy.householder_plan(100_000, 100, 1).variant == "blocked"


def test_svd_rules():
    # "auto": the bidiagonal route for values past SVD_VALUES_JACOBI_MAX and
    # for vectors at every size (divide and conquer from SVD_DC_MIN on, the QR
    # below it); "jacobi": the relatively accurate rules; both: values of
    # small matrices in the quick-compiling Jacobi kernel
    n = config.SVD_BIDIAGONAL_UV_MAX
    for t in (1, 2):
        assert policy.svd_plan(n, n + 7, t)[:2] == ("svd", "bidiagonal_dc")
        assert policy.svd_plan(config.SVD_DC_MIN, 200, t)[:2] == ("svd", "bidiagonal_dc")
        assert policy.svd_plan(config.SVD_DC_MIN - 1, 200, t)[:2] == ("svd", "bidiagonal")
        assert policy.svd_plan(4 * n, 4 * n, t)[:2] == ("svd", "bidiagonal_dc")
        assert policy.svd_plan(n + 1, n + 1, t, relative=True).variant.startswith("preconditioned")
    n = config.SVD_VALUES_JACOBI_MAX
    for t in (1, 2):
        for k in (n + 1, 100, 10 * config.SVD_BIDIAGONAL_UV_MAX):
            assert policy.svd_plan(k, k, t, compute_uv=False)[:2] == ("svdvals", "bidiagonal")
        for k in (1, n):
            assert policy.svd_plan(k, 3 * k, t, compute_uv=False)[:2] == ("svdvals", "jacobi")
    assert policy.svd_plan(n, 3 * n, 1, compute_uv=False, relative=True)[:2] == ("svdvals", "jacobi")
    assert (
        policy.svd_plan(n + 1, n + 1, 1, compute_uv=False, relative=True).variant == "preconditioned_tracked"
    )
    assert policy.svd_plan(10, 10, 1, relative=True).variant == "preconditioned_tracked"


@pytest.mark.parametrize("op", ["gesv", "inv", "slogdet"])
def test_the_one_call_fast_rules_pick_what_the_policy_picks(op):
    # solve / inv / det skip building lu_call_plan's Plan for the common orders;
    # the kernel they take must be the one the policy names, with one thread or two
    import numpy as np

    import jitla
    from jitla.linalg import _lu

    f64 = np.dtype(np.float64)
    orders = (1, 3, config.LU_UNBLOCKED_MAX, config.LU_UNBLOCKED_MAX + 1, 100)
    orders += (math.isqrt(config.LU_TILED_MAX_ELEMENTS), config.LU_PARALLEL_MIN - 1)
    orders += (config.LU_PARALLEL_MIN, 1000)
    for nthreads in (1, 2):
        with jitla.threads(nthreads):
            for n in orders:
                plan = policy.lu_call_plan(op, n)
                expected = None if plan is None else _lu._bound_kernel(plan.op, plan.variant, f64)
                assert _lu._one_call(op, n, f64) == expected, (n, nthreads)
