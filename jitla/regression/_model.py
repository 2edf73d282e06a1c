"""Linear models in statsmodels' shape: OLS, WLS and GLS, plus the ``ols`` convenience function.

A model holds validated, whitened data and nothing else; :meth:`fit`
returns a new :class:`~jitla.regression.RegressionResults` and never changes
the model.  Whitening turns every model into ordinary least squares on
``(wendog, wexog)``:

* OLS: ``W = I``;
* WLS with weights ``w``: ``W = diag(sqrt(w))`` (observation i has variance
  ``sigma^2 / w_i``);
* GLS with error covariance ``Sigma = L L^T`` (Cholesky): ``W = L^{-1}``,
  applied by a triangular solve, never by inverting Sigma.

Reference: Greene, *Econometric Analysis*, 7th ed., Sec. 9.3 (GLS by
transformation); Seber & Lee, *Linear Regression Analysis*, 2nd ed., 3.10.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from jitla.linalg import cholesky, qr_r_augmented, solve_triangular
from jitla.regression._data import Data, as_endog_exog, as_weights, constant_column, is_pandas
from jitla.regression._fit import _fit_from_r, aliased_columns, default_tol, fit_least_squares, warn_aliased

__all__ = ["OLS", "WLS", "GLS", "ols"]

COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "HAC", "cluster")


def _formula_matrices(formula: str, data):
    """``(y, X, spec)`` from a Wilkinson formula via formulaic (an optional dependency)."""
    try:
        import formulaic
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "formulas need the optional dependency formulaic: pip install 'jitla[regression]'"
        ) from exc
    if "~" not in formula:
        raise ValueError(f"a regression formula needs a response: 'y ~ x1 + x2', got {formula!r}")
    if isinstance(data, dict):  # formulaic wants a DataFrame; a dict of columns is the common case
        import pandas as pd

        data = pd.DataFrame(data)
    if _is_dask(data):
        return _dask_formula_matrices(formula, data, formulaic)
    matrices = formulaic.model_matrix(formula, data)
    y, X = matrices.lhs, matrices.rhs
    if y.shape[1] != 1:
        raise ValueError(f"the formula's left-hand side must be one column, got {list(y.columns)}")
    return y.iloc[:, 0], X, X.model_spec


def _dask_formula_matrices(formula: str, ddf, formulaic):
    """``(y, X, spec)`` of a Dask DataFrame: the model spec from its (empty) meta, applied per partition.

    The columns of the design must not depend on which rows a partition
    holds, so every factor's levels must be known before any partition is
    read: string columns used in the formula must be categoricals with
    known categories (``ddf.categorize(columns=[...])``, or ``astype`` to a
    ``CategoricalDtype``); otherwise a ValueError says which column.  Rows
    with missing values are dropped in each partition (formulaic's
    default, as in memory); partitions may be empty or of unknown size.
    """
    import re

    import pandas as pd

    meta = ddf._meta
    for col in meta.columns:
        dtype = meta[col].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            unknown = not ddf[col].cat.known
        else:
            unknown = pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
        if unknown and re.search(rf"(?<![\w.]){re.escape(str(col))}(?!\w)", formula):
            raise ValueError(
                f"column {col!r} of the Dask DataFrame has no known levels: make it a categorical with known "
                f"categories first, e.g. ddf = ddf.categorize(columns=[{str(col)!r}])"
            )
    matrices = formulaic.model_matrix(formula, meta)
    y_meta, X_meta = matrices.lhs, matrices.rhs
    if y_meta.shape[1] != 1:
        raise ValueError(f"the formula's left-hand side must be one column, got {list(y_meta.columns)}")
    spec = matrices.model_spec
    y_name, x_names = str(y_meta.columns[0]), [str(c) for c in X_meta.columns]

    def design(part):
        mm = spec.get_model_matrix(part)
        out = pd.concat([pd.DataFrame(mm.lhs), pd.DataFrame(mm.rhs)], axis=1).astype(np.float64)
        out.columns = [y_name, *x_names]
        return out

    frame = ddf.map_partitions(design, meta=design(meta))
    return frame[y_name], frame[x_names], X_meta.model_spec


def _implicit_constant(X: np.ndarray) -> bool:
    """True when a column of ones lies in the column space of X (e.g. a full set of dummies).

    statsmodels' rule (``rank([X | 1]) == rank(X)``), decided with the fit's
    own collinearity test: the ones column, placed last, is aliased by X's
    columns (:func:`~jitla.regression._fit.aliased_columns` on the R factor
    of ``[X | 1]``, default tolerance).  One QR of ``[X | 1]``, assembled
    block by block (no (n, p + 1) copy): ``2 n (p+1)^2`` flops, paid only by
    models without an explicit constant.
    """
    n, p = X.shape
    R = qr_r_augmented(X, np.ones((n, 1)))
    return bool(aliased_columns(R, default_tol(n, p + 1))[p])


def _rows_of_formula(values, data, X):
    """*values* (weights or sigma, one entry per row of *data*) cut to the rows the formula kept.

    formulaic drops rows with missing values; per-observation arrays the
    user passed for all of *data* must lose the same rows (statsmodels does
    this too).  Scalars and arrays of the kept length pass through.
    """
    if values is None or np.ndim(values) == 0:
        return values
    n_data = len(next(iter(data.values()))) if isinstance(data, dict) else len(data)
    if X.shape[0] == n_data or np.shape(values)[0] != n_data:
        return values
    index = data.index if hasattr(data, "index") else np.arange(n_data)
    import pandas as pd

    pos = pd.Index(index).get_indexer(X.index)
    A = np.asarray(values)
    return A[np.ix_(pos, pos)] if A.ndim == 2 else A[pos]


class _LinearModel:
    """Shared machinery of OLS / WLS / GLS (whitening differs)."""

    _name = "OLS"

    def __init__(self, endog, exog, *, hasconst=None, _spec=None, _copy=True):
        # _copy=False: exog is a float64 C array built for this model (ols' [1 | X]); adopt it
        data: Data = as_endog_exog(endog, exog, copy=_copy)
        n, p = data.exog.shape
        self.endog = data.endog
        self.exog = data.exog
        self.endog_names = data.endog_name
        self.exog_names = list(data.exog_names)
        self.row_labels = data.row_labels
        self.data_is_pandas = is_pandas(exog) or _spec is not None
        self.formula_spec = _spec
        self.nobs = float(n)
        const = data.const_idx
        if hasconst is False:
            const = None
        self.const_idx = const
        implicit = const is None and hasconst is None and _implicit_constant(self.exog)
        self.k_constant = 1 if (const is not None or hasconst or implicit) else 0
        self.weights = None

    # ------------------------------------------------------------------ whitening
    def whiten(self, x):
        """Apply the whitening transform W (identity for OLS) to rows of *x*."""
        return np.asarray(x, dtype=np.float64)

    @property
    def wendog(self) -> np.ndarray:
        return self._wendog

    @property
    def wexog(self) -> np.ndarray:
        return self._wexog

    def _set_whitened(self):
        self._wendog = np.ascontiguousarray(self.whiten(self.endog))
        self._wexog = np.ascontiguousarray(self.whiten(self.exog))

    def _fit_inputs(self):
        """``(X, y, sqrt_weights)`` for the least-squares core (weights applied block by block)."""
        return self.wexog, self.wendog, None

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        method: str = "qr",
        *,
        refine: bool = False,
        tol: float | None = None,
        cov_type: str = "nonrobust",
        cov_kwds: dict | None = None,
        use_t: bool | None = None,
    ):
        """Fit by least squares on the whitened data.

        Parameters
        ----------
        method : {"qr", "pivoted", "svd", "normal"}
            ``"qr"`` (default): Householder QR of ``[wexog | wendog]``
            (TSQR for tall-skinny data), ``beta = R11^{-1} R12``.
            ``"pivoted"``: Businger-Golub pivoted QR; ``"svd"``: jitla's
            SVD; ``"normal"``: Cholesky of ``X^T X`` -- squares the
            condition number, loses twice the digits of QR (devlog 004);
            kept for teaching.
        refine : bool
            Extra-precise iterative refinement of the coefficients
            (double-double residuals on Bjorck's augmented system): nearly
            full precision on ill-conditioned, full-rank designs.
        tol : float, optional
            Collinearity tolerance: a column is aliased when its part
            orthogonal to the earlier kept columns is at most ``tol`` times
            its length (default ``max(n, p) * eps``).
        cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "HAC", "cluster"}
            Covariance of the estimates used by bse / tests / intervals.
            ``"HAC"``: Newey-West heteroscedasticity- and autocorrelation-
            consistent; ``"cluster"``: robust to correlation within groups
            (see :meth:`RegressionResults.cov`).
        cov_kwds : dict, optional
            statsmodels' options of the covariance: for ``"HAC"``,
            ``maxlags`` (int, required), ``kernel`` (``"bartlett"``, the
            default, or ``"uniform"``), ``use_correction`` (bool, default
            False: ``n / (n - k)``); for ``"cluster"``, ``groups`` (one
            label per observation, required), ``use_correction`` (default
            True: ``G/(G-1) (n-1)/(n-k)``), ``df_correction`` (default True:
            t and F tests use ``G - 1`` residual degrees of freedom).
        use_t : bool, optional
            t and F distributions (default for ``"nonrobust"``) or normal and
            chi-square (statsmodels' default for the robust types).

        Returns
        -------
        RegressionResults

        Warns
        -----
        CollinearityWarning
            Aliased columns found; their parameters are NaN.
        """
        from jitla.regression._results import RegressionResults

        if cov_type not in COV_TYPES:
            raise ValueError(f"cov_type must be one of {list(COV_TYPES)}, got {cov_type!r}")
        cov_kwds = robust_cov_kwds(cov_type, cov_kwds, self.exog.shape[0])
        X, y, sqrt_w = self._fit_inputs()
        fit = fit_least_squares(
            X,
            y[:, np.newaxis],
            method=method,
            refine=refine,
            tol=tol,
            X_lo=getattr(self, "exog_lo", None),
            sqrt_weights=sqrt_w,
        )
        if fit.rank < fit.aliased.size:  # some column aliased
            warn_aliased(self.exog_names, fit.aliased, out_of_range=fit.out_of_range)
        use_t = (cov_type == "nonrobust") if use_t is None else bool(use_t)
        return RegressionResults(
            self, fit, method=method, refine=refine, cov_type=cov_type, use_t=use_t, cov_kwds=cov_kwds
        )

    def predict(self, params, exog=None):
        """``exog @ params`` (the model's exog by default); NaN (aliased) params count as 0."""
        X = self.exog if exog is None else np.asarray(exog, dtype=np.float64)
        return X @ np.nan_to_num(np.asarray(params, dtype=np.float64), nan=0.0)

    def loglike_const(self) -> float:
        """The part of the Gaussian log-likelihood that does not depend on the fit (0 for OLS)."""
        return 0.0

    @classmethod
    def from_formula(cls, formula: str, data, **kwargs):
        """Build the model from a formula, e.g. ``"y ~ x1 + np.log(x2) + C(group)"`` (formulaic).

        Rows with missing values are dropped (formulaic's default); column
        names (``Intercept``, ``C(group)[T.b]``, ...) flow into the results.

        Warnings
        --------
        Formulas run Python: never pass untrusted strings.  formulaic, like
        patsy and statsmodels, evaluates each term as a Python expression
        against *data* and the caller's namespace, so ``"y ~ I(exec(...))"``
        executes arbitrary code.  :meth:`from_columns` fits named columns
        without evaluating anything.
        """
        y, X, spec = _formula_matrices(formula, data)
        for key in ("weights", "sigma"):
            if key in kwargs:
                kwargs[key] = _rows_of_formula(kwargs[key], data, X)
        return cls(y, X, _spec=spec, **kwargs)

    @classmethod
    def from_columns(cls, data, endog: str, exog, *, add_constant: bool = True, **kwargs):
        """Build the model from column names of *data*, evaluating nothing (safe for untrusted names).

        Parameters
        ----------
        data : DataFrame or dict of 1-D arrays
            Holds the columns.
        endog : str
            Name of the response column.
        exog : str or list of str
            Names of the regressors, in order.
        add_constant : bool
            Prepend a ``const`` column of ones unless a chosen column is
            already constant (as :func:`ols` with ``fit_intercept``).
        **kwargs
            Passed to the model (``weights=`` for WLS, ``sigma=`` for GLS,
            ``hasconst=``).

        Returns
        -------
        model : the class it was called on

        Raises
        ------
        KeyError
            A name that is not a column of *data* (the message lists them).
        MissingDataError
            NaN or inf in the chosen columns: rows are never dropped
            silently (a formula drops them).

        Notes
        -----
        Names are looked up as strings, never parsed or evaluated, so this is
        the route for names that come from users (:meth:`from_formula` runs
        Python).  ``OLS.from_columns(df, "y", ["x1", "x2"])`` fits the same
        model as ``OLS.from_formula("y ~ x1 + x2", df)`` (constant named
        ``const`` instead of ``Intercept``).
        """
        names = [exog] if isinstance(exog, str) else list(exog)
        if not isinstance(endog, str) or not all(isinstance(name, str) for name in names):
            raise TypeError("endog must be a column name and exog a column name or a list of them (str)")
        if not names:
            raise ValueError("exog is empty: give at least one column name")
        available = list(data.keys()) if isinstance(data, dict) else [str(c) for c in data.columns]
        missing = [name for name in [endog, *names] if name not in available]
        if missing:
            raise KeyError(f"column(s) {missing} not in data; its columns are {available}")
        y = np.asarray(data[endog])
        X = np.empty((y.shape[0], len(names) + (1 if add_constant else 0)))
        for j, name in enumerate(names):
            column = np.asarray(data[name])
            if column.dtype.kind not in "biuf":
                raise ValueError(
                    f"column {name!r} has dtype {column.dtype}, which is not numeric; regression needs "
                    "numbers (encode categories first)"
                )
            X[:, j + (1 if add_constant else 0)] = column
        exog_names = list(names)
        if add_constant:
            X[:, 0] = 1.0
            if constant_column(X[:, 1:]) is not None:
                X = X[:, 1:]
            else:
                exog_names.insert(0, "const")
        model = cls(y, X, _copy=False, **kwargs)  # X was built here: the model adopts it
        model.exog_names = exog_names
        model.endog_names = endog
        labels = getattr(data, "index", None)
        model.row_labels = labels
        model.data_is_pandas = labels is not None
        return model

    def __repr__(self) -> str:
        return f"<jitla.regression.{self._name}: nobs={int(self.nobs)}, exog={self.exog_names}>"


def _is_dask(*values) -> bool:
    """Whether any of *values* is a Dask collection (duck-typed: Dask need not be installed)."""
    return any(hasattr(v, "__dask_graph__") and hasattr(v, "to_delayed") for v in values)


class OLS(_LinearModel):
    """Ordinary least squares, ``y = X beta + e`` with ``Var(e) = sigma^2 I`` (statsmodels' OLS).

    Parameters
    ----------
    endog : (n,) array_like or pandas Series
        Response.  Copied, never modified.
    exog : (n, p) array_like or pandas DataFrame
        Design matrix.  No constant is added: include a column of ones (as
        statsmodels' ``add_constant``), or use :func:`ols` / a formula.
    hasconst : bool, optional
        Override the detection of a constant column (statsmodels' option).
    exog_lo : (n, p) array_like, optional
        jitla extension: the low parts of a design known beyond float64
        (``exog + exog_lo`` exact, e.g. from
        :meth:`PolynomialFeatures.transform_split`).  ``fit(refine=True)``
        then refines against the exact design (devlog 009); everything else
        uses ``exog``.
    exog_names : list of str, optional
        Column names (instead of the DataFrame's or ``const, x1, ...``).

    Raises
    ------
    ValueError
        Mismatched lengths, non-numeric columns, fewer rows than columns.
    MissingDataError
        NaN or inf in the data.
    """

    _name = "OLS"

    def __new__(cls, endog=None, exog=None, *args, **kwargs):
        if cls is OLS and _is_dask(endog, exog):
            return object.__new__(DaskOLS)
        return object.__new__(cls)

    def __init__(self, endog, exog, *, hasconst=None, exog_lo=None, exog_names=None, _spec=None, _copy=True):
        super().__init__(endog, exog, hasconst=hasconst, _spec=_spec, _copy=_copy)
        self.exog_lo = None
        if exog_lo is not None:
            lo = np.array(exog_lo, dtype=np.float64, order="C", copy=True)
            if lo.shape != self.exog.shape or not np.isfinite(lo).all():
                raise ValueError(
                    f"exog_lo must be finite and shaped like exog {self.exog.shape}, got {lo.shape}"
                )
            self.exog_lo = lo
        if exog_names is not None:
            if len(exog_names) != self.exog.shape[1]:
                raise ValueError(f"exog_names has {len(exog_names)} names for {self.exog.shape[1]} columns")
            self.exog_names = [str(name) for name in exog_names]
        self._set_whitened()


class WLS(_LinearModel):
    """Weighted least squares: ``Var(e_i) = sigma^2 / w_i`` (statsmodels' WLS).

    Parameters
    ----------
    endog, exog, hasconst : as :class:`OLS`.
    weights : scalar or (n,) array_like
        Positive weights, proportional to the inverse variances.  Zero or
        negative weights raise ``ValueError`` (drop those rows instead).
    """

    _name = "WLS"

    def __new__(cls, endog=None, exog=None, weights=1.0, *args, **kwargs):
        if cls is WLS and _is_dask(endog, exog, weights):
            return object.__new__(DaskWLS)
        return object.__new__(cls)

    def __init__(self, endog, exog, weights=1.0, *, hasconst=None, _spec=None, _copy=True):
        super().__init__(endog, exog, hasconst=hasconst, _spec=_spec, _copy=_copy)
        self.weights = as_weights(weights, self.exog.shape[0])
        self._sqrt_w = np.sqrt(self.weights)
        self._wendog = self.whiten(self.endog)
        self._wexog = None  # formed on first use (diagnostics): the fit applies the weights itself

    @property
    def wexog(self) -> np.ndarray:
        """``sqrt(w) * exog``, formed on first access (an (n, p) array)."""
        if self._wexog is None:
            self._wexog = np.ascontiguousarray(self.whiten(self.exog))
        return self._wexog

    def _fit_inputs(self):
        return self.exog, self.endog, self._sqrt_w

    def whiten(self, x):
        """Rows of *x* times ``sqrt(weights)``."""
        x = np.asarray(x, dtype=np.float64)
        return x * (self._sqrt_w if x.ndim == 1 else self._sqrt_w[:, np.newaxis])

    def loglike_const(self) -> float:
        """``sum(log w) / 2``: the weights' term of the Gaussian log-likelihood."""
        return 0.5 * float(np.log(self.weights).sum())


class GLS(_LinearModel):
    """Generalised least squares with a known error covariance ``Sigma`` (statsmodels' GLS).

    Parameters
    ----------
    endog, exog, hasconst : as :class:`OLS`.
    sigma : scalar, (n,) or (n, n) array_like, optional
        Error covariance up to the scale sigma^2: a scalar (OLS), the
        diagonal, or the full symmetric positive-definite matrix.

    Notes
    -----
    Whitening ``W = L^{-1}`` with ``Sigma = L L^T`` (``W^T W = Sigma^{-1}``,
    the transform statsmodels uses), applied by forward substitution with
    jitla's Cholesky factor, never by inverting Sigma: ``n^3 / 3 + n^2 (p +
    1)`` flops, one (n, n) factor.
    """

    _name = "GLS"

    def __init__(self, endog, exog, sigma=None, *, hasconst=None, _spec=None, _copy=True):
        super().__init__(endog, exog, hasconst=hasconst, _spec=_spec, _copy=_copy)
        n = self.exog.shape[0]
        self._logdet = 0.0
        self._diag = None
        self._L = None
        if sigma is not None:
            S = np.array(sigma, dtype=np.float64)
            if S.ndim == 0:
                S = np.full(n, float(S))
            if S.ndim == 1:
                if S.shape[0] != n:
                    raise ValueError(f"sigma must have one entry per observation ({n}), got shape {S.shape}")
                if not np.isfinite(S).all() or (S <= 0).any():
                    raise ValueError("sigma's diagonal must be finite and strictly positive")
                self._diag = S
                self._logdet = float(np.log(S).sum())
            elif S.shape == (n, n):
                if not np.isfinite(S).all():
                    raise ValueError("sigma must not contain infs or NaNs")
                if not np.allclose(S, S.T, rtol=1e-12, atol=0.0):
                    raise ValueError("sigma must be symmetric")
                self._L = cholesky(S)  # LinAlgError "Matrix is not positive definite" as numpy
                self._logdet = 2.0 * float(np.log(np.diag(self._L)).sum())
            else:
                raise ValueError(f"sigma must be a scalar, ({n},) or ({n}, {n}); got shape {S.shape}")
        self.sigma = sigma
        self._set_whitened()

    def whiten(self, x):
        """``L^{-1} x`` (Sigma = L L^T), or ``x / sqrt(sigma)`` for a diagonal sigma."""
        x = np.asarray(x, dtype=np.float64)
        if self._diag is not None:
            d = np.sqrt(self._diag)
            return x / (d if x.ndim == 1 else d[:, np.newaxis])
        if self._L is not None:
            return solve_triangular(self._L, x, lower=True)
        return x

    def loglike_const(self) -> float:
        """``-log det(Sigma) / 2``: Sigma's term of the Gaussian log-likelihood."""
        return -0.5 * self._logdet


# --------------------------------------------------------------------------
# Dask input: one pass for the fit (jitla.distributed), results in jitla.regression._dask
# --------------------------------------------------------------------------
_DASK_COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3")


def _names(exog, exog_names):
    columns = getattr(exog, "columns", None)
    if exog_names is not None:
        return [str(c) for c in exog_names]
    if columns is not None:
        return [str(c) for c in columns]
    shape = getattr(exog, "shape", None)
    p = 1 if len(shape) == 1 else int(shape[1])
    return [f"x{j + 1}" for j in range(p)]


class _DaskLinearModel:
    """Shared state of the Dask models: the collections, names and the one-pass statistics."""

    def _setup(self, endog, exog, weights, hasconst, exog_names, split_every):
        if exog is None:
            raise ValueError("exog is required for Dask input")
        if getattr(exog, "ndim", 2) == 1 and not hasattr(exog, "columns"):
            exog = exog[:, None]
        self.endog = endog
        self.exog = exog
        self._dask_weights = weights
        self.exog_names = _names(exog, exog_names)
        self._default_names = exog_names is None and not hasattr(exog, "columns")
        # a Dask array's .name is its graph key: only a Series' name is a variable name
        is_series = hasattr(endog, "to_frame")
        self.endog_names = str(endog.name) if is_series and endog.name is not None else "y"
        self.row_labels = None
        self.data_is_pandas = hasattr(exog, "columns")
        self.formula_spec = None
        self.exog_lo = None
        self._hasconst = hasconst
        self.split_every = int(split_every)
        self.weights = None  # the in-memory WLS marker: results must not read an (n,) array
        self.nobs = float("nan")  # known after the pass over the data
        self.const_idx = None
        self.k_constant = 0

    @cached_property
    def stats(self):
        """The one pass over the data (:class:`jitla.distributed.DesignStats`), run on first use."""
        from jitla.distributed import design_stats

        s = design_stats(self.endog, self.exog, self._dask_weights, split_every=self.split_every)
        p = s.col_min.shape[0]
        if p != len(self.exog_names):
            raise ValueError(f"exog has {p} columns but {len(self.exog_names)} names")
        constant = np.flatnonzero((s.col_min == s.col_max) & (s.col_max != 0))
        self.const_idx = int(constant[0]) if constant.size and self._hasconst is not False else None
        self.k_constant = 1 if (self.const_idx is not None or self._hasconst) else 0
        self.nobs = float(s.nobs)
        if self._default_names and self.const_idx is not None:
            # statsmodels' names for unnamed data: "const" for the constant, x1, x2, ... for the rest
            others = iter(range(1, p))
            self.exog_names = ["const" if j == self.const_idx else f"x{next(others)}" for j in range(p)]
        return s

    def loglike_const(self) -> float:
        return 0.5 * self.stats.sum_log_w

    def fit(self, method="qr", *, cov_type="nonrobust", use_t=None, **kwargs):
        """Fit from the chunks' merged R factor (one pass over the data).

        Parameters
        ----------
        method : {"qr"}
            TSQR of ``[X | y]`` is the only method for Dask input.
        cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3"}
            The robust kinds cost a second pass when first used.
        use_t : bool, optional
            As :meth:`OLS.fit`.
        """
        if method != "qr":
            raise ValueError(f"Dask input is fitted by TSQR (method='qr'), not {method!r}")
        if kwargs.get("refine"):
            raise ValueError("refine=True needs the data in memory")
        if kwargs.get("cov_kwds"):
            raise ValueError("cov_kwds (HAC, cluster) are not available for Dask input")
        if cov_type not in _DASK_COV_TYPES:
            raise ValueError(
                f"cov_type must be one of {list(_DASK_COV_TYPES)} for Dask input, got {cov_type!r}"
            )
        from jitla.regression._dask import DaskRegressionResults

        s = self.stats
        p = len(self.exog_names)
        fit = _fit_from_r(
            np.ascontiguousarray(s.R), s.nobs, p, method="qr", refine=False, tol=kwargs.get("tol")
        )
        if fit.rank < fit.aliased.size:
            warn_aliased(self.exog_names, fit.aliased, out_of_range=fit.out_of_range)
        use_t = (cov_type == "nonrobust") if use_t is None else bool(use_t)
        return DaskRegressionResults(self, fit, method="qr", refine=False, cov_type=cov_type, use_t=use_t)

    def ridge_path(self, alphas, *, penalize_constant: bool = False) -> np.ndarray:
        """Ridge coefficients for every alpha from the one-pass R factor: no further pass over the data.

        Minimises ``||W^{1/2} (y - X b)||^2 + alpha ||D b||^2`` with D the
        identity except a zero for the constant column (unpenalised, as
        scikit-learn's ``Ridge(fit_intercept=True)``) unless
        *penalize_constant*.  Each alpha is one QR of the stacked
        ``(2p + 1) x (p + 1)`` matrix ``[R; sqrt(alpha) D | 0]``: R of the
        augmented least-squares problem (Golub & Van Loan, *Matrix
        Computations*, 4th ed., sec. 6.1.4), ``O(p^3)`` flops per alpha.

        Parameters
        ----------
        alphas : (k,) array_like of non-negative floats

        Returns
        -------
        (k, p) ndarray
            One row of coefficients per alpha.
        """
        alphas = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
        if alphas.ndim != 1 or not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
            raise ValueError("alphas must be a 1-D array of finite non-negative numbers")
        s = self.stats
        p = len(self.exog_names)
        d = np.ones(p)
        if self.const_idx is not None and not penalize_constant:
            d[self.const_idx] = 0.0
        out = np.empty((alphas.size, p))
        for k, alpha in enumerate(alphas):
            penalty = np.zeros((p, p + 1))
            penalty[:, :p] = np.diag(np.sqrt(alpha) * d)
            S = np.vstack([s.R[: p + 1, : p + 1], penalty])
            R = qr_r_augmented(np.empty((S.shape[0], 0)), S, nthreads=1)
            fit = _fit_from_r(R, s.nobs + p, p, method="qr", refine=False, tol=None)
            out[k] = fit.params[:, 0]
        return out

    def __repr__(self) -> str:
        return f"<jitla.regression.{self._name} (Dask): exog={self.exog_names}>"


class DaskOLS(_DaskLinearModel, OLS):
    """:class:`OLS` on Dask data (built by ``OLS(y, X)`` when y or X is a Dask collection)."""

    _name = "OLS"

    def __init__(self, endog, exog=None, *, hasconst=None, exog_names=None, split_every=8, **unused):
        if unused.get("exog_lo") is not None:
            raise ValueError("exog_lo is not supported for Dask input")
        self._setup(endog, exog, None, hasconst, exog_names, split_every)


class DaskWLS(_DaskLinearModel, WLS):
    """:class:`WLS` on Dask data; *weights* a Dask collection chunked like the rows (or a scalar)."""

    _name = "WLS"

    def __init__(
        self, endog, exog=None, weights=1.0, *, hasconst=None, exog_names=None, split_every=8, **unused
    ):
        if np.isscalar(weights):
            if not weights > 0:
                raise ValueError("weights must be positive")
            weights = None  # a constant weight changes neither the fit nor (up to scale) the inference
        elif not _is_dask(weights):
            raise ValueError(
                "with Dask data, weights must be a scalar or a Dask collection chunked like the rows"
            )
        self._setup(endog, exog, weights, hasconst, exog_names, split_every)


def robust_cov_kwds(cov_type: str, cov_kwds, n: int) -> dict | None:
    """statsmodels' ``cov_kwds`` for *cov_type*, checked and completed with defaults (None: no options)."""
    if cov_type not in ("HAC", "cluster"):
        if cov_kwds:
            raise ValueError(f"cov_kwds is not used by cov_type={cov_type!r}, got {cov_kwds!r}")
        return None
    kw = dict(cov_kwds or {})
    if cov_type == "HAC":
        allowed = {"maxlags", "kernel", "use_correction"}
        if "maxlags" not in kw:
            raise ValueError("cov_type='HAC' needs cov_kwds={'maxlags': int}")
        maxlags = kw["maxlags"]
        if isinstance(maxlags, bool) or not isinstance(maxlags, (int, np.integer)) or maxlags < 0:
            raise ValueError(f"maxlags must be a non-negative integer, got {maxlags!r}")
        kernel = kw.get("kernel", "bartlett")
        if kernel not in ("bartlett", "uniform"):
            raise ValueError(f"kernel must be 'bartlett' or 'uniform', got {kernel!r}")
        out = {
            "maxlags": int(maxlags),
            "kernel": kernel,
            "use_correction": bool(kw.get("use_correction", False)),
        }
    else:
        allowed = {"groups", "use_correction", "df_correction"}
        if "groups" not in kw:
            raise ValueError("cov_type='cluster' needs cov_kwds={'groups': one label per observation}")
        groups = np.asarray(kw["groups"])
        if groups.ndim != 1 or groups.shape[0] != n:
            raise ValueError(f"groups must be one-dimensional with {n} labels, got shape {groups.shape}")
        labels, codes = np.unique(groups, return_inverse=True)
        if labels.shape[0] < 2:
            raise ValueError("cov_type='cluster' needs at least two groups")
        out = {
            "groups": codes.ravel(),
            "n_groups": int(labels.shape[0]),
            "use_correction": bool(kw.get("use_correction", True)),
            "df_correction": bool(kw.get("df_correction", True)),
        }
    unknown = set(kw) - allowed
    if unknown:
        raise ValueError(f"unknown cov_kwds for cov_type={cov_type!r}: {sorted(unknown)}")
    return out


def ols(
    X,
    y=None,
    *,
    data=None,
    fit_intercept: bool = True,
    weights=None,
    method: str = "qr",
    refine: bool = False,
    tol: float | None = None,
    cov_type: str = "nonrobust",
    cov_kwds: dict | None = None,
):
    """Fit a linear regression in one call: ``ols(X, y)``, ``ols("y ~ x1 + x2", data=df)`` or
    ``ols(["x1", "x2"], "y", data=df)``.

    Parameters
    ----------
    X : array_like, DataFrame, str or list of str
        The design; or a formula (then *data* holds the variables and the
        formula decides the intercept, as in R: ``- 1`` removes it); or,
        with *y* a column name, the names of the regressor columns of
        *data* (:meth:`OLS.from_columns`: nothing is evaluated).
    y : array_like, Series or str, optional
        The response, or its column name in *data* (not with a formula).
    data : DataFrame or dict, optional
        Variables for a formula, or the columns named by *X* and *y*.
    fit_intercept : bool
        Prepend a ``const`` column of ones unless X already has a constant
        column (scikit-learn's switch; the :class:`OLS` class itself, like
        statsmodels, never adds one).
    weights : array_like, optional
        Fit by :class:`WLS` with these weights.
    method, refine, tol, cov_type, cov_kwds
        Passed to :meth:`OLS.fit`.

    Returns
    -------
    RegressionResults

    Warnings
    --------
    Formulas run Python: never pass untrusted strings.  A formula's terms
    are evaluated as Python expressions (formulaic, like patsy and
    statsmodels), so ``ols("y ~ I(exec(...))", data)`` executes code.  For
    names from users, pass column names: ``ols(["x1", "x2"], "y", data=df)``
    looks them up and evaluates nothing.
    """
    kwargs = {"method": method, "refine": refine, "tol": tol, "cov_type": cov_type, "cov_kwds": cov_kwds}
    if isinstance(y, str):
        if data is None:
            raise ValueError("column names need data=: a DataFrame or dict holding the columns")
        extra = {} if weights is None else {"weights": weights}
        model_cls = OLS if weights is None else WLS
        return model_cls.from_columns(data, y, X, add_constant=fit_intercept, **extra).fit(**kwargs)
    if isinstance(X, str):
        if y is not None:
            raise ValueError("give either a formula with data=, or X and y, not both")
        if data is None:
            raise ValueError("a formula needs data=: a DataFrame or dict holding its variables")
        y_f, X_f, spec = _formula_matrices(X, data)
        weights = _rows_of_formula(weights, data, X_f)
        model = OLS(y_f, X_f, _spec=spec) if weights is None else WLS(y_f, X_f, weights, _spec=spec)
        return model.fit(**kwargs)
    if y is None:
        raise ValueError("ols(X, y): the response y is missing")
    if fit_intercept:
        X, owned = _add_constant(X)
    else:
        owned = False
    model = OLS(y, X, _copy=not owned) if weights is None else WLS(y, X, weights, _copy=not owned)
    return model.fit(**kwargs)


def _add_constant(X):
    """``(X with a const column of ones first, owned)`` unless X has a constant column already.

    *owned* is True when the result is a new float64 C array that the model
    may adopt without copying it again (numeric arrays: ``[1 | X]`` is
    written once, straight from the user's X).
    """
    if is_pandas(X):
        frame = X.to_frame() if X.ndim == 1 else X
        if constant_column(np.asarray(frame.to_numpy(dtype=np.float64))) is not None:
            return frame, False
        out = frame.copy()
        out.insert(0, "const", 1.0)
        return out, False
    A = np.asarray(X)
    if A.ndim == 1:
        A = A[:, np.newaxis]
    if A.ndim != 2 or A.dtype.kind not in "biuf":
        return A, False  # the model's validation reports the shape or dtype
    if constant_column(A) is not None:
        return A, False
    out = np.empty((A.shape[0], A.shape[1] + 1))
    out[:, 0] = 1.0
    out[:, 1:] = A
    return out, True
