"""Regression edge cases that used to fail: degenerate responses, extreme column scales, bad
inputs to the estimator and the hypothesis parser, high-leverage influence, memory of the fit
paths, and fitting from column names without evaluating a formula.

Oracles: statsmodels (values for constant responses, F tests with dependent restrictions),
scikit-learn (error messages), mpmath at 60 digits (influence of an extreme-leverage row), the
unscaled problem (extreme column scales: scaling a column by a power of ten changes its
coefficient and standard error by exactly that factor), numpy's QR (the block-assembled R
factor) and the formula route (fits from column names).
"""

from __future__ import annotations

import tracemalloc
import warnings

import naive
import numpy as np
import pytest
from numpy.testing import assert_allclose

from jitla.linalg import qr_r_augmented
from jitla.regression import OLS, WLS, CollinearityWarning, LinearRegression, ols
from jitla.regression._constraints import MAX_DEPTH, linear_constraints

sm = pytest.importorskip("statsmodels.api")
pd = pytest.importorskip("pandas")


def _design(n=30, p=2, seed=0):
    rng = np.random.default_rng(seed)
    return np.column_stack([np.ones(n), rng.standard_normal((n, p))])


# ---------------------------------------------------------------- constant and zero responses
@pytest.mark.parametrize("value", [0.0, 3.0])
def test_constant_response_gives_statsmodels_ieee_values(value):
    X = _design()
    y = np.full(X.shape[0], value)
    res = OLS(y, X).fit()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.OLS(y, X).fit()
    # 1 - ssr / 0: -inf when rounding left some ssr (as statsmodels' -inf), NaN when ssr is 0
    expected = -np.inf if res.ssr > 0 else np.nan
    assert_allclose(res.rsquared, expected)
    assert_allclose(res.rsquared_adj, expected)
    if value == 0.0:
        assert res.ssr == 0.0
        assert_allclose(
            [res.rsquared, res.rsquared_adj, res.fvalue], [ref.rsquared, ref.rsquared_adj, ref.fvalue]
        )
        assert np.isnan(ref.f_pvalue) and np.isnan(res.f_pvalue)
        assert res.llf == ref.llf == np.inf
    # nothing to explain: the overall F is NaN (statsmodels: NaN for 0, rounding noise for c)
    assert np.isnan(res.fvalue) and np.isnan(res.f_pvalue)
    text = str(res.summary())
    assert "nan" in text and "R-squared" in text


def test_zero_residuals_f_test_is_inf_or_nan_not_linalgerror():
    X = _design()
    y = np.zeros(X.shape[0])
    res = OLS(y, X).fit()
    assert np.isnan(res.f_test("x1 = 0").fvalue)  # 0 / 0
    assert res.f_test("x1 = 1").fvalue == np.inf  # a non-zero difference over a zero variance


# ---------------------------------------------------------------- extreme column scales
@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e-160, 1e160, 1e200, 1e300])
def test_column_scale_changes_only_its_own_coefficient(scale):
    X = _design(40, 3, seed=1)
    y = X @ np.array([1.0, 2.0, -1.0, 0.5]) + 0.1 * np.random.default_rng(2).standard_normal(40)
    ref = OLS(y, X).fit()
    Xs = X.copy()
    Xs[:, 1] *= scale
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, no collinearity warning
        res = OLS(y, Xs).fit()
        factor = np.array([1.0, scale, 1.0, 1.0])
        assert_allclose(res.params * factor, ref.params, rtol=1e-12)
        assert_allclose(res.bse * factor, ref.bse, rtol=1e-12)
        assert_allclose(res.tvalues, ref.tvalues, rtol=1e-12)
        assert_allclose(res.conf_int() * factor[:, None], ref.conf_int(), rtol=1e-12)
        assert_allclose(res.HC3_se * factor, ref.HC3_se, rtol=1e-10)
        assert_allclose(res.t_test("x1 = 0").tvalue, ref.t_test("x1 = 0").tvalue, rtol=1e-12)
        assert_allclose(res.f_test("x1 = 0, x2 = 0").fvalue, ref.f_test("x1 = 0, x2 = 0").fvalue, rtol=1e-12)
        assert_allclose(res.fvalue, ref.fvalue, rtol=1e-12)
        assert_allclose(res.get_prediction().se_mean, ref.get_prediction().se_mean, rtol=1e-12)
        est = LinearRegression().fit(Xs[:, 1:], y)
    assert_allclose(est.coef_ * factor[1:], ref.params[1:], rtol=1e-12)


def test_column_whose_coefficient_overflows_is_aliased_with_a_warning():
    X = _design(40, 3, seed=1)
    y = X @ np.array([1.0, 2.0, -1.0, 0.5]) + 0.1 * np.random.default_rng(2).standard_normal(40)
    Xs = X.copy()
    Xs[:, 1] *= 1e-310  # coefficient ~2e310: beyond float64
    with pytest.warns(CollinearityWarning, match="outside float64's range"):
        res = OLS(y, Xs).fit()
    assert res.aliased.tolist() == [False, True, False, False]
    assert np.isnan(res.params[1])
    without = sm.OLS(y, np.delete(X, 1, axis=1)).fit()
    assert_allclose(np.delete(res.params, 1), without.params, rtol=1e-10)
    assert_allclose(np.delete(res.bse, 1), without.bse, rtol=1e-10)
    assert np.isfinite(np.delete(res.bse, 1)).all()


# ---------------------------------------------------------------- inputs: strings, parser, constraints
def test_linear_regression_refuses_strings_as_scikit_learn():
    skl = pytest.importorskip("sklearn.linear_model")
    X = np.array([["1", "2"], ["3", "4"], ["5", "7"], ["2", "9"]])
    y = [1.0, 2.0, 3.0, 5.0]
    with pytest.raises(ValueError) as theirs:
        skl.LinearRegression().fit(X, y)
    with pytest.raises(ValueError) as ours:
        LinearRegression().fit(X, y)
    assert str(ours.value) == str(theirs.value)
    fitted = LinearRegression().fit(X.astype(float), y)
    with pytest.raises(ValueError, match="arrays of bytes/strings"):
        fitted.predict(X.astype(bytes))


def test_deeply_nested_constraint_is_a_value_error():
    names = ["const", "x1", "x2"]
    R, q = linear_constraints("(" * MAX_DEPTH + "x1" + ")" * MAX_DEPTH, names)
    assert R.tolist() == [[0.0, 1.0, 0.0]] and q.tolist() == [0.0]
    for text in ("(" * 5000 + "x1" + ")" * 5000, "-" * 5000 + "x1"):
        with pytest.raises(ValueError, match="nested too deeply"):
            linear_constraints(text, names)
    res = OLS(np.arange(30.0) % 7, _design()).fit()
    with pytest.raises(ValueError, match="nested too deeply"):
        res.t_test("(" * 2000 + "x1" + ")" * 2000)


def test_f_test_inconsistent_and_dependent_restrictions():
    X = _design()
    y = X @ np.array([1.0, 0.5, -0.2]) + np.random.default_rng(3).standard_normal(X.shape[0])
    res = OLS(y, X).fit()
    with pytest.raises(ValueError, match="constraints are inconsistent"):
        res.f_test("x1 = 0, x1 = 1")
    with pytest.raises(ValueError, match="constraints are inconsistent"):
        res.f_test((np.array([[0.0, 1.0, 1.0], [0.0, 2.0, 2.0]]), np.array([1.0, 1.0])))
    # each row of a t test is its own hypothesis: allowed, as in statsmodels
    assert res.t_test("x1 = 0, x1 = 1").tvalue.shape == (2,)
    ref = sm.OLS(y, X).fit()
    for spec in ("x1 = 0, 2*x1 = 0", "x1 + x2 = 1, 2*x1 + 2*x2 = 2, x2 = 0"):
        ours = res.f_test(spec)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = ref.f_test(spec)
        assert_allclose(float(ours.fvalue), float(np.squeeze(theirs.fvalue)), rtol=1e-10)
        assert ours.df_num == theirs.df_num
        assert_allclose(ours.pvalue, theirs.pvalue, rtol=1e-9)


# ---------------------------------------------------------------- extreme leverage
def _influence_mp(X, y, dps=60):
    """Externally studentized residuals and DFFITS at *dps* digits (closed forms, exact data)."""
    mp = pytest.importorskip("mpmath")
    with mp.workdps(dps):
        A, Y = mp.matrix(X.tolist()), mp.matrix(y.tolist())
        n, k = X.shape
        inv = (A.T * A) ** -1
        e = Y - A * (inv * (A.T * Y))
        ssr = sum(v**2 for v in e)
        t, dffits = [], []
        for i in range(n):
            h = (A[i, :] * inv * A[i, :].T)[0]
            s2i = (ssr - e[i] ** 2 / (1 - h)) / (n - k - 1)
            ti = e[i] / mp.sqrt(s2i * (1 - h))
            t.append(float(ti))
            dffits.append(float(ti * mp.sqrt(h / (1 - h))))
    return np.array(t), np.array(dffits)


@pytest.mark.parametrize("x_far", [1e2, 1e6])
def test_extreme_leverage_row_against_60_digits(x_far):
    rng = np.random.default_rng(3)
    n = 20
    x = rng.standard_normal(n)
    x[7] = x_far
    y = 1 + 2 * x + rng.standard_normal(n)
    X = np.column_stack([np.ones(n), x])
    t, dffits = _influence_mp(X, y)
    infl = OLS(y, X).fit().get_influence()
    # statsmodels is accurate to ~1e-4 here at x = 1e6 (1 - h = 3e-11); the leave-one-out form
    # leaves only the rounding of the data's own y_i - x_i b_(i) (~1e-9)
    assert_allclose(infl.resid_studentized_external, t, rtol=1e-7)
    assert_allclose(infl.dffits[0], dffits, rtol=1e-7)
    ref = naive.get_influence(X, y)
    assert_allclose(infl.cooks_distance[0], ref["cooks"], rtol=1e-6)


# ---------------------------------------------------------------- memory of the fit paths
N_MEM, P_MEM = 100_000, 20


def _peak(fn):
    tracemalloc.start()
    try:
        result = fn()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def tall():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((N_MEM, P_MEM))
    y = X[:, 0] + rng.standard_normal(N_MEM)
    X1 = np.column_stack([np.ones(N_MEM), X])
    w = rng.uniform(0.5, 2.0, N_MEM)
    # compile outside the measurement, at the measured sizes (a 2,000-row warm-up takes other
    # kernel paths than 100,000 rows, and a compile inside the measurement allocates ~10 MB of
    # llvmlite IR: with a cold cache the test then depended on which tests ran before it)
    ols(X, y)
    OLS(y, X1).fit()
    WLS(y, X1, w).fit()
    return X, X1, y, w


def test_fit_paths_make_no_copy_of_the_data_beyond_the_model(tall):
    X, X1, y, w = tall
    vec = y.nbytes
    # ols owns [1 | X] (one copy, as the model's data) and y: nothing else of size n x p
    peak, res = _peak(lambda: ols(X, y))
    assert peak <= X1.nbytes + 4 * vec
    ref = sm.OLS(y, X1).fit()
    assert_allclose(res.params, ref.params, rtol=1e-10)
    peak, res = _peak(lambda: OLS(y, X1).fit())
    assert peak <= X1.nbytes + 4 * vec
    peak, res = _peak(lambda: WLS(y, X1, w).fit())
    assert peak <= X1.nbytes + 6 * vec
    assert_allclose(res.params, sm.WLS(y, X1, weights=w).fit().params, rtol=1e-10)
    # the estimator copies nothing of size n x p (only vectors: y, the weights and their roots):
    # the QR reads X block by block
    peak, est = _peak(lambda: LinearRegression().fit(X, y, sample_weight=w))
    assert peak <= 6 * vec
    assert_allclose(est.coef_, sm.WLS(y, X1, weights=w).fit().params[1:], rtol=1e-10)


@pytest.mark.parametrize("m", [7, 40, 5000])
@pytest.mark.parametrize("ones", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_qr_r_augmented_matches_householder_of_the_built_matrix(m, ones, weighted):
    rng = np.random.default_rng(m)
    X = rng.standard_normal((m, 3))
    Y = rng.standard_normal((m, 2))
    w = rng.uniform(0.5, 2.0, m) if weighted else None
    R = qr_r_augmented(X, Y, sqrt_weights=w, ones=ones)
    A = np.column_stack([np.ones(m)] * ones + [X, Y]) * (1.0 if w is None else w[:, None])
    n = A.shape[1]
    R0 = np.zeros((n, n))
    R0[: min(m, n)] = np.linalg.qr(A, mode="r")
    R0 *= np.where(np.diag(R0) < 0, -1.0, 1.0)[:, None]
    assert_allclose(R, R0, rtol=1e-12, atol=1e-12 * np.abs(R0).max())
    if m <= 60:  # the textbook reference too (plain Python, so small sizes only)
        R1 = np.zeros((n, n))
        R1[: min(m, n)] = np.asarray(naive.qr(A)[1])[: min(m, n)]
        R1 *= np.where(np.diag(R1) < 0, -1.0, 1.0)[:, None]
        assert_allclose(R, R1, rtol=1e-12, atol=1e-12 * np.abs(R0).max())


# ---------------------------------------------------------------- fitting from column names
def test_column_names_fit_equals_formula_fit():
    pytest.importorskip("formulaic")
    rng = np.random.default_rng(5)
    df = pd.DataFrame(rng.standard_normal((40, 3)), columns=["x1", "x2", "y"])
    by_names = ols(["x1", "x2"], "y", data=df)
    by_formula = ols("y ~ x1 + x2", data=df)
    assert list(by_names.params.index) == ["const", "x1", "x2"]
    assert_allclose(by_names.params.to_numpy(), by_formula.params.to_numpy(), rtol=1e-12)
    assert_allclose(by_names.bse.to_numpy(), by_formula.bse.to_numpy(), rtol=1e-12)
    assert by_names.model.endog_names == "y"
    w = rng.uniform(0.5, 2.0, 40)
    a = WLS.from_columns(dict(df), "y", ["x1"], weights=w).fit()
    b = WLS.from_formula("y ~ x1", df, weights=w).fit()
    assert_allclose(a.params, b.params.to_numpy(), rtol=1e-12)
    no_const = OLS.from_columns(df, "y", "x1", add_constant=False).fit()
    assert_allclose(no_const.params.to_numpy(), ols("y ~ x1 - 1", data=df).params.to_numpy(), rtol=1e-12)


def test_column_names_are_never_evaluated():
    df = pd.DataFrame({"x1": [1.0, 2.0, 3.0, 5.0], "y": [1.0, 3.0, 2.0, 6.0]})
    hook = "__import__('os').getcwd()"
    with pytest.raises(KeyError, match="not in data"):
        ols([hook], "y", data=df)
    with pytest.raises(KeyError, match="not in data"):
        OLS.from_columns(df, hook, ["x1"])
    # a column whose *name* looks like code is just a name
    df[hook] = [0.5, 1.0, 0.0, 2.0]
    res = ols([hook], "y", data=df)
    assert list(res.params.index) == ["const", hook]
    assert "never pass untrusted strings" in ols.__doc__


def test_tsqr_design_variants_agree_bitwise():
    from jitla.kernels import get_kernel

    rng = np.random.default_rng(6)
    X = rng.standard_normal((3000, 4))
    Y = rng.standard_normal((3000, 1))
    w = rng.uniform(0.5, 2.0, 3000)
    out = []
    for variant in ("serial", "parallel"):
        R = np.empty((6, 6))
        get_kernel("tsqr_design", variant).func(X, Y, w, 1, R, 256)
        out.append(R)
    assert np.array_equal(out[0], out[1])  # same row partition, same arithmetic
    from jitla.kernels import qr_tall

    # a signed block index in the parallel loop: one compilation of the block factor serves both
    assert not [sig for sig in qr_tall._factor_design_block.signatures if "uint" in str(sig)]
    A = np.column_stack([np.ones(3000), X, Y]) * w[:, None]
    assert_allclose(np.abs(np.diag(out[0])), np.abs(np.diag(np.linalg.qr(A, mode="r"))), rtol=1e-12)


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_influence_of_a_scaled_column_is_scale_free(scale):
    X = _design(30, 2, seed=7)
    y = X @ np.array([1.0, 0.5, -1.0]) + np.random.default_rng(8).standard_normal(30)
    ref = OLS(y, X).fit().get_influence()
    Xs = X.copy()
    Xs[:, 1] *= scale
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        infl = OLS(y, Xs).fit().get_influence()
        assert_allclose(infl.dfbetas, ref.dfbetas, rtol=1e-9, atol=1e-12)
        assert_allclose(infl.cooks_distance[0], ref.cooks_distance[0], rtol=1e-10)
        assert_allclose(infl.resid_studentized_external, ref.resid_studentized_external, rtol=1e-10)


def test_qr_r_augmented_rejects_mismatched_shapes_and_leaves_inputs_untouched():
    rng = np.random.default_rng(5)
    X, Y, w = rng.standard_normal((40, 3)), rng.standard_normal(40), rng.random(40)
    copies = X.copy(), Y.copy(), w.copy()
    with pytest.raises(ValueError, match="different numbers of rows: 40 and 39"):
        qr_r_augmented(X, Y[:-1])
    with pytest.raises(ValueError, match=r"sqrt_weights must have shape \(40,\)"):
        qr_r_augmented(X, Y, sqrt_weights=w[:-1])
    with pytest.raises(ValueError, match="X must be 2-D"):
        qr_r_augmented(X[:, 0], Y)
    # tall enough for the TSQR kernel: no shape check is left to the kernel
    big = rng.standard_normal((20000, 3))
    with pytest.raises(ValueError, match="different numbers of rows"):
        qr_r_augmented(big, rng.standard_normal(19999), ones=True)
    qr_r_augmented(X, Y, sqrt_weights=w, ones=True)
    for before, after in zip(copies, (X, Y, w), strict=True):
        np.testing.assert_array_equal(before, after)
