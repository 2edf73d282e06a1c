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
# # 10 — Linear maps, the four subspaces, projections and determinants
#
# **Course weeks 1–5** of a second course in linear algebra (Axler, *Linear Algebra Done Right*,
# chapters 3, 6 and 10; Strang, *Introduction to Linear Algebra*, chapters 3–5): linear maps and
# their matrices, change of basis, rank–nullity and the four fundamental subspaces, inner products
# and Gram–Schmidt, orthogonal projections, and the determinant as a volume. Every object is
# computed with jitla's factorisations (QR, pivoted QR, SVD, LU) and checked against its
# definition.

# %%
import numpy as np

import jitla.linalg as jl

try:
    import matplotlib.pyplot as plt
except ImportError:  # every number below is printed either way
    plt = None

rng = np.random.default_rng(10)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. A linear map and its matrix in two bases
#
# A linear map T: ℝ³ → ℝ³ is fixed by what it does to a basis. In the standard basis its matrix A
# has the images T(eⱼ) as columns. In another basis, the columns of an invertible B, the same map
# has the matrix B⁻¹AB: take coordinates in B to standard ones (B), apply A, come back (B⁻¹).
# We never form B⁻¹: `solve(B, A @ B)` is one LU factorisation and two triangular solves.
#
# Choosing B as eigenvectors makes the matrix diagonal (week 6); here B is an arbitrary basis,
# and what survives the change is what belongs to the map, not to the basis: trace, determinant,
# eigenvalues.

# %%
A = np.array([[2.0, 1.0, 0.0], [0.0, 1.0, -1.0], [1.0, 0.0, 3.0]])
B = rng.standard_normal((3, 3))
A_in_B = jl.solve(B, A @ B)
print("matrix of T in the basis B:\n", A_in_B)
print("trace", np.trace(A).round(10), np.trace(A_in_B).round(10))
print("det  ", jl.det(A).round(10), jl.det(A_in_B).round(10))
print("eigenvalues equal:", np.allclose(np.sort_complex(jl.eigvals(A)), np.sort_complex(jl.eigvals(A_in_B))))

# %% [markdown]
# ## 2. Rank–nullity and the four fundamental subspaces
#
# For A of shape m × n and rank r: the column space C(A) ⊂ ℝᵐ and row space C(Aᵀ) ⊂ ℝⁿ have
# dimension r; the null space N(A) has dimension n − r (rank–nullity), the left null space N(Aᵀ)
# has m − r. The null space is orthogonal to the row space, the left null space to the column
# space. The SVD A = UΣVᵀ hands over orthonormal bases of all four at once; jitla's `orth` and
# `null_space` cut U and V at the numerical rank (singular values above max(m, n)·ε·σ₁).
#
# Column-pivoted QR (Businger–Golub) is the cheaper rank-revealer: AP = QR with |r₁₁| ≥ |r₂₂| ≥ …,
# and the diagonal of R falls off a cliff after r entries.

# %%
m, n, r = 7, 5, 3
A = rng.standard_normal((m, r)) @ rng.standard_normal((r, n))  # rank 3 by construction
col, nul = jl.orth(A), jl.null_space(A)
row, left = jl.orth(A.T), jl.null_space(A.T)
print(
    "rank",
    jl.matrix_rank(A),
    "| dim C(A), N(A), C(A^T), N(A^T):",
    [M.shape[1] for M in (col, nul, row, left)],
)
print("rank + nullity = n:", jl.matrix_rank(A) + nul.shape[1] == n)
print("A maps N(A) to zero:", np.abs(A @ nul).max() < 1e-12)
print(
    "N(A) ⟂ C(A^T):",
    np.abs(row.T @ nul).max() < 1e-12,
    "  N(A^T) ⟂ C(A):",
    np.abs(col.T @ left).max() < 1e-12,
)
Q, R, perm = jl.qr(A, pivoting=True)
print("|diag R| of the pivoted QR:", np.abs(np.diag(R)))
print("singular values:           ", jl.svdvals(A))

# %% [markdown]
# ## 3. Inner products and Gram–Schmidt
#
# Gram–Schmidt turns a basis into an orthonormal one by subtracting from each vector its
# projections on the ones before. Classical Gram–Schmidt (CGS) computes all those projections from
# the original vector; modified Gram–Schmidt (MGS) from the vector as it is being reduced. In exact
# arithmetic they agree. In floating point, CGS loses orthogonality like κ(A)², MGS like κ(A), and
# CGS twice ("CGS2": reorthogonalise once) and Householder QR keep it at ε (Björck, *Numerical
# Methods for Least Squares Problems*, §2.4). The picture is the loss ‖QᵀQ − I‖ against κ(A).


# %%
def with_condition(m, n, kappa):
    U, _ = np.linalg.qr(rng.standard_normal((m, n)))
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (U * np.logspace(0, -np.log10(kappa), n)) @ V.T


kappas = np.logspace(1, 12, 12)
loss = {method: [] for method in ("cgs", "mgs", "cgs2", "householder")}
for kappa in kappas:
    A = with_condition(60, 12, kappa)
    for method in loss:
        Q, _ = jl.qr(A, method=method)
        loss[method].append(np.linalg.norm(Q.T @ Q - np.eye(12)))
for method, values in loss.items():
    print(f"{method:12s}", " ".join(f"{v:8.1e}" for v in values[::3]))

if plt is not None:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for method, values in loss.items():
        ax.loglog(kappas, values, marker="o", label=method)
    ax.loglog(kappas, 1e-16 * kappas**2, "k:", label="ε κ²")
    ax.loglog(kappas, 1e-16 * kappas, "k--", label="ε κ")
    ax.set_xlabel("κ(A)")
    ax.set_ylabel("‖QᵀQ − I‖")
    ax.set_ylim(1e-16, 10)
    ax.legend(fontsize=8)
    ax.set_title("Loss of orthogonality")
    plt.show()

# %% [markdown]
# ## 4. Orthogonal projections
#
# The orthogonal projector onto C(A) is P = QQᵀ for any orthonormal basis Q of C(A) (for A of
# full column rank, also A(AᵀA)⁻¹Aᵀ, which is never how to compute it). P is symmetric and
# idempotent; Pb is the point of C(A) nearest to b, so b − Pb is orthogonal to C(A): the normal
# equations Aᵀ(b − Ax) = 0 of least squares. In the plane: project a cloud of points onto a line.

# %%
a = np.array([[2.0], [1.0]])
P = jl.projector(a)
print("P =\n", P, "\nsymmetric:", np.allclose(P, P.T), " idempotent:", np.allclose(P @ P, P))
points = rng.standard_normal((2, 12)) * 1.5
shadows = P @ points
print("residuals orthogonal to the line:", np.abs(a.T @ (points - shadows)).max() < 1e-12)
b = rng.standard_normal(7)
A = rng.standard_normal((7, 3))
x, *_ = jl.lstsq(A, b)
print("least-squares fit = projection:", np.allclose(A @ x, jl.project(b, onto=A)))

if plt is not None:
    fig, ax = plt.subplots(figsize=(4, 4))
    t = np.linspace(-4, 4, 2)
    ax.plot(2 * t, t, "k-", lw=1, label="C(a)")
    ax.scatter(*points, s=15, label="b")
    ax.scatter(*shadows, s=15, label="Pb")
    for p, s in zip(points.T, shadows.T, strict=True):
        ax.plot([p[0], s[0]], [p[1], s[1]], color="grey", lw=0.6)
    ax.set_aspect("equal")
    ax.set_xlim(-4, 4)
    ax.set_ylim(-4, 4)
    ax.legend(loc="lower right", fontsize=8)
    plt.show()

# %% [markdown]
# ## 5. Determinants: volume, and why we take logarithms
#
# |det A| is the volume of the parallelepiped spanned by the columns; its sign says whether A keeps
# or flips orientation. From PA = LU, det A = ±∏ uᵢᵢ (the sign from the row swaps): n³/3 flops
# instead of the n! terms of the Leibniz formula. For large n the product overflows or underflows
# long before the matrix is singular, which is why `slogdet` returns the sign and log|det|.

# %%
for n, scale in ((10, 1.0), (400, 0.01), (400, 10.0)):
    M = rng.standard_normal((n, n)) * scale
    sign, logdet = jl.slogdet(M)
    print(f"n = {n:3d}, entries ~ {scale:5}: det = {jl.det(M):10.3e}, slogdet = ({sign:+.0f}, {logdet:9.2f})")
unit_cube = np.eye(3)
shear = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
print("a shear keeps volume:", jl.det(shear @ unit_cube))

# %% [markdown]
# ## Exercises
#
# 1. Build a 6 × 4 matrix of rank 2 and check rank–nullity for Aᵀ as well as A: which of the
#    four subspaces of Aᵀ is the row space of A?
# 2. Show numerically that the projector onto N(A) is I − P_{C(Aᵀ)}.
# 3. The determinant of an orthogonal matrix is ±1. Check it for the Q of a Householder QR of a
#    random 5 × 5 matrix, and explain the sign from the number of reflectors.
#
# The solutions are hidden below: click to open them.

# %% tags=["solution"] jupyter={"source_hidden": true}
# 1. rank-nullity for A and A^T; C(A^T) is the row space of A
A = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 4))
for M, name in ((A, "A"), (A.T, "A^T")):
    rank, nullity = jl.matrix_rank(M), jl.null_space(M).shape[1]
    print(f"{name}: rank {rank} + nullity {nullity} = {M.shape[1]} columns")
print("C(A^T) = row space of A:", np.allclose(jl.projector(A.T), jl.projector(jl.orth(A.T))))

# 2. P_N(A) = I - P_C(A^T)
print("P_N(A) = I - P_C(A^T):", np.allclose(jl.projector(jl.null_space(A)), np.eye(4) - jl.projector(A.T)))

# 3. det Q = (-1)^(number of reflectors that are not the identity)
Q, _ = jl.qr(rng.standard_normal((5, 5)))
print("det Q =", round(jl.det(Q), 12), "(each Householder reflector has determinant -1)")
