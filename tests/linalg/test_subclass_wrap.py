"""Result types for ndarray subclasses: every function against numpy.linalg / scipy.linalg.

numpy.linalg hands some results back through the input's ``__array_wrap__``
(np.matrix, np.ma.MaskedArray, a user's subclass) and not others; np.matmul
follows the ufunc rule (highest ``__array_priority__``), multi_dot np.dot's.
Each case calls jitla and its oracle on the same subclass input and compares
the type of every output, its shape, and its values; the input must come
back untouched.  Small float64 operands only, on signatures the other test
files compile anyway.

Tolerances: 3 x 3 and 3 x 2 operands of condition number below 10, so each
output agrees with numpy's to a few units of float64 rounding: rtol 1e-12,
atol 1e-13 (for entries that cancel to zero).  Eigenvector and singular
vector columns are unique up to sign here (distinct values), so they are
compared in absolute value; Q, R and numpy's raw h carry LAPACK's signs in
both libraries and are compared as they are.
"""

from functools import partial

import numpy as np
import pytest
import scipy.linalg as sl
from numpy.testing import assert_allclose, assert_array_equal

import jitla
import jitla.linalg as jl

pytestmark = pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")


class Tagged(np.ndarray):
    """A user's ndarray subclass with an attribute, as numpy's docs build one."""

    def __array_finalize__(self, obj):
        self.tag = getattr(obj, "tag", "tagged")


KINDS = {
    "matrix": np.asmatrix,
    "Tagged": lambda x: x.view(Tagged),
    "masked": np.ma.masked_array,
}

A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])  # symmetric positive definite
W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])  # tall, full rank
b = np.array([[1.0], [2.0], [3.0]])
v = np.array([1.0, 2.0, 3.0])


def _pair(name, **kwargs):
    """``(jitla.linalg.<name>, numpy.linalg.<name>)`` with *kwargs* bound."""
    return partial(getattr(jl, name), **kwargs), partial(getattr(np.linalg, name), **kwargs)


#: id -> (jitla function, oracle, arguments given the subclass maker, outputs compared in |.|)
CASES = {
    # wrapped by numpy
    "inv": (*_pair("inv"), lambda s: (s(A),), ()),
    "solve b": (*_pair("solve"), lambda s: (A, s(b)), ()),
    "solve a": (*_pair("solve"), lambda s: (s(A), b), ()),
    "cholesky": (*_pair("cholesky"), lambda s: (s(A),), ()),
    "cholesky upper": (*_pair("cholesky", upper=True), lambda s: (s(A),), ()),
    "pinv": (*_pair("pinv"), lambda s: (s(W),), ()),
    "pinv hermitian": (*_pair("pinv", hermitian=True), lambda s: (s(A),), ()),
    **{
        f"qr {mode}": (*_pair("qr", mode=mode), lambda s: (s(W),), ())
        for mode in ("reduced", "complete", "r", "raw")
    },
    "eigh": (*_pair("eigh"), lambda s: (s(A),), (1,)),
    "eig": (*_pair("eig"), lambda s: (s(A),), (1,)),
    "svd": (*_pair("svd"), lambda s: (s(W),), (0, 2)),
    "svd reduced": (*_pair("svd", full_matrices=False), lambda s: (s(W),), (0, 2)),
    "svd hermitian": (*_pair("svd", hermitian=True), lambda s: (s(A),), (0, 2)),
    **{
        f"matrix_power {n}": (*_pair("matrix_power", n=n), lambda s: (s(A),), ())
        for n in (0, 1, 2, 3, -1, 5, -3)
    },
    "lstsq b": (*_pair("lstsq"), lambda s: (W, s(b)), ()),
    "lstsq a": (*_pair("lstsq"), lambda s: (s(W), b), ()),
    "multi_dot first": (*_pair("multi_dot"), lambda s: ([s(A), A, A],), ()),
    "multi_dot middle": (*_pair("multi_dot"), lambda s: ([A, s(A), A],), ()),
    "multi_dot two": (*_pair("multi_dot"), lambda s: ([A, s(A)],), ()),
    "multi_dot row": (*_pair("multi_dot"), lambda s: ([v, s(A), A],), ()),
    "multi_dot scalar": (*_pair("multi_dot"), lambda s: ([v, s(A), v],), ()),
    "matmul left": (jitla.matmul, np.matmul, lambda s: (s(A), A), ()),
    "matmul right": (jitla.matmul, np.matmul, lambda s: (A, s(A)), ()),
    "matmul both": (jitla.matmul, np.matmul, lambda s: (s(A), s(A)), ()),
    "matmul vector": (jitla.matmul, np.matmul, lambda s: (s(A), v), ()),
    "vector matmul": (jitla.matmul, np.matmul, lambda s: (v, s(A)), ()),
    "matmul tall": (jitla.matmul, np.matmul, lambda s: (s(W), W.T), ()),
    "matmul Tagged": (jitla.matmul, np.matmul, lambda s: (A.view(Tagged), s(A)), ()),
    "tensorsolve": (*_pair("tensorsolve"), lambda s: (s(A), v), ()),
    "matrix_transpose": (*_pair("matrix_transpose"), lambda s: (s(W),), ()),
    # plain results in numpy (or scalars)
    "eigvalsh": (*_pair("eigvalsh"), lambda s: (s(A),), ()),
    "eigvals": (*_pair("eigvals"), lambda s: (s(A),), ()),
    "svdvals": (*_pair("svdvals"), lambda s: (s(W),), ()),
    "svd values": (*_pair("svd", compute_uv=False), lambda s: (s(W),), ()),
    "det": (*_pair("det"), lambda s: (s(A),), ()),
    "slogdet": (*_pair("slogdet"), lambda s: (s(A),), ()),
    "norm": (*_pair("norm"), lambda s: (s(A),), ()),
    "norm axis": (*_pair("norm", axis=0), lambda s: (s(A),), ()),
    "cond": (*_pair("cond"), lambda s: (s(A),), ()),
    "matrix_rank": (*_pair("matrix_rank"), lambda s: (s(W),), ()),
    "diagonal": (*_pair("diagonal"), lambda s: (s(A),), ()),
    "trace": (*_pair("trace"), lambda s: (s(A),), ()),
    "tensordot": (*_pair("tensordot"), lambda s: (s(A), A), ()),
    "tensorinv": (*_pair("tensorinv", ind=1), lambda s: (s(A),), ()),
    "matrix_norm": (*_pair("matrix_norm"), lambda s: (s(A),), ()),
    # scipy.linalg's names: plain ndarrays
    "solve_triangular": (jl.solve_triangular, sl.solve_triangular, lambda s: (s(np.triu(A)), b), ()),
    "lu_factor": (jl.lu_factor, sl.lu_factor, lambda s: (s(A),), ()),
    "cho_factor": (jl.cho_factor, sl.cho_factor, lambda s: (s(A),), ()),
    "qr pivoting": (
        lambda a: jl.qr(a, pivoting=True),
        lambda a: sl.qr(a, mode="economic", pivoting=True),
        lambda s: (s(W),),
        (),
    ),
    "null_space": (jl.null_space, sl.null_space, lambda s: (s(W.T),), (0,)),
}

#: Calls numpy itself refuses: np.matmul of a MaskedArray whose mask does not broadcast to the
#: result (MaskedArray.__array_wrap__ combines the operands' masks; jitla passes it the same call).
NUMPY_REFUSES = {("matmul tall", "masked")}

#: numpy.linalg.vector_norm of an np.matrix ravels it to a (1, 9) matrix and then takes norms
#: down axis 0, giving the nine |a_ij|; jitla gives the 2-norm of the nine entries.
NUMPY_QUIRKS = {("vector_norm", "matrix")}


def _outputs(result):
    return list(result) if isinstance(result, tuple) else [result]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", CASES)
def test_result_types_and_values_match(case, kind):
    ours, theirs, arguments, up_to_sign = CASES[case]
    if (case, kind) in NUMPY_REFUSES:
        with pytest.raises(ValueError):
            theirs(*arguments(KINDS[kind]))
        with pytest.raises(ValueError):
            ours(*arguments(KINDS[kind]))
        return
    args = arguments(KINDS[kind])
    before = [x.copy() if isinstance(x, np.ndarray) else None for x in args]
    want = _outputs(theirs(*arguments(KINDS[kind])))
    got = _outputs(ours(*args))
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert type(g) is type(w), f"output {i}: {type(g).__name__}, numpy {type(w).__name__}"
        assert np.shape(g) == np.shape(w)
        g, w = np.asarray(g), np.asarray(w)
        if i in up_to_sign:
            g, w = np.abs(g), np.abs(w)
        assert_allclose(g, w, rtol=1e-12, atol=1e-13)
    for x, x0 in zip(args, before, strict=True):
        if x0 is not None:
            assert type(x) is type(x0)
            assert_array_equal(np.asarray(x), np.asarray(x0))
            assert_array_equal(np.ma.getmaskarray(x), np.ma.getmaskarray(x0))


@pytest.mark.parametrize("kind", KINDS)
def test_vector_norm(kind):
    x = KINDS[kind](A)
    got = jl.vector_norm(x)
    assert type(got) is np.float64
    assert_allclose(got, np.linalg.norm(A.ravel()), rtol=1e-14)
    if ("vector_norm", kind) not in NUMPY_QUIRKS:
        assert type(np.linalg.vector_norm(x)) is np.float64


def test_matmul_priority_and_scalars():
    """The ufunc rule: highest priority wins, ties go to the first subclass, vector @ vector stays 0-d."""
    t = A.view(Tagged)
    m = np.asmatrix(A)
    assert type(jitla.matmul(t, m)) is np.matrix  # priority 10 beats 0
    assert type(jitla.matmul(A.tolist(), t)) is Tagged  # a list takes no part
    tv = v.view(Tagged)
    got, want = jitla.matmul(tv, tv), np.matmul(tv, tv)
    assert type(got) is type(want) is Tagged and got.shape == want.shape == ()
    assert_allclose(got, want, rtol=1e-14)
    out = np.empty((3, 3))
    assert jitla.matmul(t, A, out=out) is out  # out= is returned as it is, as numpy's


class NumpyOneWrap(np.ndarray):
    """A subclass with numpy 1's ``__array_wrap__(obj, context=None)``: no return_scalar."""

    def __array_wrap__(self, obj, context=None):
        return super().__array_wrap__(obj, context)


class Raising(np.ndarray):
    def __array_wrap__(self, obj, context=None, return_scalar=False):
        raise RuntimeError("wrap refused")


def test_matmul_numpy_one_wrap_signature():
    """numpy retries a two-argument ``__array_wrap__`` with (obj, context) and warns; so does matmul."""
    t = A.view(NumpyOneWrap)
    for x, y in ((t, A), (A, t), (v.view(NumpyOneWrap), v)):
        with pytest.warns(DeprecationWarning, match="return_scalar"):
            want = np.matmul(x, y)
        with pytest.warns(DeprecationWarning, match="return_scalar"):
            got = jitla.matmul(x, y)
        assert type(got) is type(want) is NumpyOneWrap and got.shape == want.shape
        # as plain arrays: numpy.testing's own ufuncs on the subclass would warn again
        assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-14)
    with pytest.warns(DeprecationWarning):
        assert type(jl.matrix_power(t, 2)) is NumpyOneWrap  # matmul's products
    with pytest.raises(RuntimeError, match="wrap refused"):  # any other error propagates, as numpy's
        jitla.matmul(A.view(Raising), A)


def test_matmul_subclass_out_goes_through_its_wrap():
    """A subclass out= comes back through its own ``__array_wrap__`` (numpy's force_wrap for ufuncs)."""
    x = np.ma.masked_array(A, mask=np.eye(3, dtype=bool))
    got_out, want_out = np.ma.masked_array(np.zeros((3, 3))), np.ma.masked_array(np.zeros((3, 3)))
    got, want = jitla.matmul(A, x, out=got_out), np.matmul(A, x, out=want_out)
    assert got is got_out and want is want_out
    assert_array_equal(np.ma.getmaskarray(got), np.ma.getmaskarray(want))  # the inputs' mask, as numpy
    assert np.ma.getmaskarray(got).any()
    assert_allclose(got.data, want.data, rtol=1e-12, atol=1e-13)
    with pytest.raises(RuntimeError, match="wrap refused"):
        np.matmul(A, A, out=np.empty((3, 3)).view(Raising))
    with pytest.raises(RuntimeError, match="wrap refused"):
        jitla.matmul(A, A, out=np.empty((3, 3)).view(Raising))
