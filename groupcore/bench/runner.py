"""Run a suite: every workload in turn on every backend, then the JSON, the table and the plots.

Workloads run one after another (never two at once); the models compared in a workload are
interleaved round by round, ours in this process and each peer library in its own worker. The
result records the machine before and after (load average, page faults), the peers (or why each
was skipped), every case, the equivariance measurements, and every target of the targets file
(:mod:`~groupcore.bench.targets`), each met, not met, or not measured with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from ..fileio import write_json
from .equivariance import equivariance_cases
from .memory import memory_case
from .peer_process import PeerSet
from .plots import write_plots
from .report import load_average, machine, page_faults, table
from .suites import Suite
from .targets import judge
from .timing import NOISY
from .workloads import OURS, algebra_case, build_case, grid_case, layer_case, model_case, rotation_case

__all__ = ["run_suite", "cross_backend_ratios", "noisy_notes"]


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
                                          partial(layer_case, suite, be, g, kind, size, c, dtype, peers)))
            for g, size, c, b in suite.volume_layers:
                tasks.append((f"group conv 3-d {g} {size} c={c} batch {b} {dtype} [{be.name}]",
                              partial(layer_case, suite, be, g, "group", size, c, dtype, peers, 3, b)))
        batches = [suite.batch] + ([suite.large_batch] if suite.large_batch else [])
        if be.name != "numpy" and 256 not in batches:
            batches.append(256)
        for dtype in suite.model_dtypes:
            for g in suite.models:
                for b in batches:
                    tasks.append((f"P4CNN {g} batch {b} {dtype} [{be.name}]",
                                  partial(model_case, suite, be, g, dtype, b, peers)))
        if be.name == "numpy":
            for g in suite.memory:
                tasks.append((f"P4CNN {g} training-step memory [{be.name}]", partial(memory_case, suite, be, g)))
    return tasks


def noisy_notes(cases: list[dict[str, Any]]) -> list[str]:
    """One note per timed candidate flagged noisy (:func:`~groupcore.bench.timing.spread`).

    Examples
    --------
    >>> noisy_notes([{"name": "a", "timings": {"b": {"median": 1.0, "min": 0.5, "max": 2.0, "noisy": True}}}])
    ['a / b: median 1 s, min 0.5 s, max 2 s (its central 80% spreads over > 20% of the median: a noisy machine)']
    """
    notes = []
    for case in cases:
        for cand, t in case["timings"].items():
            if t["noisy"]:
                notes.append(f"{case['name']} / {cand}: median {t['median']:.3g} s, min {t['min']:.3g} s, "
                             f"max {t['max']:.3g} s (its central 80% spreads over > {NOISY:.0%} of the median: "
                             f"a noisy machine)")
    return notes


def cross_backend_ratios(cases: list[dict[str, Any]]) -> None:
    """Add to each non-NumPy case the speed ratio of groupcore's candidates against the same case on NumPy.

    The key is ``"<candidate>: numpy / <backend>"`` (``t_numpy / t_backend``: above 1 means the
    backend is faster), for every ``groupcore …`` candidate both cases timed.

    Examples
    --------
    >>> t = lambda s: {"median": s}
    >>> cases = [{"kind": "model", "backend": "numpy", "params": {"b": 1}, "timings": {"groupcore step": t(2.0)}},
    ...          {"kind": "model", "backend": "cupy", "params": {"b": 1}, "timings": {"groupcore step": t(0.5)},
    ...           "ratios": {}}]
    >>> cross_backend_ratios(cases)
    >>> cases[1]["ratios"]
    {'step: numpy / cupy': 4.0}
    """
    for case in cases:
        if case["backend"] == "numpy":
            continue
        ref = next((c for c in cases if c["backend"] == "numpy" and c["kind"] == case["kind"]
                    and c["params"] == case["params"]), None)
        if ref is None:
            continue
        for cand, t in case["timings"].items():
            if cand.startswith(OURS + " ") and cand in ref["timings"]:
                key = f"{cand[len(OURS) + 1:]}: numpy / {case['backend']}"
                case["ratios"][key] = ref["timings"][cand]["median"] / t["median"]


def _target_lines(rows: list[dict[str, Any]], source: str) -> list[str]:
    lines = [f"targets ({source}):"]
    for t in rows:
        if t["met"] is None:
            lines.append(f"  {t['name']} (target {t['target']}): {t['detail']}")
            continue
        verdict = "met" if t["met"] else "NOT met"
        lines.append(f"  {t['name']}: {t['measured']:.3g} (target {t['target']}): {verdict}; {t['detail']}")
    return lines


def run_suite(suite: Suite, backends: dict[str, Any], backends_skipped: dict[str, str], peers: PeerSet,
              out: Path, command: str, plots: bool = True, echo: Callable[[str], None] = print,
              targets: list[dict[str, Any]] | None = None, targets_file: str | None = None) -> dict[str, Any]:
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
    targets : list of dict, optional
        Target specs (:func:`groupcore.bench.targets.load`); every one is judged and printed.
    targets_file : str, optional
        Where they came from, recorded under ``settings``; ``None``: no targets file.
    """
    t0 = time.perf_counter()
    settings = {**suite.__dict__, "targets_file": targets_file}
    result: dict[str, Any] = {"command": command, "suite": suite.name, "settings": settings,
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
    cross_backend_ratios(result["cases"])
    result["targets"] = judge(targets or [], result)
    result["notes"] = noisy_notes(result["cases"])
    result["load_average_end"] = load_average()
    result["page_faults"] = page_faults()
    result["elapsed_s"] = time.perf_counter() - t0
    prefix = f"bench-{suite.name}"
    result["plots"] = write_plots(result, out, prefix) if plots else {"all": "not written: --no-plots"}
    path = write_json(out / f"{prefix}.json", result)
    echo("\n".join(_target_lines(result["targets"], targets_file or "no targets file")))
    if result["notes"]:
        echo(f"{len(result['notes'])} noisy timings (central 80% spread over > {NOISY:.0%} of the median); "
             f"see 'notes'")
    echo(f"wrote {path}; plots: " + ", ".join(f"{k}: {v}" for k, v in result["plots"].items()))
    echo(f"load average at start {result['machine']['load_average']}, at end {result['load_average_end']}; "
         f"{result['elapsed_s']:.0f} s")
    return result
