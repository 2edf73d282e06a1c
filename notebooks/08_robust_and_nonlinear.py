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
# # 08 — Robust and nonlinear regression
#
# **Course week 12** of the regression course: robust and nonlinear regression.
#
# *Regression course, the robust-regression and nonlinear-regression weeks (Montgomery, Peck &
# Vining chapters 15.1 and 12), after leverage and influence (notebook 04) and model adequacy
# (notebook 07).*
#
# Least squares gives every squared residual the same say, so one wild point can move the fit as
# much as all the others together. Influence measures (notebook 04) *find* such points; robust
# regression *downweights* them automatically:
#
# 1. M-estimation is iteratively reweighted least squares: Huber's and Tukey's norms on
#    Brownlee's stack-loss data.
# 2. Leverage: why M-estimators still break, and the high-breakdown fits (LTS, MM) that do not.
# 3. Nonlinear least squares: Levenberg–Marquardt, Wald and profile intervals.
# 4. Exercises, with solutions.

# %%
import numpy as np
import statsmodels.api as sm

from jitla.regression import LTS, MM, NLS, OLS, RLM, curve_fit, robust_norms

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. M-estimation is IRLS
#
# An M-estimate minimises Σ ρ(rᵢ/s). Its gradient condition Σ ψ(rᵢ/s) xᵢ = 0, with
# ψ(z) = w(z) z, is the normal equation of a *weighted* least-squares problem whose weights depend
# on the answer: fix the weights at the current residuals, solve the weighted problem (one QR of
# W^{1/2}[X | y], as every fit in jitla), recompute residuals, scale (the MAD) and weights, repeat.
# Huber's ρ is quadratic in the middle and linear in the tails (weights 1 up to t = 1.345, then
# t/|z|); Tukey's bisquare *redescends* — points beyond c = 4.685 scale units get weight 0.
#
# Brownlee's stack-loss data (21 days of a plant oxidising ammonia, shipped with statsmodels) is
# the classic test bed: observations 1, 3, 4 and 21 are known to be odd.

# %%
stack = sm.datasets.stackloss.load_pandas().data
y = stack["STACKLOSS"].to_numpy()
X = np.column_stack([np.ones(len(y)), stack[["AIRFLOW", "WATERTEMP", "ACIDCONC"]].to_numpy()])
ols = OLS(y, X).fit()
huber = RLM(y, X, M=robust_norms.HuberT()).fit()
tukey = RLM(y, X, M=robust_norms.TukeyBiweight()).fit()
print("coefficients (const, air, water, acid)")
for name, r in (("OLS", ols), ("Huber", huber), ("Tukey", tukey)):
    print(f"  {name:6} {np.asarray(r.params)}")
print("Tukey weights below 0.5 on days:", (np.flatnonzero(tukey.weights < 0.5) + 1).tolist())
print(
    f"Huber: {huber.n_iter} weighted fits, scale {huber.scale:.3f}; OLS residual SE {np.sqrt(ols.scale):.3f}"
)

# %% [markdown]
# The same numbers as statsmodels' `RLM` — the point of a test-backed library is that you can
# check:

# %%
ref = sm.RLM(y, X, M=sm.robust.norms.TukeyBiweight()).fit()
print("max |jitla - statsmodels| params:", np.abs(np.asarray(tukey.params) - ref.params).max())
print("max |jitla - statsmodels| bse:   ", np.abs(np.asarray(tukey.bse) - ref.bse).max())

# %% [markdown]
# ## 2. Leverage breaks M-estimators
#
# M-estimators bound the influence of a large *residual*, not of an extreme *x*: a point far out in
# the design space can pull the line towards itself until its residual is small, and then its
# weight is 1. Put 30 % of bad leverage points into a clean straight-line sample:

# %%
rng = np.random.default_rng(11)
n = 100
x = rng.uniform(0, 10, n)
yy = 2.0 + 0.5 * x + 0.3 * rng.standard_normal(n)
bad = np.arange(30)
x[bad] = rng.uniform(18, 22, bad.size)  # far out in x ...
yy[bad] = rng.uniform(-1, 1, bad.size)  # ... and far below the true line
Xl = np.column_stack([np.ones(n), x])
fits = {
    "OLS": np.asarray(OLS(yy, Xl).fit().params),
    "Huber M": np.asarray(RLM(yy, Xl, M=robust_norms.HuberT()).fit().params),
    "LTS": np.asarray(LTS(yy, Xl).fit(random_state=0).params),
    "MM": np.asarray(MM(yy, Xl).fit().params),
}
print("true line: intercept 2.0, slope 0.5")
for name, b in fits.items():
    print(f"  {name:8} intercept {b[0]:7.3f}, slope {b[1]:7.3f}")

# %% [markdown]
# Least trimmed squares minimises the sum of the h smallest squared residuals (h ≈ n/2: a 50 %
# breakdown point), found by FAST-LTS's concentration steps from many elemental starts; MM starts
# from a high-breakdown S-estimate of scale and then runs a Tukey M-step at that fixed scale,
# which keeps the breakdown point and recovers 95 % efficiency at the normal model.
#
# ## 3. Nonlinear least squares
#
# When the mean is nonlinear in its parameters, y = f(x, θ) + ε, least squares has no closed
# form. Gauss–Newton linearises f at the current θ and solves the linear least-squares problem
# for the step — with jitla's QR of the Jacobian J, never JᵀJ. Levenberg–Marquardt damps that
# step, [J; √λ D] p ≈ [−r; 0], choosing λ so the step stays inside a trust region whose radius
# grows when the model predicts the decrease well and shrinks when it does not (Moré 1978).
#
# A first-order reaction, concentration c(t) = c₀ exp(−k t) + b, observed with noise:

# %%
rng = np.random.default_rng(5)
t = np.linspace(0, 10, 40)


def decay(t, c0, k, b):
    return c0 * np.exp(-k * t) + b


conc = decay(t, 5.0, 0.45, 0.8) + 0.05 * rng.standard_normal(t.size)
fit = NLS(decay, t, conc, p0=[1.0, 1.0, 0.0]).fit()
print(fit.summary())
print("Wald 95% interval for k:   ", np.asarray(fit.conf_int())[1].round(4))
print("profile 95% interval for k:", fit.conf_int_profile(1).round(4))

# %% [markdown]
# The Wald interval assumes the sum of squares is quadratic in k; the profile interval refits
# the other parameters for each fixed k and reads the interval off the F cut-off (Bates & Watts,
# *Nonlinear Regression Analysis*, ch. 6). They agree when the model is nearly linear in its
# parameters near the fit, as here; when they do not, trust the profile. `curve_fit` gives
# scipy's interface on the same solver:

# %%
popt, pcov = curve_fit(decay, t, conc, p0=[1.0, 1.0, 0.0])
print("curve_fit:", popt.round(5), "se", np.sqrt(np.diag(pcov)).round(5))

# %% [markdown]
# ## 4. Exercises
#
# **4.1** Show that the Huber fit of section 1 solves its estimating equations: Σ ψ(rᵢ/s) xᵢ ≈ 0
# at the returned coefficients and scale.
#
# **4.3** Fit the decay model from the poor start p0 = (1, 5, 0) with Gauss–Newton
# (`method="gn"`) and with Levenberg–Marquardt, and compare the numbers of model calls.
#
# **4.2** Refit the stack-loss data by OLS without days 1, 3, 4 and 21 and compare with the Tukey
# fit on all 21 days.

# %% [markdown] tags=["solution"] jupyter={"source_hidden": true}
# ### Solutions
#
# **4.1**

# %% tags=["solution"] jupyter={"source_hidden": true}
r = y - X @ np.asarray(huber.params)
psi = robust_norms.HuberT().psi(r / huber.scale)
print("X^T psi(r/s) =", X.T @ psi)

# %% [markdown] tags=["solution"] jupyter={"source_hidden": true}
# **4.2** Downweighting is not deleting: the bisquare gives days 1 and 3 nearly full weight and
# nearly removes days 4 and 21. The coefficient the odd days distort most, water temperature,
# falls from 1.30 (OLS, all days) to 0.65 (Tukey, all days), close to the 0.58 of least squares
# without the four days; the others move less consistently.

# %% tags=["solution"] jupyter={"source_hidden": true}
keep = np.setdiff1d(np.arange(21), [0, 2, 3, 20])
print("OLS without 1, 3, 4, 21:", np.asarray(OLS(y[keep], X[keep]).fit().params))
print("Tukey on all 21 days:   ", np.asarray(tukey.params))
print("Tukey weights of days 1, 3, 4, 21:", np.asarray(tukey.weights)[[0, 2, 3, 20]].round(2))

# %% [markdown] tags=["solution"] jupyter={"source_hidden": true}
# **4.3** Both reach the same k. On this small, well-behaved problem Gauss–Newton with step
# halving even needs fewer model calls than Levenberg–Marquardt (whose finite-difference Jacobians
# count too); the trust region earns its keep on the hard problems of the Moré–Garbow–Hillstrom
# set, where undamped steps diverge or stall (devlog 044).

# %% tags=["solution"] jupyter={"source_hidden": true}
for method in ("gn", "lm"):
    r = NLS(decay, t, conc, p0=[1.0, 5.0, 0.0]).fit(method=method)
    print(f"{method}: converged {r.converged}, {r.nfev} model calls, k = {np.asarray(r.params)[1]:.5f}")
