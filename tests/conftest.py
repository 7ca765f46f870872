"""Shared fixtures: groups over C1, C4, D4, S3, Q8, and the Hypothesis "ci" profile.

Tests check results, not speed: BLAS runs single-threaded here, which keeps small GEMMs from
stalling on busy machines and makes floating-point reductions reproducible.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings
from threadpoolctl import threadpool_limits

import groupcore as gc
import groupcore.proofs.strategies  # registers the Hypothesis profile "ci"

settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
threadpool_limits(limits=1, user_api="blas")

GROUPS = {
    "C1": lambda: gc.cyclic(1),
    "C4": lambda: gc.cyclic(4),
    "D4": lambda: gc.dihedral(4),
    "S3": lambda: gc.symmetric(3),
    "Q8": gc.quaternion,
}


@pytest.fixture(params=list(GROUPS), ids=list(GROUPS))
def group(request: pytest.FixtureRequest) -> gc.Group:
    """A small group, one test per C1, C4, D4, S3, Q8."""
    return GROUPS[request.param]()


# Array backends: NumPy, array-api-strict on its non-default device, and CuPy where a GPU runs.
BACKEND_IDS = {"numpy": "numpy", "array_api_strict": "strict-device1", "cupy": "cupy"}


@pytest.fixture(params=list(BACKEND_IDS), ids=list(BACKEND_IDS.values()))
def backend(request: pytest.FixtureRequest):
    """A :class:`groupcore.backends.Backend`; the CuPy case is skipped, with the reason, without a GPU."""
    from groupcore import backends
    try:
        return backends.get(request.param)
    except backends.BackendUnavailable as err:
        if request.param != "cupy":
            raise
        pytest.skip(str(err))


@pytest.fixture
def xp(backend):
    """The array-API namespace of ``backend``."""
    return backend.xp
