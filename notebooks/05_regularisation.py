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
# # 05 — Regularisation and variable selection
#
# **Course week 9** of a one-semester regression course that follows Montgomery, Peck & Vining,
# *Introduction to Linear Regression Analysis* (notebook 04 covers weeks 1–8 and ends with
# collinearity, MPV ch. 9). This week is model building: which variables to keep (MPV ch. 10,
# all-possible regressions and stepwise methods) and how to shrink instead of choosing
# (ridge and the lasso, Hastie, Tibshirani & Friedman, *ESL*, 2nd ed., Sec. 3.3–3.4).
#
# One data set throughout: scikit-learn's **diabetes** data (Efron, Hastie, Johnstone &
# Tibshirani 2004, "Least angle regression"): 442 patients, ten baseline measurements
# (age, sex, body-mass index, blood pressure, six blood serum measurements s1–s6), and a
# measure of disease progression one year later.
#
# 1. The least-squares fit and its collinearity.
# 2. Ridge regression: the ridge trace and the effective degrees of freedom.
# 3. Choosing the ridge penalty by leave-one-out: one SVD for the whole grid.
# 4. The lasso path: variables enter one by one.
# 5. Cross-validating the lasso: the CV curve, its ±1 SE band and the one-standard-error rule.
# 6. Best subsets by leaps and bounds against stepwise selection.
# 7. Exercises, with solutions.

# %%
import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes

from jitla.regression import (
    LassoCV,
    Ridge,
    RidgeCV,
    best_subsets,
    lasso_path,
    ols,
    stepwise,
)
from jitla.regression import diagnostics as diag

data = load_diabetes(as_frame=True)
X = data.data  # DataFrame: each column centred and scaled to unit length
y = data.target
n, p = X.shape
print(f"n = {n}, p = {p}; columns: {list(X.columns)}")

try:
    import matplotlib.pyplot as plt
except ImportError:  # the numbers below are printed either way
    plt = None

# %% [markdown]
# ## 1. Least squares, and why we might want less of it
#
# The full model fits well enough (R² ≈ 0.52), but several serum measurements are strongly
# correlated — s1 (total cholesterol) is almost the sum of s2 (LDL) and s3 (HDL) — and their
# variance inflation factors show it: their coefficients are large, of opposite signs, and
# poorly determined.

# %%
full = ols(X, y)
print(f"R^2 = {full.rsquared:.4f}, adj R^2 = {full.rsquared_adj:.4f}, sigma = {np.sqrt(full.scale):.2f}")
vif = pd.Series(
    [diag.variance_inflation_factor(full.model.exog, j) for j in range(1, p + 1)], index=X.columns
)
print(pd.DataFrame({"coef": full.params[1:], "se": full.bse[1:], "VIF": vif}).round(2))

# %% [markdown]
# ## 2. Ridge regression and the ridge trace
#
# Ridge minimises ‖y − β₀ − Xβ‖² + α‖β‖² (the intercept is not penalised). With the SVD of the
# centred design X = U D Vᵀ its solution is β(α) = V diag(dⱼ / (dⱼ² + α)) Uᵀy: each principal
# direction is shrunk by the factor dⱼ² / (dⱼ² + α), the small-dⱼ (collinear) directions most.
# The **effective degrees of freedom** tr H(α) = Σ dⱼ² / (dⱼ² + α) fall from p to 0 as α grows.
#
# The ridge trace (Hoerl & Kennard 1970) plots the coefficients against α: the collinear
# s1/s2/s3 group collapses quickly, the strong effects (bmi, s5, bp) survive.

# %%
alphas = np.logspace(-4, 1, 30)
trace = np.array([Ridge(alpha=a).fit(X, y).coef_ for a in alphas])
Xc = X.to_numpy() - X.to_numpy().mean(axis=0)
d = np.linalg.svd(Xc, compute_uv=False)
edf = np.array([np.sum(d**2 / (d**2 + a)) for a in alphas])

# the SVD formula, checked at one alpha against the fitted Ridge
U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
a = alphas[10]
beta_svd = Vt.T @ (s / (s**2 + a) * (U.T @ (y.to_numpy() - y.mean())))
print("ridge by SVD formula = Ridge().fit:", np.allclose(beta_svd, trace[10], rtol=1e-10, atol=1e-8))
print(f"effective df from {edf[0]:.2f} (alpha = {alphas[0]:g}) to {edf[-1]:.2f} (alpha = {alphas[-1]:g})")

if plt is not None:
    fig, ax = plt.subplots(figsize=(7, 4))
    for j, name in enumerate(X.columns):
        ax.plot(alphas, trace[:, j], label=name)
    ax.set_xscale("log")
    ax.set_xlabel("alpha")
    ax.set_ylabel("coefficient")
    ax.set_title("Ridge trace, diabetes data")
    ax.legend(ncol=2, fontsize=8)

# %% [markdown]
# ## 3. Choosing α by leave-one-out, for the whole grid at once
#
# Refitting n = 442 times per α would be the brute-force way. For a linear smoother the
# leave-one-out residual is eᵢ / (1 − Hᵢᵢ) (the same identity as PRESS), and with the SVD both
# eᵢ and Hᵢᵢ are cheap for every α: `RidgeCV` evaluates the whole grid from one decomposition.
# We check one α against honest refits.

# %%
cv = RidgeCV(alphas=alphas, store_cv_results=True).fit(X, y)
loo_mse = cv.cv_results_.mean(axis=0)
print(f"RidgeCV alpha_ = {cv.alpha_:.4g}, LOO MSE = {loo_mse.min():.1f} (OLS: {loo_mse[0]:.1f} at alpha ~ 0)")

k = int(np.argmin(loo_mse))
Xv, yv = X.to_numpy(), y.to_numpy()
rows = range(60)  # the first 60 patients: enough to see the identity hold row by row
brute = np.empty(len(rows))
for i in rows:
    keep = np.arange(n) != i
    model = Ridge(alpha=alphas[k]).fit(Xv[keep], yv[keep])
    brute[i] = (yv[i] - model.predict(Xv[i : i + 1])[0]) ** 2
shortcut = cv.cv_results_[: len(rows), k]
print(f"60 refits vs the shortcut: largest relative difference {np.max(np.abs(brute / shortcut - 1)):.1e}")

if plt is not None:
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(alphas, loo_mse, marker=".")
    ax.axvline(cv.alpha_, color="grey", linestyle=":")
    ax.set_xscale("log")
    ax.set_xlabel("alpha")
    ax.set_ylabel("leave-one-out MSE")
    ax.set_title("Ridge: leave-one-out error")

# %% [markdown]
# ## 4. The lasso path
#
# The lasso, ½n⁻¹‖y − Xβ‖² + α‖β‖₁ (scikit-learn's scaling), sets coefficients exactly to zero.
# Along a decreasing grid of α, starting at α_max = ‖Xᵀy‖∞ / n where every coefficient is zero,
# the variables enter one at a time. `lasso_path` solves each α by coordinate descent, warm
# started from the previous one, and certifies each solution by its duality gap.

# %%
ym = yv - yv.mean()
path_alphas, coefs, gaps = lasso_path(Xc, ym, eps=1e-3, n_alphas=60)
alpha_max = np.abs(Xc.T @ ym).max() / n
print(f"alpha_max = {alpha_max:.4f}, the first grid point {path_alphas[0]:.4f}")
print(f"every solution certified by its duality gap, the largest {gaps.max():.1e}")
entry = {X.columns[j]: path_alphas[np.flatnonzero(coefs[j])[0]] for j in range(p) if coefs[j].any()}
print("order of entry:", ", ".join(f"{k} ({v:.3g})" for k, v in sorted(entry.items(), key=lambda kv: -kv[1])))

if plt is not None:
    fig, ax = plt.subplots(figsize=(7, 4))
    for j, name in enumerate(X.columns):
        ax.plot(path_alphas, coefs[j], label=name)
    ax.set_xscale("log")
    ax.invert_xaxis()
    ax.set_xlabel("alpha (decreasing)")
    ax.set_ylabel("coefficient")
    ax.set_title("Lasso path, diabetes data")
    ax.legend(ncol=2, fontsize=8)

# %% [markdown]
# ## 5. Cross-validating the lasso, and the one-standard-error rule
#
# `LassoCV` runs the path on each of K folds and averages the held-out errors. The curve is
# flat near its minimum, and the fold-to-fold spread is large: glmnet's habit is to report both
# λ_min and **λ_1se**, the largest α whose CV error is within one standard error of the minimum —
# a sparser model that the data cannot tell apart from the best.

# %%
lcv = LassoCV(cv=10, alphas=60, eps=1e-3).fit(X, y)
mse = lcv.mse_path_.mean(axis=1)
se = lcv.mse_path_.std(axis=1, ddof=1) / np.sqrt(lcv.mse_path_.shape[1])
i_min = int(np.argmin(mse))
alpha_1se = lcv.alphas_[np.flatnonzero(mse <= mse[i_min] + se[i_min]).min()]
model_1se = lasso_path(Xc, ym, alphas=[alpha_1se])[1][:, 0]
print(f"alpha_min = {lcv.alpha_:.4g}: {np.count_nonzero(lcv.coef_)} variables, CV MSE {mse[i_min]:.1f}")
print(
    f"alpha_1se = {alpha_1se:.4g}: {np.count_nonzero(model_1se)} variables {list(X.columns[model_1se != 0])}"
)

if plt is not None:
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(lcv.alphas_, mse, marker=".")
    ax.fill_between(lcv.alphas_, mse - se, mse + se, alpha=0.25)
    ax.axvline(lcv.alpha_, color="grey", linestyle=":", label="alpha_min")
    ax.axvline(alpha_1se, color="black", linestyle="--", label="alpha_1se")
    ax.set_xscale("log")
    ax.set_xlabel("alpha")
    ax.set_ylabel("10-fold CV MSE")
    ax.legend()

# %% [markdown]
# ## 6. Best subsets against stepwise selection
#
# **All possible regressions** (MPV Sec. 10.2.1) fits every subset of the ten variables — 1,023
# models here, 10⁹ at p = 30. `best_subsets` does not: it holds the R factor of the centred
# [X | y], reads the residual sum of squares of the leading columns off the last column of R,
# reorders columns with Givens rotations, and walks the tree of subsets that drops one column at a
# time. A subtree is cut as soon as the RSS of its largest model — a lower bound on every model
# inside it — beats none of the current best models of the sizes it could produce (Furnival &
# Wilson's *leaps and bounds*). The criteria R², adjusted R², Mallows' Cp, AIC and BIC all rank
# models of one size as the RSS does, so one search serves them all.

# %%
bs = best_subsets(X, y, criterion="bic")
table = bs.summary_frame()
print(table[["size", "variables", "rsquared_adj", "cp", "bic", "press"]].round(3).to_string(index=False))
print(f"tree nodes built: {bs.n_nodes} of {2 ** (p - 1)} ({bs.n_pruned} subtrees cut by the bound)")
for crit, values, pick in (
    ("BIC", bs.bic, np.argmin),
    ("Cp", bs.cp, np.argmin),
    ("adj R^2", bs.rsquared_adj, np.argmax),
    ("PRESS", bs.press, np.argmin),
):
    print(f"best by {crit:8}: {list(bs.subsets[int(pick(values))])}")

# %% [markdown]
# A good Cp model has Cp ≈ p (its number of parameters, intercept included): bias shows as Cp
# well above the line. Here sizes 4–6 sit near it.

# %%
if plt is not None:
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(bs.size + 1, bs.cp, marker="o")
    ax.plot([2, p + 1], [2, p + 1], color="grey", linestyle=":")
    ax.set_ylim(0, 40)
    ax.set_xlabel("parameters p (with intercept)")
    ax.set_ylabel("Mallows' Cp")

# %% [markdown]
# **Stepwise methods** (MPV Sec. 10.2.2) look at far fewer models: forward selection adds the
# variable that lowers the criterion most, backward elimination drops the one whose removal
# lowers it most, and the stepwise ("both") method may do either at each step. jitla scores every
# candidate from the same R factor (adding column c lowers the RSS by (uᵀv)²/uᵀu, the parts of
# the column and of y orthogonal to the model), so no model is refitted. They usually — not
# always — land on a best subset: here every direction and criterion ends at the six-variable
# model that Cp and PRESS prefer, but none reaches the five-variable model BIC prefers
# ({sex, bmi, bp, s3, s5}): forward selection took s1 at step 4, and s3 is never worth adding
# once s1 is in. Exercise 7.2 finds where the two paths part.

# %%
for direction in ("forward", "backward", "both"):
    for crit in ("aic", "bic", "f"):
        sw = stepwise(X, y, direction, crit)
        print(f"{direction:8} {crit:3}: {len(sw.history) - 1} steps -> {sw.selected}")
print(stepwise(X, y, "forward", "bic").history_frame().round(2).to_string(index=False))

# %% [markdown]
# ## 7. Exercises
#
# **7.1** Compute the effective degrees of freedom of ridge at `cv.alpha_` twice: from the
# singular values, and as the trace of the explicit hat matrix of the centred design. Why is the
# intercept's one degree of freedom not in either?
#
# **7.2** For each size k, compare the RSS of the best subset with the RSS of the k-th model on
# the forward-selection path (criterion BIC gives a short path; use `max_steps=p` with the F
# criterion and `f_in=0` to get the whole path). Which can never be smaller, and why? Where do
# they differ on these data?
#
# **7.3** Check the lasso's optimality (KKT) conditions at `lcv.alpha_` on the whole data:
# |xⱼᵀr| / n ≤ α for every j, with equality and the sign of βⱼ where βⱼ ≠ 0.
#
# **7.4** Split the data (first 300 rows to train, the rest to test) and compare the test MSE
# of OLS, RidgeCV, LassoCV and the best subset by BIC.

# %% [markdown] tags=["solution"] jupyter={"source_hidden": true}
# ### Solutions
#
# **7.1** H(α) = X(XᵀX + αI)⁻¹Xᵀ on the centred X; the intercept is fitted by centring, is not
# shrunk, and would add exactly 1 to both numbers.

# %% tags=["solution"] jupyter={"source_hidden": true}
alpha = cv.alpha_
H = Xc @ np.linalg.solve(Xc.T @ Xc + alpha * np.eye(p), Xc.T)
print(f"tr H = {np.trace(H):.10f}, sum d^2/(d^2+alpha) = {np.sum(d**2 / (d**2 + alpha)):.10f}")

# %% [markdown] tags=["solution"] jupyter={"source_hidden": true}
# **7.2** The best subset of size k minimises the RSS over *all* k-subsets, the forward path's
# k-th model is one of them: the best-subset RSS is never larger. The F criterion with f_in = 0
# makes forward selection run to the full model.

# %% tags=["solution"] jupyter={"source_hidden": true}
path = stepwise(X, y, "forward", "f", f_in=0.0, f_out=0.0)
forward_rss = [s.rss for s in path.history[1:]]
for k in range(1, p + 1):
    gap = forward_rss[k - 1] - bs.rss[k - 1]
    assert gap >= -1e-9 * bs.rss[k - 1]
    if gap > 1e-9 * bs.rss[k - 1]:
        entered = [s.variable for s in path.history[1 : k + 1]]
        print(
            f"size {k}: forward {sorted(entered)} RSS {forward_rss[k - 1]:.0f} > "
            f"best {list(bs.subsets[k - 1])} RSS {bs.rss[k - 1]:.0f}"
        )

# %% [markdown] tags=["solution"] jupyter={"source_hidden": true}
# **7.3**

# %% tags=["solution"] jupyter={"source_hidden": true}
r = ym - Xc @ lcv.coef_
corr = Xc.T @ r / n
active = lcv.coef_ != 0
print("max |x_j^T r|/n / alpha:", np.abs(corr).max() / lcv.alpha_)
print(
    "on the active set, x_j^T r / n = alpha sign(beta_j):",
    np.allclose(corr[active], lcv.alpha_ * np.sign(lcv.coef_[active]), rtol=1e-4),
)

# %% [markdown] tags=["solution"] jupyter={"source_hidden": true}
# **7.4**

# %% tags=["solution"] jupyter={"source_hidden": true}
tr, te = slice(0, 300), slice(300, None)
Xtr, Xte, ytr, yte = X.iloc[tr], X.iloc[te], y.iloc[tr], y.iloc[te]
fits = {
    "OLS": ols(Xtr, ytr),
    "RidgeCV": RidgeCV(alphas=alphas).fit(Xtr, ytr),
    "LassoCV": LassoCV(cv=10, alphas=60).fit(Xtr, ytr),
}
best = best_subsets(Xtr, ytr, criterion="bic")
cols = list(best.best_subset)
pred = {
    "OLS": fits["OLS"].model.predict(fits["OLS"].params, np.column_stack([np.ones(len(yte)), Xte])),
    "RidgeCV": fits["RidgeCV"].predict(Xte),
    "LassoCV": fits["LassoCV"].predict(Xte),
    f"best subset {cols}": best.best.model.predict(
        best.best.params, np.column_stack([np.ones(len(yte)), Xte[cols]])
    ),
}
for name, yhat in pred.items():
    print(f"{name:50} test MSE {np.mean((yte.to_numpy() - yhat) ** 2):8.1f}")
