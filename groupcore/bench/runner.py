"""Run a suite: every workload in turn on every backend, then the JSON, the table and the plots.

Workloads run one after another in this process (never two at once); the models compared in a
workload are interleaved round by round. The result records the machine before and after
(load average, page faults), the peers (or why each was skipped), every case, the equivariance
measurements and the issue's targets, each marked met, not met, or not measured with the reason.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from .equivariance import equivariance_cases
from .peers import PeerSet
from .plots import write_plots
from ..fileio import write_json
from .report import load_average, machine, page_faults, table
from .suites import Suite
from .timing import NOISY
from .workloads import algebra_case, build_case, grid_case, layer_case, model_case, rotation_case

__all__ = ["run_suite", "targets", "noisy_notes"]


def _tasks(suite: Suite, backends: dict[str, Any], peers: PeerSet) -> list[tuple[str, Callable[[], Any]]]:
    tasks: list[tuple[str, Callable[[], Any]]] = [
        ("group construction", lambda: algebra_case(suite)),
        ("grid rotations", lambda: grid_case(suite)),
        ("interpolated rotations", lambda: rotation_case(suite)),
        ("P4CNN construction", lambda: build_case(suite, peers)),
    ]
    for be in backends.values():
        for dtype in suite.layer_dtypes:
            for g in suite.layer_groups:
                for size in suite.layer_sizes:
                    for c in suite.layer_channels:
                        for kind in ("lifting", "group"):
                            tasks.append((f"{kind} conv {g} {size} c={c} {dtype} [{be.name}]",
                                          lambda be=be, g=g, kind=kind, size=size, c=c, dtype=dtype:
                                          layer_case(suite, be, g, kind, size, c, dtype, peers)))
        batches = [suite.batch] + ([suite.large_batch] if suite.large_batch else [])
        if be.name != "numpy" and 256 not in batches:
            batches.append(256)
        for dtype in suite.model_dtypes:
            for g in suite.models:
                for b in batches:
                    tasks.append((f"P4CNN {g} batch {b} {dtype} [{be.name}]",
                                  lambda be=be, g=g, b=b, dtype=dtype: model_case(suite, be, g, dtype, b, peers)))
    return tasks


def noisy_notes(cases: list[dict[str, Any]]) -> list[str]:
    """One note per timed candidate whose max and min differ by more than 20% of its median.

    Examples
    --------
    >>> noisy_notes([{"name": "a", "timings": {"b": {"median": 1.0, "min": 0.5, "max": 2.0, "noisy": True}}}])
    ['a / b: min 0.5 s, max 2 s (spread 150% of the median > 20%: a noisy machine)']
    """
    notes = []
    for case in cases:
        for cand, t in case["timings"].items():
            if t["noisy"]:
                spread = (t["max"] - t["min"]) / t["median"]
                notes.append(f"{case['name']} / {cand}: min {t['min']:.3g} s, max {t['max']:.3g} s "
                             f"(spread {spread:.0%} of the median > {NOISY:.0%}: a noisy machine)")
    return notes


def _find(cases: list[dict[str, Any]], kind: str, backend: str = "numpy", **params: Any) -> dict[str, Any] | None:
    return next((c for c in cases if c["kind"] == kind and c["backend"] == backend
                 and all(c["params"].get(k) == v for k, v in params.items())), None)


def _target(name: str, quantity: str, op: str, bound: float, measured: float | None, detail: str) -> dict[str, Any]:
    """A target ``quantity op bound``; ``met`` is ``None`` (with ``detail`` saying why) when not measured."""
    met = None if measured is None else (measured >= bound if op == ">=" else measured <= bound)
    return {"name": name, "target": f"{quantity} {op} {bound:g}", "op": op, "bound": bound, "measured": measured,
            "met": met, "detail": detail}


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, read from a result: measured value, met or not, or why not measured."""
    cases, out = result["cases"], []
    batch = result["settings"]["batch"]
    step = _find(cases, "model", group="C4", dtype="float32", batch=batch)
    key = "train step: e2cnn P4CNN C4 / groupcore"
    if step is not None and key in step["ratios"]:
        v = step["ratios"][key]
        out.append(_target(f"P4CNN C4 training step vs e2cnn (float32, batch {batch})", "t_e2cnn / t_groupcore", ">=",
                           1.0, v, "medians of interleaved rounds"))
    else:
        why = (step or {}).get("skipped", {}).get("e2cnn", "the C4 float32 NumPy P4CNN case did not run")
        out.append(_target(f"P4CNN C4 training step vs e2cnn (float32, batch {batch})", "t_e2cnn / t_groupcore", ">=",
                           1.0, None, f"not measured: {why}"))
    build = _find(cases, "construction")
    for g in ("C4", "D4"):
        key = f"build {g}: e2cnn / groupcore"
        name = f"building the {g} P4CNN vs e2cnn"
        if build is not None and key in build["ratios"]:
            v = build["ratios"][key]
            cold = build.get("first_build_s", {})
            first = (cold.get(f"e2cnn P4CNN {g}"), cold.get(f"groupcore P4CNN {g}"))
            detail = "warm medians" + (f"; first builds {first[0] / first[1]:.1f}x" if None not in first else "")
            out.append(_target(name, "t_e2cnn / t_groupcore", ">=", 10, v, detail))
        else:
            skipped = (build or {}).get("skipped", {})
            why = skipped.get(f"e2cnn {g}") or skipped.get("e2cnn") or "not in this suite"
            out.append(_target(name, "t_e2cnn / t_groupcore", ">=", 10, None, f"not measured: {why}"))
    for rec in result["equivariance"]:
        if rec["model"].startswith("groupcore") and rec["dtype"] == "float32" and "per_element" in rec:
            v = rec["per_element"]["max_rel_nontrivial"]
            peer = next((r for r in result["equivariance"] if r["model"] == rec["model"].replace("groupcore", "e2cnn")
                         and "per_element" in r), None)
            detail = "max over the non-identity elements, relative to max |logits|" + (
                f"; e2cnn: {peer['per_element']['max_rel_nontrivial']:.2e}" if peer else "")
            out.append(_target(f"equivariance error, {rec['model']} (exact group, float32)", "relative error", "<=",
                               1e-6, v, detail))
    for case in cases:
        if case["kind"] == "layer" and case["backend"] == "numpy" and case["params"]["dtype"] == "float32":
            v = case["ratios"]["forward: fraction of roofline"]
            out.append(_target(f"{case['name']} forward vs roofline GEMM", "t_gemm / t_forward", ">=", 0.5, v,
                               "same FLOPs and dtype, interleaved"))
    gpu = _find(cases, "model", "cupy", group="C4", dtype="float32", batch=256)
    cpu = _find(cases, "model", group="C4", dtype="float32", batch=256)
    if gpu and cpu:
        v = cpu["timings"]["groupcore train step"]["median"] / gpu["timings"]["groupcore train step"]["median"]
        out.append(_target("CuPy P4CNN forward+backward, batch 256, vs NumPy", "t_numpy / t_cupy", ">=", 10, v,
                           "train step medians, same process"))
    else:
        why = result["backends_skipped"].get("cupy", "cupy not requested") if not gpu else \
            "the NumPy batch-256 case is only in the full suite"
        out.append(_target("CuPy P4CNN forward+backward, batch 256, vs NumPy", "t_numpy / t_cupy", ">=", 10, None,
                           f"not measured: {why}"))
    return out


def _target_lines(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["targets:"]
    for t in rows:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        value = "" if t["measured"] is None else f"{t['measured']:.3g} "
        lines.append(f"  {t['name']}: {value}(target {t['target']}): {verdict}; {t['detail']}")
    return lines


def run_suite(suite: Suite, backends: dict[str, Any], backends_skipped: dict[str, str], peers: PeerSet,
              out: Path, command: str, plots: bool = True, echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Run ``suite``; write ``bench-<suite>.json`` (and plots) into ``out``; return the result.

    Parameters
    ----------
    backends : dict
        Name -> :class:`groupcore.backends.Backend` to run on.
    backends_skipped : dict
        Name -> reason, for requested backends that are not usable.
    peers : PeerSet
    out : Path
        Folder of the JSON and the plots.
    command : str
        The command line, recorded in the result.
    """
    t0 = time.perf_counter()
    result: dict[str, Any] = {"command": command, "suite": suite.name, "settings": suite.__dict__.copy(),
                              "machine": machine(), "backends": sorted(backends),
                              "backends_skipped": backends_skipped,
                              "peers": peers.info, "peers_skipped": peers.skipped, "cases": []}
    for name, why in {**backends_skipped, **peers.skipped}.items():
        echo(f"skipped {name}: {why}")
    tasks = _tasks(suite, backends, peers)
    for i, (label, task) in enumerate(tasks, 1):
        echo(f"[{i}/{len(tasks)}] {label} (load {load_average()})")
        case = task()
        result["cases"].append(case)
        echo(table([case]))
    echo(f"[equivariance] per element and per angle (load {load_average()})")
    first = next(iter(backends.values()))
    result["equivariance"] = equivariance_cases(suite, first, peers)
    for rec in result["equivariance"]:
        if "skipped" in rec:
            echo(f"  {rec['model']}: skipped ({rec['skipped']})")
            continue
        per_el = rec.get("per_element")
        echo(f"  {rec['model']} {rec['dtype']}: per angle " + ", ".join(
            f"{a:g}°: {v:.1e}" for a, v in zip(rec["angles_deg"], rec["per_angle"]["rel"]))
            + (f"; own group max {per_el['max_rel_nontrivial']:.1e}" if per_el else ""))
    result["targets"] = targets(result)
    result["notes"] = noisy_notes(result["cases"])
    result["load_average_end"] = load_average()
    result["page_faults"] = page_faults()
    result["elapsed_s"] = time.perf_counter() - t0
    prefix = f"bench-{suite.name}"
    result["plots"] = write_plots(result, out, prefix) if plots else {"all": "not written: --no-plots"}
    path = write_json(out / f"{prefix}.json", result)
    echo("\n".join(_target_lines(result["targets"])))
    if result["notes"]:
        echo(f"{len(result['notes'])} noisy timings (max and min differ by > 20% of the median); see 'notes'")
    echo(f"wrote {path}; plots: " + ", ".join(f"{k}: {v}" for k, v in result["plots"].items()))
    echo(f"load average at start {result['machine']['load_average']}, at end {result['load_average_end']}; "
         f"{result['elapsed_s']:.0f} s")
    return result
