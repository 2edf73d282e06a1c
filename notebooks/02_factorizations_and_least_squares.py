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
# # 02 — Factorisations and least squares
#
# **Course weeks 3–5** of the linear-algebra course (Gram–Schmidt, projections and least squares,
# determinants through LU), and week 11's conditioning, seen through the factorisations.
#
# Solving `A x = b` and fitting `min ||A x - b||` are done by *factoring* A into pieces that are
# easy to solve with: triangular matrices (LU, Cholesky) and orthogonal ones (QR). This notebook
# follows jitla's kernels through four questions:
#
# 1. Why does Gaussian elimination need pivoting?
# 2. Why is Householder QR preferred to Gram–Schmidt?
# 3. Why do the normal equations lose digits?
# 4. What does extra-precise iterative refinement buy back?
#
# Every answer is a measurement made here, on small matrices, against numpy/scipy and against
# mpmath at 50 digits where float64 is not enough.

# %%
import mpmath
import numpy as np

import jitla.linalg as jl

rng = np.random.default_rng(0)
eps = np.finfo(np.float64).eps

# %% [markdown]
# ## 1. Pivoting
#
# Elimination without row exchanges divides by whatever sits on the diagonal. For
# `A = [[1e-20, 1], [1, 1]]` the first multiplier is 1e20, and the update `1 - 1e20` rounds to
# `-1e20`: the information in the second row's `1` is gone. The textbook loop below does exactly
# that; jitla's LU (partial pivoting, as LAPACK's `getrf`) swaps the rows first.


# %%
def lu_no_pivoting(A):
    """Doolittle elimination with no row exchanges (for this demonstration only)."""
    U = np.array(A, dtype=float)
    n = U.shape[0]
    L = np.eye(n)
    for k in range(n - 1):
        for i in range(k + 1, n):
            L[i, k] = U[i, k] / U[k, k]
            U[i, k:] -= L[i, k] * U[k, k:]
    return L, U


A = np.array([[1e-20, 1.0], [1.0, 1.0]])
b = np.array([1.0, 2.0])
L, U = lu_no_pivoting(A)
y = np.linalg.solve(L, b)
x_unpivoted = np.linalg.solve(U, y)
x_jitla = jl.solve(A, b)
print("no pivoting :", x_unpivoted, " residual", np.abs(A @ x_unpivoted - b).max())
print("jitla solve :", x_jitla, " residual", np.abs(A @ x_jitla - b).max())
P, L, U = jl.lu(A)
print("P =\n", P, "\nL =\n", L, "\nU =\n", U)

# %% [markdown]
# ## 2. Householder against Gram–Schmidt
#
# All three compute `A = Q R`; they differ in how orthogonal the computed Q is. Classical
# Gram–Schmidt (CGS) subtracts projections computed from the *original* column, modified
# Gram–Schmidt (MGS) from the partly orthogonalised one, and Householder QR never forms the
# projections at all: it applies orthogonal reflectors, which are backward stable. The theory
# predicts `||QᵀQ − I||` ≈ eps for Householder, ≈ cond·eps for MGS and ≈ cond²·eps for CGS (until
# it reaches 1). CGS with one re-orthogonalisation (CGS2) is as good as Householder.


# %%
def matrix_with_condition(m, n, cond, seed=0):
    local = np.random.default_rng(seed)
    U, _ = np.linalg.qr(local.standard_normal((m, n)))
    V, _ = np.linalg.qr(local.standard_normal((n, n)))
    return (U * np.logspace(0, -np.log10(cond), n)) @ V.T


print(f"{'cond':>8s}  {'householder':>12s}  {'cgs2':>9s}  {'mgs':>9s}  {'cgs':>9s}")
for cond in (1e2, 1e5, 1e8, 1e11):
    A = matrix_with_condition(60, 20, cond)
    row = []
    for method in ("householder", "cgs2", "mgs", "cgs"):
        Q, _ = jl.qr(A, method=method)
        row.append(np.linalg.norm(Q.T @ Q - np.eye(20), 2))
    print(f"{cond:8.0e}  " + "  ".join(f"{v:9.1e}" for v in row))

# %% [markdown]
# ## 3. The normal equations square the condition number
#
# `AᵀA x = Aᵀb` is the cheapest way to a least-squares solution, and the least accurate: cond(AᵀA)
# = cond(A)², so a problem with cond(A) = 1e6 has only about 16 − 12 = 4 correct digits left.
# QR works on A itself. We fit a degree-10 polynomial in raw powers of x on [0, 2] — a classic
# ill-conditioned design — and count correct significant digits per coefficient against mpmath.
# (On x in [−9, −3], the design of the regression issue, cond(A) ≈ 1e15 and the normal equations
# do not even have a numerically positive definite matrix: jitla says so instead of answering.)

# %%
x = np.linspace(0.0, 2.0, 40)
A = np.vander(x, 11, increasing=True)
coef_true = rng.standard_normal(11)
b = A @ coef_true + 1e-3 * rng.standard_normal(40)
print(f"cond(A) = {np.linalg.cond(A):.1e}")

mpmath.mp.dps = 60
Am, bm = mpmath.matrix(A.tolist()), mpmath.matrix(b.tolist())
exact = mpmath.lu_solve(Am.T * Am, Am.T * bm)  # exact normal equations at 60 digits
exact = np.array([float(v) for v in exact])


def digits(estimate):
    return -np.log10(np.maximum(np.abs(estimate - exact) / np.abs(exact), 1e-17))


solvers = {
    "normal equations": lambda: jl.lstsq(A, b, method="normal")[0],
    "Householder QR": lambda: jl.lstsq(A, b, method="qr")[0],
    "QR + refinement": lambda: jl.lstsq(A, b, refine=True)[0],
    "numpy (LAPACK)": lambda: np.linalg.lstsq(A, b, rcond=None)[0],
}
for name, solve_it in solvers.items():
    try:
        d = digits(solve_it())
        print(f"{name:18s} correct digits: min {d.min():5.1f}  median {np.median(d):5.1f}")
    except jl.LinAlgError as error:
        print(f"{name:18s} refused: {error}")

A_bad = np.vander(np.linspace(-9.0, -3.0, 40), 11, increasing=True)
try:
    jl.lstsq(A_bad, A_bad @ coef_true, method="normal")
except jl.LinAlgError as error:
    print(f"x in [-9, -3], cond(A) = {np.linalg.cond(A_bad):.1e}: {error}")

# %% [markdown]
# ## 4. What refinement recovers
#
# Refinement computes the residual `b − A x` in double-double arithmetic (error-free `two_sum` and
# `two_prod`, about 32 digits), solves for a correction with the QR factors already computed, and
# repeats. For least squares it works on Björck's augmented system `[[I, A], [Aᵀ, 0]] [r; x] =
# [b; 0]`, so that problems with a large residual improve too. The factorisation is still the
# float64 one: refinement gets the accuracy of the *problem* (its condition number times the
# double-double residual's error), not of the factorisation.
#
# The same idea for square systems: a Hilbert matrix of order 10 has cond ≈ 1.6e13.

# %%
n = 10
H = np.array([[1.0 / (i + j + 1) for j in range(n)] for i in range(n)])
x_true = np.ones(n)
b = H @ x_true  # rounded: the exact solution of (H, b) is no longer all ones
Hm, bm = mpmath.matrix(H.tolist()), mpmath.matrix(b.tolist())
exact = np.array([float(v) for v in mpmath.lu_solve(Hm, bm)])
for refine in (False, True):
    estimate = jl.solve(H, b, refine=refine)
    err = np.max(np.abs(estimate - exact) / np.abs(exact))
    print(f"solve(refine={refine!s:5s}): max relative error {err:.1e}")

# %% [markdown]
# ## Take-aways
#
# * Pivoting is not an optimisation; without it elimination is unstable even for 2 × 2.
# * Orthogonality is what separates the QR algorithms: Householder (or CGS2) keep Q orthogonal to
#   working precision whatever the conditioning; MGS and CGS lose it in proportion to cond and cond².
# * The normal equations lose twice the digits that QR loses.
# * Refinement with a more precise residual recovers nearly full precision for ill-conditioned but
#   full-rank problems, at the price of a few extra matrix-vector products.
#
# Devlog entries 002–004 have the full-size benchmarks and what broke on the way.
