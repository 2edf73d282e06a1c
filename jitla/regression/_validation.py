"""Model validation: cross-validation of any jitla model and the DUPLEX data split (MPV ch. 11).

PRESS and the predicted R^2 need no refits (``RegressionResults.press`` /
``rsquared_pred``, from the fit's QR); the k-fold scores here refit the
model on each training fold.  Fold assignment reproduces scikit-learn's
``KFold`` / ``RepeatedKFold`` for the same integer ``random_state``, so the
scores can be compared with ``sklearn.model_selection.cross_val_score``.
"""

from __future__ import annotations

import copy

import numpy as np

from jitla.linalg import cholesky, solve_triangular

__all__ = ["kfold_indices", "cross_val_score", "duplex_split"]


def _random_state(random_state):
    if random_state is None:
        return np.random.mtrand._rand
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.RandomState(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return random_state
    raise ValueError(f"random_state must be None, an int or a numpy RandomState, got {random_state!r}")


def kfold_indices(n, n_splits=5, *, n_repeats=1, shuffle=True, random_state=None):
    """``(train, test)`` index pairs of (repeated) k-fold cross-validation.

    The same folds as scikit-learn's ``KFold(n_splits, shuffle=shuffle,
    random_state=random_state)`` (one repeat) or ``RepeatedKFold(n_splits=...,
    n_repeats=..., random_state=...)``: the indices are permuted by a
    ``numpy.random.RandomState`` (one shared generator across repeats),
    the first ``n % n_splits`` folds get one extra observation, and train
    and test indices are in ascending order.

    Parameters
    ----------
    n : int
        Number of observations.
    n_splits : int
        k >= 2, at most n.
    n_repeats : int
        Repetitions with fresh permutations (needs ``shuffle=True`` when > 1).
    shuffle : bool
        Permute before splitting (False: contiguous folds in order).
    random_state : int, numpy RandomState or None

    Returns
    -------
    list of (ndarray, ndarray)
    """
    n = int(n)
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
        raise ValueError(f"n_splits must be an integer of at least 2, got {n_splits!r}")
    if n_splits > n:
        raise ValueError(
            f"Cannot have number of splits n_splits={n_splits} greater than the number of samples: "
            f"n_samples={n}."
        )
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, (int, np.integer)) or n_repeats < 1:
        raise ValueError(f"n_repeats must be a positive integer, got {n_repeats!r}")
    if n_repeats > 1 and not shuffle:
        raise ValueError("repeated k-fold needs shuffle=True (the folds would repeat)")
    rng = _random_state(random_state) if shuffle else None
    sizes = np.full(n_splits, n // n_splits)
    sizes[: n % n_splits] += 1
    out = []
    for _ in range(int(n_repeats)):
        order = np.arange(n)
        if shuffle:
            rng.shuffle(order)
        start = 0
        for size in sizes:
            test = np.sort(order[start : start + size])
            mask = np.ones(n, dtype=bool)
            mask[test] = False
            out.append((np.flatnonzero(mask), test))
            start += size
    return out


def _scorer(scoring):
    if callable(scoring):
        return scoring

    def mse(y, p):
        return -float(np.mean((y - p) ** 2))

    def rmse(y, p):
        return -float(np.sqrt(np.mean((y - p) ** 2)))

    def mae(y, p):
        return -float(np.mean(np.abs(y - p)))

    def r2(y, p):
        ss = float(((y - y.mean()) ** 2).sum())
        return 1.0 - float(((y - p) ** 2).sum()) / ss if ss > 0 else np.nan

    table = {
        "neg_mean_squared_error": mse,
        "neg_root_mean_squared_error": rmse,
        "neg_mean_absolute_error": mae,
        "r2": r2,
    }
    try:
        return table[scoring]
    except KeyError:
        raise ValueError(f"scoring must be a callable or one of {sorted(table)}, got {scoring!r}") from None


def _fit_predict(model, X_train, y_train, X_test):
    if hasattr(model, "fit") and hasattr(model, "predict") and not isinstance(model, type):
        try:
            from sklearn.base import clone

            fresh = clone(model)
        except (ImportError, TypeError):
            fresh = copy.deepcopy(model)
        return np.asarray(fresh.fit(X_train, y_train).predict(X_test), dtype=np.float64)
    if callable(model):
        res = model(y_train, X_train).fit()
        return np.asarray(res.predict(X_test), dtype=np.float64)
    raise TypeError(
        "model must be an estimator with fit/predict (scikit-learn API) or a model class called as "
        f"model(endog, exog).fit() (e.g. OLS, functools.partial(GLM, family=...)); got {model!r}"
    )


def cross_val_score(
    model, X, y, *, cv=5, n_repeats=1, scoring="neg_mean_squared_error", shuffle=True, random_state=None
):
    """(Repeated) k-fold cross-validation scores of any jitla model.

    Parameters
    ----------
    model : estimator or model class
        A scikit-learn-style estimator (``LinearRegression()``, ``Ridge(...)``,
        a pipeline: cloned and refitted per fold), or a statsmodels-style
        model class called as ``model(y_train, X_train).fit()`` whose results
        have ``predict(X_test)`` (``OLS``, ``functools.partial(GLM,
        family=families.Poisson())``).
    X : (n, p) array_like
        Design (with its constant column for model classes, which add none).
    y : (n,) array_like
        Response.
    cv : int or iterable of (train, test)
        Number of folds, or explicit index pairs (e.g. from
        :func:`kfold_indices` or a scikit-learn splitter's ``split``).
    n_repeats : int
        Repetitions with fresh permutations (``cv`` an int).
    scoring : str or callable
        ``"neg_mean_squared_error"`` (default), ``"neg_root_mean_squared_error"``,
        ``"neg_mean_absolute_error"``, ``"r2"`` (scikit-learn's names and
        signs: larger is better), or ``f(y_true, y_pred) -> float``.
    shuffle, random_state
        As :func:`kfold_indices`.

    Returns
    -------
    (n_folds * n_repeats,) ndarray
        One score per fold, in fold order.

    Notes
    -----
    One refit per fold.  Leave-one-out (``cv = n``) squared errors sum to
    the fitted model's PRESS, which ``RegressionResults.press`` gives from
    a single fit (Montgomery, Peck & Vining, Sec. 11.2).
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 1:
        X = X[:, None]
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: [{X.shape[0]}, {y.shape[0]}]"
        )
    score = _scorer(scoring)
    if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        splits = kfold_indices(
            X.shape[0], int(cv), n_repeats=n_repeats, shuffle=shuffle, random_state=random_state
        )
    else:
        splits = list(cv)
    out = np.empty(len(splits))
    for i, (train, test) in enumerate(splits):
        pred = _fit_predict(model, X[train], y[train], X[test])
        out[i] = score(np.asarray(y[test], dtype=np.float64), pred)
    return out


def duplex_split(X, test_size=0.5):
    """Snee's DUPLEX split of the observations into estimation and prediction sets.

    The regressors are centred, scaled and orthonormalised (``Z = X_c R^{-1}``,
    R the Cholesky factor of ``X_c^T X_c``), so distances are Mahalanobis
    distances; the two points farthest apart start the estimation set, the
    next farthest pair the prediction set, and then the sets take turns to
    add the remaining point farthest from themselves (the largest
    minimum distance) until the prediction set is full; the rest go to the
    estimation set.  Both sets then cover the region of the data, which a
    random split does not guarantee (Snee, "Validation of regression
    models", *Technometrics* 19, 1977; Montgomery, Peck & Vining, Sec. 11.2.3).

    Parameters
    ----------
    X : (n, p) array_like
        Regressors (a constant column, if present, is ignored).
    test_size : float or int
        Size of the prediction set: a fraction in (0, 1) or a count, at
        least 2 and at most ``n - 2``.

    Returns
    -------
    estimation, prediction : ndarray of int
        Sorted row indices.

    Notes
    -----
    O(n^2 p) for the distances and O(n^2) memory (one (n, n) matrix), a
    Cholesky of the p x p cross-product (:func:`jitla.linalg.cholesky`).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or not np.isfinite(X).all():
        raise ValueError("X must be a finite 2-D array")
    n = X.shape[0]
    if isinstance(test_size, float) and 0.0 < test_size < 1.0:
        m = int(np.floor(test_size * n))
    elif isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        m = int(test_size)
    else:
        raise ValueError(f"test_size must be a fraction in (0, 1) or a count, got {test_size!r}")
    if not 2 <= m <= n - 2:
        raise ValueError(f"the prediction set must have between 2 and n - 2 = {n - 2} points, got {m}")
    varying = X.max(axis=0) != X.min(axis=0)
    if not varying.any():
        raise ValueError("X has no non-constant column")
    Xc = X[:, varying] - X[:, varying].mean(axis=0)
    L = cholesky(Xc.T @ Xc)  # lower: Xc^T Xc = L L^T; raises LinAlgError for collinear columns
    Z = solve_triangular(L, Xc.T, lower=True).T  # rows z_i = L^{-1} x_i: Z^T Z = I
    D = ((Z[:, None, :] - Z[None, :, :]) ** 2).sum(axis=2)
    free = np.ones(n, dtype=bool)

    def farthest_pair():
        sub = np.where(free[:, None] & free[None, :], D, -1.0)
        i, j = np.unravel_index(int(np.argmax(sub)), sub.shape)
        free[i] = free[j] = False
        return [int(i), int(j)]

    est = farthest_pair()
    pred = farthest_pair()
    nearest = {"est": D[est].min(axis=0), "pred": D[pred].min(axis=0)}
    turn = "est"
    while len(pred) < m:
        cand = np.flatnonzero(free)
        k = int(cand[np.argmax(nearest[turn][cand])])
        free[k] = False
        (est if turn == "est" else pred).append(k)
        nearest[turn] = np.minimum(nearest[turn], D[k])
        turn = "pred" if turn == "est" else "est"
    est.extend(np.flatnonzero(free).tolist())
    return np.sort(np.array(est)), np.sort(np.array(pred))
