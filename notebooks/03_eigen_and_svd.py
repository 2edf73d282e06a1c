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
# # 03 — Eigenvalues and the SVD
#
# **Course weeks 6 and 9** of the linear-algebra course (eigenvalues, the SVD) and week 2's four
# subspaces from the SVD.
#
# From the simplest eigenvalue method to the ones in `numpy.linalg`, and what the SVD says about a
# linear map:
#
# 1. Power iteration, inverse iteration, Rayleigh-quotient iteration: one eigenpair at a time,
#    and how fast each converges.
# 2. The QR algorithm: all eigenvalues at once (`jitla.linalg.eigh`, `eig`).
# 3. The SVD as the geometry of a linear map, computed by one-sided Jacobi, and why that is more
#    accurate on graded matrices.
# 4. Rank, projections and the four fundamental subspaces.

# %%
import numpy as np

import jitla.linalg as jl

rng = np.random.default_rng(1)
Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
eigenvalues = np.array([10.0, 5.0, 3.0, 2.0, 1.0, 0.5])
A = (Q * eigenvalues) @ Q.T  # symmetric, with known eigenpairs

# %% [markdown]
# ## 1. One eigenpair at a time
#
# The power method multiplies by A and normalises. Each step shrinks the components along the other
# eigenvectors by |λ₂/λ₁| = 0.5 here; the Rayleigh quotient of a symmetric matrix converges with the
# square of that ratio. Inverse iteration runs the power method on (A − μI)⁻¹, whose dominant
# eigenvalue belongs to the λ closest to μ. Rayleigh-quotient iteration updates μ every step and
# converges cubically.

# %%
power = jl.power_iteration(A)
inverse = jl.inverse_iteration(A, shift=2.8)
rqi = jl.rayleigh_quotient_iteration(A, x0=Q[:, 2] + 0.1 * Q[:, 3])
for name, result, target in (
    ("power", power, 10.0),
    ("inverse, shift 2.8", inverse, 3.0),
    ("Rayleigh", rqi, 3.0),
):
    errors = np.abs(result.history - target)
    shown = ", ".join(f"{e:.0e}" for e in errors[:8])
    print(f"{name:20s} {result.iterations:3d} steps  errors: {shown}")

# %% [markdown]
# ## 2. All eigenvalues: the QR algorithm
#
# The QR algorithm is the power method applied to all directions at once, with shifts that make it
# converge like Rayleigh-quotient iteration. jitla's `eigh` reduces a symmetric matrix to
# tridiagonal form with Householder reflectors and then runs implicit QL with Wilkinson shifts;
# `eig` reduces a general matrix to Hessenberg form and runs Francis's double-shift QR, which keeps
# complex-conjugate pairs in real 2 × 2 blocks. Both agree with LAPACK:

# %%
w, V = jl.eigh(A)
print("eigh:", np.round(w, 12))
print("||A V - V diag(w)|| =", np.linalg.norm(A @ V - V * w))
G = rng.standard_normal((6, 6))
lam = jl.eigvals(G)
print("eig of a random matrix:", np.round(np.sort_complex(lam), 6))
print("numpy agrees:", np.allclose(np.sort_complex(lam), np.sort_complex(np.linalg.eigvals(G))))

# %% [markdown]
# ## 3. The SVD: what a matrix does to the unit sphere
#
# Every matrix maps the unit sphere to an ellipsoid: `A = U Σ Vᵀ` says that A rotates (Vᵀ),
# stretches along the axes (Σ) and rotates again (U). The singular values are the semi-axes.

# %%
M = np.array([[3.0, 1.0], [1.0, 2.0]]) @ np.array([[np.cos(0.5), -np.sin(0.5)], [np.sin(0.5), np.cos(0.5)]])
U, s, Vh = jl.svd(M)
theta = np.linspace(0, 2 * np.pi, 200)
circle = np.vstack([np.cos(theta), np.sin(theta)])
ellipse = M @ circle
print("singular values:", s)
print("longest image of a unit vector:", np.linalg.norm(ellipse, axis=0).max())
print("shortest image of a unit vector:", np.linalg.norm(ellipse, axis=0).min())

try:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot(*circle, label="unit circle")
    ax.plot(*ellipse, label="its image under M")
    for k in range(2):
        ax.annotate("", xy=s[k] * U[:, k], xytext=(0, 0), arrowprops={"arrowstyle": "->"})
    ax.set_aspect("equal")
    ax.legend(loc="lower right")
except ImportError:
    pass

# %% [markdown]
# ### Accuracy: the smallest singular values
#
# LAPACK first reduces A to bidiagonal form; its singular values are accurate *relative to the
# largest one*. One-sided Jacobi rotates pairs of columns only, with a relative convergence test,
# and is accurate relative to *each* singular value when the columns are graded (A = B·D). Here the
# columns are scaled from 1e-14 to 1:

# %%
B = rng.standard_normal((10, 10))
graded = B * np.logspace(-14, 0, 10)
jacobi = jl.svdvals(graded, method="jacobi")
gesdd = np.linalg.svd(graded, compute_uv=False)
bidiag = jl.svdvals(graded)  # the default: jitla's own bidiagonalisation route
try:
    import mpmath

    with mpmath.workdps(50):
        exact = np.array(
            sorted(
                (float(v) for v in mpmath.svd_r(mpmath.matrix(graded.tolist()), compute_uv=False)),
                reverse=True,
            )
        )
    print("smallest singular value:", exact[-1])
    print(f"Jacobi relative error: {np.max(np.abs(jacobi - exact) / exact):.1e}")
    print(f"gesdd  relative error: {np.max(np.abs(gesdd - exact) / exact):.1e}")
    print(f"jitla bidiagonal relative error: {np.max(np.abs(bidiag - exact) / exact):.1e}")
except ImportError:
    print("mpmath not installed: Jacobi", jacobi[-1], "gesdd", gesdd[-1], "bidiagonal", bidiag[-1])

# %% [markdown]
# Here the loss is the method's, not LAPACK's: jitla's default route (Householder
# bidiagonalisation, then Demmel & Kahan's bidiagonal QR, as LAPACK's `dbdsqr`) loses the same
# digits, in the reduction to bidiagonal form. Its bidiagonal QR itself is relatively accurate, so
# inputs the reduction does not spoil (a diagonal matrix, say) keep their tiny values. The default
# is 4-7x faster than the Jacobi SVD at n = 100 (devlog 021), which is the trade: speed, or every
# digit of the small singular values. `svd(a, method="jacobi")` takes the digits.

# %% [markdown]
# ## 4. Rank, projections and the four fundamental subspaces
#
# For A of rank r, the SVD splits both spaces: the first r columns of U span the column space, the
# rest of U the left null space; the first r rows of Vᵀ span the row space, the rest the null space.
# Projecting b onto the column space gives the least-squares fit; the residual is orthogonal to it.

# %%
A = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 4))  # 6 x 4 of rank 2
r = jl.matrix_rank(A)
column_space, null_space = jl.orth(A), jl.null_space(A)
row_space, left_null_space = jl.orth(A.T), jl.null_space(A.T)
print(
    "rank",
    r,
    "| dimensions:",
    column_space.shape[1],
    null_space.shape[1],
    row_space.shape[1],
    left_null_space.shape[1],
)
print("row space ⟂ null space:", np.abs(row_space.T @ null_space).max() < 1e-12)
print("column space ⟂ left null space:", np.abs(column_space.T @ left_null_space).max() < 1e-12)
b = rng.standard_normal(6)
p = jl.project(b, onto=A)
print("residual orthogonal to the columns of A:", np.abs(A.T @ (b - p)).max() < 1e-12)
P = jl.projector(A)
print("P is symmetric and idempotent:", np.allclose(P, P.T), np.allclose(P @ P, P))
print("pseudo-inverse solution A⁺b reproduces the projection:", np.allclose(A @ (jl.pinv(A) @ b), p))
