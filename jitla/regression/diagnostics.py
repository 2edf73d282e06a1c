"""Regression diagnostics with statsmodels' names, arguments and return conventions.

Residual tests (:mod:`statsmodels.stats.stattools`): :func:`durbin_watson`,
:func:`jarque_bera`, :func:`omni_normtest`.  Specification and variance
tests (:mod:`statsmodels.stats.diagnostic`): :func:`het_breuschpagan`,
:func:`het_white`, :func:`linear_reset`.  Lack of fit: the pure-error F test
:func:`lack_of_fit_test` and, without replicates, the near-neighbour
estimate :func:`near_neighbour_lack_of_fit`.  Collinearity:
:func:`variance_inflation_factor` / :func:`vif`
(:mod:`statsmodels.stats.outliers_influence`) and the Belsley-Kuh-Welsch
:func:`condition_indices`.

Every auxiliary regression is a least-squares solve through
:func:`jitla.linalg.lstsq` (column-pivoted Householder QR, singular values
not computed), never ``inv(X^T X)``; the collinearity diagnostics use
:func:`jitla.linalg.svd`.  Distribution functions (chi-square, F) and the
D'Agostino-Pearson test come from scipy, imported when first needed.
Inputs are never modified.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from jitla.linalg import eigvalsh, lstsq, matrix_rank, qr, slogdet, solve_triangular, svd

__all__ = [
    "durbin_watson",
    "jarque_bera",
    "omni_normtest",
    "normal_tests_from_moments",
    "het_breuschpagan",
    "het_white",
    "linear_reset",
    "variance_inflation_factor",
    "vif",
    "condition_indices",
    "acorr_breusch_godfrey",
    "durbin_watson_test",
    "DurbinWatsonResult",
    "gvif",
    "BreuschGodfreyResult",
    "lack_of_fit_test",
    "near_neighbour_lack_of_fit",
    "TestResult",
    "CollinearityDiagnostics",
    "LackOfFitResult",
    "NearNeighbourResult",
]


# --------------------------------------------------------------------------
# result containers
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class TestResult:
    """A test statistic with its reference distribution.

    Attributes
    ----------
    statistic : float
        The test statistic (an F value when ``distribution == "F"``, else a
        chi-square value).
    pvalue : float
        Upper-tail probability of *statistic*.
    df_num : int
        Numerator degrees of freedom (the number of restrictions).
    df_denom : int or None
        Denominator degrees of freedom of the F distribution; None for chi2.
    distribution : {"F", "chi2"}
        Reference distribution.
    """

    __test__ = False  # not a pytest class

    statistic: float
    pvalue: float
    df_num: int
    df_denom: int | None
    distribution: str


@dataclass(frozen=True)
class CollinearityDiagnostics:
    """Belsley-Kuh-Welsch collinearity diagnostics of a design matrix (see :func:`condition_indices`).

    Attributes
    ----------
    singular_values : (p,) ndarray
        Singular values ``mu_1 >= ... >= mu_p`` of the (column-scaled) design.
    condition_indices : (p,) ndarray
        ``eta_k = mu_1 / mu_k`` (non-decreasing; ``inf`` where ``mu_k = 0``).
    variance_proportions : (p, p) ndarray
        ``pi[k, j]``: share of ``var(beta_j)`` associated with singular value
        ``mu_k`` (row k: component, column j: variable); each column sums to 1.
    column_norms : (p,) ndarray
        The 2-norms the columns were divided by (ones when ``scale=False``).
    """

    singular_values: np.ndarray
    condition_indices: np.ndarray
    variance_proportions: np.ndarray
    column_norms: np.ndarray

    @property
    def condition_number(self) -> float:
        """The largest condition index, ``mu_1 / mu_p``."""
        return float(self.condition_indices[-1]) if self.condition_indices.size else float("nan")


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------
def _as_float(x, name: str, ndim: int | None = None) -> np.ndarray:
    """*x* as a float64 ndarray (a view when possible; callers never write it)."""
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from exc
    if ndim == 1 and a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if ndim == 2 and a.ndim == 1:
        a = a[:, None]
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must not contain infs or NaNs")
    return a


def _same_length(a: np.ndarray, a_name: str, b: np.ndarray, b_name: str) -> None:
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{a_name} and {b_name} must have the same number of observations: "
            f"{a_name} has shape {a.shape}, {b_name} has shape {b.shape}"
        )


def _check_het_exog(x: np.ndarray, test_name: str) -> None:
    """statsmodels' rule: at least two columns, one of them a non-zero constant."""
    x_max = x.max(axis=0) if x.shape[0] else np.zeros(x.shape[1])
    x_min = x.min(axis=0) if x.shape[0] else np.zeros(x.shape[1])
    if x.shape[1] < 2 or not np.any((x_max == x_min) & (x_max != 0)):
        raise ValueError(
            f"{test_name} test requires exog to have at least two columns where one is a constant."
        )


# --------------------------------------------------------------------------
# auxiliary regressions
# --------------------------------------------------------------------------
def _rank(A: np.ndarray) -> int:
    """numpy.linalg.matrix_rank's rule (singular values above ``max(m, n) eps s_max``), computed cheaply.

    For a tall A the singular values are those of the R factor of ``A = Q R``
    (Q orthogonal), so one Householder/TSQR factorisation (about ``2 m n^2``
    flops) and an SVD of the small n x n R replace the SVD of A.
    """
    m, n = A.shape
    if m > n and n > 0:
        return int(matrix_rank(qr(A, mode="r"), rtol=max(m, n) * np.finfo(np.float64).eps))
    return int(matrix_rank(A))


def _has_constant(X: np.ndarray) -> bool:
    """statsmodels' ``k_constant`` rule for a design X (n, k).

    True when some column is constant and non-zero (an explicit intercept),
    or, failing that, when a column of ones lies in the column space of X
    (an implicit intercept, e.g. a full set of dummies):
    ``rank([1, X]) == rank(X)``.
    """
    if X.shape[1] == 0:
        return False
    x_max, x_min = X.max(axis=0), X.min(axis=0)
    if np.any((x_max == x_min) & (x_max != 0)):
        return True
    augmented = np.column_stack((np.ones(X.shape[0]), X))
    return _rank(augmented) == _rank(X)


def _ols_ssr(y: np.ndarray, X: np.ndarray) -> tuple[float, int]:
    """Residual sum of squares and numerical rank of the least-squares fit of y on X.

    Column-pivoted Householder QR (:func:`jitla.linalg.lstsq`,
    ``method="pivoted"``, rank-deficient X allowed: the basic solution has
    the same residual as any other).  The residual norm comes from
    ``(Q^T y)[rank:]`` when X has full column rank, else from ``y - X b``.
    Cost about ``2 n k^2`` flops.
    """
    if X.shape[1] == 0:
        return float(y @ y), 0
    beta, residuals, rank, _ = lstsq(X, y, method="pivoted", compute_s=False)
    if residuals.size:
        return float(residuals[0]), int(rank)
    r = y - X @ beta
    return float(r @ r), int(rank)


def _aux_regression(y: np.ndarray, X: np.ndarray) -> dict:
    """The statistics of an OLS fit that the LM tests need (statsmodels' definitions).

    ``rsquared`` is centered when X has a constant (:func:`_has_constant`),
    uncentered otherwise; ``df_model = rank - k_constant``, ``df_resid = n - rank``;
    ``fvalue = (ess / df_model) / (ssr / df_resid)``.
    """
    from scipy import stats

    n = y.shape[0]
    ssr, rank = _ols_ssr(y, X)
    k_constant = int(_has_constant(X))
    tss = float(((y - y.mean()) ** 2).sum()) if k_constant else float(y @ y)
    ess = tss - ssr
    df_model = rank - k_constant
    df_resid = n - rank
    with np.errstate(divide="ignore", invalid="ignore"):
        rsquared = 1.0 - ssr / tss if tss > 0 else np.nan
        fvalue = (ess / df_model) / (ssr / df_resid) if df_model > 0 and df_resid > 0 else np.nan
    f_pvalue = float(stats.f.sf(fvalue, df_model, df_resid)) if np.isfinite(fvalue) else np.nan
    return {
        "ssr": ssr,
        "ess": ess,
        "rsquared": rsquared,
        "rank": rank,
        "df_model": df_model,
        "df_resid": df_resid,
        "fvalue": fvalue,
        "f_pvalue": f_pvalue,
    }


# --------------------------------------------------------------------------
# residual tests
# --------------------------------------------------------------------------
def durbin_watson(resids, axis=0):
    r"""Durbin-Watson statistic for first-order serial correlation of residuals.

    Parameters
    ----------
    resids : array_like
        Residuals, ordered in time along *axis*.  Not modified.
    axis : int
        Axis along which the statistic is computed.

    Returns
    -------
    dw : float or ndarray
        :math:`d = \sum_{t=2}^n (e_t - e_{t-1})^2 / \sum_{t=1}^n e_t^2`,
        with one dimension fewer than *resids*.  About 2 for uncorrelated
        residuals, towards 0 (4) for positive (negative) autocorrelation.

    Raises
    ------
    ValueError
        If *resids* contains NaN or inf.

    Notes
    -----
    Durbin, J. & Watson, G. S. (1950), "Testing for serial correlation in
    least squares regression I", *Biometrika* 37, 409-428, eq. (3.1).
    3n flops.
    """
    e = _as_float(resids, "resids")
    diff = np.diff(e, 1, axis=axis)
    return np.sum(diff**2, axis=axis) / np.sum(e**2, axis=axis)


def _moments(e: np.ndarray, axis: int):
    """Biased sample skewness ``m3 / m2^1.5`` and kurtosis ``m4 / m2^2`` (NaN for constant data)."""
    mean = e.mean(axis=axis, keepdims=True)
    d = e - mean
    m2 = np.mean(d**2, axis=axis)
    m3 = np.mean(d**3, axis=axis)
    m4 = np.mean(d**4, axis=axis)
    # numerically constant data (scipy.stats.skew's rule): no defined shape
    constant = m2 <= (np.finfo(np.float64).eps * np.squeeze(mean, axis=axis)) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        skew = np.where(constant, np.nan, m3 / m2**1.5)
        kurtosis = np.where(constant, np.nan, m4 / m2**2)
    return skew, kurtosis


def jarque_bera(resids, axis=0):
    r"""Jarque-Bera test of normality.

    Parameters
    ----------
    resids : array_like
        Data, usually regression residuals.  Not modified.
    axis : int
        Axis along which the test is computed.

    Returns
    -------
    jb : float or ndarray
        :math:`JB = \frac{n}{6}\left(S^2 + \frac{(K - 3)^2}{4}\right)`.
    jb_pvalue : float or ndarray
        Upper tail of the chi-square distribution with 2 degrees of freedom.
    skew : float or ndarray
        Sample skewness :math:`S = m_3 / m_2^{3/2}` (biased moments).
    kurtosis : float or ndarray
        Sample kurtosis :math:`K = m_4 / m_2^2` (not the excess: 3 for normal data).

    Raises
    ------
    ValueError
        Fewer than 2 elements, or NaN/inf in *resids*.

    Notes
    -----
    Jarque, C. M. & Bera, A. K. (1980), "Efficient tests for normality,
    homoscedasticity and serial independence of regression residuals",
    *Economics Letters* 6, 255-259.  Moments with the mean subtracted
    first (two passes).  About 8n flops.
    """
    from scipy import stats

    e = np.atleast_1d(_as_float(resids, "resids"))
    if e.size < 2:
        raise ValueError("resids must contain at least 2 elements")
    skew, kurtosis = _moments(e, axis)
    n = e.shape[axis]
    jb = (n / 6.0) * (skew**2 + 0.25 * (kurtosis - 3.0) ** 2)
    jb_pvalue = stats.chi2.sf(jb, 2)
    if np.ndim(jb) == 0:
        return float(jb), float(jb_pvalue), float(skew), float(kurtosis)
    return jb, jb_pvalue, skew, kurtosis


def omni_normtest(resids, axis=0):
    """Omnibus (D'Agostino-Pearson K^2) test of normality.

    Parameters
    ----------
    resids : array_like
        Data, usually regression residuals.  Not modified.
    axis : int
        Axis along which the test is computed.

    Returns
    -------
    statistic : float or ndarray
        :math:`K^2 = Z(\\sqrt{b_1})^2 + Z(b_2)^2`, the sum of the squared
        normalised skewness and kurtosis tests.
    pvalue : float or ndarray
        Upper tail of the chi-square distribution with 2 degrees of freedom.

    Raises
    ------
    ValueError
        If *resids* contains NaN or inf.

    Warns
    -----
    UserWarning
        Fewer than 8 observations: the test is not valid, and ``(nan, nan)``
        is returned (statsmodels' behaviour).

    Notes
    -----
    D'Agostino, R. B. & Pearson, E. S. (1973), "Tests for departure from
    normality", *Biometrika* 60, 613-622; the skewness transformation of
    D'Agostino (1970) and the kurtosis transformation of Anscombe & Glynn
    (1983), as computed by :func:`scipy.stats.normaltest`.  O(n) flops.
    """
    from scipy import stats

    e = _as_float(resids, "resids")
    n = e.shape[axis] if e.ndim else 1
    if n < 8:
        warnings.warn(
            f"omni_normtest is not valid with less than 8 observations; {n} samples were given.",
            UserWarning,
            stacklevel=2,
        )
        return np.nan, np.nan
    statistic, pvalue = stats.normaltest(e, axis=axis)
    if np.ndim(statistic) == 0:
        return float(statistic), float(pvalue)
    return np.asarray(statistic), np.asarray(pvalue)


# --------------------------------------------------------------------------
# heteroscedasticity
# --------------------------------------------------------------------------
def normal_tests_from_moments(nobs, skew, kurtosis) -> dict:
    r"""Omnibus (D'Agostino-Pearson) and Jarque-Bera tests from the sample size, skewness and kurtosis.

    The statistics of :func:`omni_normtest` and :func:`jarque_bera` depend on
    the residuals only through n, the skewness :math:`\sqrt{b_1}` and the
    (non-excess) kurtosis :math:`b_2`, so a chunked computation can pass
    those instead of the data: D'Agostino's (1970) transformation of
    :math:`\sqrt{b_1}` to a standard normal Z_s, Anscombe & Glynn's (1983)
    of :math:`b_2` to Z_k, omnibus :math:`K^2 = Z_s^2 + Z_k^2 \sim \chi^2_2`,
    and :math:`JB = n/6 (b_1 + (b_2 - 3)^2/4) \sim \chi^2_2`.

    Returns
    -------
    dict
        ``omnibus``, ``omnibus_p`` (NaN below 8 observations),
        ``jarque_bera``, ``jarque_bera_p``, ``skew``, ``kurtosis``.
    """
    from scipy import stats

    n = float(nobs)
    b1, b2 = float(skew), float(kurtosis)
    jb = n / 6.0 * (b1 * b1 + 0.25 * (b2 - 3.0) ** 2)
    out = {
        "jarque_bera": jb,
        "jarque_bera_p": float(stats.chi2.sf(jb, 2)),
        "skew": b1,
        "kurtosis": b2,
        "omnibus": np.nan,
        "omnibus_p": np.nan,
    }
    if n < 8:
        return out
    y = b1 * np.sqrt((n + 1) * (n + 3) / (6.0 * (n - 2)))
    beta2 = 3.0 * (n * n + 27 * n - 70) * (n + 1) * (n + 3) / ((n - 2) * (n + 5) * (n + 7) * (n + 9))
    w2 = -1.0 + np.sqrt(2.0 * (beta2 - 1.0))
    delta = 1.0 / np.sqrt(0.5 * np.log(w2))
    a = np.sqrt(2.0 / (w2 - 1.0))
    y = 1.0 if y == 0 else y
    z_s = delta * np.log(y / a + np.sqrt((y / a) ** 2 + 1.0))
    mean_b2 = 3.0 * (n - 1) / (n + 1)
    var_b2 = 24.0 * n * (n - 2) * (n - 3) / ((n + 1) ** 2 * (n + 3) * (n + 5))
    x = (b2 - mean_b2) / np.sqrt(var_b2)
    root_beta1 = (
        6.0
        * (n * n - 5 * n + 2)
        / ((n + 7) * (n + 9))
        * np.sqrt(6.0 * (n + 3) * (n + 5) / (n * (n - 2) * (n - 3)))
    )
    A = 6.0 + 8.0 / root_beta1 * (2.0 / root_beta1 + np.sqrt(1.0 + 4.0 / root_beta1**2))
    denom = 1.0 + x * np.sqrt(2.0 / (A - 4.0))
    term2 = np.sign(denom) * ((1.0 - 2.0 / A) / abs(denom)) ** (1.0 / 3.0) if denom != 0 else np.nan
    z_k = (1.0 - 2.0 / (9.0 * A) - term2) / np.sqrt(2.0 / (9.0 * A))
    omni = float(z_s * z_s + z_k * z_k)
    out["omnibus"] = omni
    out["omnibus_p"] = float(stats.chi2.sf(omni, 2))
    return out


def het_breuschpagan(resid, exog_het, robust=True):
    r"""Breusch-Pagan Lagrange multiplier test for heteroscedasticity.

    The auxiliary regression is :math:`e_i^2 = z_i^T \alpha + u_i`; the null
    is that all slopes in :math:`\alpha` are zero (constant variance).

    Parameters
    ----------
    resid : (n,) array_like
        Residuals of the original regression.  Not modified.
    exog_het : (n, k) array_like
        Variables the variance may depend on; must contain a constant column.
        Not modified.
    robust : bool
        True (default): Koenker's studentized statistic ``n R^2`` of the
        auxiliary regression, valid without normal errors.  False: the
        original ``ESS / 2`` of the regression of ``e^2 / mean(e^2)``.

    Returns
    -------
    lm : float
        Lagrange multiplier statistic.
    lm_pvalue : float
        Upper tail of chi-square with ``k - 1`` degrees of freedom (k the
        number of columns, as statsmodels).
    fvalue : float
        F statistic of the auxiliary regression (all slopes zero).
    f_pvalue : float
        Its p-value, F(rank - 1, n - rank).

    Raises
    ------
    ValueError
        NaN/inf; lengths that differ; exog_het without a constant column or
        with fewer than two columns.

    Notes
    -----
    Breusch, T. S. & Pagan, A. R. (1979), "A simple test for
    heteroscedasticity and random coefficient variation", *Econometrica*
    47, 1287-1294, Sec. 3; Koenker, R. (1981), "A note on studentizing a test
    for heteroscedasticity", *J. Econometrics* 17, 107-112.  One
    least-squares fit by pivoted QR: about ``2 n k^2`` flops.
    """
    from scipy import stats

    x = _as_float(exog_het, "exog_het", ndim=2)
    e = _as_float(resid, "resid", ndim=1)
    _same_length(e, "resid", x, "exog_het")
    _check_het_exog(x, "The Breusch-Pagan")
    y = e**2
    if not robust:
        y = y / y.mean()
    n, k = x.shape
    aux = _aux_regression(y, x)
    lm = n * aux["rsquared"] if robust else aux["ess"] / 2.0
    return float(lm), float(stats.chi2.sf(lm, k - 1)), float(aux["fvalue"]), float(aux["f_pvalue"])


def _white_design(x: np.ndarray, interaction_terms: bool) -> np.ndarray:
    """Squares (and cross products) of the columns of x, exact duplicate columns removed.

    With interactions: ``x_i x_j`` for all ``i <= j`` (a constant column c
    gives c^2 and ``c x_j``, i.e. the levels too).  A column that equals an
    earlier one exactly (a 0/1 dummy d gives ``d^2 = d = 1 d``) is dropped,
    keeping the first; any other dependency is left to the rank of the
    pivoted QR.
    """
    if interaction_terms:
        i0, i1 = np.triu_indices(x.shape[1])
        Z = x[:, i0] * x[:, i1]
    else:
        Z = x**2
    _, first = np.unique(Z, axis=1, return_index=True)
    return Z[:, np.sort(first)]


def het_white(resid, exog, interaction_terms=True):
    r"""White's Lagrange multiplier test for heteroscedasticity.

    Regresses the squared residuals on the regressors, their squares and
    (by default) their cross products; ``lm = n R^2``.

    Parameters
    ----------
    resid : (n,) array_like
        Residuals.  Not modified.
    exog : (n, k) array_like
        The regressors, with a constant column.  Not modified.
    interaction_terms : bool
        Include the cross products ``x_i x_j`` (i < j); else only squares.

    Returns
    -------
    lm : float
        ``n R^2`` of the auxiliary regression.
    lm_pvalue : float
        Upper tail of chi-square with ``df_model = rank - 1`` degrees of
        freedom (rank of the auxiliary design).
    fvalue : float
        F statistic of the auxiliary regression.
    f_pvalue : float
        Its p-value.

    Raises
    ------
    ValueError
        NaN/inf; lengths that differ; exog without a constant column or with
        fewer than two columns.

    Notes
    -----
    White, H. (1980), "A heteroskedasticity-consistent covariance matrix
    estimator and a direct test for heteroskedasticity", *Econometrica* 48,
    817-838, Sec. 3 (Theorem 2).  Duplicate columns of the auxiliary design
    are dropped (:func:`_white_design`) and the degrees of freedom come from
    its numerical rank, so the statistic agrees with statsmodels'
    pseudo-inverse fit.  The auxiliary design has ``k (k + 1) / 2`` columns:
    about ``n k^4 / 2`` flops.
    """
    from scipy import stats

    x = _as_float(exog, "exog", ndim=2)
    e = _as_float(resid, "resid", ndim=1)
    _same_length(e, "resid", x, "exog")
    _check_het_exog(x, "White's heteroskedasticity")
    Z = _white_design(x, interaction_terms)
    aux = _aux_regression(e**2, Z)
    lm = x.shape[0] * aux["rsquared"]
    return float(lm), float(stats.chi2.sf(lm, aux["df_model"])), float(aux["fvalue"]), float(aux["f_pvalue"])


# --------------------------------------------------------------------------
# specification: RESET
# --------------------------------------------------------------------------
def _reset_powers(power) -> np.ndarray:
    if isinstance(power, (int, np.integer)) and not isinstance(power, bool):
        if power < 2:
            raise ValueError("power must be >= 2")
        return np.arange(2, int(power) + 1)
    try:
        powers = np.array(power, dtype=int)
    except (TypeError, ValueError) as exc:
        raise ValueError("power must be an integer or list of integers") from exc
    if powers.ndim != 1 or powers.size == 0 or len(set(powers.tolist())) != powers.size or (powers < 2).any():
        raise ValueError("power must contain distinct integers all >= 2")
    return powers


def _const_index(model, X: np.ndarray):
    """``(k_constant, const_idx)`` from the model, or by statsmodels' rule on X."""
    k_constant = getattr(model, "k_constant", None)
    const_idx = getattr(model, "const_idx", None)
    if k_constant is None:
        k_constant = int(_has_constant(X))
    if k_constant and const_idx is None:
        x_max, x_min = X.max(axis=0), X.min(axis=0)
        explicit = np.flatnonzero((x_max == x_min) & (x_max != 0))
        const_idx = int(explicit[0]) if explicit.size else None
    return int(k_constant), const_idx


def _first_principal_component(X: np.ndarray, k_constant: int, const_idx) -> np.ndarray:
    """Scores on the first principal component (as statsmodels' RESET "princomp").

    With a constant: the constant column is dropped and the rest
    standardised (correlation-matrix PCA); without: PCA of the raw columns.
    The component is the leading right singular vector (its sign and scale
    do not change the fit of the augmented regression).
    """
    A = X
    if k_constant:
        if const_idx is not None:
            A = np.delete(A, const_idx, axis=1)
        A = (A - A.mean(axis=0)) / A.std(axis=0)
    _, _, Vt = svd(A, full_matrices=False)
    return A @ Vt[0]


def linear_reset(res, power=3, test_type="fitted", use_f=False):
    r"""Ramsey's RESET test for neglected nonlinearity.

    Augments the regression :math:`y = X\beta + \varepsilon` with powers Z
    of the fitted values (or of the regressors, or of their first principal
    component) and tests :math:`\gamma = 0` in
    :math:`y = X\beta + Z\gamma + \varepsilon` by a Wald test with the
    classical (nonrobust) covariance.

    Parameters
    ----------
    res : regression results
        A fitted OLS results object; read: ``res.model.endog`` (n,),
        ``res.model.exog`` (n, p), ``res.fittedvalues`` (n,) and, when
        present, ``res.model.k_constant`` / ``res.model.const_idx``.
        Nothing is modified.
    power : int or sequence of int
        An int: the powers ``2, ..., power``; a sequence: those powers
        (distinct, all >= 2).
    test_type : {"fitted", "exog", "princomp"}
        ``"fitted"``: powers of the fitted values; ``"exog"``: powers of
        each regressor that is neither constant nor binary;
        ``"princomp"``: powers of the first principal component of the
        non-constant regressors.
    use_f : bool
        False: chi-square statistic (the Wald statistic itself); True: the
        Wald statistic divided by the number of restrictions, compared with
        F(q, n - rank).

    Returns
    -------
    TestResult
        ``statistic``, ``pvalue``, ``df_num`` (q, the number of added
        columns), ``df_denom`` (n - rank of the augmented design, or None
        for chi2), ``distribution``.

    Raises
    ------
    ValueError
        A bad *power* or *test_type*; a design that is only a constant;
        ``test_type="exog"`` with only constant or binary regressors.

    Notes
    -----
    Ramsey, J. B. (1969), "Tests for specification errors in classical
    linear least-squares regression analysis", *J. Royal Statistical
    Society B* 31, 350-371.  With the nonrobust covariance
    :math:`s^2 (W^T W)^{-1}` of the augmented fit (W = [X, Z]) the Wald
    statistic of :math:`\gamma = 0` equals
    :math:`(SSR_X - SSR_W) / s^2`, :math:`s^2 = SSR_W / (n - rank(W))`
    (the extra sum of squares; Seber & Lee, *Linear Regression Analysis*,
    2nd ed., Sec. 4.3), so both fits are plain least-squares solves by
    pivoted QR (:func:`jitla.linalg.lstsq`): about ``2 n (p + q)^2`` flops.
    As statsmodels, the augmented regression is unweighted OLS of
    ``model.endog`` on ``[model.exog, Z]``.
    """
    from scipy import stats

    model = res.model
    X = _as_float(model.exog, "res.model.exog", ndim=2)
    y = _as_float(model.endog, "res.model.endog", ndim=1)
    _same_length(y, "res.model.endog", X, "res.model.exog")
    if test_type not in ("fitted", "exog", "princomp"):
        raise ValueError(f"test_type must be one of 'fitted', 'exog', 'princomp', got {test_type!r}")
    k_constant, const_idx = _const_index(model, X)
    if k_constant and X.shape[1] == 1:
        raise ValueError(
            "exog contains only a constant column. The RESET test requires exog to have at least 1 "
            "non-constant column."
        )
    powers = _reset_powers(power)
    if test_type == "fitted":
        base = _as_float(res.fittedvalues, "res.fittedvalues", ndim=1)[:, None]
    elif test_type == "exog":
        binary = ((X == X.max(axis=0)) | (X == X.min(axis=0))).all(axis=0)
        if binary.all():
            raise ValueError("Model contains only constant or binary data")
        base = X[:, ~binary]
    else:
        base = _first_principal_component(X, k_constant, const_idx)[:, None]
    W = np.hstack([X] + [base**k for k in powers])
    q = W.shape[1] - X.shape[1]
    ssr_restricted, _ = _ols_ssr(y, X)
    ssr_full, rank_full = _ols_ssr(y, W)
    df_denom = X.shape[0] - rank_full
    wald = (ssr_restricted - ssr_full) / (ssr_full / df_denom)
    if use_f:
        fvalue = wald / q
        return TestResult(float(fvalue), float(stats.f.sf(fvalue, q, df_denom)), q, int(df_denom), "F")
    return TestResult(float(wald), float(stats.chi2.sf(wald, q)), q, None, "chi2")


# --------------------------------------------------------------------------
# collinearity
# --------------------------------------------------------------------------
def _vif_working(X: np.ndarray, standardize: bool) -> np.ndarray:
    """The matrix the VIF regressions use: columns with std > 1e-10 standardised (statsmodels 0.15)."""
    if not standardize:
        return X
    std = X.std(axis=0)
    keep = std > 1e-10
    W = X.copy()
    W[:, keep] = (X[:, keep] - X[:, keep].mean(axis=0)) / std[keep]
    return W


def _vif_one(W: np.ndarray, j: int) -> float:
    """``1 / (1 - R_j^2)``, R_j^2 of column j of W on the others (statsmodels' rsquared rule)."""
    others = np.delete(W, j, axis=1)
    y = W[:, j]
    ssr, _ = _ols_ssr(y, others)
    tss = float(((y - y.mean()) ** 2).sum()) if _has_constant(others) else float(y @ y)
    with np.errstate(divide="ignore", invalid="ignore"):
        rsquared = 1.0 - ssr / tss
    rsquared = np.clip(rsquared, 0.0, 1.0 - 1e-15)
    return float(1.0 / (1.0 - rsquared))


def _vif_input(exog) -> np.ndarray:
    X = _as_float(exog, "exog", ndim=2)
    if X.shape[1] < 2:
        raise ValueError(
            f"exog must have at least 2 columns for a variance inflation factor, got shape {X.shape}"
        )
    return X


def variance_inflation_factor(exog, exog_idx, *, standardize=True):
    r"""Variance inflation factor of one column of a design matrix.

    :math:`VIF_j = 1 / (1 - R_j^2)`, with :math:`R_j^2` the coefficient of
    determination of the regression of column j on the other columns, *no
    constant added*: centered when the other columns contain a constant
    (explicitly, or implicitly in their span), uncentered otherwise --
    statsmodels' ``OLS(x_j, x_others).fit().rsquared``.

    Parameters
    ----------
    exog : (n, p) array_like
        Design matrix, p >= 2.  Not modified.
    exog_idx : int
        Column index j (negative indices count from the end).
    standardize : bool
        As statsmodels 0.15 (its default, True): first standardise every
        column with standard deviation > 1e-10 to mean 0 and variance 1
        (constant columns are left alone).  With a constant column in the
        design this changes only the constant's own VIF (to 1); without one
        the regressions become centered.  False: the classical definition
        on the raw columns.

    Returns
    -------
    float
        The VIF, at most ``1e15`` (R^2 is clipped to ``[0, 1 - 1e-15]`` as
        statsmodels, so an exact dependency gives ~1e15, not inf).

    Raises
    ------
    ValueError
        NaN/inf, fewer than 2 columns, or *exog_idx* out of range.

    Notes
    -----
    Marquardt, D. W. (1970), "Generalized inverses, ridge regression,
    biased linear estimation, and nonlinear estimation", *Technometrics*
    12, 591-612; Belsley, Kuh & Welsch (1980), *Regression Diagnostics*,
    Sec. 3.1.  Computed by the auxiliary regression itself (pivoted QR,
    about ``2 n p^2`` flops; defined for a rank-deficient design too);
    :func:`vif` gets all p values from one QR instead.  statsmodels'
    warning for a condition number above 1e4 is not issued.
    """
    X = _vif_input(exog)
    p = X.shape[1]
    j = int(exog_idx)
    if not -p <= j < p:
        raise ValueError(f"exog_idx {exog_idx} is out of range for exog with {p} columns (shape {X.shape})")
    return _vif_one(_vif_working(X, standardize), j % p)


def vif(exog, *, standardize=True):
    """Variance inflation factors of all columns (:func:`variance_inflation_factor` for each).

    Parameters
    ----------
    exog : (n, p) array_like
        Design matrix, p >= 2.  Not modified.
    standardize : bool
        See :func:`variance_inflation_factor`.

    Returns
    -------
    (p,) ndarray of float64

    Raises
    ------
    ValueError
        NaN/inf or fewer than 2 columns.

    Notes
    -----
    The same numbers as p calls of :func:`variance_inflation_factor`, from
    one QR factorisation ``W = Q R`` of the (standardised) design: the
    residual sum of squares of column j regressed on the others is
    ``SSR_j = 1 / [(W^T W)^{-1}]_{jj} = 1 / ||e_j^T R^{-1}||^2``
    (partitioned inverse; Seber & Lee, *Linear Regression Analysis*, 2nd
    ed., Sec. 3.7), with ``R^{-1}`` from a triangular solve -- ``W^T W`` is
    never formed or inverted.  Then ``VIF_j = tss_j / SSR_j`` (tss centered
    or not by the rule of :func:`variance_inflation_factor`, R^2 clipped
    the same way).  Cost about ``2 n p^2 + p^3`` flops, against ``2 n p^3``
    for p separate regressions.  A numerically rank-deficient W (numpy's
    rank rule on the singular values of R) falls back to the p
    regressions, which stay defined there.
    """
    X = _vif_input(exog)
    W = _vif_working(X, standardize)
    n, p = W.shape
    if n <= p:
        return np.array([_vif_one(W, j) for j in range(p)])
    R = qr(W, mode="r")
    if int(matrix_rank(R, rtol=n * np.finfo(np.float64).eps)) < p:
        return np.array([_vif_one(W, j) for j in range(p)])
    R_inv = solve_triangular(R, np.eye(p))
    ssr = 1.0 / np.einsum("ij,ij->i", R_inv, R_inv)
    centered = _others_have_constant(W)
    tss = np.where(centered, ((W - W.mean(axis=0)) ** 2).sum(axis=0), (W**2).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        rsquared = np.clip(1.0 - ssr / tss, 0.0, 1.0 - 1e-15)
    return 1.0 / (1.0 - rsquared)


def _others_have_constant(W: np.ndarray) -> np.ndarray:
    """``[_has_constant(np.delete(W, j, axis=1)) for j in range(p)]`` with few rank tests.

    Two or more explicit constant columns: every "others" keeps one.  One
    (column c): all but c keep it; c needs the implicit test.  None: if the
    span of W holds no constant, no subset's does; else test each column.
    """
    p = W.shape[1]
    w_max, w_min = W.max(axis=0), W.min(axis=0)
    explicit = np.flatnonzero((w_max == w_min) & (w_max != 0))
    if explicit.size >= 2:
        return np.ones(p, dtype=bool)
    if explicit.size == 1:
        out = np.ones(p, dtype=bool)
        c = int(explicit[0])
        out[c] = _has_constant(np.delete(W, c, axis=1))
        return out
    if not _has_constant(W):
        return np.zeros(p, dtype=bool)
    return np.array([_has_constant(np.delete(W, j, axis=1)) for j in range(p)])


def condition_indices(exog, scale=True):
    r"""Belsley-Kuh-Welsch collinearity diagnostics: condition indices and variance proportions.

    With :math:`X = U \operatorname{diag}(\mu) V^T` (columns of X first
    scaled to unit length when *scale*), the variance of the k-th
    coefficient is :math:`\sigma^2 \sum_k v_{jk}^2 / \mu_k^2`; its
    decomposition proportions are

    .. math:: \pi_{kj} = \frac{v_{jk}^2 / \mu_k^2}{\sum_l v_{jl}^2 / \mu_l^2},

    and the condition indices :math:`\eta_k = \mu_{max} / \mu_k`.  A
    dependency shows as a large index (BKW: above 30 is strong) with two or
    more variables having large proportions (above 0.5) in its row.

    Parameters
    ----------
    exog : (n, p) array_like
        Design matrix, including the constant column if the model has one
        (BKW do not center).  Not modified.
    scale : bool
        Scale each column to unit 2-norm first (BKW's recommendation; makes
        the indices independent of units).

    Returns
    -------
    CollinearityDiagnostics
        ``singular_values`` (descending), ``condition_indices``,
        ``variance_proportions`` (p, p) with rows = singular values and
        columns = variables, ``column_norms``.

    Raises
    ------
    ValueError
        NaN/inf, an empty design, fewer rows than columns, or (with
        *scale*) a column of zeros.

    Notes
    -----
    Belsley, D. A., Kuh, E. & Welsch, R. E. (1980), *Regression
    Diagnostics*, Wiley, Ch. 3, Sec. 3.2 (condition indices, eq. 3.11) and
    3.3 (variance-decomposition proportions, eqs. 3.14-3.15).  One SVD
    (:func:`jitla.linalg.svd` with ``method="jacobi"``, one-sided Jacobi:
    accurate small singular values): O(n p^2) flops, an (n, p) workspace.  A zero singular value
    gives an infinite index and NaN proportions for the variables it touches.
    """
    X = _as_float(exog, "exog", ndim=2)
    if X.size == 0:
        raise ValueError(f"exog must not be empty, got shape {X.shape}")
    if X.shape[0] < X.shape[1]:
        raise ValueError(f"exog must have at least as many rows as columns, got shape {X.shape}")
    if scale:
        norms = np.sqrt((X**2).sum(axis=0))
        if np.any(norms == 0):
            raise ValueError(
                f"exog has an all-zero column (index {int(np.argmin(norms))}); it cannot be scaled"
            )
        A = X / norms
    else:
        norms = np.ones(X.shape[1])
        A = X
    _, s, Vt = svd(A, full_matrices=False, method="jacobi")
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = s[0] / s
        phi = Vt**2 / (s**2)[:, None]  # phi[k, j] = v_jk^2 / mu_k^2
        proportions = phi / phi.sum(axis=0)
    return CollinearityDiagnostics(s, eta, proportions, norms)


# --------------------------------------------------------------------------
# serial correlation
# --------------------------------------------------------------------------
class BreuschGodfreyResult(NamedTuple):
    """Breusch-Godfrey test: ``(lm, lmpval, fval, fpval)``, unpackable as statsmodels' tuple."""

    lm: float
    lmpval: float
    fval: float
    fpval: float


def acorr_breusch_godfrey(res, nlags=None):
    r"""Breusch-Godfrey Lagrange-multiplier test for serial correlation of order up to *nlags*.

    The residuals e of the fit are regressed on the regressors and their
    own lags :math:`e_{t-1}, \dots, e_{t-q}` (lags before the first
    observation set to 0, so all n rows are kept); under no serial
    correlation :math:`LM = n R^2` of that auxiliary regression is
    asymptotically :math:`\chi^2_q`, and the F test of the lag
    coefficients is its small-sample variant (Breusch 1978; Godfrey 1978;
    Greene, *Econometric Analysis*, 7th ed., Sec. 20.7.2).  Unlike
    Durbin-Watson it allows lagged dependent variables among the
    regressors and higher-order correlation.

    Parameters
    ----------
    res : regression results
        A fitted linear model; read: ``res.resid``, ``res.model.exog``,
        ``res.model.k_constant``.  Nothing is modified.
    nlags : int, optional
        q; default ``min(10, n // 5)`` (statsmodels' default).

    Returns
    -------
    BreuschGodfreyResult
        ``lm``, ``lmpval`` (chi-square with q df), ``fval``, ``fpval``
        (F with q and ``n - rank`` df of the auxiliary regression).

    Raises
    ------
    ValueError
        *nlags* not a positive integer, or too large for the data.

    Notes
    -----
    As statsmodels' ``acorr_breusch_godfrey``: the auxiliary design is
    ``[exog, lags]`` with a constant added when the model has none; both
    sums of squares (with and without the lags) are pivoted-QR
    least-squares fits, about ``2 n (p + q)^2`` flops; the F statistic is
    the extra sum of squares, equal to the Wald test of the lag
    coefficients with the classical covariance.
    """
    from scipy import stats

    model = res.model
    X = _as_float(model.exog, "res.model.exog", ndim=2)
    e = _as_float(np.asarray(res.resid), "res.resid", ndim=1)
    _same_length(e, "res.resid", X, "res.model.exog")
    n = e.shape[0]
    if nlags is None:
        nlags = min(10, n // 5)
    if isinstance(nlags, bool) or not isinstance(nlags, (int, np.integer)) or nlags < 1:
        raise ValueError(f"nlags must be a positive integer, got {nlags!r}")
    nlags = int(nlags)
    lags = np.zeros((n, nlags))
    for k in range(1, nlags + 1):
        lags[k:, k - 1] = e[:-k]
    k_constant, _ = _const_index(model, X)
    base = X if k_constant else np.column_stack((np.ones(n), X))
    full = np.column_stack((base, lags))
    if n <= full.shape[1]:
        raise ValueError(f"nlags={nlags} leaves no residual degrees of freedom (n = {n})")
    aux = _aux_regression(e, full)
    ssr_restricted, _ = _ols_ssr(e, base)
    df = aux["df_resid"]
    fval = ((ssr_restricted - aux["ssr"]) / nlags) / (aux["ssr"] / df)
    lm = n * aux["rsquared"]
    return BreuschGodfreyResult(
        float(lm), float(stats.chi2.sf(lm, nlags)), float(fval), float(stats.f.sf(fval, nlags, df))
    )


@dataclass(frozen=True)
class DurbinWatsonResult:
    """Durbin-Watson test (see :func:`durbin_watson_test`)."""

    statistic: float
    pvalue: float
    alternative: str
    method: str
    mean: float
    var: float


def _imhof_cdf0(lam: np.ndarray) -> float:
    """``P(sum_i lam_i z_i^2 <= 0)``, z iid N(0, 1), by Imhof's (1961) inversion integral.

    ``P(Q > 0) = 1/2 + (1/pi) int_0^inf sin(theta(u)) / (u rho(u)) du`` with
    ``theta(u) = sum arctan(lam_i u) / 2`` and ``rho(u) = prod (1 + lam_i^2 u^2)^(1/4)``
    (Imhof, *Biometrika* 48, 419-426, eq. 3.2 at x = 0).  The integrand
    decays like ``u^(-1 - m/2)``; scipy's adaptive quadrature (QUADPACK) on [0, inf).
    """
    from scipy import integrate

    lam = lam[lam != 0.0]
    if lam.size == 0:
        return 1.0

    def f(u):
        if u == 0.0:
            return 0.5 * float(lam.sum())  # the limit of sin(theta) / u
        theta = 0.5 * np.arctan(lam * u).sum()
        log_rho = 0.25 * np.log1p((lam * u) ** 2).sum()
        return np.sin(theta) / u * np.exp(-log_rho)

    # split at a multiple of the integrand's scale 1 / max|lam|: the oscillating head on a finite
    # interval, the monotone tail on [b, inf)
    b = 50.0 / np.abs(lam).max()
    val = integrate.quad(f, 0.0, b, limit=400, epsabs=1e-13, epsrel=1e-11)[0]
    val += integrate.quad(f, b, np.inf, limit=400, epsabs=1e-13, epsrel=1e-11)[0]
    return float(min(1.0, max(0.0, 0.5 - val / np.pi)))


def durbin_watson_test(res, alternative="greater", exact=None):
    r"""Durbin-Watson test of first-order serial correlation, with its p-value (R's ``lmtest::dwtest``).

    Under normal, uncorrelated errors the statistic
    :math:`d = e^T A e / e^T e` (A the first-difference matrix) is a ratio
    of quadratic forms in the residuals, whose distribution depends on X:
    with :math:`\nu_1, \dots, \nu_{n-k}` the eigenvalues of
    :math:`Q_2^T A Q_2` (Q_2 an orthonormal basis of the residual space),
    :math:`P(d \le d_0) = P(\sum_i (\nu_i - d_0) z_i^2 \le 0)`, evaluated
    exactly by Imhof's integral (Durbin & Watson 1971; Farebrother 1980),
    or by a normal approximation with d's exact mean
    :math:`\bar\nu` and variance
    :math:`2 \sum_i (\nu_i - \bar\nu)^2 / ((n-k)(n-k+2))`.

    Parameters
    ----------
    res : regression results
        A fitted OLS model (residuals in time order); WLS uses the
        whitened residuals and design.  Nothing is modified.
    alternative : {"greater", "two-sided", "less"}
        ``"greater"``: positive autocorrelation (small d), R's default.
    exact : bool, optional
        Imhof's exact p-value (default when n < 100, as lmtest) or the
        normal approximation.

    Returns
    -------
    DurbinWatsonResult
        ``statistic``, ``pvalue``, ``alternative``, ``method``
        (``"exact"``/``"normal"``), ``mean`` and ``var`` of d under H0.

    Notes
    -----
    Cost: a complete QR of the (whitened) design and a symmetric
    eigenvalue problem of order n - k: O(n^3) flops and O(n^2) memory, so
    for large n the normal approximation (the same eigenvalues are still
    needed for its moments) is the practical choice; the integral is a
    QUADPACK quadrature of an O(n)-term integrand.
    """
    from scipy import stats

    if alternative not in ("greater", "two-sided", "less"):
        raise ValueError(f"alternative must be 'greater', 'two-sided' or 'less', got {alternative!r}")
    X = _as_float(res.model.wexog, "res.model.wexog", ndim=2)
    e = _as_float(np.asarray(res.wresid), "res.wresid", ndim=1)
    n = e.shape[0]
    rank = int(res.rank)
    if n - rank < 2:
        raise ValueError("the Durbin-Watson test needs at least two residual degrees of freedom")
    d = float(durbin_watson(e))
    Q, _, _ = qr(X, mode="complete", pivoting=True)
    Q2 = Q[:, rank:]
    AQ = np.empty_like(Q2)  # A Q2 with A = D^T D, D the (n-1, n) first difference
    diff = Q2[1:] - Q2[:-1]
    AQ[0] = -diff[0]
    AQ[-1] = diff[-1]
    AQ[1:-1] = diff[:-1] - diff[1:]
    nu = eigvalsh(Q2.T @ AQ)
    m = nu.shape[0]
    mean = float(nu.mean())
    var = float(2.0 * ((nu - mean) ** 2).sum() / (m * (m + 2)))
    if exact is None:
        exact = n < 100
    if exact:
        lower = _imhof_cdf0(nu - d)  # P(d_H0 <= d)
        method = "exact"
    else:
        lower = float(stats.norm.cdf(d, loc=mean, scale=np.sqrt(var)))
        method = "normal"
    if alternative == "greater":
        p = lower
    elif alternative == "less":
        p = 1.0 - lower
    else:
        p = min(1.0, 2.0 * min(lower, 1.0 - lower))
    return DurbinWatsonResult(d, float(p), alternative, method, mean, var)


# --------------------------------------------------------------------------
# lack of fit
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class LackOfFitResult:
    """The pure-error lack-of-fit F test (see :func:`lack_of_fit_test`).

    Attributes
    ----------
    fvalue, pvalue : float
        ``F = (SS_LOF / df_LOF) / (SS_PE / df_PE)`` and its upper-tail
        probability under F(df_LOF, df_PE).
    ss_lack_of_fit, df_lack_of_fit : float, int
        ``SS_LOF = SSR - SS_PE`` and ``df_LOF = m - rank`` (m distinct design points).
    ss_pure_error, df_pure_error : float, int
        ``SS_PE``: the (weighted) sum of squares of y about the mean of its
        replicate group; ``df_PE = n - m``.
    n_groups : int
        m, the number of distinct rows of the design.
    """

    fvalue: float
    pvalue: float
    ss_lack_of_fit: float
    df_lack_of_fit: int
    ss_pure_error: float
    df_pure_error: int
    n_groups: int


@dataclass(frozen=True)
class NearNeighbourResult:
    """Near-neighbour estimate of the error standard deviation (see :func:`near_neighbour_lack_of_fit`).

    Attributes
    ----------
    sigma : float
        ``0.886 * mean |e_i - e_j|`` over the *n_pairs* nearest pairs.
    sigma_path : (k,) ndarray
        The same estimate from the 1, 2, ..., k nearest pairs (k = all
        pairs stored), to judge how it drifts as farther pairs enter.
    root_mse : float
        ``sqrt(mse_resid)`` of the fit, the model-dependent estimate.
    ratio : float
        ``root_mse / sigma``; well above 1 suggests lack of fit.
    pairs : (k, 2) ndarray of int
        Row indices of the stored pairs, nearest first.
    distances : (k,) ndarray
        Their squared distances ``D^2``.
    ranges : (k,) ndarray
        Their residual ranges ``|e_i - e_j|``.
    n_pairs : int
        How many pairs *sigma* uses.
    """

    sigma: float
    sigma_path: np.ndarray
    root_mse: float
    ratio: float
    pairs: np.ndarray
    distances: np.ndarray
    ranges: np.ndarray
    n_pairs: int


def _lof_model(res, what: str):
    """endog, exog and the weights (None for OLS) of an OLS/WLS fit; GLS is refused."""
    model = res.model
    if getattr(model, "sigma", None) is not None:  # a GLS model (importing _model here would be a cycle)
        raise TypeError(f"{what} needs an OLS or WLS fit; a GLS model's errors are correlated")
    X = _as_float(model.exog, "res.model.exog", ndim=2)
    y = _as_float(model.endog, "res.model.endog", ndim=1)
    _same_length(y, "res.model.endog", X, "res.model.exog")
    w = getattr(model, "weights", None)
    return y, X, (None if w is None else np.asarray(w, dtype=np.float64))


def lack_of_fit_test(res):
    r"""The pure-error F test of lack of fit, for a design with replicated rows.

    Rows of the design that are identical form replicate groups; the
    variation of y within the groups is pure error, free of any model
    assumption, and the rest of the residual sum of squares is lack of fit
    (Montgomery, Peck & Vining, *Introduction to Linear Regression
    Analysis*, 5th ed., Sec. 4.5.1; Draper & Smith, *Applied Regression
    Analysis*, 3rd ed., Sec. 2.1):

    .. math:: F = \frac{(SSR - SS_{PE}) / (m - r)}{SS_{PE} / (n - m)},

    r the rank of the design and m the number of distinct rows.  It equals
    the F test of the fitted model against the saturated model with one
    mean per distinct row (R's ``anova(fit, lm(y ~ factor(x)))``).

    Parameters
    ----------
    res : regression results
        An OLS or WLS fit (:class:`jitla.regression.RegressionResults`);
        read: ``res.model.endog``, ``res.model.exog``, ``res.model.weights``,
        ``res.ssr``, ``res.df_resid``.  Nothing is modified.

    Returns
    -------
    LackOfFitResult

    Raises
    ------
    ValueError
        No replicated rows (use :func:`near_neighbour_lack_of_fit`), or as
        many parameters as distinct rows (nothing left to test).
    TypeError
        A GLS fit.

    Notes
    -----
    One sort of the rows (``numpy.unique``, O(n p log n)) and O(n) sums;
    with WLS weights the group means and sums of squares are weighted
    (the saturated WLS fit).
    """
    from scipy import stats

    y, X, w = _lof_model(res, "lack_of_fit_test")
    n = y.shape[0]
    _, group, counts = np.unique(X, axis=0, return_inverse=True, return_counts=True)
    group = group.ravel()
    m = counts.shape[0]
    df_pe = n - m
    if df_pe == 0:
        raise ValueError(
            "the design has no replicated rows, so there is no pure error; "
            "use near_neighbour_lack_of_fit for an estimate from near neighbours"
        )
    wt = np.ones(n) if w is None else w
    sum_w = np.bincount(group, weights=wt, minlength=m)
    mean = np.bincount(group, weights=wt * y, minlength=m) / sum_w
    ss_pe = float(np.sum(wt * (y - mean[group]) ** 2))
    df_resid = int(round(float(res.df_resid)))
    df_lof = df_resid - df_pe
    if df_lof <= 0:
        raise ValueError(
            f"the model has as many parameters as the design has distinct rows ({m}): "
            "there is no lack of fit to test"
        )
    ss_lof = float(res.ssr) - ss_pe
    with np.errstate(divide="ignore", invalid="ignore"):
        fvalue = (ss_lof / df_lof) / (ss_pe / df_pe)
    pvalue = float(stats.f.sf(fvalue, df_lof, df_pe)) if np.isfinite(fvalue) else np.nan
    return LackOfFitResult(float(fvalue), pvalue, ss_lof, int(df_lof), ss_pe, int(df_pe), int(m))


def _nearest_pairs(Z: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k pairs (i < j) of rows of Z with the smallest squared distances, nearest first.

    Rows are processed in blocks so the workspace stays O(block n) while
    the candidates are cut to the k smallest after each block
    (``numpy.argpartition``); O(n^2 p) flops in all.
    """
    n = Z.shape[0]
    best_d = np.empty(0)
    best_ij = np.empty((0, 2), dtype=np.int64)
    block = max(1, min(n, 4_000_000 // max(n, 1)))
    cols = np.arange(n)
    for start in range(0, n, block):
        rows = np.arange(start, min(n, start + block))
        diff = Z[rows, None, :] - Z[None, :, :]
        d = np.einsum("ijk,ijk->ij", diff, diff)
        upper = cols[None, :] > rows[:, None]
        ii, jj = np.nonzero(upper)
        cand_d = np.concatenate((best_d, d[ii, jj]))
        cand_ij = np.concatenate((best_ij, np.column_stack((rows[ii], jj))))
        if cand_d.shape[0] > k:
            keep = np.argpartition(cand_d, k - 1)[:k]
            cand_d, cand_ij = cand_d[keep], cand_ij[keep]
        best_d, best_ij = cand_d, cand_ij
    order = np.lexsort((best_ij[:, 1], best_ij[:, 0], best_d))
    return best_d[order], best_ij[order]


def near_neighbour_lack_of_fit(res, n_pairs=None):
    r"""Estimate the error standard deviation from near neighbours, for designs without replicates.

    Daniel & Wood's weighted distance between rows i and j,

    .. math:: D_{ij}^2 = \sum_k \frac{\hat\beta_k^2 (x_{ik} - x_{jk})^2}{MS_{Res}}

    (sum over the non-constant regressors), measures how far apart two
    observations are in units of the response they predict.  For pairs
    with small D the residual difference :math:`e_i - e_j` reflects pure
    error, and :math:`\hat\sigma = 0.886 \cdot \overline{|e_i - e_j|}`
    (0.886 = 1/d_2, the range-to-sigma factor of a sample of two) estimates
    sigma without trusting the model (Daniel & Wood, *Fitting Equations to
    Data*, 2nd ed., 1980; Montgomery, Peck & Vining, 5th ed., Sec. 4.5.2).
    A model estimate :math:`\sqrt{MS_{Res}}` well above it suggests lack of fit.

    This is an estimate, not a test with a known distribution: no p-value
    is given.  How many pairs count as "near" is a judgement; the result
    keeps the estimate from the 1, 2, ... nearest pairs (``sigma_path``).

    Parameters
    ----------
    res : regression results
        An OLS or WLS fit.  Nothing is modified.
    n_pairs : int, optional
        How many of the nearest pairs *sigma* uses; default ``n // 2``.

    Returns
    -------
    NearNeighbourResult

    Raises
    ------
    ValueError
        Fewer than two observations, *n_pairs* out of range, a model with
        no non-constant regressor or a zero residual mean square.
    TypeError
        A GLS fit.

    Notes
    -----
    O(n^2 p) flops for the pairwise distances (blocked over rows, O(n)
    memory per row block); the ``max(n_pairs, n)`` nearest pairs are kept.
    With WLS the residuals are the weighted ones (``res.wresid``).
    """
    y, X, w = _lof_model(res, "near_neighbour_lack_of_fit")
    n = y.shape[0]
    if n < 2:
        raise ValueError("near_neighbour_lack_of_fit needs at least two observations")
    total = n * (n - 1) // 2
    if n_pairs is None:
        n_pairs = max(1, n // 2)
    n_pairs = int(n_pairs)
    if not 1 <= n_pairs <= total:
        raise ValueError(f"n_pairs must be between 1 and {total} (the number of pairs), got {n_pairs}")
    beta = np.asarray(res.params, dtype=np.float64)
    mse = float(res.mse_resid)
    if not mse > 0:
        raise ValueError("the fit has a zero residual mean square: there is no error to estimate")
    varying = X.max(axis=0) != X.min(axis=0)
    if not varying.any():
        raise ValueError("the model has no non-constant regressor")
    scale = np.where(np.isfinite(beta), beta, 0.0)[varying] / np.sqrt(mse)
    Z = X[:, varying] * scale
    d, ij = _nearest_pairs(Z, min(total, max(n_pairs, n)))
    e = np.asarray(res.wresid if w is not None else res.resid, dtype=np.float64)
    ranges = np.abs(e[ij[:, 0]] - e[ij[:, 1]])
    path = 0.886 * np.cumsum(ranges) / np.arange(1, ranges.shape[0] + 1)
    sigma = float(path[n_pairs - 1])
    root_mse = float(np.sqrt(mse))
    ratio = root_mse / sigma if sigma > 0 else np.inf
    return NearNeighbourResult(sigma, path, root_mse, ratio, ij, d, ranges, n_pairs)


# --------------------------------------------------------------------------
# generalised VIF
# --------------------------------------------------------------------------
def gvif(res, terms=None):
    r"""Generalised variance-inflation factors of model terms (Fox & Monette 1992; R's ``car::vif``).

    For a term spanning several columns (a factor's dummies, a polynomial)
    the VIF of one column depends on the coding; the GVIF does not:

    .. math:: GVIF_t = \frac{\det R_{tt} \, \det R_{oo}}{\det R},

    R the correlation matrix of the regressors other than the intercept,
    t the term's columns and o the others.  A one-column term's GVIF is
    its ordinary VIF; ``GVIF^(1/(2 Df))`` is comparable across terms of
    different sizes (a confidence-ellipsoid "size" in one dimension).

    Parameters
    ----------
    res : regression results
        A fit with an intercept; read: ``res.model.exog``, its column
        names and, for a formula model, the terms' columns.  Nothing is
        modified.
    terms : dict of str -> sequence of int, optional
        Term name -> column indices of exog.  Default: from the formula
        (one entry per term) or one term per non-constant column.

    Returns
    -------
    pandas.DataFrame or dict
        Columns ``GVIF``, ``Df``, ``GVIF^(1/(2*Df))`` indexed by term (a
        dict of three arrays plus ``"terms"`` without pandas).

    Raises
    ------
    ValueError
        A model without an intercept (car refuses too: the correlation
        matrix needs centred columns), fewer than two terms, a constant
        column outside the intercept, or bad *terms*.

    Notes
    -----
    Three log-determinants (:func:`jitla.linalg.slogdet`, LU) of
    correlation matrices: O(p^3) after the O(n p^2) correlation matrix.
    """
    model = res.model
    X = _as_float(model.exog, "res.model.exog", ndim=2)
    k_constant, const_idx = _const_index(model, X)
    if not k_constant or const_idx is None:
        raise ValueError("gvif needs a model with an intercept column")
    names = list(getattr(model, "exog_names", [f"x{j}" for j in range(X.shape[1])]))
    if terms is None:
        spec = getattr(model, "formula_spec", None)
        if spec is not None and hasattr(spec, "term_indices"):
            terms = {str(t): list(ix) for t, ix in spec.term_indices.items() if const_idx not in ix}
        else:
            terms = {names[j]: [j] for j in range(X.shape[1]) if j != const_idx}
    cols = [j for j in range(X.shape[1]) if j != const_idx]
    position = {j: i for i, j in enumerate(cols)}
    groups = {}
    for name, ix in terms.items():
        ix = [int(j) for j in np.atleast_1d(ix)]
        if not ix or any(j not in position for j in ix):
            raise ValueError(f"term {name!r}: columns must be non-constant columns of exog, got {ix}")
        groups[str(name)] = [position[j] for j in ix]
    if len(groups) < 2:
        raise ValueError("gvif needs at least two terms")
    Z = X[:, cols]
    sd = Z.std(axis=0)
    if np.any(sd == 0):
        raise ValueError("a regressor other than the intercept is constant")
    Zc = (Z - Z.mean(axis=0)) / sd
    R = (Zc.T @ Zc) / Z.shape[0]
    _, logdet_all = slogdet(R)
    out_gvif, out_df = [], []
    every = np.arange(R.shape[0])
    for ix in groups.values():
        other = np.setdiff1d(every, ix)
        _, ld_t = slogdet(R[np.ix_(ix, ix)])
        ld_o = slogdet(R[np.ix_(other, other)])[1] if other.size else 0.0
        out_gvif.append(float(np.exp(ld_t + ld_o - logdet_all)))
        out_df.append(len(ix))
    g = np.array(out_gvif)
    df = np.array(out_df)
    adj = g ** (1.0 / (2.0 * df))
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a test dependency
        return {"terms": list(groups), "GVIF": g, "Df": df, "GVIF^(1/(2*Df))": adj}
    return pd.DataFrame({"GVIF": g, "Df": df, "GVIF^(1/(2*Df))": adj}, index=list(groups))
