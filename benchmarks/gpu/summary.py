"""Gather what ``benchmarks/gpu/run.sh`` did into one ``summary.json``.

Reads the steps file the script wrote (one tab-separated line per step: name, status, seconds,
note), the P4CNN step's ``p4cnn.json`` and the benchmark's ``bench-*.json`` in the output folder,
and writes ``summary.json`` beside them: every step, the GPU target's ratio (or why it was not
measured) and the benchmark's targets.

    python benchmarks/gpu/summary.py STEPS_FILE OUT_DIR MODE
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from groupcore.fileio import write_json


def read_steps(path: Path) -> list[dict[str, Any]]:
    """The steps, in order: ``name``, ``status``, ``seconds``, ``note``.

    ``status`` is ``ok``, ``skipped``, ``failed (rc)`` or ``timed out after N s``.
    """
    steps = []
    for line in path.read_text(encoding="utf-8").splitlines():
        name, status, seconds, note = (line.split("\t") + ["", "", ""])[:4]
        steps.append({"name": name, "status": status, "seconds": int(seconds or 0), "note": note})
    return steps


def _json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def summarise(steps: list[dict[str, Any]], out: Path, mode: str) -> dict[str, Any]:
    """The summary of a run whose files are in ``out``."""
    p4cnn = _json(out / "p4cnn.json")
    benches = sorted(out.glob("bench-*.json"))
    bench = _json(benches[0]) if benches else None
    gpu_target: dict[str, Any] = {"target": "CuPy P4CNN C4 forward+backward (train step), batch 256, "
                                            ">= 10x NumPy on 2 cores"}
    if p4cnn is None:
        gpu_target.update(measured=None, met=None, detail="not measured: the P4CNN step wrote no p4cnn.json")
    elif p4cnn["ratio"] is None:
        gpu_target.update(measured=None, met=None, detail=f"not measured: {p4cnn.get('cupy_skipped')}")
    else:
        gpu_target.update(measured=p4cnn["ratio"], met=p4cnn["met"], batch=p4cnn["batch"], gpu=p4cnn["gpu"],
                          detail="t_numpy / t_cupy, train step medians, interleaved rounds")
    return {"mode": mode, "ok": all(s["status"] in ("ok", "skipped") for s in steps), "steps": steps,
            "gpu_target": gpu_target, "bench_targets": (bench or {}).get("targets"),
            "bench_backends_skipped": (bench or {}).get("backends_skipped")}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    out = Path(args[1])
    summary = summarise(read_steps(Path(args[0])), out, args[2])
    write_json(out / "summary.json", summary)
    t = summary["gpu_target"]
    print(f"GPU target: {t['measured'] if t['measured'] is None else round(t['measured'], 2)} "
          f"({'met' if t['met'] else 'NOT met' if t['met'] is False else t['detail']})")
    for s in summary["steps"]:
        print(f"  {s['name']:<12} {s['status']:<24} {s['seconds']:>4} s  {s['note']}")
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
