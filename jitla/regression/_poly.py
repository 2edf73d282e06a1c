"""Polynomial designs: :class:`PolynomialFeatures` (raw monomials) and :func:`poly` (R's orthogonal).

``PolynomialFeatures`` follows scikit-learn's transformer of the same name
(parameters, output column order, ``powers_``, feature names) with one
difference that matters for ill-conditioned fits: every entry is the
*correctly rounded* product of the inputs (double-double arithmetic in the
kernel :func:`jitla.kernels.polynomial.monomials_dd`), where repeated
multiplication is off by up to ``(d - 1) / 2`` ulp at degree d.  Devlog 009
measures what that does to a degree-10 least-squares fit.

``poly`` gives R's ``stats::poly(x, degree)`` (``raw = FALSE``): columns
orthonormal and orthogonal to the constant, with the recurrence coefficients
that evaluate the same polynomials at new points (R's ``predict.poly``).

scikit-learn is optional at run time: when it is importable the transformer
derives from its ``BaseEstimator`` / ``TransformerMixin`` (clone, pipelines,
``set_output``); otherwise a small base class supplies ``get_params``,
``set_params`` and ``fit_transform``.  Input validation is jitla's own and
the same either way (scikit-learn's messages, so its estimator checks pass).
"""

from __future__ import annotations

import numbers
from functools import cached_property
from itertools import chain, combinations, combinations_with_replacement
from typing import NamedTuple

import numpy as np

# scikit-learn's base classes when it is installed, jitla's stand-ins otherwise
from jitla.regression._estimator import BaseEstimator as _Base
from jitla.regression._estimator import NotFittedError, check_feature_names, check_n_features, feature_names
from jitla.regression._estimator import TransformerMixin as _Mixin
from jitla.regression._results import RegressionResults, _frozen

__all__ = ["PolynomialFeatures", "poly", "PolyCoefs", "polyfit", "PolyfitResults"]


# --------------------------------------------------------------------------
# input checks (scikit-learn's messages, jitla's code)
# --------------------------------------------------------------------------
def _check_X(X, who: str) -> np.ndarray:
    """X as a finite C-contiguous writeable float64/float32 2-D array (a copy when needed).

    float32 stays float32 (as scikit-learn's ``FLOAT_DTYPES``); integers,
    booleans and numeric objects become float64.  The caller's array is
    never written to.
    """
    if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(
            f"{who} does not accept sparse input (got {type(X).__name__}); convert it with X.toarray()"
        )
    if hasattr(X, "dtypes") and hasattr(X, "columns"):  # DataFrame: all-float32 stays float32
        kinds = {np.dtype(dt) for dt in X.dtypes} if X.shape[1] else set()
        dtype = np.float32 if kinds == {np.dtype(np.float32)} else np.float64
        A = np.asarray(X, dtype=dtype)
    else:
        A = np.asarray(X)
        if A.dtype.kind == "c":
            raise ValueError(f"Complex data not supported\n{A}\n")
        dtype = np.float32 if A.dtype == np.float32 else np.float64
        A = A.astype(dtype, copy=False)
    if A.ndim == 0:
        raise ValueError(
            f"Expected 2D array, got scalar array instead:\narray={A}.\n"
            "Reshape your data either using array.reshape(-1, 1) if your data has a single "
            "feature or array.reshape(1, -1) if it contains a single sample."
        )
    if A.ndim == 1:
        raise ValueError(
            f"Expected 2D array, got 1D array instead:\narray={A}.\n"
            "Reshape your data either using array.reshape(-1, 1) if your data has a single "
            "feature or array.reshape(1, -1) if it contains a single sample."
        )
    if A.ndim > 2:
        raise ValueError(f"Found array with dim {A.ndim}. {who} expected <= 2.")
    n, m = A.shape
    if n < 1:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={A.shape}) while a minimum of 1 is required by {who}."
        )
    if m < 1:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={A.shape}) while a minimum of 1 is required by {who}."
        )
    if not np.isfinite(A).all():
        what = "NaN" if np.isnan(A).any() else f"infinity or a value too large for {A.dtype!r}"
        raise ValueError(f"Input X contains {what}.")
    A = np.ascontiguousarray(A)
    if not A.flags.writeable:  # Numba would compile a separate read-only specialisation
        A = A.copy()
    return A


def _check_degree(degree, include_bias):
    """``(min_degree, max_degree)`` from an int or a tuple, scikit-learn's rules and messages."""
    if isinstance(degree, numbers.Integral) and not isinstance(degree, bool):
        if degree < 0:
            raise ValueError(
                f"degree must be a non-negative integer or tuple (min_degree, max_degree), got {degree}."
            )
        lo, hi = 0, int(degree)
    elif (
        isinstance(degree, tuple)
        and len(degree) == 2
        and all(isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in degree)
    ):
        lo, hi = int(degree[0]), int(degree[1])
        if not 0 <= lo <= hi:
            raise ValueError(
                "degree=(min_degree, max_degree) must be non-negative integers that fulfil "
                f"min_degree <= max_degree, got {degree}."
            )
    else:
        raise ValueError(
            f"degree must be a non-negative integer or tuple (min_degree, max_degree), got {degree}."
        )
    if hi == 0 and not include_bias:
        raise ValueError(
            "Setting degree to zero and include_bias to False would result in an empty output array."
        )
    return lo, hi


# --------------------------------------------------------------------------
# PolynomialFeatures
# --------------------------------------------------------------------------
class PolynomialFeatures(_Mixin, _Base):
    """Polynomial and interaction features, each entry correctly rounded.

    The design ``[1, x0, x1, x0^2, x0 x1, x1^2, ...]`` of scikit-learn's
    ``PolynomialFeatures``, with the same parameters, column order and
    attributes.  Unlike repeated multiplication, every entry is the exact
    product of the inputs rounded once (0.5 ulp): see Notes.

    Parameters
    ----------
    degree : int or tuple (min_degree, max_degree), default 2
        Maximum degree, or the range of degrees of the generated monomials.
        ``min_degree`` 0 and 1 are equivalent: the constant column is
        controlled by *include_bias* alone.
    interaction_only : bool, default False
        Only products of distinct features (no ``x0^2``).
    include_bias : bool, default True
        Start with a column of ones.
    order : {"C", "F"}, default "C"
        Memory order of the output.

    Attributes
    ----------
    n_features_in_ : int
        Number of input features seen by ``fit``.
    feature_names_in_ : (n_features_in_,) object ndarray
        Column names of a pandas DataFrame passed to ``fit`` (all strings);
        absent otherwise.
    n_output_features_ : int
        Number of output columns.
    powers_ : (n_output_features_, n_features_in_) int64 ndarray
        ``powers_[j, i]`` is the exponent of feature i in output column j.

    Notes
    -----
    Columns are ordered as scikit-learn's: the bias, then for each degree
    the index tuples of ``itertools.combinations_with_replacement`` (or
    ``combinations`` when *interaction_only*).  Each monomial is one
    previous monomial times one feature; the kernel
    :func:`jitla.kernels.polynomial.monomials_dd` carries every product as
    a double-double (Dekker's TwoProduct; Ogita, Rump & Oishi 2005,
    Algorithm 3.3) and rounds it once, so each entry is within
    ``0.5 ulp + 3 d u**2`` relative of the exact product (``u = 2**-53``)
    and equal to the correctly rounded value except in the near-tie cases
    that bound allows.  float32 input gives float32 output, rounded once
    from the same double-double values.  Cost: about 23 flops per output
    entry (repeated multiplication: 1).

    Examples
    --------
    >>> import numpy as np
    >>> pf = PolynomialFeatures(2).fit(np.zeros((1, 2)))
    >>> list(pf.get_feature_names_out())
    ['1', 'x0', 'x1', 'x0^2', 'x0 x1', 'x1^2']
    """

    def __init__(self, degree=2, *, interaction_only=False, include_bias=True, order="C"):
        self.degree = degree
        self.interaction_only = interaction_only
        self.include_bias = include_bias
        self.order = order

    # -- the monomial list --------------------------------------------------
    @staticmethod
    def _combinations(m, min_degree, max_degree, interaction_only, include_bias):
        """Index tuples of the output columns, in scikit-learn's order."""
        comb = combinations if interaction_only else combinations_with_replacement
        start = max(1, min_degree)
        degrees = ([0] if include_bias else []) + list(range(start, max_degree + 1))
        return chain.from_iterable(comb(range(m), d) for d in degrees)

    def _tree(self):
        """``(parent, factor, column)`` arrays for the kernel (monomials by degree)."""
        m = self.n_features_in_
        _, max_degree = self._degrees
        comb = combinations if self.interaction_only else combinations_with_replacement
        index = {}
        for d in range(max_degree + 1):
            for c in comb(range(m), d):
                index[c] = len(index)
        parent = np.full(len(index), -1, np.int64)
        factor = np.full(len(index), -1, np.int64)
        for c, k in index.items():
            if c:
                parent[k] = index[c[:-1]]
                factor[k] = c[-1]
        column = np.full(len(index), -1, np.int64)
        for j, c in enumerate(self._combos):
            column[index[c]] = j
        return parent, factor, column

    # -- fit / transform ----------------------------------------------------
    def fit(self, X, y=None):
        """Record the number (and names) of the input features and the output columns.

        Parameters
        ----------
        X : (n, m) array_like or DataFrame
            Finite real values; only its shape and column names are used.
        y : ignored

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Bad *degree* or *order*, X not 2-D, empty, complex or not finite.
        TypeError
            Sparse X, non-numeric entries, or a mix of string and other column names.
        """
        names = feature_names(X)
        A = _check_X(X, type(self).__name__)
        self._degrees = _check_degree(self.degree, self.include_bias)
        if self.order not in ("C", "F"):
            raise ValueError(
                f"The 'order' parameter of PolynomialFeatures must be 'C' or 'F', got {self.order!r}."
            )
        self.n_features_in_ = A.shape[1]
        if names is None:
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        else:
            self.feature_names_in_ = names
        self._combos = list(
            self._combinations(
                A.shape[1], *self._degrees, bool(self.interaction_only), bool(self.include_bias)
            )
        )
        self.n_output_features_ = len(self._combos)
        powers = np.zeros((self.n_output_features_, A.shape[1]), dtype=np.int64)
        for j, c in enumerate(self._combos):
            for i in c:
                powers[j, i] += 1
        self.powers_ = powers
        return self

    def _validated(self, X) -> np.ndarray:
        """X checked against the fit (fitted, names, number of features), as :func:`_check_X`."""
        if not hasattr(self, "powers_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with "
                "appropriate arguments before using this estimator."
            )
        check_feature_names(self, feature_names(X))
        A = _check_X(X, type(self).__name__)
        check_n_features(self, A.shape[1])
        return A

    def transform(self, X):
        """The polynomial design of X, every entry correctly rounded.

        Parameters
        ----------
        X : (n, n_features_in_) array_like or DataFrame
            Not modified.

        Returns
        -------
        (n, n_output_features_) ndarray
            float32 for float32 input, else float64; C order unless
            ``order="F"``.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ValueError
            Wrong number of features, feature names other than fit's, or X
            not 2-D, empty, complex or not finite.
        """
        from jitla.linalg._checked import monomials

        A = self._validated(X)
        out = monomials(A, *self._tree(), self.n_output_features_)
        return np.asfortranarray(out) if self.order == "F" else out

    def transform_split(self, X):
        """``(hi, lo)``: the design of X as an unevaluated double-double sum ``hi + lo``.

        ``hi`` equals :meth:`transform` (each entry the correctly rounded
        exact product) and ``lo`` holds the part of each exact product that
        float64 cannot (``|lo| <= ulp(hi) / 2``).  Pass both to
        ``OLS(y, hi, exog_lo=lo).fit(refine=True)`` (or use :func:`polyfit`)
        to fit the exact design, not its rounding.  Always float64.
        """
        from jitla.linalg._checked import monomials_split

        A = self._validated(X).astype(np.float64, copy=False)
        return monomials_split(A, *self._tree(), self.n_output_features_)

    def get_feature_names_out(self, input_features=None):
        """Output column names: ``"1"``, ``"x0"``, ``"x0^2"``, ``"x0 x1"`` (scikit-learn's).

        Parameters
        ----------
        input_features : sequence of str, optional
            Names of the inputs; default ``feature_names_in_`` if fitted on
            a DataFrame, else ``"x0", "x1", ...``.

        Returns
        -------
        (n_output_features_,) object ndarray of str

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ValueError
            *input_features* of the wrong length or unlike ``feature_names_in_``.
        """
        if not hasattr(self, "powers_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with "
                "appropriate arguments before using this estimator."
            )
        fitted = getattr(self, "feature_names_in_", None)
        if input_features is None:
            names = list(fitted) if fitted is not None else [f"x{i}" for i in range(self.n_features_in_)]
        else:
            names = [str(f) for f in input_features]
            if len(names) != self.n_features_in_:
                raise ValueError("input_features should have length equal to number of features")
            if fitted is not None and not np.array_equal(np.asarray(names, dtype=object), fitted):
                raise ValueError("input_features is not equal to feature_names_in_")
        out = []
        for row in self.powers_:
            terms = [names[i] if p == 1 else f"{names[i]}^{p}" for i, p in enumerate(row) if p > 0]
            out.append(" ".join(terms) if terms else "1")
        return np.asarray(out, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


# --------------------------------------------------------------------------
# polynomial regression on a design carried in double-double (devlog 009)
# --------------------------------------------------------------------------
class PolyfitResults(RegressionResults):
    """:func:`polyfit`'s results: a :class:`RegressionResults` whose parameters are in *ascending* powers.

    ``params[j]`` is the coefficient of ``x^j`` (names ``const, x, x^2, ...``
    in ``model.exog_names`` and the summary), as in
    ``numpy.polynomial.Polynomial`` and statsmodels -- the reverse of
    ``numpy.polyfit``, which returns the highest power first.
    :attr:`polynomial` gives the fit as a ``numpy.polynomial.Polynomial``,
    which evaluates and converts without thinking about the order.
    """

    # With refine=True the coefficients are those of the exact powers of x (the double-double
    # design); residuals, s, R^2 and the classical covariance are then computed against the same
    # design, so they carry as many digits as the coefficients (devlog 045).
    @cached_property
    def _split(self):
        """``(A_hi, A_lo, d)``: the double-double design on columns scaled by powers of two, or None."""
        m = self.model
        lo = getattr(m, "exog_lo", None)
        if not self.refine or lo is None or self.rank < self._params.size or m.weights is not None:
            return None
        d = np.exp2(np.round(np.log2(np.linalg.norm(m.exog, axis=0))))
        return np.ascontiguousarray(m.exog / d), np.ascontiguousarray(lo / d), d

    @cached_property
    def _refined_resid(self):
        # the refinement's own residual: y - A fl(x) from the rounded coefficients would carry
        # A (x - fl(x)), which can exceed the residual of a close fit
        from jitla.regression._fit import lstsq_split

        A_hi, A_lo, _ = self._split
        y = np.ascontiguousarray(self.model.endog, dtype=np.float64)
        return _frozen(lstsq_split(A_hi, A_lo, y, return_resid=True)[1])

    @cached_property
    def resid(self):
        """``endog - fittedvalues``, against the double-double design when refined."""
        if self._split is None:
            return RegressionResults.resid.func(self)
        return self._by_row(self._refined_resid.copy())

    @cached_property
    def wresid(self) -> np.ndarray:
        """Residuals (unweighted model): the refined ones when refined."""
        if self._split is None:
            return RegressionResults.wresid.func(self)
        return self._refined_resid

    @cached_property
    def _gram_inverse_s(self) -> np.ndarray:
        """``D (A^T A)^{-1} D`` in the results' equilibration D, refined against the split design."""
        from jitla.regression._fit import gram_inverse_split

        A_hi, A_lo, d = self._split
        G = gram_inverse_split(A_hi, A_lo) / d[:, np.newaxis] / d[np.newaxis, :]
        D = self._d
        return _frozen(G * D[:, np.newaxis] * D[np.newaxis, :])

    @cached_property
    def _rinv_sq(self) -> np.ndarray:
        if self._split is None:
            return RegressionResults._rinv_sq.func(self)
        return _frozen(np.diag(self._gram_inverse_s).copy())

    def _cov_s(self, kind=None):
        kind = self.cov_type if kind is None else kind
        if kind == "nonrobust" and self._split is not None:
            return self.scale * self._gram_inverse_s
        return super()._cov_s(kind)

    @cached_property
    def polynomial(self) -> np.polynomial.Polynomial:
        """The fitted polynomial, ``Polynomial(params)`` (lowest power first; NaN for aliased powers).

        ``res.polynomial(x_new)`` evaluates it; ``res.polynomial.coef[::-1]``
        is ``numpy.polyfit``'s order.
        """
        return np.polynomial.Polynomial(np.asarray(self._params, dtype=np.float64).copy())


def polyfit(x, y, degree: int, *, refine: bool = True, method: str = "qr"):
    """Fit ``y ~ 1 + x + ... + x^degree`` in raw powers, accurately (jitla builds the design).

    Unlike ``numpy.polyfit(x, y, deg)``, which returns the coefficients
    highest power first, the parameters come lowest power first (``const,
    x, x^2, ...``, named so in the results); ``res.polynomial`` is the fit as
    a ``numpy.polynomial.Polynomial``.

    Parameters
    ----------
    x, y : (n,) array_like
        Predictor and response.  Not modified.
    degree : int
        Polynomial degree (the design has ``degree + 1`` columns: const, x,
        x^2, ...).
    refine : bool
        Extra-precise refinement against the design *in double-double*
        (:meth:`PolynomialFeatures.transform_split`): the coefficients are
        those of the exact powers of the given x, not of their float64
        roundings.  Default True.
    method : str
        Solver of the first solution (see :meth:`jitla.regression.OLS.fit`).

    Returns
    -------
    PolyfitResults
        A :class:`RegressionResults` with parameters named ``const, x,
        x^2, ...`` (ascending powers) and a ``polynomial`` attribute;
        inference from the QR of the float64 design.

    Notes
    -----
    Why this exists: a raw-power design is ill-conditioned componentwise
    (a degree-10 fit on x in [-9, -3]: componentwise condition ~5e9), so
    rounding each x^k once -- correctly -- already moves the exact
    least-squares solution by ~1e-8 relative; no solver working on a
    float64 design can recover more than ~8 digits of the fit to the
    exact data.  Keeping the lost low parts and computing refinement
    residuals with them does (devlog 009).  Flops: the design ~4 n
    degree (double-double products), QR ``2 n d^2``, each refinement step
    ~100 n d.
    """
    from jitla.regression._model import OLS

    xs = np.asarray(x, dtype=np.float64)
    if xs.ndim != 1:
        raise ValueError(f"x must be one-dimensional, got shape {xs.shape}")
    if isinstance(degree, bool) or not isinstance(degree, numbers.Integral) or degree < 0:
        raise ValueError(f"degree must be a non-negative integer, got {degree!r}")
    pf = PolynomialFeatures(int(degree), include_bias=True).fit(xs[:, np.newaxis])
    hi, lo = pf.transform_split(xs[:, np.newaxis])
    names = ["const"] + [name.replace("x0", "x") for name in pf.get_feature_names_out()[1:]]
    model = OLS(y, hi, exog_lo=lo, exog_names=names)
    res = model.fit(method=method, refine=refine)
    return PolyfitResults(
        model,
        res._fit,
        method=method,
        refine=refine,
        cov_type=res.cov_type,
        use_t=res.use_t,
        cov_kwds=res.cov_kwds,
    )


# --------------------------------------------------------------------------
# poly: R's orthogonal polynomials
# --------------------------------------------------------------------------
class PolyCoefs(NamedTuple):
    """Recurrence coefficients of :func:`poly` (R's ``attr(poly(x, d), "coefs")``).

    Attributes
    ----------
    alpha : (degree,) float64 ndarray
        ``alpha[0] = mean(x)``, ``alpha[j] = sum(x P_j^2) / sum(P_j^2)``.
    norm2 : (degree + 2,) float64 ndarray
        ``[1, n, ||P_1||^2, ..., ||P_degree||^2]``.
    """

    alpha: np.ndarray
    norm2: np.ndarray


def poly(x, degree: int = 1, *, coefs: PolyCoefs | None = None):
    """Orthogonal polynomials of degree 1 ... degree on the points x (R's ``stats::poly``).

    Parameters
    ----------
    x : (n,) array_like
        Real, finite values.  Not modified.
    degree : int, default 1
        Highest degree, ``>= 1``; without *coefs* it must be below the
        number of distinct values of x.
    coefs : PolyCoefs, optional
        The coefficients a previous ``poly`` call returned: evaluate those
        polynomials at *x* (R's ``predict(poly(x, degree), x_new)``).

    Returns
    -------
    Z : (n, degree) float64 ndarray
        Column j is ``P_{j+1}(x) / ||P_{j+1}||``: on the fitting points the
        columns are orthonormal and orthogonal to the constant, and
        columns ``1 ... k`` span the same space as ``x - mean(x), ...,
        (x - mean(x))^k`` after removing the constant (R's definition, up to
        the sign convention, which is R's: the leading coefficient of each
        polynomial is positive).
    coefs : PolyCoefs
        ``(alpha, norm2)``, R's layout (*coefs* itself when given).

    Raises
    ------
    ValueError
        x not 1-D, empty, not finite or complex; *degree* not a positive
        integer; ``degree >=`` the number of distinct points ("'degree'
        must be less than number of unique points", R's message);
        *coefs* that do not match *degree*.

    Notes
    -----
    Built by the three-term recurrence (Stieltjes' procedure; Forsythe,
    J. SIAM 5(2), 1957, Sec. 3; Kennedy & Gentle, *Statistical Computing*,
    1980, Sec. 8.4): ``P_0 = 1``, ``P_1 = x - alpha_0``,
    ``P_{j+1} = (x - alpha_j) P_j - (norm2[j+1] / norm2[j]) P_{j-1}``, in
    :func:`jitla.kernels.polynomial.stieltjes`; new points go through the
    same recurrence (:func:`jitla.kernels.polynomial.three_term_eval`).
    R builds the fitting columns by a QR factorisation of the centred
    Vandermonde matrix instead and uses the recurrence only for
    ``predict``; both define the same polynomials (the tests compare with
    a QR oracle).  O(n degree) flops, no Vandermonde matrix.
    """
    if isinstance(degree, bool) or not isinstance(degree, numbers.Integral) or degree < 1:
        raise ValueError(f"'degree' must be a positive integer, got {degree!r}")
    degree = int(degree)
    t = np.asarray(x)
    if t.dtype.kind == "c":
        raise ValueError("poly: complex x is not supported")
    t = np.array(t, dtype=np.float64, order="C", copy=True)
    if t.ndim != 1:
        raise ValueError(f"x must be one-dimensional, got an array of shape {t.shape}")
    if t.size == 0:
        raise ValueError("x must not be empty")
    if not np.isfinite(t).all():
        raise ValueError("missing values are not allowed in 'poly'")
    from jitla.linalg._checked import orthopoly_eval, orthopoly_fit

    if coefs is None:
        if degree >= np.unique(t).size:
            raise ValueError("'degree' must be less than number of unique points")
        _, alpha, norm2 = orthopoly_fit(t, degree)
        coefs = PolyCoefs(alpha, norm2)
    else:
        alpha = np.ascontiguousarray(coefs.alpha, dtype=np.float64)
        norm2 = np.ascontiguousarray(coefs.norm2, dtype=np.float64)
        if alpha.shape != (degree,) or norm2.shape != (degree + 2,):
            raise ValueError(
                f"coefs are for degree {alpha.shape[0]} (alpha {alpha.shape}, "
                f"norm2 {norm2.shape}), not {degree}"
            )
    return orthopoly_eval(t, alpha, norm2), coefs
