"""Nonlinear least squares: NLS, curve_fit and the Levenberg-Marquardt kernels.

Oracles: scipy.optimize (curve_fit, least_squares(method="lm") at tight
tolerances, the "trf" method for bounds), numpy.linalg.lstsq for the damped
step, jitla's OLS for a model linear in its parameters (where the profile
interval must equal the Wald interval), and the minima the Moré-Garbow-
Hillstrom paper lists.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from mgh_problems import PROBLEMS, solved
from numpy.testing import assert_allclose

from jitla.linalg._levenberg_marquardt import jacobian_qr, lm_step
from jitla.regression import NLS, OLS, NLSConvergenceWarning, curve_fit

so = pytest.importorskip("scipy.optimize")
stats = pytest.importorskip("scipy.stats")

TIGHT = dict(xtol=1e-14, ftol=1e-14)


def decay(t, a, k, c):
    return a * np.exp(-k * t) + c


def decay_jac(t, a, k, c):
    e = np.exp(-k * t)
    return np.column_stack([e, -a * t * e, np.ones_like(t)])


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(14)
    t = np.linspace(0.0, 4.0, 40)
    y = decay(t, 2.5, 1.3, 0.4) + 0.02 * rng.standard_normal(t.size)
    return t, y


# --------------------------------------------------------------------------
# the kernels, against numpy's least squares
# --------------------------------------------------------------------------
@pytest.mark.parametrize("delta", [1e-3, 0.3, 1e3])
def test_lm_step_solves_the_damped_system(delta):
    rng = np.random.default_rng(1)
    m, n = 12, 4
    J = rng.standard_normal((m, n)) * np.array([1.0, 10.0, 0.1, 3.0])
    r = rng.standard_normal(m)
    d = np.abs(rng.standard_normal(n)) + 0.5
    R, perm, qtr = jacobian_qr(np.ascontiguousarray(J.T), r)
    assert_allclose(np.abs(np.diagonal(R)), np.sort(np.abs(np.diagonal(R)))[::-1])
    assert_allclose(R.T @ R, (J.T @ J)[np.ix_(perm, perm)], rtol=1e-12, atol=1e-12)
    par, x = lm_step(R, perm, d, qtr, delta, 0.0)
    A = np.vstack([J, np.sqrt(par) * np.diag(d)])
    b = np.concatenate([r, np.zeros(n)])
    assert_allclose(x, np.linalg.lstsq(A, b, rcond=None)[0], rtol=1e-10, atol=1e-14)
    dx = np.linalg.norm(d * x)
    if par == 0.0:
        assert dx <= 1.1 * delta  # the Gauss-Newton step fits in the region
    else:
        assert abs(dx - delta) <= 0.1 * delta


def test_lm_step_rank_deficient_jacobian():
    # two equal columns: the Gauss-Newton step is the basic solution, a damped step is unique
    rng = np.random.default_rng(2)
    J = rng.standard_normal((8, 3))
    J[:, 2] = J[:, 0]
    r = rng.standard_normal(8)
    R, perm, qtr = jacobian_qr(np.ascontiguousarray(J.T), r)
    d = np.ones(3)
    par, x = lm_step(R, perm, d, qtr, np.inf, 0.0)
    assert par == 0.0
    assert_allclose(J.T @ (J @ x - r), 0.0, atol=1e-12)  # a least-squares solution
    par, x = lm_step(R, perm, d, qtr, 1e-2, 0.0)
    assert par > 0.0
    A = np.vstack([J, np.sqrt(par) * np.eye(3)])
    assert_allclose(x, np.linalg.lstsq(A, np.concatenate([r, np.zeros(3)]), rcond=None)[0], rtol=1e-9)


# --------------------------------------------------------------------------
# against scipy
# --------------------------------------------------------------------------
@pytest.mark.parametrize("jac", [decay_jac, "2-point", "3-point"])
def test_curve_fit_matches_scipy(data, jac):
    t, y = data
    p0 = [1.0, 1.0, 0.0]
    popt, pcov = curve_fit(decay, t, y, p0, jac=jac, **TIGHT)
    sp_popt, sp_pcov = so.curve_fit(decay, t, y, p0, jac=decay_jac, xtol=1e-14, ftol=1e-14)
    assert_allclose(popt, sp_popt, rtol=1e-8)
    # finite differences perturb J by ~sqrt(eps) (forward) relative: pcov inherits it
    assert_allclose(pcov, sp_pcov, rtol=1e-6 if callable(jac) else 1e-5)


@pytest.mark.parametrize("absolute_sigma", [False, True])
def test_curve_fit_sigma_matches_scipy(data, absolute_sigma):
    t, y = data
    sigma = 0.01 + 0.02 * t / t.max()
    cov = np.diag(sigma**2) + 1e-5 * np.exp(-np.abs(t[:, None] - t[None, :]))
    for s in (sigma, cov):
        popt, pcov = curve_fit(
            decay, t, y, [1, 1, 0], sigma=s, absolute_sigma=absolute_sigma, jac=decay_jac, **TIGHT
        )
        ref = so.curve_fit(
            decay, t, y, [1, 1, 0], sigma=s, absolute_sigma=absolute_sigma, jac=decay_jac, **TIGHT
        )
        assert_allclose(popt, ref[0], rtol=1e-8)
        assert_allclose(pcov, ref[1], rtol=1e-6)


def test_nls_results_match_scipy_and_t_distribution(data):
    t, y = data
    res = NLS(decay, t, y, [1, 1, 0], jac=decay_jac).fit(**TIGHT)
    ref = so.least_squares(
        lambda p: decay(t, *p) - y, [1, 1, 0], jac=lambda p: decay_jac(t, *p), method="lm", **TIGHT
    )
    assert res.converged and res.names == ("a", "k", "c")
    assert_allclose(res.params, ref.x, rtol=1e-8)
    df = t.size - 3
    assert res.df_resid == df
    assert_allclose(res.ssr, 2 * ref.cost, rtol=1e-10)
    assert_allclose(res.sigma, np.sqrt(2 * ref.cost / df), rtol=1e-10)
    cov = np.linalg.inv(ref.jac.T @ ref.jac) * 2 * ref.cost / df
    assert_allclose(res.cov_params(), cov, rtol=1e-7)
    assert_allclose(res.bse, np.sqrt(np.diag(cov)), rtol=1e-7)
    assert_allclose(res.pvalues, 2 * stats.t.sf(np.abs(ref.x / np.sqrt(np.diag(cov))), df), rtol=1e-6)
    q = stats.t.ppf(0.975, df)
    assert_allclose(res.conf_int(), np.column_stack([res.params - q * res.bse, res.params + q * res.bse]))
    corr = res.corr_params()
    assert_allclose(np.diag(corr), 1.0)
    assert_allclose(corr, cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov))), rtol=1e-7)
    assert_allclose(res.resid, y - decay(t, *res.params))
    text = res.summary()
    assert "Levenberg-Marquardt" in text and "\nk " in text and f"on {df} degrees of freedom" in text


def test_gauss_newton_matches_levenberg_marquardt(data):
    t, y = data
    lm = NLS(decay, t, y, [2, 1, 0.5]).fit(diff="central", **TIGHT)
    gn = NLS(decay, t, y, [2, 1, 0.5]).fit(method="gn", diff="central", **TIGHT)
    assert gn.converged and gn.method == "gn"
    assert_allclose(gn.params, lm.params, rtol=1e-8)


# --------------------------------------------------------------------------
# closed forms: a model linear in its parameters is OLS
# --------------------------------------------------------------------------
def test_linear_model_gives_ols_and_its_profile_is_wald():
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, 30)
    y = 1.0 - 0.5 * x + 0.3 * x**2 + 0.1 * rng.standard_normal(30)
    res = NLS(lambda x, b0, b1, b2: b0 + b1 * x + b2 * x**2, x, y, [0, 0, 0]).fit()
    ols = OLS(y, np.column_stack([np.ones_like(x), x, x**2])).fit()
    assert_allclose(res.params, ols.params, rtol=1e-7)
    assert_allclose(res.bse, ols.bse, rtol=1e-6)
    # the sum of squares is exactly quadratic: the profile interval is the Wald interval
    for j in range(3):
        assert_allclose(res.conf_int_profile(j), res.conf_int()[j], rtol=1e-6)


def test_profile_interval_of_a_nonlinear_parameter_is_asymmetric(data):
    t, y = data
    res = NLS(decay, t, y, [1, 1, 0], jac=decay_jac).fit()
    lo, hi = res.conf_int_profile(1)
    level = res.ssr + res.scale * stats.t.ppf(0.975, res.df_resid) ** 2
    for end in (lo, hi):
        assert_allclose(res.profile(1, end)[0], level, rtol=1e-8)
    assert lo < res.params[1] < hi
    wald = res.conf_int()[1]
    assert abs((hi - res.params[1]) - (res.params[1] - lo)) > 1e-6 * (hi - lo)
    assert_allclose([lo, hi], wald, rtol=0.05)


def test_profile_that_never_reaches_the_level_is_infinite():
    # y = a (1 - exp(-k t)) observed only where the curve is flat: k has no upper limit
    t = np.linspace(5.0, 10.0, 20)
    rng = np.random.default_rng(4)
    y = 2.0 * (1 - np.exp(-3.0 * t)) + 0.05 * rng.standard_normal(20)
    res = NLS(lambda t, a, k: a * (1 - np.exp(-k * t)), t, y, [1.0, 1.0]).fit()
    with pytest.warns(NLSConvergenceWarning, match="does not reach"):
        lo, hi = res.conf_int_profile(1, max_steps=12)
    assert hi == np.inf and np.isfinite(lo)


# --------------------------------------------------------------------------
# the Moré-Garbow-Hillstrom problems from the standard starting points
# --------------------------------------------------------------------------
def _mgh_fit(P, **kw):
    def model(_, *p):
        return P.residuals(np.array(p))

    jac = None if P.jacobian is None else lambda _, *p: P.jacobian(np.array(p))
    return NLS(model, None, np.zeros(P.m), np.array(P.x0), jac=jac).fit(**kw)


@pytest.mark.parametrize("P", PROBLEMS, ids=[p.name for p in PROBLEMS])
def test_mgh_problem(P):
    with warnings.catch_warnings():
        warnings.simplefilter("error", NLSConvergenceWarning)
        res = _mgh_fit(P, xtol=1e-15, ftol=1e-15, max_nfev=1000 * P.n)
    assert res.converged, res.message
    assert solved(P, res.ssr, rtol=1e-5), res.ssr
    if not P.unique:
        return  # several minimisers: the sum of squares is the check
    if P.xstar is not None and solved(P, res.ssr, rtol=1e-5) and abs(res.ssr - P.fstar[0]) <= 1e-12:
        assert_allclose(res.params, P.xstar, rtol=1e-6, atol=1e-8)
    else:
        jac = "2-point" if P.jacobian is None else P.jacobian
        ref = so.least_squares(
            P.residuals, np.array(P.x0), jac, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15
        )
        if solved(P, 2 * ref.cost, rtol=1e-5) and abs(2 * ref.cost - res.ssr) <= 1e-8 * res.ssr:
            assert_allclose(res.params, ref.x, rtol=1e-6, atol=1e-8)


def test_mgh_powell_badly_scaled_needs_the_scaling():
    # x* = (1.098e-5, 9.106): without D the trust region is a sphere in units that differ by 1e6
    P = next(p for p in PROBLEMS if p.name == "Powell badly scaled")
    res = _mgh_fit(P, xtol=1e-15, ftol=1e-15)
    assert_allclose(res.params * np.array([1e4, 1]), [0.1098159, 9.106146], rtol=1e-6)


# --------------------------------------------------------------------------
# bounds
# --------------------------------------------------------------------------
def test_bounds_inactive_give_the_unbounded_fit(data):
    t, y = data
    free = curve_fit(decay, t, y, [1, 1, 0], jac=decay_jac, **TIGHT)[0]
    boxed = curve_fit(decay, t, y, [1, 1, 0], jac=decay_jac, bounds=([0, 0, -1], [10, 5, np.inf]), **TIGHT)[0]
    assert_allclose(boxed, free, rtol=1e-7)


@pytest.mark.parametrize(
    "bounds", [([-np.inf, -np.inf, -np.inf], [np.inf, 1.0, np.inf]), ([0, 0, 0], [5, 1.0, 1])]
)
def test_bound_at_the_optimum_matches_scipy_trf(data, bounds):
    t, y = data  # the unbounded k is ~1.3: the bound k <= 1 is active
    popt, _ = curve_fit(decay, t, y, [1, 0.5, 0.1], bounds=bounds, **TIGHT)
    ref, _ = so.curve_fit(decay, t, y, [1, 0.5, 0.1], bounds=bounds, xtol=1e-15, ftol=1e-15, gtol=1e-15)
    assert popt[1] <= 1.0
    assert_allclose(popt, ref, rtol=1e-6)


def test_bounds_errors(data):
    t, y = data
    with pytest.raises(ValueError, match="outside of provided bounds"):
        curve_fit(decay, t, y, [1, 2, 0], bounds=([0, 0, 0], [5, 1, 1]))
    with pytest.raises(ValueError, match="strictly less"):
        curve_fit(decay, t, y, [1, 1, 0], bounds=([0, 1, 0], [5, 1, 1]))


# --------------------------------------------------------------------------
# non-convergence and bad input
# --------------------------------------------------------------------------
def test_non_convergence_is_reported():
    P = PROBLEMS[0]  # Rosenbrock needs ~20 evaluations
    with pytest.warns(NLSConvergenceWarning, match="max_nfev"):
        res = _mgh_fit(P, max_nfev=3)
    assert not res.converged and res.status == 5 and "max_nfev" in res.message
    with pytest.raises(RuntimeError, match="Optimal parameters not found"):
        curve_fit(lambda _, a, b: P.residuals(np.array([a, b])), None, np.zeros(2), P.x0, maxfev=3)


def test_bad_input_errors_like_scipy(data):
    t, y = data
    bad = y.copy()
    bad[3] = np.nan
    for fit in (curve_fit, so.curve_fit):
        with pytest.raises(ValueError, match="array must not contain infs or NaNs"):
            fit(decay, t, bad, [1, 1, 0])
        with pytest.raises(TypeError):
            fit(decay, t, y, [1, 1, 0, 0])  # p0 of the wrong length
        with pytest.raises(ValueError):
            fit(lambda t, a, k, c: np.ones(3) * a, t, y, [1, 1, 0])  # f returns the wrong shape
        with pytest.raises(TypeError, match="must not exceed"):
            fit(decay, t[:2], y[:2], [1, 1, 0])  # fewer observations than parameters
        with pytest.raises(ValueError, match="`sigma` has incorrect shape"):
            fit(decay, t, y, [1, 1, 0], sigma=np.ones(3))
    with pytest.raises(ValueError, match="array must not contain infs or NaNs"):
        NLS(decay, t, bad, [1, 1, 0])
    with pytest.raises(TypeError, match="right length"):
        NLS(decay, t, y, [1, 1]).fit()
    with pytest.raises(ValueError, match="shape"):
        NLS(decay, t, y, [1, 1, 0], jac=lambda t, a, k, c: np.ones((3, 3))).fit()
    with pytest.raises(ValueError, match="method"):
        NLS(decay, t, y, [1, 1, 0]).fit(method="trf")
    assert_allclose(
        curve_fit(decay, t, y)[0], so.curve_fit(decay, t, y)[0], rtol=1e-6
    )  # p0 from the signature


def test_inputs_not_modified(data):
    t, y = data
    t0, y0, p0, sigma = t.copy(), y.copy(), np.array([1.0, 1.0, 0.0]), np.full(t.size, 0.02)
    saved = [a.copy() for a in (t0, y0, p0, sigma)]
    curve_fit(decay, t0, y0, p0, sigma=sigma, bounds=([0, 0, -1], [10, 5, 1]))
    NLS(decay, t0, y0, p0, weights=1 / sigma**2).fit(method="gn")
    for a, b in zip((t0, y0, p0, sigma), saved, strict=True):
        np.testing.assert_array_equal(a, b)


def test_results_are_immutable(data):
    t, y = data
    res = NLS(decay, t, y, [1, 1, 0]).fit()
    with pytest.raises(ValueError):
        res.params[0] = 0.0
    with pytest.raises(AttributeError):
        res.params = None


def test_residuals_beyond_the_square_root_of_overflow():
    # ||r||^2 overflows at |r| ~ 1e154: the norms must be scaled (MINPACK's enorm), not summed squares
    t = np.linspace(0.0, 2.0, 15)
    y = 1e170 * np.exp(-0.7 * t) * (1 + 0.01 * np.sin(7 * t))
    res = NLS(lambda t, a, k: a * np.exp(-k * t), t, y, [5e169, 1.0]).fit(**TIGHT)
    ref = so.curve_fit(lambda t, a, k: a * np.exp(-k * t), t, y / 1e170, [0.5, 1.0], xtol=1e-14, ftol=1e-14)[
        0
    ]
    assert res.converged
    assert_allclose(res.params / [1e170, 1.0], ref, rtol=1e-8)


def test_one_parameter_with_an_analytic_jacobian():
    # a one-column Jacobian transposes into a contiguous view: the QR must work on a copy,
    # neither on the caller's array nor on the results' read-only one
    t = np.linspace(0.0, 3.0, 20)
    y = 2.0 * np.exp(-0.5 * t) + 0.01 * np.sin(9 * t)
    returned = []

    def jac(t, k):
        returned.append((k, -2.0 * t[:, None] * np.exp(-k * t[:, None])))
        return returned[-1][1]

    res = NLS(lambda t, k: 2.0 * np.exp(-k * t), t, y, [1.0], jac=jac).fit(**TIGHT)
    popt, pcov = so.curve_fit(lambda t, k: 2.0 * np.exp(-k * t), t, y, [1.0], xtol=1e-14, ftol=1e-14)
    assert_allclose(res.params, popt, rtol=1e-8)
    assert_allclose(res.bse**2, np.diag(pcov), rtol=1e-6)
    for k, J in returned:
        np.testing.assert_array_equal(J, -2.0 * t[:, None] * np.exp(-k * t[:, None]))
    assert_allclose(res.conf_int_profile(0), res.conf_int()[0], rtol=1e-2)


def test_rank_deficient_covariance_is_the_pseudo_inverse(data):
    # a and b enter only as a + b: J has two equal columns (rank 3 of 4); pcov is the
    # Moore-Penrose inverse of J^T J (scipy's rule), here checked against numpy's pinv of J.
    # (scipy's own SVD leaves the zero singular value at 1e-15 relative, just above its
    # eps max(m, n) threshold, and returns a covariance of 1e27.)
    t, y = data

    def f(t, a, b, k, c):
        return (a + b) * np.exp(-k * t) + c

    def jac(t, a, b, k, c):  # exact, so the equal columns are equal to the last bit
        e = np.exp(-k * t)
        return np.column_stack([e, e, -(a + b) * t * e, np.ones_like(t)])

    popt, pcov = curve_fit(f, t, y, [1.0, 0.5, 1.0, 0.0], jac=jac, **TIGHT)
    ref = curve_fit(lambda t, s, k, c: s * np.exp(-k * t) + c, t, y, [1.5, 1.0, 0.0], **TIGHT)[0]
    assert_allclose([popt[0] + popt[1], popt[2], popt[3]], ref, rtol=1e-8)
    J = jac(t, *popt)
    s2 = np.sum((f(t, *popt) - y) ** 2) / (t.size - 4)
    assert_allclose(pcov, s2 * np.linalg.pinv(J) @ np.linalg.pinv(J).T, rtol=1e-8, atol=1e-14)
    assert NLS(f, t, y, [1.0, 0.5, 1.0, 0.0], jac=jac).fit().rank == 3
