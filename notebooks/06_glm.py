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
# # 06 — Generalized linear models: IRLS is least squares, again
#
# **Course week 11** of the regression course: generalized linear models.
#
# *Regression course, the GLM weeks (after inference and diagnostics of the linear model).*
#
# A linear model says `E[y] = X β` with constant variance. Counts, proportions and positive
# skewed data break both halves: a mean that must stay positive (or inside (0, 1)), and a variance
# that grows with the mean. A **generalized linear model** keeps the linear predictor and changes
# the rest (McCullagh & Nelder, *Generalized Linear Models*, ch. 2):
#
# $$ g(\mu_i) = x_i^T \beta, \qquad \operatorname{Var}[y_i] = \phi\, V(\mu_i) / w_i . $$
#
# | family | V(μ) | canonical link g | typical data |
# |---|---|---|---|
# | Gaussian | 1 | identity | the linear model |
# | Binomial | μ(1 − μ) | logit | 0/1, proportions |
# | Poisson | μ | log | counts |
# | Gamma | μ² | inverse | positive, constant CV |
# | Inverse Gaussian | μ³ | 1/μ² | positive, very skewed |
#
# The maximum-likelihood β has no closed form, but Fisher scoring turns each Newton-type step into
# a **weighted least-squares problem**: with the working response and weights
#
# $$ z_i = \eta_i + (y_i - \mu_i)\, g'(\mu_i), \qquad W_i = \frac{w_i}{g'(\mu_i)^2 V(\mu_i)}, $$
#
# the next β minimises $\| W^{1/2}(z - X\beta) \|^2$. That is the whole of IRLS, and it is why a
# GLM library is a least-squares library with a loop around it: jitla solves each step with the
# same Householder QR as `OLS` (notebook 02), never by forming $X^T W X$.

# %%
import warnings

import numpy as np
import statsmodels.api as sm

import jitla.linalg as jl
from jitla.regression import GLM, LogisticRegression, families

np.set_printoptions(precision=5, suppress=True)

# %% [markdown]
# ## 1. IRLS by hand, in ten lines
#
# Logistic regression on three columns of scikit-learn's breast-cancer data (scaled so the
# coefficients are comparable). Each pass computes z and W from the current means and calls
# `jitla.linalg.lstsq` on the weighted system.

# %%
from sklearn.datasets import load_breast_cancer

data = load_breast_cancer()
cols = [0, 1, 4]  # mean radius, mean texture, mean smoothness
Z = data.data[:, cols]
Z = (Z - Z.mean(axis=0)) / Z.std(axis=0)
X = np.column_stack([np.ones(len(Z)), Z])
y = (data.target == 0).astype(float)  # 1 = malignant
names = ["const"] + [data.feature_names[c] for c in cols]

beta = np.zeros(X.shape[1])
for it in range(1, 26):
    eta = X @ beta
    mu = 1 / (1 + np.exp(-eta))
    W = mu * (1 - mu)  # logit link: g'(mu) = 1 / (mu (1 - mu)), V(mu) = mu (1 - mu)
    z = eta + (y - mu) / W
    sw = np.sqrt(W)
    new = jl.lstsq(X * sw[:, None], z * sw)[0]
    step = np.max(np.abs(new - beta))
    beta = new
    print(f"iteration {it}: largest coefficient change {step:.2e}")
    if step < 1e-10:
        break

# %% [markdown]
# Newton's method converges quadratically for the canonical link: the number of correct digits
# roughly doubles per iteration once it is close. `GLM` does the same loop with R's starting
# values, R's convergence test (relative deviance change below 1e-8) and step halving, and then
# everything statsmodels reports.

# %%
res = GLM(y, X, families.Binomial()).fit()
res.model.exog_names = names
print(res.summary())
print("max |hand-made - GLM| =", np.max(np.abs(beta - np.asarray(res.params))))
print(
    "statsmodels agrees to  ",
    np.max(np.abs(sm.GLM(y, X, family=sm.families.Binomial()).fit().params - res.params)),
)

# %% [markdown]
# The standard errors are $\sqrt{\operatorname{diag}(\phi (X^T W X)^{-1})}$ with φ = 1 for the
# binomial, computed from the last iteration's R factor as $R^{-1} R^{-T}$. scikit-learn fits the
# same model but reports no standard errors; jitla's `LogisticRegression` keeps scikit-learn's API
# and adds the unpenalised fit's results as `result_`:

# %%
clf = LogisticRegression(C=np.inf).fit(Z, y)
print("coef_      ", clf.coef_[0], clf.intercept_)
print("result_.bse", np.asarray(clf.result_.bse))
print("odds ratio per SD of", names[1], "=", np.exp(np.asarray(res.params)[1]).round(2))

# %% [markdown]
# ## 2. When the MLE does not exist: separation
#
# If some direction d makes $x_i^T d > 0$ for every malignant case and $< 0$ for every benign one,
# the likelihood keeps increasing along d: the "estimate" is infinite. IRLS does not crash — the
# coefficients just grow every iteration — so jitla checks the fit: fitted probabilities at 0 or 1
# trigger a linear program (Konis 2007) that looks for such a d, and the warning names its columns.

# %%
worst = data.data[:, 27]  # "worst concave points" alone nearly separates the classes
cut = np.median(worst)
y_sep = (worst > cut).astype(float)  # a response that IS separated by this column
Xs = np.column_stack([np.ones(len(worst)), (worst - worst.mean()) / worst.std(), Z[:, 1]])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    sep = GLM(y_sep, Xs, families.Binomial()).fit(maxiter=25)
for w in caught:
    print(f"{w.category.__name__}: {str(w.message)[:150]}")
print("coefficients after 25 iterations:", np.asarray(sep.params))

# %% [markdown]
# ## 3. Counts: Poisson, overdispersion and the negative binomial
#
# statsmodels ships the RAND health-insurance experiment: the number of outpatient doctor visits
# (`mdvis`) of 20,190 people with insurance and health covariates. A Poisson model with a log link
# says each covariate multiplies the expected count.

# %%
rh = sm.datasets.randhie.load_pandas()
Xc = np.column_stack([np.ones(len(rh.exog)), rh.exog.to_numpy()])
yc = rh.endog.to_numpy()
pois = GLM(yc, Xc, families.Poisson()).fit()
dispersion = pois.pearson_chi2 / pois.df_resid
print(f"deviance {pois.deviance:.0f} on {pois.df_resid:.0f} df; Pearson chi2 / df = {dispersion:.2f}")

# %% [markdown]
# For a Poisson model Pearson's χ²/df should be near 1. Well above 1 means **overdispersion**: the
# counts vary more than a Poisson allows, and the Poisson standard errors are too small. Two
# remedies: estimate a dispersion φ (quasi-Poisson: `scale="X2"` multiplies the covariance by
# χ²/df), or change the variance function to $\mu + \alpha \mu^2$ — the negative binomial, with α
# estimated by profile likelihood.

# %%
quasi = GLM(yc, Xc, families.Poisson()).fit(scale="X2")
nb = GLM(yc, Xc, families.NegativeBinomial(alpha=None)).fit()
print("Poisson SE      ", np.asarray(pois.bse)[1:4])
print("quasi-Poisson SE", np.asarray(quasi.bse)[1:4])
print(f"NB alpha = {nb.alpha:.3f}; NB SE", np.asarray(nb.bse)[1:4])
print(f"AIC: Poisson {pois.aic:.0f}, negative binomial {nb.aic:.0f} (alpha itself not counted)")

# %% [markdown]
# ## 4. Positive continuous data: the Gamma family
#
# The Scottish devolution referendum data (statsmodels' `scotland`): the share voting "yes" per
# council area. A Gamma model with its canonical inverse link, as in statsmodels' documentation.

# %%
sc = sm.datasets.scotland.load_pandas()
Xg = np.column_stack([np.ones(len(sc.exog)), sc.exog.to_numpy()])
gam = GLM(sc.endog.to_numpy(), Xg, families.Gamma()).fit()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # statsmodels' note that 1/mu can leave the Gamma's domain
    ref = sm.GLM(sc.endog, sm.add_constant(sc.exog), family=sm.families.Gamma()).fit()
print(f"scale (dispersion) {gam.scale:.6f}; statsmodels {ref.scale:.6f}")
print("max |params - statsmodels| =", np.max(np.abs(np.asarray(gam.params) - ref.params.to_numpy())))
infl = gam.get_influence().summary_frame()
print("largest Cook's distance:", infl.cooks_d.idxmax(), round(infl.cooks_d.max(), 3))

# %% [markdown]
# ## Exercises
#
# 1. Change the hand-made IRLS loop of section 1 to the probit link: which of z and W change, and
#    how? Check your loop against `GLM(y, X, families.Binomial(families.Probit()))`.
# 2. In section 3, compare the Poisson and negative-binomial fits with a likelihood-ratio test.
#    Why is the usual χ² reference distribution not quite right here?
#
# <details><summary>Solutions</summary>
#
# 1. With $g = \Phi^{-1}$: $g'(\mu) = 1/\varphi(\eta)$, so $z = \eta + (y - \mu)/\varphi(\eta)$ and
#    $W = \varphi(\eta)^2 / (\mu (1 - \mu))$; only these two lines change. Probit is not the
#    canonical link, so this is Fisher scoring, not Newton: convergence is linear, not quadratic
#    (count the iterations).
# 2. `2 * (nb.llf - pois.llf)` on 1 degree of freedom; α = 0 lies on the boundary of the
#    parameter space, so the statistic's null distribution is a 50:50 mixture of 0 and χ²₁ — halve
#    the χ²₁ p-value.
#
# </details>

# %% tags=["solution"] jupyter={"source_hidden": true}
from scipy import stats

lr = 2 * (nb.llf - pois.llf)
print(f"LR = {lr:.1f}, boundary-corrected p = {0.5 * stats.chi2.sf(lr, 1):.2e}")
