"""``best_subsets`` and ``stepwise`` against brute force and refit-per-step loops.

Oracles: an exhaustive search over every subset, each fitted from scratch by
``numpy.linalg.lstsq`` on ``[1 | X_S]``; statsmodels' OLS for the statistics
of the chosen models (R^2, adjusted R^2, AIC, BIC, PRESS, Cp from its full
model's scale); and, for stepwise, a loop that refits every candidate model
with statsmodels at every step and applies the selection rule to its
``aic`` / ``bic`` / ``ssr``.

Tolerances: the designs have cond ~ 10 and n >= 40, so every RSS carries a
relative error ~ n cond eps ~ 1e-13 whichever way it is computed (one
Householder QR and a few dozen Givens rotations here, LAPACK's least
squares there); rtol 1e-10 leaves room.  Criteria are affine in log(RSS) or
RSS with O(n) constants, hence rtol 1e-10 too.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose

from jitla.regression import MissingDataError, best_subsets, stepwise

sm = pytest.importorskip("statsmodels.api")

RTOL = 1e-10


def _data(n=60, q=11, seed=0, rho=0.5, k=4):
    """Correlated columns (AR(1), rho), non-zero means, k true effects of falling size."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, q))
    X = np.empty((n, q))
    X[:, 0] = Z[:, 0]
    for j in range(1, q):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * Z[:, j]
    X += np.linspace(-2.0, 3.0, q)
    beta = np.zeros(q)
    beta[rng.permutation(q)[:k]] = 2.0 / np.arange(1, k + 1)
    y = 1.5 + X @ beta + rng.standard_normal(n)
    return X, y


def _rss(X, y, cols):
    A = np.column_stack([np.ones(len(y)), X[:, list(cols)]])
    r = y - A @ np.linalg.lstsq(A, y, rcond=None)[0]
    return float(r @ r)


def _exhaustive(X, y, max_size, nbest):
    """``{size: [(rss, cols), ...]}``: the nbest smallest of each size, every subset refitted."""
    q = X.shape[1]
    return {
        s: sorted((_rss(X, y, c), c) for c in itertools.combinations(range(q), s))[:nbest]
        for s in range(1, max_size + 1)
    }


@pytest.mark.parametrize(
    "q, max_size, nbest, seed, rho",
    [(11, None, 1, 0, 0.5), (10, None, 3, 1, 0.8), (12, 5, 2, 2, 0.0)],
)
def test_best_subsets_equals_exhaustive_search(q, max_size, nbest, seed, rho):
    X, y = _data(q=q, seed=seed, rho=rho)
    res = best_subsets(X, y, max_size, nbest=nbest)
    want = _exhaustive(X, y, max_size or q, nbest)
    got = {}
    for s, cols, rss in zip(res.size, res.subsets, res.rss, strict=True):
        got.setdefault(int(s), []).append((rss, tuple(int(c[1:]) - 1 for c in cols)))
    assert sorted(got) == sorted(want)
    for s in want:
        assert [c for _, c in got[s]] == [c for _, c in want[s]], s
        assert_allclose([r for r, _ in got[s]], [r for r, _ in want[s]], rtol=RTOL)
    assert res.n_nodes < 2 ** (q - 1)  # the bound cut something


def test_best_subsets_statistics_match_statsmodels():
    X, y = _data(n=50, q=8, seed=3)
    res = best_subsets(X, y, criterion="cp")
    n = len(y)
    full = sm.OLS(y, sm.add_constant(X)).fit()
    for i, cols in enumerate(res.subsets):
        idx = [int(c[1:]) - 1 for c in cols]
        ref = sm.OLS(y, sm.add_constant(X[:, idx])).fit()
        k = len(idx)
        assert_allclose(res.rss[i], ref.ssr, rtol=RTOL)
        assert_allclose(res.rsquared[i], ref.rsquared, rtol=RTOL)
        assert_allclose(res.rsquared_adj[i], ref.rsquared_adj, rtol=RTOL)
        assert_allclose(res.aic[i], ref.aic, rtol=RTOL)
        assert_allclose(res.bic[i], ref.bic, rtol=RTOL)
        assert_allclose(res.press[i], np.sum(ref.get_influence().resid_press ** 2), rtol=RTOL)
        assert_allclose(res.cp[i], ref.ssr / full.scale - n + 2 * (k + 1), rtol=RTOL)
        model = res.models[i]
        assert model.model.exog_names == ["const", *cols]
        assert_allclose(model.params, ref.params, rtol=RTOL)
        assert_allclose(model.bse, ref.bse, rtol=RTOL)
    assert res.best_index == int(np.argmin(res.cp))
    assert res.best is res.models[res.best_index]
    for crit, values in (
        ("aic", res.aic),
        ("bic", res.bic),
        ("press", res.press),
        ("adjr2", -res.rsquared_adj),
    ):
        assert best_subsets(X, y, criterion=crit).best_index == int(np.argmin(values))


def test_best_subsets_pandas_names_and_inputs_untouched():
    pd = pytest.importorskip("pandas")
    X, y = _data(n=40, q=5, seed=4)
    names = ["age", "bmi", "bp", "s1", "s2"]
    df = pd.DataFrame(X, columns=names, index=np.arange(100, 140))
    ys = pd.Series(y, index=df.index, name="target")
    X0, y0 = X.copy(), y.copy()
    res = best_subsets(df, ys, nbest=2)
    assert all(set(s) <= set(names) for s in res.subsets)
    assert res.best.model.exog_names[0] == "const"
    assert list(res.best.resid.index) == list(df.index)
    frame = res.summary_frame()
    assert list(frame["size"]) == list(res.size) and len(frame) == 9  # sizes 1-4 twice, 5 once
    plain = best_subsets(X, y, nbest=2)
    assert_allclose(res.rss, plain.rss, rtol=0)
    assert np.array_equal(X, X0) and np.array_equal(y, y0)
    assert np.array_equal(df.to_numpy(), X0)


def test_best_subsets_bad_input():
    X, y = _data(n=30, q=4, seed=5)
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(MissingDataError, match="exog contains inf or nans"):
        best_subsets(Xn, y)
    yn = y.copy()
    yn[0] = np.inf
    with pytest.raises(MissingDataError, match="endog contains inf or nans"):
        best_subsets(X, yn)
    with pytest.raises(ValueError, match=r"max_size must be in \[1, 4\], got 5"):
        best_subsets(X, y, max_size=5)
    with pytest.raises(ValueError, match=r"max_size must be in \[1, 4\], got 0"):
        best_subsets(X, y, max_size=0)
    with pytest.raises(TypeError, match="max_size must be an integer"):
        best_subsets(X, y, max_size=2.5)
    with pytest.raises(ValueError, match="criterion must be one of"):
        best_subsets(X, y, criterion="r2")
    with pytest.raises(ValueError, match="nbest must be >= 1"):
        best_subsets(X, y, nbest=0)
    with pytest.raises(ValueError, match="at least q \\+ 2 observations"):
        best_subsets(X[:5], y[:5])
    with pytest.raises(ValueError, match="constant column"):
        best_subsets(np.column_stack([X, np.full(30, 2.0)]), y)
    with pytest.raises(ValueError, match=r"rank deficient: column\(s\) \['x5'\]"):
        best_subsets(np.column_stack([X, X[:, 0] - 2 * X[:, 3]]), y)
    with pytest.raises(ValueError, match="different sizes"):
        best_subsets(X, y[:-1])


# ---------------------------------------------------------------------------- stepwise
def _naive_stepwise(X, y, direction, criterion, f_in=4.0, f_out=3.9):
    """Refit every candidate with statsmodels at every step; ``[(action, var, rss, value)]``."""
    n, q = X.shape
    scale = sm.OLS(y, sm.add_constant(X)).fit().scale

    def fit(cols):
        return sm.OLS(y, sm.add_constant(X[:, sorted(cols)]) if cols else np.ones((n, 1))).fit()

    def crit(res, k):
        if criterion == "cp":
            return res.ssr / scale - n + 2 * (k + 1)
        return res.aic if criterion == "aic" else res.bic

    model = set(range(q)) if direction == "backward" else set()
    cur = fit(model)
    hist = [("start", None, cur.ssr, np.nan if criterion == "f" else crit(cur, len(model)))]

    def adds():
        out = []
        for j in range(q):
            if j not in model:
                r = fit(model | {j})
                k = len(model) + 1
                out.append(
                    (crit(r, k) if criterion != "f" else -(cur.ssr - r.ssr) / (r.ssr / (n - k - 1)), j, r)
                )
        return min(out, key=lambda t: (t[0], t[1])) if out else None

    def drops():
        out = []
        for j in model:
            r = fit(model - {j})
            k = len(model) - 1
            out.append(
                (
                    crit(r, k) if criterion != "f" else (r.ssr - cur.ssr) / (cur.ssr / (n - len(model) - 1)),
                    j,
                    r,
                )
            )
        return min(out, key=lambda t: (t[0], t[1])) if out else None

    while True:
        a = adds() if direction != "backward" else None
        d = drops() if direction != "forward" else None
        if criterion == "f":
            if a is not None and -a[0] > f_in:
                model.add(a[1])
                cur = a[2]
                hist.append(("add", a[1], cur.ssr, -a[0]))
                while direction == "both":
                    d = drops()
                    if d is None or not d[0] < f_out:
                        break
                    model.discard(d[1])
                    cur = d[2]
                    hist.append(("drop", d[1], cur.ssr, d[0]))
            elif d is not None and d[0] < f_out:
                model.discard(d[1])
                cur = d[2]
                hist.append(("drop", d[1], cur.ssr, d[0]))
            else:
                break
        else:
            moves = [m[:2] + (kind, m[2]) for m, kind in ((a, "add"), (d, "drop")) if m is not None]
            if not moves:
                break
            val, var, kind, r = min(moves, key=lambda t: t[:3])
            if not val < hist[-1][3]:
                break
            (model.add if kind == "add" else model.discard)(var)
            cur = r
            hist.append((kind, var, cur.ssr, val))
    return hist, sorted(model)


def _diabetes():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_diabetes(return_X_y=True)
    return X[:150], y[:150]


@pytest.mark.parametrize("data", ["ar", "weak", "diabetes"])
@pytest.mark.parametrize("direction", ["forward", "backward", "both"])
@pytest.mark.parametrize("criterion", ["aic", "bic", "cp", "f"])
def test_stepwise_equals_refit_per_step(data, direction, criterion):
    if data == "ar":
        X, y = _data(n=60, q=7, seed=6, rho=0.7, k=3)
    elif data == "weak":
        X, y = _data(n=45, q=6, seed=7, rho=0.3, k=6)
        y = y + 3.0 * np.random.default_rng(8).standard_normal(45)  # small effects: selection is close
    else:
        X, y = _diabetes()
    res = stepwise(X, y, direction, criterion)
    want, cols = _naive_stepwise(X, y, direction, criterion)
    names = [f"x{j + 1}" for j in range(X.shape[1])]
    got = [(s.action, s.variable) for s in res.history]
    assert got == [(a, None if v is None else names[v]) for a, v, _, _ in want]
    assert_allclose([s.rss for s in res.history], [w[2] for w in want], rtol=RTOL)
    assert_allclose([s.value for s in res.history], [w[3] for w in want], rtol=RTOL)
    assert res.selected == [names[j] for j in cols]
    ref = sm.OLS(y, sm.add_constant(X[:, cols]) if cols else np.ones((len(y), 1))).fit()
    assert_allclose(res.model.params, ref.params, rtol=1e-9)


def test_stepwise_makes_moves_of_every_kind():
    # the comparison above means something only if some runs add, drop and mix both
    X, y = _data(n=60, q=7, seed=6, rho=0.7, k=3)
    forward = stepwise(X, y, "forward", "aic").history
    backward = stepwise(X, y, "backward", "bic").history
    assert {s.action for s in forward} == {"start", "add"} and len(forward) > 2
    assert {s.action for s in backward} == {"start", "drop"} and len(backward) > 2


def test_stepwise_bad_input_and_max_steps():
    X, y = _data(n=30, q=4, seed=5)
    with pytest.raises(ValueError, match="direction must be one of"):
        stepwise(X, y, "sideways")
    with pytest.raises(ValueError, match="criterion must be one of"):
        stepwise(X, y, criterion="adjr2")
    with pytest.raises(ValueError, match=r"f_out \(5.0\) must not exceed f_in \(4.0\)"):
        stepwise(X, y, criterion="f", f_out=5.0)
    with pytest.raises(ValueError, match="f_in must be a number >= 0"):
        stepwise(X, y, criterion="f", f_in=-1.0)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(MissingDataError):
        stepwise(Xn, y)
    with pytest.warns(RuntimeWarning, match="max_steps = 1"):
        res = stepwise(X, y, "forward", "aic", max_steps=1)
    assert len(res.history) == 2
