"""Lasso, ElasticNet, lasso_path, enet_path, LassoCV and ElasticNetCV against scikit-learn.

Oracles: scikit-learn's own estimator checks and its coordinate descent
(``sklearn.linear_model``, Cython, an independent implementation), both
solved to a tight duality gap; the KKT conditions of the elastic net,
checked directly with numpy; per-alpha fits for the path.

Tolerances: both libraries are run with ``tol = 1e-13``, so each certifies
``P(w) - P(w*) <= 1e-13 ||y||^2 / n`` (relative gap well below the 1e-10 the
issue asks for).  On these small well-conditioned designs (n > p: the
objective is strongly convex with modulus ~0.3) both solvers stop within a
few epochs of the fixed point, and the coefficients agree to ~1e-12; 1e-7
relative (of the largest coefficient) is asserted, the issue's figure.
KKT violations are asserted below 1e-7 of the penalty ``alpha l1_ratio``.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.regression import ElasticNet, ElasticNetCV, Lasso, LassoCV, enet_path, lasso_path

sklearn = pytest.importorskip("sklearn")
import sklearn.linear_model as sk  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import KFold  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

TOL = 1e-13
TIGHT = dict(tol=TOL, max_iter=100_000)
RTOL = 1e-7

_CV_WEIGHTS = (
    "repeating a row changes which rows K-fold puts in each fold, so the CV-chosen alpha differs "
    "from the weighted fit's; scikit-learn's own LassoCV / ElasticNetCV fail this check the same way"
)


def _expected_failed_checks(estimator):
    if isinstance(estimator, ElasticNetCV):
        return {"check_sample_weight_equivalence_on_dense_data": _CV_WEIGHTS}
    return {}


@parametrize_with_checks(
    [
        Lasso(),
        ElasticNet(),
        ElasticNet(precompute=True, fit_intercept=False, positive=True),
        LassoCV(cv=3),
        ElasticNetCV(cv=3, l1_ratio=[0.3, 0.8]),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _data(n=50, p=8, seed=0, k=None):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + np.linspace(-1.0, 2.0, p)
    beta = np.zeros(p)
    beta[:4] = [3.0, -2.0, 1.5, 0.5]
    y = 2.0 + X @ beta + 0.5 * rng.standard_normal(n)
    if k is not None:
        y = np.column_stack([y + j * X[:, 5] for j in range(k)])
    w = rng.uniform(0.2, 3.0, n)
    return X, y, w


def kkt_violation(X, y, coef, intercept, alpha, l1_ratio, sample_weight=None, positive=False):
    """Largest violation of the elastic net's optimality conditions, in the 1/(2n) objective.

    With weights s (rescaled to sum n): gradient of the smooth part
    ``g = X^T S (y - X w - b) / n - alpha (1 - l1_ratio) w`` must equal
    ``alpha l1_ratio sign(w_j)`` where w_j != 0 and lie in [-alpha l1_ratio, alpha l1_ratio]
    (positive: below alpha l1_ratio) where w_j = 0; and the intercept makes the weighted residual sum 0.
    """
    n = X.shape[0]
    s = np.ones(n) if sample_weight is None else sample_weight * n / sample_weight.sum()
    r = y - X @ coef - intercept
    g = X.T @ (s * r) / n - alpha * (1 - l1_ratio) * coef
    lam = alpha * l1_ratio
    on = coef != 0
    v = [np.abs(g[on] - lam * np.sign(coef[on])).max(initial=0.0)]
    off = g[~on]
    v.append(
        np.maximum(off - lam, 0).max(initial=0.0)
        if positive
        else np.maximum(np.abs(off) - lam, 0).max(initial=0.0)
    )
    if positive:
        v.append(np.maximum(-coef, 0).max(initial=0.0))
    return max(v), abs((s * r).sum()) / n


def certified_radius(X, y, coef, alpha, l1_ratio, sample_weight=None, fit_intercept=True, positive=False):
    """What a duality gap certifies about a coefficient vector, computed from the data alone (numpy).

    In the objective times n on the centred, weighted design (the intercept
    eliminated), ``P(w) = 1/2 ||y_c - X_c w||^2 + l1 ||w||_1 + l2/2 ||w||^2``
    is mu-strongly convex, ``mu = lambda_min(X_c^T X_c) + l2``, so
    ``mu/2 ||w - w*||^2 <= P(w) - P(w*) <= P(w) - D`` for any dual value D.
    D: the better of scikit-learn's formulation A (the residual rescaled into
    the dual feasible set) and the elastic net's own Fenchel dual at
    ``u = r``, ``r^T y - ||r||^2/2 - sum_j (|x_j^T r| - l1)_+^2 / (2 l2)``
    (one-sided when positive).  Rounding of the two objective values is
    allowed for with ``8 eps ||y_c||^2``.

    Returns ``(radius, lipschitz)``: ``||w - w*||_2 <= radius``, and
    ``lipschitz = (lambda_max(X_c^T X_c) + l2) / n``, which turns it into a
    bound on the gradient (KKT) residual of the 1/(2n) objective when the
    signs of w and w* agree.
    """
    n = X.shape[0]
    s = np.ones(n) if sample_weight is None else sample_weight * n / sample_weight.sum()
    Xc = X - np.average(X, axis=0, weights=s) if fit_intercept else X
    yc = y - np.average(y, weights=s) if fit_intercept else y
    Xc = Xc * np.sqrt(s)[:, None]
    yc = yc * np.sqrt(s)
    l1 = n * alpha * l1_ratio
    l2 = n * alpha * (1.0 - l1_ratio)
    r = yc - Xc @ coef
    c = Xc.T @ r
    primal = 0.5 * (r @ r + l2 * coef @ coef) + l1 * np.abs(coef).sum()
    a = c - l2 * coef
    dual_norm = (a if positive else np.abs(a)).max()
    scale = l1 / dual_norm if dual_norm > l1 else 1.0
    dual = -0.5 * scale**2 * (r @ r + l2 * coef @ coef) + scale * (r @ yc)
    if l2 > 0:
        hinge = np.maximum((c if positive else np.abs(c)) - l1, 0.0)
        dual = max(dual, r @ yc - 0.5 * r @ r - hinge @ hinge / (2.0 * l2))
    gap = max(primal - dual, 0.0) + 8 * np.finfo(float).eps * (yc @ yc)
    ev = np.linalg.eigvalsh(Xc.T @ Xc)
    return np.sqrt(2.0 * gap / (ev[0] + l2)), (ev[-1] + l2) / n


@pytest.mark.parametrize("precompute", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    ("l1_ratio", "positive", "fit_intercept"),
    [(1.0, False, True), (0.4, False, True), (0.7, True, True), (1.0, False, False)],
)
def test_matches_sklearn_at_tight_gap(precompute, weighted, l1_ratio, positive, fit_intercept):
    X, y, w = _data(seed=1)
    sw = w if weighted else None
    alpha = 0.08
    kw = dict(alpha=alpha, fit_intercept=fit_intercept, precompute=precompute, positive=positive, **TIGHT)
    if l1_ratio == 1.0:
        ours, ref = Lasso(**kw), sk.Lasso(**kw)
    else:
        ours, ref = ElasticNet(l1_ratio=l1_ratio, **kw), sk.ElasticNet(l1_ratio=l1_ratio, **kw)
    ours.fit(X, y, sample_weight=sw)
    ref.fit(X, y, sample_weight=sw)
    # what the two certificates allow (each gap recomputed here from the data, the better dual point)
    rad, lip = certified_radius(X, y, ours.coef_, alpha, l1_ratio, sw, fit_intercept, positive)
    rad_ref, _ = certified_radius(X, y, ref.coef_, alpha, l1_ratio, sw, fit_intercept, positive)
    assert rad <= 1e-5 * np.abs(ref.coef_).max()  # a certificate tight enough to compare optima with
    dist = np.linalg.norm(ours.coef_ - ref.coef_)
    assert dist <= rad + rad_ref
    s = np.ones(len(y)) if sw is None else sw * len(y) / sw.sum()
    x_mean = np.average(X, axis=0, weights=s) if fit_intercept else np.zeros(X.shape[1])
    assert abs(ours.intercept_ - ref.intercept_) <= np.linalg.norm(x_mean) * (rad + rad_ref) + 1e-13
    assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)  # the same support
    # the certificate: gap <= tol * ||y_c||^2 / n (y centred and weighted), scikit-learn's criterion
    yc = y - np.average(y, weights=s) if fit_intercept else y
    assert 0 <= ours.dual_gap_ <= TOL * (s * yc**2).sum() / len(y)
    grad, intercept_eq = kkt_violation(X, y, ours.coef_, ours.intercept_, alpha, l1_ratio, sw, positive)
    assert grad <= lip * rad + 1e-13
    if fit_intercept:
        assert intercept_eq <= 1e-12 * np.abs(y).max()
    assert isinstance(ours.n_iter_, int) and ours.n_iter_ > 0
    rows = np.linalg.norm(X, axis=1).max() + np.linalg.norm(x_mean)
    assert np.abs(ours.predict(X) - ref.predict(X)).max() <= rows * (rad + rad_ref) + 1e-12
    if l1_ratio == 1.0:
        # the lasso's certificate is formulation A alone (the elastic net's own dual needs l2 > 0),
        # scikit-learn's: the two solvers stop on the same rule and meet far inside the radius
        scale = np.abs(ref.coef_).max()
        assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=RTOL * scale)
        assert grad <= 1e-7 * alpha * l1_ratio


def test_multi_target_matches_sklearn():
    X, y, _ = _data(seed=2, k=3)
    ours = ElasticNet(alpha=0.05, l1_ratio=0.6, **TIGHT).fit(X, y)
    ref = sk.ElasticNet(alpha=0.05, l1_ratio=0.6, **TIGHT).fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape == (3, 8)
    assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=RTOL * np.abs(ref.coef_).max())
    assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL)
    assert ours.dual_gap_.shape == (3,) and len(ours.n_iter_) == 3


@pytest.mark.parametrize("shape", [(60, 10), (25, 60)], ids=["tall", "wide"])
@pytest.mark.parametrize("precompute", ["auto", False])
def test_lasso_path_matches_sklearn_and_per_alpha_fits(shape, precompute):
    n, p = shape
    X, y, _ = _data(n=n, p=p, seed=3)
    alphas, coefs, gaps = lasso_path(X, y, precompute=precompute, **TIGHT)
    ref_alphas, ref_coefs, ref_gaps = sk.lasso_path(X, y, alphas=100, precompute=precompute, **TIGHT)
    assert alphas.shape == (100,) and coefs.shape == (p, 100) and gaps.shape == (100,)
    assert_allclose(alphas, ref_alphas, rtol=1e-14)
    assert_allclose(alphas[-1] / alphas[0], 1e-3, rtol=1e-12)
    assert not coefs[:, 0].any()  # alpha_max: all zero
    assert (gaps <= TOL * (y @ y) / n).all()
    if n > p:  # unique solutions: the same coefficients
        assert_allclose(coefs, ref_coefs, rtol=RTOL, atol=RTOL * np.abs(ref_coefs).max())
    # each alpha solved on its own (no warm start, no centring) gives the same point
    for i in (10, 50, 99):
        single = Lasso(alpha=alphas[i], fit_intercept=False, **TIGHT).fit(X, y)
        assert_allclose(coefs[:, i], single.coef_, rtol=RTOL, atol=RTOL * np.abs(single.coef_).max())
        grad, _ = kkt_violation(X, y, coefs[:, i], 0.0, alphas[i], 1.0)
        assert grad <= 1e-6 * alphas[i]


@pytest.mark.parametrize("precompute", [False, True])
def test_enet_path_enet_dual_certifies_the_same_bound(precompute):
    # enet_dual=True stops on the smaller of two gaps; each is checked here from X, y and the coefficients
    # alone: formulation A, and the elastic net's own Fenchel dual at u = r.  The objective values must be
    # within the certified gap of scikit-learn's tightly solved path; the lasso is unaffected.
    rng = np.random.default_rng(11)
    n, p = 30, 60
    X = rng.standard_normal((n, p))
    y = X[:, :4] @ np.array([3.0, -2.0, 1.5, 1.0]) + 0.5 * rng.standard_normal(n)
    tol = 1e-6
    kw = dict(l1_ratio=0.5, n_alphas=12, eps=1e-2, precompute=precompute)
    alphas, coefs, gaps = enet_path(X, y, tol=tol, enet_dual=True, **kw)
    _, coefs_a, _ = enet_path(X, y, tol=tol, enet_dual=False, **kw)
    _, ref, _ = sk.enet_path(
        X, y, alphas=alphas, l1_ratio=0.5, tol=1e-12, max_iter=100_000, precompute=precompute
    )
    yy = y @ y
    for i, alpha in enumerate(alphas):
        l1, l2 = n * alpha * 0.5, n * alpha * 0.5

        def P(w, l1=l1, l2=l2):
            r = y - X @ w
            return 0.5 * r @ r + l1 * np.abs(w).sum() + 0.5 * l2 * w @ w

        w = coefs[:, i]
        r = y - X @ w
        c = X.T @ r
        s = min(1.0, l1 / np.abs(c - l2 * w).max())
        gap_a = P(w) - (s * (r @ y) - 0.5 * s * s * (r @ r + l2 * w @ w))
        gap_enet = P(w) - (r @ y - 0.5 * r @ r - (np.maximum(np.abs(c) - l1, 0.0) ** 2).sum() / (2 * l2))
        assert min(gap_a, gap_enet) <= tol * yy
        assert_allclose(gaps[i], min(gap_a, gap_enet) / n, rtol=1e-6, atol=1e-12 * yy / n)
        assert -1e-12 * yy <= P(w) - P(ref[:, i]) <= tol * yy
        assert P(coefs_a[:, i]) - P(ref[:, i]) <= tol * yy
    lasso = dict(l1_ratio=1.0, n_alphas=5, eps=1e-2, precompute=precompute, tol=tol)
    assert_array_equal(
        enet_path(X, y, enet_dual=True, **lasso)[1], enet_path(X, y, enet_dual=False, **lasso)[1]
    )


def _assert_paths_agree(X, y, alphas, l1_ratio, coefs, ref, positive=False):
    """Each alpha's coefficients (path functions: no intercept) within the sum of the two certified radii."""
    kw = dict(fit_intercept=False, positive=positive)
    for i, alpha in enumerate(alphas):
        rad = certified_radius(X, y, coefs[:, i], alpha, l1_ratio, **kw)[0]
        rad_ref = certified_radius(X, y, ref[:, i], alpha, l1_ratio, **kw)[0]
        assert rad <= 1e-5 * max(np.abs(ref[:, i]).max(), 1.0)
        assert np.linalg.norm(coefs[:, i] - ref[:, i]) <= rad + rad_ref


def test_enet_path_options():
    X, y, _ = _data(seed=4)
    grid = [0.5, 0.05, 0.2]  # solved in decreasing order, as scikit-learn
    alphas, coefs, gaps, n_iter = enet_path(
        X, y, l1_ratio=0.5, alphas=grid, positive=True, return_n_iter=True, precompute=True, **TIGHT
    )
    ref = sk.enet_path(X, y, l1_ratio=0.5, alphas=grid, positive=True, precompute=True, **TIGHT)
    assert_allclose(alphas, [0.5, 0.2, 0.05])
    _assert_paths_agree(X, y, alphas, 0.5, coefs, ref[1], positive=True)
    assert (coefs >= 0).all() and len(n_iter) == 3
    a10, c10, _ = enet_path(X, y, l1_ratio=0.9, n_alphas=10, eps=1e-2, **TIGHT)
    ref10 = sk.enet_path(X, y, l1_ratio=0.9, alphas=10, eps=1e-2, **TIGHT)
    assert_allclose(a10, ref10[0], rtol=1e-14)
    _assert_paths_agree(X, y, a10, 0.9, c10, ref10[1])
    Y = np.column_stack([y, 2 * y])
    _, cm, gm = enet_path(X, Y, l1_ratio=0.5, alphas=[0.1], **TIGHT)
    assert cm.shape == (2, 8, 1) and gm.shape == (2, 1)
    assert_allclose(cm[1], enet_path(X, 2 * y, l1_ratio=0.5, alphas=[0.1], **TIGHT)[1], rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_lasso_cv_matches_sklearn(weighted):
    X, y, w = _data(n=60, seed=5)
    sw = w if weighted else None
    cv = KFold(4, shuffle=True, random_state=0)
    ours = LassoCV(cv=cv, **TIGHT).fit(X, y, sample_weight=sw)
    ref = sk.LassoCV(cv=cv, **TIGHT).fit(X, y, sample_weight=sw)
    assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-14)
    assert ours.mse_path_.shape == ref.mse_path_.shape == (100, 4)
    assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-8)
    assert_allclose(ours.alpha_, ref.alpha_, rtol=1e-14)  # the same grid point (the grids agree to 1 ulp)
    assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=RTOL * np.abs(ref.coef_).max())
    assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL)
    assert not hasattr(ours, "l1_ratio_")


def test_elastic_net_cv_matches_sklearn():
    X, y, _ = _data(n=60, seed=6)
    kw = dict(cv=3, l1_ratio=[0.2, 0.6, 1.0], alphas=30, **TIGHT)
    ours = ElasticNetCV(**kw).fit(X, y)
    ref = sk.ElasticNetCV(**kw).fit(X, y)
    assert ours.alphas_.shape == ref.alphas_.shape == (3, 30)
    assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-14)
    assert ours.mse_path_.shape == ref.mse_path_.shape == (3, 30, 3)
    # each fold's error moves by what the two certificates allow: scikit-learn's fold path recomputed
    # (its folds: KFold(3) on the rows in order), jitla's certified by its own gap <= tol ||y_c||^2
    bound = np.empty_like(ref.mse_path_)
    for f, (tr, te) in enumerate(KFold(3).split(X)):
        Xt, yt = X[tr], y[tr]
        xm, ym = Xt.mean(axis=0), yt.mean()
        Xc, yc = Xt - xm, yt - ym
        ev = np.linalg.eigvalsh(Xc.T @ Xc)
        spread = np.linalg.norm(X[te] - xm, 2)  # ||(X_te - x_mean) dw|| <= spread ||dw||
        for r, ratio in enumerate([0.2, 0.6, 1.0]):
            grid = ref.alphas_[r]
            coefs = sk.enet_path(Xc, yc, l1_ratio=ratio, alphas=grid, **TIGHT)[1]
            for i, a in enumerate(grid):
                rad_ref = certified_radius(Xc, yc, coefs[:, i], a, ratio, fit_intercept=False)[0]
                l2 = len(tr) * a * (1.0 - ratio)
                rad = np.sqrt(2.0 * (TOL + 8 * np.finfo(float).eps) * (yc @ yc) / (ev[0] + l2))
                e = X[te] @ coefs[:, i] + ym - xm @ coefs[:, i] - y[te]
                d = spread * (rad + rad_ref)
                bound[r, i, f] = (2.0 * np.linalg.norm(e) + d) * d / len(te)
    assert (np.abs(ours.mse_path_ - ref.mse_path_) <= bound).all()
    assert ours.l1_ratio_ == ref.l1_ratio_
    assert_allclose(ours.alpha_, ref.alpha_, rtol=1e-14)
    rad = certified_radius(X, y, ours.coef_, ours.alpha_, ours.l1_ratio_)[0]
    rad_ref = certified_radius(X, y, ref.coef_, ref.alpha_, ref.l1_ratio_)[0]
    rows = np.linalg.norm(X - X.mean(axis=0), axis=1).max()
    assert np.abs(ours.predict(X) - ref.predict(X)).max() <= rows * (rad + rad_ref) + 1e-12
    given = ElasticNetCV(cv=3, alphas=[0.3, 0.01, 0.1], **TIGHT).fit(X, y)
    assert_allclose(given.alphas_, [0.3, 0.1, 0.01])


def test_warm_start_and_convergence_warning():
    X, y, _ = _data(seed=7)
    est = ElasticNet(alpha=0.05, warm_start=True, **TIGHT).fit(X, y)
    first = est.coef_.copy()
    est.fit(X, y)
    assert est.n_iter_ <= 1  # started at the optimum
    assert_allclose(est.coef_, first, rtol=1e-12)
    with pytest.warns(ConvergenceWarning, match="Objective did not converge.*Duality gap"):
        Lasso(alpha=1e-4, max_iter=1, tol=1e-15).fit(X, y)
    with pytest.warns(UserWarning, match="With alpha=0, this algorithm does not converge well"):
        Lasso(alpha=0.0, max_iter=5).fit(X, y)


def test_bad_input_errors():
    X, y, w = _data(seed=8)
    with pytest.raises(ValueError, match="The 'alpha' parameter of Lasso must be a float in the range"):
        Lasso(alpha=-1.0).fit(X, y)
    with pytest.raises(
        ValueError, match="The 'l1_ratio' parameter of ElasticNet must be a float in the range"
    ):
        ElasticNet(l1_ratio=1.5).fit(X, y)
    with pytest.raises(ValueError, match="'l1_ratio' parameter of ElasticNetCV"):
        ElasticNetCV(l1_ratio=[0.5, -0.1]).fit(X, y)
    with pytest.raises(ValueError, match="'l1_ratio' parameter of enet_path"):
        enet_path(X, y, l1_ratio=2.0)
    with pytest.raises(ValueError, match="l1_ratio=0"):
        ElasticNetCV(l1_ratio=0.0).fit(X, y)
    with pytest.raises(ValueError, match="The 'tol' parameter"):
        Lasso(tol=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="The 'max_iter' parameter"):
        Lasso(max_iter=0).fit(X, y)
    bad = X.copy()
    bad[2, 3] = np.nan
    for call in (lambda: Lasso().fit(bad, y), lambda: lasso_path(bad, y), lambda: LassoCV().fit(bad, y)):
        with pytest.raises(ValueError, match="Input X contains NaN"):
            call()
    with pytest.raises(ValueError, match="Input y contains NaN"):
        ElasticNet().fit(X, np.where(np.arange(len(y)) == 1, np.nan, y))
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        Lasso().fit(X, y, sample_weight=-w)
    with pytest.raises(ValueError, match="positive=True is not allowed for multi-output"):
        Lasso(positive=True).fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="The 'selection' parameter of Lasso must be a str among"):
        Lasso(selection="greedy").fit(X, y)
    with pytest.raises(ValueError, match="cannot be used to seed"):
        Lasso(selection="random", random_state="zero").fit(X, y)
    with pytest.raises(ValueError, match="Unexpected parameters"):
        lasso_path(X, y, bogus=1)
    with pytest.raises(ValueError, match="For multi-task outputs"):
        LassoCV().fit(X, np.column_stack([y, y]))
    with pytest.raises(sklearn.exceptions.NotFittedError):
        Lasso().predict(X)


def test_inputs_not_modified_and_float32():
    X, y, w = _data(seed=9)
    Xf = np.asfortranarray(X)
    copies = [Xf.copy(), y.copy(), w.copy()]
    est = ElasticNet(alpha=0.05, precompute=True, **TIGHT).fit(Xf, y, sample_weight=w)
    Lasso(alpha=0.05).fit(Xf, y, sample_weight=w).predict(Xf)
    lasso_path(Xf, y, n_alphas=5)
    LassoCV(cv=3, alphas=5).fit(Xf, y, sample_weight=w)
    for a, b in zip((Xf, y, w), copies, strict=True):
        assert_array_equal(a, b)
    assert not np.shares_memory(est.coef_, Xf)
    # float32: solved in float64, coefficients returned as float32 (scikit-learn's dtype)
    est32 = ElasticNet(alpha=0.05, **TIGHT).fit(X.astype(np.float32), y.astype(np.float32))
    est64 = ElasticNet(alpha=0.05, **TIGHT).fit(X.astype(np.float32).astype(np.float64), y.astype(np.float32))
    assert est32.coef_.dtype == np.float32
    assert_allclose(est32.coef_, est64.coef_, rtol=1e-6)
    _, c32, _ = lasso_path(X.astype(np.float32), y.astype(np.float32), n_alphas=5)
    assert c32.dtype == np.float32


def test_glmnet_standardisation_mapping():
    """glmnet's standardize=TRUE equals a fit on X / sd(X) with the coefficients divided by sd(X)."""
    X, y, _ = _data(seed=10)
    sd = X.std(axis=0)  # glmnet's population standard deviation (divides by n)
    std = Lasso(alpha=0.05, **TIGHT).fit(X / sd, y)
    # in the original units the same problem is a lasso with penalty weights sd_j; check its KKT
    coef = std.coef_ / sd
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = y - X @ coef - std.intercept_
    g = X.T @ r / len(y)
    on = coef != 0
    assert_allclose(g[on], 0.05 * sd[on] * np.sign(coef[on]), rtol=1e-7)
    assert (np.abs(g[~on]) <= 0.05 * sd[~on] * (1 + 1e-7)).all()


# --------------------------------------------------------------------------
# standardize=True (glmnet's convention), checked against a fit by hand on the standardised design
# --------------------------------------------------------------------------
def _standardised(X, sw=None, center=True):
    """glmnet's standardisation by hand: weighted mean and population sd (weights rescaled to sum n)."""
    n = X.shape[0]
    s = np.ones(n) if sw is None else sw * n / sw.sum()
    mean = np.average(X, axis=0, weights=s) if center else np.zeros(X.shape[1])
    sd = np.sqrt(np.average((X - mean) ** 2, axis=0, weights=s))
    return mean, sd


@pytest.mark.parametrize("precompute", [False, True])
@pytest.mark.parametrize(("l1_ratio", "weighted"), [(1.0, False), (0.5, True)])
def test_standardize_matches_a_fit_on_the_standardised_design(precompute, l1_ratio, weighted):
    X, y, w = _data(seed=11)
    X = X * np.array([0.1, 1.0, 10.0, 3.0, 0.5, 2.0, 50.0, 1.0])  # scales far apart: the mapping matters
    sw = w if weighted else None
    mean, sd = _standardised(X, sw)
    alpha = 0.05
    ours = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, standardize=True, precompute=precompute, **TIGHT)
    ours.fit(X, y, sample_weight=sw)
    # the oracle: scikit-learn on (X - mean) / sd, its coefficients mapped back by 1 / sd
    Z = (X - mean) / sd
    ref = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, **TIGHT).fit(Z, y, sample_weight=sw)
    coef = ref.coef_ / sd
    # in the standardised coordinates v = coef * sd, within the two certified radii
    rad = certified_radius(Z, y, ours.coef_ * sd, alpha, l1_ratio, sw)[0]
    rad_ref = certified_radius(Z, y, ref.coef_, alpha, l1_ratio, sw)[0]
    assert np.linalg.norm((ours.coef_ - coef) * sd) <= rad + rad_ref
    assert (
        abs(ours.intercept_ - (ref.intercept_ - mean @ coef))
        <= np.linalg.norm(mean / sd) * (rad + rad_ref) + 1e-12
    )
    rows = np.linalg.norm(Z, axis=1).max()
    assert np.abs(ours.predict(X) - ref.predict(Z)).max() <= rows * (rad + rad_ref) + 1e-12
    if l1_ratio == 1.0:  # the lasso: the same certificate as scikit-learn's, far inside the radius
        assert_allclose(ours.coef_, coef, rtol=RTOL, atol=RTOL * np.abs(coef).max())
    # it is a different estimator from the unstandardised one on such columns
    plain = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, **TIGHT).fit(X, y, sample_weight=sw)
    assert np.abs(plain.coef_ - ours.coef_).max() > 1e-3 * np.abs(coef).max()
    # warm start from the stored (unscaled) coefficients: already optimal
    ours.set_params(warm_start=True).fit(X, y, sample_weight=sw)
    assert ours.n_iter_ <= 1


def test_standardize_path_and_cv():
    X, y, _ = _data(n=40, seed=12)
    X = X * np.linspace(0.2, 20.0, X.shape[1])
    X[:, 6] = 3.0  # a constant column: scale 1, coefficient 0
    # the path functions do not centre: the scale is the root mean square of each column
    _, rms = _standardised(X, center=False)
    alphas, coefs, _ = lasso_path(X, y, standardize=True, n_alphas=20, **TIGHT)
    ref_alphas, ref_coefs, _ = sk.lasso_path(X / rms, y, alphas=20, **TIGHT)
    assert_allclose(alphas, ref_alphas, rtol=1e-13)
    ref_coefs = ref_coefs / rms[:, None]
    assert_allclose(coefs, ref_coefs, rtol=RTOL, atol=RTOL * np.abs(ref_coefs).max())
    # CV: each fold standardised with its own training rows (cv.glmnet); the grid from all rows
    cv = KFold(3, shuffle=True, random_state=1)
    Xc = X[:, [0, 1, 2, 3, 4, 5, 7]]
    model = LassoCV(cv=cv, alphas=15, standardize=True, **TIGHT).fit(Xc, y)
    mean, sd = _standardised(Xc)
    grid = sk.LassoCV(alphas=15, cv=cv).fit((Xc - mean) / sd, y).alphas_
    assert_allclose(model.alphas_, grid, rtol=1e-12)
    mse = np.empty((15, 3))
    for f, (tr, te) in enumerate(cv.split(Xc)):
        m_tr, s_tr = _standardised(Xc[tr])
        for i, a in enumerate(grid):
            fold = sk.Lasso(alpha=a, **TIGHT).fit((Xc[tr] - m_tr) / s_tr, y[tr])
            mse[i, f] = ((fold.predict((Xc[te] - m_tr) / s_tr) - y[te]) ** 2).mean()
    assert_allclose(model.mse_path_, mse, rtol=1e-7)
    final = Lasso(alpha=model.alpha_, standardize=True, **TIGHT).fit(Xc, y)
    assert_allclose(model.coef_, final.coef_, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------
# selection="random"
# --------------------------------------------------------------------------
@pytest.mark.parametrize("precompute", [False, True])
def test_random_selection_reaches_the_cyclic_optimum(precompute):
    X, y, _ = _data(n=60, p=12, seed=13)
    kw = dict(alpha=0.03, l1_ratio=0.7, precompute=precompute, **TIGHT)
    cyclic = ElasticNet(**kw).fit(X, y)
    rnd = ElasticNet(selection="random", random_state=0, **kw).fit(X, y)
    again = ElasticNet(selection="random", random_state=0, **kw).fit(X, y)
    other = ElasticNet(selection="random", random_state=np.random.RandomState(5), **kw).fit(X, y)
    yc = y - y.mean()
    rad = certified_radius(X, y, cyclic.coef_, 0.03, 0.7)[0]
    for est in (rnd, other):
        assert 0 <= est.dual_gap_ <= TOL * (yc @ yc) / len(y)  # certified to the same gap
        # strongly convex (n > p): the same point, to what the gaps allow
        dist = np.linalg.norm(est.coef_ - cyclic.coef_)
        assert dist <= rad + certified_radius(X, y, est.coef_, 0.03, 0.7)[0]
    assert_array_equal(rnd.coef_, again.coef_)  # reproducible from random_state
    # the order really changes: one epoch from zero lands elsewhere than the cyclic epoch
    one = dict(kw, tol=1e-2, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        c1 = ElasticNet(**one).fit(X, y).coef_
        r1 = ElasticNet(selection="random", random_state=0, **one).fit(X, y).coef_
    assert np.abs(c1 - r1).max() > 1e-6
    alphas, coefs, gaps = enet_path(
        X, y, l1_ratio=0.7, n_alphas=10, selection="random", random_state=3, **TIGHT
    )
    ref = enet_path(X, y, l1_ratio=0.7, n_alphas=10, **TIGHT)[1]
    _assert_paths_agree(X, y, alphas, 0.7, coefs, ref)
    cv = LassoCV(cv=3, alphas=10, selection="random", random_state=0, **TIGHT).fit(X, y)
    assert_allclose(cv.mse_path_, LassoCV(cv=3, alphas=10, **TIGHT).fit(X, y).mse_path_, rtol=1e-7)


# --------------------------------------------------------------------------
# alpha_1se_ and the pictures
# --------------------------------------------------------------------------
def test_alpha_1se_is_glmnets_rule():
    X, y, _ = _data(n=60, seed=14)
    model = LassoCV(cv=KFold(5, shuffle=True, random_state=0), alphas=30, **TIGHT).fit(X, y)
    mean = model.mse_path_.mean(axis=1)
    i = int(np.argmin(mean))
    se = model.mse_path_[i].std(ddof=1) / np.sqrt(5)
    expected = max(a for a, m in zip(model.alphas_, mean, strict=True) if m <= mean[i] + se)
    assert model.alpha_1se_ == expected
    assert model.alpha_1se_ >= model.alpha_
    enet = ElasticNetCV(cv=3, l1_ratio=[0.3, 1.0], alphas=10, **TIGHT).fit(X, y)
    r = [0.3, 1.0].index(enet.l1_ratio_)
    m = enet.mse_path_[r].mean(axis=1)
    j = int(np.argmin(m))
    se = enet.mse_path_[r, j].std(ddof=1) / np.sqrt(3)
    assert enet.alpha_1se_ == enet.alphas_[r][m <= m[j] + se].max()


def test_plot_path_and_cv_curve_draw_the_data():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from jitla.regression import plot_cv, plot_path

    X, y, _ = _data(n=60, seed=15)
    alphas, coefs, _ = lasso_path(X, y, n_alphas=12, **TIGHT)
    fig = plot_path(alphas, coefs, alpha=alphas[5])
    ax = fig.axes[0]
    assert len(ax.lines) == X.shape[1] + 1
    for j in range(X.shape[1]):
        assert_array_equal(ax.lines[j].get_xdata(), np.log(alphas))
        assert_array_equal(ax.lines[j].get_ydata(), coefs[j])
    assert_allclose(ax.lines[-1].get_xdata(), np.log(alphas[5]))  # the marker
    # from a fitted CV model: the path of its final problem (centred), both alphas marked
    model = LassoCV(cv=3, alphas=12, **TIGHT).fit(X, y)
    fig = plot_path(model, X, y)
    ax = fig.axes[0]
    _, ref, _ = sk.lasso_path(X - X.mean(axis=0), y - y.mean(), alphas=model.alphas_, **TIGHT)
    drawn = np.array([line.get_ydata() for line in ax.lines[: X.shape[1]]])
    assert_allclose(drawn, ref, rtol=RTOL, atol=RTOL * np.abs(ref).max())
    assert_allclose(ax.lines[-2].get_xdata(), np.log(model.alpha_))
    assert_allclose(ax.lines[-1].get_xdata(), np.log(model.alpha_1se_))
    # the CV curve: mean over folds, a +-1 SE band
    fig = plot_cv(model)
    ax = fig.axes[0]
    mean = model.mse_path_.mean(axis=1)
    se = model.mse_path_.std(axis=1, ddof=1) / np.sqrt(3)
    assert_array_equal(ax.lines[0].get_xdata(), np.log(model.alphas_))
    assert_allclose(ax.lines[0].get_ydata(), mean, rtol=1e-15)
    band = ax.collections[0].get_paths()[0].vertices
    assert_allclose(band[:, 1].max(), (mean + se).max(), rtol=1e-12)
    assert_allclose(band[:, 1].min(), (mean - se).min(), rtol=1e-12)
    assert_allclose(ax.lines[1].get_xdata(), np.log(model.alpha_))
    # drawing on a given Axes returns its Figure; plt.show is never called
    from matplotlib.figure import Figure

    target = Figure().add_subplot()
    assert plot_cv(model, ax=target) is target.figure
    with pytest.raises(ValueError, match="coefs must be"):
        plot_path(alphas, coefs[:, :3])


def test_elastic_net_uses_the_enet_dual_point_by_default():
    # the estimator stops on the smaller gap: with a loose tol its dual_gap_ is below formulation A's
    # gap at the same coefficients (recomputed in numpy), which alone would not have stopped it there
    X, y, _ = _data(n=40, p=30, seed=21)
    est = ElasticNet(alpha=0.02, l1_ratio=0.5, tol=1e-3, max_iter=100_000).fit(X, y)
    n = len(y)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    l1, l2 = n * 0.02 * 0.5, n * 0.02 * 0.5
    r = yc - Xc @ est.coef_
    c = Xc.T @ r
    primal = 0.5 * (r @ r + l2 * est.coef_ @ est.coef_) + l1 * np.abs(est.coef_).sum()
    s = min(1.0, l1 / np.abs(c - l2 * est.coef_).max())
    gap_a = primal - (-0.5 * s * s * (r @ r + l2 * est.coef_ @ est.coef_) + s * (r @ yc))
    h = np.maximum(np.abs(c) - l1, 0.0)
    gap_enet = primal - (r @ yc - 0.5 * r @ r - h @ h / (2 * l2))
    assert_allclose(est.dual_gap_ * n, min(gap_a, gap_enet), rtol=1e-6)
    assert est.dual_gap_ * n <= 1e-3 * (yc @ yc)
