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
# # 14 — The Schur form and functions of matrices
#
# **Course weeks 7 and 10** of a second course in linear algebra (Axler 6.B and 7.A–7.B; Golub &
# Van Loan 7.6 and 9.1–9.3; Higham, *Functions of Matrices*), after notebook 11, computed:
#
# 1. The Schur form `A = Z T Z^*`: every square matrix is unitarily similar to a triangular one,
#    and a real matrix is orthogonally similar to a quasi-triangular one. Reordering it.
# 2. Normal matrices: their complex Schur form is diagonal (the spectral theorem).
# 3. Why the Jordan form is not computed: a perturbation of size 1e-12 moves eigenvalues by 3e-2.
# 4. Functions of matrices on the Schur form (`sqrtm`, `logm`, `funm`) and `expm` by scaling and
#    squaring.
#
# Complex *input* (a complex A) waits for the complex QR/eig kernels; everything below starts
# from real matrices, and complex numbers appear where the mathematics puts them.

# %%
import numpy as np

import jitla.linalg as jl

rng = np.random.default_rng(10)
A = rng.standard_normal((6, 6))

# %% [markdown]
# ## 1. The Schur form
#
# The real Schur form has 1 x 1 blocks for real eigenvalues and 2 x 2 blocks `[[a, b], [c, a]]`
# (with `bc < 0`) for complex pairs `a ± i sqrt(-bc)`. It is what the QR algorithm converges to;
# `eig` reads the eigenvalues off it. Z is orthogonal, so the similarity is perfectly conditioned.

# %%
T, Z = jl.schur(A)
np.set_printoptions(precision=3, suppress=True, linewidth=110)
print(T)
print("||Z T Z^T - A|| =", np.linalg.norm(Z @ T @ Z.T - A))
print("||Z^T Z - I||   =", np.linalg.norm(Z.T @ Z - np.eye(6)))

# %% [markdown]
# Over the complex numbers every block splits: `rsf2csf` (or `output="complex"`) rotates each
# 2 x 2 block into triangular form with a complex Givens rotation. And the eigenvalues can be put
# in any order by swapping adjacent blocks (Bai & Demmel's swaps): `sort="lhp"` gathers the
# eigenvalues of the left half-plane first, whose Schur vectors then span the invariant subspace
# of the stable modes.

# %%
Tc, Zc = jl.schur(A, output="complex")
print("complex T is upper triangular:", np.allclose(np.tril(Tc, -1), 0))
print("diagonal:", np.diagonal(Tc))
Ts, Zs, sdim = jl.schur(A, sort="lhp")
print("eigenvalues with Re < 0:", sdim)
V = Zs[:, :sdim]  # an orthonormal basis of the stable invariant subspace
print("A V stays in span(V):", np.linalg.norm(A @ V - V @ (V.T @ A @ V)))

# %% [markdown]
# ## 2. Normal matrices are unitarily diagonalisable
#
# A is normal when `A A^T = A^T A`. Then T is normal too, and a triangular normal matrix is
# diagonal: the complex Schur form *is* the eigendecomposition, with orthonormal eigenvectors
# (the columns of Z). A real example: an orthogonal matrix times a symmetric one that commutes with
# it. (Diagonalising a complex normal matrix directly needs the complex Schur kernel.)

# %%
Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
N = (
    Q
    @ np.diag([3.0, 3.0, -1.0, -1.0, 2.0, 2.0])
    @ Q.T
    @ jl.expm(Q @ np.kron(np.eye(3), np.array([[0.0, 1.0], [-1.0, 0.0]])) @ Q.T)
)
print("normal:", np.allclose(N @ N.T, N.T @ N))
Tn, Zn = jl.schur(N, output="complex")
print("largest off-diagonal entry of T:", np.abs(np.triu(Tn, 1)).max())
print("eigenvalues:", np.round(np.diagonal(Tn), 6))

# %% [markdown]
# ## 3. The Jordan form is ill-posed
#
# A Jordan block `J = I + N` (N the shift) has the single eigenvalue 1 of multiplicity n but only
# one eigenvector. Change one entry by `delta`: the characteristic polynomial becomes `(λ - 1)^n -
# delta`, so the eigenvalues jump to a circle of radius `delta^(1/n)` around 1. With n = 8 and
# delta = 1e-12 (a few rounding errors) they move by 0.03, ten orders of magnitude more than the
# perturbation, and the perturbed matrix is diagonalisable: its Jordan form is diagonal, the
# original one was a single block. No computed Jordan form can be trusted; the Schur form, with
# unitary Z, moves only as much as the perturbation.

# %%
n = 8
J = np.eye(n) + np.eye(n, k=1)
for delta in (0.0, 1e-12):
    Jp = J.copy()
    Jp[n - 1, 0] = delta
    w = np.linalg.eigvals(Jp)
    rank = np.linalg.matrix_rank(Jp - np.eye(n), tol=1e-14)
    print(f"delta={delta:.0e}: max |λ - 1| = {np.abs(w - 1).max():.2e}, rank(J - I) = {rank}")
print("delta^(1/n) =", 1e-12 ** (1 / n))
Tp, Zp = jl.schur(J + 1e-12 * np.eye(n, k=-(n - 1)))
print("Schur form of the perturbed J: ||Z T Z^T - J|| =", np.linalg.norm(Zp @ Tp @ Zp.T - J))

# %% [markdown]
# ## 4. Functions of matrices
#
# For `f` analytic on the spectrum, `f(A) = Z f(T) Z^*` and `f(T)` is triangular. Its diagonal is
# `f(t_ii)`; the rest follows from `f(T) T = T f(T)` (Parlett's recurrence, `funm`) or, for
# special f, from a better recurrence: `sqrtm` solves `R^2 = T` entry by entry (Björck &
# Hammarling), `logm` takes square roots until T is close to I and uses a Padé approximant of
# `log(I + X)` there (inverse scaling and squaring).

# %%
P = A @ A.T / 6 + np.eye(6)  # positive definite: real square root and logarithm
X = jl.sqrtm(P)
L = jl.logm(P)
print("||sqrtm(P)^2 - P||        =", np.linalg.norm(X @ X - P))
print("||expm(logm(P)) - P||     =", np.linalg.norm(jl.expm(L) - P))
print("||funm(A, exp) - expm(A)|| =", np.linalg.norm(jl.funm(A, np.exp) - jl.expm(A)))

# %% [markdown]
# ### expm by scaling and squaring
#
# `exp(A) = exp(A / 2^s)^(2^s)`: scale until the norm is small, approximate `exp` there by the
# [m/m] Padé approximant `r_m = (V - U)^{-1}(V + U)` (U the odd, V the even part of its
# numerator), square s times. The degree m and s are chosen from norms of powers of A (Al-Mohy &
# Higham 2009). The Taylor series alone, summed naively, loses digits on matrices whose powers
# grow before they shrink: Moler & Van Loan's example has eigenvalues -1 and -17, `exp(A)` of size
# ~1, but series terms up to ~`e^17 ≈ 2e7`, so about seven digits cancel away. Its exact
# exponential is `V diag(e^-1, e^-17) V^{-1}` with the integer eigenvectors `(1, 2)`, `(3, 4)`.

# %%
M = np.array([[-49.0, 24.0], [-64.0, 31.0]])
Vm = np.array([[1.0, 3.0], [2.0, 4.0]])
exact = Vm @ np.diag(np.exp([-1.0, -17.0])) @ np.array([[-2.0, 1.5], [1.0, -0.5]])
term = np.eye(2)
taylor = np.eye(2)
for k in range(1, 150):
    term = term @ M / k
    taylor = taylor + term
print(f"Taylor series, no scaling : relative error {np.abs(taylor - exact).max() / np.abs(exact).max():.1e}")
print(
    f"expm (scaling + Padé)     : relative error {np.abs(jl.expm(M) - exact).max() / np.abs(exact).max():.1e}"
)

# %% [markdown]
# And the *hump*: for a non-normal A with every eigenvalue in the left half-plane, `||exp(tA)||`
# still grows for a while before it decays — the transient that eigenvalues alone do not show.

# %%
H = np.array([[-1.0, 20.0], [0.0, -2.0]])
for t in (0.0, 0.25, 0.5, 1.0, 2.0, 5.0):
    print(f"t = {t:4.2f}   ||exp(tH)||_2 = {np.linalg.norm(jl.expm(t * H), 2):7.3f}")
