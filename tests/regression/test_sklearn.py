"""``jitla.regression.LinearRegression`` as a scikit-learn estimator, against scikit-learn itself.

Oracles: scikit-learn's own estimator checks (``parametrize_with_checks``),
``sklearn.linear_model.LinearRegression`` (``scipy.linalg.lstsq``, an SVD
route independent of jitla's QR), ``numpy.linalg.lstsq``, and least-squares
problems whose exact solution is known by construction (integers and binary
fractions, so that the data are exact in float64).

Tolerances: the random designs have cond(X) < 10, so both QR and the SVD
route give coefficients with relative error ~ n * cond * eps ~ 1e-13;
rtol 1e-10 (atol 1e-12 for entries near zero) leaves room for the two
routes' different rounding.  float32 inputs are converted to float64 by
both estimators before the solve (jitla keeps float64 results), so the same
tolerance holds.  Collinear designs: scikit-learn's minimum-norm solution
and jitla's aliased solution differ in the coefficients but span the same
fitted values, compared at rtol 1e-9 (cond of the kept columns ~ 10).
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.regression import CollinearityWarning, LinearRegression

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import LinearRegression as SkLinearRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

RTOL = 1e-10
ATOL = 1e-12


@parametrize_with_checks(
    [LinearRegression(), LinearRegression(fit_intercept=False), LinearRegression(method="pivoted")]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _data(n=60, p=4, k=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + np.linspace(-1.0, 2.0, p)  # non-zero column means
    beta = rng.standard_normal((p,) if k is None else (p, k))
    noise = rng.standard_normal((n,) if k is None else (n, k))
    y = 3.0 + X @ beta + 0.5 * noise
    w = rng.uniform(0.2, 3.0, n)
    return X, y, w


def _assert_same_fit(ours, ref, X, y, sample_weight=None):
    assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=ATOL)
    assert np.shape(ours.coef_) == np.shape(ref.coef_)
    assert np.shape(ours.intercept_) == np.shape(ref.intercept_)
    assert ours.rank_ == ref.rank_
    # atol: a centred design with fewer rows than columns has a singular value that is 0 in exact
    # arithmetic and rounding-sized in both fits
    assert_allclose(ours.singular_, ref.singular_, rtol=RTOL, atol=1e-13 * ref.singular_[0])
    assert ours.n_features_in_ == ref.n_features_in_
    assert_allclose(ours.predict(X), ref.predict(X), rtol=RTOL, atol=ATOL)
    assert_allclose(
        ours.score(X, y, sample_weight=sample_weight), ref.score(X, y, sample_weight=sample_weight), rtol=RTOL
    )


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("k", [None, 1, 3], ids=["y1d", "y2d-1", "y2d-3"])
def test_matches_sklearn(fit_intercept, weighted, k):
    X, y, w = _data(k=k)
    sw = w if weighted else None
    ours = LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    ref = SkLinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    _assert_same_fit(ours, ref, X, y, sw)


@pytest.mark.parametrize("method", ["qr", "pivoted", "svd", "normal"])
def test_methods_match_sklearn(method):
    X, y, w = _data(seed=1)
    ours = LinearRegression(method=method).fit(X, y, sample_weight=w)
    ref = SkLinearRegression().fit(X, y, sample_weight=w)
    # "normal" squares cond(X) (< 10 here): still ~1e-14 relative error
    _assert_same_fit(ours, ref, X, y, w)


def test_weights_equal_repetition():
    """Integer weights fit as repeated rows, zero weights as removed rows (exact semantics)."""
    X, y, _ = _data(n=40, seed=2)
    sw = np.random.default_rng(3).integers(0, 4, X.shape[0])
    sw[:3] = 0
    weighted = LinearRegression().fit(X, y, sample_weight=sw)
    repeated = LinearRegression().fit(np.repeat(X, sw, axis=0), np.repeat(y, sw))
    assert_allclose(weighted.coef_, repeated.coef_, rtol=RTOL, atol=ATOL)
    assert_allclose(weighted.intercept_, repeated.intercept_, rtol=RTOL)
    assert_allclose(weighted.predict(X), repeated.predict(X), rtol=RTOL, atol=ATOL)


def test_dataframe_feature_names():
    X, y, w = _data(seed=4)
    df = pd.DataFrame(X, columns=["age", "income", "rate", "score"])
    ys = pd.Series(y, name="target")
    ours = LinearRegression().fit(df, ys, sample_weight=pd.Series(w))
    ref = SkLinearRegression().fit(df, ys, sample_weight=w)
    assert_array_equal(ours.feature_names_in_, ref.feature_names_in_)
    assert ours.feature_names_in_.dtype == object
    _assert_same_fit(ours, ref, df, ys, w)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        ours.predict(X)
    with pytest.raises(ValueError, match="feature names should match"):
        ours.predict(df[["income", "age", "rate", "score"]])
    # refitting on a plain array forgets the names, as scikit-learn
    assert not hasattr(ours.fit(X, y), "feature_names_in_")


def test_pipeline_clone_and_grid_search():
    X, y, _ = _data(n=90, seed=5)
    ours = make_pipeline(StandardScaler(), LinearRegression()).fit(X, y)
    ref = make_pipeline(StandardScaler(), SkLinearRegression()).fit(X, y)
    assert_allclose(ours.predict(X), ref.predict(X), rtol=RTOL)
    assert_allclose(ours[-1].coef_, ref[-1].coef_, rtol=RTOL)

    est = LinearRegression(fit_intercept=False, method="pivoted", refine=True, tol=1e-10)
    twin = clone(est)
    assert twin is not est
    assert twin.get_params() == est.get_params()
    assert not hasattr(clone(est.fit(X, y)), "coef_")

    grid = {"fit_intercept": [False, True], "method": ["qr", "svd"]}
    search = GridSearchCV(LinearRegression(), grid, cv=3).fit(X, y)
    ref_search = GridSearchCV(SkLinearRegression(), {"fit_intercept": [False, True]}, cv=3).fit(X, y)
    assert search.best_params_["fit_intercept"] is True  # y has intercept 3
    scores = search.cv_results_["mean_test_score"]
    ref_scores = ref_search.cv_results_["mean_test_score"]
    # parameter grid order: (fit_intercept, method) with method varying fastest
    assert_allclose(scores, np.repeat(ref_scores, 2), rtol=1e-9)
    assert_allclose(search.best_estimator_.coef_, SkLinearRegression().fit(X, y).coef_, rtol=RTOL)


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_float32_and_integer_input(dtype):
    rng = np.random.default_rng(6)
    X = rng.integers(-20, 20, (50, 3)).astype(dtype)
    y = rng.integers(-50, 50, 50).astype(dtype)
    ours = LinearRegression().fit(X, y)
    ref = SkLinearRegression().fit(X.astype(np.float64), y.astype(np.float64))
    assert ours.coef_.dtype == np.float64  # jitla computes and returns float64 (documented)
    _assert_same_fit(ours, ref, X.astype(np.float64), y.astype(np.float64))
    assert_allclose(ours.predict(X), ref.predict(X.astype(np.float64)), rtol=RTOL, atol=1e-10)


@pytest.mark.parametrize("method", ["qr", "pivoted"])
def test_collinear_feature_is_named_and_nan(method):
    X, y, _ = _data(n=50, p=3, seed=7)
    df = pd.DataFrame(
        {"a": X[:, 0], "b": X[:, 1], "a_plus_b": X[:, 0] + X[:, 1], "c": X[:, 2]},
    )
    with pytest.warns(CollinearityWarning, match=r"\['a_plus_b'\]"):
        ours = LinearRegression(method=method).fit(df, y)
    assert np.isnan(ours.coef_[2])
    assert np.isfinite(ours.coef_[[0, 1, 3]]).all()
    ref = SkLinearRegression().fit(df, y)
    assert ours.rank_ == ref.rank_ == 3
    assert_allclose(ours.singular_[:3], ref.singular_[:3], rtol=1e-9)
    assert ours.singular_[3] < 1e-12 * ours.singular_[0]
    pred = ours.predict(df)
    assert np.isfinite(pred).all()
    # the fitted values are unique even when the coefficients are not
    assert_allclose(pred, ref.predict(df), rtol=1e-9)
    # dropping the aliased column is the same fit
    drop = SkLinearRegression().fit(df.drop(columns="a_plus_b"), y)
    assert_allclose(ours.coef_[[0, 1, 3]], drop.coef_, rtol=1e-9)
    assert_allclose(ours.intercept_, drop.intercept_, rtol=1e-9)


def test_unnamed_collinear_feature_and_constant_column():
    X, y, _ = _data(n=50, p=2, seed=8)
    A = np.column_stack([X, 2.0 * X[:, 0], np.full(50, 4.0)])  # x2 = 2 x0, x3 constant
    with pytest.warns(CollinearityWarning, match=r"\['x2', 'x3'\]"):
        ours = LinearRegression().fit(A, y)
    assert np.isnan(ours.coef_[2:]).all()
    assert_allclose(ours.predict(A), SkLinearRegression().fit(A, y).predict(A), rtol=1e-9)


def test_inputs_not_modified():
    X, y, w = _data(k=2, seed=9)
    Xf = np.asfortranarray(X)
    df = pd.DataFrame(X, columns=list("abcd"))
    copies = [Xf.copy(), y.copy(), w.copy(), df.copy()]
    est = LinearRegression(refine=True).fit(Xf, y, sample_weight=w)
    est.predict(Xf)
    est.score(Xf, y, sample_weight=w)
    LinearRegression(method="svd").fit(df, y[:, 0], sample_weight=w).predict(df)
    assert_array_equal(Xf, copies[0])
    assert_array_equal(y, copies[1])
    assert_array_equal(w, copies[2])
    pd.testing.assert_frame_equal(df, copies[3])
    # and the fitted attributes are not views of the user's arrays
    assert not np.shares_memory(est.coef_, X) and not np.shares_memory(est.coef_, y)


def test_refine_well_conditioned_matches_numpy():
    X, y, _ = _data(n=80, p=5, seed=10)
    A = np.column_stack([np.ones(80), X])
    ref = np.linalg.lstsq(A, y, rcond=None)[0]
    for refine in (False, True):
        est = LinearRegression(refine=refine).fit(X, y)
        assert_allclose(np.r_[est.intercept_, est.coef_], ref, rtol=1e-12)


def _exact_polynomial_problem(d, residual_scale):
    """Raw-power polynomial design with an exactly known least-squares solution.

    t = -9, -8.75, ..., -3 (binary fractions): every power t**j, j <= d <= 7, and
    every y below are exact in float64.  The residual is a multiple of the
    (d+1)-th finite-difference stencil, which is exactly orthogonal to every
    polynomial of degree <= d sampled on equispaced points, so the least-squares
    coefficients are exactly (b0, beta) whatever residual_scale is.
    """
    from math import comb

    t = -9.0 + 0.25 * np.arange(25)
    X = np.column_stack([t**j for j in range(1, d + 1)])
    beta = np.arange(1.0, d + 1) * (-1.0) ** np.arange(d)
    stencil = np.array([comb(d + 1, i) * (-1.0) ** i for i in range(d + 2)])
    r = np.zeros(25)
    r[: d + 2] += stencil
    r[-(d + 2) :] += 1000.0 * stencil
    y = 5.0 + X @ beta + residual_scale * r
    A = np.column_stack([np.ones(25), X])
    assert np.all(A.T @ r == 0.0)  # exact in float64: integers well below 2**53
    return X, y, np.r_[5.0, beta]


@pytest.mark.parametrize(("d", "residual_scale"), [(6, 0.0), (6, 1024.0), (7, 1.0)])
def test_refine_on_ill_conditioned_polynomial(d, residual_scale):
    """cond([1 | t .. t^d]) ~ 6e8 (d=6) and 2e10 (d=7): plain QR keeps ~cond * eps (or, with a large
    residual, ~cond^2 * eps) relative error; refinement recovers the exact solution to 1e-13."""
    X, y, exact = _exact_polynomial_problem(d, residual_scale)
    errs = {}
    for refine in (False, True):
        est = LinearRegression(refine=refine).fit(X, y)
        assert est.rank_ == d
        errs[refine] = np.max(np.abs(np.r_[est.intercept_, est.coef_] - exact) / np.abs(exact))
    assert errs[True] <= 1e-13
    assert errs[True] < errs[False]
    assert errs[False] > 1e-11  # the problem is hard for plain QR, so the comparison means something


def test_bad_input_errors():
    X, y, w = _data(seed=11)
    with pytest.raises(ValueError, match="non-zero"):
        LinearRegression().fit(X, y, sample_weight=np.zeros(X.shape[0]))
    with pytest.raises(ValueError, match="Negative values"):
        LinearRegression().fit(X, y, sample_weight=-w)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        LinearRegression().fit(bad, y)
    bad[3, 1] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        LinearRegression().fit(bad, y)
    with pytest.raises(ValueError, match="Input y contains NaN"):
        LinearRegression().fit(X, np.where(np.arange(len(y)) == 2, np.nan, y))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LinearRegression().fit(X, y[:-1])
    with pytest.raises(ValueError, match="method must be one of"):
        LinearRegression(method="cholesky").fit(X, y)
    with pytest.raises(ValueError, match="refine=True needs method"):
        LinearRegression(method="svd", refine=True).fit(X, y)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        LinearRegression().predict(X)


def test_large_finite_values_are_not_mistaken_for_infinity():
    """The fast finiteness check sums X; a sum that overflows must not reject finite data."""
    rng = np.random.default_rng(12)
    X = rng.standard_normal((30, 2))
    est = LinearRegression().fit(X, X @ [1.0, -2.0])
    big = 1e307 * (1.5 + rng.random((30, 2)))  # finite entries whose sum overflows to inf
    with np.errstate(over="ignore"):
        assert not np.isfinite(big.sum())
        pred = est.predict(big)
    assert_allclose(pred, big @ est.coef_ + est.intercept_, rtol=1e-12)
    big[5, 1] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        est.predict(big)


def test_multioutput_without_intercept_has_scalar_zero_intercept():
    X, y, _ = _data(k=2, seed=13)
    ours = LinearRegression(fit_intercept=False).fit(X, y)
    ref = SkLinearRegression(fit_intercept=False).fit(X, y)
    assert ours.intercept_ == ref.intercept_ == 0.0
    assert ours.coef_.shape == ref.coef_.shape == (2, 4)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("k", [None, 2], ids=["y1d", "y2d-2"])
def test_underdetermined_is_minimum_norm_as_sklearn(fit_intercept, weighted, k):
    """p > n: scikit-learn's minimum-norm least-squares solution, an exact interpolant."""
    X, y, w = _data(n=6, p=9, k=k, seed=14)
    sw = w if weighted else None
    Xc = X.copy()
    ours = LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    ref = SkLinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    assert_array_equal(X, Xc)
    # cond of the (centred) 6 x 9 design ~ 10: both SVD routes agree to ~1e-14
    _assert_same_fit(ours, ref, X, y, sw)
    assert_allclose(ours.predict(X), y, rtol=1e-10, atol=1e-10)  # interpolates
    # the minimum-norm member: orthogonal to the null space of the centred X
    Xc = X - np.average(X, axis=0, weights=sw) if fit_intercept else X
    null = np.linalg.svd(Xc)[2][Xc.shape[0] :]
    assert_allclose(null @ np.asarray(ours.coef_).T, 0.0, atol=1e-12)


def test_underdetermined_zero_weights_remove_rows():
    """Rows of weight 0 do not count: 8 rows, 3 of weight 0, leave 5 < 6 + 1 coefficients."""
    X, y, _ = _data(n=8, p=6, seed=15)
    sw = np.array([1.0, 0.0, 2.0, 1.0, 0.0, 3.0, 0.0, 1.0])
    ours = LinearRegression().fit(X, y, sample_weight=sw)
    kept = sw > 0
    ref = SkLinearRegression().fit(X[kept], y[kept], sample_weight=sw[kept])
    assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL)


def test_read_only_input_compiles_no_second_specialisation():
    """A DataFrame's values (read-only under pandas' copy-on-write) reach the kernels as writeable."""
    import numba

    from jitla.kernels._registry import get_kernel

    X, y, _ = _data(seed=16)
    ro = X.copy()
    ro.flags.writeable = False
    df = pd.DataFrame(X, columns=list("abcd"))
    kernels = [get_kernel("least_squares", name).func for name in ("design_r", "solve_from_r")]
    ref = LinearRegression().fit(X, y)
    for data in (ro, df):
        ours = LinearRegression().fit(data, y)
        assert_array_equal(ours.coef_, ref.coef_)
        assert_allclose(ours.predict(data), ref.predict(X), rtol=1e-13)  # same coefficients
    assert not ro.flags.writeable  # the caller's flag is left as it was
    for kernel in kernels:
        arrays = [t for sig in kernel.signatures for t in sig if isinstance(t, numba.types.Array)]
        assert arrays and all(t.mutable for t in arrays), kernel.signatures


def test_singular_values_follow_the_last_fit_when_read_late():
    """``singular_`` is computed when first read (devlog 086): always of the last fit, pickled unread."""
    import pickle

    X1, y1, _ = _data(seed=17)
    X2, y2, _ = _data(n=40, seed=18)
    X3, y3, _ = _data(n=6, p=9, seed=19)  # underdetermined: the SVD route sets it directly
    est = LinearRegression()
    assert not hasattr(est, "singular_")
    ref1, ref2, ref3 = (SkLinearRegression().fit(X, y).singular_ for X, y in ((X1, y1), (X2, y2), (X3, y3)))
    est.fit(X1, y1).fit(X2, y2)  # the first fit's factor is never read
    assert_allclose(est.singular_, ref2, rtol=RTOL)
    est.fit(X1, y1)  # after a read: the new fit's values, not the stored ones
    unread = pickle.loads(pickle.dumps(est))
    assert_allclose(est.singular_, ref1, rtol=RTOL)
    assert_array_equal(unread.singular_, est.singular_)
    assert_allclose(est.fit(X3, y3).singular_, ref3, rtol=RTOL, atol=1e-13 * ref3[0])
    assert_allclose(est.fit(X2, y2).singular_, ref2, rtol=RTOL)
