"""``benchmarks/gpu/run.sh`` runs on a machine without a GPU: tiny sizes, the GPU parts skipped with the reason.

Nothing is installed (``GPU_CHECK_INSTALL=no``): the package under test is the one this test runs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu" / "run.sh"


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("gpu-check")
    env = {**os.environ, "OUT": str(out), "PYTHON": sys.executable, "GPU_CHECK_MODE": "smoke",
           "GPU_CHECK_INSTALL": "no"}
    proc = subprocess.run(["bash", str(SCRIPT)], cwd=out, env=env, capture_output=True, text=True, timeout=300)
    return proc, out


def _cupy_usable() -> bool:
    from groupcore import backends
    try:
        backends.get("cupy")
    except backends.BackendUnavailable:
        return False
    return True


def test_every_step_runs_or_says_why_not(smoke_run):
    proc, out = smoke_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["mode"] == "smoke" and summary["ok"]
    steps = {s["name"]: s for s in summary["steps"]}
    assert list(steps) == ["environment", "install", "cupy", "tests", "bench", "p4cnn"]
    assert all(steps[name]["status"] == "ok" for name in ("environment", "install", "bench", "p4cnn"))
    if not _cupy_usable():
        assert steps["cupy"]["status"] == steps["tests"]["status"] == "skipped"
        assert "unavailable" in steps["cupy"]["note"] and "no usable CuPy" in steps["tests"]["note"]
        assert "=== tests: skipped: no usable CuPy" in (out / "check.log").read_text()


def test_the_gpu_target_is_a_ratio_or_explained(smoke_run):
    _, out = smoke_run
    p4cnn = json.loads((out / "p4cnn.json").read_text())
    summary = json.loads((out / "summary.json").read_text())
    assert p4cnn["batch"] == 4 and p4cnn["numpy_cores"] <= 2
    assert p4cnn["timings"]["numpy train step"]["median"] > 0
    target = summary["gpu_target"]
    if "cupy train step" in p4cnn["timings"]:
        ratio = p4cnn["timings"]["numpy train step"]["median"] / p4cnn["timings"]["cupy train step"]["median"]
        assert target["measured"] == pytest.approx(ratio) and target["met"] == (ratio >= 10)
    else:
        assert target["measured"] is None and target["met"] is None
        assert target["detail"] == f"not measured: {p4cnn['cupy_skipped']}"


def test_the_output_fits_what_the_device_tool_brings_back(smoke_run):
    _, out = smoke_run
    files = sorted(p.name for p in out.iterdir())
    assert files == ["bench-smoke.json", "check.log", "p4cnn.json", "summary.json"] or _cupy_usable()
    assert len(files) <= 8 and all(re.fullmatch(r"[A-Za-z0-9._-]+", f) for f in files)
    bench = json.loads((out / "bench-smoke.json").read_text())
    assert bench["backends"][0] == "numpy" and any(t["name"].startswith("CuPy") for t in bench["targets"])


def test_a_wrong_mode_is_refused(tmp_path):
    env = {**os.environ, "OUT": str(tmp_path), "GPU_CHECK_MODE": "huge"}
    proc = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "GPU_CHECK_MODE must be full or smoke" in proc.stderr
