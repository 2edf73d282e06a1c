"""Lasso and elastic net by coordinate descent: ``Lasso``, ``ElasticNet``, paths and CV.

scikit-learn's names, objective and semantics::

    1/(2 n) ||y - X w||^2 + alpha l1_ratio ||w||_1 + alpha (1 - l1_ratio)/2 ||w||^2

(``Lasso`` is ``l1_ratio = 1``).  With sample weights the squared error is
weighted, the weights first rescaled to sum to n (scikit-learn's rule, so
that integer weights are repeated rows).  The intercept is not penalised:
X and y are centred with their (weighted) means and the intercept recovered
as ``y_mean - x_mean @ coef``.

The solver (:mod:`jitla.kernels.coordinate_descent`, through
:func:`jitla.linalg._enet.enet_cd`) minimises ``n`` times this objective and
stops when its duality gap is at most ``tol * ||y||^2`` (y centred and
weighted) -- scikit-learn's criterion -- so ``dual_gap_ <= tol * ||y||^2 / n``
certifies that the objective is within that of its minimum.  For the
elastic net (0 < l1_ratio < 1) the gap is the smaller of scikit-learn's
formulation A and the elastic net's own Fenchel dual at the residual (see
:func:`enet_path`, ``enet_dual``): the same bound on the objective, reached
with fewer epochs, so the coefficients are as close to the optimum as the
certificate says (``||w - w*||^2 <= 2 n dual_gap_ / mu`` with mu the
smallest eigenvalue of ``X^T X`` plus ``n alpha (1 - l1_ratio)``), not
closer by over-solving as scikit-learn's are.  ``precompute``
chooses glmnet's covariance mode (``X^T X`` formed once, scikit-learn's
``"auto"``: when n > p) or the residual mode.

Conventions stated once: glmnet minimises ``1/(2n) RSS + lambda [(1-a)/2 ||w||^2 + a ||w||_1]``
(the same scaling: ``lambda = alpha``, ``a = l1_ratio``) but standardises the
columns of X by default (``standardize=TRUE``); scikit-learn and jitla do
not, so glmnet's coefficients equal these fitted on ``X / sd(X)`` (population
sd) and divided by ``sd(X)``.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from jitla.linalg._enet import enet_cd
from jitla.linalg._policy import enet_cd_plan
from jitla.regression._estimator import (
    BaseEstimator,
    RegressorMixin,
    check_is_fitted,
    check_sample_weight,
    check_X,
    check_y,
)

try:
    from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
except ImportError:  # pragma: no cover - exercised only without scikit-learn

    class ConvergenceWarning(UserWarning):
        """An iterative solver stopped before reaching its tolerance (scikit-learn's warning)."""

    class DataConversionWarning(UserWarning):
        """The input was converted (scikit-learn's warning)."""


__all__ = ["ConvergenceWarning", "ElasticNet", "ElasticNetCV", "Lasso", "LassoCV", "enet_path", "lasso_path"]

_NOT_CONVERGED = (
    "Objective did not converge. You might want to increase the number of iterations, check the "
    "scale of the features or consider increasing regularisation. Duality gap: {gap:.6e}, "
    "tolerance: {tol:.3e}"
)
_COLUMN_Y = (
    "A column-vector y was passed when a 1d array was expected. Please change the shape of y to "
    "(n_samples, ), for example using ravel()."
)


# --------------------------------------------------------------------------
# validation (scikit-learn's messages)
# --------------------------------------------------------------------------
def _check_real(owner: str, name: str, value, low=0.0, high=None, low_open=False) -> float:
    """scikit-learn's ``InvalidParameterError`` text for a real in [low, high] (ValueError)."""
    ok = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and np.isfinite(value)
        or (isinstance(value, numbers.Real) and value == np.inf and high is None)
    )
    if ok:
        ok = (value > low if low_open else value >= low) and (high is None or value <= high)
    if not ok:
        left = "(" if low_open else "["
        right = f"{high}]" if high is not None else "inf)"
        raise ValueError(
            f"The '{name}' parameter of {owner} must be a float in the range {left}{float(low)}, "
            f"{right}. Got {value!r} instead."
        )
    return float(value)


def _check_int(owner: str, name: str, value, low: int) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ValueError(
            f"The '{name}' parameter of {owner} must be an int in the range [{low}, inf). "
            f"Got {value!r} instead."
        )
    return int(value)


def _check_selection(owner: str, selection) -> bool:
    """True for ``"random"``, False for ``"cyclic"``; scikit-learn's error otherwise."""
    if selection not in ("cyclic", "random"):
        raise ValueError(
            f"The 'selection' parameter of {owner} must be a str among {{'cyclic', 'random'}}. "
            f"Got {selection!r} instead."
        )
    return selection == "random"


def _check_random_state(seed) -> np.random.RandomState:
    """scikit-learn's ``check_random_state``: None (numpy's global generator), an int, or a RandomState."""
    if seed is None or seed is np.random:
        return np.random.mtrand._rand
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.RandomState(seed)
    if isinstance(seed, np.random.RandomState):
        return seed
    raise ValueError(f"{seed!r} cannot be used to seed a numpy.random.RandomState instance")


def _seeds(selection_random: bool, random_state):
    """Seeds of the solves' coordinate orders (None: cyclic), drawn as scikit-learn draws its seed."""
    if not selection_random:
        return None
    rng = _check_random_state(random_state)
    return lambda: int(rng.randint(0, np.iinfo(np.int32).max))


# --------------------------------------------------------------------------
# the data as the solver wants them
# --------------------------------------------------------------------------
class _Design:
    """Centred, weighted (rows times sqrt(w)) copy of X, transposed, with what each mode needs.

    ``XT`` (p, n) C-contiguous (features contiguous, as coordinate descent
    reads them), ``y`` (n,) or (n, k); ``G``, ``Xty``, ``yty`` for the
    covariance mode, formed on demand.  With *standardize* each column is
    then divided by ``X_scale``, its root mean square after centring and
    weighting (the population standard deviation, glmnet's ``standardize=TRUE``;
    1 for a constant column); coefficients of the scaled problem divided by
    ``X_scale`` are the coefficients in the units of X.
    """

    def __init__(self, A, Y, sw, fit_intercept, precompute, standardize=False):
        n, p = A.shape
        self.n, self.p = n, p
        if sw is not None:
            sw = sw * (n / sw.sum())  # sum(sw) = n: integer weights act as repeated rows
        if fit_intercept:
            self.X_offset = np.average(A, axis=0, weights=sw)
            self.y_offset = np.average(Y, axis=0, weights=sw)
        else:
            self.X_offset = np.zeros(p)
            self.y_offset = np.zeros(Y.shape[1:]) if Y.ndim > 1 else 0.0
        Yc = Y - self.y_offset
        if (
            sw is None
            and not fit_intercept
            and not standardize
            and A.dtype == np.float64
            and A.T.flags.c_contiguous
        ):
            XT = A.T  # a Fortran-ordered X is already its transpose in C order; nothing writes to it
        else:
            XT = np.empty((p, n))
            np.subtract(A.T, self.X_offset[:, None], out=XT)
        if sw is not None:
            root = np.sqrt(sw)
            XT *= root
            Yc = Yc * (root if Yc.ndim == 1 else root[:, None])
        self.X_scale = np.ones(p)
        if standardize:
            scale = np.sqrt(np.einsum("ij,ij->i", XT, XT) / n)
            scale[scale == 0.0] = 1.0  # a constant column stays zero, its coefficient 0
            XT /= scale[:, None]
            self.X_scale = scale
        self.XT = XT
        self.Y = np.ascontiguousarray(Yc)
        self.plan = enet_cd_plan(n, p, precompute)
        self.G = None
        if self.plan.variant == "gram":
            if isinstance(precompute, np.ndarray) and not fit_intercept and sw is None and not standardize:
                G = np.asarray(precompute, dtype=np.float64)
                if G.shape != (p, p):
                    raise ValueError(f"precompute must be a ({p}, {p}) Gram matrix, got shape {G.shape}")
                self.G = np.ascontiguousarray(G)
            else:
                if isinstance(precompute, np.ndarray):
                    warnings.warn(
                        "Gram matrix was provided but X was centered to fit intercept, weighted or "
                        "standardized: recomputing Gram matrix.",
                        UserWarning,
                        stacklevel=4,
                    )
                self.G = XT @ XT.T
        self.norms = (
            np.einsum("ij,ij->i", XT, XT) if self.G is None else np.ascontiguousarray(np.diag(self.G))
        )

    def target(self, k):
        y = self.Y if self.Y.ndim == 1 else np.ascontiguousarray(self.Y[:, k])
        return y

    def carry(self):
        """A fresh state for a path of residual-mode solves on this design (None in covariance mode)."""
        return None if self.G is not None else np.zeros(2 * self.p + self.n + 2)

    def solve(
        self, w, y, alpha, l1_ratio, tol, max_iter, positive, Xty=None, seed=None, enet_dual=True, carry=None
    ):
        """One CD solve at *alpha* from *w* (overwritten, scaled units); scikit-learn's tol scaling.

        *carry*: :meth:`carry`'s array, the same for every solve of a path
        (residual mode: each solve starts from the last one's correlations).
        """
        n = self.n
        l1 = alpha * l1_ratio * n
        l2 = alpha * (1.0 - l1_ratio) * n
        yty = float(y @ y)
        if self.G is not None:
            if Xty is None:
                Xty = self.XT @ y
            return enet_cd(
                w,
                l1,
                l2,
                tol * yty,
                G=self.G,
                Xty=Xty,
                yty=yty,
                max_iter=max_iter,
                positive=positive,
                seed=seed,
                enet_dual=enet_dual,
            )
        return enet_cd(
            w,
            l1,
            l2,
            tol * yty,
            XT=self.XT,
            y=y,
            norms=self.norms,
            max_iter=max_iter,
            positive=positive,
            seed=seed,
            enet_dual=enet_dual,
            carry=carry,
        )


def _alpha_max(Xty, n, l1_ratio, positive):
    """Smallest alpha with all coefficients zero: ``max_j |x_j^T y| / (n l1_ratio)``."""
    top = max(0.0, float(Xty.max())) if positive else float(np.abs(Xty).max())
    return top / (n * l1_ratio)


def _alpha_grid(Xty, n, l1_ratio, eps, n_alphas, positive):
    """scikit-learn's grid: n_alphas values geometrically from alpha_max down to eps * alpha_max."""
    if l1_ratio == 0:
        raise ValueError(
            "Automatic alpha grid generation is not supported for l1_ratio=0. Please supply a grid by "
            "providing your estimator with the appropriate `alphas=` argument."
        )
    alpha_max = _alpha_max(Xty, n, l1_ratio, positive)
    resolution = np.finfo(np.float64).resolution
    if alpha_max <= resolution:
        return np.full(n_alphas, resolution)
    return np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)


def _run_path(
    design,
    y,
    alphas,
    l1_ratio,
    tol,
    max_iter,
    positive,
    coef_init=None,
    Xty=None,
    seeds=None,
    enet_dual=True,
):
    """Warm-started solves along *alphas*; coefs (p, n_alphas) in the units of X, gaps (scaled by 1/n),
    n_iters, worst.  *seeds*: None (cyclic) or a callable giving each solve's seed."""
    p = design.p
    coefs = np.empty((p, len(alphas)))
    gaps = np.empty(len(alphas))
    n_iters = []
    w = np.zeros(p)
    if coef_init is not None:
        w = np.array(coef_init, dtype=np.float64, copy=True).ravel() * design.X_scale
    if design.G is not None and Xty is None:
        Xty = design.XT @ y
    yty = float(y @ y)
    failed = None
    carry = design.carry()
    for i, alpha in enumerate(alphas):
        seed = None if seeds is None else seeds()
        res = design.solve(
            w,
            y,
            float(alpha),
            l1_ratio,
            tol,
            max_iter,
            positive,
            Xty=Xty,
            seed=seed,
            enet_dual=enet_dual,
            carry=carry,
        )
        coefs[:, i] = w / design.X_scale
        gaps[i] = res.gap / design.n
        n_iters.append(res.n_iter)
        if not res.converged and failed is None:
            failed = (res.gap, tol * yty)
    return coefs, gaps, n_iters, failed


def _warn_not_converged(failed, stacklevel):
    if failed is not None:
        warnings.warn(
            _NOT_CONVERGED.format(gap=failed[0], tol=failed[1]), ConvergenceWarning, stacklevel=stacklevel
        )


# --------------------------------------------------------------------------
# paths
# --------------------------------------------------------------------------
def enet_path(
    X,
    y,
    *,
    l1_ratio=0.5,
    eps=1e-3,
    n_alphas=None,
    alphas=None,
    precompute="auto",
    Xy=None,
    copy_X=True,
    coef_init=None,
    verbose=False,
    return_n_iter=False,
    positive=False,
    check_input=True,
    standardize=False,
    enet_dual=True,
    **params,
):
    """Elastic-net coefficients along a path of alphas (scikit-learn's ``enet_path``).

    Minimises ``1/(2n) ||y - X w||^2 + alpha l1_ratio ||w||_1 + alpha (1-l1_ratio)/2 ||w||^2``
    for each alpha, from the largest, each solve warm-started at the previous
    solution.  X and y are used as given (no centring: scikit-learn's path
    functions leave the intercept to their caller).

    Parameters
    ----------
    X : (n_samples, n_features) array-like
    y : (n_samples,) or (n_samples, n_targets) array-like
        Several targets are solved one after the other.
    l1_ratio : float in (0, 1]
    eps : float
        ``alpha_min / alpha_max`` of the automatic grid.
    n_alphas : int, optional
        Grid length (default 100); scikit-learn's older name for an integer ``alphas``.
    alphas : int or array-like, optional
        Grid length, or the alphas themselves (solved in decreasing order).
    precompute : "auto", bool or (p, p) ndarray
        Covariance mode (``X^T X``) or residual mode; "auto": covariance when n > p.
    Xy : (p,) array-like, optional
        ``X^T y``, used for the grid and the covariance mode.
    copy_X, verbose, check_input
        Accepted for scikit-learn's signature; X is never modified.
    coef_init : (p,) array-like, optional
        Starting point of the first solve.
    return_n_iter : bool
        Also return the number of epochs of each solve.
    positive : bool
        Constrain the coefficients to be non-negative.
    standardize : bool
        Solve on X with each column divided by its root mean square
        ``sqrt(sum_i x_ij^2 / n)`` (X is not centred here, so this is glmnet's
        standardisation when X is already centred) and return the
        coefficients in the units of X.  The alpha grid is that of the
        scaled design.  See :class:`ElasticNet` for the mapping to glmnet.
    enet_dual : bool
        Certify each solve (0 < l1_ratio < 1) also at the elastic net's own
        Fenchel dual point ``u = r``, ``D(u) = u^T y - ||u||^2/2 - sum_j
        (|x_j^T u| - n alpha l1_ratio)_+^2 / (2 n alpha (1 - l1_ratio))``,
        and stop when the smaller of its gap and scikit-learn's formulation A
        gap is ``<= tol ||y||^2``: the same bound on ``P(w) - P(w*)``, reached
        much sooner along a path (formulation A's rescaled residual
        overstates the gap after each warm start).  True by default (the
        estimators and CV always use it); False: formulation A alone,
        scikit-learn's certificate, so ``dual_gaps`` are scikit-learn's and
        the solutions over-solved as scikit-learn's are.  For the lasso
        (``l1_ratio = 1``, no ridge part) both are formulation A.
    **params
        ``tol`` (default 1e-4: stop when the duality gap is at most
        ``tol * ||y||^2`` in the objective times n), ``max_iter`` (1000 epochs),
        ``selection`` ("cyclic", or "random": each epoch visits its
        coordinates in a random order) and ``random_state`` (int,
        RandomState or None: the seed of that order).

    Returns
    -------
    alphas : (n_alphas,) ndarray
    coefs : (n_features, n_alphas) or (n_targets, n_features, n_alphas) ndarray
    dual_gaps : (n_alphas,) or (n_targets, n_alphas) ndarray
        Certified duality gap of each solve, in the 1/(2n) objective.
    n_iters : list of int
        Only with ``return_n_iter``.

    Notes
    -----
    Flops per path: ``n p^2`` for ``X^T X`` in covariance mode, then per
    alpha ``2 p nnz`` for the outer gap and ``2 |W|`` per coordinate update
    on a working set W; in residual mode ``2 n p`` per outer gap and ``4 n``
    per update.  Workspace: X transposed (n p), and ``X^T X`` (p^2) in
    covariance mode.
    """
    tol = _check_real("enet_path", "tol", params.pop("tol", 1e-4))
    max_iter = _check_int("enet_path", "max_iter", params.pop("max_iter", 1000), 0)
    shuffle = _check_selection("enet_path", params.pop("selection", "cyclic"))
    seeds = _seeds(shuffle, params.pop("random_state", None))
    if params:
        raise ValueError("Unexpected parameters in params", params.keys())
    l1_ratio = _check_real("enet_path", "l1_ratio", l1_ratio, 0.0, 1.0)
    A = check_X(_Owner(), X, reset=True, copy=False)
    Y = check_y(y, A.shape[0])
    dtype = np.float32 if np.asarray(X).dtype == np.float32 else np.float64
    multi = Y.ndim == 2
    if multi and positive:
        raise ValueError("positive=True is not allowed for multi-output (y.ndim != 1)")
    design = _Design(A, Y, None, False, precompute, standardize)
    Ys = [design.target(k) for k in range(Y.shape[1])] if multi else [design.Y]
    if Xy is not None and not multi:
        Xty = np.asarray(Xy, dtype=np.float64).ravel() / design.X_scale
    else:
        Xty = None
    if alphas is None or isinstance(alphas, numbers.Integral):
        count = alphas if alphas is not None else (100 if n_alphas is None else n_alphas)
        count = _check_int("enet_path", "n_alphas", count, 1)
        XtY = np.stack([design.XT @ yk if Xty is None else Xty for yk in Ys], axis=1)
        top = np.sqrt((XtY**2).sum(axis=1)) if multi else XtY[:, 0]
        grid = _alpha_grid(top, design.n, l1_ratio, eps, count, positive)
    else:
        grid = np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1]
        if (grid < 0).any() or not np.isfinite(grid).all():
            raise ValueError(f"alphas must be finite and non-negative, got {alphas!r}")
    if Xty is None and not multi and (alphas is None or isinstance(alphas, numbers.Integral)):
        Xty = np.ascontiguousarray(XtY[:, 0])  # the grid's X^T y, not formed a second time
    out_coefs, out_gaps, out_iters = [], [], []
    failed = None
    for k, yk in enumerate(Ys):
        init = None if coef_init is None else (np.asarray(coef_init)[k] if multi else coef_init)
        coefs, gaps, n_iters, bad = _run_path(
            design, yk, grid, l1_ratio, tol, max_iter, positive, init, Xty, seeds, enet_dual
        )
        out_coefs.append(coefs)
        out_gaps.append(gaps)
        out_iters.append(n_iters)
        failed = failed or bad
    _warn_not_converged(failed, stacklevel=3)
    coefs = np.stack(out_coefs) if multi else out_coefs[0]
    gaps = np.stack(out_gaps) if multi else out_gaps[0]
    coefs = coefs.astype(dtype, copy=False)
    if return_n_iter:
        return grid, coefs, gaps, out_iters if multi else out_iters[0]
    return grid, coefs, gaps


def lasso_path(
    X,
    y,
    *,
    eps=1e-3,
    n_alphas=None,
    alphas=None,
    precompute="auto",
    Xy=None,
    copy_X=True,
    coef_init=None,
    verbose=False,
    return_n_iter=False,
    positive=False,
    standardize=False,
    **params,
):
    """Lasso coefficients along a path of alphas: :func:`enet_path` with ``l1_ratio=1``.

    Minimises ``1/(2n) ||y - X w||^2 + alpha ||w||_1`` for each alpha (see
    :func:`enet_path` for the parameters and returns).
    """
    return enet_path(
        X,
        y,
        l1_ratio=1.0,
        eps=eps,
        n_alphas=n_alphas,
        alphas=alphas,
        precompute=precompute,
        Xy=Xy,
        copy_X=copy_X,
        coef_init=coef_init,
        verbose=verbose,
        return_n_iter=return_n_iter,
        positive=positive,
        standardize=standardize,
        **params,
    )


class _Owner:
    """Stand-in estimator for ``check_X`` in the path functions (records nothing of use)."""


# --------------------------------------------------------------------------
# estimators
# --------------------------------------------------------------------------
class ElasticNet(RegressorMixin, BaseEstimator):
    """Linear regression with combined L1 and L2 penalties (scikit-learn's ``ElasticNet``).

    Minimises ``1/(2n) ||y - X w||^2 + alpha l1_ratio ||w||_1 + alpha (1 - l1_ratio)/2 ||w||^2``
    by cyclic coordinate descent with gap-safe screening, working sets and
    Anderson extrapolation, until the duality gap is at most ``tol * ||y||^2 / n``.

    Parameters
    ----------
    alpha : float >= 0
    l1_ratio : float in [0, 1]
    fit_intercept : bool
    precompute : bool or (p, p) ndarray
        Covariance (``X^T X``) mode instead of residual updates.
    max_iter : int
        Epochs (passes over the working set) at most.
    copy_X : bool
        Accepted for scikit-learn's signature: X is never modified.
    tol : float
        Duality-gap tolerance relative to ``||y||^2`` (scikit-learn's).
    warm_start : bool
        Start from the previous ``coef_``.
    positive : bool
        Non-negative coefficients.
    random_state : int, RandomState or None
        Seed of the coordinate order when ``selection="random"``.
    selection : "cyclic" or "random"
        Visit the coordinates in order, or each epoch in a fresh random
        order (a random permutation of the working set; scikit-learn draws
        coordinates with replacement).  The optimum, and what the duality
        gap certifies, are the same.
    standardize : bool
        glmnet's ``standardize=TRUE``: solve on the (centred, weighted)
        design with each column divided by its population standard
        deviation ``s_j``, and report the coefficients in the units of X.
        The penalty then weighs coefficient j by ``s_j``:
        ``alpha l1_ratio sum_j s_j |w_j| + alpha (1 - l1_ratio)/2 sum_j s_j^2 w_j^2``.

    Attributes
    ----------
    coef_ : (n_features,) or (n_targets, n_features) ndarray
    intercept_ : float or (n_targets,) ndarray
    dual_gap_ : float or (n_targets,) ndarray
        Certified duality gap, in the 1/(2n) objective.
    n_iter_ : int or list of int
        Epochs.
    sparse_coef_ : scipy.sparse array of ``coef_``

    Notes
    -----
    Penalty scaling.  jitla and scikit-learn minimise
    ``1/(2n) RSS + alpha [l1_ratio ||w||_1 + (1 - l1_ratio)/2 ||w||^2]`` on
    X as given; glmnet (``family="gaussian"``) minimises the same with
    ``lambda = alpha``, ``alpha_glmnet = l1_ratio``, but on the standardised
    design by default.  So glmnet's ``standardize=TRUE`` fit is
    ``standardize=True`` here, ``standardize=FALSE`` is the default here, and
    a penalty written with ``1/2 RSS`` (no ``1/n``, e.g. textbook lasso or
    scikit-learn's ``Ridge``) has ``lambda = n alpha``.  Two glmnet details
    not reproduced: it also scales y by its standard deviation internally
    for ``family="gaussian"``, which leaves the lasso (``l1_ratio = 1``)
    unchanged but divides the ridge part by ``sd(y)`` for ``l1_ratio < 1``;
    and its sd of a weighted column uses the weights as we do
    (rescaled to sum n).

    float32 inputs are solved in float64; ``coef_`` is returned in float32
    (scikit-learn's dtype).  With ``alpha = 0`` the problem is least squares
    and coordinate descent converges slowly (scikit-learn's warning).
    """

    _l1_ratio_fixed = None

    def __init__(
        self,
        alpha=1.0,
        *,
        l1_ratio=0.5,
        fit_intercept=True,
        precompute=False,
        max_iter=1000,
        copy_X=True,
        tol=1e-4,
        warm_start=False,
        positive=False,
        random_state=None,
        selection="cyclic",
        standardize=False,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.standardize = standardize

    def _ratio(self):
        return self.l1_ratio

    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit the coefficients; returns ``self``."""
        owner = type(self).__name__
        alpha = _check_real(owner, "alpha", self.alpha)
        l1_ratio = _check_real(owner, "l1_ratio", self._ratio(), 0.0, 1.0)
        tol = _check_real(owner, "tol", self.tol)
        max_iter = _check_int(owner, "max_iter", self.max_iter, 1)
        seeds = _seeds(_check_selection(owner, self.selection), self.random_state)
        if not (isinstance(self.precompute, (bool, np.bool_)) or isinstance(self.precompute, np.ndarray)):
            raise ValueError(
                f"The 'precompute' parameter of {owner} must be an instance of 'bool' or an array-like. "
                f"Got {self.precompute!r} instead."
            )
        if alpha == 0:
            warnings.warn(
                "With alpha=0, this algorithm does not converge well. You are advised to use the "
                "LinearRegression estimator",
                UserWarning,
                stacklevel=2,
            )
        dtype = np.float32 if getattr(X, "dtype", None) == np.float32 else np.float64
        A = check_X(self, X, reset=True, copy=False)
        Y = check_y(y, A.shape[0])
        if isinstance(sample_weight, numbers.Number):
            sample_weight = None
        sw = check_sample_weight(sample_weight, A.shape[0])
        if Y.ndim == 2 and self.positive:
            if Y.shape[1] != 1:
                raise ValueError("positive=True is not allowed for multi-output (y.ndim != 1)")
            warnings.warn(_COLUMN_Y, DataConversionWarning, stacklevel=2)
            Y = Y[:, 0]
        design = _Design(A, Y, sw, self.fit_intercept, self.precompute, self.standardize)
        k = 1 if Y.ndim == 1 else Y.shape[1]
        p = A.shape[1]
        start = None
        if self.warm_start and hasattr(self, "coef_"):
            start = np.asarray(self.coef_, dtype=np.float64).reshape(k, p) * design.X_scale
        coef = np.zeros((k, p))
        gaps = np.zeros(k)
        n_iter = []
        failed = None
        for t in range(k):
            w = np.zeros(p) if start is None else start[t].copy()
            yt = design.target(t)
            seed = None if seeds is None else seeds()
            res = design.solve(w, yt, alpha, l1_ratio, tol, max_iter, self.positive, seed=seed)
            coef[t] = w / design.X_scale
            gaps[t] = res.gap / design.n
            n_iter.append(res.n_iter)
            if not res.converged and failed is None:
                failed = (res.gap, tol * float(yt @ yt))
        _warn_not_converged(failed, stacklevel=2)
        intercept = design.y_offset - coef @ design.X_offset
        if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
            raise ValueError(
                "Coordinate descent iterations resulted in non-finite parameter values. The input data "
                "may contain large values and need to be preprocessed."
            )
        if Y.ndim == 1:
            self.coef_ = coef[0].astype(dtype)
            self.intercept_ = float(intercept[0]) if np.ndim(intercept) else float(intercept)
            self.dual_gap_ = float(gaps[0])
            self.n_iter_ = n_iter[0]
        else:
            self.coef_ = coef.astype(dtype)
            self.intercept_ = np.asarray(intercept, dtype=np.float64) if self.fit_intercept else 0.0
            self.dual_gap_ = gaps
            self.n_iter_ = n_iter
        return self

    @property
    def sparse_coef_(self):
        """``coef_`` as a scipy.sparse CSR array."""
        from scipy import sparse

        return sparse.csr_array(np.atleast_2d(self.coef_))

    def predict(self, X):
        """``X @ coef_.T + intercept_``."""
        check_is_fitted(self, "coef_")
        A = check_X(self, X, reset=False, copy=False)
        return A @ np.asarray(self.coef_, dtype=np.float64).T + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = not self.positive  # positive=True takes one target only
        return tags


class Lasso(ElasticNet):
    """Linear regression with an L1 penalty (scikit-learn's ``Lasso``): ElasticNet with ``l1_ratio=1``.

    Minimises ``1/(2n) ||y - X w||^2 + alpha ||w||_1``.  Parameters and
    attributes as :class:`ElasticNet` (no ``l1_ratio``).
    """

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        precompute=False,
        copy_X=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        positive=False,
        random_state=None,
        selection="cyclic",
        standardize=False,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.standardize = standardize

    def _ratio(self):
        return 1.0


# --------------------------------------------------------------------------
# cross-validation
# --------------------------------------------------------------------------
class ElasticNetCV(RegressorMixin, BaseEstimator):
    """Elastic net, alpha (and l1_ratio) chosen by K-fold cross-validation (scikit-learn's ``ElasticNetCV``).

    For each l1_ratio, the alpha grid is computed once on the whole data;
    each fold fits one warm-started path on its training rows (centred with
    their own means) and scores every alpha by the mean squared error on its
    test rows (weighted when sample weights are given).  The pair with the
    smallest mean over folds is refitted on all the data.

    Parameters
    ----------
    l1_ratio : float or list of floats in [0, 1]
    eps, alphas
        As :func:`enet_path` (``alphas``: grid length or the alphas).
    fit_intercept, precompute, max_iter, tol, copy_X, positive, random_state, selection, standardize
        As :class:`ElasticNet`; ``precompute="auto"`` chooses per fold, and
        with ``standardize`` each fold's training rows are standardised with
        their own standard deviations (as ``cv.glmnet``); the alpha grid is
        that of the whole standardised design.
    cv : int, splitter or iterable, optional
        scikit-learn's ``check_cv`` (default 5-fold).
    verbose, n_jobs
        Accepted for scikit-learn's signature; folds run one after another.

    Attributes
    ----------
    alpha_, l1_ratio_ : float
    alpha_1se_ : float
        glmnet's ``lambda.1se``: the largest alpha (of ``l1_ratio_``'s grid)
        whose mean CV error is within one standard error of the minimum,
        the standard error being ``std(fold errors, ddof=1) / sqrt(n_folds)``
        at the minimum (glmnet's ``cvsd`` with equal fold weights).
    alphas_ : (n_alphas,) or (n_l1_ratio, n_alphas) ndarray
    mse_path_ : (n_alphas, n_folds) or (n_l1_ratio, n_alphas, n_folds) ndarray
    coef_, intercept_, dual_gap_, n_iter_
        Of the final fit.
    """

    def __init__(
        self,
        *,
        l1_ratio=0.5,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        cv=None,
        copy_X=True,
        verbose=0,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
        standardize=False,
    ):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.standardize = standardize

    def _ratios(self):
        return np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64))

    def _final(self, alpha, l1_ratio):
        return ElasticNet(alpha=alpha, l1_ratio=l1_ratio)

    def fit(self, X, y, sample_weight=None, **params):
        """Choose alpha (and l1_ratio) by cross-validation, then refit; returns ``self``."""
        from sklearn.model_selection import check_cv

        owner = type(self).__name__
        ratios = self._ratios()
        for r in ratios:
            _check_real(owner, "l1_ratio", float(r), 0.0, 1.0)
        eps = _check_real(owner, "eps", self.eps, 0.0, low_open=True)
        tol = _check_real(owner, "tol", self.tol)
        max_iter = _check_int(owner, "max_iter", self.max_iter, 1)
        seeds = _seeds(_check_selection(owner, self.selection), self.random_state)
        A = check_X(self, X, reset=True, copy=False)
        Y = check_y(y, A.shape[0])
        if Y.ndim == 2 and Y.shape[1] > 1:
            raise ValueError(f"For multi-task outputs, use MultiTask{owner}")
        if Y.ndim == 2:
            warnings.warn(_COLUMN_Y, DataConversionWarning, stacklevel=2)
        Y = Y.reshape(-1)
        if isinstance(sample_weight, numbers.Number):
            sample_weight = None
        sw = check_sample_weight(sample_weight, A.shape[0])
        n = A.shape[0]
        if isinstance(self.alphas, numbers.Integral) and not isinstance(self.alphas, bool):
            count = _check_int(owner, "alphas", self.alphas, 1)
            full = _Design(A, Y, sw, self.fit_intercept, False, self.standardize)
            Xty = full.XT @ full.Y
            del full
            grids = np.stack([_alpha_grid(Xty, n, r, eps, count, self.positive) for r in ratios])
        else:
            given = np.asarray(self.alphas, dtype=np.float64).ravel()
            if given.size == 0 or (given < 0).any() or not np.isfinite(given).all():
                raise ValueError(f"The 'alphas' parameter of {owner} must be non-negative finite reals.")
            grids = np.tile(np.sort(given)[::-1], (len(ratios), 1))
        folds = list(check_cv(self.cv).split(A, Y))
        mse = np.empty((len(ratios), grids.shape[1], len(folds)))
        for f, (train, test) in enumerate(folds):
            sw_train = None if sw is None else sw[train]
            design = _Design(
                A[train], Y[train], sw_train, self.fit_intercept, self.precompute, self.standardize
            )
            Xty = design.XT @ design.Y if design.G is not None else None
            for r, ratio in enumerate(ratios):
                coefs, _, _, _ = _run_path(
                    design, design.Y, grids[r], ratio, tol, max_iter, self.positive, Xty=Xty, seeds=seeds
                )
                intercepts = design.y_offset - design.X_offset @ coefs
                resid = A[test] @ coefs + intercepts - Y[test][:, None]
                if sw is None:
                    mse[r, :, f] = (resid**2).mean(axis=0)
                else:
                    mse[r, :, f] = np.average(resid**2, weights=sw[test], axis=0)
        mean = mse.mean(axis=2)
        # scikit-learn keeps the first l1_ratio reaching the smallest error, then its first alpha
        best_mse, r_best, a_best = np.inf, 0, 0
        for r in range(len(ratios)):
            i = int(np.argmin(mean[r]))
            if mean[r, i] < best_mse:
                best_mse, r_best, a_best = mean[r, i], r, i
        self.alpha_ = float(grids[r_best, a_best])
        folds_best = mse[r_best]
        se = folds_best[a_best].std(ddof=1) / np.sqrt(len(folds)) if len(folds) > 1 else 0.0
        within = mean[r_best] <= mean[r_best, a_best] + se
        self.alpha_1se_ = float(grids[r_best][within].max())
        self.l1_ratio_ = float(ratios[r_best])
        self.alphas_ = grids[0] if len(ratios) == 1 else grids
        self.mse_path_ = np.squeeze(mse)
        model = self._final(self.alpha_, self.l1_ratio_)
        model.set_params(
            fit_intercept=self.fit_intercept,
            precompute=self.precompute if not isinstance(self.precompute, str) else False,
            max_iter=max_iter,
            tol=tol,
            positive=self.positive,
            selection=self.selection,
            random_state=self.random_state,
            standardize=self.standardize,
        )
        model.fit(A, Y, sample_weight=sw)
        self.coef_ = model.coef_
        self.intercept_ = model.intercept_
        self.dual_gap_ = model.dual_gap_
        self.n_iter_ = model.n_iter_
        if getattr(X, "dtype", None) == np.float32:
            self.coef_ = self.coef_.astype(np.float32)
        return self

    def predict(self, X):
        """``X @ coef_ + intercept_``."""
        check_is_fitted(self, "coef_")
        A = check_X(self, X, reset=False, copy=False)
        return A @ np.asarray(self.coef_, dtype=np.float64) + self.intercept_


class LassoCV(ElasticNetCV):
    """Lasso with alpha chosen by K-fold cross-validation (scikit-learn's ``LassoCV``).

    :class:`ElasticNetCV` with ``l1_ratio = 1`` (no ``l1_ratio`` parameter;
    ``l1_ratio_`` is not set, as in scikit-learn).
    """

    def __init__(
        self,
        *,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        copy_X=True,
        cv=None,
        verbose=False,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
        standardize=False,
    ):
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.copy_X = copy_X
        self.cv = cv
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.standardize = standardize

    def _ratios(self):
        return np.array([1.0])

    def _final(self, alpha, l1_ratio):
        return Lasso(alpha=alpha)

    def fit(self, X, y, sample_weight=None, **params):
        """Choose alpha by cross-validation, then refit; returns ``self``."""
        super().fit(X, y, sample_weight=sample_weight, **params)
        del self.l1_ratio_
        return self
