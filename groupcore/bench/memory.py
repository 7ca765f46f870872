"""Peak memory of a training step against what the step must hold at least.

The bound a training step is judged against is ``activations + expanded weights + gradients``:

- activations: every layer's output for the whole batch (what a plain forward keeps for its
  backward pass);
- expanded weights: each lifted layer's ``θ[index]`` (:meth:`expanded_weight`);
- gradients: those of the expanded weights and of the parameters.

The peak is measured with :mod:`tracemalloc`, which NumPy reports its array buffers to, over
training steps of a freshly built model, after the kernels' scratch arrays are released, so
the buffers a step allocates once and keeps count too, whatever ran before in the process. It
is measured on the NumPy backend only: tracemalloc sees host memory, not a GPU's.
"""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import numpy as np

from ..names import parse_group
from ..nn import SGD, Sequential, p4cnn, release_scratch
from .peers import seeded_batch
from .suites import Suite

__all__ = ["RATIO", "footprint", "traced_peak", "memory_case"]

#: the key of the ratio in a memory case's ``memory``
RATIO = "peak / (activations + expanded weights + gradients)"


def footprint(model: Sequential, x: Any) -> dict[str, int]:
    """Bytes of the activations, expanded weights and gradients of one training step on ``x``.

    Examples
    --------
    >>> from groupcore import nn
    >>> import groupcore as gc
    >>> net = nn.Sequential(nn.LiftingConv2d(gc.cyclic(4), 1, 2, 3, seed=0), nn.GroupPool("max"))
    >>> fp = footprint(net, np.zeros((1, 1, 5, 5), np.float32))
    >>> fp["activations_bytes"], fp["expanded_weights_bytes"], fp["gradients_bytes"]
    (360, 288, 368)
    """
    acts, h = 0, x
    for layer in model:
        h = layer.forward(h)
        acts += int(h.nbytes)
    weights = sum(int(leaf.expanded_weight().nbytes) for leaf in model.leaves() if hasattr(leaf, "expanded_weight"))
    params = sum(int(np.asarray(p).nbytes) for leaf in model.leaves() for p in leaf.params.values())
    return {"activations_bytes": acts, "expanded_weights_bytes": weights, "gradients_bytes": weights + params}


def traced_peak(model: Sequential, x: np.ndarray, y: np.ndarray, steps: int = 2) -> int:
    """Peak bytes tracemalloc sees over ``steps`` training steps (SGD, momentum 0.9) of ``model``.

    Examples
    --------
    >>> from groupcore import nn
    >>> net = nn.Sequential(nn.Dense(4, 3, seed=0))
    >>> traced_peak(net, np.ones((8, 4), np.float32), np.zeros(8, np.int64)) > 0
    True
    """
    opt = SGD(lr=0.01, momentum=0.9)
    release_scratch()
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(steps):
            model.train_step(x, y, opt)
        return int(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


def memory_case(suite: Suite, backend: Any, group: str, dtype: str = "float32") -> dict[str, Any]:
    """The P4CNN's training-step peak memory against activations + expanded weights + gradients.

    Examples
    --------
    >>> from groupcore import backends
    >>> from groupcore.bench.suites import get_suite
    >>> case = memory_case(get_suite("smoke"), backends.get("numpy"), "C4")
    >>> case["kind"], case["memory"][RATIO] > 0
    ('memory', True)
    """
    batch, size = suite.batch, suite.input_size
    name = f"P4CNN {group} training-step memory, batch {batch} {dtype} [{backend.name}]"
    params = {"group": group, "batch": batch, "dtype": dtype, "channels_per_element": suite.channels,
              "input_size": size, "steps": 2, "measured_with": "tracemalloc"}
    case: dict[str, Any] = {"name": name, "kind": "memory", "backend": backend.name, "params": params,
                            "timings": {}, "flops": {}, "ratios": {}, "skipped": {}}
    if backend.name != "numpy":
        case["skipped"]["memory"] = "traced on NumPy only (tracemalloc sees host memory, not a GPU's)"
        return case
    x, y = seeded_batch(batch, size, dtype)

    def build() -> Sequential:
        return p4cnn(parse_group(group), channels=suite.channels, input_size=size).to(backend, dtype)

    sizes = footprint(build(), x)
    peak = traced_peak(build(), x, y)
    bound = sum(sizes.values())
    case["memory"] = {"peak_bytes": peak, **sizes, "bound_bytes": bound, RATIO: peak / bound}
    return case
