"""Leverage and influence measures of a least-squares fit, from its R factor (no refitting).

:class:`OLSInfluence` has statsmodels' names and semantics
(``statsmodels.stats.outliers_influence.OLSInfluence``), but where
statsmodels refits the model n times (once without each observation) for
the deletion statistics -- DFBETAS, externally studentized residuals, DFFITS,
COVRATIO -- every measure here comes from the closed-form deletion formulas
of Belsley, Kuh & Welsch (1980, Sec. 2.1) evaluated with the QR factor of
the fit, in one pass over the rows (:mod:`jitla.kernels.regression`):
``2 n k^2`` flops instead of statsmodels' ``~2 n^2 k^2``.

Usage::

    res = OLS(y, X).fit()
    infl = res.get_influence()             # or OLSInfluence(res)
    infl.cooks_distance[0], infl.hat_matrix_diag, infl.dfbetas
    infl.summary_frame()                   # pandas DataFrame, statsmodels' columns

Weighted and generalised least squares: the measures are those of the
whitened regression ``wendog ~ wexog`` (the OLS problem the fit solved).
For WLS, deleting row i of the whitened problem is deleting observation i,
so DFBETA, Cook's D, ``s_(i)`` and the studentized residuals are the
weighted leave-one-out quantities, the leverage is
``w_i x_i^T (X^T W X)^{-1} x_i`` and the PRESS residual is
``sqrt(w_i) (y_i - x_i^T b_(i))``.  (statsmodels' ``OLSInfluence`` applied
to a WLS result mixes weighted and unweighted quantities: it is documented
for OLS only.)  For GLS with a non-diagonal covariance, a whitened row is
not an observation; the measures are still those of the whitened problem.
"""

from __future__ import annotations

import math
import warnings
from functools import cached_property

import numpy as np

from jitla.linalg import qr, solve_triangular
from jitla.linalg._checked import (
    COOKS,
    COVRATIO,
    DFFITS,
    DFFITS_INTERNAL,
    HAT,
    INFLUENCE,
    PRESS,
    RESID_STD,
    SIGMA_I,
    STUDENT_EXTERNAL,
    STUDENT_INTERNAL,
    influence_measures,
)
from jitla.regression._fit import aliased_columns, default_tol

__all__ = [
    "InfluenceWarning",
    "OLSInfluence",
    "LEVERAGE_ONE_FACTOR",
    "HIGH_LEVERAGE_REFIT",
]

#: A row has leverage 1 when ``1 - h_i <= LEVERAGE_ONE_FACTOR * n * eps``.
#: The computed ``h_i = ||x_i R^{-1}||^2`` inherits the backward error of the
#: QR factorisation, which grows with n (Higham, *Accuracy and Stability of
#: Numerical Algorithms*, 2nd ed., Thm. 19.4: ``O(n k eps)`` columnwise).
#: Measured on designs with a dummy column that has a single non-zero entry
#: (exact leverage 1): ``|1 - h_i|`` up to 0.44 n eps with jitla's QR on
#: ``[1, dummy]`` (n = 300: 133 eps; n = 30,000: 4330 eps; the n - 1 equal
#: entries of the reflected dummy column round alike), <= 40 eps once other
#: columns come between, <= 2 eps with LAPACK's R.  A threshold of
#: ``10 k eps`` (R's ``lm.influence`` uses ``10 eps``) misses the first case,
#: so the threshold scales with n, 20x above the worst measured error.  A row
#: whose true ``1 - h_i`` is below ``10 n eps`` (2e-11 at n = 10,000) cannot be
#: told apart from leverage 1 in float64: the error bound on the computed
#: ``1 - h_i`` is then of its own size, and ``e_i / (1 - h_i)`` would be
#: round-off divided by round-off.
LEVERAGE_ONE_FACTOR = 10.0


#: Rows with ``1 - h_i`` below this are recomputed from the fit without them.
#: ``1 - h_i`` from ``h_i = ||q_i||^2`` carries an absolute error of a few eps
#: (cancellation), so its *relative* error is ``~eps / (1 - h_i)``: 1e-5 for a
#: row at x = 1e6 among O(1) values (``1 - h_i = 3e-11``), and every deletion
#: statistic divides by it.  The leave-one-out form ``1 - h_i = 1 / (1 + v_i)``,
#: ``v_i = x_i^T (X_(i)^T X_(i))^{-1} x_i``, has no cancellation; below
#: 2^-10 the direct form would keep fewer than ~12 digits.  Since the
#: leverages sum to k, at most about k rows qualify; each refit costs one QR
#: of the other n - 1 rows (``2 n k^2`` flops).
HIGH_LEVERAGE_REFIT = 2.0**-10


class InfluenceWarning(UserWarning):
    """Observations with leverage 1: their deletion statistics are undefined (NaN)."""


def _refit_row(i, X, y, R, dinv, fit, stats, dfbeta, dfbetas) -> None:
    """Recompute the measures of a high-leverage row i from the fit without it (no cancellation).

    The fit without row i gives its factor ``R_(i)``, ``b_(i)`` and
    ``SSR_(i)`` directly (one QR of ``[X_(i) | y_(i)]``); then
    ``v = ||x_i R_(i)^{-1}||^2``, ``1 - h_i = 1 / (1 + v)``, ``h_i = v / (1 + v)``,
    the PRESS residual ``y_i - x_i^T b_(i)`` and ``e_i = PRESS_i (1 - h_i)``
    (Belsley, Kuh & Welsch 1980, Sec. 2.1, read backwards).  The row's
    entries of *stats*, *dfbeta* and *dfbetas* are overwritten; when
    ``X_(i)`` is rank-deficient (the row alone determines a coefficient)
    nothing is changed.
    """
    n, k = X.shape
    ssr, df_resid, _ = fit
    if n - 1 < k + 1:  # no residual degree of freedom without the row: nothing to refine
        return
    A = np.empty((n - 1, k + 1))
    A[:i, :k], A[i:, :k] = X[:i], X[i + 1 :]
    A[:i, k], A[i:, k] = y[:i], y[i + 1 :]
    F = qr(A, mode="r", overwrite_a=True)
    Ri, ri, ssr_i = F[:k, :k], F[:k, k], float(F[k, k]) ** 2
    if aliased_columns(Ri, default_tol(n - 1, k)).any():  # the row alone carries a direction
        return
    w = solve_triangular(Ri, X[i], trans=1)  # x_i R_(i)^{-1}
    v = float(w @ w)
    u = 1.0 / (1.0 + v)
    h = v * u
    press = float(y[i] - X[i] @ solve_triangular(Ri, ri))
    s2 = ssr / df_resid
    s = math.sqrt(s2)
    s2i = ssr_i / (df_resid - 1.0) if df_resid > 1.0 else math.nan
    si = math.sqrt(s2i)
    root_u = math.sqrt(u)
    r_int = press * root_u / s  # e_i / (s sqrt(1 - h_i)) with e_i = press (1 - h_i)
    r_ext = press * root_u / si
    lever = math.sqrt(h / u)
    stats[HAT, i] = h
    stats[STUDENT_INTERNAL, i] = r_int
    stats[STUDENT_EXTERNAL, i] = r_ext
    stats[SIGMA_I, i] = si
    stats[COOKS, i] = r_int * r_int * h / (k * u)
    stats[DFFITS_INTERNAL, i] = r_int * lever
    stats[DFFITS, i] = r_ext * lever
    stats[COVRATIO, i] = (s2i / s2) ** k / u
    stats[PRESS, i] = press
    stats[RESID_STD, i] = s * root_u
    stats[INFLUENCE, i] = press * h
    # b - b_(i) = (X^T X)^{-1} x_i PRESS_i
    g = solve_triangular(R, solve_triangular(R, X[i], trans=1)) * press
    dfbeta[i] = g
    dfbetas[i] = g / (si * dinv)


class OLSInfluence:
    """Outlier and influence measures of a least-squares fit (statsmodels' ``OLSInfluence``).

    Parameters
    ----------
    results : jitla.regression.RegressionResults
        A fitted OLS, WLS or GLS results object.  Read: ``model.wexog``,
        ``aliased``, ``_R``, ``wresid``, ``ssr``, ``df_resid``, ``nobs``,
        ``rank``, ``model.exog_names`` and (for :meth:`summary_frame`)
        ``model.row_labels``.  Nothing in it is modified.

    Attributes
    ----------
    results : the results object
    nobs : float
        Number of observations.
    k_vars : int
        Number of columns of the design (aliased ones included), as statsmodels.
    rank : int
        Number of estimated parameters, ``k`` in the formulas.
    n_leverage_one : int
        Number of observations with leverage 1 (see :data:`LEVERAGE_ONE_FACTOR`).

    Warns
    -----
    InfluenceWarning
        When some observations have leverage 1 (e.g. the only non-zero entry
        of a dummy column): their studentized residuals, Cook's distance,
        DFFITS, DFBETA(S), COVRATIO and PRESS residuals are NaN and their
        ``hat_matrix_diag`` is exactly 1.

    Notes
    -----
    All row-wise measures are computed when the object is built, by one
    kernel pass over the rows of the whitened design (kept columns):
    ``q_i = x_i R^{-1}`` by forward substitution, ``h_i = ||q_i||^2``,
    ``(X^T X)^{-1} x_i = R^{-1} q_i^T`` by back substitution, and the
    deletion formulas of Belsley, Kuh & Welsch, *Regression Diagnostics*
    (1980), Sec. 2.1; Cook & Weisberg, *Residuals and Influence in
    Regression* (1982), Secs. 2.2, 3.4; Chatterjee & Hadi, *Sensitivity
    Analysis in Linear Regression* (1988), Ch. 4.  ``(X^T X)^{-1}`` is never
    formed: only ``diag((X^T X)^{-1})``, as the row norms of ``R^{-1}``
    (``k^3/3`` flops).  Flops ``2 n k^2 + 4 n k`` plus ~30 per row;
    memory ``(2k + 11) n`` floats for the results.  Departures from
    statsmodels: Cook's distance, its F test and the DFFITS threshold use
    the rank rather than the column count (they differ only with aliased
    columns, whose DFBETA(S) are NaN); weighted fits use the whitened
    problem (module docstring).
    """

    def __init__(self, results):
        model = results.model
        aliased = np.asarray(results.aliased, dtype=bool)
        wexog = np.asarray(model.wexog)
        if wexog.ndim != 2 or aliased.shape != (wexog.shape[1],):
            raise ValueError(
                f"results.aliased has shape {aliased.shape}, "
                f"expected ({wexog.shape[-1]},) to match model.wexog"
            )
        X = wexog[:, ~aliased] if aliased.any() else wexog
        X = np.ascontiguousarray(X, dtype=np.float64)
        R = np.ascontiguousarray(results._R, dtype=np.float64)
        e = np.ascontiguousarray(np.asarray(results.wresid), dtype=np.float64)
        n, k = X.shape
        if R.shape != (k, k) or e.shape != (n,):
            raise ValueError(
                f"inconsistent results: wexog has {n} rows and {k} kept columns, "
                f"_R is {R.shape}, wresid is {e.shape}"
            )
        if k and not np.all(np.diag(R)):
            raise ValueError("results._R has a zero on its diagonal; the kept columns must have full rank")

        self.results = results
        self.nobs = results.nobs
        self.k_vars = int(wexog.shape[1])
        self.rank = int(results.rank)
        self.exog_names = list(model.exog_names)
        self._aliased = aliased

        # diag((X^T X)^{-1}) = row norms^2 of R^{-1}  (k^3/3 flops for R^{-1}), on the equilibrated
        # factor R D^{-1} (D powers of two, exact): a column scaled by 1e-300 would square to inf
        d = np.asarray(getattr(results, "_d", np.ones(k)), dtype=np.float64)
        # a full-rank fit's kernel computed these squared row norms on the way (RegressionResults
        # keeps them): reuse them rather than solve with R again (one compilation fewer, cold)
        rinv_sq = getattr(results, "__dict__", {}).get("_rinv_sq")
        if rinv_sq is None or np.shape(rinv_sq) != (k,):
            Rinv_s = solve_triangular(R / d, np.eye(k)) if k else np.zeros((0, 0))
            rinv_sq = (Rinv_s * Rinv_s).sum(axis=1)
        with np.errstate(over="ignore"):
            dinv = np.sqrt(np.asarray(rinv_sq, dtype=np.float64)) / d
        tol = LEVERAGE_ONE_FACTOR * max(n, 1) * np.finfo(np.float64).eps
        fit = (float(results.ssr), float(results.df_resid), float(tol))

        stats, dfbeta, dfbetas, flagged = influence_measures(X, e, R, dinv, fit)
        u = 1.0 - stats[HAT]
        for i in np.flatnonzero((u > tol) & (u < HIGH_LEVERAGE_REFIT)):
            _refit_row(i, X, np.asarray(model.wendog, dtype=np.float64), R, dinv, fit, stats, dfbeta, dfbetas)

        self._stats = stats
        self._dfbeta_kept = dfbeta
        self._dfbetas_kept = dfbetas
        self.n_leverage_one = flagged
        if flagged:
            which = "observation has" if flagged == 1 else "observations have"
            warnings.warn(
                f"{flagged} {which} leverage 1 (1 - h_ii <= {tol:.1e}): their studentized residuals, "
                "Cook's distance, DFFITS, DFBETAS, COVRATIO and PRESS residuals are NaN",
                InfluenceWarning,
                stacklevel=2,
            )

    # ------------------------------------------------------------- helpers
    def _expand(self, kept: np.ndarray) -> np.ndarray:
        """(n, rank) -> (n, k_vars) with NaN columns for the aliased parameters."""
        if not self._aliased.any():
            return kept
        full = np.full((kept.shape[0], self.k_vars), np.nan)
        full[:, ~self._aliased] = kept
        return full

    # ------------------------------------------------------------- leverage and residuals
    @cached_property
    def hat_matrix_diag(self) -> np.ndarray:
        """Leverages ``h_i = x_i^T (X^T X)^{-1} x_i = ||q_i||^2`` (exactly 1 for flagged rows)."""
        return self._stats[HAT]

    @cached_property
    def resid_std(self) -> np.ndarray:
        """Standard deviation of each residual: ``s sqrt(1 - h_i)``."""
        return self._stats[RESID_STD]

    @cached_property
    def resid_var(self) -> np.ndarray:
        """Variance of each residual: ``s^2 (1 - h_i)``."""
        return self._stats[RESID_STD] ** 2

    @cached_property
    def resid_studentized_internal(self) -> np.ndarray:
        """Internally studentized residuals ``e_i / (s sqrt(1 - h_i))``."""
        return self._stats[STUDENT_INTERNAL]

    @property
    def resid_studentized(self) -> np.ndarray:
        """Alias of :attr:`resid_studentized_internal` (statsmodels)."""
        return self.resid_studentized_internal

    @cached_property
    def sigma2_not_obsi(self) -> np.ndarray:
        """``s_(i)^2 = (SSR - e_i^2 / (1 - h_i)) / (df_resid - 1)``: the variance without row i."""
        return self._stats[SIGMA_I] ** 2

    @cached_property
    def resid_studentized_external(self) -> np.ndarray:
        """Externally studentized residuals ``e_i / (s_(i) sqrt(1 - h_i))`` (no refitting)."""
        return self._stats[STUDENT_EXTERNAL]

    @cached_property
    def resid_press(self) -> np.ndarray:
        """PRESS residuals ``e_i / (1 - h_i)``: the residual of row i in the fit without it."""
        return self._stats[PRESS]

    @cached_property
    def ess_press(self) -> float:
        """Sum of squared PRESS residuals (NaN when some observation has leverage 1)."""
        r = self.resid_press
        return float(r @ r)

    @cached_property
    def influence(self) -> np.ndarray:
        """``e_i h_i / (1 - h_i)``: the change in the fitted value of row i when it is deleted (gretl)."""
        return self._stats[INFLUENCE]

    @cached_property
    def hat_diag_factor(self) -> np.ndarray:
        """``h_i / (1 - h_i)`` (inf for flagged rows)."""
        h = self.hat_matrix_diag
        with np.errstate(divide="ignore"):
            return h / (1.0 - h)

    # ------------------------------------------------------------- influence on the fit
    @cached_property
    def cooks_distance(self) -> tuple[np.ndarray, np.ndarray]:
        """Cook's distance ``r_i^2 h_i / (k (1 - h_i))`` and its p-values from F(k, df_resid).

        Returns
        -------
        d : (n,) ndarray
        pvalues : (n,) ndarray
            ``scipy.stats.f.sf(d, k, df_resid)``, k the rank.
        """
        from scipy import stats

        d = self._stats[COOKS]
        return d, stats.f.sf(d, self.rank, self.results.df_resid)

    @cached_property
    def dffits_internal(self) -> tuple[np.ndarray, float]:
        """DFFITS from the internally studentized residual, and the threshold ``2 sqrt(k / n)``."""
        return self._stats[DFFITS_INTERNAL], self._dffits_threshold

    @cached_property
    def dffits(self) -> tuple[np.ndarray, float]:
        """DFFITS ``t_i sqrt(h_i / (1 - h_i))`` and the threshold ``2 sqrt(k / n)``."""
        return self._stats[DFFITS], self._dffits_threshold

    @property
    def _dffits_threshold(self) -> float:
        return 2.0 * math.sqrt(self.rank / self.nobs)

    @cached_property
    def dfbeta(self) -> np.ndarray:
        """``b - b_(i)`` (n, k_vars): the change in each coefficient when row i is deleted.

        ``(X^T X)^{-1} x_i e_i / (1 - h_i)``; NaN columns for aliased parameters.
        """
        return self._expand(self._dfbeta_kept)

    @cached_property
    def dfbetas(self) -> np.ndarray:
        """DFBETA scaled by ``s_(i) sqrt([(X^T X)^{-1}]_jj)``; NaN columns for aliased."""
        return self._expand(self._dfbetas_kept)

    @cached_property
    def cov_ratio(self) -> np.ndarray:
        """``det cov(b_(i)) / det cov(b) = (s_(i)^2 / s^2)^k / (1 - h_i)``."""
        return self._stats[COVRATIO]

    # ------------------------------------------------------------- table
    def summary_frame(self):
        """All the measures as a pandas DataFrame, statsmodels' columns and order.

        Returns
        -------
        pandas.DataFrame
            Columns ``dfb_<name>`` (DFBETAS of each parameter), ``cooks_d``,
            ``standard_resid`` (internally studentized), ``hat_diag``,
            ``dffits_internal``, ``student_resid`` (externally studentized),
            ``dffits``; the index is that of the user's pandas data, else a
            RangeIndex.

        Raises
        ------
        ImportError
            If pandas is not installed.
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("OLSInfluence.summary_frame() requires pandas (pip install pandas)") from exc

        index = getattr(self.results.model, "row_labels", None)
        n = self._stats.shape[1]
        if index is None:
            index = pd.RangeIndex(n)
        names = [f"dfb_{name}" for name in self.exog_names]
        names += ["cooks_d", "standard_resid", "hat_diag", "dffits_internal", "student_resid", "dffits"]
        # one (n, p + 6) block filled once, handed to pandas without a copy (a dict of
        # columns would be copied again when pandas consolidates them)
        table = np.empty((n, len(names)))
        p = self.k_vars
        table[:, :p] = self.dfbetas
        for j, column in enumerate(
            (
                self._stats[COOKS],  # not cooks_distance: its F p-values are not needed here
                self.resid_studentized_internal,
                self.hat_matrix_diag,
                self.dffits_internal[0],
                self.resid_studentized_external,
                self.dffits[0],
            )
        ):
            table[:, p + j] = column
        return pd.DataFrame(table, index=index, columns=names, copy=False)

    def __repr__(self) -> str:
        return f"<OLSInfluence: {self._stats.shape[1]} observations, rank {self.rank}>"
