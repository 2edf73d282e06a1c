"""Survey: result types of every jitla.linalg function against numpy.linalg / scipy.linalg
for plain ndarrays and ndarray subclasses (np.matrix, a user's subclass, np.ma.MaskedArray).
Prints one line per call whose outputs differ in type or shape, or that only one side refuses.

Run from the repository root: ``PYTHONPATH=$PWD python devlog/figures/101-subclass-survey.py``.
"""

import warnings

import numpy as np
import scipy.linalg as S

import jitla
import jitla.linalg as J


class Tagged(np.ndarray):
    def __array_finalize__(self, obj):
        self.tag = getattr(obj, "tag", "t")


A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])  # tall
v = np.array([1.0, 2.0, 3.0])
b2 = np.array([[1.0], [2.0], [3.0]])


KINDS = ("plain", "matrix", "Tagged", "masked")


def kinds(x):
    return {
        "plain": x,
        "matrix": np.asmatrix(x) if x.ndim == 2 else x,
        "Tagged": x.view(Tagged),
        "masked": np.ma.masked_array(x),
    }


def sq(k):
    return kinds(A)[k]


def tall(k):
    return kinds(W)[k]


# name -> (numpy/scipy function, calls: list of (label, args builder, kwargs))
N, SP = np.linalg, S
CASES = {
    "inv": (N.inv, [("", lambda k: (sq(k),), {})]),
    "solve": (N.solve, [("a sub", lambda k: (sq(k), b2), {}), ("b sub", lambda k: (A, kinds(b2)[k]), {})]),
    "det": (N.det, [("", lambda k: (sq(k),), {})]),
    "slogdet": (N.slogdet, [("", lambda k: (sq(k),), {})]),
    "cholesky": (N.cholesky, [("", lambda k: (sq(k),), {}), ("upper", lambda k: (sq(k),), {"upper": True})]),
    "qr": (
        N.qr,
        [(m, (lambda k: (tall(k),)), {"mode": m}) for m in ("reduced", "complete", "r", "raw", "economic")],
    ),
    "eigh": (N.eigh, [("", lambda k: (sq(k),), {})]),
    "eigvalsh": (N.eigvalsh, [("", lambda k: (sq(k),), {})]),
    "eig": (N.eig, [("", lambda k: (sq(k),), {})]),
    "eigvals": (N.eigvals, [("", lambda k: (sq(k),), {})]),
    "svd": (
        N.svd,
        [
            ("", lambda k: (tall(k),), {}),
            ("reduced", lambda k: (tall(k),), {"full_matrices": False}),
            ("no uv", lambda k: (tall(k),), {"compute_uv": False}),
            ("hermitian", lambda k: (sq(k),), {"hermitian": True}),
        ],
    ),
    "svdvals": (N.svdvals, [("", lambda k: (tall(k),), {})]),
    "pinv": (
        N.pinv,
        [("", lambda k: (tall(k),), {}), ("hermitian", lambda k: (sq(k),), {"hermitian": True})],
    ),
    "matrix_rank": (N.matrix_rank, [("", lambda k: (tall(k),), {})]),
    "norm": (
        N.norm,
        [
            ("", lambda k: (sq(k),), {}),
            ("2", lambda k: (sq(k),), {"ord": 2}),
            ("axis", lambda k: (sq(k),), {"axis": 0}),
        ],
    ),
    "cond": (N.cond, [("", lambda k: (sq(k),), {})]),
    "lstsq": (
        N.lstsq,
        [
            ("a sub", lambda k: (tall(k), b2), {}),
            ("b sub", lambda k: (W, kinds(b2)[k]), {}),
            ("b 1-D", lambda k: (tall(k), v), {}),
        ],
    ),
    "matrix_power": (
        N.matrix_power,
        [(f"n={n}", (lambda k, n=n: (sq(k), n)), {}) for n in (0, 1, 2, 3, -1, 5, -3)],
    ),
    "multi_dot": (
        N.multi_dot,
        [
            ("3", lambda k: ([sq(k), A, A],), {}),
            ("2nd", lambda k: ([A, sq(k), A],), {}),
            ("v first", lambda k: ([v, sq(k), A],), {}),
            ("v v", lambda k: ([kinds(v)[k], kinds(v)[k]],), {}),
            ("2", lambda k: ([sq(k), A],), {}),
            ("vec", lambda k: ([v, sq(k), v],), {}),
        ],
    ),
    "matmul": (
        N.matmul,
        [
            ("mm", lambda k: (sq(k), A), {}),
            ("m sub", lambda k: (A, sq(k)), {}),
            ("both", lambda k: (sq(k), sq(k)), {}),
            ("M@v", lambda k: (sq(k), v), {}),
            ("v@M", lambda k: (v, sq(k)), {}),
            ("tall@b2", lambda k: (tall(k), W.T), {}),
            ("v@v", lambda k: (kinds(v)[k], kinds(v)[k]), {}),
            ("M@Tagged", lambda k: (sq(k), A.view(Tagged)), {}),
            ("Tagged@M", lambda k: (A.view(Tagged), sq(k)), {}),
            ("list@M", lambda k: (A.tolist(), sq(k)), {}),
        ],
    ),
    "tensordot": (N.tensordot, [("", lambda k: (sq(k), A), {})]),
    "tensorsolve": (
        N.tensorsolve,
        [("", lambda k: (sq(k), v), {}), ("b sub", lambda k: (A, kinds(b2)[k]), {})],
    ),
    "tensorinv": (N.tensorinv, [("", lambda k: (sq(k),), {"ind": 1})]),
    "matrix_norm": (N.matrix_norm, [("", lambda k: (sq(k),), {})]),
    "vector_norm": (N.vector_norm, [("", lambda k: (sq(k),), {}), ("axis", lambda k: (sq(k),), {"axis": 0})]),
    "outer": (N.outer, [("", lambda k: (kinds(np.array([[1.0, 2.0]]))[k], v), {})]),
    "cross": (N.cross, [("", lambda k: (kinds(np.array([[1.0, 2.0, 3.0]]))[k], v), {})]),
    "vecdot": (N.vecdot, [("", lambda k: (sq(k), A), {})]),
    "matrix_transpose": (N.matrix_transpose, [("", lambda k: (sq(k),), {})]),
    "diagonal": (N.diagonal, [("", lambda k: (sq(k),), {})]),
    "trace": (N.trace, [("", lambda k: (sq(k),), {})]),
    # scipy-only names
    "solve_triangular": (SP.solve_triangular, [("", lambda k: (np.triu(A).view(type(sq(k))), b2), {})]),
    "lu": (SP.lu, [("", lambda k: (sq(k),), {})]),
    "lu_factor": (SP.lu_factor, [("", lambda k: (sq(k),), {})]),
    "lu_solve": (SP.lu_solve, [("", lambda k: (SP.lu_factor(A), kinds(b2)[k]), {})]),
    "cho_solve": (SP.cho_solve, [("", lambda k: (SP.cho_factor(A), kinds(b2)[k]), {})]),
    "cho_factor": (SP.cho_factor, [("", lambda k: (sq(k),), {})]),
    "null_space": (SP.null_space, [("", lambda k: (kinds(W.T)[k],), {})]),
    "orth": (SP.orth, [("", lambda k: (tall(k),), {})]),
    "subspace_angles": (SP.subspace_angles, [("", lambda k: (tall(k), W), {})]),
    "schur": (SP.schur, [("", lambda k: (sq(k),), {})]),
    "hessenberg": (SP.hessenberg, [("", lambda k: (sq(k),), {"calc_q": True})]),
    "expm": (SP.expm, [("", lambda k: (sq(k),), {})]),
    "logm": (SP.logm, [("", lambda k: (sq(k),), {})]),
    "sqrtm": (SP.sqrtm, [("", lambda k: (sq(k),), {})]),
    "funm": (SP.funm, [("", lambda k: (sq(k), np.exp), {})]),
    "ldl": (SP.ldl, [("", lambda k: (sq(k),), {})]),
    "polar": (SP.polar, [("", lambda k: (sq(k),), {})]),
    "orthogonal_procrustes": (SP.orthogonal_procrustes, [("", lambda k: (sq(k), A), {})]),
    "eigh_generalized": (SP.eigh, [("", lambda k: (sq(k), np.eye(3) * 2), {})]),
}


def flat(r):
    if isinstance(r, tuple):
        return list(r)
    return [r]


def tname(x):
    return type(x).__name__


def main():
    differ = 0
    for name, (ref, calls) in CASES.items():
        ours = jitla.matmul if name == "matmul" else getattr(J, name)
        for label, build, kw in calls:
            for k in KINDS:
                args = build(k)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        want = flat(ref(*args, **kw))
                    except Exception as e:  # numpy/scipy refuses: note it and compare the refusal
                        want = f"raises {type(e).__name__}"
                    try:
                        got = flat(ours(*build(k), **kw))
                    except Exception as e:
                        got = f"raises {type(e).__name__}: {e}"
                if isinstance(want, str) or isinstance(got, str):
                    if isinstance(want, str) != isinstance(got, str):
                        differ += 1
                        print(f"DIFF {name}[{label}] {k}: numpy/scipy {want!r:.60} jitla {got!r:.80}")
                    continue
                wt = [tname(x) for x in want]
                gt = [tname(x) for x in got]
                ws = [np.shape(x) for x in want]
                gs = [np.shape(x) for x in got]
                if wt != gt or ws != gs:
                    differ += 1
                    print(f"DIFF {name}[{label}] {k}: want {wt} {ws} got {gt} {gs}")
    print(f"{differ} differences")


if __name__ == "__main__":
    main()
