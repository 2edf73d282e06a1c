"""jitla.regression.diagnostics against statsmodels (and numpy/scipy/mpmath where it has no twin).

Tolerances: the residual tests are a few passes of sums over n <= 200
values, rtol 1e-12.  The LM tests and RESET solve small least-squares
problems (cond <= 1e3 here) by QR where statsmodels uses a pseudo-inverse:
rtol 1e-10.  Longley (cond ~ 5e9 unscaled) VIF: statsmodels' pinv fit
carries ~cond * eps relative error in 1 - R^2, so rtol 1e-8, with an
mpmath (50 digits) reference for the tight check.
"""

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from jitla.regression import diagnostics as D

sm = pytest.importorskip("statsmodels.api")
smd = pytest.importorskip("statsmodels.stats.diagnostic")
sms = pytest.importorskip("statsmodels.stats.stattools")
from statsmodels.stats.outliers_influence import variance_inflation_factor as sm_vif  # noqa: E402


def _design(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [np.ones(n), rng.standard_normal(n), rng.uniform(0, 3, n), (rng.random(n) > 0.5).astype(float)]
    )
    y = X @ [1.0, 2.0, -1.0, 0.5] + 0.3 * X[:, 1] ** 2 + rng.standard_normal(n) * (0.5 + X[:, 2])
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = _design()
    return X, y, sm.OLS(y, X).fit()


def _frozen(*arrays):
    """Read-only copies: a write to an input would raise, and the copies prove nothing changed."""
    out = []
    for a in arrays:
        a = np.array(a, dtype=float)
        a.setflags(write=False)
        out.append(a)
    return out


def _stub_results(X, y, fitted):
    """The attributes linear_reset reads, and nothing else."""
    return SimpleNamespace(model=SimpleNamespace(exog=X, endog=y), fittedvalues=fitted)


# --------------------------------------------------------------------------
# residual tests
# --------------------------------------------------------------------------
def test_durbin_watson(fitted):
    _, _, res = fitted
    (e,) = _frozen(res.resid)
    assert_allclose(D.durbin_watson(e), sms.durbin_watson(e), rtol=1e-12)
    E = np.random.default_rng(1).standard_normal((30, 3)).cumsum(axis=0)
    assert_allclose(D.durbin_watson(E), sms.durbin_watson(E), rtol=1e-12)
    assert_allclose(D.durbin_watson(E.T, axis=1), sms.durbin_watson(E.T, axis=1), rtol=1e-12)
    assert D.durbin_watson(E).shape == (3,)
    assert_allclose(D.durbin_watson(pd.Series(e)), sms.durbin_watson(e), rtol=1e-12)


def test_jarque_bera(fitted):
    _, _, res = fitted
    (e,) = _frozen(res.resid)
    assert_allclose(D.jarque_bera(e), sms.jarque_bera(e), rtol=1e-12)
    skewed = np.random.default_rng(2).exponential(size=(200, 2))
    for axis, data in ((0, skewed), (1, skewed.T)):
        ours, ref = D.jarque_bera(data, axis=axis), sms.jarque_bera(data, axis=axis)
        for a, b in zip(ours, ref, strict=True):
            assert_allclose(a, b, rtol=1e-12)
    with pytest.raises(ValueError, match="at least 2 elements"):
        D.jarque_bera([1.0])


def test_omni_normtest(fitted):
    _, _, res = fitted
    (e,) = _frozen(res.resid)
    assert_allclose(D.omni_normtest(e), sms.omni_normtest(e), rtol=1e-12)
    data = np.random.default_rng(4).standard_t(3, size=(50, 2))
    ours, ref = D.omni_normtest(data), sms.omni_normtest(data)
    assert_allclose(ours[0], ref[0], rtol=1e-12)
    assert_allclose(ours[1], ref[1], rtol=1e-12)
    with pytest.warns(UserWarning, match="less than 8 observations"):
        stat, pvalue = D.omni_normtest(np.arange(5.0))
    assert np.isnan(stat) and np.isnan(pvalue)


@pytest.mark.parametrize("func", [D.durbin_watson, D.jarque_bera, D.omni_normtest])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_residual_tests_reject_nonfinite(func, bad):
    e = np.linspace(-1, 1, 20)
    e[3] = bad
    with pytest.raises(ValueError, match="resids must not contain infs or NaNs"):
        func(e)


# --------------------------------------------------------------------------
# heteroscedasticity
# --------------------------------------------------------------------------
@pytest.mark.parametrize("robust", [True, False])
def test_het_breuschpagan(fitted, robust):
    X, _, res = fitted
    e, Xf = _frozen(res.resid, X)
    ours = D.het_breuschpagan(e, Xf, robust=robust)
    assert_allclose(ours, smd.het_breuschpagan(e, Xf, robust=robust), rtol=1e-10)
    assert ours[0] > 0 and 0 <= ours[1] <= 1


@pytest.mark.parametrize("interaction_terms", [True, False])
def test_het_white(fitted, interaction_terms):
    # X has a 0/1 dummy: d*d = d and const*d = d, so the auxiliary design is
    # rank-deficient; degrees of freedom must come from its rank as statsmodels'
    X, _, res = fitted
    e, Xf = _frozen(res.resid, X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' SingularMatrixWarning
        ref = smd.het_white(e, Xf, interaction_terms=interaction_terms)
    assert_allclose(D.het_white(e, Xf, interaction_terms=interaction_terms), ref, rtol=1e-10)


def test_het_white_continuous_only():
    X, y = _design(n=120, seed=5)
    X = X[:, :3]
    e = sm.OLS(y, X).fit().resid
    assert_allclose(D.het_white(e, X), smd.het_white(e, X), rtol=1e-10)


@pytest.mark.parametrize("func", [D.het_breuschpagan, D.het_white])
def test_het_bad_input(fitted, func):
    X, _, res = fitted
    e = np.asarray(res.resid)
    with pytest.raises(
        ValueError, match="requires exog to have at least two columns where one is a constant"
    ):
        func(e, X[:, 1:])
    with pytest.raises(ValueError, match="requires exog to have at least two columns"):
        func(e, X[:, :1])
    with pytest.raises(ValueError, match=r"same number of observations: resid has shape \(79,\)"):
        func(e[:-1], X)
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="must not contain infs or NaNs"):
        func(e, bad)
    e_bad = e.copy()
    e_bad[0] = np.inf
    with pytest.raises(ValueError, match="resid must not contain infs or NaNs"):
        func(e_bad, X)


def test_het_accepts_pandas(fitted):
    X, _, res = fitted
    frame = pd.DataFrame(X, columns=["const", "a", "b", "d"])
    assert_allclose(
        D.het_breuschpagan(pd.Series(res.resid), frame), smd.het_breuschpagan(res.resid, X), rtol=1e-10
    )


# --------------------------------------------------------------------------
# RESET
# --------------------------------------------------------------------------
@pytest.mark.parametrize("test_type", ["fitted", "exog", "princomp"])
@pytest.mark.parametrize("use_f", [False, True])
@pytest.mark.parametrize("power", [3, [2, 4]])
def test_linear_reset_matches_statsmodels(fitted, test_type, use_f, power):
    X, y, res = fitted
    Xf, yf, fv = _frozen(X, y, res.fittedvalues)
    ours = D.linear_reset(_stub_results(Xf, yf, fv), power=power, test_type=test_type, use_f=use_f)
    ref = smd.linear_reset(res, power=power, test_type=test_type, use_f=use_f)
    # "princomp": statsmodels finds the component by NIPALS iteration to a
    # tolerance of ~1e-8; ours is the exact leading singular vector
    rtol = 1e-5 if test_type == "princomp" else 1e-10
    assert_allclose(ours.statistic, np.squeeze(ref.statistic), rtol=rtol)
    assert_allclose(ours.pvalue, ref.pvalue, rtol=rtol)
    if use_f:
        assert ours.distribution == "F"
        assert (ours.df_num, ours.df_denom) == (ref.df_num, ref.df_denom)
    else:
        assert ours.distribution == "chi2" and ours.df_denom is None
        assert ours.df_num == ref.df_denom  # statsmodels stores the chi2 df in df_denom


def test_linear_reset_detects_nonlinearity():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 4, 100)
    X = np.column_stack([np.ones(100), x])
    y = np.exp(x) + rng.standard_normal(100)
    res = sm.OLS(y, X).fit()
    out = D.linear_reset(_stub_results(X, y, res.fittedvalues), use_f=True)
    assert out.pvalue < 1e-6
    assert_allclose(out.statistic, smd.linear_reset(res, use_f=True).fvalue, rtol=1e-10)


def test_linear_reset_result_is_frozen(fitted):
    X, y, res = fitted
    out = D.linear_reset(_stub_results(X, y, res.fittedvalues))
    with pytest.raises(AttributeError):
        out.statistic = 0.0


def test_linear_reset_bad_input(fitted):
    X, y, res = fitted
    stub = _stub_results(X, y, res.fittedvalues)
    with pytest.raises(ValueError, match="power must be >= 2"):
        D.linear_reset(stub, power=1)
    with pytest.raises(ValueError, match="distinct integers all >= 2"):
        D.linear_reset(stub, power=[2, 2])
    with pytest.raises(ValueError, match="test_type must be one of"):
        D.linear_reset(stub, test_type="cubic")
    only_const = _stub_results(X[:, :1], y, np.full_like(y, y.mean()))
    with pytest.raises(ValueError, match="only a constant column"):
        D.linear_reset(only_const)
    binary = _stub_results(X[:, [0, 3]], y, res.fittedvalues)
    with pytest.raises(ValueError, match="only constant or binary"):
        D.linear_reset(binary, test_type="exog")
    with pytest.raises(ValueError, match="same number of observations"):
        D.linear_reset(_stub_results(X, y[:-1], res.fittedvalues))


@pytest.mark.parametrize("test_type", ["fitted", "exog", "princomp"])
def test_linear_reset_through_jitla_ols(fitted, test_type):
    regression = pytest.importorskip("jitla.regression")
    if not hasattr(regression, "OLS"):
        pytest.skip("jitla.regression.OLS has not landed")
    X, y, res = fitted
    ours = D.linear_reset(regression.OLS(y, X).fit(), power=3, test_type=test_type, use_f=True)
    ref = smd.linear_reset(res, power=3, test_type=test_type, use_f=True)
    rtol = 1e-5 if test_type == "princomp" else 1e-10  # NIPALS tolerance, as above
    assert_allclose(ours.statistic, ref.fvalue, rtol=rtol)
    assert_allclose(ours.pvalue, ref.pvalue, rtol=rtol)


# --------------------------------------------------------------------------
# collinearity
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def longley():
    data = sm.datasets.longley.load_pandas()
    X = sm.add_constant(data.exog).to_numpy()
    X.setflags(write=False)
    return X


@pytest.mark.parametrize("standardize", [True, False])
def test_vif_longley_vs_statsmodels(longley, standardize):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' "poorly conditioned" warning
        ref = np.array([sm_vif(longley, j, standardize=standardize) for j in range(longley.shape[1])])
    assert_allclose(D.vif(longley, standardize=standardize), ref, rtol=1e-8)
    for j in (1, -1):
        ours = D.variance_inflation_factor(longley, j, standardize=standardize)
        assert_allclose(ours, ref[j], rtol=1e-8)


def test_vif_longley_vs_mpmath(longley):
    # VIF_j = centered_tss_j * [(X^T X)^{-1}]_jj for a non-constant column when X has a constant
    mp = pytest.importorskip("mpmath")
    with mp.workdps(50):
        A = mp.matrix(longley.tolist())
        G_inv = (A.T * A) ** -1
        n = longley.shape[0]
        for j in range(1, longley.shape[1]):
            col = [mp.mpf(v) for v in longley[:, j]]
            mean = mp.fsum(col) / n
            tss = mp.fsum((v - mean) ** 2 for v in col)
            ref = float(tss * G_inv[j, j])
            assert_allclose(D.variance_inflation_factor(longley, j, standardize=False), ref, rtol=1e-10)
            assert_allclose(D.vif(longley, standardize=False)[j], ref, rtol=1e-10)


@pytest.mark.parametrize("standardize", [True, False])
def test_vif_implicit_constant(standardize):
    # a full set of dummies spans the constant: statsmodels then centers R^2 (standardize=False);
    # standardized dummies become exactly dependent (the rank-deficient fallback of vif)
    rng = np.random.default_rng(10)
    g = rng.integers(0, 3, 50)
    X = np.column_stack([(g == k).astype(float) for k in range(3)] + [rng.standard_normal((50, 2))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = np.array([sm_vif(X, j, standardize=standardize) for j in range(5)])
    assert_allclose(D.vif(X, standardize=standardize), ref, rtol=1e-10)


def test_vif_without_constant_and_with_dependency():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((40, 3)) + 2.0
    for standardize in (True, False):
        ref = [sm_vif(X, j, standardize=standardize) for j in range(3)]
        assert_allclose(D.vif(X, standardize=standardize), ref, rtol=1e-10)
    dep = np.column_stack([np.ones(40), X, X[:, 0] - X[:, 1]])  # exact dependency
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = np.array([sm_vif(dep, j, standardize=False) for j in range(5)])
    ours = D.vif(dep, standardize=False)
    involved = [1, 2, 4]
    # ~1/1e-15 (R^2 clipped, as statsmodels), not a round-off number
    assert np.all(ours[involved] >= 1e14) and np.all(ref[involved] >= 1e14)
    assert_allclose(ours[[0, 3]], ref[[0, 3]], rtol=1e-8)


def test_vif_bad_input(longley):
    with pytest.raises(ValueError, match="out of range"):
        D.variance_inflation_factor(longley, 7)
    with pytest.raises(ValueError, match="at least 2 columns"):
        D.vif(longley[:, :1])
    bad = np.array(longley)
    bad[0, 2] = np.inf
    with pytest.raises(ValueError, match="exog must not contain infs or NaNs"):
        D.vif(bad)


def _bkw_reference(X):
    """Condition indices and proportions through the eigen-decomposition of the scaled X^T X (scipy)."""
    from scipy.linalg import eigh

    Z = X / np.linalg.norm(X, axis=0)
    lam, V = eigh(Z.T @ Z)
    lam, V = lam[::-1], V[:, ::-1]
    phi = V**2 / lam  # phi[j, k] = v_jk^2 / mu_k^2
    return np.sqrt(lam[0] / lam), (phi / phi.sum(axis=1, keepdims=True)).T


def test_condition_indices_vs_eigh():
    # a moderately collinear design, so that the eigen route through Z^T Z is itself accurate
    rng = np.random.default_rng(9)
    X = rng.standard_normal((50, 4))
    X[:, 3] = X[:, 0] + 0.05 * rng.standard_normal(50)
    X = np.column_stack([np.ones(50), X])
    (Xf,) = _frozen(X)
    out = D.condition_indices(Xf)
    eta, pi = _bkw_reference(X)
    assert_allclose(out.condition_indices, eta, rtol=1e-10)
    assert_allclose(out.variance_proportions, pi, rtol=1e-8, atol=1e-12)
    assert_allclose(
        out.singular_values, np.linalg.svd(X / np.linalg.norm(X, axis=0), compute_uv=False), rtol=1e-12
    )
    assert_allclose(out.column_norms, np.linalg.norm(X, axis=0), rtol=1e-14)


def test_condition_indices_longley(longley):
    out = D.condition_indices(longley)
    Z = longley / np.linalg.norm(longley, axis=0)
    _, s, Vt = np.linalg.svd(Z, full_matrices=False)
    assert_allclose(out.singular_values, s, rtol=1e-9)  # smallest mu ~ 1e-5 mu_1: relative error ~ eps / 1e-5
    assert_allclose(out.condition_indices, s[0] / s, rtol=1e-9)
    phi = Vt**2 / (s**2)[:, None]
    assert_allclose(out.variance_proportions, phi / phi.sum(axis=0), rtol=1e-6, atol=1e-10)
    assert_allclose(out.variance_proportions.sum(axis=0), 1.0, rtol=1e-12)
    # BKW's reading of Longley: a strong dependency (index > 30) carrying the constant and GNP deflator
    assert out.condition_number > 1e4
    assert out.variance_proportions[-1, 0] > 0.5 and out.variance_proportions[-1, -1] > 0.5


def test_condition_indices_unscaled_and_bad_input(longley):
    out = D.condition_indices(longley, scale=False)
    assert_allclose(out.singular_values, np.linalg.svd(longley, compute_uv=False), rtol=1e-9)
    assert np.all(out.column_norms == 1.0)
    zero = np.array(longley)
    zero[:, 2] = 0.0
    with pytest.raises(ValueError, match="all-zero column"):
        D.condition_indices(zero)
    with pytest.raises(ValueError, match="at least as many rows as columns"):
        D.condition_indices(longley[:3])
    with pytest.raises(ValueError, match="must not contain infs or NaNs"):
        D.condition_indices(np.full((3, 2), np.nan))
