"""GLM by IRLS on Dask chunks against the in-memory jitla GLM and statsmodels.

The Dask fit runs the in-memory iteration with chunked sums (the deviance,
the R factor of ``W^{1/2} [X | z]`` merged up the fixed tree), so the
results agree with the in-memory fit to rounding: 1e-10 relative
(measured about 1e-15 on these data; p-values, which amplify, 1e-9).
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.regression import GLM, PerfectSeparationWarning
from jitla.regression.families import Binomial, Gamma, Log, Poisson

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")
sm = pytest.importorskip("statsmodels.api")

N = 3001
STATS = ("deviance", "pearson_chi2", "llf", "aic", "bic", "llnull", "null_deviance", "scale", "df_resid")


def _data(kind, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(N), rng.standard_normal((N, 3))])
    eta = X @ np.array([0.3, -0.5, 0.8, 0.2])
    if kind == "logit":
        return X, (rng.random(N) < 1 / (1 + np.exp(-eta))).astype(float), Binomial()
    if kind == "poisson":
        return X, rng.poisson(np.exp(eta)).astype(float), Poisson()
    return X, rng.gamma(2.0, np.exp(0.1 * eta) / 2.0), Gamma(link=Log())


def _sm_family(kind):
    f = sm.families
    return {"logit": f.Binomial(), "poisson": f.Poisson(), "gamma": f.Gamma(f.links.Log())}[kind]


@pytest.mark.parametrize("kind", ["logit", "poisson", "gamma"])
def test_dask_glm_matches_in_memory_and_statsmodels(kind):
    X, y, family = _data(kind)
    with dask.config.set(scheduler="sync"):
        res = GLM(da.from_array(y, chunks=700), da.from_array(X, chunks=(700, 4)), family).fit()
        mu = res.mu.compute()
        resid = res.resid_response.compute()
    mem = GLM(y, X, family).fit()
    ref = sm.GLM(y, X, family=_sm_family(kind)).fit()
    assert type(res).__name__ == "DaskGLMResults" and res.converged
    assert res.n_iter == mem.n_iter and res.nobs == N
    assert_allclose(res.params, mem.params, rtol=1e-10)
    assert_allclose(res.bse, mem.bse, rtol=1e-10)
    assert_allclose(res.pvalues, mem.pvalues, rtol=1e-9, atol=1e-300)
    for name in STATS:
        assert_allclose(getattr(res, name), getattr(mem, name), rtol=1e-10, err_msg=name)
    assert_allclose(mu, mem.mu, rtol=1e-10)
    assert_allclose(resid, mem.resid_response, rtol=1e-9, atol=1e-12)
    assert_allclose(res.params, ref.params, rtol=1e-7, atol=1e-7)  # statsmodels stops earlier
    assert_allclose(res.bse, ref.bse, rtol=1e-6)
    for name in ("deviance", "llf", "aic", "pearson_chi2", "llnull"):
        assert_allclose(getattr(res, name), getattr(ref, name), rtol=1e-8, err_msg=name)
    assert "Deviance" in str(res.summary())
    assert_allclose(res.get_prediction(X[:5]).predicted, mem.get_prediction(X[:5]).predicted, rtol=1e-10)


def test_dask_glm_is_bit_identical_across_schedulers_and_names_dataframe_columns():
    X, y, family = _data("poisson", seed=2)
    df = pd.DataFrame(X[:, 1:], columns=["a", "b", "c"])
    df.insert(0, "const", 1.0)
    df["y"] = y
    ddf = dd.from_pandas(df, npartitions=6)
    with dask.config.set(scheduler="sync"):
        first = GLM(ddf["y"], ddf[["const", "a", "b", "c"]], family).fit()
        first_params = np.asarray(first.params)
    with dask.config.set(scheduler="threads"):
        second = GLM(ddf["y"], ddf[["const", "a", "b", "c"]], family).fit()
        second_params = np.asarray(second.params)
    assert_array_equal(first_params, second_params)
    assert list(first.params.index) == ["const", "a", "b", "c"]
    mem = GLM(df["y"], df[["const", "a", "b", "c"]], family).fit()
    assert_allclose(first.params, mem.params, rtol=1e-10)


def test_dask_glm_rejects_what_it_cannot_do():
    X, y, family = _data("poisson")
    dX, dy = da.from_array(X, chunks=(1000, 4)), da.from_array(y, chunks=1000)
    with pytest.raises(ValueError, match="offset is not available for Dask input"):
        GLM(dy, dX, family, offset=np.zeros(N))
    with pytest.raises(ValueError, match="cov_type must be one of"):
        GLM(dy, dX, family).fit(cov_type="HAC")
    with dask.config.set(scheduler="sync"):
        with pytest.raises(ValueError, match="endog is all zero"):
            GLM(da.zeros(N, chunks=1000), dX, family).fit()
        with pytest.raises(ValueError, match="rank-deficient"):
            GLM(dy, da.concatenate([dX, dX[:, 1:2]], axis=1), family).fit()
        with pytest.raises(ValueError, match="Binomial family needs endog in"):
            GLM(dy, dX, Binomial()).fit()
        res = GLM(dy, dX, family).fit()
    with pytest.raises(NotImplementedError, match="lazy: use mu"):
        _ = res._mu


@pytest.mark.parametrize("kind", ["logit", "gamma"])
def test_dask_glm_hc_residuals_and_influence_match_in_memory(kind):
    X, y, family = _data(kind, seed=3)
    dX, dy = da.from_array(X, chunks=(700, 4)), da.from_array(y, chunks=700)
    mem = GLM(y, X, family).fit()
    with dask.config.set(scheduler="sync"):
        for cov in ("HC0", "HC1", "HC2", "HC3"):
            res = GLM(dy, dX, family).fit(cov_type=cov)
            ref = GLM(y, X, family).fit(cov_type=cov)
            assert_allclose(res.bse, ref.bse, rtol=1e-10, err_msg=cov)
            assert_allclose(res.pvalues, ref.pvalues, rtol=1e-8, atol=1e-300, err_msg=cov)
        res = GLM(dy, dX, family).fit()
        got = {
            name: getattr(res, name).compute()
            for name in ("resid_pearson", "resid_deviance", "resid_working", "resid_anscombe")
        }
        infl = res.get_influence()
        frame = infl.summary_frame().compute()
        hat = infl.hat_matrix_diag.compute()
    for name, value in got.items():
        assert_allclose(value, getattr(mem, name), rtol=1e-9, atol=1e-12, err_msg=name)
    ref_frame = mem.get_influence().summary_frame()
    assert list(frame.columns) == list(ref_frame.columns)
    assert_allclose(frame.to_numpy(), ref_frame.to_numpy(), rtol=1e-9, atol=1e-14)
    assert_allclose(hat, ref_frame["hat_diag"], rtol=1e-10)
    # statsmodels as the independent oracle of the per-row formulas: the leverage with the
    # expected information (R's hatvalues; statsmodels' default uses the observed information,
    # which differs for non-canonical links such as Gamma-log), Cook's distance for the logit
    sm_res = sm.GLM(y, X, family=_sm_family(kind)).fit()
    assert_allclose(frame["hat_diag"], sm_res.get_hat_matrix_diag(observed=False), rtol=1e-6)
    if kind == "logit":
        assert_allclose(frame["cooks_d"], sm_res.get_influence().cooks_distance[0], rtol=1e-5)


def test_dask_glm_influence_frame_keeps_the_dataframe_index():
    X, y, family = _data("poisson", seed=4)
    df = pd.DataFrame(X[:, 1:], columns=["a", "b", "c"], index=np.arange(N) * 10)
    df.insert(0, "const", 1.0)
    df["y"] = y
    ddf = dd.from_pandas(df, npartitions=4)
    with dask.config.set(scheduler="sync"):
        res = GLM(ddf["y"], ddf[["const", "a", "b", "c"]], family).fit()
        frame = res.get_influence().summary_frame().compute()
    mem = GLM(df["y"], df[["const", "a", "b", "c"]], family).fit().get_influence().summary_frame()
    assert_array_equal(frame.index, df.index)
    assert_allclose(frame.to_numpy(), mem.to_numpy(), rtol=1e-9, atol=1e-14)


def _separation_warnings(fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    return [str(w.message) for w in caught if issubclass(w.category, PerfectSeparationWarning)]


def test_dask_glm_reports_separation_with_the_column_like_in_memory():
    X, _, _ = _data("logit", seed=5)
    y = (X[:, 2] > 0).astype(float)  # column x2 separates the classes completely
    dX, dy = da.from_array(X, chunks=(700, 4)), da.from_array(y, chunks=700)
    with dask.config.set(scheduler="sync"):
        got = _separation_warnings(lambda: GLM(dy, dX, Binomial()).fit(maxiter=30))
    mem = _separation_warnings(lambda: GLM(y, X, Binomial()).fit(maxiter=30))
    assert len(got) == 1 and len(mem) == 1
    # column 2 separates; its name is "x2" in memory (after "const") and "x3" on Dask (no constant detection)
    dask_name = GLM(dy, dX, Binomial()).exog_names[2]
    assert f"coefficients of {dask_name} diverge" in got[0] and "coefficients of x2 diverge" in mem[0]
    assert "fitted probabilities are 0 or 1" in got[0]
    # quasi-complete: the classes split at column 2 = 0, and the rows exactly on 0 have both classes
    rng = np.random.default_rng(6)
    Xq = X.copy()
    Xq[::10, 2] = 0.0
    yq = (Xq[:, 2] > 0).astype(float)
    yq[::10] = rng.random(yq[::10].size) < 0.5
    dXq = da.from_array(Xq, chunks=(700, 4))
    with dask.config.set(scheduler="sync"):
        got = _separation_warnings(
            lambda: GLM(da.from_array(yq, chunks=700), dXq, Binomial()).fit(maxiter=40)
        )
    mem = _separation_warnings(lambda: GLM(yq, Xq, Binomial()).fit(maxiter=40))
    assert len(got) == 1 and f"coefficients of {dask_name} diverge" in got[0]
    assert len(mem) == 1 and "coefficients of x2 diverge" in mem[0]
    # a strong but finite effect: extreme probabilities may occur, but nothing separates: no warning
    yb = rng.binomial(1, 1 / (1 + np.exp(-8 * X[:, 1]))).astype(float)
    with dask.config.set(scheduler="sync"), warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        GLM(da.from_array(yb, chunks=700), dX, Binomial()).fit()


def test_dask_glm_slabs_give_the_whole_chunk_fit_and_the_same_separation_sample(monkeypatch):
    import jitla.distributed._tsqr as tsqr

    X, y, family = _data("logit", seed=7)
    dX, dy = da.from_array(X, chunks=(700, 4)), da.from_array(y, chunks=700)
    with dask.config.set(scheduler="sync"):
        whole = GLM(dy, dX, family).fit(cov_type="HC1")
        monkeypatch.setattr(tsqr, "SLAB_ROWS", 64)
        slabs = GLM(dy, dX, family).fit(cov_type="HC1")
    assert_allclose(slabs.params, whole.params, rtol=1e-12)
    assert_allclose(slabs.bse, whole.bse, rtol=1e-11)
    assert_allclose(slabs.deviance, whole.deviance, rtol=1e-13)
    # the separation sample keeps the first `keep` rows of each kind per partition, slabs or not
    from jitla.regression._dask_glm import _ExtremePass, _FirstRows, _merge_extremes

    beta = 40.0 * np.array([0.0, 1.0, 0.0, 0.0])  # drives many fitted probabilities to 0 or 1
    task = tsqr._SlabTask(_ExtremePass(beta, 5), _FirstRows(5))
    count, extreme, other = task(0, X[:700], y[:700])
    ref = _merge_extremes(_ExtremePass(beta, 5)(0, X[:700], y[:700]))
    assert count == ref[0] > 5
    assert_array_equal(extreme, ref[1])
    assert_array_equal(other, ref[2])
    assert extreme.shape == (5, 4) and other.shape == (5, 4)
