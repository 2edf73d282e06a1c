"""``schur``, ``hessenberg``, ``rsf2csf`` with scipy.linalg's signatures and messages."""

from __future__ import annotations

import numpy as np

from jitla._validate import LinAlgError, result_float_dtype
from jitla.kernels.eig_general import form_qt_gehd2, gehd2, lahqr
from jitla.kernels.schur import reorder_complex, reorder_real
from jitla.kernels.schur import rsf2csf as _rsf2csf_kernel

__all__ = ["schur", "hessenberg", "rsf2csf", "real_schur"]

_COMPLEX_LATER = "jitla.linalg.{name} does not support complex input yet; pass a real matrix"


def _square(a, name, check_finite, message="expected square matrix"):
    """*a* validated as scipy does for *name*, and its computing dtype (float32/64, complex64/128)."""
    a = np.asarray(a)
    if check_finite and a.dtype.kind in "fc" and not np.isfinite(a).all():
        raise ValueError("array must not contain infs or NaNs")
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(message)
    return a, result_float_dtype(a, allow_complex=True)


def _square_real(a, name, check_finite, message="expected square matrix"):
    """*a* as a float array (float32 stays float32), validated as scipy does for *name*."""
    a = np.asarray(a)
    if a.dtype.kind == "c":
        raise TypeError(_COMPLEX_LATER.format(name=name))
    return _square(a, name, check_finite, message)


def complex_input_schur(a):
    """``(T, Zt)`` with ``a = Zt^T T conj(Zt)``: the complex Schur form of a complex 2-D *a*.

    Complex Hessenberg reduction and single-shift QR
    (:mod:`jitla.kernels.schur_complex`, LAPACK ``zgehrd``/``zhseqr``);
    *Zt* is Z transposed, the storage the reordering kernels use.
    """
    from jitla.linalg._complex import schur_2d

    H = np.array(a, dtype=np.complex128, order="C", copy=True)
    try:
        T, _, Z = schur_2d(H, True)
    except LinAlgError:
        raise LinAlgError("Schur form not found. Possibly ill-conditioned.") from None
    return np.triu(T), np.ascontiguousarray(Z.T)


def real_schur(A):
    """``(T, Zt, wr, wi)``: the real Schur form of the float64 square *A*, ``A = Zt^T T Zt``.

    *A* is not modified.  Kernels: ``gehd2``, ``form_qt_gehd2``, ``lahqr``
    (:mod:`jitla.kernels.eig_general`).

    Raises
    ------
    LinAlgError
        "Schur form not found. Possibly ill-conditioned." when the QR
        iteration does not converge (scipy's message for ``gees``' info).
    """
    n = A.shape[0]
    T = np.array(A, dtype=np.float64, order="C", copy=True)
    tau = np.empty(max(n - 1, 1))
    Zt = np.empty((n, n))
    wr = np.empty(n)
    wi = np.empty(n)
    if n == 0:
        return T, Zt, wr, wi
    gehd2(T, tau)
    form_qt_gehd2(T, tau, Zt)
    if lahqr(T, wr, wi, Zt, True) != 0:
        raise LinAlgError("Schur form not found. Possibly ill-conditioned.")
    return T, Zt, wr, wi


def _eigenvalues_of_t(T):
    """``(wr, wi)`` read from a standardised real Schur form (blocks in ``lanv2`` form)."""
    n = T.shape[0]
    wr = np.diagonal(T).copy()
    wi = np.zeros(n)
    sub = np.diagonal(T, -1)
    for k in np.flatnonzero(sub):
        w = np.sqrt(abs(T[k, k + 1])) * np.sqrt(abs(T[k + 1, k]))
        wi[k] = w
        wi[k + 1] = -w
    return wr, wi


def _sort_function(sort, output):
    """scipy's selection for *sort*: a callable of ``(re, im)`` (real) or of ``z`` (complex)."""
    if callable(sort):
        return sort
    if sort == "lhp":
        return lambda x, y=None: x.real < 0.0
    if sort == "rhp":
        return lambda x, y=None: x.real >= 0.0
    if sort == "iuc":
        return lambda x, y=None: abs(x if y is None else x + y * 1j) <= 1.0
    if sort == "ouc":
        return lambda x, y=None: abs(x if y is None else x + y * 1j) > 1.0
    raise ValueError(
        "'sort' parameter must either be 'None', or a callable, or one of ('lhp','rhp','iuc','ouc')"
    )


def _sdim_real(select, wr, wi):
    """``dgees``' count of the selected eigenvalues and its info = n + 2 test, on the reordered T."""
    n = wr.shape[0]
    sdim = 0
    lastsl = True
    lst2sl = True
    ip = 0
    bad = False
    for i in range(n):
        cursl = bool(select(wr[i], wi[i]))
        if wi[i] == 0:
            if cursl:
                sdim += 1
            ip = 0
            if cursl and not lastsl:
                bad = True
        elif ip == 1:  # the second of a conjugate pair
            cursl = cursl or lastsl
            lastsl = cursl
            if cursl:
                sdim += 2
            ip = -1
            if cursl and not lst2sl:
                bad = True
        else:
            ip = 1
        lst2sl = lastsl
        lastsl = cursl
    return sdim, bad


def schur(a, output="real", lwork=None, overwrite_a=False, sort=None, check_finite=True):
    """Schur decomposition ``a = Z T Z^H`` (scipy.linalg.schur).

    Parameters
    ----------
    a : (M, M) array_like
        Real or complex matrix.  A complex matrix always gets the complex
        Schur form (as scipy), by complex Hessenberg reduction and
        single-shift QR (:mod:`jitla.kernels.schur_complex`, LAPACK
        ``zgehrd``/``zlahqr``; Golub & Van Loan, 4th ed., sec. 7.5).
    output : {"real", "complex", "r", "c"}
        "real": T quasi-upper triangular (1 x 1 blocks for real
        eigenvalues, 2 x 2 blocks ``[[a, b], [c, a]]`` with ``bc < 0`` for
        complex pairs), Z orthogonal.  "complex": T upper triangular, Z
        unitary, obtained from the real form by :func:`rsf2csf`.
    lwork, overwrite_a
        Accepted for scipy compatibility and ignored (the input is never
        modified).
    sort : None, callable, "lhp", "rhp", "iuc" or "ouc"
        Move the selected eigenvalues to the top left of T.  A callable
        takes ``(re, im)`` for ``output="real"`` (a complex pair is
        selected when either of its two members is) and one complex
        argument for ``output="complex"``.  "lhp": ``Re < 0``; "rhp":
        ``Re >= 0``; "iuc": ``|z| <= 1``; "ouc": ``|z| > 1``.
    check_finite : bool

    Returns
    -------
    T : (M, M) ndarray
    Z : (M, M) ndarray
    sdim : int
        Only with *sort*: the number of eigenvalues that satisfy it (a
        pair counts 2 in real output).

    Raises
    ------
    ValueError
        scipy's messages: "argument must be 'real', or 'complex'",
        "expected square matrix", "array must not contain infs or NaNs",
        an unknown sort string.
    LinAlgError
        "Schur form not found. Possibly ill-conditioned." (no convergence);
        "Eigenvalues could not be separated for reordering." (a swap was
        rejected); "Leading eigenvalues do not satisfy sort condition."
        (rounding in the swaps changed an eigenvalue across the boundary).

    Notes
    -----
    Hessenberg reduction, Francis double-shift QR with standardised 2 x 2
    blocks (:mod:`jitla.kernels.eig_general`, LAPACK ``dgees`` without
    balancing), then, with *sort*, reordering by swaps of adjacent blocks
    (:func:`jitla.kernels.schur.reorder_real`, ``dtrsen``/``dtrexc`` with
    Bai & Demmel's ``dlaexc``), or, for complex output, by complex Givens
    swaps on the triangular form (``ztrexc``).  The Schur form is not
    unique: T and Z may differ from scipy's by the order of equal
    eigenvalues and by signs (real) or unit phases (complex) of the
    columns of Z.  Computed in float64 / complex128; float32 input gives
    float32 output, complex64 input complex64.  Flops about 25 n^3 (10 n^3 without Z is not offered; scipy
    always forms Z too).

    Examples
    --------
    >>> import numpy as np, jitla.linalg as jl
    >>> T, Z = jl.schur(np.array([[0.0, 2.0], [-2.0, 0.0]]))
    >>> np.allclose(Z @ T @ Z.T, [[0, 2], [-2, 0]])
    True
    """
    if output not in ("real", "complex", "r", "c"):
        raise ValueError("argument must be 'real', or 'complex'")
    a, dtype = _square(a, "schur", check_finite)
    if dtype.kind == "c":
        output = "complex"  # as scipy: a complex matrix has a complex Schur form whatever output says
    real_out = output in ("real", "r")
    select = None if sort is None else _sort_function(sort, output)
    out_dtype = dtype if real_out else np.result_type(dtype, np.complex64)
    n = a.shape[0]
    if n == 0:
        empty = np.empty((0, 0), dtype=out_dtype)
        return (empty, empty.copy()) if sort is None else (empty, empty.copy(), 0)
    if dtype.kind == "c":
        Tc, Ztc = complex_input_schur(a)
        T = None
    else:
        T, Zt, wr, wi = real_schur(a)
    if real_out:
        sdim = 0
        if select is not None:
            chosen = np.array([bool(select(wr[i], wi[i])) for i in range(n)], dtype=np.bool_)
            status, _ = reorder_real(T, Zt, chosen)
            if status != 0:
                raise LinAlgError("Eigenvalues could not be separated for reordering.")
            wr, wi = _eigenvalues_of_t(T)
            sdim, bad = _sdim_real(select, wr, wi)
            if bad:
                raise LinAlgError("Leading eigenvalues do not satisfy sort condition.")
        Z = Zt.T
        T = T.astype(out_dtype, copy=False)
        Z = np.ascontiguousarray(Z, dtype=out_dtype)
        return (T, Z) if sort is None else (T, Z, sdim)
    if T is not None:
        Tc = T.astype(np.complex128)
        Ztc = Zt.astype(np.complex128)
        _rsf2csf_kernel(Tc, Ztc)
    sdim = 0
    if select is not None:
        chosen = np.array([bool(select(Tc[i, i])) for i in range(n)], dtype=np.bool_)
        sdim = int(reorder_complex(Tc, Ztc, chosen))
        again = sum(bool(select(Tc[i, i])) for i in range(sdim))
        if again != sdim:
            raise LinAlgError("Leading eigenvalues do not satisfy sort condition.")
    T = Tc.astype(out_dtype, copy=False)
    Z = np.ascontiguousarray(Ztc.T, dtype=out_dtype)
    return (T, Z) if sort is None else (T, Z, sdim)


def rsf2csf(T, Z, check_finite=True):
    """Real Schur form to complex Schur form (scipy.linalg.rsf2csf).

    Parameters
    ----------
    T : (M, M) array_like
        Real Schur form (quasi-upper triangular).
    Z : (M, M) array_like
        Its Schur vectors.
    check_finite : bool

    Returns
    -------
    T : (M, M) complex ndarray
        Upper triangular.
    Z : (M, M) complex ndarray
        Unitary, ``Z T Z^H`` equal to the input's ``Z T Z^T``.

    Raises
    ------
    ValueError
        scipy's messages: "Input 'Z' must be square." / "Input 'T' must be
        square.", "Input array shapes must match: Z: ... vs. T: ...",
        "array must not contain infs or NaNs".

    Notes
    -----
    One complex Givens rotation per 2 x 2 block, from the bottom up
    (:func:`jitla.kernels.schur.rsf2csf`; Golub & Van Loan, 4th ed.,
    Sec. 7.4.1).  Subdiagonal entries below ``eps (|t_{m-1,m-1}| +
    |t_mm|)`` are set to zero without a rotation, as scipy does.  The
    result is complex128 (complex64 when both inputs are float32).
    Flops O(n) per block.
    """
    Z = np.asarray(Z)
    T = np.asarray(T)
    if check_finite:
        for X in (Z, T):
            if X.dtype.kind in "fc" and not np.isfinite(X).all():
                raise ValueError("array must not contain infs or NaNs")
    for name, X in (("Z", Z), ("T", T)):
        if X.ndim != 2 or X.shape[0] != X.shape[1]:
            raise ValueError(f"Input '{name}' must be square.")
    if T.shape[0] != Z.shape[0]:
        raise ValueError(f"Input array shapes must match: Z: {Z.shape} vs. T: {T.shape}")
    if T.dtype.kind == "c" or Z.dtype.kind == "c":
        raise TypeError(_COMPLEX_LATER.format(name="rsf2csf"))
    dtype = result_float_dtype(T, Z)
    out = np.result_type(dtype, np.complex64)
    Tc = np.array(T, dtype=np.complex128, order="C", copy=True)
    Ztc = np.array(Z.T, dtype=np.complex128, order="C", copy=True)
    _rsf2csf_kernel(Tc, Ztc)
    return Tc.astype(out, copy=False), np.ascontiguousarray(Ztc.T, dtype=out)


def hessenberg(a, calc_q=False, overwrite_a=False, check_finite=True):
    """Hessenberg form ``a = Q H Q^T`` (scipy.linalg.hessenberg).

    Parameters
    ----------
    a : (M, M) array_like
        Real or complex matrix (complex: ``a = Q H Q^H``, Q unitary, by
        complex Householder reflectors as LAPACK's ``zgehd2``).
    calc_q : bool
        Also return Q.
    overwrite_a, check_finite
        As scipy; the input is never modified.

    Returns
    -------
    H : (M, M) ndarray
        Upper Hessenberg (zeros below the first subdiagonal).
    Q : (M, M) ndarray
        Orthogonal; only if *calc_q*.

    Raises
    ------
    ValueError
        "expected square matrix", "array must not contain infs or NaNs".

    Notes
    -----
    Householder reduction (:func:`jitla.kernels.eig_general.gehd2`, LAPACK
    ``dgehd2``; Golub & Van Loan, 4th ed., Alg. 7.4.2) and ``Q`` formed by
    backward accumulation (``dorghr``); scipy additionally calls ``gebal``
    without permuting or scaling, a no-op.  Reflectors follow LAPACK's sign
    convention, so H and Q equal scipy's up to rounding.  Flops 10n^3/3
    (+ 4n^3/3 for Q).  As scipy, a matrix of order <= 2 is returned as it
    is (and Q the identity).
    """
    a, dtype = _square(a, "hessenberg", check_finite)
    n = a.shape[0]
    if dtype.kind == "c" and n > 2:
        from jitla.kernels.schur_complex import zform_q_gehd2, zgehd2

        H = np.array(a, dtype=np.complex128, order="C", copy=True)
        tau = np.empty(n - 1, np.complex128)
        zgehd2(H, tau)
        Q = None
        if calc_q:
            Q = np.empty((n, n), np.complex128)
            zform_q_gehd2(H, tau, Q)
            Q = Q.astype(dtype, copy=False)
        H = np.triu(H, -1).astype(dtype, copy=False)
        return (H, Q) if calc_q else H
    if n <= 2:
        H = np.array(a, dtype=dtype, copy=True)
        return (H, np.eye(n, dtype=dtype)) if calc_q else H
    H = np.array(a, dtype=np.float64, order="C", copy=True)
    tau = np.empty(n - 1)
    gehd2(H, tau)
    Q = None
    if calc_q:
        Qt = np.empty((n, n))
        form_qt_gehd2(H, tau, Qt)
        Q = np.ascontiguousarray(Qt.T, dtype=dtype)
    H = np.triu(H, -1).astype(dtype, copy=False)
    return (H, Q) if calc_q else H
