"""numpy.linalg-style API on jitla's kernels.

Validates inputs, normalises dtype and layout once, chooses a kernel,
and turns kernel status codes into :class:`LinAlgError`.
"""

from jitla._validate import LinAlgError
from jitla.linalg._matmul import MatmulPlan, matmul, matmul_plan

__all__ = ["LinAlgError", "MatmulPlan", "matmul", "matmul_plan"]
