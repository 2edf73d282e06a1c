"""lars_path, Lars, LassoLars and LassoLarsIC against three independent oracles.

Oracles: ``naive.lars_path`` (the whole path in exact rational arithmetic,
recomputed from scratch at each step); scikit-learn's ``lars_path`` and
estimators (an independent implementation, same scaling); jitla's
coordinate-descent ``lasso_path`` solved to a tight duality gap at the
knots; and the optimality conditions of each knot, checked directly.

Tolerances: on the well-conditioned designs below (condition number of the
active Gram matrices < 1e3) the path is computed to ~1e-15 relative; 1e-10
(the issue's figure) is asserted against scikit-learn and 1e-12 against
the exact path.  Coordinate descent certifies only its objective: at a
relative gap of 1e-14 on a strongly convex problem the coefficients agree
to ~1e-7, the figure asserted.
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.regression import Lars, LassoLars, LassoLarsIC, lars_path, lasso_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import naive  # noqa: E402

sklearn = pytest.importorskip("sklearn")
import sklearn.linear_model as sk  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

RTOL = 1e-10


@parametrize_with_checks(
    [
        Lars(),
        LassoLars(alpha=0.1),
        LassoLars(precompute=False, positive=True, fit_intercept=False),
        # scikit-learn's own check runs LassoLarsIC with a given noise variance: with one
        # sample (check_fit2d_1sample) there is no residual to estimate it from
        LassoLarsIC(noise_variance=1.0),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _data(n, p, seed=0, centre=True, dyadic=False):
    """Gaussian design with a sparse signal; dyadic (multiples of 1/16) for the exact oracle."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[: min(4, p)] = [3.0, -2.0, 1.5, 0.5][: min(4, p)]
    y = X @ beta + 0.7 * rng.standard_normal(n)
    if dyadic:
        X = np.round(X * 16) / 16
        y = np.round(y * 16) / 16
    if centre:
        X = X - X.mean(axis=0)
        y = y - y.mean()
    return X, y


def _first_sign_change(coefs):
    """Index of the first knot at which a coefficient has the opposite sign of the previous knot's."""
    flips = (np.sign(coefs[:, 1:]) * np.sign(coefs[:, :-1]) < 0).any(axis=0)
    return int(np.argmax(flips)) + 1 if flips.any() else coefs.shape[1]


def _correlations(X, y, coefs):
    """``X^T (y - X b) / n`` at every knot, (p, knots)."""
    return X.T @ (y[:, None] - X @ coefs) / X.shape[0]


# --------------------------------------------------------------------------
# the path
# --------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["lar", "lasso"])
@pytest.mark.parametrize("shape", [(20, 6), (8, 12)], ids=["tall", "wide"])
def test_path_matches_exact_rational_path(method, shape):
    X, y = _data(*shape, seed=4, dyadic=True)
    ref_alphas, ref_active, ref_coefs = naive.lars_path(X, y, method)
    alphas, active, coefs = lars_path(X, y, method=method)
    assert active == ref_active
    assert alphas.shape == ref_alphas.shape and coefs.shape == ref_coefs.shape
    assert_allclose(alphas, ref_alphas, rtol=1e-12, atol=1e-12 * ref_alphas[0])
    assert_allclose(coefs, ref_coefs, rtol=1e-12, atol=1e-12 * np.abs(ref_coefs).max())
    if shape == (8, 12) and method == "lasso":
        # this case's lasso path drops variables: the exact path tests the drops and the deletions
        assert len(alphas) > len(active) + 3


@pytest.mark.parametrize("method", ["lar", "lasso"])
@pytest.mark.parametrize("gram", [None, "auto", True])
@pytest.mark.parametrize("shape", [(60, 12), (25, 50)], ids=["tall", "wide"])
def test_path_matches_sklearn(method, gram, shape):
    X, y = _data(*shape, seed=2)
    alphas, active, coefs = lars_path(X, y, Gram=gram, method=method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref_alphas, ref_active, ref_coefs = sk.lars_path(X, y, Gram=gram, method=method)
    if method == "lar":
        # scikit-learn's "lar" flips the sign of a direction whose coefficient crosses zero (the
        # lasso's rule, not LARS's); the paths agree up to the first such knot (test below)
        m = min(_first_sign_change(ref_coefs), len(ref_alphas), len(alphas))
    else:
        m = len(ref_alphas)
        assert len(alphas) == m and active == list(ref_active)
    assert m >= 8
    scale = np.abs(ref_coefs[:, :m]).max()
    assert_allclose(alphas[:m], ref_alphas[:m], rtol=RTOL, atol=RTOL * ref_alphas[0])
    assert_allclose(coefs[:, :m], ref_coefs[:, :m], rtol=RTOL, atol=RTOL * scale)


@pytest.mark.parametrize("method", ["lar", "lasso"])
def test_every_knot_satisfies_its_optimality_conditions(method):
    # LAR: all active correlations equal alpha = max |c| at every knot, inactive ones below.
    # lasso: the KKT conditions of 1/(2n)||y - Xb||^2 + alpha ||b||_1 at alpha (sign(b_j) c_j = alpha)
    X, y = _data(25, 50, seed=3)
    alphas, active, coefs = lars_path(X, y, method=method)
    corr = _correlations(X, y, coefs)
    tol = 1e-12 * alphas[0]
    for t, alpha in enumerate(alphas):
        on = coefs[:, t] != 0
        assert np.abs(corr[:, t]).max() <= alpha + tol
        assert_allclose(np.abs(corr[on, t]), alpha, atol=tol)
        if method == "lasso":
            assert_allclose(corr[on, t], alpha * np.sign(coefs[on, t]), atol=tol)
    assert alphas[-1] <= tol  # p > n: the path ends at an interpolating fit
    assert np.all(np.diff(alphas) <= tol)


def test_sklearn_lar_leaves_the_lar_path_after_a_sign_change():
    # What the lar comparison above skips: scikit-learn's knots after a sign change no longer have
    # equal active correlations; jitla's (the LARS definition) still do, and match the exact path
    X, y = _data(30, 60, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref_alphas, _, ref_coefs = sk.lars_path(X, y, method="lar")
    t = _first_sign_change(ref_coefs)
    assert t < ref_coefs.shape[1] - 1
    ref_corr = _correlations(X, y, ref_coefs)
    # after the flip, some active |c_j| differs from the knot's alpha by far more than rounding
    off = [
        np.abs(np.abs(ref_corr[ref_coefs[:, s] != 0, s]) - ref_alphas[s]).max()
        for s in range(t + 1, ref_coefs.shape[1])
    ]
    assert max(off) > 1e-2 * ref_alphas[0]
    alphas, _, coefs = lars_path(X, y, method="lar")
    corr = _correlations(X, y, coefs)
    for s in range(coefs.shape[1]):
        on = coefs[:, s] != 0
        if on.any():
            assert np.ptp(np.abs(corr[on, s])) <= 1e-12 * alphas[0]


def test_lasso_path_agrees_with_coordinate_descent_at_the_knots():
    X, y = _data(50, 10, seed=4)
    alphas, _, coefs = lars_path(X, y, method="lasso")
    knots = alphas[alphas > 1e-3 * alphas[0]]
    cd_alphas, cd_coefs, gaps = lasso_path(X, y, alphas=knots, tol=1e-14, max_iter=100_000)
    assert_allclose(cd_alphas, knots, rtol=0)
    assert np.all(gaps <= 1e-14 * (y @ y) / len(y))
    scale = np.abs(coefs).max()
    assert_allclose(cd_coefs, coefs[:, : len(knots)], rtol=1e-7, atol=1e-7 * scale)


def test_positive_lasso_matches_sklearn_and_stays_non_negative():
    X, y = _data(40, 10, seed=5)
    alphas, active, coefs = lars_path(X, y, method="lasso", positive=True)
    ref_alphas, ref_active, ref_coefs = sk.lars_path(X, y, method="lasso", positive=True)
    assert active == list(ref_active)
    assert_allclose(alphas, ref_alphas, rtol=RTOL)
    assert_allclose(coefs, ref_coefs, rtol=RTOL, atol=RTOL * np.abs(ref_coefs).max())
    assert (coefs >= 0).all()


def test_alpha_min_max_iter_return_path_and_Xy():
    X, y = _data(40, 10, seed=6)
    full_alphas, _, full = lars_path(X, y, method="lasso")
    alpha_min = 0.5 * (full_alphas[3] + full_alphas[4])
    for kw in (dict(alpha_min=alpha_min), dict(max_iter=3)):
        alphas, active, coefs = lars_path(X, y, method="lasso", **kw)
        ref_alphas, ref_active, ref_coefs = sk.lars_path(X, y, method="lasso", **kw)
        assert active == list(ref_active)
        assert_allclose(alphas, ref_alphas, rtol=RTOL)
        assert_allclose(coefs, ref_coefs, rtol=RTOL, atol=RTOL * np.abs(ref_coefs).max())
    # the interpolated last knot lies on the segment between knots 3 and 4
    alphas, _, coefs = lars_path(X, y, method="lasso", alpha_min=alpha_min)
    assert alphas[-1] == alpha_min
    assert_allclose(coefs[:, -1], 0.5 * (full[:, 3] + full[:, 4]), rtol=1e-12, atol=1e-14)
    alpha, active, coef, n_iter = lars_path(
        X, y, Xy=X.T @ y, method="lasso", alpha_min=alpha_min, return_path=False, return_n_iter=True
    )
    assert alpha.shape == (1,) and alpha[0] == alpha_min and n_iter == len(alphas) - 1
    assert_allclose(coef, coefs[:, -1], rtol=1e-12)


# --------------------------------------------------------------------------
# edge cases
# --------------------------------------------------------------------------
def test_zero_target_gives_the_empty_path():
    X, _ = _data(10, 4, seed=7)
    alphas, active, coefs = lars_path(X, np.zeros(10), method="lasso")
    assert_array_equal(alphas, [0.0])
    assert active == [] and coefs.shape == (4, 1) and not coefs.any()
    model = LassoLars(alpha=0.1).fit(X, np.full(10, 3.0))
    assert not model.coef_.any() and model.intercept_ == 3.0


def test_one_column_is_the_least_squares_slope():
    rng = np.random.default_rng(8)
    x = rng.standard_normal(15)
    y = 2.5 * x + rng.standard_normal(15)
    x, y = x - x.mean(), y - y.mean()
    alphas, active, coefs = lars_path(x[:, None], y, method="lasso")
    assert active == [0]
    assert_allclose(alphas, [abs(x @ y) / 15, 0.0], atol=1e-15)
    assert_allclose(coefs, [[0.0, (x @ y) / (x @ x)]], rtol=1e-13)


@pytest.mark.parametrize("gram", [None, True])
def test_duplicate_column_shares_the_path(gram):
    # A column in the span of the active set has |c_j| <= C by continuity and reaches the level
    # only as a tie, so which twin joins (and whether the other is ever picked and excluded, with
    # a warning) is decided by rounding; either way one twin carries the coefficient, the other
    # stays zero, and the knots are those of the path without the duplicate
    X, y = _data(30, 6, seed=9)
    Xd = np.column_stack([X, X[:, 0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        alphas, active, coefs = lars_path(Xd, y, Gram=gram, method="lasso")
    ref_alphas, ref_active, ref_coefs = lars_path(X, y, method="lasso")
    assert (coefs[0] == 0).all() or (coefs[6] == 0).all()
    merged = coefs[:6].copy()
    merged[0] += coefs[6]
    assert [0 if j == 6 else j for j in active] == ref_active
    assert_allclose(alphas, ref_alphas, rtol=1e-12, atol=1e-14)
    assert_allclose(merged, ref_coefs, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("method", ["lar", "lasso"])
def test_collinear_column_every_knot_optimal(method):
    X, y = _data(30, 5, seed=10)
    Xc = np.column_stack([X, X[:, 0] - 2.0 * X[:, 1] + X[:, 2]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        alphas, active, coefs = lars_path(Xc, y, method=method)
    corr = _correlations(Xc, y, coefs)
    tol = 1e-12 * alphas[0]
    for t, alpha in enumerate(alphas):
        on = coefs[:, t] != 0
        assert np.abs(corr[:, t]).max() <= alpha + tol
        assert_allclose(np.abs(corr[on, t]), alpha, atol=tol)
    # rank 5: five columns at most are active, and the path ends at the least-squares fit
    assert len(active) == 5 and np.abs(corr[:, -1]).max() <= tol


def test_degenerate_pivot_excludes_the_column_for_good():
    # A Gram matrix of two identical columns with different correlations (not the Gram of any data,
    # so no rounding decides): column 1 joins, column 0 reaches the level |c| = 0.1 after a step of
    # 1.1, is picked, and its pivot is 0: it is excluded; the knot's alpha is the active level,
    # and the least-squares step of column 1 ends the path
    from jitla.linalg._lars import lars

    res = lars(np.array([1.0, 1.2]), G=np.ones((2, 2)), n_samples=2, lasso=True)
    assert res.n_degenerate == 1 and list(res.active) == [1]
    assert_allclose(res.alphas, [0.6, 0.05, 0.0], rtol=1e-14, atol=1e-16)
    assert_allclose(res.coefs, [[0.0, 0.0], [0.0, 1.1], [0.0, 1.2]], rtol=1e-14)
    with pytest.warns(ConvergenceWarning, match="degenerate"):
        alphas, active, _ = lars_path(
            np.ones((2, 2)), np.zeros(2), Xy=np.array([1.0, 1.2]), Gram=np.ones((2, 2)), method="lasso"
        )
    assert_allclose(alphas, res.alphas, rtol=1e-15)
    assert active == [1]


def test_inputs_not_modified_and_float32_kept():
    X, y = _data(20, 5, seed=11)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    Xc, yc = X32.copy(), y32.copy()
    alphas, _, coefs = lars_path(X32, y32, method="lasso")
    assert alphas.dtype == coefs.dtype == np.float32
    assert_array_equal(X32, Xc)
    assert_array_equal(y32, yc)
    ref = lars_path(X32.astype(np.float64), y32.astype(np.float64), method="lasso")[2]
    assert_allclose(coefs, ref, rtol=1e-6, atol=1e-6)


def test_bad_arguments_raise_sklearn_errors():
    X, y = _data(10, 3, seed=12)
    with pytest.raises(ValueError, match="Positive constraint not supported for 'lar'"):
        lars_path(X, y, method="lar", positive=True)
    with pytest.raises(ValueError, match="'method' parameter"):
        lars_path(X, y, method="lars")
    with pytest.raises(ValueError, match="The shapes of the inputs Gram and Xy do not match"):
        lars_path(X, y, Gram=np.eye(2))
    with pytest.raises(ValueError, match="'alpha_min'"):
        lars_path(X, y, alpha_min=-1.0)
    with pytest.raises(ValueError, match="'alpha' parameter of LassoLars"):
        LassoLars(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="'criterion' parameter"):
        LassoLarsIC(criterion="cp").fit(X, y)
    with pytest.raises(ValueError, match="number of samples is smaller than the number of features"):
        LassoLarsIC().fit(X[:3], y[:3])


# --------------------------------------------------------------------------
# estimators
# --------------------------------------------------------------------------
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(
    "make",
    [
        lambda m, **kw: m.Lars(**kw),
        lambda m, **kw: m.Lars(n_nonzero_coefs=3, **kw),
        lambda m, **kw: m.LassoLars(alpha=0.05, **kw),
        lambda m, **kw: m.LassoLars(alpha=0.05, precompute=False, **kw),
        lambda m, **kw: m.LassoLarsIC(criterion="aic", **kw),
        lambda m, **kw: m.LassoLarsIC(criterion="bic", **kw),
    ],
    ids=["lars", "lars-3", "lassolars", "lassolars-data", "ic-aic", "ic-bic"],
)
def test_estimators_match_sklearn(make, fit_intercept):
    import jitla.regression as jr

    X, y = _data(60, 10, seed=13, centre=False)
    X, y = X + 1.5, y + 2.0
    ours = make(jr, fit_intercept=fit_intercept).fit(X, y)
    ref = make(sk, fit_intercept=fit_intercept).fit(X, y)
    scale = np.abs(ref.coef_).max()
    assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=RTOL * scale)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=RTOL * scale)
    assert_allclose(ours.alphas_, ref.alphas_, rtol=RTOL, atol=RTOL * ref.alphas_[0])
    assert ours.n_iter_ == ref.n_iter_
    if isinstance(ours, LassoLarsIC):
        assert ours.alpha_ == pytest.approx(ref.alpha_, rel=RTOL)
        assert_allclose(ours.criterion_, ref.criterion_, rtol=RTOL)
        assert ours.noise_variance_ == pytest.approx(ref.noise_variance_, rel=RTOL)
    else:
        assert ours.active_ == list(ref.active_)
        assert_allclose(ours.coef_path_, ref.coef_path_, rtol=RTOL, atol=RTOL * scale)
    assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-10)


def test_lassolars_multi_target_and_the_cd_lasso():
    X, y = _data(60, 10, seed=14, centre=False)
    Y = np.column_stack([y, y + X[:, 5], -y])
    ours = LassoLars(alpha=0.02).fit(X, Y)
    ref = sk.LassoLars(alpha=0.02).fit(X, Y)
    assert ours.coef_.shape == (3, 10) and len(ours.alphas_) == 3
    assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=RTOL * np.abs(ref.coef_).max())
    assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL)
    # the same problem as the coordinate-descent Lasso: 1/(2n)||y - Xb - b0||^2 + alpha ||b||_1
    cd = sk.Lasso(alpha=0.02, tol=1e-14, max_iter=100_000).fit(X, y)
    assert_allclose(ours.coef_[0], cd.coef_, rtol=1e-7, atol=1e-7 * np.abs(cd.coef_).max())
    assert_allclose(ours.intercept_[0], cd.intercept_, rtol=1e-7)


def test_fit_path_false_keeps_only_the_solution():
    X, y = _data(40, 8, seed=15, centre=False)
    full = LassoLars(alpha=0.05).fit(X, y)
    short = LassoLars(alpha=0.05, fit_path=False).fit(X, y)
    assert not hasattr(short, "coef_path_") and not hasattr(short, "active_")
    assert short.alphas_.shape == (1,)
    assert_allclose(short.coef_, full.coef_, rtol=1e-14)
