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
# 2. Normal matrices: their complex Schur form is diagonal (the spectral theorem), so they are
#    unitarily diagonalisable -- a real example and a complex, non-Hermitian one.
# 3. Why the Jordan form is not computed: a perturbation of size eps moves the eigenvalues of an
#    n x n Jordan block by eps^(1/n).
# 4. Functions of matrices on the Schur form (`sqrtm`, `logm`, `funm`) and `expm` by scaling and
#    squaring.
#
# Complex input works throughout (`schur`, `eig`, `qr`, `svd`, ... take complex64 / complex128);
# the sections below start from real matrices where the mathematics does, and from complex ones
# where it needs them.

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
# ### A complex normal matrix that is not Hermitian
#
# Normal means `A A^* = A^* A`, nothing more: Hermitian (real eigenvalues), skew-Hermitian
# (imaginary ones) and unitary (on the unit circle) matrices are normal, and so is
# `N = U diag(λ) U^*` for any unitary U and *any* complex λ. Take λ scattered in the complex
# plane, so N is neither Hermitian nor unitary. Its complex Schur form is diagonal to rounding;
# the eigenvectors that `eig` returns (unit columns) form a unitary matrix, `V^* V = I`, because
# eigenvectors of distinct eigenvalues of a normal matrix are orthogonal. A non-normal matrix
# with the same eigenvalues has a Schur form with a large strictly upper part, and its
# eigenvector matrix is far from unitary: `cond(V)` measures how far, and it is the factor by
# which perturbations of A can move its eigenvalues (Bauer–Fike).

# %%
Zc = rng.standard_normal((5, 5)) + 1j * rng.standard_normal((5, 5))
U, _ = jl.qr(Zc)  # a unitary matrix (complex Householder QR)
lam = np.array([2 + 1j, -1 + 0.5j, 0.3 - 2j, 1.5 - 1.5j, -2 - 1j])
Nc = U @ np.diag(lam) @ U.conj().T
print(
    "Hermitian:", np.allclose(Nc, Nc.conj().T), "  normal:", np.allclose(Nc @ Nc.conj().T, Nc.conj().T @ Nc)
)
Tc, Zs = jl.schur(Nc, output="complex")
print("largest off-diagonal entry of its Schur form:", f"{np.abs(np.triu(Tc, 1)).max():.1e}")
w, Vc = jl.eig(Nc)
print(
    "||V^* V - I|| =",
    f"{np.linalg.norm(Vc.conj().T @ Vc - np.eye(5)):.1e}",
    "  cond(V) =",
    np.linalg.cond(Vc),
)
# same eigenvalues, not normal: a triangular matrix with them on the diagonal
Tnn = np.diag(lam) + np.triu(rng.standard_normal((5, 5)), 1)
Ann = U @ Tnn @ U.conj().T
w2, V2 = jl.eig(Ann)
print(
    "non-normal: ||V^* V - I|| =",
    f"{np.linalg.norm(V2.conj().T @ V2 - np.eye(5)):.2f}",
    "  cond(V) =",
    f"{np.linalg.cond(V2):.1f}",
)

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
# The perturbation need not be chosen: rounding does it. Store a Jordan block in another
# orthonormal basis, `A = Q J Q^T` with a random orthogonal Q: forming the product already
# commits errors of size eps (2.2e-16), and the computed eigenvalues of A spread over a circle
# of radius about `eps^(1/n)` around 1 -- 1.5e-8 for n = 2, 1e-2 for n = 8, 0.1 for n = 16 --
# spaced evenly (the n-th roots of `(λ - 1)^n = delta` are `delta^(1/n)` times the n-th roots
# of unity). The *eigenvalues* of a Jordan block are determined to only `1/n` of the working
# digits, and the Jordan *structure* (one block of size n, or n blocks of size 1?) not at all:
# it changes at a perturbation of size zero. Any algorithm that decided it would have to decide
# whether numbers like these are equal, with a tolerance the data cannot justify. The Schur form
# asks no such question.
#
# The last column is the same block in its own basis with `eps` in the corner: there the QR
# iteration returns 1 exactly for n >= 4 -- it deflates the tiny subdiagonal entries, a
# backward error of size eps. Both answers, 1 and the circle, are exact eigenvalues of matrices
# within rounding of the data; nothing in the data can tell them apart.

# %%
eps = np.finfo(float).eps
print("  n   max |λ - 1| of Q J Q^T   eps^(1/n)   spread   max |λ - 1|, J + eps e_n e_1^T")
for n in (2, 4, 8, 16):
    Jn = np.eye(n) + np.eye(n, k=1)
    Qn, _ = jl.qr(rng.standard_normal((n, n)))
    d = np.abs(jl.eigvals(Qn @ Jn @ Qn.T) - 1)
    Jn[n - 1, 0] = eps
    corner = np.abs(jl.eigvals(Jn) - 1).max()
    print(f"{n:3d}   {d.max():.3e}{'':16}{eps ** (1 / n):.3e}   {d.max() - d.min():.0e}    {corner:.1e}")
wj = jl.eigvals(Qn @ (np.eye(n) + np.eye(n, k=1)) @ Qn.T)
angles = np.sort(np.angle(wj - 1))
print(
    "gaps between the angles of λ - 1 (n = 16), in units of 2π/16:",
    np.round(np.diff(angles) / (2 * np.pi / 16), 2),
)

# %% [markdown]
# ## Exercises
#
# 1. Check that the Schur vectors `Zs` of the complex normal matrix `Nc` are eigenvectors:
#    `Nc Zs = Zs diag(T)` up to rounding. Is that true for `Ann`?
# 2. For the non-normal `Ann`, perturb by a random complex E with `||E||_2 = 1e-10` and compare
#    how far the eigenvalues move with the Bauer–Fike bound `cond(V) ||E||_2`. Do the same for
#    `Nc`, where the bound is `||E||_2` itself.
# 3. Predict, then measure, how far the eigenvalues of a 6 x 6 Jordan block move when its corner
#    entry is set to 1e-6.
#
# The solutions are hidden below: click to open them.

# %% tags=["solution"] jupyter={"source_hidden": true}
# 1. normal: T is diagonal, so Nc Zs = Zs T = Zs diag(T); not for Ann (T has an upper part)
print("Nc:", f"{np.linalg.norm(Nc @ Zs - Zs * np.diagonal(Tc)):.1e}")
Ta, Za = jl.schur(Ann, output="complex")
print("Ann:", f"{np.linalg.norm(Ann @ Za - Za * np.diagonal(Ta)):.1e}")

# %% tags=["solution"] jupyter={"source_hidden": true}
# 2. Bauer-Fike: every eigenvalue of A + E is within cond(V) ||E||_2 of one of A's
E = rng.standard_normal((5, 5)) + 1j * rng.standard_normal((5, 5))
E *= 1e-10 / np.linalg.norm(E, 2)
for name, Mx, Vx in (("Nc", Nc, Vc), ("Ann", Ann, V2)):
    moved = max(np.abs(jl.eigvals(Mx + E)[:, None] - jl.eigvals(Mx)[None, :]).min(axis=1))
    print(f"{name}: moved {moved:.1e}, bound {np.linalg.cond(Vx) * 1e-10:.1e}")

# %% tags=["solution"] jupyter={"source_hidden": true}
# 3. (1e-6)^(1/6) = 0.1
J6 = np.eye(6) + np.eye(6, k=1)
J6[5, 0] = 1e-6
print("predicted", 1e-6 ** (1 / 6), " measured", np.abs(jl.eigvals(J6) - 1).max())

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
