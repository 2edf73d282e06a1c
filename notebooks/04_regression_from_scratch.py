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
# # 04 — Regression from scratch
#
# **Course weeks 1–7** of the regression course (simple and multiple regression, inference,
# residual analysis, leverage and influence, polynomial models; collinearity starts week 9).
#
# A first regression course, computed with jitla's QR factorisation and checked against the
# formulas at every step:
#
# 1. Simple regression: the line through a cloud, and least squares as a projection.
# 2. Multiple regression and the summary table.
# 3. Inference: standard errors from R, t and F tests, nested models, prediction intervals.
# 4. Residual analysis: patterns, heteroscedasticity, autocorrelation, normality.
# 5. Leverage and influence: what the rows of Q say about each observation.
# 6. Collinearity: the Longley data, VIFs, condition indices and the diagonal of R.
# 7. Polynomial fits: raw powers against orthogonal polynomials, and why the normal equations
#    lose twice the digits.

# %%
import warnings

import numpy as np
import pandas as pd
from scipy import stats

import jitla.linalg as jl
from jitla.regression import OLS, CollinearityWarning, ols
from jitla.regression import diagnostics as diag

rng = np.random.default_rng(4)

# %% [markdown]
# ## 1. Simple regression
#
# Twenty-five points scattered around the line y = 3 + 0.8 x. The least-squares line minimises the
# sum of squared vertical distances; setting the two derivatives to zero gives the slope
# b₁ = Sxy / Sxx and the intercept b₀ = ȳ − b₁ x̄.

# %%
n = 25
x = rng.uniform(0, 10, n)
y = 3.0 + 0.8 * x + rng.normal(0, 1.0, n)

Sxy = np.sum((x - x.mean()) * (y - y.mean()))
Sxx = np.sum((x - x.mean()) ** 2)
b1 = Sxy / Sxx
b0 = y.mean() - b1 * x.mean()
print(f"by hand: intercept {b0:.6f}, slope {b1:.6f}")

# %% [markdown]
# ### The same fit as geometry
#
# Write the model as y ≈ X b with X = [1, x]. The fitted vector ŷ = X b is the point of the column
# space of X closest to y, so the residual e = y − ŷ is orthogonal to that space: Xᵀ e = 0. These are
# the normal equations XᵀX b = Xᵀy. With X = Q R (Q orthonormal columns, R upper triangular) the
# projection is ŷ = Q Qᵀ y and b solves the triangular system R b = Qᵀ y — no XᵀX needed.

# %%
X = np.column_stack([np.ones(n), x])
Q, R = jl.qr(X)
c = Q.T @ y
b = jl.solve_triangular(R, c)
y_hat = Q @ c
e = y - y_hat
print("b from R b = Q^T y:       ", b)
print("X^T e (orthogonality):    ", X.T @ e)
print("Pythagoras ||y||^2 - ||y_hat||^2 - ||e||^2 =", y @ y - y_hat @ y_hat - e @ e)

# %% [markdown]
# `jitla.regression.ols` does exactly this (adding the constant column for us, as scikit-learn
# and R do):

# %%
res1 = ols(x, y)
print("ols params:", res1.params)
print("max |difference| from the hand formulas:", np.max(np.abs(res1.params - [b0, b1])))
print(f"R^2 = {res1.rsquared:.4f} = corr(x, y)^2 = {np.corrcoef(x, y)[0, 1] ** 2:.4f}")

# %% [markdown]
# ## 2. Multiple regression
#
# Three predictors, of which the third does not matter (its true coefficient is 0). Names from a
# pandas DataFrame flow into the results.

# %%
m = 60
df = pd.DataFrame({"x1": rng.normal(size=m), "x2": rng.normal(size=m), "x3": rng.normal(size=m)})
df["y"] = 1.0 + 2.0 * df.x1 - 1.0 * df.x2 + 0.0 * df.x3 + rng.normal(0, 0.5, m)
res2 = ols(df[["x1", "x2", "x3"]], df["y"])
print(res2.summary())

# %% [markdown]
# ## 3. Inference
#
# ### Standard errors from R
#
# Under the usual assumptions cov(b) = σ² (XᵀX)⁻¹. With X = Q R, XᵀX = RᵀR, so
# (XᵀX)⁻¹ = R⁻¹ R⁻ᵀ: one triangular solve for R⁻¹, and σ² is estimated by s² = SSR / (n − p).

# %%
R2 = res2._R
p = R2.shape[0]
R_inv = jl.solve_triangular(R2, np.eye(p))
s2 = res2.ssr / (m - p)
cov = s2 * R_inv @ R_inv.T
se = np.sqrt(np.diag(cov))
print("s^2 =", s2, " (res.scale =", res2.scale, ")")
print("se from R:        ", se)
print("res.bse:          ", np.asarray(res2.bse))
print("max |cov difference|:", np.max(np.abs(cov - np.asarray(res2.cov_params()))))

# %% [markdown]
# ### t tests and confidence intervals
#
# t = b / se follows Student's t with n − p degrees of freedom under H₀: β = 0; the 95 % interval is
# b ± t₀.₉₇₅ · se.

# %%
params = np.asarray(res2.params)
t = params / se
pvals = 2 * stats.t.sf(np.abs(t), m - p)
q975 = stats.t.ppf(0.975, m - p)
ci = np.column_stack([params - q975 * se, params + q975 * se])
table = pd.DataFrame(
    {"coef": params, "t": t, "p": pvals, "ci low": ci[:, 0], "ci high": ci[:, 1]}, index=res2.model.exog_names
)
print(table.round(4))
print(
    "agrees with res.pvalues, res.conf_int():",
    np.allclose(pvals, res2.pvalues),
    np.allclose(ci, res2.conf_int()),
)

# %% [markdown]
# Linear hypotheses are written as strings. `t_test` tests one restriction, `f_test` several at once;
# both hypotheses below are true for the simulated data, so their p-values should not be small.

# %%
print(res2.t_test("x1 = 2"))
print(res2.f_test("x1 + x2 = 1, x3 = 0"))

# %% [markdown]
# ### Nested models
#
# Dropping x3 is the restriction x3 = 0. The F test compares the two residual sums of squares,
# F = ((SSR_r − SSR) / q) / (SSR / (n − p)), and equals the Wald F test of that restriction.

# %%
res2_r = ols(df[["x1", "x2"]], df["y"])
F, p_F, df_diff = res2.compare_f_test(res2_r)
wald = res2.f_test("x3 = 0")
print(f"compare_f_test: F = {F:.6f}, p = {p_F:.4f}, df_diff = {df_diff:.0f}")
print(f"f_test('x3 = 0'): F = {float(np.squeeze(wald.fvalue)):.6f}, p = {float(wald.pvalue):.4f}")
print(f"SSR full {res2.ssr:.4f}, restricted {res2_r.ssr:.4f}")

# %% [markdown]
# ### Prediction intervals
#
# For a new row x₀ the mean x₀ᵀb has standard error s·‖R⁻ᵀ x₀‖; a new *observation* adds its own
# noise, so its standard error is s·√(1 + ‖R⁻ᵀ x₀‖²) and the prediction interval is wider than the
# confidence interval of the mean, however much data we have.

# %%
X_new = np.array([[1.0, 0.0, 0.0, 0.0], [1.0, 2.0, -1.0, 0.5], [1.0, 4.0, 3.0, 0.0]])
frame = res2.get_prediction(X_new).summary_frame(alpha=0.05)
print(frame.round(4))
w_new = jl.solve_triangular(R2, X_new.T, trans=1)  # R^{-T} x0 for each new row
se_mean = np.sqrt(s2 * np.sum(w_new**2, axis=0))
se_obs = np.sqrt(s2 * (1.0 + np.sum(w_new**2, axis=0)))
print("se of the mean by hand:", se_mean, "matches:", np.allclose(se_mean, frame["mean_se"]))
print("prediction half-width by hand:", q975 * se_obs)
print("from summary_frame:           ", (frame["obs_ci_upper"] - frame["obs_ci_lower"]).to_numpy() / 2)

# %% [markdown]
# ## 4. Residual analysis
#
# The tests above assume errors with constant variance, independent and (for small samples) normal.
# Residuals are the evidence. Here the noise grows with x (heteroscedastic data): the spread of the
# residuals grows with the fitted values.

# %%
m4 = 200
x4 = rng.uniform(1, 10, m4)
y4 = 2.0 + 3.0 * x4 + 0.5 * x4 * rng.normal(size=m4)
res4 = ols(x4, y4)
order = np.argsort(res4.fittedvalues)
for chunk in np.array_split(order, 4):
    f_lo, f_hi = res4.fittedvalues[chunk].min(), res4.fittedvalues[chunk].max()
    print(f"fitted {f_lo:5.1f} .. {f_hi:5.1f}: residual std {res4.resid[chunk].std(ddof=1):.2f}")

try:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.scatter(res4.fittedvalues, res4.resid, s=8)
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xlabel("fitted values")
    ax.set_ylabel("residuals")
except ImportError:
    pass

# %% [markdown]
# ### Breusch–Pagan and robust standard errors
#
# Breusch–Pagan regresses the squared residuals on the predictors: if they explain the squared
# residuals, the variance is not constant. The classical standard errors are then wrong; White's
# heteroscedasticity-consistent ones (HC3 leaves each point out through its leverage,
# e_i² / (1 − h_i)²) stay valid. For comparison, the same test on 200 homoscedastic samples: the
# p-value is then uniform, below 0.05 about one time in twenty.

# %%
lm, lm_p, f_bp, f_bp_p = diag.het_breuschpagan(res4.resid, res4.model.exog)
print(f"heteroscedastic data: BP LM = {lm:.2f}, p = {lm_p:.2e}")
p_const = []
for _ in range(200):
    r = ols(x4, 2.0 + 3.0 * x4 + 3.0 * rng.normal(size=m4))
    p_const.append(diag.het_breuschpagan(r.resid, r.model.exog)[1])
p_const = np.array(p_const)
print(f"constant variance, 200 samples: median p = {np.median(p_const):.2f}", end=", ")
print(f"p < 0.05 in {np.mean(p_const < 0.05):.1%}")
res4_hc3 = ols(x4, y4, cov_type="HC3")
print(f"slope: nonrobust se {res4.bse[1]:.4f}, HC3 se {res4_hc3.bse[1]:.4f}")
print("same coefficients:", np.array_equal(res4.params, res4_hc3.params))

# %% [markdown]
# ### Durbin–Watson and Jarque–Bera
#
# Durbin–Watson d = Σ(e_t − e_{t−1})² / Σ e_t² ≈ 2(1 − ρ) for residuals with lag-one correlation ρ:
# about 2 for independent errors, near 0 for strongly positively correlated ones (a time series).
# Jarque–Bera combines skewness and excess kurtosis; it is large for heavy-tailed errors. Under
# normal errors its p-value is (nearly) uniform, so one sample may still give a small one: the
# rejection rate over many samples is what should be near 5 %.

# %%
tt = np.arange(100.0)
u = rng.normal(size=100)
ar = np.empty(100)
ar[0] = u[0]
for k in range(1, 100):
    ar[k] = 0.8 * ar[k - 1] + u[k]
for name, noise in (("independent errors", u), ("AR(1) errors, rho = 0.8", ar)):
    r = ols(tt, 1.0 + 0.05 * tt + noise)
    print(f"{name:25s} Durbin-Watson = {diag.durbin_watson(r.resid):.3f}")

for name, noise in (("normal errors", rng.normal(size=200)), ("t(3) errors", rng.standard_t(3, size=200))):
    r = ols(x4, 2.0 + 3.0 * x4 + noise)
    jb, jb_p, skew, kurt = diag.jarque_bera(r.resid)
    print(f"{name:14s} JB = {jb:8.2f}, p = {jb_p:.3g}, skew = {skew:+.2f}, kurtosis = {kurt:.2f}")

p_normal = [diag.jarque_bera(ols(x4, 2.0 + 3.0 * x4 + rng.normal(size=200)).resid)[1] for _ in range(200)]
print(f"normal errors, 200 samples: p < 0.05 in {np.mean(np.array(p_normal) < 0.05):.1%}")

# %% [markdown]
# ## 5. Leverage and influence
#
# The hat matrix H = X (XᵀX)⁻¹ Xᵀ = Q Qᵀ maps y to ŷ. Its diagonal, the *leverage* h_i = ‖qᵢ‖²
# (the squared norm of row i of Q), measures how far x_i is from the other rows: 0 < h_i ≤ 1 and
# Σ h_i = p. A point with large leverage pulls the line towards itself, so its raw residual is
# small even when it is wrong. Influence measures combine residual and leverage:
# Cook's distance D_i = r_i² h_i / (p (1 − h_i)), with r_i = e_i / (s √(1 − h_i)) the internally
# studentized residual, measures how far the coefficients move when row i is deleted; DFFITS
# t_i √(h_i / (1 − h_i)) (t_i the externally studentized residual, s computed without row i) does
# the same for the fitted value at x_i.
#
# Thirty points on y = 1 + 2x, plus one *outlier* (average x, y far off the line, row 0) and one
# *high-leverage point* (x far from the others and somewhat below the line, row 1).

# %%
n5 = 30
x5 = rng.uniform(0, 10, n5)
y5 = 1.0 + 2.0 * x5 + rng.normal(0, 1.0, n5)
x5[0], y5[0] = 5.0, 1.0 + 2.0 * 5.0 + 8.0  # outlier: large residual, small leverage
x5[1], y5[1] = 25.0, 1.0 + 2.0 * 25.0 - 8.0  # high leverage, off the line
res5 = ols(x5, y5)
Q5 = res5._q
h = np.sum(Q5**2, axis=1)
infl = res5.get_influence()
print("leverage from the rows of Q matches hat_matrix_diag:", np.allclose(h, infl.hat_matrix_diag))
print(f"sum of leverages = {h.sum():.12f} (p = 2); rule of thumb 2p/n = {4 / n5:.3f}")

cooks, _ = infl.cooks_distance
dffits, dffits_cut = infl.dffits
frame5 = pd.DataFrame(
    {
        "x": x5,
        "resid": res5.resid,
        "leverage": h,
        "stud. resid": infl.resid_studentized_external,
        "Cook's D": cooks,
        "DFFITS": dffits,
    }
)
print(frame5.sort_values("Cook's D", ascending=False).head(4).round(3))
print(f"DFFITS threshold 2 sqrt(p/n) = {dffits_cut:.3f}")

# %% [markdown]
# The closed forms need no refitting. To check them, delete each of the two planted rows, refit,
# and measure how far the coefficients moved in the metric of XᵀX:
# D_i = (b − b₍ᵢ₎)ᵀ XᵀX (b − b₍ᵢ₎) / (p s²), with ‖X (b − b₍ᵢ₎)‖² in place of the quadratic form.

# %%
X5 = res5.model.exog
for i in (0, 1):
    keep = np.arange(n5) != i
    b_i = OLS(y5[keep], X5[keep]).fit().params
    d_refit = np.sum((X5 @ (res5.params - b_i)) ** 2) / (2 * res5.scale)
    print(f"row {i}: Cook's D by deletion {d_refit:.6f}, closed form {cooks[i]:.6f}")
slope_without = OLS(np.delete(y5, 1), np.delete(X5, 1, axis=0)).fit().params[1]
print(f"slope with the high-leverage point {res5.params[1]:.4f}, without it {slope_without:.4f} (true 2)")

# %% [markdown]
# ## 6. Collinearity: the Longley data
#
# Longley's (1967) macroeconomic data — employment against six yearly series that all grow with
# time — is the classic test of least-squares software: the predictors are nearly linearly
# dependent.

# %%
from statsmodels.datasets import longley

data = longley.load_pandas()
res6 = ols(data.exog, data.endog)
print(
    pd.DataFrame({"coef": res6.params, "se": res6.bse, "t": res6.tvalues}).to_string(
        float_format=lambda v: f"{v:.6g}"
    )
)
print(f"condition number of the design: {res6.condition_number:.3g}")

# %% [markdown]
# ### Variance inflation factors
#
# VIF_j = 1 / (1 − R_j²), R_j² from regressing column j on the other columns: the factor by which
# collinearity inflates var(b_j) compared with an orthogonal design. Above 10 is the usual alarm.

# %%
X6 = res6.model.exog
names6 = res6.model.exog_names
print(pd.Series(diag.vif(X6), index=names6).drop("const").round(1).to_string())

# %% [markdown]
# ### Condition indices
#
# Belsley, Kuh and Welsch scale the columns to unit length and take the singular values μ_k; the
# condition indices μ_max / μ_k above 30 flag a dependency, and the variance-decomposition
# proportions in that row say which coefficients it involves.

# %%
bkw = diag.condition_indices(X6)
print("condition indices:", np.round(bkw.condition_indices, 1))
print("variance proportions for the largest index:")
print(pd.Series(bkw.variance_proportions[-1], index=names6).round(3).to_string())

# %% [markdown]
# ### The diagonal of R
#
# With unit-length columns, |r_jj| is the distance of column j from the span of the columns before
# it (the sine of the angle between them). Collinearity shows directly as tiny diagonal entries.
# The variance factor of coefficient j is [(XᵀX)⁻¹]_jj = ‖row j of R⁻¹‖² ≥ 1 / r_jj², with
# equality for the last column (the last row of R⁻¹ has the single entry 1 / r_pp).

# %%
X6_unit = X6 / np.linalg.norm(X6, axis=0)
R6 = jl.qr(X6_unit, mode="r")
R6_inv = jl.solve_triangular(R6, np.eye(R6.shape[0]))
diag_R = pd.DataFrame(
    {
        "|r_jj|": np.abs(np.diag(R6)),
        "1 / r_jj^2": 1.0 / np.diag(R6) ** 2,
        "[(X^T X)^-1]_jj": np.sum(R6_inv**2, axis=1),
    },
    index=names6,
)
print(diag_R.to_string(float_format=lambda v: f"{v:.3e}"))

# %% [markdown]
# ### Exact collinearity is never silent
#
# Add a column that is exactly ARMED + POP. The pivoted QR finds it, warns by name, and returns its
# coefficient as NaN (R's aliased `NA`), fitting the remaining columns.

# %%
exog_bad = data.exog.copy()
exog_bad["ARMED_plus_POP"] = exog_bad["ARMED"] + exog_bad["POP"]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    res6_bad = ols(exog_bad, data.endog)
for wrn in caught:
    if issubclass(wrn.category, CollinearityWarning):
        print("CollinearityWarning:", wrn.message)
aliased_names = [nm for nm, a in zip(res6_bad.model.exog_names, res6_bad.aliased, strict=True) if a]
print(f"rank {res6_bad.rank} of {len(res6_bad.params)} columns; aliased: {aliased_names}")
print(res6_bad.params.to_string(float_format=lambda v: f"{v:.6g}"))

# %% [markdown]
# ## 7. Polynomial fits
#
# Fitting y on 1, x, x², …, x^d with x between −9 and −3 is ill conditioned: the powers all look
# alike on that interval. Orthogonal polynomials (`poly`, as R's `stats::poly`) span the same space
# with orthonormal columns. The raw-power design comes from `PolynomialFeatures`, which rounds
# every entry once.
#
# To count correct digits we need the exact least-squares solution for the *same* floating-point
# design: the normal equations solved in 60-digit arithmetic (mpmath), on the float64 entries
# taken exactly. They lose at most 2·log10 κ of those 60 digits (printed below), which leaves far
# more than double precision has. As an independent check, the fitted values of the
# well-conditioned orthogonal-polynomial design (numpy's `lstsq`) must agree with the reference
# fitted values, since both designs span the same polynomials. They agree to machine precision
# at low degree; at high degree the gap that opens is not a solver error but the rounding of V's
# own entries (half an ulp each), which moves the exact fit of V by up to about κ_s·u.
#
# Which κ? Householder QR and Cholesky are both insensitive to scaling the columns (van der Sluis),
# so the condition number that governs their errors is that of the design with unit-length
# columns, κ_s, much smaller than the raw κ here.

# %%
import mpmath

from jitla.regression._poly import PolynomialFeatures, poly

mpmath.mp.dps = 60
n7 = 30
x7 = np.linspace(-9.0, -3.0, n7)
y7 = np.exp(x7 / 3) + 1e-3 * rng.normal(size=n7)


def exact_lstsq(A, rhs):
    """Least squares in 60-digit arithmetic on the float64 entries of A and rhs, taken exactly."""
    Am, ym = mpmath.matrix(A.tolist()), mpmath.matrix(rhs.tolist())
    bm = mpmath.lu_solve(Am.T * Am, Am.T * ym)
    fitted = Am * bm
    return np.array([float(v) for v in bm]), np.array([float(v) for v in fitted])


def digits_lost(b, ref):
    """16 minus the correct significant digits of the worst coefficient (a full loss counts 16)."""
    rel = np.abs(b - ref) / np.abs(ref)
    return 16.0 - float(np.min(np.clip(-np.log10(np.maximum(rel, 1e-16)), 0.0, 16.0)))


rows = []
for d in range(3, 10):
    V = PolynomialFeatures(d).fit_transform(x7[:, None])
    Z, _ = poly(x7, d)
    P = np.column_stack([np.ones(n7), Z])
    b_ref, fit_ref = exact_lstsq(V, y7)
    fit_orth = P @ np.linalg.lstsq(P, y7, rcond=None)[0]
    b_qr = OLS(y7, V).fit().params
    b_refined = OLS(y7, V).fit(refine=True).params
    b_normal = OLS(y7, V).fit(method="normal").params
    rows.append(
        {
            "degree": d,
            "log10 κ raw": np.log10(np.linalg.cond(V)),
            "log10 κ_s": np.log10(np.linalg.cond(V / np.linalg.norm(V, axis=0))),
            "κ poly": np.linalg.cond(P),
            "poly fit vs ref": np.max(np.abs(fit_orth - fit_ref)) / np.max(np.abs(fit_ref)),
            "lost QR": digits_lost(b_qr, b_ref),
            "lost refine": digits_lost(b_refined, b_ref),
            "lost normal": digits_lost(b_normal, b_ref),
        }
    )
table7 = pd.DataFrame(rows).set_index("degree")
print(table7.to_string(float_format=lambda v: f"{v:.3g}"))
fits = {name: np.polyfit(table7["log10 κ_s"], table7[name], 1)[0] for name in ("lost QR", "lost normal")}
print(f"digits lost per decade of κ_s: QR {fits['lost QR']:.2f}, normal equations {fits['lost normal']:.2f}")

# %% [markdown]
# Reading the table: the orthogonal-polynomial design has condition number √n whatever the degree
# (orthonormal columns plus the constant column of norm √n). In raw powers the default Householder
# QR fit loses digits in step with log10 κ_s (its error bound is κ·u, plus a κ²·u term scaled by
# the residual, small here; the worst single coefficient, much smaller than the largest, can lose
# a few more). The normal equations form XᵀX, whose condition number is κ², and lose digits
# about twice as fast (the fitted slopes above), until nothing is left. Iterative refinement with
# extra-precise residuals recovers every digit the reference has in double precision. The simplest
# fix of all is made before any solver runs: centring x (or using `poly`) removes most of the
# ill-conditioning.

# %%
V8 = PolynomialFeatures(8).fit_transform(x7[:, None])
V8_centred = PolynomialFeatures(8).fit_transform((x7 - x7.mean())[:, None])
print(f"degree 8: cond of raw powers {np.linalg.cond(V8):.2e},", end=" ")
print(f"of centred powers {np.linalg.cond(V8_centred):.2e}")
