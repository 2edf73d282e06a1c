"""Linear regression on jitla's QR kernels: statsmodels-grade inference, scikit-learn estimators.

Models (statsmodels' shape; ``fit`` returns an immutable results object)::

    from jitla.regression import OLS, WLS, GLS, ols
    res = OLS(y, X).fit()                      # no constant added, as statsmodels
    res = ols(X, y)                            # adds a constant, as scikit-learn / R
    res = ols("y ~ x1 + np.log(x2) + C(g)", data=df)   # formulas via formulaic (optional)
    res.params, res.bse, res.pvalues, res.conf_int(), res.summary()

Estimators (scikit-learn's API, usable in pipelines and grid searches)::

    from jitla.regression import LinearRegression
    LinearRegression().fit(X, y).predict(X_new)

Diagnostics (statsmodels' names): :mod:`jitla.regression.diagnostics`
(Durbin-Watson, Jarque-Bera, omnibus, Breusch-Pagan, White, RESET, VIF,
Belsley-Kuh-Welsch condition indices).

Least squares always goes through QR (never ``inv(X.T @ X)``); collinear
columns are detected, named in a :class:`CollinearityWarning`, and their
coefficients returned as NaN.
"""

from jitla.regression import diagnostics
from jitla.regression._constraints import linear_constraints
from jitla.regression._data import MissingDataError
from jitla.regression._fit import CollinearityWarning
from jitla.regression._influence import InfluenceWarning, OLSInfluence
from jitla.regression._linear import LinearRegression
from jitla.regression._model import GLS, OLS, WLS, ols
from jitla.regression._poly import PolyCoefs, PolyfitResults, PolynomialFeatures, poly, polyfit
from jitla.regression._results import ContrastResults, PredictionResults, RegressionResults

__all__ = [
    "OLS",
    "WLS",
    "GLS",
    "ols",
    "LinearRegression",
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
]
