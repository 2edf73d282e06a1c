"""Do the unified "auto" rules pick the faster kernel where the old rules disagreed?

Two rules changed when the policies moved to ``jitla.linalg._policy``:

1. lstsq's tall-skinny rule (old: ``m >= 4 (n + k)`` and ``m >= 2 * 1024``)
   is now qr's (``m >= 16 (n + k)`` and ``m (n + k) >= 65536``);
2. the unblocked-QR threshold was ``min(m, n) <= 32`` in qr and ``<= 64``
   in lstsq; both use ``config.QR_UNBLOCKED_MAX`` now;
3. (devlog 022) up to ``config.QR_UNBLOCKED_SMALL_MAX`` columns the unblocked
   kernels are kept while the matrix has at most
   ``config.QR_UNBLOCKED_MAX_ELEMENTS`` entries, for the factorisation and
   for forming Q.

For shapes where old and new disagree, this times both choices in the same
process, alternating, best of N, 1 thread, and prints ``time(new choice) /
time(old choice)`` (below 1: the new rule is faster).  Run as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/policy_boundaries.py
"""

from __future__ import annotations

from unittest import mock

import numpy as np

import jitla
from jitla import config
from jitla.kernels import get_kernel
from jitla.linalg import _lstsq
from jitla.linalg._dispatch import kernel_extras
from jitla.linalg._policy import Plan, householder_plan, lstsq_plan
from jitla.profiling.timing import time_pair


def _old_tsqr(m, n, k):
    return m >= 4 * (n + k) and m >= 2 * 1024


def lstsq_with(plan_op):
    """lstsq with the tall-skinny decision forced to *plan_op* ("tsqr" or "qr")."""

    def forced(m, n, k, nthreads=None):
        if plan_op == "tsqr":
            return Plan("tsqr", "serial", "forced")
        return householder_plan(m, n, nthreads)

    def run(A, b):
        with mock.patch.object(_lstsq, "lstsq_plan", forced):
            return jitla.linalg.lstsq(A, b)

    return run


def _time_choices(new, old, *args):
    return time_pair(lambda: new(*args), lambda: old(*args), repeat=7)


def _factor_with(variant):
    info = get_kernel("qr", variant)

    def run(A):
        F = A.copy()
        info.func(F, np.zeros(min(F.shape)), *kernel_extras(info, F.dtype))

    return run


def tall_skinny_rows(rng):
    print("lstsq, tall-skinny rule: time(new choice) / time(old choice), 1 thread")
    print(f"{'m x n':>14} {'old':>6} {'new':>6} {'ratio':>7}")
    for m, n in [(1500, 50), (2000, 50), (2000, 100), (3000, 150), (3000, 200), (6000, 300)]:
        new = lstsq_plan(m, n, 1, 1).op
        old = "tsqr" if _old_tsqr(m, n, 1) else "qr"
        A = rng.standard_normal((m, n))
        b = rng.standard_normal(m)
        if new == old:
            print(f"{m:>7} x {n:<5} {old:>6} {new:>6}  (same choice)")
            continue
        t = _time_choices(lstsq_with(new), lstsq_with(old), A, b)
        print(f"{m:>7} x {n:<5} {old:>6} {new:>6} {t.best / t.ref_best:7.2f}")


def unblocked_rows(rng):
    print("\nHouseholder QR at 33..64 columns (qr: blocked before, lstsq: unblocked before)")
    print(f"now unblocked up to {config.QR_UNBLOCKED_MAX} columns")
    print("time(blocked) / time(unblocked), 1 thread (above 1: unblocked is faster)")
    print(f"{'m x n':>14} {'ratio':>7}")
    for m, n in [(40, 40), (64, 64), (1000, 33), (1000, 48), (1000, 64), (5000, 64)]:
        A = rng.standard_normal((m, n))
        t = _time_choices(_factor_with("blocked"), _factor_with("unblocked"), A)
        print(f"{m:>7} x {n:<5} {t.best / t.ref_best:7.2f}")


def _form_q_with(blocked):
    from jitla.kernels.qr_householder import form_q, orgqr

    def run(F, tau, Q):
        if blocked:
            orgqr(F, tau, Q, config.factor_nb("qr"), config.gemm_blocks(F.dtype).as_tuple())
        else:
            form_q(F, tau, Q)

    return run


def small_rule_rows(rng):
    print("\nHouseholder QR and Q, 65..160 columns: time(blocked) / time(unblocked), 1 thread")
    small, entries = config.QR_UNBLOCKED_SMALL_MAX, config.QR_UNBLOCKED_MAX_ELEMENTS
    print(f"unblocked up to {small} columns and {entries} entries")
    print(f"{'m x n':>14} {'rule':>10} {'geqrf/geqr2':>12} {'orgqr/form_q':>13}")
    for m, n in [
        (100, 100),
        (128, 128),
        (144, 144),
        (160, 160),
        (200, 100),
        (400, 100),
        (1000, 100),
        (300, 128),
    ]:
        A = rng.standard_normal((m, n))
        t = _time_choices(_factor_with("blocked"), _factor_with("unblocked"), A)
        F = A.copy()
        tau = np.zeros(n)
        get_kernel("qr", "unblocked").func(F, tau)
        Q = np.empty((m, n))
        u = _time_choices(_form_q_with(True), _form_q_with(False), F, tau, Q)
        rule = householder_plan(m, n, 1).variant
        print(f"{m:>7} x {n:<5} {rule:>10} {t.best / t.ref_best:12.2f} {u.best / u.ref_best:13.2f}")


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    with jitla.threads(1):
        tall_skinny_rows(rng)
        unblocked_rows(rng)
        small_rule_rows(rng)
