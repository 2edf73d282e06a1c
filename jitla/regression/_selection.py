"""Variable selection: best subsets by leaps and bounds, and stepwise regression, on one QR factor.

Both start from the upper-triangular factor ``R`` of the centred data
``[X | y]`` (the intercept is always in the model, as R's
``leaps::regsubsets(intercept=TRUE)`` and ``step``): centring is the
Householder step of the ones column, so ``R`` is the trailing block of the
factor of ``[1 | X | y]``.  For any order of its columns, the RSS of the
model made of the leading i columns is ``sum_{r >= i} R[r, q]^2``; column
exchanges (one Givens rotation each) reorder the factor without touching X
again (Miller 2002, *Subset Selection in Regression*, 2nd ed., ch. 2).

* :func:`best_subsets` -- the best (or *nbest* best) subsets of each size,
  Furnival & Wilson's (1974) leaps and bounds on the dropping-columns tree of
  Gatu & Kontoghiorghes (2006), in a Numba kernel
  (:func:`jitla.kernels.subsets.leaps_bound`).
* :func:`stepwise` -- forward, backward and both-ways selection by AIC,
  BIC, Mallows' Cp or partial F tests (Montgomery, Peck & Vining,
  *Introduction to Linear Regression Analysis*, 5th ed., Sec. 10.2.2),
  scoring every candidate from the factor at each step.

The models chosen are refitted once each by :class:`OLS`, so they carry the
full inference of :class:`RegressionResults`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np

from jitla.linalg import qr
from jitla.linalg._selection import LEAPS_MAX_COLUMNS, leaps, move_column, stepwise_scores
from jitla.regression._data import as_endog_exog, is_pandas
from jitla.regression._fit import default_tol
from jitla.regression._model import OLS

__all__ = ["BestSubsetsResults", "Step", "StepwiseResults", "best_subsets", "stepwise"]

_SUBSET_CRITERIA = ("aic", "bic", "cp", "adjr2", "press")
_STEP_CRITERIA = ("aic", "bic", "cp", "f")
_DIRECTIONS = ("forward", "backward", "both")


# ---------------------------------------------------------------------------- shared set-up
@dataclass(frozen=True)
class _Problem:
    """Validated data and the factor of the centred ``[X | y]``."""

    X: np.ndarray  # (n, q) float64, as given (not centred)
    y: np.ndarray  # (n,)
    names: list
    R: np.ndarray  # (q+1, q+1) upper triangular, response last
    tss: float  # centred total sum of squares
    sigma2: float  # RSS / (n - q - 1) of the full model (Mallows' Cp)
    X_user: object = None  # the user's DataFrame (fits keep its row labels)
    y_user: object = None


def _problem(X, y, what: str) -> _Problem:
    """Validate (statsmodels' errors), factor ``[1 | X | y]`` and keep the trailing block."""
    data = as_endog_exog(y, X, min_rows_for_columns=False)
    Xv, yv = data.exog, data.endog
    n, q = Xv.shape
    if data.const_idx is not None:
        raise ValueError(
            f"X has a constant column ({data.exog_names[data.const_idx]!r}); {what} always fits an "
            "intercept, so pass X without one"
        )
    if n < q + 2:
        raise ValueError(
            f"{what} needs at least q + 2 observations for q = {q} columns (the full model must leave "
            f"a residual degree of freedom for sigma^2), got n = {n}"
        )
    A = np.empty((n, q + 2))
    A[:, 0] = 1.0
    A[:, 1 : q + 1] = Xv
    A[:, q + 1] = yv
    R = np.ascontiguousarray(qr(A, mode="r")[1:, 1:])
    # a column whose part orthogonal to the intercept and the columns before it vanishes is aliased
    norms = np.sqrt(np.einsum("ij,ij->j", R[:, :q], R[:, :q]))
    tol = default_tol(n, q + 1)
    aliased = [data.exog_names[j] for j in range(q) if abs(R[j, j]) <= tol * max(norms[j], 1e-300)]
    if aliased:
        raise ValueError(
            f"X is rank deficient: column(s) {aliased} are linear combinations of the intercept and "
            f"the columns before them; drop them ({what} needs every subset to be estimable)"
        )
    tss = float(np.sum((yv - yv.mean()) ** 2))
    sigma2 = float(R[q, q] ** 2 / (n - q - 1))
    return _Problem(
        Xv,
        yv,
        list(data.exog_names),
        R,
        tss,
        sigma2,
        X if is_pandas(X) else None,
        y if is_pandas(y) else None,
    )


def _fit(prob: _Problem, cols):
    """The OLS fit (intercept first) on the columns *cols* of X, in the order given."""
    cols = list(cols)
    if prob.X_user is not None:
        design = prob.X_user.iloc[:, cols].copy()
        design.insert(0, "const", 1.0)
        y = prob.y_user if prob.y_user is not None else prob.y
        return OLS(y, design).fit()
    design = np.empty((prob.X.shape[0], len(cols) + 1))
    design[:, 0] = 1.0
    design[:, 1:] = prob.X[:, cols]
    return OLS(prob.y, design, exog_names=["const"] + [prob.names[j] for j in cols]).fit()


def _information(rss, k, n):
    """statsmodels' ``(aic, bic)`` of an OLS fit with k regressors plus the intercept."""
    llf = -0.5 * n * (math.log(2 * math.pi) + np.log(rss / n) + 1.0)
    return -2 * llf + 2 * (k + 1), -2 * llf + math.log(n) * (k + 1)


def _cp(rss, k, n, sigma2):
    """Mallows' Cp, parameters counting the intercept: ``RSS / sigma^2 - n + 2 (k + 1)``."""
    return rss / sigma2 - n + 2 * (k + 1)


def _check_int(name, value, low, high=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if value < low or (high is not None and value > high):
        bounds = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return value


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


# ---------------------------------------------------------------------------- best subsets
@dataclass(frozen=True)
class BestSubsetsResults:
    """The best subsets of each size with their statistics (one row per subset).

    Rows run over sizes ``1 .. max_size`` and, within a size, over the
    *nbest* best subsets by RSS.  Arrays have one entry per row.

    Attributes
    ----------
    size, rank : ndarray of int
        Number of regressors (the intercept not counted) and position in its
        size (0: the best).
    subsets : list of tuple of str
        Column names of each subset, in the order of X.
    rss, rsquared, rsquared_adj, cp, aic, bic, press : ndarray of float
        Residual sum of squares, R^2, adjusted R^2, Mallows' Cp (sigma^2 from
        the full model), statsmodels' AIC and BIC, and the PRESS statistic
        ``sum (e_i / (1 - h_ii))^2``.
    models : list of RegressionResults
        The OLS fit of each subset (intercept first).
    criterion : str
        What :attr:`best` minimises (``adjr2`` is maximised).
    best : RegressionResults
        The model the criterion picks among all rows.
    best_index : int
        Its row.
    n_nodes, n_pruned : int
        Nodes of the search tree built (factor computed), and subtrees cut by the bound.
    """

    size: np.ndarray
    rank: np.ndarray
    subsets: list
    rss: np.ndarray
    rsquared: np.ndarray
    rsquared_adj: np.ndarray
    cp: np.ndarray
    aic: np.ndarray
    bic: np.ndarray
    press: np.ndarray
    models: list = field(repr=False)
    criterion: str
    best_index: int
    n_nodes: int
    n_pruned: int

    @property
    def best(self):
        return self.models[self.best_index]

    @property
    def best_subset(self) -> tuple:
        return self.subsets[self.best_index]

    def summary_frame(self):
        """A pandas DataFrame: one row per subset, its size, rank, variables and statistics."""
        import pandas as pd

        return pd.DataFrame(
            {
                "size": self.size,
                "rank": self.rank,
                "variables": [", ".join(s) for s in self.subsets],
                "rss": self.rss,
                "rsquared": self.rsquared,
                "rsquared_adj": self.rsquared_adj,
                "cp": self.cp,
                "aic": self.aic,
                "bic": self.bic,
                "press": self.press,
            }
        )

    def __repr__(self) -> str:
        return (
            f"BestSubsetsResults({len(self.models)} subsets, sizes 1..{int(self.size.max())}, "
            f"best by {self.criterion}: {list(self.best_subset)})"
        )


def best_subsets(X, y, max_size=None, criterion: str = "bic", *, nbest: int = 1) -> BestSubsetsResults:
    """Best-subset regression: the smallest-RSS subsets of the columns of X, of every size.

    Parameters
    ----------
    X : (n, q) array_like or DataFrame
        Candidate regressors, without a constant (the intercept is always
        in the model).  At most 62 columns; ``n >= q + 2``.
    y : (n,) array_like or Series
        Response.
    max_size : int, optional
        Largest subset size (default q).  Smaller values make the search
        cheaper: subtrees that only hold larger subsets are never entered.
    criterion : {"bic", "aic", "cp", "adjr2", "press"}
        What picks :attr:`BestSubsetsResults.best` among the subsets found.
        Within one size all but PRESS order subsets as RSS does, so the
        search itself is the same for every criterion.
    nbest : int
        Subsets kept per size (R's ``regsubsets(nbest=)``).

    Returns
    -------
    BestSubsetsResults

    Raises
    ------
    MissingDataError
        NaN or inf in X or y.
    ValueError
        Mismatched lengths, a constant or aliased column of X, n < q + 2,
        max_size outside ``1 .. q``, an unknown criterion, q > 62.
    TypeError
        A non-integer max_size or nbest.

    Notes
    -----
    One Householder QR of ``[1 | X | y]`` (``2 n (q+2)^2`` flops), then a
    branch and bound on the factor alone (:func:`jitla.kernels.subsets.leaps_bound`):
    the tree that drops one column at a time (Gatu & Kontoghiorghes 2006,
    "Branch-and-bound algorithms for computing the best-subset regression
    models", JCGS 15(1)) visits each subset once, builds each node's factor
    from its parent's with Givens rotations (``3 m^2`` flops at most), and
    cuts a subtree when the RSS of its largest model -- a lower bound on
    every RSS below it -- beats no current best of the sizes it holds
    (Furnival & Wilson 1974, "Regressions by leaps and bounds",
    Technometrics 16(4)).  Each node's free columns are first sorted most
    important first, so the largest subtrees are the likeliest cut.  The
    worst case is exhaustive (``2^q`` nodes); typical data cut almost all
    of it.  Workspace ``(q+1)^3`` floats.  The chosen subsets are then
    fitted by :class:`OLS` (PRESS from their leverages).
    """
    criterion = _check_choice("criterion", criterion, _SUBSET_CRITERIA)
    nbest = _check_int("nbest", nbest, 1)
    prob = _problem(X, y, "best_subsets")
    n, q = prob.X.shape
    if q > LEAPS_MAX_COLUMNS:
        raise ValueError(f"best_subsets handles at most {LEAPS_MAX_COLUMNS} columns, got {q}")
    max_size = q if max_size is None else _check_int("max_size", max_size, 1, q)
    rss_tab, masks, nodes, pruned = leaps(prob.R, max_size, nbest)
    sizes, ranks, subsets, rss, models = [], [], [], [], []
    for s in range(1, max_size + 1):
        for r in range(nbest):
            if not np.isfinite(rss_tab[s - 1, r]):
                break
            cols = [j for j in range(q) if (int(masks[s - 1, r]) >> j) & 1]
            sizes.append(s)
            ranks.append(r)
            subsets.append(tuple(prob.names[j] for j in cols))
            rss.append(rss_tab[s - 1, r])
            models.append(_fit(prob, cols))
    size = np.array(sizes)
    rss = np.array(rss)
    aic, bic = _information(rss, size, n)
    press = np.array([np.sum((np.asarray(m.resid) / (1.0 - m._hat)) ** 2) for m in models])
    r2 = 1.0 - rss / prob.tss
    adj = 1.0 - (n - 1) / (n - size - 1) * rss / prob.tss
    cp = _cp(rss, size, n, prob.sigma2)
    score = {"aic": aic, "bic": bic, "cp": cp, "adjr2": -adj, "press": press}[criterion]
    return BestSubsetsResults(
        size=size,
        rank=np.array(ranks),
        subsets=subsets,
        rss=rss,
        rsquared=r2,
        rsquared_adj=adj,
        cp=cp,
        aic=aic,
        bic=bic,
        press=press,
        models=models,
        criterion=criterion,
        best_index=int(np.argmin(score)),
        n_nodes=nodes,
        n_pruned=pruned,
    )


# ---------------------------------------------------------------------------- stepwise
@dataclass(frozen=True)
class Step:
    """One step of :func:`stepwise`.

    ``action`` is ``"start"``, ``"add"`` or ``"drop"``; ``variable`` the
    column that entered or left (None at the start); ``n_vars`` the
    regressors in the model after the step (intercept not counted);
    ``rss`` its residual sum of squares; ``value`` its criterion (AIC, BIC,
    Cp) or, for ``criterion="f"``, the partial F statistic of the move (NaN
    at the start).
    """

    action: str
    variable: str | None
    n_vars: int
    rss: float
    value: float


@dataclass(frozen=True)
class StepwiseResults:
    """The model :func:`stepwise` ends with and how it got there.

    Attributes
    ----------
    model : RegressionResults
        OLS fit of the selected columns (intercept first, then X's order).
    selected : list of str
        The selected columns, in the order of X.
    history : list of Step
        The start and every move.
    direction, criterion : str
    """

    model: object = field(repr=False)
    selected: list
    history: list = field(repr=False)
    direction: str
    criterion: str

    def history_frame(self):
        """The history as a pandas DataFrame (one row per step)."""
        import pandas as pd

        return pd.DataFrame([vars(s) for s in self.history])


class _Factor:
    """The factor of the centred ``[X | y]`` with the model's columns first, moved by Givens exchanges."""

    def __init__(self, prob: _Problem):
        self.R = prob.R.copy()
        q = self.R.shape[0] - 1
        self.q = q
        self.order = np.arange(q, dtype=np.int64)  # variable held in each column position
        self.s = 0  # columns in the model: positions 0 .. s-1

    def rss(self) -> float:
        tail = self.R[self.s :, self.q]
        return float(tail @ tail)

    def add(self, var: int):
        move_column(self.R, int(np.flatnonzero(self.order == var)[0]), self.s, self.order)
        self.s += 1

    def drop(self, var: int):
        move_column(self.R, int(np.flatnonzero(self.order == var)[0]), self.s - 1, self.order)
        self.s -= 1


def stepwise(
    X,
    y,
    direction: str = "forward",
    criterion: str = "aic",
    *,
    f_in: float = 4.0,
    f_out: float = 3.9,
    max_steps: int | None = None,
    tol: float | None = None,
) -> StepwiseResults:
    """Stepwise selection of the columns of X: forward, backward or both ways.

    Parameters
    ----------
    X : (n, q) array_like or DataFrame
        Candidate regressors, without a constant (the intercept is always
        in); ``n >= q + 2`` and full column rank.
    y : (n,) array_like or Series
    direction : {"forward", "backward", "both"}
        Forward starts from the intercept alone and adds; backward starts
        from all columns and drops; both starts from the intercept alone and
        at each step makes the best move of either kind (R's
        ``step(direction="both")`` for AIC/BIC/Cp; Efroymson's stepwise
        regression for F: an entry, then removals while any partial F is
        below *f_out*).
    criterion : {"aic", "bic", "cp", "f"}
        AIC, BIC (statsmodels' definitions) or Mallows' Cp (sigma^2 from the
        full model): a move is made when it lowers the criterion, the move
        that lowers it most first.  ``"f"``: a column enters when its partial
        F statistic ``(RSS_old - RSS_new) / (RSS_new / df_new)`` is the largest
        and exceeds *f_in*; a column leaves when its partial F is the
        smallest and below *f_out* (Montgomery, Peck & Vining, Sec. 10.2.2).
    f_in, f_out : float
        F-to-enter and F-to-remove (``f_out <= f_in``, else a column could
        enter and leave forever).
    max_steps : int, optional
        Stop after this many moves (default ``10 q``); a warning says so.
    tol : float, optional
        A candidate whose part orthogonal to the model is at most ``tol``
        times its length never enters (default ``max(n, q) * eps``).

    Returns
    -------
    StepwiseResults

    Raises
    ------
    MissingDataError
        NaN or inf in X or y.
    ValueError
        As :func:`best_subsets`; an unknown direction or criterion; negative
        or inconsistent f_in / f_out.

    Notes
    -----
    The model's columns are the leading columns of the factor R of the
    centred ``[X | y]``.  Each step scores every candidate from R alone
    (:func:`jitla.kernels.subsets.stepwise_scores`): entering column c
    lowers the RSS by ``(u . v)^2 / (u . u)``, with u and v the parts of
    column c and of y below row s; leaving column i raises it by
    ``b_i^2 / ||(R_s^{-1})[i, :]||^2`` -- ``O(s^3 / 3 + 4 q^2)`` flops.  The
    move itself is a column exchange (adjacent Givens rotations,
    ``O(q^2)``).  X is read once, for the factor; the final model is fitted
    once by :class:`OLS`.
    """
    direction = _check_choice("direction", direction, _DIRECTIONS)
    criterion = _check_choice("criterion", criterion, _STEP_CRITERIA)
    for name, value in (("f_in", f_in), ("f_out", f_out)):
        if not isinstance(value, numbers.Real) or not value >= 0:
            raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    if f_out > f_in:
        raise ValueError(
            f"f_out ({f_out}) must not exceed f_in ({f_in}): a column could enter and leave forever"
        )
    prob = _problem(X, y, "stepwise")
    n, q = prob.X.shape
    max_steps = 10 * q if max_steps is None else _check_int("max_steps", max_steps, 0)
    tol = default_tol(n, q + 1) if tol is None else float(tol)

    def value(rss, k):
        if criterion == "cp":
            return _cp(rss, k, n, prob.sigma2)
        aic, bic = _information(rss, k, n)
        return aic if criterion == "aic" else bic

    fac = _Factor(prob)
    if direction == "backward":
        fac.s = q  # the factor's columns are all in the model already
    rss = fac.rss()
    history = [Step("start", None, fac.s, rss, math.nan if criterion == "f" else value(rss, fac.s))]

    def best_add(gain, rss):
        """(new value or F, var) of the best entry, or None."""
        cands = [(int(fac.order[c]), gain[c]) for c in range(fac.s, q) if gain[c] >= 0.0]
        if not cands:
            return None
        k = fac.s + 1
        if criterion == "f":
            df = n - k - 1
            # largest F = largest gain; ties to the first column of X
            var, g = min(cands, key=lambda vg: (-vg[1], vg[0]))
            return g / ((rss - g) / df), var
        return min((value(rss - g, k), var) for var, g in cands)

    def best_drop(loss, rss):
        if fac.s == 0:
            return None
        cands = [(int(fac.order[i]), loss[i]) for i in range(fac.s)]
        k = fac.s - 1
        if criterion == "f":
            df = n - fac.s - 1
            var, d = min(cands, key=lambda vd: (vd[1], vd[0]))
            return d / (rss / df), var
        return min((value(rss + d, k), var) for var, d in cands)

    def record(action, var, stat):
        new_rss = fac.rss()
        shown = stat if criterion == "f" else value(new_rss, fac.s)
        history.append(Step(action, prob.names[var], fac.s, new_rss, shown))
        return new_rss

    steps = 0
    current = history[0].value
    while steps < max_steps:
        gain, loss = stepwise_scores(fac.R, fac.s, tol)
        add = best_add(gain, rss) if direction != "backward" else None
        drop = best_drop(loss, rss) if direction != "forward" else None
        if criterion == "f":
            if add is not None and add[0] > f_in:
                fac.add(add[1])
                rss = record("add", add[1], add[0])
            elif drop is not None and drop[0] < f_out:
                fac.drop(drop[1])
                rss = record("drop", drop[1], drop[0])
            else:
                break
            if direction == "both" and history[-1].action == "add":
                # Efroymson: after an entry, remove while some partial F is below f_out
                while steps + 1 < max_steps:
                    _, loss = stepwise_scores(fac.R, fac.s, tol)
                    drop = best_drop(loss, rss)
                    if drop is None or not drop[0] < f_out:
                        break
                    fac.drop(drop[1])
                    rss = record("drop", drop[1], drop[0])
                    steps += 1
        else:
            moves = [m + (kind,) for m, kind in ((add, "add"), (drop, "drop")) if m is not None]
            if not moves:
                break
            new, var, kind = min(moves)
            if not new < current:
                break
            (fac.add if kind == "add" else fac.drop)(var)
            rss = record(kind, var, new)
            current = history[-1].value
        steps += 1
    else:
        warnings.warn(f"stepwise stopped after max_steps = {max_steps} moves", RuntimeWarning, stacklevel=2)
    selected = sorted(int(v) for v in fac.order[: fac.s])
    return StepwiseResults(
        model=_fit(prob, selected),
        selected=[prob.names[j] for j in selected],
        history=history,
        direction=direction,
        criterion=criterion,
    )
