"""PolynomialFeatures (correctly rounded monomials) and poly (R's orthogonal polynomials).

Oracles: scikit-learn's ``PolynomialFeatures`` for the layout (columns,
``powers_``, names), Python's exact ``fractions.Fraction`` arithmetic for
the values (``float(Fraction)`` is correctly rounded), mpmath for a second
opinion, and numpy's QR of the centred Vandermonde matrix for R's
``poly`` (R's own construction, ``Z = Q diag(R)``).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from jitla.regression._poly import NotFittedError, PolyCoefs, PolynomialFeatures, poly

sklearn = pytest.importorskip("sklearn")
from sklearn.preprocessing import PolynomialFeatures as SkPolynomialFeatures  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

EPS = np.finfo(np.float64).eps


# --------------------------------------------------------------------------
# exact references
# --------------------------------------------------------------------------
def exact_design(X, powers):
    """Exact products ``prod_i X[r, i]**powers[j, i]`` as Fractions, (n, q) nested lists."""
    rows = [[Fraction(float(v)) for v in row] for row in np.asarray(X, dtype=np.float64)]
    return [
        [math.prod((row[i] ** int(p) for i, p in enumerate(pw) if p), start=Fraction(1)) for pw in powers]
        for row in rows
    ]


def round_to_float32(q: Fraction) -> np.float32:
    """Correctly rounded (ties to even) float32 of the rational q."""
    r = np.float32(float(q))
    candidates = [np.nextafter(r, np.float32(-np.inf)), r, np.nextafter(r, np.float32(np.inf))]
    best = min(candidates, key=lambda c: (abs(Fraction(float(c)) - q), int(c.view(np.uint32)) & 1))
    return best


def ulp_error(value: float, q: Fraction) -> float:
    """``|value - q|`` in units of the float64 spacing at q."""
    spacing = Fraction(np.spacing(abs(float(q))))
    return float(abs(Fraction(float(value)) - q) / spacing)


def ulp_matrix(values, exact):
    """:func:`ulp_error` entry by entry, (n, q) float array."""
    return np.array(
        [
            [ulp_error(v, q) for v, q in zip(row, qrow, strict=True)]
            for row, qrow in zip(values, exact, strict=True)
        ]
    )


def naive_design(X, powers):
    """Each monomial by repeated float multiplication, ``((x*x)*x)*...`` (what a plain loop does)."""
    X = np.asarray(X, dtype=np.float64)
    out = np.ones((X.shape[0], len(powers)))
    for j, pw in enumerate(powers):
        for i, p in enumerate(pw):
            for _ in range(int(p)):
                out[:, j] = out[:, j] * X[:, i]
    return out


def random_inputs(rng, n, m, lo=-9.0, hi=9.0):
    """Random float64 values with full 53-bit significands (no accidentally exact powers)."""
    return rng.uniform(lo, hi, size=(n, m))


# --------------------------------------------------------------------------
# scikit-learn layout and conformance
# --------------------------------------------------------------------------
@parametrize_with_checks(
    [
        PolynomialFeatures(),
        PolynomialFeatures(degree=(2, 3), interaction_only=True, include_bias=False, order="F"),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


LAYOUTS = [
    dict(degree=2),
    dict(degree=3, include_bias=False),
    dict(degree=3, interaction_only=True),
    dict(degree=(2, 4)),
    dict(degree=(0, 2), include_bias=False),
    dict(degree=(3, 3), interaction_only=True, include_bias=False),
    dict(degree=0),
    dict(degree=1, order="F"),
]


@pytest.mark.parametrize("params", LAYOUTS, ids=str)
def test_layout_matches_sklearn(params):
    rng = np.random.default_rng(1)
    X = random_inputs(rng, 7, 3, -2.0, 2.0)
    ours = PolynomialFeatures(**params).fit(X)
    ref = SkPolynomialFeatures(**params).fit(X)
    assert ours.n_features_in_ == ref.n_features_in_ == 3
    assert ours.n_output_features_ == ref.n_output_features_
    np.testing.assert_array_equal(ours.powers_, ref.powers_)
    np.testing.assert_array_equal(ours.get_feature_names_out(), ref.get_feature_names_out())
    names = ["a", "b", "c"]
    np.testing.assert_array_equal(ours.get_feature_names_out(names), ref.get_feature_names_out(names))
    Z = ours.transform(X)
    # sklearn multiplies repeatedly: at most (degree - 1) roundings apart from the correctly rounded value
    np.testing.assert_allclose(Z, ref.transform(X), rtol=4 * EPS, atol=0)
    assert Z.flags.f_contiguous if params.get("order") == "F" else Z.flags.c_contiguous


def test_feature_names_from_pandas_and_float32():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(2)
    df = pd.DataFrame(random_inputs(rng, 5, 2, 0.5, 2.0).astype(np.float32), columns=["income", "age"])
    before = df.copy()
    pf = PolynomialFeatures(2).fit(df)
    np.testing.assert_array_equal(pf.feature_names_in_, np.array(["income", "age"], dtype=object))
    assert pf.feature_names_in_.dtype == object
    assert list(pf.get_feature_names_out()) == ["1", "income", "age", "income^2", "income age", "age^2"]
    Z = pf.transform(df)
    assert Z.dtype == np.float32
    pd.testing.assert_frame_equal(df, before)
    with pytest.raises(ValueError, match="input_features is not equal"):
        pf.get_feature_names_out(["a", "b"])
    # a refit on a plain array forgets the names
    assert not hasattr(pf.fit(df.to_numpy()), "feature_names_in_")


def test_bad_input_and_parameters():
    X = np.arange(6.0).reshape(3, 2)
    with pytest.raises(ValueError, match="non-negative integer"):
        PolynomialFeatures(-1).fit(X)
    with pytest.raises(ValueError, match="min_degree <= max_degree"):
        PolynomialFeatures((3, 2)).fit(X)
    with pytest.raises(ValueError, match="empty output array"):
        PolynomialFeatures(0, include_bias=False).fit(X)
    with pytest.raises(ValueError, match="'order' parameter"):
        PolynomialFeatures(order="K").fit(X)
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        PolynomialFeatures().fit(X[:, 0])
    with pytest.raises(ValueError, match="contains NaN"):
        PolynomialFeatures().fit(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="Complex data not supported"):
        PolynomialFeatures().fit(X + 1j)
    with pytest.raises(NotFittedError):
        PolynomialFeatures().transform(X)
    pf = PolynomialFeatures().fit(X)
    with pytest.raises(ValueError, match="X has 1 features, but PolynomialFeatures is expecting 2"):
        pf.transform(X[:, :1])
    scipy_sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="sparse"):
        pf.transform(scipy_sparse.csr_matrix(X))


def test_input_not_modified_and_read_only_input():
    rng = np.random.default_rng(3)
    X = random_inputs(rng, 6, 2)
    X.setflags(write=False)
    before = X.copy()
    Z = PolynomialFeatures(3).fit_transform(X)
    np.testing.assert_array_equal(X, before)
    assert not np.shares_memory(Z, X)


def test_overflow_and_wide_range_products():
    # x0^2 overflows (as repeated multiplication does); 1e300 * 1e-10 is out of TwoProduct's range
    # (Veltkamp's split overflows) but finite: the plain product, itself correctly rounded, is stored.
    X = np.array([[1e200, 3.0], [1e300, 1e-10]])
    Z = PolynomialFeatures(2).fit_transform(X)
    assert Z[0, 3] == np.inf
    assert Z[1, 4] == float(Fraction(1e300) * Fraction(1e-10))
    assert np.isfinite(Z[:, :3]).all()


# --------------------------------------------------------------------------
# correct rounding: every entry equals the exact product rounded once
# --------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_raw_powers_are_correctly_rounded(seed):
    rng = np.random.default_rng(seed)
    X = random_inputs(rng, 40, 1, -9.0, -3.0)
    pf = PolynomialFeatures(10).fit(X)
    Z = pf.transform(X)
    exact = exact_design(X, pf.powers_)
    expected = np.array([[float(q) for q in row] for row in exact])
    np.testing.assert_array_equal(Z, expected)


def test_cross_products_are_correctly_rounded():
    rng = np.random.default_rng(4)
    X = random_inputs(rng, 25, 3, -3.0, 3.0)
    pf = PolynomialFeatures(6).fit(X)
    Z = pf.transform(X)
    exact = exact_design(X, pf.powers_)
    expected = np.array([[float(q) for q in row] for row in exact])
    np.testing.assert_array_equal(Z, expected)


def test_correct_rounding_agrees_with_mpmath():
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(5)
    x = random_inputs(rng, 30, 1, 3.0, 9.0)
    Z = PolynomialFeatures(10, include_bias=False).fit_transform(x)
    with mpmath.workdps(60):
        for i in range(x.shape[0]):
            for k in range(1, 11):
                exact = (
                    mpmath.mpf(float(x[i, 0])) ** k
                )  # 60 digits hold x^10 (at most 530 bits) only approximately
                err = abs(mpmath.mpf(float(Z[i, k - 1])) - exact) / mpmath.mpf(np.spacing(float(Z[i, k - 1])))
                assert err <= 0.5 + 1e-20, (i, k, err)


def test_naive_repeated_multiplication_is_not_correctly_rounded():
    # The control: the same check fails for the design built by repeated multiplication,
    # so the tests above can fail.
    rng = np.random.default_rng(0)
    X = random_inputs(rng, 40, 1, -9.0, -3.0)
    pf = PolynomialFeatures(10).fit(X)
    exact = exact_design(X, pf.powers_)
    naive = naive_design(X, pf.powers_)
    ulps = ulp_matrix(naive, exact)
    expected = np.array([[float(q) for q in row] for row in exact])
    assert (naive != expected).mean() > 0.3  # most high powers are off
    assert ulps.max() > 1.0  # beyond faithful rounding, not just ties
    ours = pf.transform(X)
    ours_ulps = ulp_matrix(ours, exact)
    assert ours_ulps.max() <= 0.5


def test_float32_is_rounded_once_from_the_exact_product():
    rng = np.random.default_rng(6)
    X = random_inputs(rng, 30, 2, -5.0, 5.0).astype(np.float32)
    pf = PolynomialFeatures(5).fit(X)
    Z = pf.transform(X)
    assert Z.dtype == np.float32
    exact = exact_design(X, pf.powers_)
    expected = np.array([[round_to_float32(q) for q in row] for row in exact], dtype=np.float32)
    np.testing.assert_array_equal(Z, expected)


def test_float32_midpoint_is_resolved_by_the_low_part():
    # Found by search: the exact product a*b*c (72 bits) rounds in float64 to hi, which is exactly
    # halfway between two float32 numbers; the float64 low part lo != 0 says which one is nearer.
    # Narrowing hi alone (ties to even) picks the wrong one for the second row.
    X = np.array(
        [
            [0.4998779296875, 1.0002442598342896, 1.000488519668579],
            [0.4999847412109375, 0.9374990463256836, 0.9687509536743164],
        ],
        dtype=np.float32,
    )
    pf = PolynomialFeatures((3, 3), interaction_only=True, include_bias=False).fit(X)
    Z = pf.transform(X)[:, 0]
    exact = [q[0] for q in exact_design(X, pf.powers_)]
    expected = np.array([round_to_float32(q) for q in exact], dtype=np.float32)
    assert np.float32(float(exact[1])) != expected[1]  # the double rounding this guards against
    np.testing.assert_array_equal(Z, expected)


# --------------------------------------------------------------------------
# poly: R's orthogonal polynomials
# --------------------------------------------------------------------------
def r_poly_oracle(x, degree):
    """R's stats::poly written with numpy's QR: ``Z = Q diag(R)`` of the centred Vandermonde matrix."""
    x = np.asarray(x, dtype=np.float64)
    xbar = x.mean()
    t = x - xbar
    V = np.vander(t, degree + 1, increasing=True)
    Q, R = np.linalg.qr(V)
    Zr = Q * np.diag(R)
    norm2 = (Zr**2).sum(axis=0)
    alpha = ((t[:, None] * Zr**2).sum(axis=0) / norm2 + xbar)[:degree]
    Z = Zr[:, 1:] / np.sqrt(norm2[1:])
    return Z, alpha, np.concatenate([[1.0], norm2])


def test_poly_1_to_10_degree_3_is_rs_definition():
    x = np.arange(1, 11)
    Z, coefs = poly(x, 3)
    Zref, alpha, norm2 = r_poly_oracle(x, 3)
    # same signs, not just the same span: R's columns are Q_j R_jj, i.e. monic polynomials, normalised
    np.testing.assert_allclose(Z, Zref, rtol=0, atol=50 * EPS)
    np.testing.assert_allclose(coefs.alpha, alpha, rtol=20 * EPS)
    np.testing.assert_allclose(coefs.norm2, norm2, rtol=20 * EPS)
    # norm2 in closed form for 1..10: sum (x - 5.5)^2 = 82.5
    assert coefs.norm2[:3].tolist() == [1.0, 10.0, 82.5]
    # up to sign against numpy's own Q (whose signs are LAPACK's choice)
    Q, _ = np.linalg.qr(np.vander(x - x.mean(), 4, increasing=True))
    np.testing.assert_allclose(np.abs(Z), np.abs(Q[:, 1:]), atol=50 * EPS)


@pytest.mark.parametrize(
    "n, degree, lo, hi", [(60, 10, -9.0, -3.0), (25, 5, 100.0, 101.0), (200, 15, 0.0, 1.0)]
)
def test_poly_orthonormal_and_spans_raw_powers(n, degree, lo, hi):
    rng = np.random.default_rng(n)
    x = np.sort(rng.uniform(lo, hi, n))
    before = x.copy()
    Z, coefs = poly(x, degree)
    np.testing.assert_array_equal(x, before)
    G = np.column_stack([np.ones(n) / np.sqrt(n), Z])
    np.testing.assert_allclose(G.T @ G, np.eye(degree + 1), atol=1e-12)
    # span: the centred, scaled Vandermonde matrix is reproduced by [1, Z] (least squares residual ~ 0)
    t = (x - x.mean()) / np.ptp(x)
    V = np.vander(t, degree + 1, increasing=True)
    resid = V - G @ (G.T @ V)
    assert np.abs(resid).max() <= 1e-9 * np.abs(V).max()
    Zref, alpha, norm2 = r_poly_oracle(x, min(degree, 8))
    np.testing.assert_allclose(Z[:, : Zref.shape[1]], Zref, atol=1e-9)
    assert isinstance(coefs, PolyCoefs)


def test_poly_predict_evaluates_the_same_polynomials():
    rng = np.random.default_rng(7)
    x = rng.uniform(2.0, 6.0, 40)
    x_new = np.array([2.5, 3.0, 7.0, -1.0])
    Z, coefs = poly(x, 4)
    Znew, same = poly(x_new, 4, coefs=coefs)
    assert same is coefs
    # each column is a polynomial of degree j+1 in x: fit it exactly with numpy and evaluate
    for j in range(4):
        c = np.polynomial.polynomial.polyfit(x - 4.0, Z[:, j], j + 1)
        np.testing.assert_allclose(
            Znew[:, j], np.polynomial.polynomial.polyval(x_new - 4.0, c), rtol=1e-9, atol=1e-10
        )
    # on the fitting points, predict reproduces the fit
    np.testing.assert_array_equal(poly(x, 4, coefs=coefs)[0], Z)


def test_poly_bad_input():
    with pytest.raises(ValueError, match="less than number of unique points"):
        poly([1.0, 2.0, 2.0, 1.0], 2)
    with pytest.raises(ValueError, match="positive integer"):
        poly([1.0, 2.0, 3.0], 0)
    with pytest.raises(ValueError, match="missing values"):
        poly([1.0, np.nan, 3.0], 1)
    with pytest.raises(ValueError, match="one-dimensional"):
        poly(np.ones((3, 2)), 1)
    _, coefs = poly([1.0, 2.0, 3.0, 4.0], 2)
    with pytest.raises(ValueError, match="coefs are for degree 2"):
        poly([1.0], 3, coefs=coefs)


def test_split_design_holds_the_exact_products_to_double_double_accuracy():

    rng = np.random.default_rng(8)
    X = random_inputs(rng, 20, 2, -9.0, -3.0)
    pf = PolynomialFeatures(8).fit(X)
    hi, lo = pf.transform_split(X)
    np.testing.assert_array_equal(hi, pf.transform(X))
    exact = exact_design(X, pf.powers_)
    rel = max(
        abs(Fraction(float(h)) + Fraction(float(l)) - q) / abs(q)
        for hrow, lrow, qrow in zip(hi, lo, exact, strict=True)
        for h, l, q in zip(hrow, lrow, qrow, strict=True)
    )
    assert rel <= 3 * 8 * Fraction(2) ** -106


def test_works_without_scikit_learn():
    # scikit-learn is optional at run time: with it blocked, the fallback base class
    # supplies get_params / set_params / fit_transform and the same transform.
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        """
        import sys
        sys.modules["sklearn"] = None  # any "import sklearn..." now raises ImportError
        import numpy as np
        from jitla.regression._poly import NotFittedError, PolynomialFeatures
        pf = PolynomialFeatures(3, include_bias=False)
        params = {"degree": 3, "include_bias": False, "interaction_only": False, "order": "C"}
        assert pf.get_params() == params
        assert pf.set_params(degree=2) is pf and pf.degree == 2
        try:
            pf.set_params(bogus=1)
        except ValueError as e:
            assert "Invalid parameter" in str(e)
        else:
            raise AssertionError("set_params accepted an unknown name")
        try:
            PolynomialFeatures().transform(np.ones((2, 2)))
        except NotFittedError:
            pass
        Z = pf.fit_transform(np.array([[2.0, 3.0]]))
        assert Z.tolist() == [[2.0, 3.0, 4.0, 6.0, 9.0]], Z
        assert "sklearn" not in {type(c).__module__.split(".")[0] for c in type(pf).__mro__}
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_polyfit_and_exog_lo_bad_input_and_inputs_untouched():
    from jitla.regression import OLS, polyfit

    rng = np.random.default_rng(11)
    x = rng.uniform(-2.0, 2.0, 40)
    y = 1.0 - x + 0.5 * x**3 + 0.01 * rng.standard_normal(40)
    x0, y0 = x.copy(), y.copy()
    res = polyfit(x, y, 3)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)
    # an independent oracle on a well-conditioned cubic: numpy's polyfit (highest power first)
    np.testing.assert_allclose(np.asarray(res.params), np.polyfit(x, y, 3)[::-1], rtol=1e-10, atol=1e-12)
    assert res.model.exog_names == ["const", "x", "x^2", "x^3"]
    with pytest.raises(ValueError, match="one-dimensional"):
        polyfit(x[:, None], y, 3)
    with pytest.raises(ValueError, match="non-negative integer"):
        polyfit(x, y, -1)
    with pytest.raises(ValueError, match="non-negative integer"):
        polyfit(x, y, 2.5)
    X = np.column_stack([np.ones(40), x])
    with pytest.raises(ValueError, match="exog_lo must be finite and shaped like exog"):
        OLS(y, X, exog_lo=np.zeros((40, 3)))
    with pytest.raises(ValueError, match="exog_lo must be finite and shaped like exog"):
        OLS(y, X, exog_lo=np.full((40, 2), np.nan))
    with pytest.raises(ValueError, match="exog_names has 3 names for 2 columns"):
        OLS(y, X, exog_names=["a", "b", "c"])


def test_polyfit_polynomial_accessor_says_the_order():
    from jitla.regression import PolyfitResults, RegressionResults, polyfit

    rng = np.random.default_rng(12)
    x = rng.uniform(-2.0, 2.0, 40)
    y = 2.0 + 3.0 * x - 0.25 * x**2 + 0.01 * rng.standard_normal(40)
    res = polyfit(x, y, 2)
    assert isinstance(res, PolyfitResults) and isinstance(res, RegressionResults)
    poly_ = res.polynomial
    assert isinstance(poly_, np.polynomial.Polynomial)
    # numpy.polyfit is highest power first; the Polynomial (and params) lowest first
    np.testing.assert_allclose(poly_.coef[::-1], np.polyfit(x, y, 2), rtol=1e-10)
    np.testing.assert_allclose(poly_.coef, np.polynomial.Polynomial.fit(x, y, 2).convert().coef, rtol=1e-10)
    np.testing.assert_allclose(poly_(x), np.asarray(res.fittedvalues), rtol=1e-12)
    assert poly_.coef[0] == pytest.approx(2.0, abs=0.05)


def test_polyfit_inference_as_accurate_as_the_refined_coefficients():
    # degree 10 on [-9, -3] (componentwise condition ~5e9): from the rounded design's QR the
    # standard errors had ~8 digits; refined against the double-double design, as many as params
    mpmath = pytest.importorskip("mpmath")
    from jitla.regression import polyfit

    x = np.linspace(-9, -3, 50)
    y = np.exp(x / 3) + 1e-6 * np.sin(7 * x)
    res = polyfit(x, y, 10)
    n, p = x.size, 11
    with mpmath.workdps(60):
        A = mpmath.matrix([[mpmath.mpf(float(v)) ** k for k in range(p)] for v in x])
        Y = mpmath.matrix([mpmath.mpf(float(v)) for v in y])
        G = (A.T * A) ** -1
        b = G * (A.T * Y)
        r = Y - A * b
        ssr = sum(v**2 for v in r)
        ybar = sum(Y) / n
        tss = sum((v - ybar) ** 2 for v in Y)
        ref_bse = np.array([float(mpmath.sqrt(ssr / (n - p) * G[j, j])) for j in range(p)])
        ref_resid = np.array([float(v) for v in r])
        ref_s = float(mpmath.sqrt(ssr / (n - p)))
        ref_1mr2 = float(ssr / tss)
    np.testing.assert_allclose(res.bse, ref_bse, rtol=1e-13)
    np.testing.assert_allclose(np.sqrt(res.scale), ref_s, rtol=1e-13)
    np.testing.assert_allclose(res.resid, ref_resid, rtol=1e-12, atol=1e-13 * np.abs(ref_resid).max())
    np.testing.assert_allclose(1 - res.rsquared, ref_1mr2, rtol=1e-6)  # 1 - R^2 ~ 1e-12: R^2 itself to 1 ulp
    cov = np.asarray(res.cov_params())
    with mpmath.workdps(60):
        ref_cov = np.array([[float(ssr / (n - p) * G[i, j]) for j in range(p)] for i in range(p)])
    np.testing.assert_allclose(cov, ref_cov, rtol=1e-12)
