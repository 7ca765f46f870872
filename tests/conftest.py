"""Shared fixtures: groups over C1, C4, D4, S3, Q8, and the Hypothesis "ci" profile."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

import groupcore as gc

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

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
