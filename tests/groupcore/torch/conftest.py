"""PyTorch tests: one thread, helpers pairing groupcore layers with their torch modules, and the CI guard.

torch is optional, so these tests skip where it is not importable (``pytest.importorskip``),
except where it must be there: with ``GROUPCORE_REQUIRE_TORCH=1`` or ``CI`` set (``.ci/run``
sets the first), a missing torch stops the collection with an error instead of hiding the
tests behind a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from groupcore import nn


def torch_required() -> bool:
    """Whether this run must have torch: ``GROUPCORE_REQUIRE_TORCH=1`` or a ``CI`` variable that is not false."""
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return ci or os.environ.get("GROUPCORE_REQUIRE_TORCH", "").strip() == "1"


try:
    import torch
except ImportError as err:
    if torch_required():
        raise RuntimeError(f"torch is not importable ({err}), but this run requires it (GROUPCORE_REQUIRE_TORCH=1 or "
                           f"CI is set): install the torch extra, e.g. pip install torch==2.13.0") from err
else:
    torch.set_num_threads(1)

#: Relative tolerances of the NumPy/torch comparisons, by dtype.
RTOL = {"float64": 1e-12, "float32": 1e-5}


def leaf_pairs(layer: nn.Layer, module: Any) -> Iterator[tuple[nn.Layer, Any]]:
    """Each leaf groupcore layer with its torch module (through ``Sequential`` and ``LiftLayer``)."""
    if isinstance(layer, nn.Sequential):
        for child, sub in zip(layer.layers, module.children(), strict=True):
            yield from leaf_pairs(child, sub)
    elif isinstance(layer, nn.LiftLayer):
        yield from leaf_pairs(layer.f_tilde, module.f_tilde)
    else:
        yield layer, module


def host(a: Any) -> np.ndarray:
    """A NumPy copy of a tensor (any device, with or without grad) or an array."""
    return a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a)


def assert_close(actual: Any, expected: Any, rtol: float, what: str = "", scale: float | None = None) -> None:
    """``max|actual − expected| ≤ rtol · scale`` (default ``max|expected|``; tensors are read on the host)."""
    actual, expected = host(actual), host(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    err = float(np.abs(actual - expected).max(initial=0.0))
    scale = float(np.abs(expected).max(initial=0.0)) if scale is None else scale
    assert err <= rtol * max(scale, 1e-30), f"{what}: max abs error {err:.3e} > {rtol:g} x {scale:.3e}"
