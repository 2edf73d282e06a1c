"""Moré-Garbow-Hillstrom nonlinear least-squares test problems, as data for the NLS tests and benchmark.

J. J. Moré, B. S. Garbow and K. E. Hillstrom, "Testing unconstrained
optimization software", ACM TOMS 7(1), 1981, pp. 17-41, problems 1-21
(numbering as the paper).  Each problem gives the residual vector ``F(x)``
(the objective is ``sum F_i(x)^2``), the standard starting point and the
sums of squares of the minima the paper lists (a local minimiser that the
paper names counts as a solution: from the standard start a local method
may legitimately end there).  ``xstar`` is given where the minimiser is
known in closed form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Problem:
    number: int
    name: str
    n: int
    m: int
    residuals: object
    x0: tuple
    fstar: tuple  # sums of squares at the minima the paper lists
    xstar: tuple | None = None  # the minimiser of fstar[0]
    note: str = field(default="")
    jacobian: object = None  # analytic, where the parameters are too ill-determined for differences
    unique: bool = True  # False: several minimisers share the sum of squares (compare it alone)


def _rosenbrock(x):
    return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])


def _freudenstein_roth(x):
    return np.array(
        [
            -13.0 + x[0] + ((5.0 - x[1]) * x[1] - 2.0) * x[1],
            -29.0 + x[0] + ((x[1] + 1.0) * x[1] - 14.0) * x[1],
        ]
    )


def _powell_badly_scaled(x):
    return np.array([1e4 * x[0] * x[1] - 1.0, math.exp(-x[0]) + math.exp(-x[1]) - 1.0001])


def _brown_badly_scaled(x):
    return np.array([x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2.0])


def _beale(x):
    y = np.array([1.5, 2.25, 2.625])
    i = np.arange(1, 4)
    return y - x[0] * (1.0 - x[1] ** i)


def _jennrich_sampson(x):
    i = np.arange(1, 11)
    return 2.0 + 2.0 * i - (np.exp(i * x[0]) + np.exp(i * x[1]))


def _helical_valley(x):
    theta = math.atan(x[1] / x[0]) / (2 * math.pi) if x[0] != 0 else 0.25 * math.copysign(1.0, x[1])
    if x[0] < 0:
        theta += 0.5
    return np.array([10.0 * (x[2] - 10.0 * theta), 10.0 * (math.hypot(x[0], x[1]) - 1.0), x[2]])


_BARD_Y = np.array([0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39])


def _bard(x):
    u = np.arange(1.0, 16.0)
    v = 16.0 - u
    w = np.minimum(u, v)
    return _BARD_Y - (x[0] + u / (v * x[1] + w * x[2]))


_GAUSSIAN_Y = np.array(
    [
        0.0009,
        0.0044,
        0.0175,
        0.0540,
        0.1295,
        0.2420,
        0.3521,
        0.3989,
        0.3521,
        0.2420,
        0.1295,
        0.0540,
        0.0175,
        0.0044,
        0.0009,
    ]
)


def _gaussian(x):
    t = (8.0 - np.arange(1, 16)) / 2.0
    return x[0] * np.exp(-x[1] * (t - x[2]) ** 2 / 2.0) - _GAUSSIAN_Y


_MEYER_Y = np.array(
    [34780, 28610, 23650, 19630, 16370, 13720, 11540, 9744, 8261, 7030, 6005, 5147, 4427, 3820, 3307, 2872],
    float,
)


def _meyer(x):
    t = 45.0 + 5.0 * np.arange(1, 17)
    return x[0] * np.exp(x[1] / (t + x[2])) - _MEYER_Y


def _gulf(x, m=99):
    t = np.arange(1, m + 1) / 100.0
    y = 25.0 + (-50.0 * np.log(t)) ** (2.0 / 3.0)
    return np.exp(-(np.abs(y - x[1]) ** x[2]) / x[0]) - t


def _box3d(x, m=10):
    t = 0.1 * np.arange(1, m + 1)
    return np.exp(-t * x[0]) - np.exp(-t * x[1]) - x[2] * (np.exp(-t) - np.exp(-10.0 * t))


def _powell_singular(x):
    return np.array(
        [
            x[0] + 10.0 * x[1],
            math.sqrt(5.0) * (x[2] - x[3]),
            (x[1] - 2.0 * x[2]) ** 2,
            math.sqrt(10.0) * (x[0] - x[3]) ** 2,
        ]
    )


def _wood(x):
    return np.array(
        [
            10.0 * (x[1] - x[0] ** 2),
            1.0 - x[0],
            math.sqrt(90.0) * (x[3] - x[2] ** 2),
            1.0 - x[2],
            math.sqrt(10.0) * (x[1] + x[3] - 2.0),
            (x[1] - x[3]) / math.sqrt(10.0),
        ]
    )


_KO_Y = np.array([0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235, 0.0246])
_KO_U = np.array([4.0, 2.0, 1.0, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625])


def _kowalik_osborne(x):
    u = _KO_U
    return _KO_Y - x[0] * (u**2 + u * x[1]) / (u**2 + u * x[2] + x[3])


def _brown_dennis(x):
    t = np.arange(1, 21) / 5.0
    return (x[0] + t * x[1] - np.exp(t)) ** 2 + (x[2] + x[3] * np.sin(t) - np.cos(t)) ** 2


_OSBORNE1_Y = np.array(
    [
        0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784, 0.751, 0.718, 0.685, 0.658,
        0.628, 0.603, 0.580, 0.558, 0.538, 0.522, 0.506, 0.490, 0.478, 0.467, 0.457, 0.448, 0.438, 0.431,
        0.424, 0.420, 0.414, 0.411, 0.406,
    ]
)  # fmt: skip


def _osborne1(x):
    t = 10.0 * np.arange(33)
    return _OSBORNE1_Y - (x[0] + x[1] * np.exp(-t * x[3]) + x[2] * np.exp(-t * x[4]))


def _biggs_exp6(x):
    t = 0.1 * np.arange(1, 14)
    y = np.exp(-t) - 5.0 * np.exp(-10.0 * t) + 3.0 * np.exp(-4.0 * t)
    return x[2] * np.exp(-t * x[0]) - x[3] * np.exp(-t * x[1]) + x[5] * np.exp(-t * x[4]) - y


_OSBORNE2_Y = np.array(
    [
        1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725, 0.746, 0.679, 0.608, 0.655,
        0.616, 0.606, 0.602, 0.626, 0.651, 0.724, 0.649, 0.649, 0.694, 0.644, 0.624, 0.661, 0.612, 0.558,
        0.533, 0.495, 0.500, 0.423, 0.395, 0.375, 0.372, 0.391, 0.396, 0.405, 0.428, 0.429, 0.523, 0.562,
        0.607, 0.653, 0.672, 0.708, 0.633, 0.668, 0.645, 0.632, 0.591, 0.559, 0.597, 0.625, 0.739, 0.710,
        0.729, 0.720, 0.636, 0.581, 0.428, 0.292, 0.162, 0.098, 0.054,
    ]
)  # fmt: skip


def _osborne2(x):
    t = np.arange(65) / 10.0
    return _OSBORNE2_Y - (
        x[0] * np.exp(-t * x[4])
        + x[1] * np.exp(-((t - x[8]) ** 2) * x[5])
        + x[2] * np.exp(-((t - x[9]) ** 2) * x[6])
        + x[3] * np.exp(-((t - x[10]) ** 2) * x[7])
    )


def _watson(x):
    n = x.size
    t = np.arange(1, 30) / 29.0
    j = np.arange(n)
    s1 = (j[1:] * x[1:] * t[:, None] ** (j[1:] - 1)).sum(axis=1)
    s2 = (x * t[:, None] ** j).sum(axis=1)
    return np.concatenate([s1 - s2**2 - 1.0, [x[0], x[1] - x[0] ** 2 - 1.0]])


def _watson_jacobian(x):
    n = x.size
    t = np.arange(1, 30) / 29.0
    j = np.arange(n)
    s2 = (x * t[:, None] ** j).sum(axis=1)
    J = np.zeros((31, n))
    J[:29, 1:] = j[1:] * t[:, None] ** (j[1:] - 1)
    J[:29] -= 2.0 * s2[:, None] * t[:, None] ** j
    J[29, 0] = 1.0
    J[30, 0], J[30, 1] = -2.0 * x[0], 1.0
    return J


def _extended_rosenbrock(x):
    f = np.empty_like(x)
    f[0::2] = 10.0 * (x[1::2] - x[0::2] ** 2)
    f[1::2] = 1.0 - x[0::2]
    return f


PROBLEMS = (
    Problem(1, "Rosenbrock", 2, 2, _rosenbrock, (-1.2, 1.0), (0.0,), (1.0, 1.0)),
    Problem(
        2, "Freudenstein-Roth", 2, 2, _freudenstein_roth, (0.5, -2.0), (0.0, 48.9842536792400), (5.0, 4.0)
    ),
    Problem(3, "Powell badly scaled", 2, 2, _powell_badly_scaled, (0.0, 1.0), (0.0,)),
    Problem(4, "Brown badly scaled", 2, 3, _brown_badly_scaled, (1.0, 1.0), (0.0,), (1e6, 2e-6)),
    Problem(5, "Beale", 2, 3, _beale, (1.0, 1.0), (0.0,), (3.0, 0.5)),
    Problem(6, "Jennrich-Sampson", 2, 10, _jennrich_sampson, (0.3, 0.4), (124.362182355,)),
    Problem(7, "Helical valley", 3, 3, _helical_valley, (-1.0, 0.0, 0.0), (0.0,), (1.0, 0.0, 0.0)),
    Problem(8, "Bard", 3, 15, _bard, (1.0, 1.0, 1.0), (8.21487730657e-3, 17.4286133033)),
    Problem(9, "Gaussian", 3, 15, _gaussian, (0.4, 1.0, 0.0), (1.12793276961e-8,)),
    Problem(10, "Meyer", 3, 16, _meyer, (0.02, 4000.0, 250.0), (87.9458551718,)),
    Problem(
        11,
        "Gulf research and development",
        3,
        99,
        _gulf,
        (5.0, 2.5, 0.15),
        (0.0,),
        (50.0, 25.0, 1.5),
        "m = 99 (the paper allows 3 <= m <= 100); with m = 10 scipy's and jitla's LM both stop at a "
        "degenerate point (x1 -> 0, x3 < 0, sum of squares 4.6e-5)",
    ),
    Problem(
        12,
        "Box 3-D",
        3,
        10,
        _box3d,
        (0.0, 10.0, 20.0),
        (0.0,),
        (1.0, 10.0, 1.0),
        note="also zero at (10, 1, -1) and on the line x1 = x2, x3 = 0",
        unique=False,
    ),
    Problem(
        13, "Powell singular", 4, 4, _powell_singular, (3.0, -1.0, 0.0, 1.0), (0.0,), (0.0, 0.0, 0.0, 0.0)
    ),
    Problem(14, "Wood", 4, 6, _wood, (-3.0, -1.0, -3.0, -1.0), (0.0,), (1.0, 1.0, 1.0, 1.0)),
    Problem(
        15,
        "Kowalik-Osborne",
        4,
        11,
        _kowalik_osborne,
        (0.25, 0.39, 0.415, 0.39),
        (3.07505603849e-4, 1.02734472955e-3),
    ),
    Problem(16, "Brown-Dennis", 4, 20, _brown_dennis, (25.0, 5.0, -5.0, -1.0), (85822.2016263563,)),
    Problem(17, "Osborne 1", 5, 33, _osborne1, (0.5, 1.5, -1.0, 0.01, 0.02), (5.46489469748e-5,)),
    Problem(
        18,
        "Biggs EXP6",
        6,
        13,
        _biggs_exp6,
        (1.0, 2.0, 1.0, 1.0, 1.0, 1.0),
        (0.0, 5.65565e-3),
        note="zero at (1, 10, 1, 5, 4, 3) and at its mirror (4, 10, 3, 5, 1, 1): the first and third "
        "exponentials can trade places",
        unique=False,
    ),
    Problem(
        19,
        "Osborne 2",
        11,
        65,
        _osborne2,
        (1.3, 0.65, 0.65, 0.7, 0.6, 3.0, 5.0, 7.0, 2.0, 4.5, 5.5),
        (4.01377362935e-2,),
    ),
    Problem(20, "Watson (n = 6)", 6, 31, _watson, (0.0,) * 6, (2.28767005355e-3,), jacobian=_watson_jacobian),
    Problem(
        20,
        "Watson (n = 9)",
        9,
        31,
        _watson,
        (0.0,) * 9,
        (1.39976217020e-6,),
        note="a flat valley: the sum of squares changes by 1e-11 relative where forward and central "
        "differences leave the parameters 5e-5 apart",
        jacobian=_watson_jacobian,
    ),
    Problem(
        21, "Extended Rosenbrock (n = 10)", 10, 10, _extended_rosenbrock, (-1.2, 1.0) * 5, (0.0,), (1.0,) * 10
    ),
)


def solved(problem: Problem, ssr: float, rtol: float = 1e-6, atol: float = 1e-12) -> bool:
    """True when *ssr* matches a listed minimum (relative *rtol*, absolute *atol* at zero)."""
    return any(abs(ssr - f) <= rtol * f + atol for f in problem.fstar)
