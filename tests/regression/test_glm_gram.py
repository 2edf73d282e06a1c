"""IRLS through Gram matrices (CholeskyQR): the kernels, the condition checks and the fallbacks.

Tolerances: Gram entries to a few ulps of the sums (1e-13 relative to the
largest entry); CholeskyQR2's R equal to Householder's to 1e-12 (relative,
rows signed alike) for kappa ~ 1e4; GLM fits on designs of condition 1e4 to 1e7
against statsmodels (SVD-based) to the issue's 1e-8 on params and 1e-6 on bse.
"""

import warnings

import numpy as np
import pytest

from jitla.kernels.glm import BINOMIAL_LOGIT, POISSON_LOG, glm_eval, glm_eval_parallel
from jitla.kernels.qr_tall import gram_design, gram_design_parallel
from jitla.regression import GLM, _glm, _gram
from jitla.regression import families as F
from tests import naive

sm = pytest.importorskip("statsmodels.api")

_NONE = np.empty(0)
_NO_T = np.empty((0, 0))


@pytest.mark.parametrize(("m", "p"), [(3, 2), (21, 7), (300, 12), (700, 33)])
@pytest.mark.parametrize("extras", ["plain", "u+s", "u+s+T"])
def test_gram_design_against_naive(m, p, extras):
    rng = np.random.default_rng(m + p)
    X = rng.standard_normal((m, p))
    X0 = X.copy()
    u = rng.standard_normal(m) if extras != "plain" else _NONE
    s = rng.uniform(0.2, 2.0, m) if extras != "plain" else _NONE
    q = p + (1 if u.size else 0)
    T = np.triu(rng.standard_normal((q, q))) + 2 * np.eye(q) if extras == "u+s+T" else _NO_T
    F_ = np.column_stack([X, u]) if u.size else X.copy()
    if s.size:
        F_ = F_ * s[:, None]
    if T.size:
        F_ = naive.matmul_2d(F_, T)
    want = naive.matmul_2d(F_.T, F_)
    G1, G2 = np.empty((q, q)), np.empty((q, q))
    gram_design(X, u, s, T, G1)
    gram_design_parallel(X, u, s, T, G2)
    np.testing.assert_allclose(G1, want, rtol=0, atol=1e-13 * np.abs(want).max())
    np.testing.assert_array_equal(G1, G2)  # same partition, same order of sums
    np.testing.assert_array_equal(G1, G1.T)
    np.testing.assert_array_equal(X, X0)


def test_gram_design_over_many_chunks_matches_numpy():
    # more rows than one partial sum holds (GRAM_CHUNK_ROWS), and a last block shorter than the rest
    from jitla.kernels.qr_tall import GRAM_CHUNK_ROWS

    m = 2 * GRAM_CHUNK_ROWS + 77
    rng = np.random.default_rng(3)
    X = rng.standard_normal((m, 9))
    s = rng.uniform(0.5, 1.5, m)
    G = np.empty((9, 9))
    gram_design(X, _NONE, s, _NO_T, G)
    want = (X * s[:, None]).T @ (X * s[:, None])
    np.testing.assert_allclose(G, want, rtol=0, atol=1e-12 * np.abs(want).max())


@pytest.mark.parametrize("code", [BINOMIAL_LOGIT, POISSON_LOG], ids=["binomial-logit", "poisson-log"])
def test_glm_eval_against_the_family_formulas(code):
    rng = np.random.default_rng(code)
    n = 5000
    eta = np.concatenate([rng.normal(0, 2, n - 4), [-40.0, 40.0, 0.0, -700.0]])
    if code == BINOMIAL_LOGIT:
        fam, y = F.Binomial(), rng.uniform(0, 1, n).round(1)
    else:
        fam, y = F.Poisson(), rng.poisson(2.0, n).astype(float)
        eta[-3] = 30.0
    prior = rng.uniform(0.5, 2.0, n)
    eta0 = eta.copy()
    mu, sw, r = np.empty(n), np.empty(n), np.empty(n)
    dev = glm_eval(code, eta, y, prior, mu, sw, r)
    mu_f = fam.clip_mu(fam.link.inverse(eta))
    g = fam.link.deriv(mu_f)
    np.testing.assert_allclose(mu, mu_f, rtol=1e-14)
    np.testing.assert_allclose(sw**2, prior / (g * g * fam.variance(mu_f)), rtol=1e-13)
    np.testing.assert_allclose(r, (y - mu_f) * g, rtol=1e-13)
    assert dev == pytest.approx(fam.deviance(y, mu_f, prior), rel=1e-12)
    out = [np.empty(n) for _ in range(3)]
    assert glm_eval_parallel(code, eta, y, prior, *out) == dev
    np.testing.assert_array_equal(eta, eta0)


def test_glm_eval_reports_a_mean_out_of_range():
    eta = np.array([0.0, 800.0, 1.0])  # e^800 overflows: the step left the Poisson range
    out = [np.empty(3) for _ in range(3)]
    assert np.isnan(glm_eval(POISSON_LOG, eta, np.ones(3), np.ones(3), *out))


def test_gram_factor_condition_and_singular():
    rng = np.random.default_rng(5)
    A = naive.matrix_with_condition(400, 6, 1e4, seed=2) * np.array([1, 10, 1e3, 1e-2, 5, 1])  # column scales
    fac = _gram.gram_factor(A.T @ A)
    assert fac is not None
    # equilibration removes the column scales: kappa is that of the scaled columns (within p)
    As = A / np.linalg.norm(A, axis=0)
    assert np.linalg.cond(As) / 6 <= fac.kappa <= 6 * np.linalg.cond(As)
    np.testing.assert_allclose(fac.R.T @ fac.R, A.T @ A, rtol=1e-10, atol=1e-12 * np.abs(A.T @ A).max())
    np.testing.assert_allclose(fac.Rinv @ fac.R, np.eye(6), atol=1e-8)
    B = rng.standard_normal((50, 3))
    B = np.column_stack([B, B[:, 0] - B[:, 1]])  # exactly dependent: not positive definite
    assert _gram.gram_factor(B.T @ B) is None
    assert _gram.gram_factor(np.zeros((2, 2))) is None


def test_cholqr2_matches_householder_where_one_pass_does_not():
    A = naive.matrix_with_condition(3000, 8, 1e5, seed=4)
    s = np.random.default_rng(1).uniform(0.5, 2.0, 3000)
    Aw = A * s[:, None]
    R_h = np.linalg.qr(Aw, mode="r")
    R_h *= np.sign(np.diag(R_h))[:, None]
    first = _gram.gram_factor(_gram.weighted_gram(A, None, s))
    R2 = _gram.cholqr2_r(A, s, first)
    scale = np.abs(R_h).max()
    one_pass = np.abs(first.R - R_h).max() / scale
    two_pass = np.abs(R2 - R_h).max() / scale
    assert two_pass < 1e-12
    assert one_pass > 100 * two_pass  # the second pass is what restores the accuracy


def _near_collinear(n, delta, seed):
    # columns 2 and 3 differ by delta * noise: the equilibrated condition number is ~ 1 / delta
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3))
    X = np.column_stack([np.ones(n), x[:, 0], x[:, 1], x[:, 1] + delta * x[:, 2]])
    return X, X @ np.array([0.2, 0.5, 0.3, -0.2])


@pytest.mark.parametrize(
    ("delta", "path"),
    [(1e-4, "cholqr2"), (3e-6, "householder R"), (1e-7, "householder iterations")],
)
@pytest.mark.parametrize("family", ["binomial", "poisson"])
def test_ill_conditioned_designs_take_the_stable_path(monkeypatch, delta, path, family):
    X, eta = _near_collinear(600, delta, seed=int(1 / delta) % 1000)
    rng = np.random.default_rng(9)
    if family == "binomial":
        y = rng.binomial(1, 1 / (1 + np.exp(-eta))).astype(float)
        fj, fs = F.Binomial(), sm.families.Binomial()
    else:
        fj, fs, y = F.Poisson(), sm.families.Poisson(), rng.poisson(np.exp(eta)).astype(float)
    calls = {"cholqr2": 0, "householder R": 0, "qr step": 0}

    def counted(name, func):
        def wrapper(*a, **k):
            calls[name] += 1
            return func(*a, **k)

        return wrapper

    monkeypatch.setattr(_glm, "cholqr2_r", counted("cholqr2", _glm.cholqr2_r))
    monkeypatch.setattr(_glm, "qr_r_augmented", counted("householder R", _glm.qr_r_augmented))
    monkeypatch.setattr(_glm, "fit_least_squares", counted("qr step", _glm.fit_least_squares))
    # tol 1e-9: at kappa ~ 1e7 the coefficients' rounding (~kappa eps) stops tighter step tests; Newton
    # is quadratic here, so the answer is still within ~1e-12 of the optimum
    r = GLM(y, X, fj).fit(tol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = sm.GLM(y, X, family=fs).fit(tol=1e-14, maxiter=500)
    assert r.converged
    if path == "cholqr2":
        assert calls["cholqr2"] == 1 and calls["householder R"] == 0 and calls["qr step"] == 0
    elif path == "householder R":
        assert calls["cholqr2"] == 0 and calls["householder R"] == 1 and calls["qr step"] == 0
    else:
        assert calls["qr step"] >= 1  # the Gram's condition check sends the iterations to Householder
    b, sb = np.asarray(r.params), np.asarray(s.params)
    np.testing.assert_allclose(b, sb, rtol=1e-8, atol=1e-8 * np.abs(sb).max())
    np.testing.assert_allclose(r.bse, s.bse, rtol=1e-6)


@pytest.mark.parametrize("code", [BINOMIAL_LOGIT, POISSON_LOG], ids=["binomial-logit", "poisson-log"])
def test_glm_score_and_glm_gram_against_numpy(code):
    # the fused passes: eta = X b + offset, the evaluation, and the score / the Gram of the weighted
    # design, against the separate numpy products and glm_eval; serial and parallel bitwise equal
    from jitla.kernels.glm import EVAL_BLOCK, glm_gram, glm_gram_parallel, glm_score, glm_score_parallel
    from jitla.kernels.qr_tall import GRAM_CHUNK_ROWS

    rng = np.random.default_rng(code + 10)
    n, p = GRAM_CHUNK_ROWS + EVAL_BLOCK + 37, 11  # several blocks, short last ones
    X = rng.standard_normal((n, p))
    b = rng.standard_normal(p) * 0.2
    off = rng.uniform(-0.5, 0.5, n)
    y = rng.binomial(1, 0.4, n).astype(float) if code == BINOMIAL_LOGIT else rng.poisson(1.5, n) * 1.0
    prior = rng.uniform(0.5, 2.0, n)
    ins = [a.copy() for a in (X, b, off, y, prior)]
    eta = naive.matmul_2d(X, b[:, None])[:, 0] + off
    mu, sw, r = np.empty(n), np.empty(n), np.empty(n)
    dev = glm_eval(code, eta, y, prior, mu, sw, r)
    score = naive.matmul_2d(X.T, (sw * sw * r)[:, None])[:, 0]
    outs = {}
    for name, f in [("score", glm_score), ("score_par", glm_score_parallel)]:
        o = [np.empty(n) for _ in range(4)] + [np.empty((1, p))]
        d = f(code, X, b, off, y, prior, *o)
        outs[name] = (d, *o)
        np.testing.assert_allclose(o[0], eta, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(o[1], mu, rtol=1e-12)
        np.testing.assert_allclose(o[2], sw, rtol=1e-12)
        np.testing.assert_allclose(o[4][0], score, rtol=0, atol=1e-11 * np.abs(score).max())
        assert d == pytest.approx(dev, rel=1e-12)
    for name, f in [("gram", glm_gram), ("gram_par", glm_gram_parallel)]:
        o = [np.empty(n) for _ in range(4)]
        G = np.empty((p + 1, p + 1))
        d = f(code, X, b, off, y, prior, *o, G)
        outs[name] = (d, *o, G)
        want = np.empty((p + 1, p + 1))
        gram_design(X, o[3], o[2], _NO_T, want)
        np.testing.assert_array_equal(G, want)  # the Gram kernel's own blocks and sums
        np.testing.assert_allclose(G[:p, p], score, rtol=0, atol=1e-11 * np.abs(score).max())
        assert d == pytest.approx(dev, rel=1e-12)
    for a, c in (("score", "score_par"), ("gram", "gram_par")):
        for u, v in zip(outs[a], outs[c], strict=True):
            np.testing.assert_array_equal(u, v)
    for a, a0 in zip((X, b, off, y, prior), ins, strict=True):
        np.testing.assert_array_equal(a, a0)
    # a mean out of range: NaN (the step is then halved by the caller)
    o = [np.empty(n) for _ in range(4)]
    if code == POISSON_LOG:
        assert np.isnan(glm_score(code, X, b + 800.0, off, y, prior, *o, np.empty((0, p))))
        assert np.isnan(glm_gram(code, X, b + 800.0, off, y, prior, *o, np.empty((p + 1, p + 1))))
