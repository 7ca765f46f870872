"""The timed workloads: algebra, rotation operators, lifted layers, the P4CNN, model construction.

Each function builds one comparison (its candidates interleaved round by round, see
:func:`~groupcore.bench.timing.interleaved`) and returns a *case*: ``name``, ``kind``,
``backend``, ``params``, ``timings`` (candidate -> median/min/max), ``flops`` (candidate ->
FLOPs, when meaningful), ``ratios`` and ``skipped`` (peer -> reason). Ratios are speed ratios,
``t_other / t_groupcore``: above 1 means groupcore is faster; against the roofline GEMM it is
the fraction of the GEMM's speed that the workload reaches. The peers' candidates run in their
own worker processes (:mod:`~groupcore.bench.peer_process`) and time themselves there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from scipy import ndimage

from ..action import Action
from ..families import dihedral, symmetric
from ..group import Group
from ..names import parse_group
from ..nn import SGD, GroupConv2d, GroupConv3d, LiftingConv2d, LiftingConv3d, Sequential, p4cnn, plain_cnn
from ..rotations import interpolated_rotations
from .peer_process import PeerError, PeerSet, RemotePeer
from .peers import equal_params_width, seeded_batch
from .roofline import conv_flops, gemm_size, shaped_gemm, square_gemm
from .suites import Suite
from .timing import Candidate, blocking, interleaved

__all__ = ["algebra_case", "grid_case", "rotation_case", "layer_case", "model_case", "build_case",
           "model_flops", "OURS", "ROOFLINE", "IM2COL"]

#: candidate-name prefix of groupcore's own workloads
OURS = "groupcore"
ROOFLINE = "roofline GEMM"
IM2COL = "im2col-shaped GEMM"


def _case(name: str, kind: str, timings: dict[str, Any], **extra: Any) -> dict[str, Any]:
    case = {"name": name, "kind": kind, "backend": extra.pop("backend", "numpy"), "params": extra.pop("params", {}),
            "timings": timings, "flops": extra.pop("flops", {}), "ratios": extra.pop("ratios", {}),
            "skipped": extra.pop("skipped", {})}
    case.update(extra)
    return case


def _ratio(timings: dict[str, Any], other: str, ours: str, scale: float = 1.0) -> float:
    return scale * timings[other]["median"] / timings[ours]["median"]


def _time(suite: Suite, candidates: Mapping[str, Candidate], rounds: int | None = None,
          warmup: int | None = None) -> dict[str, Any]:
    return interleaved(candidates, rounds=suite.rounds if rounds is None else rounds,
                       warmup=suite.warmup if warmup is None else warmup, min_sample_s=suite.min_sample_s,
                       settle_s=suite.settle_s)


def _peers(peers: PeerSet, library: str, specs: dict[str, dict[str, Any]],
           skipped: dict[str, str]) -> dict[str, RemotePeer]:
    """Build each spec in ``library``'s worker; a peer that cannot be built is skipped with the reason."""
    built = {}
    for label, spec in specs.items():
        try:
            built[label] = peers.model(library, spec)
        except PeerError as err:
            skipped[label if peers.available(library) else library] = str(err)
    return built


def _drop(models: dict[str, RemotePeer]) -> None:
    for peer in models.values():
        peer.drop()


# ----------------------------------------------------------------------------- algebra
def algebra_case(suite: Suite) -> dict[str, Any]:
    """``symmetric(n)`` built and its table validated (group axioms), for each n of the suite.

    Examples
    --------
    >>> from groupcore.bench.suites import get_suite
    >>> sorted(algebra_case(get_suite("smoke"))["timings"])
    ['symmetric(4) build+validate']
    """
    cands = {f"symmetric({n}) build+validate": (lambda n=n: Group.from_table(symmetric(n).table))
             for n in suite.symmetric}
    return _case("group construction and validation", "algebra",
                 _time(suite, cands, rounds=min(suite.rounds, 3)),
                 params={"orders": {f"S{n}": int(np.prod(np.arange(1, n + 1))) for n in suite.symmetric}})


def grid_case(suite: Suite) -> dict[str, Any]:
    """The exact pixel-permutation action of D4 on a square grid (``Action.on_grid``)."""
    s = suite.grid
    cands = {f"on_grid(D4, {s}x{s})": lambda: Action.on_grid(dihedral(4), (s, s))}
    return _case("grid rotation operators", "rotations", _time(suite, cands),
                 params={"grid": s})


def rotation_case(suite: Suite) -> dict[str, Any]:
    """Interpolated C_N: building the operators, and one 360/N° element on a float32 batch.

    ``scipy.ndimage.rotate`` (same order, same boundary, no disk mask) runs side by side.
    """
    n, size, batch = suite.rotations
    G = parse_group(f"C{n}")
    act = interpolated_rotations(G, (size, size), order=1, mask=None)
    x = np.random.default_rng(0).standard_normal((batch, size, size)).astype(np.float32)
    angle = 360.0 / n
    cands = {
        f"{OURS} build C{n} {size}x{size} (order 1)": lambda: interpolated_rotations(G, (size, size), order=1),
        f"{OURS} apply {angle:g}°": lambda: act.apply(1, x),
        "scipy.ndimage.rotate": lambda: ndimage.rotate(x, angle, axes=(1, 2), reshape=False, order=1),
    }
    t = _time(suite, cands)
    diff = float(np.abs(act.apply(1, x).astype(np.float64) - cands["scipy.ndimage.rotate"]()).max())
    return _case("interpolated rotation operators", "rotations", t,
                 params={"N": n, "size": size, "batch": batch, "dtype": "float32", "order": 1},
                 ratios={"apply: scipy.ndimage.rotate / groupcore": _ratio(t, "scipy.ndimage.rotate",
                                                                           f"{OURS} apply {angle:g}°")},
                 max_abs_diff_vs_scipy=diff)


# ----------------------------------------------------------------------------- layers
_LAYERS = {2: (LiftingConv2d, GroupConv2d), 3: (LiftingConv3d, GroupConv3d)}


def layer_case(suite: Suite, backend: Any, group: str, kind: str, size: int, channels: int, dtype: str,
               peers: PeerSet, ndim: int = 2, batch: int | None = None) -> dict[str, Any]:
    """``LiftingConv2d/3d`` (``kind="lifting"``) or ``GroupConv2d/3d`` (``"group"``), diagonal frame.

    Forward and forward+backward next to the roofline GEMM of the forward's FLOPs, the GEMM of
    the layer's own im2col shape (``B·prod(S') × C·3^d × O·|G|``) and, on NumPy with the torch
    peer, ``torch.nn.Conv2d/3d`` with the same expanded channels. ``batch`` defaults to the
    suite's.
    """
    G = parse_group(group)
    n, B, c = G.order, suite.batch if batch is None else batch, channels
    rng = np.random.default_rng(0)
    lifting, grouped = _LAYERS[ndim]
    grid, ho = (size,) * ndim, size - 2
    shape: tuple[int, ...]
    if kind == "lifting":
        layer: Any = lifting(G, 1, c, 3, frame="diagonal", seed=0)
        shape, c_in, needs_gx = (B, 1) + grid, 1, False
    else:
        layer = grouped(G, c, c, 3, frame="diagonal", seed=0)
        shape, c_in, needs_gx = (B, c, n) + grid, c * n, True
    layer = layer.to(backend, dtype)
    layer.needs_input_grad = needs_gx
    x = backend.asarray(rng.standard_normal(shape), dtype=dtype)
    gy = backend.asarray(np.ones((B, c, n) + (ho,) * ndim), dtype=dtype)
    fwd = conv_flops(B, c_in, c * n, 3, *(ho,) * ndim)
    fb = fwd * (3 if needs_gx else 2)
    fwd_name, fb_name = f"{OURS} forward", f"{OURS} forward+backward"
    im2col = (B * ho ** ndim, c_in * 3 ** ndim, c * n)
    cands: dict[str, Candidate] = {
        fwd_name: blocking(lambda: layer.forward(x), backend),
        fb_name: blocking(lambda: (layer.forward(x), layer.backward(gy)), backend),
        ROOFLINE: blocking(square_gemm(fwd, dtype, backend), backend),
        IM2COL: blocking(shaped_gemm(*im2col, dtype, backend), backend)}
    flops = {fwd_name: fwd, fb_name: fb, ROOFLINE: 2.0 * gemm_size(fwd) ** 3, IM2COL: fwd}
    skipped: dict[str, str] = {}
    torch = {}
    title = type(layer).__name__
    peer_name = f"torch Conv{ndim}d"
    if backend.name == "numpy":
        spec = {"kind": "conv", "c_in": c_in, "c_out": c * n, "kernel": 3, "size": size, "batch": B,
                "dtype": dtype, "input_grad": needs_gx, "ndim": ndim}
        torch = _peers(peers, "torch", {peer_name: spec}, skipped)
    else:
        skipped["torch"] = f"CPU peer; not compared on {backend.name}"
    for label, peer in torch.items():
        for what, cand in peer.candidates.items():
            cands[f"{label} {what}"] = cand
            flops[f"{label} {what}"] = fwd if what == "forward" else fb
    t = _time(suite, cands, rounds=suite.layer_rounds)
    _drop(torch)
    ratios = {"forward: fraction of roofline": _ratio(t, ROOFLINE, fwd_name),
              "forward+backward: fraction of roofline": _ratio(t, ROOFLINE, fb_name, fb / fwd),
              "forward: fraction of its im2col GEMM": _ratio(t, IM2COL, fwd_name)}
    if torch:
        ratios["forward: torch / groupcore"] = _ratio(t, f"{peer_name} forward", fwd_name)
        ratios["forward+backward: torch / groupcore"] = _ratio(t, f"{peer_name} forward+backward", fb_name)
    side = "x".join([str(size)] * ndim)
    return _case(f"{title} {group} {side} c={c} {dtype} [{backend.name}]", "layer", t, backend=backend.name,
                 params={"layer": title, "group": group, "order": n, "size": size, "ndim": ndim,
                         "channels_per_element": c, "dtype": dtype, "batch": B, "frame": "diagonal",
                         "in_channels_expanded": c_in, "out_channels_expanded": c * n,
                         "im2col_gemm_mkn": list(im2col)},
                 flops=flops, ratios=ratios, skipped=skipped)


# ----------------------------------------------------------------------------- P4CNN
def model_flops(model: Sequential, x: Any) -> tuple[float, float]:
    """Convolution FLOPs of a forward pass and of a training step (no input gradient of layer 1).

    FLOPs are linear in the batch: a batch of one times ``B`` is the cheap way to count them.

    Examples
    --------
    >>> import groupcore as gc
    >>> from groupcore import nn
    >>> fwd, step = model_flops(nn.p4cnn(gc.cyclic(4)), np.zeros((1, 1, 28, 28), np.float32))
    >>> round(64 * fwd / 1e9, 2)
    1.49
    """
    fwd = step = 0.0
    h = x
    for i, layer in enumerate(model):
        out = layer.forward(h)
        k = getattr(layer, "kernel_size", None)
        if k is not None:
            c_in = h.shape[1] * (h.shape[2] if h.ndim == 5 else 1)
            c_out = out.shape[1] * (out.shape[2] if out.ndim == 5 else 1)
            f = conv_flops(h.shape[0], c_in, c_out, k, out.shape[-2], out.shape[-1])
            fwd += f
            step += f * (2 if i == 0 else 3)
        h = out
    return fwd, step


def model_case(suite: Suite, backend: Any, group: str, dtype: str, batch: int, peers: PeerSet) -> dict[str, Any]:
    """The P4CNN forward and training step (SGD, momentum 0.9) with the roofline and the peers.

    Peers (NumPy backend only): torch plain CNNs of equal FLOPs (``channels·|G|`` wide) and of
    equal parameters, and e2cnn's P4CNN for C4/D4, each on the same seeded batch.
    """
    G = parse_group(group)
    xh, yh = seeded_batch(batch, suite.input_size, dtype)
    model = p4cnn(G, channels=suite.channels, input_size=suite.input_size).to(backend, dtype)
    x = backend.asarray(xh, dtype=dtype)
    one = np.zeros((1, 1, suite.input_size, suite.input_size), np.float32)
    fwd, step = (batch * f for f in model_flops(p4cnn(G, channels=suite.channels, input_size=suite.input_size), one))
    opt = SGD(lr=0.01, momentum=0.9)
    f_name, s_name = f"{OURS} forward", f"{OURS} train step"
    cands: dict[str, Candidate] = {
        f_name: blocking(lambda: model.forward(x), backend),
        s_name: lambda: model.train_step(xh, yh, opt),
        ROOFLINE: blocking(square_gemm(fwd, dtype, backend), backend)}
    flops = {f_name: fwd, s_name: step, ROOFLINE: 2.0 * gemm_size(fwd) ** 3}
    skipped: dict[str, str] = {}
    widths = {"equal FLOPs": suite.channels * G.order,
              "equal params": equal_params_width(model.num_params, suite.input_size)}
    data = {"input_size": suite.input_size, "batch": batch, "dtype": dtype}
    remote: dict[str, RemotePeer] = {}
    if backend.name == "numpy":
        remote.update(_peers(peers, "torch", {f"torch plain CNN ({label}, {w} ch)": {"kind": "plain_cnn", "width": w,
                                                                                       **data}
                                              for label, w in widths.items()}, skipped))
        if group in ("C4", "D4"):
            remote.update(_peers(peers, "e2cnn", {f"e2cnn P4CNN {group}": {"kind": "e2cnn_p4cnn", "group": group,
                                                                           "channels": suite.channels, **data}},
                                 skipped))
    else:
        skipped["torch"] = skipped["e2cnn"] = f"CPU peer; not compared on {backend.name}"
    for label, peer in remote.items():
        cands[f"{label} forward"], cands[f"{label} train step"] = (peer.candidates["forward"],
                                                                   peer.candidates["train step"])
        width = next((w for k, w in widths.items() if label.startswith(f"torch plain CNN ({k}")), None)
        if width is not None:
            pf, ps = model_flops(plain_cnn(channels=width, input_size=suite.input_size), one)
            flops[f"{label} forward"], flops[f"{label} train step"] = pf * batch, ps * batch
    t = _time(suite, cands, warmup=max(suite.warmup, 1))
    _drop(remote)
    ratios = {"forward: fraction of roofline": _ratio(t, ROOFLINE, f_name),
              "train step: fraction of roofline": _ratio(t, ROOFLINE, s_name, step / fwd)}
    for label in remote:
        ratios[f"forward: {label} / groupcore"] = _ratio(t, f"{label} forward", f_name)
        ratios[f"train step: {label} / groupcore"] = _ratio(t, f"{label} train step", s_name)
    return _case(f"P4CNN {group} batch {batch} {dtype} [{backend.name}]", "model", t, backend=backend.name,
                 params={"group": group, "order": G.order, "channels_per_element": suite.channels,
                         "input_size": suite.input_size, "batch": batch, "dtype": dtype, "frame": "diagonal",
                         "num_params": model.num_params,
                         "peer_params": {k: v.num_params for k, v in remote.items()},
                         "e2cnn_forward": "evaluation mode (cached filters), no autograd"},
                 flops=flops, ratios=ratios, skipped=skipped)


# ----------------------------------------------------------------------------- construction
def _p4cnn_build(suite: Suite, g: str) -> Callable[[], Any]:
    """What is timed: parsing the group's name and building the suite's P4CNN for it."""
    return lambda: p4cnn(parse_group(g), channels=suite.channels, input_size=suite.input_size)


def build_case(suite: Suite, peers: PeerSet) -> dict[str, Any]:
    """Building whole P4CNNs (every index tensor) for the suite's groups, and e2cnn's C4/D4.

    The first build of each (cold: caches empty) is timed on its own (e2cnn's in its worker),
    then the builds are interleaved round by round (warm).
    """
    ours: dict[str, Callable[[], Any]] = {f"{OURS} P4CNN {g}": _p4cnn_build(suite, g) for g in suite.builds}
    skipped: dict[str, str] = {}
    cold: dict[str, float] = {}
    for name, fn in ours.items():
        t0 = time.perf_counter()
        fn()
        cold[name] = time.perf_counter() - t0
    cands: dict[str, Candidate] = dict(ours)
    specs = {f"e2cnn P4CNN {g}": {"kind": "e2cnn_build", "group": g, "channels": suite.channels,
                                  "input_size": suite.input_size} for g in ("C4", "D4") if g in suite.builds}
    remote = _peers(peers, "e2cnn", specs, skipped)
    for label, peer in remote.items():
        cands[label] = peer.candidates["build"]
        cold[label] = peer.info["first_build_s"]
    t = _time(suite, cands, warmup=0)
    _drop(remote)
    ratios = {f"build {g}: e2cnn / groupcore": _ratio(t, f"e2cnn P4CNN {g}", f"{OURS} P4CNN {g}")
              for g in ("C4", "D4") if f"e2cnn P4CNN {g}" in t and f"{OURS} P4CNN {g}" in t}
    return _case("P4CNN construction (index tensors)", "construction", t,
                 params={"channels_per_element": suite.channels, "input_size": suite.input_size},
                 ratios=ratios, skipped=skipped, first_build_s=cold)
