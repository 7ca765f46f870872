"""Equivariance error of whole networks: per group element (exact groups) and per angle.

Every model here ends in class logits that should be *invariant*: for an input rotated by ``g``
the error is ``max|f(g·x) − f(x)| / max|f(x)|`` (:func:`groupcore.proofs.equivariance_error`
with the trivial action on the output). Per element: the model's own group acting exactly (rot90
and flips). Per angle: C8 acting by interpolated rotations (every 45°) on smooth images that
vanish near the rim of the disk, so the 90° elements stay exact pixel permutations and the 45°
ones only interpolate. The same inputs and operators serve groupcore and the peers: a peer's
worker process computes its record with the same :func:`model_record`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..defect import smooth_images
from ..families import cyclic
from ..grid_action import GridAction
from ..group import Group
from ..names import parse_group
from ..nn import p4cnn
from ..proofs import equivariance_error
from .peer_process import PeerError, PeerSet
from .suites import Suite

__all__ = ["Invariant", "tapered_images", "invariance_error", "model_record", "equivariance_cases", "ANGLES"]

#: the group whose elements give the per-angle curve (every 45°)
ANGLES = 8


class Invariant:
    """The trivial action of ``group`` (on invariant outputs such as class logits).

    Examples
    --------
    >>> import groupcore as gc
    >>> Invariant(gc.cyclic(4)).apply(3, np.ones(2)).tolist()
    [1.0, 1.0]
    """

    def __init__(self, group: Group) -> None:
        self.group = group

    def apply(self, g: int, x: Any, axis: int | None = None) -> Any:
        return x


def tapered_images(size: int, count: int = 4, margin: float = 2.0, radius: float | None = None,
                   seed: int = 0) -> np.ndarray:
    """Seeded smooth ``(count, size, size)`` images times a cos² window vanishing ``margin`` px inside the disk.

    The disk has ``radius`` (default ``(size − 1)/2``); rotating such an image by any angle loses
    nothing off the grid, so an interpolated rotation's error is interpolation error alone.

    Examples
    --------
    >>> x = tapered_images(28, count=2)
    >>> x.shape, float(abs(x[:, 0, 0]).max())
    ((2, 28, 28), 0.0)
    """
    radius = (size - 1) / 2 if radius is None else float(radius)
    r, c = np.indices((size, size)) - (size - 1) / 2
    rho = np.hypot(r, c) / max(radius - margin, 1.0)
    window = np.where(rho < 1, np.cos(np.pi / 2 * np.minimum(rho, 1)) ** 2, 0.0)
    return smooth_images((size, size), count=count, seed=seed) * window


def invariance_error(f: Callable[[np.ndarray], np.ndarray], group: Group, x: np.ndarray) -> dict[str, Any]:
    """Relative invariance error of ``f`` (NumPy in, NumPy out) for every element of ``group``.

    ``group`` acts on the images ``x`` (``(B, 1, H, W)``) through :class:`groupcore.grid.GridAction`.

    Examples
    --------
    >>> import groupcore as gc
    >>> err = invariance_error(lambda x: x.sum(axis=(1, 2, 3)), gc.cyclic(4), tapered_images(8)[:, None])
    >>> err["max_rel"] < 1e-12, len(err["rel"])
    (True, 4)
    """
    err = equivariance_error(f, GridAction(group), Invariant(group), [x])
    return {"group": group.name, "rel": err["rel"].tolist(), "abs": err["abs"].tolist(),
            "max_rel": err["max_rel"], "max_rel_nontrivial": float(np.max(err["rel"][1:], initial=0.0)),
            "scale": err["scale"], "dtype": err["dtype"]}


def model_record(model: str, f: Callable[[np.ndarray], np.ndarray], dtype: str, group: str | None,
                 source: str, size: int, count: int) -> dict[str, Any]:
    """The equivariance record of one model: per angle (C8 on the input) and, for an exact group, per element.

    ``f`` maps ``(B, 1, size, size)`` images of ``dtype`` (NumPy) to logits; the inputs are
    ``count`` :func:`tapered_images`.

    Examples
    --------
    >>> rec = model_record("sum", lambda x: x.sum(axis=(1, 2, 3)), "float64", "C4", "numpy", 8, 1)
    >>> rec["angles_deg"][:3], len(rec["per_element"]["rel"]), rec["per_element"]["max_rel"] < 1e-12
    ([0.0, 45.0, 90.0], 4, True)
    """
    x = tapered_images(size, count=count)[:, None].astype(dtype)
    rec: dict[str, Any] = {"model": model, "dtype": dtype, "backend": source,
                           "angles_deg": [360.0 * k / ANGLES for k in range(ANGLES)],
                           "per_angle": invariance_error(f, cyclic(ANGLES), x)}
    if group is not None and GridAction(parse_group(group)).is_exact:
        rec["per_element"] = invariance_error(f, parse_group(group), x)
    return rec


def _ours(backend: Any, model: Any, dtype: str) -> Callable[[np.ndarray], np.ndarray]:
    model.eval()
    return lambda x: backend.to_numpy(model.forward(backend.asarray(x, dtype=dtype)))


def _peer_record(peers: PeerSet, library: str, model: str, spec: dict[str, Any], group: str | None,
                 suite: Suite) -> dict[str, Any]:
    try:
        with peers.model(library, spec) as peer:
            return peer.invariance(model, "float32", group, suite.input_size, suite.equivariance_images)
    except PeerError as err:                         # reported, not hidden
        return {"model": model, "skipped": str(err)}


def equivariance_cases(suite: Suite, backend: Any, peers: PeerSet) -> list[dict[str, Any]]:
    """Per-element and per-angle errors of the P4CNNs (float32; float64 too for exact groups) and peers.

    Returns one record per model: ``model``, ``dtype``, ``backend``, ``per_element`` (its own
    group, when that acts exactly), ``per_angle`` (C8 on the input, angles in degrees); a peer
    that could not run gives ``model`` and ``skipped`` (the reason).
    """
    size, count = suite.input_size, suite.equivariance_images
    records: list[dict[str, Any]] = []
    for g in suite.equivariance:
        G = parse_group(g)
        dtypes = ("float32", "float64") if GridAction(G).is_exact else ("float32",)
        for dtype in dtypes:
            model = p4cnn(G, channels=suite.channels, input_size=size).to(backend, dtype)
            records.append(model_record(f"groupcore P4CNN {g}", _ours(backend, model, dtype), dtype, g,
                                        backend.name, size, count))
    one = {"input_size": size, "batch": 1, "dtype": "float32"}
    if peers.available("e2cnn"):
        for g in ("C4", "D4"):
            if g in suite.equivariance:
                spec = {"kind": "e2cnn_p4cnn", "group": g, "channels": suite.channels, **one}
                records.append(_peer_record(peers, "e2cnn", f"e2cnn P4CNN {g}", spec, g, suite))
    if peers.available("torch"):
        width = suite.channels * 4
        spec = {"kind": "plain_cnn", "width": width, **one}
        records.append(_peer_record(peers, "torch", f"torch plain CNN ({width} ch)", spec, "C4", suite))
    return records
