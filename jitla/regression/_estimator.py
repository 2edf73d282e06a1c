"""scikit-learn compatibility without a run-time dependency on scikit-learn.

When scikit-learn is installed, jitla's estimators derive from its
``BaseEstimator`` (``clone``, pipelines, ``GridSearchCV``, tags, the HTML
repr); without it a small stand-in provides ``get_params`` / ``set_params``.
Input checks are jitla's own and follow scikit-learn's rules and messages
(``validate_data``): feature names from DataFrames, ``n_features_in_``,
"Reshape your data", NaN/inf, complex, sparse, empty inputs.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

from jitla._validate import writeable_view
from jitla.regression._data import is_pandas

__all__ = [
    "BaseEstimator",
    "RegressorMixin",
    "TransformerMixin",
    "NotFittedError",
    "check_X",
    "check_y",
    "check_is_fitted",
    "check_sample_weight",
    "HAVE_SKLEARN",
]

try:
    from sklearn.base import BaseEstimator, RegressorMixin, TransformerMixin
    from sklearn.exceptions import NotFittedError

    HAVE_SKLEARN = True
except ImportError:  # pragma: no cover - exercised only without scikit-learn
    HAVE_SKLEARN = False

    class NotFittedError(ValueError, AttributeError):
        """The estimator is used before ``fit`` (scikit-learn's exception)."""

    class BaseEstimator:
        """Minimal stand-in for ``sklearn.base.BaseEstimator``: parameters from ``__init__``."""

        @classmethod
        def _get_param_names(cls):
            sig = inspect.signature(cls.__init__)
            return sorted(
                p.name for p in sig.parameters.values() if p.name != "self" and p.kind != p.VAR_KEYWORD
            )

        def get_params(self, deep=True):
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params):
            valid = self._get_param_names()
            for key, value in params.items():
                if key not in valid:
                    raise ValueError(f"Invalid parameter {key!r} for estimator {type(self).__name__}")
                setattr(self, key, value)
            return self

        def __repr__(self):
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
            return f"{type(self).__name__}({args})"

    class RegressorMixin:
        """``score`` = coefficient of determination R^2 of ``predict(X)``."""

        _estimator_type = "regressor"

        def score(self, X, y, sample_weight=None):
            y = np.asarray(y, dtype=np.float64)
            pred = self.predict(X)
            w = np.ones(y.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
            ss_res = (w[:, None] * (y - pred).reshape(y.shape[0], -1) ** 2).sum(axis=0)
            dev = y.reshape(y.shape[0], -1) - np.average(y.reshape(y.shape[0], -1), axis=0, weights=w)
            ss_tot = (w[:, None] * dev**2).sum(axis=0)
            return float(np.mean(1.0 - ss_res / ss_tot))

    class TransformerMixin:
        """``fit_transform`` = ``fit`` then ``transform``."""

        def fit_transform(self, X, y=None, **fit_params):
            return self.fit(X, y, **fit_params).transform(X)


def check_is_fitted(est, attribute: str = "n_features_in_") -> None:
    """``NotFittedError`` with scikit-learn's message when *est* has not been fitted."""
    if not hasattr(est, attribute):
        raise NotFittedError(
            f"This {type(est).__name__} instance is not fitted yet. Call 'fit' with appropriate "
            "arguments before using this estimator."
        )


def feature_names(X):
    """String column names of a DataFrame-like X as an object array, else None.

    A mix of string and other names raises ``TypeError`` (scikit-learn's rule).
    """
    columns = getattr(X, "columns", None)
    if columns is None:
        return None
    names = np.asarray(columns, dtype=object)
    is_str = [isinstance(name, str) for name in names]
    if all(is_str) and len(names) > 0:
        return names
    if any(is_str):
        kinds = sorted({type(name).__name__ for name in names})
        raise TypeError(
            "Feature names are only supported if all input features have string names, "
            f"but your input has {kinds} as feature name / column name types. Convert "
            "the feature names to strings, e.g. X.columns = X.columns.astype(str)."
        )
    return None


def check_feature_names(est, given) -> None:
    """scikit-learn's feature-name consistency rules between ``fit`` and later calls.

    *given* is :func:`feature_names` of the new X.  Names on one side only
    warn; different names (or order) raise ``ValueError``.
    """
    fitted = getattr(est, "feature_names_in_", None)
    who = type(est).__name__
    if fitted is None and given is None:
        return
    if fitted is None:
        warnings.warn(
            f"X has feature names, but {who} was fitted without feature names", UserWarning, stacklevel=4
        )
        return
    if given is None:
        warnings.warn(
            f"X does not have valid feature names, but {who} was fitted with feature names",
            UserWarning,
            stacklevel=4,
        )
        return
    if len(fitted) == len(given) and np.all(fitted == given):
        return
    message = "The feature names should match those that were passed during fit.\n"
    unseen = [name for name in given if name not in set(fitted)]
    missing = [name for name in fitted if name not in set(given)]
    if not unseen and not missing:
        message += "Feature names must be in the same order as they were in fit.\n"
    if unseen:
        message += "Feature names unseen at fit time:\n" + "".join(f"- {name}\n" for name in unseen[:5])
    if missing:
        message += "Feature names seen at fit time, yet now missing:\n" + "".join(
            f"- {name}\n" for name in sorted(missing)[:5]
        )
    raise ValueError(message)


def _check_finite(A: np.ndarray, what: str) -> None:
    """NaN/inf error with scikit-learn's messages; one summing pass when all is finite.

    A sum is finite exactly when no entry is NaN or inf, unless finite
    entries overflow it; only then (or when the data are bad) the entries are
    examined one by one (scikit-learn's own fast path).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(A, axis=None)
    if A.size and np.isfinite(total):
        return
    if np.isnan(A).any():
        raise ValueError(f"Input {what} contains NaN.")
    if not np.isfinite(A).all():
        raise ValueError(f"Input {what} contains infinity or a value too large for dtype('float64').")


def _as_float_2d(X, what: str = "X", copy: bool = True) -> np.ndarray:
    if X is None:
        raise ValueError(f"Expected array-like (array or non-string sequence), got None for {what}")
    if hasattr(X, "toarray") and "sparse" in type(X).__module__:
        raise TypeError(
            f"Sparse data was passed for {what}, but dense data is required: jitla's kernels are "
            "dense; use X.toarray()"
        )
    A = X.to_numpy() if is_pandas(X) else np.asarray(X)
    if A.dtype.kind == "c":
        raise ValueError("Complex data not supported")
    if A.dtype.kind in "USV":
        # numpy would parse "1.5" into 1.5; scikit-learn refuses string arrays outright
        raise ValueError(
            "dtype='numeric' is not compatible with arrays of bytes/strings."
            "Convert your data to numeric values explicitly instead."
        )
    if A.ndim == 0:
        raise ValueError(f"Expected 2D array, got scalar array instead: {what}={A!r}.")
    if A.ndim == 1:
        raise ValueError(
            f"Expected 2D array, got 1D array instead:\n{what}={A!r}.\n"
            "Reshape your data either using array.reshape(-1, 1) if your data has a single feature "
            "or array.reshape(1, -1) if it contains a single sample."
        )
    if A.ndim > 2:
        raise ValueError(f"Found array with dim {A.ndim}, while dim <= 2 is required.")
    if copy:
        out = np.array(A, dtype=np.float64, order="C", copy=True)  # object arrays of numbers convert here
    else:
        # the caller's own array when already float64, never written; a read-only one (a DataFrame's
        # values under copy-on-write) through a writeable view: one kernel specialisation for both
        out = writeable_view(np.asarray(A, dtype=np.float64))
    _check_finite(out, what)
    n, p = out.shape
    if n < 1:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={out.shape}) while a minimum of 1 is required."
        )
    if p < 1:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={out.shape}) while a minimum of 1 is required."
        )
    return out


def check_X(est, X, *, reset: bool, copy: bool = True) -> np.ndarray:
    """Validate X as scikit-learn's ``validate_data`` does; float64 C-contiguous copy.

    ``reset=True`` (fit) records ``n_features_in_`` and ``feature_names_in_``;
    ``reset=False`` (predict/transform) checks them.  ``copy=False`` returns
    a float64 array of any layout that may be the caller's own: for callers
    that only read it (saves a pass over a large X).
    """
    names = feature_names(X)
    A = _as_float_2d(X, copy=copy)
    if reset:
        est.n_features_in_ = A.shape[1]
        if names is not None:
            est.feature_names_in_ = names
        elif hasattr(est, "feature_names_in_"):
            del est.feature_names_in_
        return A
    check_feature_names(est, names)
    check_n_features(est, A.shape[1])
    return A


def check_n_features(est, p: int) -> None:
    """scikit-learn's message when X's width differs from ``n_features_in_``."""
    if p != est.n_features_in_:
        raise ValueError(
            f"X has {p} features, but {type(est).__name__} is expecting "
            f"{est.n_features_in_} features as input."
        )


def check_y(y, n: int) -> np.ndarray:
    """The target as a float64 (n,) or (n, k) copy, with scikit-learn's messages."""
    if y is None:
        raise ValueError("This estimator requires y to be passed, but the target y is None.")
    Y = y.to_numpy() if is_pandas(y) else np.asarray(y)
    if Y.dtype.kind == "c":
        raise ValueError("Complex data not supported")
    Y = np.array(Y, dtype=np.float64, copy=True)
    if Y.ndim == 0 or Y.ndim > 2:
        raise ValueError(
            f"y should be a 1d array or a 2d array of targets, got an array of shape {Y.shape} instead."
        )
    _check_finite(Y, "y")
    if Y.shape[0] != n:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: [{n}, {Y.shape[0]}]")
    return Y


def check_sample_weight(sample_weight, n: int) -> np.ndarray | None:
    """(n,) float64 weights (None stays None).

    Negative or non-finite weights, or weights that are all zero, raise ``ValueError``.
    """
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight.to_numpy() if is_pandas(sample_weight) else sample_weight, dtype=np.float64)
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.ndim != 1:
        raise ValueError(f"Sample weights must be 1D array or scalar, got shape {w.shape}")
    if w.shape[0] != n:
        raise ValueError(f"sample_weight.shape == {w.shape}, expected ({n},)!")
    if not np.isfinite(w).all():
        raise ValueError("Input sample_weight contains NaN or infinity.")
    if (w < 0).any():
        raise ValueError("Negative values in data passed to `sample_weight`")
    if not (w > 0).any():
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return w.copy()
