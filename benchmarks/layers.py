"""Speed and memory of the lifted convolutions and of a P4CNN training step, side by side.

The layer-level view of ``groupcore bench``, with its workloads and its timing (medians of
interleaved rounds, :mod:`groupcore.bench`), on the NumPy backend (float32, batch 64, 28×28):

- ``LiftingConv2d`` and ``GroupConv2d`` (C4 and D4, 10 and 32 channels per group element,
  ``frame="diagonal"``), forward and forward + backward, next to the roofline GEMM of the same
  FLOPs, the GEMM of the layer's own im2col shape and, with ``--peers``, ``torch.nn.Conv2d``;
- the Cohen & Welling P4CNN (C4), forward and a training step, with the peers;
- the peak memory of its training step against activations + expanded weights + gradients;
- the time to build every index tensor of the P4CNN for C4, D4 and D8 (|G| = 16).

Run it, for the BLAS's own kernel, as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/layers.py [--peers]

Writes ``benchmarks/results/layers.json`` (atomically) and prints a table. ``--smoke`` runs the
same code on tiny inputs (seconds; the numbers mean nothing).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from groupcore import backends
from groupcore.bench import PeerSet, get_suite, machine, write_json
from groupcore.bench.memory import memory_case
from groupcore.bench.report import table
from groupcore.bench.workloads import build_case, layer_case, model_case

RESULTS = Path(__file__).resolve().parent / "results" / "layers.json"


def cases(suite: Any, groups: list[str], channels: list[int], peers: PeerSet) -> list[dict[str, Any]]:
    """Every layer, the P4CNN, its memory and the index builds, in that order."""
    be = backends.get("numpy")
    out = [layer_case(suite, be, g, kind, size, c, "float32", peers)
           for g in groups for c in channels for size in suite.layer_sizes for kind in ("lifting", "group")]
    out.append(model_case(suite, be, "C4", "float32", suite.batch, peers))
    out.append(memory_case(suite, be, "C4"))
    out.append(build_case(suite, peers))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, nargs="+", default=[10, 32], help="channels per group element")
    parser.add_argument("--groups", nargs="+", default=["C4", "D4"], choices=["C4", "D4", "C8"])
    parser.add_argument("--peers", action="store_true", help="torch Conv2d, plain CNNs and e2cnn, when installed")
    parser.add_argument("--smoke", action="store_true", help="tiny inputs, to check that it runs")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    base = get_suite("smoke" if args.smoke else "quick")
    suite = dataclasses.replace(base, name="layers", builds=("C4", "D4", "D8"),
                                layer_channels=tuple(args.channels if not args.smoke else [2]))
    with PeerSet.load(args.peers) as peers:
        result = {"machine": machine(), "suite": dataclasses.asdict(suite), "peers": peers.info,
                  "peers_skipped": peers.skipped,
                  "cases": cases(suite, args.groups, list(suite.layer_channels), peers)}
    write_json(args.out, result)
    print(table(result["cases"]))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
