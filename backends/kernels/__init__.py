"""Array kernels of the lifted layers, written once against the array API standard.

Every kernel starts with ``xp = array_namespace(...)`` and uses only standard calls, so NumPy,
CuPy and ``array_api_strict`` run the same code; NumPy convolutions take a measured fast path
checked against the generic one. Nothing here moves data between host and device.

Examples
--------
>>> import numpy as np
>>> from groupcore.backends import kernels
>>> y = kernels.conv(np.ones((1, 1, 4, 4)), np.ones((3, 1, 3, 3)), padding=1)
>>> y.shape
(1, 3, 4, 4)
"""

from __future__ import annotations

from ._numpy_conv import release_scratch
from .conv import conv, conv_backward, conv_backward_generic, conv_generic
from .dense import dense, dense_backward
from .expand import expand, expand_backward, scatter_plan
from .loss import softmax_cross_entropy
from .pool import PoolState, avg_pool, avg_pool_backward, max_pool, max_pool_backward

__all__ = [
    "conv", "conv_backward", "conv_generic", "conv_backward_generic", "release_scratch",
    "max_pool", "max_pool_backward", "PoolState", "avg_pool", "avg_pool_backward",
    "expand", "expand_backward", "scatter_plan",
    "softmax_cross_entropy",
    "dense", "dense_backward",
]
