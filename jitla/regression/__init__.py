"""Linear regression on jitla's QR kernels: statsmodels-grade inference, scikit-learn estimators.

Models (statsmodels' shape; ``fit`` returns an immutable results object)::

    from jitla.regression import OLS, WLS, GLS, GLSAR, ols
    res = OLS(y, X).fit()                      # no constant added, as statsmodels
    res = ols(X, y)                            # adds a constant, as scikit-learn / R
    res = ols("y ~ x1 + np.log(x2) + C(g)", data=df)   # formulas via formulaic (optional)
    res.params, res.bse, res.pvalues, res.conf_int(), res.summary()

Estimators (scikit-learn's API, usable in pipelines and grid searches)::

    from jitla.regression import LinearRegression
    LinearRegression().fit(X, y).predict(X_new)

Penalised regression (scikit-learn's names and objective; coordinate descent
certified by the duality gap)::

    from jitla.regression import Lasso, ElasticNet, LassoCV, ElasticNetCV, lasso_path, enet_path
    Lasso(alpha=0.1).fit(X, y).coef_
    alphas, coefs, dual_gaps = lasso_path(X, y)

Generalized linear models (statsmodels' ``GLM``; IRLS on jitla's QR)::

    from jitla.regression import GLM, families
    GLM(y, X, families.Poisson()).fit().summary()

Robust regression (statsmodels' ``RLM``; M-estimation by IRLS on jitla's QR)::

    from jitla.regression import RLM, robust_norms
    RLM(y, X, M=robust_norms.TukeyBiweight()).fit(cov="H2").summary()
    LTS(y, X).fit().params, MM(y, X).fit().params      # high breakdown (bad leverage points)

Diagnostics (statsmodels' names): :mod:`jitla.regression.diagnostics`
(Durbin-Watson, Jarque-Bera, omnibus, Breusch-Pagan, White, RESET, VIF,
Belsley-Kuh-Welsch condition indices, the pure-error lack-of-fit test and
its near-neighbour estimate).  Transformations: ``boxcox`` (profile
likelihood of the response's power, with its interval and plot) and
``box_tidwell`` (powers of regressors).

Nonlinear least squares (Moré's Levenberg-Marquardt on a pivoted QR, or Gauss-Newton)::

    from jitla.regression import NLS, curve_fit
    NLS(lambda x, a, k: a * np.exp(-k * x), x, y, p0=[1, 0.1]).fit().summary()
    popt, pcov = curve_fit(f, xdata, ydata, p0)     # scipy.optimize.curve_fit's semantics

Least squares always goes through QR (never ``inv(X.T @ X)``); collinear
columns are detected, named in a :class:`CollinearityWarning`, and their
coefficients returned as NaN.

Penalised least squares: ``Ridge``, ``RidgeCV`` (leave-one-out for a grid
of alphas from one decomposition), ``ridge`` (a fit with effective degrees
of freedom and the sandwich covariance).

The scikit-learn-style names (``LinearRegression``, ``Ridge``, ``RidgeCV``, ``PolynomialFeatures``,
``poly``, ``polyfit``, ``PolyCoefs``, the lasso family) load on first use: they derive from
scikit-learn's base classes when it is installed, and importing scikit-learn
takes longer than the rest of jitla together.
"""

import importlib

from jitla.regression import diagnostics
from jitla.regression._constraints import linear_constraints
from jitla.regression._data import MissingDataError
from jitla.regression._fit import CollinearityWarning
from jitla.regression._glsar import GLSAR, yule_walker
from jitla.regression._influence import InfluenceWarning, OLSInfluence
from jitla.regression._model import GLS, OLS, WLS, ols
from jitla.regression._results import ContrastResults, PredictionResults, RegressionResults

__all__ = [
    "OLS",
    "WLS",
    "GLS",
    "GLSAR",
    "yule_walker",
    "ols",
    "LinearRegression",
    "Ridge",
    "RidgeCV",
    "RidgeResults",
    "ridge",
    "RegressionResults",
    "ContrastResults",
    "PredictionResults",
    "CollinearityWarning",
    "OLSInfluence",
    "InfluenceWarning",
    "MissingDataError",
    "linear_constraints",
    "PolynomialFeatures",
    "poly",
    "PolyCoefs",
    "polyfit",
    "PolyfitResults",
    "diagnostics",
    "Lasso",
    "ElasticNet",
    "LassoCV",
    "ElasticNetCV",
    "lasso_path",
    "enet_path",
    # variable selection (best subsets by leaps and bounds, stepwise)
    "best_subsets",
    "stepwise",
    "BestSubsetsResults",
    "StepwiseResults",
    # generalized linear models
    "GLM",
    "GLMResults",
    "glm",
    "families",
    "PerfectSeparationWarning",
    "GLMConvergenceWarning",
    "LogisticRegression",
    "PoissonRegressor",
    "GammaRegressor",
    "TweedieRegressor",
    "LogisticRegressionCV",
    "logistic_path",
    "plot_path",
    "plot_cv",
    # robust regression (M-estimation by IRLS)
    "RLM",
    "RLMResults",
    "robust_norms",
    "RLMConvergenceWarning",
    "ExactFitWarning",
    "LTS",
    "LTSResults",
    "MM",
    # least angle regression, PCR and PLS
    "Lars",
    "LassoLars",
    "LassoLarsIC",
    "lars_path",
    "PCR",
    "PLSRegression",
    # transformations
    "boxcox",
    "boxcox_llf",
    "BoxCoxResult",
    "box_tidwell",
    "BoxTidwellResult",
    # validation
    "cross_val_score",
    "kfold_indices",
    "duplex_split",
    # measurement error and calibration
    "deming",
    "DemingResult",
    "calibrate",
    "CalibrationResult",
    # diagnostic pictures
    "plot_diagnostics",
    "plot_partregress",
    "plot_ccpr",
    "plot_influence",
    "lowess",
    # nonlinear least squares
    "NLS",
    "NLSResults",
    "curve_fit",
    "NLSConvergenceWarning",
]

#: Names defined in modules that import scikit-learn, loaded by ``__getattr__``.
_LAZY = {
    "LinearRegression": "jitla.regression._linear",
    "Ridge": "jitla.regression._ridge",
    "RidgeCV": "jitla.regression._ridge",
    "RidgeResults": "jitla.regression._ridge",
    "ridge": "jitla.regression._ridge",
    "PolynomialFeatures": "jitla.regression._poly",
    "poly": "jitla.regression._poly",
    "PolyCoefs": "jitla.regression._poly",
    "polyfit": "jitla.regression._poly",
    "PolyfitResults": "jitla.regression._poly",
    "Lasso": "jitla.regression._lasso",
    "ElasticNet": "jitla.regression._lasso",
    "LassoCV": "jitla.regression._lasso",
    "ElasticNetCV": "jitla.regression._lasso",
    "lasso_path": "jitla.regression._lasso",
    "enet_path": "jitla.regression._lasso",
    # variable selection: loaded on first use, so importing jitla.regression loads no new kernel module
    "best_subsets": "jitla.regression._selection",
    "stepwise": "jitla.regression._selection",
    "BestSubsetsResults": "jitla.regression._selection",
    "StepwiseResults": "jitla.regression._selection",
    # generalized linear models
    # (GLM and glm through the Dask module, which registers the Dask GLM that GLM(y, X) builds)
    "GLM": "jitla.regression._dask_glm",
    "GLMResults": "jitla.regression._glm",
    "glm": "jitla.regression._dask_glm",
    "PerfectSeparationWarning": "jitla.regression._glm",
    "GLMConvergenceWarning": "jitla.regression._glm",
    "LogisticRegression": "jitla.regression._glm_estimators",
    "PoissonRegressor": "jitla.regression._glm_estimators",
    "GammaRegressor": "jitla.regression._glm_estimators",
    "TweedieRegressor": "jitla.regression._glm_estimators",
    "LogisticRegressionCV": "jitla.regression._glm_estimators",
    "logistic_path": "jitla.regression._glm_estimators",
    "plot_path": "jitla.regression._lasso_plot",
    "plot_cv": "jitla.regression._lasso_plot",
    # robust regression (M-estimation by IRLS)
    "RLM": "jitla.regression._rlm",
    "RLMResults": "jitla.regression._rlm",
    "RLMConvergenceWarning": "jitla.regression._rlm",
    "ExactFitWarning": "jitla.regression._rlm",
    "LTS": "jitla.regression._high_breakdown",
    "LTSResults": "jitla.regression._high_breakdown",
    "MM": "jitla.regression._high_breakdown",
    # least angle regression, PCR and PLS
    "Lars": "jitla.regression._lars",
    "LassoLars": "jitla.regression._lars",
    "LassoLarsIC": "jitla.regression._lars",
    "lars_path": "jitla.regression._lars",
    "PCR": "jitla.regression._components",
    "PLSRegression": "jitla.regression._components",
    # transformations
    "boxcox": "jitla.regression._transform",
    "boxcox_llf": "jitla.regression._transform",
    "BoxCoxResult": "jitla.regression._transform",
    "box_tidwell": "jitla.regression._transform",
    "BoxTidwellResult": "jitla.regression._transform",
    # validation
    "cross_val_score": "jitla.regression._validation",
    "kfold_indices": "jitla.regression._validation",
    "duplex_split": "jitla.regression._validation",
    # measurement error and calibration
    "deming": "jitla.regression._measurement",
    "DemingResult": "jitla.regression._measurement",
    "calibrate": "jitla.regression._measurement",
    "CalibrationResult": "jitla.regression._measurement",
    # diagnostic pictures
    "plot_diagnostics": "jitla.regression._plots",
    "plot_partregress": "jitla.regression._plots",
    "plot_ccpr": "jitla.regression._plots",
    "plot_influence": "jitla.regression._plots",
    "lowess": "jitla.regression._plots",
    # nonlinear least squares
    "NLS": "jitla.regression._nls",
    "NLSResults": "jitla.regression._nls",
    "curve_fit": "jitla.regression._nls",
    "NLSConvergenceWarning": "jitla.regression._nls",
}


def __getattr__(name: str):
    if name in ("families", "robust_norms"):
        value = importlib.import_module(f"jitla.regression.{name}")
        globals()[name] = value
        return value
    try:
        module_name = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'jitla.regression' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
