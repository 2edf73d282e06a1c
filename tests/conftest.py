"""Shared fixtures for the jitla tests (the helpers they use live in :mod:`helpers`).

Nothing here changes Numba's options or any global state of jitla; fixtures
that touch global settings (thread counts, block-size overrides) restore
them.
"""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A freshly seeded generator per test (tests do not depend on their order)."""
    return np.random.default_rng(20240611)


@pytest.fixture
def restore_threads():
    """Restore Numba's thread count and the BLAS limits after the test."""
    import numba
    from threadpoolctl import threadpool_limits

    previous = numba.get_num_threads()
    with threadpool_limits(limits=None, user_api="blas"):
        try:
            yield previous
        finally:
            numba.set_num_threads(previous)


@pytest.fixture
def clean_gemm_blocks(monkeypatch):
    """Give the test an empty block-size override table, restored afterwards."""
    from jitla import config

    monkeypatch.setattr(config, "_OVERRIDES", {})
    return config
