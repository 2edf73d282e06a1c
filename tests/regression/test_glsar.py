"""GLSAR (Cochrane-Orcutt, Prais-Winsten) and Yule-Walker against statsmodels.

Both sides run the same iteration on the same data (a few least-squares
fits of 100 rows and order-p Toeplitz solves): rtol 1e-10.  Prais-Winsten
at a fixed rho is checked against statsmodels' GLS with the AR(1)
covariance matrix, whose Cholesky whitening spans the same transform.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.regression import GLSAR, yule_walker

sm = pytest.importorskip("statsmodels.api")
from statsmodels.regression.linear_model import yule_walker as sm_yule_walker  # noqa: E402


def _ar_data(n=100, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal(n), np.arange(n) / n])
    e = np.zeros(n)
    u = rng.standard_normal(n)
    for t in range(2, n):
        e[t] = 0.5 * e[t - 1] + 0.2 * e[t - 2] + u[t]
    return X, X @ [1.0, 2.0, -1.0] + e, e


@pytest.mark.parametrize("method", ["adjusted", "mle"])
@pytest.mark.parametrize("order", [1, 3])
def test_yule_walker_matches_statsmodels(order, method):
    _, _, e = _ar_data()
    e_before = e.copy()
    rho, sigma = yule_walker(e, order, method=method)
    ref_rho, ref_sigma = sm_yule_walker(e, order, method=method, result_object=False)
    assert_allclose(rho, ref_rho, rtol=1e-12)
    assert_allclose(sigma, ref_sigma, rtol=1e-12)
    assert_array_equal(e, e_before)


@pytest.mark.parametrize("order", [1, 2])
def test_iterative_cochrane_orcutt_matches_statsmodels(order):
    X, y, _ = _ar_data()
    ours = GLSAR(y, X, order).iterative_fit(maxiter=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ref_model = sm.GLSAR(y, X, order)
        ref = ref_model.iterative_fit(maxiter=6)
    assert (ours.iter, ours.converged, ours.nobs) == (ref.iter, ref.converged, ref.nobs)
    for name in ("params", "bse", "pvalues", "resid"):
        assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-10, err_msg=name)
    for name in ("llf", "rsquared", "fvalue", "ssr", "aic"):
        assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-10, err_msg=name)
    assert_allclose(ours.history["rho"][-1], ref_model.rho, rtol=1e-10)
    assert "GLSAR" in repr(ours.model) or ours.model.method == "cochrane-orcutt"


def test_fixed_rho_and_results_are_a_snapshot():
    X, y, _ = _ar_data()
    model = GLSAR(y, X, rho=[0.4, 0.1])
    res = model.fit()
    ref = sm.GLSAR(y, X, rho=[0.4, 0.1]).fit()
    assert_allclose(res.params, ref.params, rtol=1e-10)
    assert_allclose(res.bse, ref.bse, rtol=1e-10)
    before = np.array(res.bse)
    model.iterative_fit(maxiter=4)  # moves model.rho
    assert_allclose(res.bse, before, rtol=0)
    assert_allclose(res.model.rho, [0.4, 0.1], rtol=0)


def test_prais_winsten_equals_gls_with_ar1_covariance():
    X, y, _ = _ar_data()
    n, rho = len(y), 0.6
    lags = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    sigma = rho**lags / (1 - rho**2)
    ours = GLSAR(y, X, [rho], method="prais-winsten").fit()
    ref = sm.GLS(y, X, sigma=sigma).fit()
    assert ours.nobs == n
    for name in ("params", "bse", "llf", "ssr"):
        assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-10, err_msg=name)
    it = GLSAR(y, X, 1, method="prais-winsten").iterative_fit(maxiter=10)
    assert it.converged and abs(it.model.rho[0]) < 1


def test_errors():
    X, y, _ = _ar_data(n=20)
    with pytest.raises(ValueError, match="at least 1"):
        GLSAR(y, X, 0)
    with pytest.raises(ValueError, match="cochrane-orcutt"):
        GLSAR(y, X, 1, method="ols")
    with pytest.raises(ValueError, match="AR\\(1\\)"):
        GLSAR(y, X, 2, method="prais-winsten")
    with pytest.raises(ValueError, match="stationary"):
        GLSAR(y, X, [1.0], method="prais-winsten")
    with pytest.raises(ValueError, match="too short"):
        yule_walker(y[:2], 2)
    with pytest.raises(ValueError, match="positive integer"):
        yule_walker(y, 0)
    with pytest.raises(ValueError, match="method must be 'adjusted' or 'mle'"):
        yule_walker(y, 1, method="burg")
    with pytest.raises(ValueError, match="expecting a vector"):
        yule_walker(np.c_[y, y], 1)
