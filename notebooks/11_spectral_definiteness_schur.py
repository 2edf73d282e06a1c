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
# # 11 — Diagonalisation, the spectral theorem, quadratic forms and the Schur form
#
# **Course weeks 6–8 and 10** of a second course in linear algebra (Axler, chapters 5, 7 and 8;
# Horn & Johnson, *Matrix Analysis*, chapters 2 and 7): when a matrix can be diagonalised, why
# symmetric (and, more generally, normal) matrices are diagonalised by an orthogonal basis, what
# positive definiteness means for a quadratic form and how Cholesky tests it, and the Schur form
# that every square matrix has, which is what jitla's `eig` computes on its way.

# %%
import numpy as np

import jitla.linalg as jl
from jitla.kernels import eig_general

try:
    import matplotlib.pyplot as plt
except ImportError:  # every number below is printed either way
    plt = None

rng = np.random.default_rng(11)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Diagonalisation, and when it fails
#
# A is diagonalisable when it has n independent eigenvectors: A = VΛV⁻¹. Distinct eigenvalues
# guarantee it; a repeated eigenvalue may not have enough eigenvectors (a Jordan block). Near such a
# matrix, V is nearly singular: the eigenvector basis exists but is ill-conditioned, and κ(V)
# measures how far from "nicely diagonalisable" A is.

# %%
A = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 2.0, 1.0]])
w, V = jl.eig(A)
print("eigenvalues", w)
print("A V = V Λ:", np.allclose(A @ V, V * w), "| κ(V) =", round(jl.cond(V), 2))
for eps in (1e-2, 1e-6, 1e-10):
    J = np.array([[1.0, 1.0], [eps, 1.0]])  # a Jordan block, perturbed: eigenvalues 1 ± √eps
    w, V = jl.eig(J)
    print(f"perturbation {eps:.0e}: eigenvalues {w.real}, κ(V) = {jl.cond(V):.1e}")

# %% [markdown]
# ## 2. The spectral theorem and normal matrices
#
# A real symmetric matrix has real eigenvalues and an orthonormal basis of eigenvectors:
# A = QΛQᵀ. More generally a matrix is *unitarily* diagonalisable exactly when it is normal,
# AAᵀ = AᵀA (rotations, skew-symmetric matrices, circulants). `eigh` uses the symmetry
# (tridiagonalisation, then implicit QL) and returns Q orthogonal to working precision. For a
# non-normal matrix the eigenvectors are not orthogonal, however accurately they are computed:
# the departure from normality is ‖T‖² − Σ|λᵢ|² in the Schur form T (section 4).

# %%
S = rng.standard_normal((5, 5))
S = S + S.T
lam, Q = jl.eigh(S)
print(
    "symmetric: Q^T Q = I:", np.allclose(Q.T @ Q, np.eye(5)), "| A = Q Λ Q^T:", np.allclose(Q * lam @ Q.T, S)
)

C = np.array([np.roll([1.0, 2.0, 0.0, -1.0], k) for k in range(4)])  # a circulant: normal
N = np.triu(rng.standard_normal((4, 4)))  # triangular: not normal
for name, M in (("circulant", C), ("triangular", N)):
    w, V = jl.eig(M)
    normal = np.allclose(M @ M.T, M.T @ M)
    print(f"{name:10s} normal {normal!s:5s}  |V^H V - I| = {np.abs(V.conj().T @ V - np.eye(4)).max():.2e}")

# %% [markdown]
# ## 3. Quadratic forms and positive definiteness
#
# q(x) = xᵀAx for symmetric A. In the eigenvector basis q = Σ λᵢ yᵢ²: the level sets are ellipses
# with axes along the eigenvectors and half-lengths 1/√λᵢ when every λᵢ > 0 (positive definite),
# hyperbolas when the signs differ (indefinite). Tests of definiteness, from the definition to
# the practical one:
#
# * all eigenvalues positive (`eigvalsh`, O(n³) with a large constant);
# * all leading principal minors positive (Sylvester's criterion; a proof device, not an algorithm);
# * the Cholesky factorisation A = LLᵀ exists: n³/3 flops, and it stops at the first
#   non-positive pivot. `cholesky` raises `LinAlgError("Matrix is not positive definite")`.

# %%
forms = {
    "positive definite": np.array([[3.0, 1.0], [1.0, 2.0]]),
    "indefinite": np.array([[1.0, 2.0], [2.0, -1.0]]),
}
for name, M in forms.items():
    minors = [jl.det(M[:k, :k]) for k in (1, 2)]
    try:
        jl.cholesky(M)
        chol = "exists"
    except jl.LinAlgError as err:
        chol = f"fails: {err}"
    print(f"{name:18s} eigenvalues {jl.eigvalsh(M)}, leading minors {np.round(minors, 4)}, Cholesky {chol}")

if plt is not None:
    x, y = np.meshgrid(np.linspace(-2, 2, 201), np.linspace(-2, 2, 201))
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.8))
    for ax, (name, M) in zip(axes, forms.items(), strict=True):
        q = M[0, 0] * x**2 + 2 * M[0, 1] * x * y + M[1, 1] * y**2
        ax.contour(x, y, q, levels=[-2, -1, -0.5, 0.5, 1, 2], cmap="coolwarm")
        lam, Q = jl.eigh(M)
        for k in range(2):
            ax.annotate("", xy=Q[:, k], xytext=(0, 0), arrowprops={"arrowstyle": "->"})
        ax.set_aspect("equal")
        ax.set_title(f"{name}: λ = {np.round(lam, 2)}")
    plt.show()

# %% [markdown]
# ## 4. The Schur form
#
# Every square A has a Schur decomposition A = ZTZᵀ with Z orthogonal and T quasi-upper-triangular
# (the real Schur form: 1 × 1 blocks for real eigenvalues, 2 × 2 blocks for complex pairs). Unlike
# the eigendecomposition it always exists and is computed stably, which is why eigensolvers go
# through it. jitla's `eig` does exactly that, in three kernels of `jitla/kernels/eig_general.py`
# that we call here one by one: Householder reduction to Hessenberg form (`gehd2`, and
# `form_qt_gehd2` for the accumulated Qᵀ), then Francis's double-shift QR iteration (`lahqr`)
# which drives the subdiagonal to zero (Golub & Van Loan, *Matrix Computations*, 4th ed.,
# Algorithms 7.4.2 and 7.5.2). The kernels work in place on C-ordered float64 arrays and store Z
# transposed; they check nothing, so we hand them exactly that.


# %%
def real_schur(A):
    n = A.shape[0]
    T = np.array(A, dtype=np.float64, order="C")
    tau = np.empty(max(n - 1, 1))
    Zt = np.empty((n, n))
    wr, wi = np.empty(n), np.empty(n)
    eig_general.gehd2(T, tau)
    eig_general.form_qt_gehd2(T, tau, Zt)
    status = eig_general.lahqr(T, wr, wi, Zt, True)
    if status != 0:
        raise jl.LinAlgError("the QR iteration did not converge")
    return np.triu(T, -1), Zt.T, wr + 1j * wi


A = rng.standard_normal((6, 6))
T, Z, w = real_schur(A)
print("T =\n", T)
print("Z orthogonal:", np.allclose(Z.T @ Z, np.eye(6)), "| A = Z T Z^T:", np.allclose(Z @ T @ Z.T, A))
print("eigenvalues from T agree with eig:", np.allclose(np.sort_complex(w), np.sort_complex(jl.eigvals(A))))
departure = np.linalg.norm(T) ** 2 - np.sum(np.abs(w) ** 2)
print(f"departure from normality ‖T‖² − Σ|λ|² = {departure:.3f} (0 for a normal matrix)")

# %% [markdown]
# ## Exercises
#
# 1. Compute the departure from normality of the circulant C of section 2 with `real_schur`.
# 2. A = BᵀB is positive semidefinite for any B. Make B of shape 3 × 5 and predict how many
#    eigenvalues of the 5 × 5 matrix A are zero; does `cholesky` succeed?
# 3. For the positive definite form of section 3, find the maximum of q(x) on the unit circle
#    and the x where it is reached (Rayleigh quotient), and compare with `eigvalsh`.
#
# The solutions are hidden below: click to open them.

# %% tags=["solution"] jupyter={"source_hidden": true}
# 1. a normal matrix has a (block) diagonal Schur form: departure 0 up to rounding
T, Z, w = real_schur(C)
print("circulant: departure", round(np.linalg.norm(T) ** 2 - np.sum(np.abs(w) ** 2), 10))

# 2. rank(B^T B) = rank(B) = 3, so two zero eigenvalues; Cholesky meets a zero (or negative) pivot
B = rng.standard_normal((3, 5))
print("eigenvalues of B^T B:", jl.eigvalsh(B.T @ B))
try:
    jl.cholesky(B.T @ B)
    print("Cholesky succeeded: rounding made the zero pivots tiny positive numbers")
except jl.LinAlgError as err:
    print("Cholesky:", err)

# 3. max of x^T M x on |x| = 1 is the largest eigenvalue, at its eigenvector
M = forms["positive definite"]
theta = np.linspace(0, np.pi, 10001)
xs = np.stack([np.cos(theta), np.sin(theta)])
q = np.einsum("ik,ij,jk->k", xs, M, xs)
print(
    "max on the circle",
    q.max().round(6),
    "at",
    xs[:, q.argmax()].round(4),
    "| eigvalsh",
    jl.eigvalsh(M)[-1].round(6),
)
