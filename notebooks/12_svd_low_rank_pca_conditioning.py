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
# # 12 — Low-rank approximation, PCA, norms and conditioning
#
# **Course weeks 9 and 11** of a second course in linear algebra (Trefethen & Bau, *Numerical
# Linear Algebra*, lectures 4, 5, 12 and 18; Strang, chapter 7): the SVD as a sum of rank-one
# pieces and the Eckart–Young theorem, image compression, principal component analysis from
# scratch against the SVD, and the condition number as the amplifier of perturbations.

# %%
import numpy as np

import jitla.linalg as jl

try:
    import matplotlib.pyplot as plt
except ImportError:  # every number below is printed either way
    plt = None

rng = np.random.default_rng(12)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Eckart–Young: the best rank-k approximation
#
# With A = Σᵢ σᵢ uᵢvᵢᵀ, the truncation Aₖ = Σ_{i≤k} σᵢ uᵢvᵢᵀ is the best rank-k approximation in
# both the spectral and the Frobenius norm (Eckart & Young, 1936; Mirsky, 1960):
# ‖A − Aₖ‖₂ = σₖ₊₁ and ‖A − Aₖ‖_F = √(σₖ₊₁² + … + σᵣ²). An image is a matrix of grey levels,
# so keeping k terms stores k(m + n + 1) numbers instead of mn. The image is the portrait of Grace
# Hopper that matplotlib ships as sample data, reduced to grey and to every second pixel (a
# small SVD keeps the notebook quick); without matplotlib a smooth synthetic picture stands in.

# %%
try:
    from matplotlib import cbook

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        picture = plt.imread(f, format="jpg")
    image = picture[::2, ::2, :3].mean(axis=2) / 255.0
except (ImportError, AttributeError, OSError):
    u, v = np.meshgrid(np.linspace(-1, 1, 256), np.linspace(-1, 1, 300))
    image = np.exp(-4 * (u**2 + v**2)) + 0.3 * (np.sin(9 * u) * np.cos(5 * v) > 0)
m, n = image.shape
U, s, Vt = jl.svd(image, full_matrices=False)
ranks = [1, 5, 20, 60]
approx = {k: (U[:, :k] * s[:k]) @ Vt[:k] for k in ranks}
for k in ranks:
    spectral = jl.norm(image - approx[k], 2)
    frob = jl.norm(image - approx[k])
    print(
        f"k = {k:3d}: ‖A − A_k‖₂ = {spectral:.4f} (σ_k+1 = {s[k]:.4f}), "
        f"‖A − A_k‖_F = {frob:.4f} (tail {np.sqrt(np.sum(s[k:] ** 2)):.4f}), "
        f"storage {k * (m + n + 1) / (m * n):.1%}"
    )

# %%
if plt is not None:
    fig, axes = plt.subplots(1, len(ranks) + 1, figsize=(12, 3))
    for ax, k in zip(axes, ranks, strict=False):
        ax.imshow(approx[k], cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"rank {k}")
        ax.axis("off")
    axes[-1].imshow(image, cmap="gray", vmin=0, vmax=1)
    axes[-1].set_title(f"original ({m} × {n})")
    axes[-1].axis("off")
    plt.show()

    fig, ax = plt.subplots(figsize=(6, 3.5))
    k = np.arange(1, len(s))
    ax.semilogy(k, s[k], label="‖A − A_k‖₂ = σ_k+1")
    ax.semilogy(k, np.sqrt(np.cumsum(s[::-1] ** 2)[::-1][k]), label="‖A − A_k‖_F")
    ax.set_xlabel("rank k")
    ax.set_ylabel("error")
    ax.set_title("The Eckart–Young error curve")
    ax.legend()
    plt.show()

# %% [markdown]
# ## 2. PCA from scratch, and why it is an SVD
#
# Principal components of data X (n samples × p features) are the eigenvectors of the sample
# covariance S = XcᵀXc/(n − 1), Xc the centred data; the variances along them are the eigenvalues.
# Forming S squares the condition number (as the normal equations do); the SVD of Xc = UΣVᵀ gives
# the same directions (the columns of V) and variances σᵢ²/(n − 1) without forming it. The scores
# are XcV = UΣ.

# %%
n_samples = 300
latent = rng.standard_normal((n_samples, 2)) * [3.0, 1.0]
rotation = np.array([[np.cos(0.5), -np.sin(0.5)], [np.sin(0.5), np.cos(0.5)]])
X = latent @ rotation.T + rng.standard_normal((n_samples, 2)) * 0.2 + [5.0, -2.0]
Xc = X - X.mean(axis=0)

variances_eig, directions_eig = jl.eigh(Xc.T @ Xc / (n_samples - 1))
variances_eig, directions_eig = variances_eig[::-1], directions_eig[:, ::-1]  # largest first
U, sigma, Vt = jl.svd(Xc, full_matrices=False)
print("variances, covariance route:", variances_eig)
print("variances, SVD route:       ", sigma**2 / (n_samples - 1))
print("same directions up to sign:", np.allclose(np.abs(directions_eig.T @ Vt.T), np.eye(2)))
print("scores X_c V = U Σ:", np.allclose(Xc @ Vt.T, U * sigma))
print("true first direction", rotation[:, 0], "| estimated", Vt[0] * np.sign(Vt[0, 0]))

if plt is not None:
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(*X.T, s=6, alpha=0.5)
    centre = X.mean(axis=0)
    for k in range(2):
        half = 2 * sigma[k] / np.sqrt(n_samples - 1) * Vt[k]
        ax.annotate("", xy=centre + half, xytext=centre, arrowprops={"arrowstyle": "->", "lw": 2})
    ax.set_aspect("equal")
    ax.set_title("principal axes (2 standard deviations)")
    plt.show()

# %% [markdown]
# When the covariance route fails: a feature measured with a tiny spread next to one with a huge
# spread. With features scaled 1 and 10⁻⁹, the second variance is about 10⁻¹⁸ of the first, below
# the rounding of S's entries; the SVD of Xc still resolves it.

# %%
Y = rng.standard_normal((200, 2)) * [1.0, 1e-9]
Yc = Y - Y.mean(axis=0)
true_small = np.var(Yc[:, 1], ddof=1)
print("small variance: true", f"{true_small:.3e}")
print("  from eigh(S):", f"{jl.eigvalsh(Yc.T @ Yc / 199)[0]:.3e}")
print("  from svd(Xc):", f"{jl.svdvals(Yc)[-1] ** 2 / 199:.3e}")

# %% [markdown]
# ## 3. Norms and conditioning
#
# The 2-norm is σ₁, the Frobenius norm √Σσᵢ², the 1- and ∞-norms the largest column and row sums.
# The condition number κ(A) = ‖A‖‖A⁻¹‖ = σ₁/σₙ bounds how much a relative perturbation of b is
# amplified in the solution of Ax = b:
# ‖δx‖/‖x‖ ≤ κ(A) ‖δb‖/‖b‖. The experiment: matrices of chosen κ (A = U diag(σ) Vᵀ), a
# perturbation of size 10⁻¹⁰ in b, and the relative change of x, worst case and random.

# %%
A = rng.standard_normal((4, 3))
sv = jl.svdvals(A)
print(
    "‖A‖₂ = σ₁:",
    np.isclose(jl.norm(A, 2), sv[0]),
    "| ‖A‖_F = √Σσ²:",
    np.isclose(jl.norm(A, "fro"), np.sqrt(np.sum(sv**2))),
)
print("‖A‖₁ = max column sum:", np.isclose(jl.norm(A, 1), np.abs(A).sum(axis=0).max()))


def with_condition(n, kappa):
    Q1, _ = np.linalg.qr(rng.standard_normal((n, n)))
    Q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (Q1 * np.logspace(0, -np.log10(kappa), n)) @ Q2.T, Q1, Q2


size, delta = 20, 1e-10
kappas = np.logspace(0, 12, 13)
worst, random = [], []
for kappa in kappas:
    A, Q1, Q2 = with_condition(size, kappa)
    b = Q1[:, 0]  # b along the top singular vector: x is as small as it can be
    x = jl.solve(A, b)
    db = delta * Q1[:, -1]  # the perturbation the smallest singular value amplifies most
    worst.append(jl.norm(jl.solve(A, b + db) - x) / jl.norm(x) / delta)
    db = delta * rng.standard_normal(size) / np.sqrt(size)
    random.append(jl.norm(jl.solve(A, b + db) - x) / jl.norm(x) / delta)
print("κ:                ", " ".join(f"{k:7.0e}" for k in kappas[::3]))
print("worst amplification", " ".join(f"{a:7.0e}" for a in worst[::3]))
print(
    "cond() agrees:",
    np.allclose([jl.cond(with_condition(size, k)[0]) for k in kappas[:4]], kappas[:4], rtol=1e-6),
)

if plt is not None:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.loglog(kappas, worst, "o-", label="worst-case perturbation")
    ax.loglog(kappas, random, "s-", label="random perturbation")
    ax.loglog(kappas, kappas, "k:", label="κ(A)")
    ax.set_xlabel("κ(A)")
    ax.set_ylabel("relative change of x / relative change of b")
    ax.legend(fontsize=8)
    plt.show()

# %% [markdown]
# ## Exercises
#
# 1. How many singular values of the image keep 99 % of ‖A‖²_F (its "energy")? What fraction of
#    the storage is that?
# 2. Standardise the two features of the PCA example (divide by their standard deviations) before
#    the SVD. Do the principal directions change? Why?
# 3. Show that κ₂(AᵀA) = κ₂(A)² for the matrices of section 3, and explain what it means for the
#    covariance route of PCA (section 2).
#
# The solutions are hidden below: click to open them.

# %% tags=["solution"] jupyter={"source_hidden": true}
# 1. energy: the cumulative sum of the squared singular values
energy = np.cumsum(s**2) / np.sum(s**2)
k99 = int(np.searchsorted(energy, 0.99)) + 1
print(f"k = {k99} keeps 99% of the energy, storage {k99 * (m + n + 1) / (m * n):.1%}")

# 2. standardising changes the covariance into the correlation matrix: different directions
Z = Xc / Xc.std(axis=0, ddof=1)
print("directions after standardising:\n", jl.svd(Z, full_matrices=False)[2], "\nbefore:\n", Vt)

# 3. kappa(A^T A) = kappa(A)^2: forming X^T X loses twice the digits
for kappa in (1e2, 1e4, 1e6):
    A = with_condition(8, kappa)[0]
    print(f"κ(A) = {jl.cond(A):.2e}, κ(AᵀA) = {jl.cond(A.T @ A):.2e}")
