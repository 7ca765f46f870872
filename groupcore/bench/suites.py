"""The benchmark suites: which workloads ``groupcore bench`` runs, at which sizes, how often.

- ``quick``: what the targets need (float32, 28×28, C4/D4) in a few minutes on 2 cores;
- ``full``: every workload of the issue (C4, D4, C8; 28×28 and 64×64; 10 and 32 channels per
  element; float32 and float64; batches 64 and 256);
- ``smoke``: the same code paths (exact and interpolated groups, both dtypes, two batches) on tiny
  inputs, for tests (seconds; the numbers mean nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Suite", "SUITES", "get_suite"]


@dataclass(frozen=True)
class Suite:
    """One benchmark configuration.

    Attributes
    ----------
    name : str
    symmetric : tuple of int
        ``symmetric(n)`` built and validated for each ``n``.
    grid : int
        Side of the grid of ``Action.on_grid(D4, ...)``.
    rotations : (int, int, int)
        ``(N, size, batch)``: build ``interpolated_rotations(cyclic(N), (size, size))`` and apply one
        interpolated element to a ``(batch, size, size)`` float32 stack.
    layer_groups, layer_sizes, layer_channels, layer_dtypes : tuples
        ``LiftingConv2d`` / ``GroupConv2d`` cases: every combination.
    volume_layers : tuple of (str, int, int, int)
        ``GroupConv3d`` cases ``(group, size, channels per element, batch)`` in every layer dtype.
    batch : int
        Batch of the layer and model workloads.
    models : tuple of str
        Groups whose P4CNN forward and training step are timed (with the peers).
    model_dtypes : tuple of str
    large_batch : int or None
        A second P4CNN batch (the GPU target uses 256); ``None`` skips it on NumPy. Backends
        other than NumPy always run it.
    builds : tuple of str
        Groups whose whole P4CNN (every index tensor) is built and timed.
    equivariance : tuple of str
        Groups whose P4CNN's equivariance error is measured per element and per angle.
    equivariance_images : int
    memory : tuple of str
        Groups whose P4CNN training step has its peak memory traced (NumPy backend).
    channels, input_size : int
        The P4CNN's channels per element and image size (28 in the paper).
    rounds, layer_rounds, warmup : int
        Timed rounds of the model and algebra comparisons, of the layer comparisons, and the
        untimed warm-up rounds before each. Enough rounds that one slow round among them does
        not flag a result as noisy (:func:`~groupcore.bench.timing.spread`).
    min_sample_s : float
        Each timed sample averages enough calls to last this long (short workloads). A quarter
        of a second in the quick suite: on shared 2-core machines shorter samples (50 ms) left
        the central 80% of 15 rounds spread over 20–40% of the median.
    settle_s : float
        Untimed pause between candidates of different processes (ours and a peer worker).

    Examples
    --------
    >>> get_suite("quick").models
    ('C4', 'D4')
    """

    name: str
    symmetric: tuple[int, ...]
    grid: int
    rotations: tuple[int, int, int]
    layer_groups: tuple[str, ...]
    layer_sizes: tuple[int, ...]
    layer_channels: tuple[int, ...]
    layer_dtypes: tuple[str, ...]
    volume_layers: tuple[tuple[str, int, int, int], ...]
    batch: int
    models: tuple[str, ...]
    model_dtypes: tuple[str, ...]
    large_batch: int | None
    builds: tuple[str, ...]
    equivariance: tuple[str, ...]
    equivariance_images: int
    memory: tuple[str, ...]
    channels: int
    input_size: int
    rounds: int
    layer_rounds: int
    warmup: int
    min_sample_s: float
    settle_s: float


SUITES: dict[str, Suite] = {
    "quick": Suite("quick", symmetric=(6, 7), grid=512, rotations=(8, 64, 256),
                   layer_groups=("C4", "D4"), layer_sizes=(28,), layer_channels=(10,), layer_dtypes=("float32",),
                   volume_layers=(("O", 10, 10, 4),), batch=64, models=("C4", "D4"), model_dtypes=("float32",),
                   large_batch=None,
                   builds=("C4", "D4", "C8"), equivariance=("C4", "D4", "C8"), equivariance_images=4,
                   memory=("C4",), channels=10, input_size=28, rounds=15, layer_rounds=15, warmup=2,
                   min_sample_s=0.25, settle_s=0.1),
    "full": Suite("full", symmetric=(6, 7), grid=512, rotations=(8, 64, 256),
                  layer_groups=("C4", "D4", "C8"), layer_sizes=(28, 64), layer_channels=(10, 32),
                  layer_dtypes=("float32", "float64"), volume_layers=(("O", 10, 10, 4), ("O", 16, 10, 8)),
                  batch=64, models=("C4", "D4"),
                  model_dtypes=("float32", "float64"), large_batch=256, builds=("C4", "D4", "C8"),
                  equivariance=("C4", "D4", "C8"), equivariance_images=8, memory=("C4", "D4"), channels=10,
                  input_size=28, rounds=15, layer_rounds=11, warmup=2, min_sample_s=0.05, settle_s=0.1),
    "smoke": Suite("smoke", symmetric=(4,), grid=16, rotations=(8, 12, 2),
                   layer_groups=("C4", "C8"), layer_sizes=(8,), layer_channels=(2,),
                   layer_dtypes=("float32", "float64"), volume_layers=(("O", 4, 1, 1),), batch=2, models=("C4",),
                   model_dtypes=("float32", "float64"),
                   large_batch=3, builds=("C4", "D4"), equivariance=("C4", "C8"), equivariance_images=1,
                   memory=("C4",), channels=2, input_size=22, rounds=2, layer_rounds=2, warmup=1,
                   min_sample_s=0.001, settle_s=0.001),
}


def get_suite(name: str) -> Suite:
    """The suite called ``name`` (``"quick"``, ``"full"`` or ``"smoke"``).

    Examples
    --------
    >>> get_suite("full").layer_sizes
    (28, 64)
    """
    if name not in SUITES:
        raise ValueError(f"unknown suite {name!r}; choose one of {sorted(SUITES)}")
    return SUITES[name]
