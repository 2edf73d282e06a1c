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
# # 09 — Out-of-core regression: one pass over chunks with Dask
#
# **Course week 14** of the regression course, its computing side: regression on data larger than
# memory.
#
# *Regression course, the computing week after least squares by QR (notebook 02) and the linear
# model's inference (notebook 04); GLMs from notebook 06 reappear in section 4.*
#
# When the rows do not fit in memory, least squares still needs only a (p+1) x (p+1) matrix:
# the R factor of `[X | y]`. The R of a stack of blocks is the R of the stacked Rs of the blocks,
# so each chunk is reduced to its own R and the Rs merge up a tree. This notebook:
#
# 1. checks that claim on a small matrix by hand;
# 2. fits OLS on a chunked Dask array and compares with the in-memory fit;
# 3. shows why the merge tree is fixed (bit-identical results on any scheduler);
# 4. fits a logistic GLM (one pass per IRLS iteration) and a formula on a Dask DataFrame;
# 5. gets influence measures and predictions as lazy Dask DataFrames;
# 6. exercises, with solutions.
#
# Everything here is small (seconds); the same code runs on a cluster with `distributed.Client`.

# %%
import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

from jitla.distributed import tsqr_r
from jitla.regression import GLM, OLS, ols
from jitla.regression.families import Binomial

dask.config.set(scheduler="sync")  # deterministic and quiet for a notebook
rng = np.random.default_rng(9)

# %% [markdown]
# ## 1. The R of stacked blocks
#
# If `A = [A1; A2]` and `Ai = Qi Ri`, then `A = diag(Q1, Q2) [R1; R2]`, and the QR of the small
# `[R1; R2]` gives the R of A (up to the signs of its rows, fixed by a non-negative diagonal).

# %%
A = rng.standard_normal((1000, 4))
R1 = np.linalg.qr(A[:600], mode="r")
R2 = np.linalg.qr(A[600:], mode="r")
R_stacked = np.linalg.qr(np.vstack([R1, R2]), mode="r")
R_direct = np.linalg.qr(A, mode="r")
signs = lambda R: R * np.sign(np.diag(R))[:, None]  # noqa: E731
print("max |R(stacked) - R(direct)|:", np.abs(signs(R_stacked) - signs(R_direct)).max())
print(
    "jitla's tree over 7 chunks:  ", np.abs(tsqr_r(da.from_array(A, chunks=(150, 4))) - signs(R_direct)).max()
)

# %% [markdown]
# ## 2. OLS on a chunked array: one pass, the in-memory results

# %%
n = 20_000
X = np.column_stack([np.ones(n), rng.standard_normal((n, 3))])
y = X @ np.array([1.0, 2.0, -1.0, 0.5]) + rng.standard_normal(n) * (1 + 0.5 * np.abs(X[:, 1]))
dX, dy = da.from_array(X, chunks=(2_500, 4)), da.from_array(y, chunks=2_500)

res = OLS(dy, dX).fit(cov_type="HC1")  # HC1 needs a second pass: the meat sum over chunks
mem = OLS(y, X).fit(cov_type="HC1")
print(res.params)
print("max relative difference of params:", np.max(np.abs(res.params - mem.params) / np.abs(mem.params)))
print("max relative difference of HC1 bse:", np.max(np.abs(res.bse - mem.bse) / mem.bse))
print("residuals stay lazy:", type(res.resid).__name__)

# %% [markdown]
# ## 3. Why the merge tree is fixed
#
# Floating-point addition is not associative, so a reduction in the order that tasks finish
# would round differently on every run. jitla's tree groups chunks `0..7, 8..15, ...` level by
# level whatever the timing, so the threaded scheduler (or a cluster after a worker failure and
# a recomputation) gives the same bits as the synchronous one.

# %%
with dask.config.set(scheduler="threads"):
    threaded = OLS(dy, dX).fit().params
print("bit-identical across schedulers:", np.array_equal(threaded, OLS(dy, dX).fit().params))

# %% [markdown]
# ## 4. A logistic GLM and a formula on a Dask DataFrame
#
# IRLS is a weighted least-squares problem per iteration, so each iteration is one pass: every
# chunk returns the R of `W^{1/2} [X | z]` at the current coefficients and its deviance.
# For formulas the factor levels must be known before any partition is read:
# `categorize()` the string columns.

# %%
p_true = 1 / (1 + np.exp(-(X @ np.array([-0.5, 1.0, 0.3, 0.0]))))
yb = (rng.random(n) < p_true).astype(float)
logit = GLM(da.from_array(yb, chunks=2_500), dX, Binomial()).fit()
logit_mem = GLM(yb, X, Binomial()).fit()
print("iterations (passes):", logit.n_iter, " deviance:", round(logit.deviance, 6))
print("max |params - in-memory|:", np.abs(logit.params - logit_mem.params).max())

df = pd.DataFrame({"x": X[:, 1], "g": rng.choice(["north", "south", "west"], n)})
df["y"] = 1 + 2 * df.x + df.g.map({"north": 0.0, "south": 1.5, "west": -1.0}) + rng.standard_normal(n)
ddf = dd.from_pandas(df, npartitions=8).categorize(columns=["g"])
print(ols("y ~ x + C(g)", data=ddf).params)

# %% [markdown]
# ## 5. Influence and predictions, lazily
#
# Leverage, studentized residuals, Cook's distance, DFFITS and DFBETAS of row i need only row i,
# R^{-1}, the coefficients and the SSR, so they are a per-partition map: a lazy Dask DataFrame
# that can be written with `to_parquet` without ever holding n rows.

# %%
frame = res.get_influence().summary_frame()
print(type(frame).__name__, list(frame.columns)[:6])
top = frame["cooks_d"].nlargest(3).compute()
print("three largest Cook's distances:\n", top)
pred = res.get_prediction(dX[:5_000]).summary_frame(alpha=0.05)
print(pred.head(3))

# The GLM has the same: `logit.get_influence().summary_frame()` is lazy, `fit(cov_type="HC1")`
# costs one more pass, and a Binomial fit with fitted probabilities at 0 or 1 runs the
# separation check (a sampled linear program, then a pass that verifies its direction on every
# row).

# %%
glm_frame = logit.get_influence().summary_frame()
print(type(glm_frame).__name__, list(glm_frame.columns))
print(
    "HC1 bse:",
    np.round(np.asarray(GLM(da.from_array(yb, chunks=2_500), dX, Binomial()).fit(cov_type="HC1").bse), 4),
)

# %% [markdown]
# ### Memory on a cluster
#
# Data larger than memory comes from Parquet: `dd.read_parquet(path, columns=[...],
# filesystem="arrow")`, and the fit's tasks each read one file and return a (p+1) x (p+1) R.
# Inside a task jitla works on slabs of 65,536 rows, so the partition itself is the only
# chunk-sized array the fit holds.  Three settings keep a worker near one chunk (devlogs 057, 065):
# start the workers with `LocalCluster(..., env={"ARROW_DEFAULT_MEMORY_POOL": "system"})`
# (Arrow's default allocator keeps freed chunks, and the worker's memory climbs by several
# chunks); read with `filesystem="arrow"` (the default fsspec reader holds the file's raw bytes
# while Arrow decodes them: a third chunk-sized buffer); and build `y` and `X` as selections of
# one frame, as above: jitla then runs each partition once, in one task.

# %% [markdown]
# ## 6. Exercises
#
# 1. Ridge regression adds `sqrt(alpha) I` rows under R. Fit the ridge path for
#    `alpha = 0, 1, 100` from the one-pass R (`model.ridge_path`) and check the `alpha = 0` row
#    against `params`.
# 2. Count the bytes that travel up the tree for 1000 chunks and p = 20 with `split_every=8`.

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution 1
model = OLS(dy, dX)
path = model.ridge_path([0.0, 1.0, 100.0])
print(path)
print("alpha = 0 equals OLS:", np.allclose(path[0], model.fit().params, rtol=1e-12))

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution 2: one (p+1) x (p+1) float64 factor per task output, levels 1000 -> 125 -> 16 -> 2 -> 1
q, chunks, level_bytes = 21, 1000, []
while chunks > 1:
    level_bytes.append(chunks * q * q * 8)
    chunks = -(-chunks // 8)
print([f"{b / 1e6:.3f} MB" for b in level_bytes], "in all", f"{sum(level_bytes) / 1e6:.2f} MB")
