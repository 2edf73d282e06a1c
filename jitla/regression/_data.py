"""Input handling for the regression layer: arrays or pandas in, float64 arrays and names out.

Everything the user passes is validated and copied here, once, so that the
model and results objects own their data and the user's objects are never
modified.  pandas is optional: it is only imported to recognise pandas
objects the user already has (``type(x).__module__`` tells us so first).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from jitla._validate import writeable_view
from jitla.linalg._checked import scan_design

__all__ = ["MissingDataError", "Data", "as_endog_exog", "as_weights", "is_pandas", "exog_names_for"]


class MissingDataError(ValueError):
    """NaN or inf in the data (statsmodels' name and message: "exog contains inf or nans")."""


def is_pandas(obj) -> bool:
    """True for a pandas Series or DataFrame (without importing pandas)."""
    # isinstance also sees subclasses and proxies (formulaic's ModelMatrix wraps a DataFrame);
    # if pandas was never imported, the object cannot be a pandas object
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, (pd.Series, pd.DataFrame))


def _all_finite(values: np.ndarray) -> bool:
    """No NaN or inf in *values*, without an array-sized temporary in the common case.

    A sum is finite exactly when no entry is NaN or inf, unless finite
    entries overflow it; only then is each entry examined (scikit-learn's
    fast path).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.add.reduce(values, axis=None)):
            return True
    return bool(np.isfinite(values).all())


def _scan_finite(values: np.ndarray, what: str) -> int | None:
    """MissingDataError for a NaN or inf in *values*; else the first constant non-zero column (2-D), or None.

    One pass for both answers (:func:`jitla.linalg._checked.scan_design`)
    on C-ordered 1-D and 2-D arrays; other shapes are only checked
    (:func:`_all_finite`), their shape errors come later.
    """
    if values.ndim in (1, 2) and values.flags.c_contiguous and values.dtype == np.float64:
        found = scan_design(values)
        bad = found == -2
    else:
        found = -1
        bad = not _all_finite(values)
    if bad:
        raise MissingDataError(f"{what} contains inf or nans")
    return found if found >= 0 else None


def _numeric_values(obj, what: str, copy: bool = True, check_finite: bool = True) -> np.ndarray:
    """A float64 ndarray copy of *obj* (or *obj* itself, when float64, C-ordered and copy=False)."""
    if is_pandas(obj):
        frame = obj.to_frame() if obj.ndim == 1 else obj
        bad = [str(c) for c, t in frame.dtypes.items() if t.kind not in "biuf"]
        if bad:
            raise ValueError(
                f"{what} has non-numeric column(s) {bad}; regression needs numbers "
                "(encode categories first, e.g. with a formula term C(name))"
            )
        values = obj.to_numpy(dtype=np.float64, copy=True)
    else:
        arr = np.asarray(obj)
        if arr.dtype.kind == "c":
            raise TypeError(f"{what} is complex ({arr.dtype}); regression needs real numbers")
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"{what} has dtype {arr.dtype}, which is not numeric; regression needs numbers")
        values = np.array(arr, dtype=np.float64, order="C", copy=True if copy else None)
        if not copy:
            values = writeable_view(values)  # read-only input: no second kernel specialisation
    if check_finite and not _all_finite(values):
        raise MissingDataError(f"{what} contains inf or nans")
    return values


_UNKNOWN = object()


def exog_names_for(exog: np.ndarray, const=_UNKNOWN) -> list[str]:
    """statsmodels' default names: ``const`` for a constant column, ``x1, x2, ...`` for the others.

    *const*, when the caller knows it, is the index of the first constant
    column (None for none); otherwise :func:`constant_column` finds it.
    """
    p = exog.shape[1]
    if const is _UNKNOWN:
        const = constant_column(exog)
    names = [f"x{i}" for i in range(1, p + (0 if const is not None else 1))]
    if const is not None:
        names.insert(const, "const")
    return names


def constant_column(exog: np.ndarray) -> int | None:
    """Index of the first column that is constant and non-zero, else None."""
    if exog.shape[0] == 0:
        return None
    # max == min per column: two reductions, no (n, p) temporary
    same = (exog.max(axis=0) == exog.min(axis=0)) & (exog[0] != 0)
    hits = np.flatnonzero(same)
    return int(hits[0]) if hits.size else None


@dataclass(frozen=True)
class Data:
    """Validated regression data: float64 C-contiguous copies plus names.

    Attributes
    ----------
    endog : (n,) ndarray
    exog : (n, p) ndarray
    endog_name : str
    exog_names : list of str
    row_labels : pandas Index or None
        The index of the user's pandas data (results wrap their series in it).
    const_idx : int or None
        The first column of exog that is constant and non-zero
        (:func:`constant_column`).
    """

    endog: np.ndarray
    exog: np.ndarray
    endog_name: str
    exog_names: list
    row_labels: object = None
    const_idx: int | None = None


def as_endog_exog(endog, exog, *, min_rows_for_columns: bool = True, copy: bool = True) -> Data:
    """Validate and copy ``(endog, exog)`` as statsmodels' models take them.

    ``copy=False`` adopts a float64 C-ordered exog as it is (for an array
    the caller built for the model and will not touch again).

    Raises
    ------
    ValueError
        Mismatched lengths, non-numeric columns, a 2-D endog with more than
        one column, fewer observations than columns, no columns.
    MissingDataError
        NaN or inf anywhere.
    TypeError
        Complex data.
    """
    if endog is None or exog is None:
        raise ValueError("endog and exog are both required (statsmodels argument order: OLS(endog, exog))")
    y = _numeric_values(endog, "endog", check_finite=False)
    _scan_finite(y, "endog")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0].copy()
    if y.ndim != 1:
        raise ValueError(f"endog must be one-dimensional (one response), got shape {y.shape}")
    X = _numeric_values(exog, "exog", copy=copy, check_finite=False)
    if X.ndim == 1:
        X = X[:, np.newaxis].copy()
    # C order first (a DataFrame's values may be F-ordered), then one pass: finiteness and the constant
    X = np.ascontiguousarray(X)
    const = _scan_finite(X, "exog")
    if X.ndim != 2:
        raise ValueError(f"exog must be two-dimensional (n_obs, n_columns), got shape {X.shape}")
    n, p = X.shape
    if y.shape[0] != n:
        raise ValueError(
            f"endog and exog matrices are different sizes: endog has {y.shape[0]} rows, exog {n}"
        )
    if p == 0:
        raise ValueError("exog has no columns; a regression needs at least one regressor")
    if min_rows_for_columns and n < p:
        raise ValueError(
            f"fewer observations than regressors: exog is {n} x {p} (n_obs < n_columns), "
            "so the least-squares problem has no unique solution"
        )
    exog_pandas, endog_pandas = is_pandas(exog), is_pandas(endog)
    if exog_pandas:
        names = [str(c) for c in exog.columns] if exog.ndim == 2 else [str(exog.name or "x1")]
    else:
        names = exog_names_for(X, const)
    if endog_pandas:
        ename = str(endog.name if endog.ndim == 1 else endog.columns[0])
        ename = ename if endog.ndim == 2 or endog.name is not None else "y"
    else:
        ename = "y"
    labels = exog.index if exog_pandas else (endog.index if endog_pandas else None)
    return Data(y, X, ename, names, labels, const)


def as_weights(weights, n: int) -> np.ndarray:
    """WLS weights as an (n,) float64 copy; scalars broadcast; must be finite and > 0."""
    w = _numeric_values(weights, "weights")
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(
            f"weights must be a scalar or have one entry per observation ({n}), got shape {w.shape}"
        )
    if (w <= 0).any():
        bad = int(np.count_nonzero(w <= 0))
        raise ValueError(
            f"weights must be strictly positive; {bad} weight(s) are zero or negative "
            "(drop those observations instead of giving them weight 0)"
        )
    return w
