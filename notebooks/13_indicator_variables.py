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
# # 13 — Indicator variables
#
# **Course week 8** of a regression course that follows Montgomery, Peck & Vining, *Introduction
# to Linear Regression Analysis* (chapter 8), between polynomial models (notebook 04, section 7)
# and collinearity (notebook 04, section 6, and notebook 05): qualitative regressors as 0/1
# columns, the dummy-variable trap, parallel against separate lines, and the F test that chooses
# between them. The fits are jitla's QR least squares; formulas (`C(...)`, `:`, `*`) are
# formulaic's grammar, as in statsmodels.

# %%
import warnings

import numpy as np
import pandas as pd

from jitla.regression import OLS, CollinearityWarning, ols

try:
    import matplotlib.pyplot as plt
except ImportError:  # every number below is printed either way
    plt = None

rng = np.random.default_rng(13)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. One qualitative regressor: parallel lines
#
# Tool life (hours) against lathe speed for two tool types, the textbook's example 8.1 in
# spirit (simulated here): the model y = β₀ + β₁x + β₂d + ε with d = 1 for type B gives two
# parallel lines, β₂ apart. `C(tool)` makes the column d (treatment coding: the first level is
# the baseline).

# %%
n = 40
df = pd.DataFrame({"speed": rng.uniform(500, 1000, n), "tool": np.repeat(["A", "B"], n // 2)})
df["life"] = 40 - 0.03 * df.speed + 15 * (df.tool == "B") + rng.normal(0, 2.5, n)
parallel = ols("life ~ speed + C(tool)", data=df)
print(parallel.model.exog_names)
print(parallel.params.round(4))
print("95% interval for the shift:", parallel.conf_int(0.05).iloc[2].to_numpy().round(2))

# %% [markdown]
# ## 2. The dummy-variable trap
#
# With an intercept, one indicator per level is one column too many: d_A + d_B = 1 is the
# intercept column, the design has rank p − 1, and the coefficients are not identified. jitla finds
# the dependence on R's diagonal, names the column in a `CollinearityWarning` and gives it a NaN
# coefficient (R's `NA`), instead of an arbitrary answer.

# %%
X = np.column_stack([np.ones(n), df.speed, df.tool == "A", df.tool == "B"]).astype(float)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    trap = OLS(df.life.to_numpy(), X).fit()
print("rank", trap.rank, "of", X.shape[1], "columns; params", trap.params.round(4))
print([str(w.message)[:90] for w in caught if issubclass(w.category, CollinearityWarning)])

# %% [markdown]
# ## 3. Different slopes: interactions, and the F test between the models
#
# `speed * C(tool)` adds the product column x·d, so each tool has its own slope. Whether the lines
# are the same, parallel or different is a sequence of nested models, compared by the extra sum
# of squares F test (MPV §3.3; here `f_test` on the full model's coefficients).

# %%
separate = ols("life ~ speed * C(tool)", data=df)
print(separate.model.exog_names)
names = separate.model.exog_names
same_slope = separate.f_test(f"{names[3]} = 0")
same_line = separate.f_test(f"{names[2]} = 0, {names[3]} = 0")
print(f"equal slopes:       F = {same_slope.fvalue:.3f}, p = {same_slope.pvalue:.3f}")
print(f"one line for both:  F = {same_line.fvalue:.1f}, p = {same_line.pvalue:.2g}")

if plt is not None:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    grid = np.linspace(500, 1000, 2)
    for tool, colour in (("A", "C0"), ("B", "C1")):
        rows = df.tool == tool
        ax.scatter(df.speed[rows], df.life[rows], s=12, color=colour, label=f"tool {tool}")
        shift = parallel.params.iloc[2] if tool == "B" else 0.0
        ax.plot(grid, parallel.params.iloc[0] + shift + parallel.params.iloc[1] * grid, color=colour)
    ax.set_xlabel("speed (rpm)")
    ax.set_ylabel("tool life (h)")
    ax.legend()
    ax.set_title("Parallel lines: one slope, two intercepts")
    plt.show()

# %% [markdown]
# ## Exercises
#
# 1. Add a third tool type C with intercept 5 hours below A. How many indicator columns does
#    `C(tool)` make, and what does each coefficient measure?
# 2. Refit the parallel-lines model with type B as the baseline
#    (`C(tool, contr.treatment(base="B"))`, or by recoding the levels). Which numbers change
#    and which do not?
#
# The solutions are hidden below: click to open them.

# %% tags=["solution"] jupyter={"source_hidden": true}
# 1. three levels: two indicators, each the shift of its level from the baseline A
df3 = pd.concat(
    [df, pd.DataFrame({"speed": rng.uniform(500, 1000, 20), "tool": ["C"] * 20})], ignore_index=True
)
rows = df3.tool == "C"
df3.loc[rows, "life"] = 35 - 0.03 * df3.speed[rows] + rng.normal(0, 2.5, rows.sum())
fit3 = ols("life ~ speed + C(tool)", data=df3)
print(dict(zip(fit3.model.exog_names, fit3.params.round(3), strict=True)))

# 2. a new baseline changes the intercept and the sign of the shift; slope, fitted values, R^2 stay
recoded = df.assign(tool=df.tool.map({"A": "2_A", "B": "1_B"}))
fit_b = ols("life ~ speed + C(tool)", data=recoded)
print(dict(zip(fit_b.model.exog_names, fit_b.params.round(3), strict=True)))
print(
    "same fitted values:",
    np.allclose(fit_b.fittedvalues, parallel.fittedvalues),
    "| R^2",
    round(fit_b.rsquared, 4),
    round(parallel.rsquared, 4),
)
