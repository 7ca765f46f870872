"""The roofline: one square GEMM of the same FLOPs, dtype and backend as the workload, same run.

A convolution done by im2col is a GEMM plus copies; the fraction ``t_gemm / t_workload`` says how
close a layer gets to what the BLAS (or GPU) does with the same arithmetic in one call. The GEMM
of the layer's own im2col shape (:func:`shaped_gemm`) shows what that shape costs the BLAS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["conv_flops", "gemm_size", "square_gemm", "shaped_gemm"]


def conv_flops(batch: int, c_in: int, c_out: int, kernel: int, *out: int) -> float:
    """Multiply-add FLOPs (2 per multiply-add) of a stride-1 convolution with output size ``out``
    (one number per grid axis) and a ``kernel``-wide filter on each axis.

    Examples
    --------
    >>> conv_flops(1, 1, 1, 3, 2, 2), conv_flops(1, 1, 1, 3, 2, 2, 2)
    (72.0, 432.0)
    """
    return 2.0 * batch * c_in * c_out * float(kernel) ** len(out) * float(np.prod(out))


def gemm_size(flops: float) -> int:
    """The side ``m`` of the square GEMM with (about) ``flops = 2 m³``; at least 8.

    Examples
    --------
    >>> gemm_size(2 * 100 ** 3)
    100
    """
    if not flops > 0:
        raise ValueError(f"flops must be positive; got {flops!r}")
    return max(8, round((flops / 2) ** (1 / 3)))


def square_gemm(flops: float, dtype: str, backend: Any) -> Callable[[], Any]:
    """A call computing one ``m × m`` matrix product on ``backend`` (see :func:`gemm_size`).

    The operands are built once on the host (seeded) and moved to the backend once.

    Examples
    --------
    >>> from groupcore import backends
    >>> square_gemm(2e6, "float32", backends.get("numpy"))().shape
    (100, 100)
    """
    m = gemm_size(flops)
    rng = np.random.default_rng(0)
    a = backend.asarray(rng.standard_normal((m, m)), dtype=dtype)
    b = backend.asarray(rng.standard_normal((m, m)), dtype=dtype)
    xp = backend.xp
    return lambda: xp.matmul(a, b)


def shaped_gemm(m: int, k: int, n: int, dtype: str, backend: Any) -> Callable[[], Any]:
    """A call computing one ``(m, k) @ (k, n)`` product on ``backend`` (seeded operands, moved once).

    Examples
    --------
    >>> from groupcore import backends
    >>> shaped_gemm(6, 4, 2, "float32", backends.get("numpy"))().shape
    (6, 2)
    """
    rng = np.random.default_rng(0)
    a = backend.asarray(rng.standard_normal((m, k)), dtype=dtype)
    b = backend.asarray(rng.standard_normal((k, n)), dtype=dtype)
    xp = backend.xp
    return lambda: xp.matmul(a, b)
