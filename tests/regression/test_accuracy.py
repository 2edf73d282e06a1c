"""Accuracy of the regression coefficients against an mpmath reference (devlog 009).

Two ill-conditioned designs:

(a) a degree-10 polynomial in raw powers of x, 60 points x in [-9, -3], with
    the constant: ``PolynomialFeatures(10)`` of x (correctly rounded entries);
(b) the Longley data (statsmodels), 6 regressors and the constant.

"Digits" of a coefficient = ``-log10(|b - b_ref| / |b_ref|)``, capped at 17.
The references are least-squares solutions computed by mpmath's Householder
QR at 60 digits on the *exact* data: for (a) the exact powers of the float64
x values (not their float64 roundings), for (b) the float64 values of the
data as loaded.  For (a) a second reference solves the problem actually
handed to a float64 solver, the correctly rounded design.

Run ``python tests/regression/test_accuracy.py`` to print the per-coefficient
tables of devlog 009.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

mpmath = pytest.importorskip("mpmath")

from jitla.regression import OLS, CollinearityWarning  # noqa: E402
from jitla.regression._fit import lstsq_split  # noqa: E402
from jitla.regression._poly import PolynomialFeatures, polyfit  # noqa: E402

DPS = 60
DEGREE = 10
U = 2.0**-53


# --------------------------------------------------------------------------
# references
# --------------------------------------------------------------------------
def mp_lstsq(rows, y, dps=DPS):
    """Least squares in mpmath (Householder QR, ``mpmath.qr_solve``) at *dps* digits.

    *rows*: list of lists of mpf (or floats), the exact design; *y*: float64
    (m,).  Returns the solution as a list of mpf.
    """
    with mpmath.workdps(dps):
        A = mpmath.matrix([[mpmath.mpf(v) for v in row] for row in rows])
        b = mpmath.matrix([mpmath.mpf(float(v)) for v in y])
        x, _ = mpmath.qr_solve(A, b)
        return [x[i] for i in range(A.cols)]


def digits(b, ref):
    """Correct significant digits of each entry of *b* against the mpf list *ref* (capped at 17)."""
    out = []
    with mpmath.workdps(DPS):
        for bi, ri in zip(b, ref, strict=True):
            err = abs(mpmath.mpf(float(bi)) - ri) / abs(ri)
            out.append(17.0 if err == 0 else min(17.0, float(-mpmath.log10(err))))
    return np.array(out)


def householder_lapack(X, y):
    """LAPACK's Householder QR (``dgeqrf`` through scipy), ``x = R^{-1} Q^T y``: the yardstick."""
    import scipy.linalg

    Q, R = scipy.linalg.qr(X, mode="economic")
    return scipy.linalg.solve_triangular(R, Q.T @ y)


def naive_powers(x, degree):
    """``[1, x, x*x, (x*x)*x, ...]`` by repeated multiplication (one rounding per factor)."""
    V = np.ones((x.size, degree + 1))
    for k in range(1, degree + 1):
        V[:, k] = V[:, k - 1] * x
    return V


@functools.cache
def poly_problem():
    """Design (a): x, y, the correctly rounded design and the two mpmath references."""
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-9.0, -3.0, 60))
    y = np.cos(x)
    pf = PolynomialFeatures(DEGREE).fit(x[:, None])
    X = pf.transform(x[:, None])
    with mpmath.workdps(DPS):
        exact = [[mpmath.mpf(float(v)) ** k for k in range(DEGREE + 1)] for v in x]
    ref_exact = mp_lstsq(exact, y)
    ref_rounded = mp_lstsq([[float(v) for v in row] for row in X], y)
    return {"x": x, "y": y, "pf": pf, "X": X, "exact": exact, "ref": ref_exact, "ref_rounded": ref_rounded}


@functools.cache
def longley_problem():
    """Design (b): Longley's TOTEMP on a constant and the six regressors; the mpmath reference."""
    datasets = pytest.importorskip("statsmodels.datasets")
    data = datasets.longley.load_pandas()
    y = data.endog.to_numpy(dtype=np.float64)
    X = np.column_stack([np.ones(y.size), data.exog.to_numpy(dtype=np.float64)])
    ref = mp_lstsq([[float(v) for v in row] for row in X], y)
    return {"X": X, "y": y, "ref": ref, "names": ["const", *data.exog.columns]}


def ols_params(y, X, **fit_kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollinearityWarning)  # no column may be dropped
        return OLS(y, X).fit(**fit_kw).params


def componentwise_bound(X, b, y):
    """First-order bound on ``|db_i|`` for relative perturbations ``|dX_ij| <= u |X_ij|`` of the design.

    ``u (|X^+| |X| |b| + |(X^T X)^{-1}| |X|^T |r|)`` (Higham, *Accuracy and
    Stability of Numerical Algorithms*, 2nd ed., Sec. 20.1, componentwise
    perturbation theory for least squares), computed on the column-scaled
    design ``X D^{-1}`` whose condition number is ~1e9 rather than ~1e15,
    so that float64 pseudo-inverses are good to a few digits -- enough for
    a bound.  Invariant under column scaling, as componentwise bounds are.
    """
    D = np.linalg.norm(X, axis=0)
    Xs = X / D
    P = np.linalg.pinv(Xs)  # (n, m): X^+ = D^{-1} Xs^+
    G = np.linalg.inv(Xs.T @ Xs)
    bs = b * D
    r = y - X @ b
    return U * (np.abs(P) @ (np.abs(Xs) @ np.abs(bs)) + np.abs(G) @ (np.abs(Xs).T @ np.abs(r))) / D


# --------------------------------------------------------------------------
# the references themselves
# --------------------------------------------------------------------------
def test_references_are_converged():
    p = poly_problem()
    again = mp_lstsq(p["exact"], p["y"], dps=DPS + 30)
    with mpmath.workdps(DPS + 30):
        rel = max(abs(a - b) / abs(b) for a, b in zip(p["ref"], again, strict=True))
    assert rel < mpmath.mpf(10) ** -30
    # the reference for the rounded design is a different problem: it differs from the exact one
    assert digits([float(v) for v in p["ref_rounded"]], p["ref"]).max() < 12


# --------------------------------------------------------------------------
# (a) degree-10 raw powers
# --------------------------------------------------------------------------
def test_poly_refine_solves_the_given_design_to_13_digits():
    p = poly_problem()
    b = ols_params(p["y"], p["X"], refine=True)
    assert digits(b, p["ref_rounded"]).min() >= 13.0


def test_poly_no_float64_design_holds_13_digits_of_the_exact_problem():
    # Rounding the design once, correctly (0.5 ulp per entry), already moves the exact
    # least-squares solution by ~1e-8 relative: the componentwise condition of this design
    # is ~1e8 (devlog 009).  Refinement then delivers exactly what the data allow.
    p = poly_problem()
    data_digits = digits([float(v) for v in p["ref_rounded"]], p["ref"])
    assert data_digits.max() < 10.0
    b = ols_params(p["y"], p["X"], refine=True)
    np.testing.assert_allclose(digits(b, p["ref"]), data_digits, atol=0.3)
    # ... and the first-order componentwise bound accounts for the error
    ref = np.array([float(v) for v in p["ref"]])
    bound = componentwise_bound(p["X"], ref, p["y"])
    assert np.all(np.abs(b - ref) <= 2.0 * bound)


def test_poly_split_design_refinement_reaches_13_digits_of_the_exact_problem():
    # Keep the part of each power that float64 drops (hi + lo, double-double) and refine
    # against it: the same QR of the rounded design, residuals of the exact one.
    p = poly_problem()
    A_hi, A_lo = p["pf"].transform_split(p["x"][:, None])
    np.testing.assert_array_equal(A_hi, p["X"])
    assert np.all(np.abs(A_lo) <= 0.5 * np.spacing(np.abs(A_hi)))
    b, steps = lstsq_split(A_hi, A_lo, p["y"])
    assert digits(b, p["ref"]).min() >= 13.0
    assert steps <= 6


def test_polyfit_reaches_13_digits_through_the_public_api():
    # the public path: jitla builds the raw-power design itself (double-double) and OLS refines
    # against it -- every coefficient of the exact degree-10 problem to >= 13 digits
    p = poly_problem()
    res = polyfit(p["x"], p["y"], DEGREE)
    assert digits(np.asarray(res.params), p["ref"]).min() >= 13.0
    assert res.model.exog_names[:3] == ["const", "x", "x^2"]
    # the same model without refinement stays at the float64 design's ~7 digits
    plain = polyfit(p["x"], p["y"], DEGREE, refine=False)
    assert digits(np.asarray(plain.params), p["ref"]).min() < 10.0
    # and OLS(..., exog_lo=) is the same thing spelled out
    hi, lo = p["pf"].transform_split(p["x"][:, None])
    b = np.asarray(OLS(p["y"], hi, exog_lo=lo).fit(refine=True).params)
    np.testing.assert_array_equal(b, np.asarray(res.params))


def test_poly_default_solver_is_as_good_as_householder_qr():
    # Householder QR is backward stable: its forward error is ~kappa(X D^-1) u (column-scaled,
    # 3.7e9 here) times a modest constant that depends on the rounding order.  Two
    # implementations may differ by that constant: allow 1.5 digits on the worst coefficient.
    p = poly_problem()
    ours = digits(ols_params(p["y"], p["X"]), p["ref_rounded"]).min()
    lapack = digits(householder_lapack(p["X"], p["y"]), p["ref_rounded"]).min()
    numpy_svd = digits(np.linalg.lstsq(p["X"], p["y"], rcond=1e-17)[0], p["ref_rounded"]).min()
    assert ours >= max(lapack, numpy_svd) - 1.5
    assert ours >= 4.0  # kappa(X D^-1) u ~ 4e-7: a few digits are all any QR solver gets


def test_poly_normal_equations_lose_everything():
    p = poly_problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        normal = digits(OLS(p["y"], p["X"]).fit(method="normal").params, p["ref_rounded"]).min()
    qr = digits(ols_params(p["y"], p["X"]), p["ref_rounded"]).min()
    assert normal < qr - 3.0


# --------------------------------------------------------------------------
# (b) Longley
# --------------------------------------------------------------------------
def test_longley_refine_13_digits():
    p = longley_problem()
    b = ols_params(p["y"], p["X"], refine=True)
    assert digits(b, p["ref"]).min() >= 13.0


def test_longley_default_solver_is_as_good_as_householder_qr():
    p = longley_problem()
    ours = digits(ols_params(p["y"], p["X"]), p["ref"])
    lapack = digits(householder_lapack(p["X"], p["y"]), p["ref"])
    numpy_svd = digits(np.linalg.lstsq(p["X"], p["y"], rcond=None)[0], p["ref"])
    assert ours.min() >= max(lapack.min(), numpy_svd.min()) - 1.5
    assert np.all(ours >= np.minimum(lapack, numpy_svd) - 1.5)


def test_longley_normal_equations_lose_digits():
    p = longley_problem()
    normal = digits(OLS(p["y"], p["X"]).fit(method="normal").params, p["ref"]).min()
    qr = digits(ols_params(p["y"], p["X"]), p["ref"]).min()
    assert normal < qr - 1.0


# --------------------------------------------------------------------------
# the tables of devlog 009
# --------------------------------------------------------------------------
def _report():  # pragma: no cover - prints the devlog tables
    p = poly_problem()
    x, y, X = p["x"], p["y"], p["X"]
    Xn = naive_powers(x, DEGREE)
    refn = mp_lstsq([[float(v) for v in row] for row in Xn], y)
    A_hi, A_lo = p["pf"].transform_split(x[:, None])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = {
            "OLS qr (default)": ols_params(y, X),
            "OLS refine": ols_params(y, X, refine=True),
            "numpy lstsq rcond=1e-17": np.linalg.lstsq(X, y, rcond=1e-17)[0],
            "numpy lstsq default rcond": np.linalg.lstsq(X, y, rcond=None)[0],
            "LAPACK Householder QR": householder_lapack(X, y),
            "OLS normal equations": OLS(y, X).fit(method="normal").params,
            "naive design, qr": OLS(y, Xn).fit().params,
            "naive design, refine": OLS(y, Xn).fit(refine=True).params,
            "split design, refine": lstsq_split(A_hi, A_lo, y)[0],
            "exact solution of rounded design": [float(v) for v in p["ref_rounded"]],
            "exact solution of naive design": [float(v) for v in refn],
        }
    ref = np.array([float(v) for v in p["ref"]])
    D = np.linalg.norm(X, axis=0)
    print(f"(a) x in [-9,-3], n=60, y=cos(x): cond(X)={np.linalg.cond(X):.2e}, ", end="")
    print(f"cond(X D^-1)={np.linalg.cond(X / D):.2e}")
    bound = componentwise_bound(X, ref, y)
    print(
        "componentwise first-order bound, digits:",
        " ".join(f"{v:5.1f}" for v in -np.log10(bound / np.abs(ref))),
    )
    header = " ".join(f"{'b' + str(k):>5s}" for k in range(DEGREE + 1))
    for label, reference in (("exact data", p["ref"]), ("rounded design", p["ref_rounded"])):
        print(f"\nagainst the solution of the {label}:\n{'':36s}{header}")
        for name, b in rows.items():
            print(f"{name:36s}" + " ".join(f"{v:5.1f}" for v in digits(b, reference)))
    q = longley_problem()
    X, y = q["X"], q["y"]
    D = np.linalg.norm(X, axis=0)
    print(f"\n(b) Longley: cond(X)={np.linalg.cond(X):.2e}, cond(X D^-1)={np.linalg.cond(X / D):.2e}")
    print(f"{'':36s}" + " ".join(f"{n[:7]:>7s}" for n in q["names"]))
    longley_rows = {
        "OLS qr (default)": ols_params(y, X),
        "OLS refine": ols_params(y, X, refine=True),
        "numpy lstsq": np.linalg.lstsq(X, y, rcond=None)[0],
        "LAPACK Householder QR": householder_lapack(X, y),
        "OLS normal equations": OLS(y, X).fit(method="normal").params,
    }
    for name, b in longley_rows.items():
        print(f"{name:36s}" + " ".join(f"{v:7.1f}" for v in digits(b, q["ref"])))


if __name__ == "__main__":  # pragma: no cover
    _report()
