"""Backend-swappable benchmarks: workloads, rooflines, peers, reports (``groupcore bench``).

``groupcore bench [--backends numpy,cupy] [--peers] [--suite quick|full] [--out DIR]
[--targets FILE]`` runs the same equivariant workloads on every usable backend, next to one GEMM
of the same FLOPs (the roofline) and, with ``--peers``, PyTorch CPU plain CNNs and e2cnn
(optional; each in its own worker process, skipped with its reason when absent), judges the
targets of a targets file, and writes ``bench-<suite>.json``, prints a table and draws plots.

Modules: :mod:`~groupcore.bench.timing` (medians over interleaved rounds),
:mod:`~groupcore.bench.report` (machine, JSON, table), :mod:`~groupcore.bench.suites`,
:mod:`~groupcore.bench.workloads`, :mod:`~groupcore.bench.roofline`,
:mod:`~groupcore.bench.memory`, :mod:`~groupcore.bench.peer_process` (the workers, from here),
:mod:`~groupcore.bench.peer_worker` and :mod:`~groupcore.bench.peers` (inside a worker),
:mod:`~groupcore.bench.e2cnn_compat`, :mod:`~groupcore.bench.equivariance`,
:mod:`~groupcore.bench.targets`, :mod:`~groupcore.bench.plots`, :mod:`~groupcore.bench.runner`.

Examples
--------
>>> from groupcore.bench import interleaved
>>> sorted(interleaved({"a": lambda: None}, rounds=1))
['a']
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..fileio import write_json
from . import targets
from .peer_process import PeerSet
from .report import machine
from .runner import run_suite
from .suites import SUITES, Suite, get_suite
from .timing import interleaved, timeit

__all__ = ["configure_parser", "run", "resolve_backends", "run_suite", "get_suite", "Suite", "SUITES",
           "PeerSet", "machine", "write_json", "timeit", "interleaved", "targets"]


def resolve_backends(names: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The usable backends among ``names`` and, for the others, why they are not usable.

    Examples
    --------
    >>> usable, skipped = resolve_backends(["numpy"])
    >>> list(usable), skipped
    (['numpy'], {})
    """
    from ..backends import BACKEND_NAMES, BackendUnavailable, get
    usable, skipped = {}, {}
    for name in names:
        if name not in BACKEND_NAMES:
            raise ValueError(f"unknown backend {name!r}; choose from {', '.join(BACKEND_NAMES)}")
        try:
            usable[name] = get(name)
        except BackendUnavailable as err:
            skipped[name] = str(err)
    return usable, skipped


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add ``bench``'s options."""
    parser.add_argument("--backends", default="numpy,cupy",
                        help="comma-separated backends (default numpy,cupy; unusable ones are skipped with "
                             "the reason)")
    parser.add_argument("--peers", action="store_true",
                        help="also run the peers when installed: PyTorch CPU plain CNNs and e2cnn "
                             "(pip install torch==2.13.0 e2cnn)")
    parser.add_argument("--suite", default="quick", choices=sorted(SUITES),
                        help="quick (minutes), full (every workload of the issue), smoke (tiny, for tests)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks") / "results",
                        help="folder of bench-<suite>.json and the plots (default benchmarks/results)")
    parser.add_argument("--no-plots", action="store_true", help="skip the plots")
    parser.add_argument("--targets", type=Path, default=None,
                        help=f"JSON file of the targets to judge (default: {targets.FILE} in the current folder "
                             f"or in the source checkout; none found: nothing is judged)")


def run(args: argparse.Namespace) -> int:
    """Run the suite; returns 0, or 2 when no requested backend is usable or the targets file is bad."""
    names = [n.strip() for n in args.backends.split(",") if n.strip()]
    if not names:
        print("groupcore bench: --backends names no backend", file=sys.stderr)
        return 2
    try:
        usable, skipped = resolve_backends(names)
    except ValueError as err:
        print(f"groupcore bench: {err}", file=sys.stderr)
        return 2
    if not usable:
        print("groupcore bench: no requested backend is usable: "
              + "; ".join(f"{k}: {v}" for k, v in skipped.items()), file=sys.stderr)
        return 2
    target_file = args.targets if args.targets is not None else targets.default_path()
    try:
        specs = targets.load(target_file) if target_file is not None else []
    except targets.TargetsError as err:
        print(f"groupcore bench: {err}", file=sys.stderr)
        return 2
    argv = ["groupcore", "bench", "--backends", args.backends, "--suite", args.suite, "--out", str(args.out)]
    argv += ["--peers"] if args.peers else []
    argv += ["--no-plots"] if args.no_plots else []
    argv += ["--targets", str(args.targets)] if args.targets is not None else []
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    if env:
        print("note: " + ", ".join(f"{k}={v}" for k, v in env.items()) + " is set; it can pin a slower BLAS "
              "kernel (run with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` for the BLAS's own choice)")
    with PeerSet.load(args.peers) as peers:
        run_suite(get_suite(args.suite), usable, skipped, peers, Path(args.out), " ".join(argv),
                  plots=not args.no_plots, echo=lambda s: print(s, flush=True), targets=specs,
                  targets_file=None if target_file is None else str(target_file))
    return 0
