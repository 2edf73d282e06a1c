"""Leverage and influence measures (jitla.regression._influence) against statsmodels and refits.

Oracles: statsmodels' ``OLSInfluence`` (which refits the model n times for
the deletion statistics) and ``naive.get_influence`` (leave-one-out
refits with numpy's ``lstsq``, each measure from its definition).

Tolerances: the designs are well conditioned (cond(X) < 10, n <= 80), so
both sides compute every measure to a few hundred ulps; ``rtol=1e-10``
leaves a wide margin.  DFBETA is the exception on the statsmodels side: it
is ``b - b_(i)``, a difference of two O(1) numbers of which it is a small
fraction (~1/n), so entries near zero carry an absolute error of a few
ulps of ``|b|``; those are compared with ``atol = 1e-12 * max|value|``.
Kernels are compiled for float64 C-contiguous arrays only (two signatures).
"""

from __future__ import annotations

import sys
import types
import warnings

import naive
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.kernels import registry
from jitla.kernels.regression import NSTAT, influence_flops, influence_rows, influence_rows_parallel
from jitla.regression import GLS, OLS, WLS, CollinearityWarning
from jitla.regression._influence import InfluenceWarning, OLSInfluence

sm = pytest.importorskip("statsmodels.api")

RTOL = 1e-10
VECTORS = [
    "hat_matrix_diag",
    "resid_studentized_internal",
    "resid_studentized_external",
    "resid_std",
    "resid_press",
    "influence",
    "cov_ratio",
    "sigma2_not_obsi",
]
TUPLES = ["cooks_distance", "dffits", "dffits_internal"]
MATRICES = ["dfbeta", "dfbetas"]


def design(n=60, p=4, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, p - 1))])
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    y[3] += 6.0  # an outlier, so that some measures are large
    X[5, 1] += 5.0  # and a high-leverage point
    return X, y


def close(actual, desired, rtol=RTOL):
    actual, desired = np.asarray(actual, dtype=float), np.asarray(desired, dtype=float)
    atol = 1e-12 * np.nanmax(np.abs(desired)) if desired.size else 0.0
    assert_allclose(actual, desired, rtol=rtol, atol=atol)


def assert_matches_statsmodels(ours: OLSInfluence, theirs, rows=slice(None), rtol=RTOL):
    """Every measure of *ours* against statsmodels' OLSInfluence *theirs* (on the selected rows)."""
    for name in VECTORS:
        close(getattr(ours, name)[rows], np.asarray(getattr(theirs, name))[rows], rtol)
    for name in TUPLES:
        a, b = getattr(ours, name), getattr(theirs, name)
        close(a[0][rows], np.asarray(b[0])[rows], rtol)
        if name == "cooks_distance":  # p-values
            close(a[1][rows], np.asarray(b[1])[rows], rtol)
        else:  # the threshold 2 sqrt(k / n)
            assert a[1] == pytest.approx(b[1], rel=1e-15)
    for name in MATRICES:
        close(getattr(ours, name)[rows], np.asarray(getattr(theirs, name))[rows], rtol)
    assert ours.ess_press == pytest.approx(theirs.ess_press, rel=rtol)


# --------------------------------------------------------------------------
# against statsmodels and the definitions
# --------------------------------------------------------------------------
def test_ols_matches_statsmodels():
    X, y = design()
    ours = OLS(y, X).fit().get_influence()
    theirs = sm.OLS(y, X).fit().get_influence()
    assert ours.n_leverage_one == 0
    assert_matches_statsmodels(ours, theirs)
    assert ours.dffits[1] == pytest.approx(2 * np.sqrt(4 / 60), rel=1e-15)
    frame, sm_frame = ours.summary_frame(), theirs.summary_frame()
    assert list(frame.columns) == list(sm_frame.columns)
    assert list(frame.columns)[:4] == ["dfb_const", "dfb_x1", "dfb_x2", "dfb_x3"]
    assert frame.index.equals(sm_frame.index)
    close(frame.to_numpy(), sm_frame.to_numpy())


def test_ols_matches_the_leave_one_out_definitions():
    X, y = design(n=14, p=3, seed=3)
    ours = OLS(y, X).fit().get_influence()
    ref = naive.get_influence(X, y)
    close(ours.hat_matrix_diag, ref["hat"])
    close(ours.resid_studentized_internal, ref["student_internal"])
    close(ours.resid_studentized_external, ref["student_external"])
    close(ours.sigma2_not_obsi, ref["sigma2_i"])
    close(ours.cooks_distance[0], ref["cooks"])
    close(ours.dffits[0], ref["dffits"])
    close(ours.cov_ratio, ref["cov_ratio"])
    close(ours.resid_press, ref["press"])
    close(ours.dfbeta, ref["dfbeta"])
    close(ours.dfbetas, ref["dfbetas"])


def test_naive_reference_checks_itself():
    # the hat values from unit-vector fits are those of the projector Q Q^T, and the
    # PRESS residuals satisfy the textbook identity e_i / (1 - h_i) = y_i - x_i b_(i)
    X, y = design(n=10, p=3, seed=5)
    ref = naive.get_influence(X, y)
    Q = np.linalg.qr(X)[0]
    assert_allclose(ref["hat"], (Q * Q).sum(axis=1), rtol=1e-12)
    e = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    assert_allclose(ref["press"], e / (1 - ref["hat"]), rtol=1e-10)


def test_pandas_names_and_index_in_summary_frame():
    pd = pytest.importorskip("pandas")
    X, y = design(n=40, p=3, seed=1)
    index = pd.Index([f"obs{i}" for i in range(40)], name="id")
    df = pd.DataFrame(X[:, 1:], columns=["height", "weight"], index=index).assign(const=1.0)
    df = df[["const", "height", "weight"]]
    ys = pd.Series(y, index=index, name="y")
    frame = OLS(ys, df).fit().get_influence().summary_frame()
    sm_frame = sm.OLS(ys, df).fit().get_influence().summary_frame()
    assert list(frame.columns) == list(sm_frame.columns)
    assert list(frame.columns) == [
        "dfb_const",
        "dfb_height",
        "dfb_weight",
        "cooks_d",
        "standard_resid",
        "hat_diag",
        "dffits_internal",
        "student_resid",
        "dffits",
    ]
    assert frame.index.equals(index) and frame.index.name == "id"
    close(frame.to_numpy(), sm_frame.to_numpy())
    # numpy input: a RangeIndex
    plain = OLS(y, X).fit().get_influence().summary_frame()
    assert isinstance(plain.index, pd.RangeIndex) and len(plain) == 40


def test_wls_is_ols_on_the_whitened_rows():
    # statsmodels' WLS results have no get_influence(), and its OLSInfluence applied to one
    # mixes the weighted and unweighted problems (its hat values sum to 1.94 here, not to
    # the rank 3), so the oracles are its OLS on sqrt(w)-scaled rows and the leave-one-out
    # definitions with weighted refits.
    X, y = design(n=30, p=3, seed=2)
    w = np.random.default_rng(7).uniform(0.2, 5.0, 30)
    ours = WLS(y, X, weights=w).fit().get_influence()
    root = np.sqrt(w)
    theirs = sm.OLS(y * root, X * root[:, None]).fit().get_influence()
    assert_matches_statsmodels(ours, theirs)
    ref = naive.get_influence(X, y, weights=w)
    close(ours.resid_studentized_external, ref["student_external"])
    close(ours.dfbetas, ref["dfbetas"])
    close(ours.cooks_distance[0], ref["cooks"])
    # the leverage is w_i x_i^T (X^T W X)^{-1} x_i
    h = w * np.einsum("ij,jk,ik->i", X, np.linalg.inv(X.T @ (w[:, None] * X)), X)
    close(ours.hat_matrix_diag, h)
    assert ours.hat_matrix_diag.sum() == pytest.approx(3.0, rel=1e-13)  # trace(H) = rank


def test_gls_with_a_diagonal_covariance_is_wls():
    X, y = design(n=25, p=3, seed=16)
    w = np.random.default_rng(17).uniform(0.5, 2.0, 25)
    wls = WLS(y, X, weights=w).fit().get_influence()
    gls = GLS(y, X, sigma=np.diag(1.0 / w)).fit().get_influence()
    assert isinstance(gls, OLSInfluence)
    for name in VECTORS + MATRICES:
        close(getattr(gls, name), getattr(wls, name))


def test_aliased_column_gives_nan_dfbetas_and_the_reduced_fit_elsewhere():
    X, y = design(n=50, p=4, seed=4)
    Xa = np.column_stack([X[:, :2], X[:, 1] + X[:, 2], X[:, 2:]])  # column 2 = x1 + x2
    with pytest.warns(CollinearityWarning):
        res = OLS(y, Xa).fit()
    ours = res.get_influence()
    kept = ~res.aliased
    assert kept.sum() == 4 and ours.rank == 4 and ours.k_vars == 5
    assert ours.dfbeta.shape == ours.dfbetas.shape == (50, 5)
    assert np.isnan(ours.dfbetas[:, ~kept]).all() and np.isnan(ours.dfbeta[:, ~kept]).all()
    theirs = sm.OLS(y, Xa[:, kept]).fit().get_influence()
    for name in VECTORS:
        close(getattr(ours, name), getattr(theirs, name))
    for name in TUPLES:
        close(getattr(ours, name)[0], getattr(theirs, name)[0])
    close(ours.dfbetas[:, kept], theirs.dfbetas)
    close(ours.dfbeta[:, kept], theirs.dfbeta)
    assert ours.dffits[1] == pytest.approx(2 * np.sqrt(4 / 50))
    frame = ours.summary_frame()
    aliased_name = f"dfb_{res.model.exog_names[int(np.flatnonzero(~kept)[0])]}"
    assert frame[aliased_name].isna().all() and frame.shape == (50, 5 + 6)


# --------------------------------------------------------------------------
# leverage 1
# --------------------------------------------------------------------------
@pytest.mark.parametrize(("n", "layout"), [(40, "full"), (300, "const+dummy")])
def test_leverage_one_gives_nan_and_a_warning(n, layout):
    rng = np.random.default_rng(11)
    s = 6
    dummy = np.zeros(n)
    dummy[s] = 2.5
    if layout == "full":
        X = np.column_stack([np.ones(n), rng.standard_normal((n, 2)), dummy])
    else:
        # [1, dummy]: jitla's QR computes this row's leverage 133 eps from 1 at n = 300
        X = np.column_stack([np.ones(n), dummy])
    y = rng.standard_normal(n)
    with pytest.warns(InfluenceWarning, match=r"^1 observation has leverage 1"):
        ours = OLS(y, X).fit().get_influence()
    assert ours.n_leverage_one == 1
    assert ours.hat_matrix_diag[s] == 1.0 and ours.resid_std[s] == 0.0
    for name in ("resid_studentized_internal", "resid_studentized_external", "cov_ratio", "resid_press"):
        assert np.isnan(getattr(ours, name)[s]), name
    for name in TUPLES:
        assert np.isnan(getattr(ours, name)[0][s]), name
    assert np.isnan(ours.cooks_distance[1][s])
    assert np.isnan(ours.dfbetas[s]).all() and np.isnan(ours.dfbeta[s]).all()
    assert np.isnan(ours.ess_press)
    # every other row is finite and agrees with statsmodels' refits
    others = np.arange(n) != s
    assert np.isfinite(ours.dfbetas[others]).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' refit without row s is singular
        theirs = sm.OLS(y, X).fit().get_influence()
        close(ours.resid_studentized_external[others], theirs.resid_studentized_external[others])
        close(ours.dfbetas[others], theirs.dfbetas[others])
        close(ours.cooks_distance[0][others], theirs.cooks_distance[0][others])


def test_two_leverage_one_rows_are_counted():
    rng = np.random.default_rng(12)
    n = 30
    X = np.column_stack([np.ones(n), rng.standard_normal(n), np.zeros(n), np.zeros(n)])
    X[2, 2] = 1.0
    X[9, 3] = 1.0
    with pytest.warns(InfluenceWarning, match=r"^2 observations have leverage 1"):
        ours = OLS(rng.standard_normal(n), X).fit().get_influence()
    assert ours.n_leverage_one == 2
    assert np.isnan(ours.resid_studentized_external[[2, 9]]).all()
    assert np.isfinite(np.delete(ours.resid_studentized_external, [2, 9])).all()


def test_high_leverage_below_one_is_not_flagged():
    # h_i = 1 - 1e-8: large, but well above the threshold (10 n eps); statsmodels agrees
    rng = np.random.default_rng(13)
    n = 40
    X = np.column_stack([np.ones(n), rng.standard_normal(n)])
    X[0, 1] = 1e4  # leverage ~ 1 - 1/(n x^2) relative to the others
    y = rng.standard_normal(n)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InfluenceWarning)
        ours = OLS(y, X).fit().get_influence()
    assert 1 - ours.hat_matrix_diag[0] < 1e-6
    theirs = sm.OLS(y, X).fit().get_influence()
    # 1 - h_0 ~ 1e-9 loses ~9 digits on both sides
    close(ours.resid_studentized_external, theirs.resid_studentized_external, rtol=1e-5)
    close(ours.cooks_distance[0], theirs.cooks_distance[0], rtol=1e-5)


def test_one_residual_degree_of_freedom():
    rng = np.random.default_rng(14)
    X = np.column_stack([np.ones(4), rng.standard_normal((4, 2))])
    ours = OLS(rng.standard_normal(4), X).fit().get_influence()
    assert np.isnan(ours.resid_studentized_external).all() and np.isnan(ours.dfbetas).all()
    assert np.isfinite(ours.resid_studentized_internal).all() and np.isfinite(ours.dfbeta).all()


# --------------------------------------------------------------------------
# the contract, the kernels, the inputs
# --------------------------------------------------------------------------
def standin_results(X, y, names):
    """A results object with only the contract's attributes, built from numpy's QR."""
    Q, R = np.linalg.qr(X)
    params = np.linalg.solve(R, Q.T @ y)
    resid = y - X @ params
    n, p = X.shape
    model = types.SimpleNamespace(
        exog=X, endog=y, wexog=X, wendog=y, weights=None, exog_names=names, nobs=float(n), row_labels=None
    )
    return types.SimpleNamespace(
        model=model,
        params=params,
        aliased=np.zeros(p, dtype=bool),
        rank=p,
        _R=R,
        wresid=resid,
        resid=resid,
        nobs=float(n),
        df_resid=float(n - p),
        ssr=float(resid @ resid),
        scale=float(resid @ resid) / (n - p),
    )


def test_needs_only_the_contract_attributes():
    X, y = design(n=25, p=3, seed=6)
    ours = OLSInfluence(standin_results(X, y, ["const", "x1", "x2"]))
    assert_matches_statsmodels(ours, sm.OLS(y, X).fit().get_influence())


def test_a_fits_inverse_row_norms_are_reused(monkeypatch):
    """A full-rank fit's results carry ``diag((X^T X)^{-1})`` (scaled): the influence takes it, no solve."""
    X, y = design(n=25, p=3, seed=6)
    res = OLS(y, X).fit()
    assert "_rinv_sq" in vars(res)
    solved = OLSInfluence(standin_results(X, y, ["const", "x1", "x2"]))  # no _rinv_sq: solves with R

    def no_solve(*args, **kwargs):
        raise AssertionError("solve_triangular called")

    monkeypatch.setattr("jitla.regression._influence.solve_triangular", no_solve)
    ours = OLSInfluence(res)
    close(ours.dfbetas, solved.dfbetas)
    close(ours.resid_studentized_external, solved.resid_studentized_external)


def test_inputs_are_not_modified():
    X, y = design(n=25, p=3, seed=8)
    res = OLS(y, X).fit()
    before = [a.copy() for a in (res.model.wexog, res.wresid, res._R, res.aliased)]
    infl = res.get_influence()
    infl.summary_frame()
    for a, b in zip(before, (res.model.wexog, res.wresid, res._R, res.aliased), strict=True):
        assert_array_equal(a, b)
    assert_array_equal(X, design(n=25, p=3, seed=8)[0])


def test_serial_and_parallel_kernels_agree_bitwise():
    X, y = design(n=3000, p=5, seed=9)
    Q, R = np.linalg.qr(X)
    e = y - X @ np.linalg.solve(R, Q.T @ y)
    R = np.ascontiguousarray(R)
    dinv = np.sqrt((np.linalg.inv(R) ** 2).sum(axis=1))
    fit = (float(e @ e), 2995.0, 10 * 3000 * np.finfo(float).eps)
    outs = []
    for kern in (influence_rows, influence_rows_parallel):
        stats, d1, d2 = np.empty((NSTAT, 3000)), np.empty((3000, 5)), np.empty((3000, 5))
        assert kern(X, e, R, dinv, fit, stats, d1, d2) == 0
        outs.append((stats, d1, d2))
    for a, b in zip(*outs, strict=True):
        assert_array_equal(a, b)
    assert_allclose(outs[0][0][0], (Q * Q).sum(axis=1), rtol=1e-12)


def test_registry_entries():
    kernels = registry("influence")
    assert [k.variant for k in kernels] == ["serial", "parallel"]
    assert [k.parallel for k in kernels] == [False, True]
    assert influence_flops(1000, 20) == 2 * 1000 * 20 * 20 + 4 * 1000 * 20


def test_inconsistent_results_are_rejected():
    X, y = design(n=25, p=3, seed=10)
    bad = standin_results(X, y, ["const", "x1", "x2"])
    bad.wresid = bad.wresid[:-1]
    with pytest.raises(ValueError, match="inconsistent results"):
        OLSInfluence(bad)
    bad = standin_results(X, y, ["const", "x1", "x2"])
    bad.aliased = np.zeros(4, dtype=bool)
    with pytest.raises(ValueError, match="aliased"):
        OLSInfluence(bad)


def test_summary_frame_without_pandas(monkeypatch):
    X, y = design(n=20, p=3, seed=15)
    infl = OLS(y, X).fit().get_influence()
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"summary_frame\(\) requires pandas"):
        infl.summary_frame()
