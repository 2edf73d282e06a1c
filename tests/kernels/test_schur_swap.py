"""Kernels of jitla.kernels.schur: adjacent block swaps, reordering, rsf2csf."""

from __future__ import annotations

import numpy as np
import pytest

from jitla.kernels.schur import reorder_complex, reorder_real, rsf2csf, swap_blocks


def _block(re, im):
    """A standardised 2 x 2 block with eigenvalues re +- i im (``lanv2`` form: a = d, bc < 0)."""
    return np.array([[re, 2.0 * im], [-0.5 * im, re]])


def _quasi_triangular(blocks, rng):
    """Upper quasi-triangular T with the given diagonal blocks and random entries above them."""
    n = sum(b.shape[0] for b in blocks)
    T = np.triu(rng.standard_normal((n, n)), 1)
    k = 0
    for b in blocks:
        m = b.shape[0]
        T[k : k + m, k : k + m] = b
        k += m
    return T


def _eigs(T):
    return np.sort_complex(np.linalg.eigvals(T))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (np.array([[1.0]]), np.array([[-2.0]])),
        (np.array([[1.0]]), _block(0.5, 1.5)),
        (_block(0.5, 1.5), np.array([[-3.0]])),
        (_block(0.5, 1.5), _block(-1.0, 0.25)),
    ],
    ids=["1x1-1x1", "1x1-2x2", "2x2-1x1", "2x2-2x2"],
)
def test_swap_blocks_exchanges_the_eigenvalues_orthogonally(rng, first, second):
    # a 1 x 1 block above and below the pair, so the updates outside the pair are exercised
    T = _quasi_triangular([np.array([[4.0]]), first, second, np.array([[-5.0]])], rng)
    n = T.shape[0]
    A = T.copy()
    Zt = np.eye(n)
    n1, n2 = first.shape[0], second.shape[0]
    assert swap_blocks(T, Zt, 1, n1, n2) == 0
    # still a similarity by an orthogonal matrix: A = Z T Z^T
    np.testing.assert_allclose(Zt @ Zt.T, np.eye(n), rtol=0, atol=1e-14)
    np.testing.assert_allclose(Zt.T @ T @ Zt, A, rtol=0, atol=1e-13)
    # the second block's eigenvalues now come first, and the form is still quasi-triangular
    np.testing.assert_allclose(_eigs(T[1 : 1 + n2, 1 : 1 + n2]), _eigs(second), rtol=1e-13)
    np.testing.assert_allclose(_eigs(T[1 + n2 : 1 + n1 + n2, 1 + n2 : 1 + n1 + n2]), _eigs(first), rtol=1e-13)
    assert np.all(np.tril(T, -2) == 0)
    assert T[1 + n2, n2] == 0  # the boundary between the swapped blocks
    for j in (1, 1 + n2):  # re-standardised 2 x 2 blocks: equal diagonal, bc < 0
        if j + 1 < n and T[j + 1, j] != 0:
            assert T[j, j] == pytest.approx(T[j + 1, j + 1], rel=1e-14)
            assert T[j, j + 1] * T[j + 1, j] < 0


def test_swap_blocks_of_equal_eigenvalues_stays_a_similarity(rng):
    # identical blocks: the Sylvester equation is singular (its pivots are perturbed, as
    # dlasy2 does), and the swap must still be an orthogonal similarity of the same spectrum
    T = _quasi_triangular([_block(0.5, 1.5), _block(0.5, 1.5)], rng)
    A = T.copy()
    Zt = np.eye(4)
    status = swap_blocks(T, Zt, 0, 2, 2)
    assert status in (0, 1)
    np.testing.assert_allclose(Zt @ Zt.T, np.eye(4), rtol=0, atol=1e-14)
    np.testing.assert_allclose(Zt.T @ T @ Zt, A, rtol=0, atol=1e-12)
    # a double pair: each computed eigenvalue within sqrt(eps) of +-1.5i + 0.5
    gap = np.abs(np.linalg.eigvals(T)[:, None] - np.array([0.5 + 1.5j, 0.5 - 1.5j])[None, :]).min(axis=1)
    assert gap.max() < 1e-7


def test_reorder_real_gathers_the_selected_blocks_in_order(rng):
    blocks = [_block(1.0, 2.0), np.array([[-1.0]]), _block(-2.0, 0.5), np.array([[3.0]]), np.array([[-4.0]])]
    T = _quasi_triangular(blocks, rng)
    A = T.copy()
    Zt = np.eye(T.shape[0])
    select = np.array([False, False, True, True, True, False, True])  # Re < 0, by row
    status, m = reorder_real(T, Zt, select)
    assert (status, m) == (0, 4)
    np.testing.assert_allclose(Zt.T @ T @ Zt, A, rtol=0, atol=1e-13)
    expected = np.sort_complex(np.array([-1, -2 + 0.5j, -2 - 0.5j, -4]))
    np.testing.assert_allclose(_eigs(T[:m, :m]), expected, rtol=1e-13)


def test_rsf2csf_kernel_triangularises_and_keeps_the_similarity(rng):
    T = _quasi_triangular([_block(1.0, 2.0), np.array([[-1.0]]), _block(0.0, 3.0)], rng)
    Tc = T.astype(complex)
    Ztc = np.eye(5, dtype=complex)
    rsf2csf(Tc, Ztc)
    Z = Ztc.T
    assert np.all(np.tril(Tc, -1) == 0)
    np.testing.assert_allclose(Z.conj().T @ Z, np.eye(5), rtol=0, atol=1e-14)
    np.testing.assert_allclose(Z @ Tc @ Z.conj().T, T, rtol=0, atol=1e-14)
    np.testing.assert_allclose(np.sort_complex(np.diagonal(Tc)), _eigs(T), rtol=1e-14)


def test_reorder_complex_moves_the_selected_diagonal_entries(rng):
    T = np.triu(rng.standard_normal((5, 5)) + 1j * rng.standard_normal((5, 5)))
    A = T.copy()
    Zt = np.eye(5, dtype=complex)
    d = np.diagonal(T).copy()
    select = d.imag > 0
    m = reorder_complex(T, Zt, select)
    assert m == select.sum()
    np.testing.assert_allclose(np.diagonal(T)[:m], d[select], rtol=1e-13)
    assert np.all(np.tril(T, -1) == 0)
    np.testing.assert_allclose(Zt.T @ T @ Zt.conj(), A, rtol=0, atol=1e-13)
