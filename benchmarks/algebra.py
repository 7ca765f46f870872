"""Construction and validation speed of the algebra (one core; no BLAS involved).

Targets: symmetric(6) built and validated in < 50 ms, symmetric(7) in < 2 s,
Action.on_grid(D4, 512×512) in < 50 ms.

    python benchmarks/algebra.py [--quick]
"""

from __future__ import annotations

import argparse

import groupcore as gc
from common import RESULTS, machine, timeit, write_json

TARGETS_S = {"symmetric(6) build+validate": 0.05, "symmetric(7) build+validate": 2.0,
             "on_grid(D4, 512x512)": 0.05}


def workloads() -> dict[str, object]:
    return {
        "symmetric(6) build+validate": lambda: gc.Group.from_table(gc.symmetric(6).table),
        "symmetric(7) build+validate": lambda: gc.Group.from_table(gc.symmetric(7).table),
        "on_grid(D4, 512x512)": lambda: gc.Action.on_grid(gc.dihedral(4), (512, 512)),
        "from_generators(S7 by 2 generators)": lambda: gc.Group.from_generators(
            [[1, 2, 3, 4, 5, 6, 0], [1, 0, 2, 3, 4, 5, 6]], max_order=5040),
        "dihedral(64) validate": lambda: gc.Group.from_table(gc.dihedral(64).table),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    rows = {}
    for name, fn in workloads().items():
        rows[name] = timeit(fn, repeats=repeats)
        target = TARGETS_S.get(name)
        verdict = "" if target is None else (
            f"  target < {target * 1e3:.0f} ms: {'met' if rows[name]['median'] < target else 'NOT met'}")
        rows[name]["target_s"] = target
        print(f"{name:<40} median {rows[name]['median'] * 1e3:9.1f} ms  "
              f"(min {rows[name]['min'] * 1e3:.1f}, max {rows[name]['max'] * 1e3:.1f}){verdict}"
              + ("  [noisy]" if rows[name]["noisy"] else ""))
    out = write_json(RESULTS / "algebra.json", {"machine": machine(), "results": rows})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
