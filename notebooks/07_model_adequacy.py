# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 — Model adequacy: pictures, lack of fit, transformations, correlated errors
#
# **Course weeks 4–5, 10 and 13** of the regression course: model adequacy, transformations,
# validation, correlated errors.
#
# *Regression course, the model-adequacy weeks (Montgomery, Peck & Vining chapters 4, 5, 11 and
# 14), after inference for the linear model (notebook 04).*
#
# Every p-value of notebook 04 rests on assumptions: the mean is linear in the regressors, the
# errors have constant variance, are uncorrelated and (for small n) normal. This notebook checks
# them the way a practitioner does and repairs what fails:
#
# 1. The four pictures of R's `plot(lm)`, added-variable and component-plus-residual plots.
# 2. Is the straight line adequate? The pure-error lack-of-fit test (replicates) and the
#    near-neighbour estimate (no replicates).
# 3. Transforming the response (Box–Cox) or a regressor (Box–Tidwell).
# 4. Correlated errors in time series: Durbin–Watson with its exact p-value, Breusch–Godfrey,
#    Newey–West standard errors, Cochrane–Orcutt and Prais–Winsten.
# 5. Validation without new data: PRESS, cross-validation, the DUPLEX split.
# 6. Exercises, with solutions.

# %%
import numpy as np
import statsmodels.api as sm
from IPython.display import display

from jitla.regression import (
    GLSAR,
    OLS,
    box_tidwell,
    boxcox,
    cross_val_score,
    duplex_split,
)
from jitla.regression import diagnostics as dg

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Look before you test
#
# Engel's 1857 data: yearly food expenditure against income of 235 Belgian working-class
# households (shipped with statsmodels). A straight line fits well by R², and the pictures show
# what R² hides: the spread of the residuals grows with the fitted value (a funnel in panel 1, a
# rising trend in the scale–location panel 3), and a few large households pull on the fit (panel
# 4, labelled by row).

# %%
engel = sm.datasets.engel.load_pandas().data
X = np.column_stack([np.ones(len(engel)), engel["income"].to_numpy()])
y = engel["foodexp"].to_numpy()
fit = OLS(y, X).fit()
print(f"R^2 = {fit.rsquared:.3f}, slope = {fit.params[1]:.4f} (se {fit.bse[1]:.4f})")
fig = fit.plot_diagnostics()
display(fig)  # a Figure of its own (no pyplot state): shown explicitly
print("panels:", [ax.get_title() for ax in fig.axes])

# %% [markdown]
# The test that puts a number on the funnel is Breusch–Pagan (notebook 04); its remedy for
# inference is a heteroscedasticity-consistent covariance, and for the model a transformation
# (section 3).

# %%
bp = dg.het_breuschpagan(fit.resid, X)
print(f"Breusch-Pagan LM = {bp[0]:.1f}, p = {bp[1]:.2g}")
print("slope se: classical", round(fit.bse[1], 4), " HC3", round(fit.HC3_se[1], 4))

# %% [markdown]
# ## 2. Lack of fit
#
# With **replicates** (several runs at the same x) the variation within a group is pure error,
# free of the model, and the rest of the residual sum of squares is lack of fit. A simulated
# calibration experiment with three runs at each of eight levels and a slight curvature:

# %%
rng = np.random.default_rng(7)
level = np.repeat(np.arange(1.0, 9.0), 3)
resp = 2.0 + 1.5 * level - 0.06 * level**2 + 0.25 * rng.standard_normal(level.size)
line = OLS(resp, np.column_stack([np.ones_like(level), level])).fit()
lof = dg.lack_of_fit_test(line)
print(
    f"SS_LOF = {lof.ss_lack_of_fit:.3f} on {lof.df_lack_of_fit} df, SS_PE = {lof.ss_pure_error:.3f} "
    f"on {lof.df_pure_error} df: F = {lof.fvalue:.2f}, p = {lof.pvalue:.2g}"
)
quad = OLS(resp, np.column_stack([np.ones_like(level), level, level**2])).fit()
print(f"with x^2: p = {dg.lack_of_fit_test(quad).pvalue:.2f}")

# %% [markdown]
# Without replicates, pairs of observations that are close in the space the model predicts from
# play the part of replicates (Daniel & Wood): 0.886 times the mean |e_i − e_j| over the
# nearest pairs estimates σ without trusting the model, so √MS_Res well above it points at lack
# of fit. It is an estimate, not a test: look at how it moves as farther pairs enter.

# %%
nn = dg.near_neighbour_lack_of_fit(fit)
print(f"root MSE {nn.root_mse:.1f}, near-neighbour sigma {nn.sigma:.1f}, ratio {nn.ratio:.2f}")
print("sigma from the 5, 20, 117 nearest pairs:", nn.sigma_path[[4, 19, 116]].round(1))

# %% [markdown]
# ## 3. Transformations
#
# **Box–Cox** chooses the power λ of the response by profile likelihood: for each λ the model
# y^(λ) = Xβ + ε is a least-squares fit (one QR of X serves every λ), and
# ℓ(λ) = (λ − 1) Σ log yᵢ − (n/2) log(SSR(λ)/n). The 95 % interval is where ℓ stays within
# χ²₁,₀.₉₅ / 2 of its maximum.

# %%
bc = boxcox(y, X)
print(f"lambda = {bc.lmbda:.3f}, 95% interval {bc.conf_int.round(3)}")
fig = bc.plot()
display(fig)
for name, z in (("sqrt", np.sqrt(y)), ("log", np.log(y))):
    r = OLS(z, X).fit()
    print(f"{name:4} response: Breusch-Pagan p = {dg.het_breuschpagan(r.resid, X)[1]:.2g}")

# %% [markdown]
# For Engel's data the interval excludes both 1 (no transformation) and 0 (the logarithm) and
# contains 1/2; yet even the square root leaves the variance growing with income. Box–Cox
# maximises a *normal* likelihood, a compromise between a linear mean, constant variance and
# normal errors; it does not promise any one of them. Here the honest remedy for inference is a
# robust covariance, and the economist's model is log–log (an elasticity), used below.
#
# **Box–Tidwell** asks the same question of a regressor: which power a in y = β₀ + β₁ xᵃ fits
# best. Each iteration linearises xᵃ around the current power and needs two least-squares fits;
# the score statistic tests a = 1. For the square root of food expenditure the power of income
# is far from 1:

# %%
bt = box_tidwell(np.sqrt(y), X, 1)
print(f"power of income: {bt.powers[0]:.3f} ({bt.n_iter} iterations), score z = {bt.score_statistic[0]:.2f}")
log_fit = OLS(np.log(y), np.column_stack([np.ones(len(y)), np.log(engel["income"].to_numpy())])).fit()
print(f"log-log model: elasticity {log_fit.params[1]:.3f} (HC3 se {log_fit.HC3_se[1]:.3f})")

# %% [markdown]
# ## 4. Correlated errors
#
# Quarterly US macro data, 1959–2009: log consumption on log disposable income. Residuals of a
# time-series regression are rarely independent, and then the classical standard errors are far
# too small. Durbin–Watson's statistic has a distribution that depends on X; jitla computes its
# exact p-value from the eigenvalues of the residual-space difference operator (Imhof's
# integral) for n < 100 and the normal approximation with the exact moments beyond.

# %%
macro = sm.datasets.macrodata.load_pandas().data
ly = np.log(macro["realcons"].to_numpy())
Xm = np.column_stack([np.ones(len(ly)), np.log(macro["realdpi"].to_numpy())])
ts = OLS(ly, Xm).fit()
dw = dg.durbin_watson_test(ts)
bg = dg.acorr_breusch_godfrey(ts, nlags=4)
print(f"DW = {dw.statistic:.3f} ({dw.method} p = {dw.pvalue:.2g})")
print(f"Breusch-Godfrey(4): LM = {bg.lm:.1f}, p = {bg.lmpval:.2g}")
hac = OLS(ly, Xm).fit(cov_type="HAC", cov_kwds={"maxlags": 4})
print(f"slope se: classical {ts.bse[1]:.5f}, Newey-West(4) {hac.bse[1]:.5f}")

# %% [markdown]
# Feasible GLS models the correlation instead: with AR(1) errors u_t = ρ u_{t−1} + e_t, the
# quasi-differenced data y_t − ρ y_{t−1} satisfy the classical model. Cochrane–Orcutt drops the
# first observation, Prais–Winsten keeps it scaled by √(1 − ρ²); both alternate a least-squares
# fit and a new ρ from the residuals.

# %%
co = GLSAR(ly, Xm, 1).iterative_fit(maxiter=20)
pw = GLSAR(ly, Xm, 1, method="prais-winsten").iterative_fit(maxiter=20)
for name, r in (("Cochrane-Orcutt", co), ("Prais-Winsten", pw)):
    rho = r.model.rho[0]
    print(f"{name:16} rho = {rho:.3f}, slope {r.params[1]:.4f} (se {r.bse[1]:.4f}), n = {int(r.nobs)}")
print(f"after the AR(1) fit: DW = {dg.durbin_watson(co.wresid):.2f}")

# %% [markdown]
# With ρ̂ ≈ 0.99 the quasi-differenced constant and trend nearly vanish, and the one observation
# that Cochrane–Orcutt drops carries much of the information about the level: the two slopes
# differ a lot. Prais–Winsten's full transform is the exact GLS of the stationary AR(1) model
# and is the safer choice with trending regressors (Park & Mitchell 1980); a ρ this close to 1
# also says the levels regression may be spurious, and a model in growth rates (exercise 6.3)
# is the better question.

# %% [markdown]
# ## 5. Validation without new data
#
# PRESS, the sum of squared leave-one-out prediction errors, needs no refits: the deleted residual
# is eᵢ / (1 − hᵢ), from the leverages of the fit's own QR. Cross-validation refits, and agrees
# exactly with PRESS at k = n. DUPLEX splits the data into estimation and prediction sets that
# both cover the region of the regressors.

# %%
print(
    f"PRESS = {log_fit.press:.4f}, R^2 = {log_fit.rsquared:.4f}, predicted R^2 = {log_fit.rsquared_pred:.4f}"
)
Xl = log_fit.model.exog
loo = cross_val_score(OLS, Xl, np.log(y), cv=len(y), shuffle=False)
print(f"leave-one-out CV: sum of squared errors {-loo.sum():.4f}")
cv10 = cross_val_score(OLS, Xl, np.log(y), cv=10, n_repeats=5, random_state=0)
print(f"10-fold CV (5 repeats): MSE {-cv10.mean():.5f} +- {cv10.std(ddof=1) / np.sqrt(cv10.size):.5f}")
est, pred = duplex_split(Xl, test_size=0.3)
print(f"DUPLEX: {len(est)} estimation / {len(pred)} prediction rows")
print("income range, estimation:", np.exp(Xl[est, 1]).min().round(), np.exp(Xl[est, 1]).max().round())
print("income range, prediction:", np.exp(Xl[pred, 1]).min().round(), np.exp(Xl[pred, 1]).max().round())

# %% [markdown]
# ## 6. Exercises
#
# **6.1** Show that the slope of the added-variable plot of income in the log-log model is the
# fitted elasticity, and that the residuals of that scatter are the model's residuals.
#
# **6.2** In the calibration experiment of section 2, a new run gives the response 11.0. Estimate
# the level that produced it from the quadratic-free straight line, with the inversion interval
# (`jitla.regression.calibrate`). Why is the interval not symmetric about the estimate?
#
# **6.3** Regress consumption growth on income growth (differences of the logs) over the last
# 60 quarters, where the exact Durbin–Watson p-value is the default (n < 100), and check that
# p-value by simulation: draw normal errors, project them onto the residual space of X, and count
# how often d falls below the observed value.

# %% [markdown] tags=["solution"] jupyter={"source_hidden": true}
# ### Solutions
#
# **6.1**

# %% tags=["solution"] jupyter={"source_hidden": true}
av = log_fit.plot_partregress(1)
pts = av.axes[0].collections[0].get_offsets()
slope = (pts[:, 0] @ pts[:, 1]) / (pts[:, 0] @ pts[:, 0])
print(f"added-variable slope {slope:.6f} = elasticity {log_fit.params[1]:.6f}")
print("same residuals:", np.allclose(pts[:, 1] - slope * pts[:, 0], log_fit.resid))

# %% [markdown] tags=["solution"] jupyter={"source_hidden": true}
# **6.2** The estimate is a ratio (ȳ₀ − b₀)/b₁: its interval comes from inverting the prediction
# interval, a quadratic in x whose roots sit farther on the side away from x̄ (Fieller).

# %% tags=["solution"] jupyter={"source_hidden": true}
from jitla.regression import calibrate

cal = calibrate(line, 11.0)
print(f"x0 = {cal.estimate:.3f}, 95% interval ({cal.lower:.3f}, {cal.upper:.3f})")

# %% [markdown] tags=["solution"] jupyter={"source_hidden": true}
# **6.3**

# %% tags=["solution"] jupyter={"source_hidden": true}
dy, dx = np.diff(ly)[-60:], np.diff(np.log(macro["realdpi"].to_numpy()))[-60:]
Xs = np.column_stack([np.ones(60), dx])
exact = dg.durbin_watson_test(OLS(dy, Xs).fit())
M = np.eye(60) - Xs @ np.linalg.pinv(Xs)
sims = np.random.default_rng(0).standard_normal((20_000, 60)) @ M
d = (np.diff(sims, axis=1) ** 2).sum(1) / (sims**2).sum(1)
p_sim = (d <= exact.statistic).mean()
print(f"d = {exact.statistic:.3f}: exact p = {exact.pvalue:.4f}, simulated p = {p_sim:.4f}")
