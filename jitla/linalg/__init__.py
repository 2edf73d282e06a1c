"""numpy.linalg-style API on jitla's kernels.

Validates inputs, normalises dtype and layout once, chooses a kernel,
and turns kernel status codes into :class:`LinAlgError`.  An ndarray
subclass (np.matrix, np.ma.MaskedArray, a user's own) gets back the types
numpy gives it (:mod:`jitla.linalg._wrap`); scipy.linalg's names return
plain ndarrays, as scipy.
"""

from jitla._validate import LinAlgError
from jitla.linalg._cholesky import cho_factor, cho_solve, cholesky
from jitla.linalg._eig import EighResult, EigResult, eig, eigh, eigh_method, eigvals, eigvalsh
from jitla.linalg._eigh_generalized import eigh_generalized
from jitla.linalg._extras import (
    cross,
    diagonal,
    matrix_norm,
    matrix_power,
    matrix_transpose,
    multi_dot,
    outer,
    tensordot,
    tensorinv,
    tensorsolve,
    trace,
    vecdot,
    vector_norm,
)
from jitla.linalg._iterative import (
    IterationResult,
    inverse_iteration,
    power_iteration,
    rayleigh_quotient_iteration,
)
from jitla.linalg._ldl import ldl
from jitla.linalg._lstsq import LstsqRankWarning, lstsq
from jitla.linalg._lu import det, inv, lu, lu_factor, lu_solve, slogdet, solve
from jitla.linalg._matfun import expm, funm, logm, sqrtm
from jitla.linalg._matmul import MatmulPlan, matmul, matmul_plan
from jitla.linalg._polar import (
    LowRankResult,
    gram,
    low_rank_approximation,
    orthogonal_procrustes,
    polar,
    subspace_intersection,
    subspace_sum,
)
from jitla.linalg._qr import QRResult, qr, qr_method, qr_r_augmented, qr_rank
from jitla.linalg._schur import hessenberg, rsf2csf, schur
from jitla.linalg._subspace import (
    cond,
    matrix_rank,
    norm,
    null_space,
    orth,
    pinv,
    project,
    projector,
    subspace_angles,
)
from jitla.linalg._svd import SVDResult, svd, svd_method, svdvals
from jitla.linalg._triangular import solve_triangular

__all__ = [
    "LinAlgError",
    "MatmulPlan",
    "matmul",
    "matmul_plan",
    "solve_triangular",
    "QRResult",
    "qr",
    "qr_method",
    "qr_r_augmented",
    "qr_rank",
    "lu",
    "lu_factor",
    "lu_solve",
    "solve",
    "inv",
    "det",
    "slogdet",
    "cholesky",
    "cho_factor",
    "cho_solve",
    "lstsq",
    "LstsqRankWarning",
    "SVDResult",
    "svd",
    "svd_method",
    "svdvals",
    "matrix_rank",
    "pinv",
    "norm",
    "cond",
    "null_space",
    "orth",
    "subspace_angles",
    "projector",
    "project",
    "IterationResult",
    "power_iteration",
    "inverse_iteration",
    "rayleigh_quotient_iteration",
    "EighResult",
    "eigh",
    "eigh_method",
    "eigvalsh",
    "EigResult",
    "eig",
    "eigvals",
    "matrix_power",
    "multi_dot",
    "tensordot",
    "tensorsolve",
    "tensorinv",
    "matrix_norm",
    "vector_norm",
    "outer",
    "cross",
    "vecdot",
    "matrix_transpose",
    "diagonal",
    "trace",
    "schur",
    "hessenberg",
    "rsf2csf",
    "expm",
    "logm",
    "sqrtm",
    "funm",
    "ldl",
    "polar",
    "orthogonal_procrustes",
    "LowRankResult",
    "low_rank_approximation",
    "gram",
    "subspace_sum",
    "subspace_intersection",
    "eigh_generalized",
]
