"""The timed workloads: algebra, rotation operators, lifted layers, the P4CNN, model construction.

Each function builds one comparison (its candidates interleaved round by round, see
:func:`~groupcore.bench.timing.interleaved`) and returns a *case*: ``name``, ``kind``,
``backend``, ``params``, ``timings`` (candidate -> median/min/max), ``flops`` (candidate ->
FLOPs, when meaningful), ``ratios`` and ``skipped`` (peer -> reason). Ratios are speed ratios,
``t_other / t_groupcore``: above 1 means groupcore is faster; against the roofline GEMM it is
the fraction of the GEMM's speed that the workload reaches.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np
from scipy import ndimage

from ..action import Action
from ..families import dihedral, symmetric
from ..group import Group
from ..names import parse_group
from ..nn import SGD, GroupConv2d, LiftingConv2d, Sequential, p4cnn, plain_cnn
from ..rotations import interpolated_rotations
from .peers import PeerSet, TorchModel, e2cnn_p4cnn, equal_params_width, torch_conv, torch_plain_cnn
from .roofline import conv_flops, gemm_size, square_gemm
from .suites import Suite
from .timing import blocking, interleaved

__all__ = ["algebra_case", "grid_case", "rotation_case", "layer_case", "model_case", "build_case",
           "model_flops", "OURS"]

#: candidate-name prefix of groupcore's own workloads
OURS = "groupcore"
ROOFLINE = "roofline GEMM"


def _case(name: str, kind: str, timings: dict[str, Any], **extra: Any) -> dict[str, Any]:
    case = {"name": name, "kind": kind, "backend": extra.pop("backend", "numpy"), "params": extra.pop("params", {}),
            "timings": timings, "flops": extra.pop("flops", {}), "ratios": extra.pop("ratios", {}),
            "skipped": extra.pop("skipped", {})}
    case.update(extra)
    return case


def _ratio(timings: dict[str, Any], other: str, ours: str, scale: float = 1.0) -> float:
    return scale * timings[other]["median"] / timings[ours]["median"]


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
                 interleaved(cands, rounds=min(suite.rounds, 3), warmup=suite.warmup),
                 params={"orders": {f"S{n}": int(np.prod(np.arange(1, n + 1))) for n in suite.symmetric}})


def grid_case(suite: Suite) -> dict[str, Any]:
    """The exact pixel-permutation action of D4 on a square grid (``Action.on_grid``)."""
    s = suite.grid
    cands = {f"on_grid(D4, {s}x{s})": lambda: Action.on_grid(dihedral(4), (s, s))}
    return _case("grid rotation operators", "rotations", interleaved(cands, rounds=suite.rounds, warmup=suite.warmup),
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
    t = interleaved(cands, rounds=suite.rounds, warmup=suite.warmup)
    diff = float(np.abs(act.apply(1, x).astype(np.float64) - cands["scipy.ndimage.rotate"]()).max())
    return _case("interpolated rotation operators", "rotations", t,
                 params={"N": n, "size": size, "batch": batch, "dtype": "float32", "order": 1},
                 ratios={"apply: scipy.ndimage.rotate / groupcore": _ratio(t, "scipy.ndimage.rotate",
                                                                           f"{OURS} apply {angle:g}°")},
                 max_abs_diff_vs_scipy=diff)


# ----------------------------------------------------------------------------- layers
def layer_case(suite: Suite, backend: Any, group: str, kind: str, size: int, channels: int, dtype: str,
               peers: PeerSet) -> dict[str, Any]:
    """``LiftingConv2d`` (``kind="lifting"``) or ``GroupConv2d`` (``"group"``), diagonal frame.

    Forward and forward+backward next to the roofline GEMM of the forward's FLOPs and, on
    NumPy with the torch peer, ``torch.nn.Conv2d`` with the same expanded channels.
    """
    G = parse_group(group)
    n, B, c = G.order, suite.batch, channels
    rng = np.random.default_rng(0)
    if kind == "lifting":
        layer: Any = LiftingConv2d(G, 1, c, 3, frame="diagonal", seed=0)
        shape, c_in, needs_gx = (B, 1, size, size), 1, False
    else:
        layer = GroupConv2d(G, c, c, 3, frame="diagonal", seed=0)
        shape, c_in, needs_gx = (B, c, n, size, size), c * n, True
    layer = layer.to(backend, dtype)
    layer.needs_input_grad = needs_gx
    x = backend.asarray(rng.standard_normal(shape), dtype=dtype)
    ho = size - 2
    gy = backend.asarray(np.ones((B, c, n, ho, ho)), dtype=dtype)
    fwd = conv_flops(B, c_in, c * n, 3, ho, ho)
    fb = fwd * (3 if needs_gx else 2)
    fwd_name, fb_name = f"{OURS} forward", f"{OURS} forward+backward"
    cands: dict[str, Callable[[], Any]] = {
        fwd_name: blocking(lambda: layer.forward(x), backend),
        fb_name: blocking(lambda: (layer.forward(x), layer.backward(gy)), backend),
        ROOFLINE: blocking(square_gemm(fwd, dtype, backend), backend)}
    skipped = {}
    torch = peers.torch if backend.name == "numpy" else None
    if torch is not None:
        conv = torch_conv(torch, c_in, c * n, 3, dtype)
        tx = torch.from_numpy(np.asarray(x).reshape(B, c_in, size, size).copy()).requires_grad_(needs_gx)
        tgy = torch.ones((B, c * n, ho, ho), dtype=getattr(torch, dtype))

        def torch_fb() -> None:
            conv.zero_grad(set_to_none=True)
            tx.grad = None
            conv(tx).backward(tgy)

        def torch_fwd() -> Any:
            with torch.no_grad():
                return conv(tx)

        cands["torch Conv2d forward"], cands["torch Conv2d forward+backward"] = torch_fwd, torch_fb
    else:
        skipped["torch"] = peers.skipped.get("torch", f"CPU peer; not compared on {backend.name}")
    t = interleaved(cands, rounds=suite.layer_rounds, warmup=suite.warmup)
    flops = {fwd_name: fwd, fb_name: fb, ROOFLINE: 2.0 * gemm_size(fwd) ** 3}
    ratios = {"forward: fraction of roofline": _ratio(t, ROOFLINE, fwd_name),
              "forward+backward: fraction of roofline": _ratio(t, ROOFLINE, fb_name, fb / fwd)}
    if torch is not None:
        flops.update({"torch Conv2d forward": fwd, "torch Conv2d forward+backward": fb})
        ratios["forward: torch / groupcore"] = _ratio(t, "torch Conv2d forward", fwd_name)
        ratios["forward+backward: torch / groupcore"] = _ratio(t, "torch Conv2d forward+backward", fb_name)
    title = "LiftingConv2d" if kind == "lifting" else "GroupConv2d"
    return _case(f"{title} {group} {size}x{size} c={c} {dtype} [{backend.name}]", "layer", t, backend=backend.name,
                 params={"layer": title, "group": group, "order": n, "size": size, "channels_per_element": c,
                         "dtype": dtype, "batch": B, "frame": "diagonal", "in_channels_expanded": c_in,
                         "out_channels_expanded": c * n}, flops=flops, ratios=ratios, skipped=skipped)


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
    equal parameters, and e2cnn's P4CNN for C4/D4.
    """
    G = parse_group(group)
    rng = np.random.default_rng(0)
    xh = rng.standard_normal((batch, 1, suite.input_size, suite.input_size)).astype(dtype)
    yh = rng.integers(0, 10, batch)
    model = p4cnn(G, channels=suite.channels, input_size=suite.input_size).to(backend, dtype)
    x = backend.asarray(xh, dtype=dtype)
    one = np.zeros((1, 1, suite.input_size, suite.input_size), np.float32)
    fwd, step = (batch * f for f in model_flops(p4cnn(G, channels=suite.channels, input_size=suite.input_size), one))
    opt = SGD(lr=0.01, momentum=0.9)
    f_name, s_name = f"{OURS} forward", f"{OURS} train step"
    cands: dict[str, Callable[[], Any]] = {
        f_name: blocking(lambda: model.forward(x), backend),
        s_name: lambda: model.train_step(xh, yh, opt),
        ROOFLINE: blocking(square_gemm(fwd, dtype, backend), backend)}
    flops = {f_name: fwd, s_name: step, ROOFLINE: 2.0 * gemm_size(fwd) ** 3}
    skipped: dict[str, str] = {}
    widths = {"equal FLOPs": suite.channels * G.order,
              "equal params": equal_params_width(model.num_params, suite.input_size)}
    peer_models: dict[str, TorchModel] = {}
    torch = peers.torch if backend.name == "numpy" else None
    if torch is not None:
        for label, width in widths.items():
            peer_models[f"torch plain CNN ({label}, {width} ch)"] = TorchModel(
                torch, torch_plain_cnn(torch, width, suite.input_size), xh, yh, dtype)
    else:
        skipped["torch"] = peers.skipped.get("torch", f"CPU peer; not compared on {backend.name}")
    if peers.e2cnn is not None and backend.name == "numpy":
        try:
            module, fin = e2cnn_p4cnn(peers.e2cnn, group, suite.channels, suite.input_size)
            peer_models[f"e2cnn P4CNN {group}"] = TorchModel(
                torch, module, xh, yh, dtype, wrap=lambda t: peers.e2cnn.nn.GeometricTensor(t, fin))
        except Exception as err:  # noqa: BLE001 - the peer is skipped with the reason, the run goes on
            skipped["e2cnn"] = f"e2cnn could not build the {group} P4CNN: {type(err).__name__}: {err}"
    else:
        skipped["e2cnn"] = peers.skipped.get("e2cnn", f"CPU peer; not compared on {backend.name}")
    for label, pm in peer_models.items():
        cands[f"{label} forward"], cands[f"{label} train step"] = pm.forward, pm.train_step
        width = next((w for k, w in widths.items() if label.startswith(f"torch plain CNN ({k}")), None)
        if width is not None:
            pf, ps = model_flops(plain_cnn(channels=width, input_size=suite.input_size), one)
            flops[f"{label} forward"], flops[f"{label} train step"] = pf * batch, ps * batch
    t = interleaved(cands, rounds=suite.rounds, warmup=max(suite.warmup, 1))
    ratios = {"forward: fraction of roofline": _ratio(t, ROOFLINE, f_name),
              "train step: fraction of roofline": _ratio(t, ROOFLINE, s_name, step / fwd)}
    for label in peer_models:
        ratios[f"forward: {label} / groupcore"] = _ratio(t, f"{label} forward", f_name)
        ratios[f"train step: {label} / groupcore"] = _ratio(t, f"{label} train step", s_name)
    return _case(f"P4CNN {group} batch {batch} {dtype} [{backend.name}]", "model", t, backend=backend.name,
                 params={"group": group, "order": G.order, "channels_per_element": suite.channels,
                         "input_size": suite.input_size, "batch": batch, "dtype": dtype, "frame": "diagonal",
                         "num_params": model.num_params,
                         "peer_params": {k: v.num_params for k, v in peer_models.items()},
                         "e2cnn_forward": "evaluation mode (cached filters), no autograd"},
                 flops=flops, ratios=ratios, skipped=skipped)


# ----------------------------------------------------------------------------- construction
def build_case(suite: Suite, peers: PeerSet) -> dict[str, Any]:
    """Building whole P4CNNs (every index tensor) for the suite's groups, and e2cnn's C4/D4.

    The first build of each (cold: caches empty) is timed on its own, then the builds are
    interleaved round by round (warm).
    """
    cands: dict[str, Callable[[], Any]] = {
        f"{OURS} P4CNN {g}": (lambda g=g: p4cnn(parse_group(g), channels=suite.channels,
                                                 input_size=suite.input_size))
        for g in suite.builds}
    skipped: dict[str, str] = {}
    cold: dict[str, float] = {}
    for name, fn in cands.items():
        t0 = time.perf_counter()
        fn()
        cold[name] = time.perf_counter() - t0
    if peers.e2cnn is not None:
        for g in ("C4", "D4"):
            if g not in suite.builds:
                continue
            build = (lambda g=g: e2cnn_p4cnn(peers.e2cnn, g, suite.channels, suite.input_size))
            t0 = time.perf_counter()
            try:
                build()
                cold[f"e2cnn P4CNN {g}"] = time.perf_counter() - t0
            except Exception as err:  # noqa: BLE001
                skipped[f"e2cnn {g}"] = f"e2cnn could not build the {g} P4CNN: {type(err).__name__}: {err}"
                continue
            cands[f"e2cnn P4CNN {g}"] = build
    else:
        skipped["e2cnn"] = peers.skipped.get("e2cnn", "not installed")
    t = interleaved(cands, rounds=suite.rounds, warmup=0)
    ratios = {f"build {g}: e2cnn / groupcore": _ratio(t, f"e2cnn P4CNN {g}", f"{OURS} P4CNN {g}")
              for g in ("C4", "D4") if f"e2cnn P4CNN {g}" in t and f"{OURS} P4CNN {g}" in t}
    return _case("P4CNN construction (index tensors)", "construction", t,
                 params={"channels_per_element": suite.channels, "input_size": suite.input_size},
                 ratios=ratios, skipped=skipped, first_build_s=cold)
