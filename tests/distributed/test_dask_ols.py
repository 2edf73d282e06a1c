"""OLS/WLS and TSQR over Dask chunks against the in-memory fit and statsmodels.

The chunked R factor differs from the in-memory one only by the order of
Householder eliminations (a few roundings per entry): R to 1e-13 ||R||,
params/bse/statistics to 1e-12 relative on well-conditioned data.  Every
test uses Dask's synchronous or threaded scheduler (the LocalCluster tests
are in test_dask_cluster.py).
"""

import naive
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.distributed import design_stats, tsqr_r
from jitla.regression import OLS, WLS

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")
sm = pytest.importorskip("statsmodels.api")


def _data(n=3001, p=4, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, p - 1))])
    y = X @ np.arange(1.0, p + 1) + rng.standard_normal(n) * (1 + np.abs(X[:, 1]))
    return X, y, rng.uniform(0.5, 2.0, n)


def _signed(R):
    return R * np.where(np.diag(R) < 0, -1.0, 1.0)[:, None]


@pytest.mark.parametrize("chunks", [(500, 2), ((1000, 0, 1, 1999, 1), (4,)), (3001, 4)])
def test_tsqr_r_any_chunking(chunks):
    A, _, _ = _data()
    R = tsqr_r(da.from_array(A, chunks=chunks), split_every=3)
    ref = _signed(np.linalg.qr(A, mode="r"))
    assert_allclose(R, ref, atol=1e-13 * np.abs(ref).max())
    assert np.all(np.diag(R) >= 0)
    naive_R = _signed(naive.qr(A[:40])[1][:4])
    assert_allclose(tsqr_r(da.from_array(A[:40], chunks=7)), naive_R, atol=1e-13 * np.abs(naive_R).max())


def test_unknown_chunk_sizes_and_bit_identical_across_schedulers():
    A, _, _ = _data()
    dA = da.from_array(A, chunks=(400, 4))
    masked = dA[dA[:, 1] > -1.0]  # unknown (NaN) row chunks
    assert np.isnan(masked.chunks[0][0])
    with dask.config.set(scheduler="sync"):
        first = tsqr_r(masked)
    with dask.config.set(scheduler="threads"):
        second = tsqr_r(masked)
    assert_array_equal(first, second)
    ref = _signed(np.linalg.qr(A[A[:, 1] > -1.0], mode="r"))
    assert_allclose(first, ref, atol=1e-13 * np.abs(ref).max())


@pytest.mark.parametrize("weighted", [False, True])
def test_ols_wls_match_statsmodels_for_every_covariance(weighted):
    X, y, w = _data()
    dX, dy, dw = da.from_array(X, chunks=(700, 4)), da.from_array(y, chunks=700), da.from_array(w, chunks=700)
    model = WLS(dy, dX, dw) if weighted else OLS(dy, dX)
    ref_model = sm.WLS(y, X, weights=w) if weighted else sm.OLS(y, X)
    assert type(model).__name__ == ("DaskWLS" if weighted else "DaskOLS")
    for cov_type in ("nonrobust", "HC0", "HC1", "HC2", "HC3"):
        ours, ref = model.fit(cov_type=cov_type), ref_model.fit(cov_type=cov_type)
        assert_allclose(ours.params, ref.params, rtol=1e-12)
        assert_allclose(ours.bse, ref.bse, rtol=1e-12)
        assert_allclose(ours.pvalues, ref.pvalues, rtol=1e-9, atol=1e-300)
    ours, ref = model.fit(), ref_model.fit()
    for name in ("rsquared", "rsquared_adj", "fvalue", "llf", "aic", "bic", "ssr", "condition_number"):
        assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-12, err_msg=name)
    assert ours.nobs == len(y) and ours.model.exog_names == ["const", "x1", "x2", "x3"]
    assert_allclose(ours.resid.compute(), ref.resid, rtol=1e-10, atol=1e-12)
    memory = (WLS(y, X, weights=w) if weighted else OLS(y, X)).fit()
    got, want = ours._residual_diagnostics(), memory._residual_diagnostics()
    for key in want:
        assert_allclose(got[key], want[key], rtol=1e-9, err_msg=key)
    text = str(ours.summary())
    assert "Omnibus" in text and "const" in text


def test_dataframe_input_keeps_names():
    X, y, _ = _data()
    df = pd.DataFrame(X[:, 1:], columns=["a", "b", "c"])
    df.insert(0, "const", 1.0)
    df["y"] = y
    ddf = dd.from_pandas(df, npartitions=5)
    res = OLS(ddf["y"], ddf[["const", "a", "b", "c"]]).fit()
    ref = sm.OLS(df["y"], df[["const", "a", "b", "c"]]).fit()
    assert list(res.params.index) == ["const", "a", "b", "c"]
    assert_allclose(res.params, ref.params, rtol=1e-12)
    assert res.model.endog_names == "y"
    assert "a" in str(res.summary())


def test_ill_conditioned_design_beats_the_normal_equations():
    rng = np.random.default_rng(3)
    n = 4000
    t = rng.uniform(0, 1, n)
    X = np.column_stack([np.ones(n), t, t + 1e-7 * rng.standard_normal(n)])  # kappa ~ 1e7
    beta = np.array([1.0, 2.0, 3.0])
    y = X @ beta + 1e-9 * rng.standard_normal(n)
    exact = OLS(y, X).fit(refine=True).params
    ours = OLS(da.from_array(y, chunks=500), da.from_array(X, chunks=(500, 3))).fit().params
    normal = np.linalg.solve(X.T @ X, X.T @ y)
    err_ours = np.max(np.abs(ours - exact) / np.abs(exact))
    err_normal = np.max(np.abs(normal - exact) / np.abs(exact))
    assert err_ours < 1e-6 and err_ours < 1e-3 * err_normal


def test_bad_partitions_are_named_and_inputs_untouched():
    X, y, w = _data(n=300)
    Xb = X.copy()
    Xb[250, 2] = np.nan
    dX = da.from_array(Xb, chunks=(100, 4))
    with pytest.raises(ValueError, match="exog: partition 2 contains NaN or inf"):
        OLS(da.from_array(y, chunks=100), dX).fit()
    wb = w.copy()
    wb[5] = -1.0
    with pytest.raises(ValueError, match="partition 0 has non-positive weights"):
        WLS(
            da.from_array(y, chunks=100), da.from_array(X, chunks=(100, 4)), da.from_array(wb, chunks=100)
        ).fit()
    with pytest.raises(ValueError, match="method='qr'"):
        OLS(da.from_array(y, chunks=100), da.from_array(X, chunks=(100, 4))).fit(method="svd")
    assert np.isnan(Xb[250, 2]) and wb[5] == -1.0
    stats = design_stats(da.from_array(y, chunks=100), da.from_array(X, chunks=(100, 4)))
    assert stats.chunks == 3 and stats.nobs == 300


def test_normal_tests_from_moments_equal_scipy():
    from scipy import stats

    from jitla.regression.diagnostics import jarque_bera, normal_tests_from_moments

    e = np.random.default_rng(4).standard_t(5, size=500)
    skew = stats.skew(e)
    kurt = stats.kurtosis(e, fisher=False)
    out = normal_tests_from_moments(e.size, skew, kurt)
    ref = stats.normaltest(e)
    assert_allclose([out["omnibus"], out["omnibus_p"]], [ref.statistic, ref.pvalue], rtol=1e-10)
    jb, jb_p, _, _ = jarque_bera(e)
    assert_allclose([out["jarque_bera"], out["jarque_bera_p"]], [jb, jb_p], rtol=1e-10)
    assert np.isnan(normal_tests_from_moments(7, skew, kurt)["omnibus"])


def _frame(n=1200, seed=5):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "x1": rng.standard_normal(n),
            "x2": rng.uniform(0.5, 2.0, n),
            "g": rng.choice(["a", "b", "c"], n),
            "row": np.arange(n),
        }
    )
    df["y"] = (
        1 + 2 * df.x1 - np.log(df.x2) + df.g.map({"a": 0.0, "b": 1.0, "c": -1.0}) + rng.standard_normal(n)
    )
    return df


def test_formula_on_a_dask_dataframe_with_empty_and_unknown_partitions():
    from jitla.regression import GLM, ols
    from jitla.regression.families import Gaussian

    df = _frame()
    ddf = dd.from_pandas(df, npartitions=6).categorize(columns=["g"])
    kept = (df.row < 200) | (df.row >= 400)  # partition 1 (rows 200-399) becomes empty
    sub = ddf[(ddf.row < 200) | (ddf.row >= 400)]  # partition sizes unknown
    formula = "y ~ x1 + np.log(x2) + C(g)"
    with dask.config.set(scheduler="sync"):
        assert sub.map_partitions(len).compute().tolist()[1] == 0
        res = ols(formula, data=sub, cov_type="HC1")
        glm = GLM.from_formula(formula, sub, family=Gaussian()).fit()
        bse = np.asarray(res.bse)
    mem = ols(formula, data=df[kept], cov_type="HC1")
    ref = sm.OLS.from_formula(formula, df[kept]).fit(cov_type="HC1")
    assert (
        list(res.params.index)
        == list(mem.params.index)
        == ["Intercept", "x1", "np.log(x2)", "C(g)[T.b]", "C(g)[T.c]"]
    )
    assert_allclose(res.params, mem.params, rtol=1e-12)
    assert_allclose(bse, mem.bse, rtol=1e-12)
    assert_allclose(res.params, ref.params[res.params.index], rtol=1e-12)  # patsy orders terms otherwise
    assert_allclose(glm.params, mem.params, rtol=1e-10)
    assert res.nobs == kept.sum()


def test_formula_on_a_dask_dataframe_needs_known_levels():
    from jitla.regression import ols

    ddf = dd.from_pandas(_frame(), npartitions=3)
    with pytest.raises(ValueError, match=r"column 'g' .* no known levels.*categorize\(columns=\['g'\]\)"):
        ols("y ~ x1 + C(g)", data=ddf)
    ddf = dd.from_pandas(_frame(), npartitions=3)  # g unused: no need to categorize
    with dask.config.set(scheduler="sync"):
        assert ols("y ~ x1", data=ddf).params.index.tolist() == ["Intercept", "x1"]


@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_path_from_the_one_pass_r_matches_sklearn(weighted):
    from sklearn.linear_model import Ridge

    X, y, w = _data(n=800)
    dX, dy, dw = da.from_array(X, chunks=(150, 4)), da.from_array(y, chunks=150), da.from_array(w, chunks=150)
    model = WLS(dy, dX, dw) if weighted else OLS(dy, dX)
    alphas = [0.0, 0.1, 10.0, 1e4]
    with dask.config.set(scheduler="sync"):
        model.fit()
        path = model.ridge_path(alphas)
    for a, row in zip(alphas, path, strict=True):
        ref = Ridge(alpha=a, solver="svd").fit(X[:, 1:], y, sample_weight=w if weighted else None)
        assert_allclose(row, np.r_[ref.intercept_, ref.coef_], rtol=1e-10, atol=1e-12)
    assert_allclose(path[0], model.fit().params, rtol=1e-12)
    full = model.ridge_path([5.0], penalize_constant=True)[0]
    Xw = X * np.sqrt(w)[:, None] if weighted else X
    yw = y * np.sqrt(w) if weighted else y
    assert_allclose(full, np.linalg.solve(Xw.T @ Xw + 5.0 * np.eye(4), Xw.T @ yw), rtol=1e-10)
    with pytest.raises(ValueError, match="non-negative"):
        model.ridge_path([-1.0])


@pytest.mark.parametrize("weighted", [False, True])
def test_lazy_influence_frame_and_predictions_for_new_dask_rows(weighted, tmp_path):
    X, y, w = _data(n=900)
    dX, dy, dw = da.from_array(X, chunks=(200, 4)), da.from_array(y, chunks=200), da.from_array(w, chunks=200)
    with dask.config.set(scheduler="sync"):
        res = (WLS(dy, dX, dw) if weighted else OLS(dy, dX)).fit()
        frame = res.get_influence().summary_frame()
        assert hasattr(frame, "__dask_graph__")  # lazy until written
        frame.to_parquet(str(tmp_path / "influence"))
        got = pd.read_parquet(str(tmp_path / "influence")).sort_index()
        new = X[:250] + 0.5
        pred = res.get_prediction(da.from_array(new, chunks=(60, 4))).summary_frame(alpha=0.1).compute()
    memory = (WLS(y, X, weights=w) if weighted else OLS(y, X)).fit()
    want = memory.get_influence().summary_frame()
    assert list(got.columns) == list(want.columns)
    assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-9, atol=1e-12)
    ref = memory.get_prediction(new).summary_frame(alpha=0.1)
    assert list(pred.columns) == list(ref.columns)
    assert_allclose(pred.to_numpy(), ref.to_numpy(), rtol=1e-11)


def test_columns_of_a_parquet_frame_selected_separately(tmp_path):
    # dask's optimiser reads a one-column selection of many small files as fewer partitions than
    # a many-column one: y and X must still be cut into corresponding row blocks
    pytest.importorskip("pyarrow")
    X, y, _ = _data(n=1200)
    df = pd.DataFrame(X[:, 1:], columns=["a", "b", "c"]).assign(y=y)
    for i in range(12):
        df.iloc[100 * i : 100 * (i + 1)].to_parquet(tmp_path / f"part-{i:02d}.parquet", index=False)
    ddf = dd.read_parquet(str(tmp_path))
    exog = ddf[["a", "b", "c"]].assign(const=1.0)[["const", "a", "b", "c"]]
    with dask.config.set(scheduler="sync"):
        res = OLS(ddf["y"], exog).fit(cov_type="HC2")
        bse = np.asarray(res.bse)
    ref = sm.OLS(y, X).fit(cov_type="HC2")
    assert_allclose(np.asarray(res.params), ref.params, rtol=1e-12)
    assert_allclose(bse, ref.bse, rtol=1e-12)


def test_dataframe_fit_builds_each_partition_once_in_one_task():
    # y and X are two selections of one user-built frame: each pass must run the user's
    # partition function once per partition (not once per selection), and the chunk
    # kernel in the same task, so that no partition is stored between tasks
    X, y, _ = _data(n=2400, p=3, seed=7)
    df = pd.DataFrame(X[:, 1:], columns=["a", "b"])
    df["y"] = y
    calls = []

    def build(part):
        if len(part):
            calls.append(len(part))
        return part.assign(const=1.0)[["y", "const", "a", "b"]]

    frame = dd.from_pandas(df, npartitions=4).map_partitions(build)
    with dask.config.set(scheduler="sync"):
        res = OLS(frame["y"], frame[["const", "a", "b"]]).fit()
        params = np.asarray(res.params)
    assert calls.count(600) == 4  # (Dask also calls it on a 2-row sample to infer the output type)
    ref = OLS(y, X).fit()
    assert_allclose(params, ref.params, rtol=1e-12)


def test_chunks_are_processed_by_slabs_with_the_same_results(monkeypatch):
    """A chunk function sees at most SLAB_ROWS rows; slab results merge to the whole-chunk ones."""
    import jitla.distributed._tsqr as tsqr

    X, y, w = _data()
    df = pd.DataFrame(X[:, 1:], columns=["a", "b", "c"])
    df.insert(0, "const", 1.0)
    df["y"], df["w"] = y, w
    ddf = dd.from_pandas(df, npartitions=3)
    cols = ["const", "a", "b", "c"]
    with dask.config.set(scheduler="sync"):
        whole = {cov: WLS(ddf["y"], ddf[cols], ddf["w"]).fit(cov_type=cov) for cov in ("nonrobust", "HC3")}
        whole_stats = design_stats(ddf["y"], ddf[cols], ddf["w"])
        monkeypatch.setattr(tsqr, "SLAB_ROWS", 97)
        seen = []
        tsqr.map_row_blocks(
            lambda i, a: seen.append(len(a)), [tsqr.row_blocks(ddf[cols], "X")], lambda *p: None
        )
        assert sum(seen) == len(df) and max(seen) == 97 and len(seen) > 3 * 10
        stats = design_stats(ddf["y"], ddf[cols], ddf["w"])
        slabs = {cov: WLS(ddf["y"], ddf[cols], ddf["w"]).fit(cov_type=cov) for cov in whole}
    assert stats.chunks == whole_stats.chunks == 3 and stats.nobs == len(df)
    assert_allclose(_signed(stats.R), _signed(whole_stats.R), atol=1e-13 * np.abs(stats.R).max())
    assert_allclose([stats.mean_y, stats.ss_y], [whole_stats.mean_y, whole_stats.ss_y], rtol=1e-13)
    ref = sm.WLS(y, X, weights=w)
    for cov, res in slabs.items():
        assert_allclose(res.bse, whole[cov].bse, rtol=1e-12)
        assert_allclose(res.bse, ref.fit(cov_type=cov).bse, rtol=1e-12)
    got, want = slabs["nonrobust"]._residual_diagnostics(), whole["nonrobust"]._residual_diagnostics()
    for key in want:  # Durbin-Watson and the moments join across slab boundaries as across chunks
        assert_allclose(got[key], want[key], rtol=1e-11, err_msg=key)
