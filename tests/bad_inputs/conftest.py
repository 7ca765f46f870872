"""The one check of the bad-input suites: a call is refused with the expected error, before it allocates much."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

#: Bytes a refusal may allocate: a few MB at most, never the table or array it refuses to build.
SMALL_PEAK = 8 * 2**20

Refusal = Callable[[Callable[[], Any], type[Exception], str], None]


def _refused(call: Callable[[], Any], error: type[Exception], message: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(error, match=message):
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < SMALL_PEAK, f"the refusal came after allocating {peak / 2**20:.1f} MiB"


@pytest.fixture
def refused() -> Refusal:
    """``refused(call, error, message)``: ``call()`` raises ``error`` matching ``message`` within :data:`SMALL_PEAK`."""
    return _refused
