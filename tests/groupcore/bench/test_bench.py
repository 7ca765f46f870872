"""``groupcore bench`` end to end on the tiny smoke suite: JSON structure, skipped peers, plots.

No timing is asserted: only that every number is there, finite and consistent.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from groupcore.cli import main


def _run_smoke(out: Path, *extra: str) -> dict[str, Any]:
    assert main(["bench", "--suite", "smoke", "--backends", "numpy", "--out", str(out), *extra]) == 0
    return json.loads((out / "bench-smoke.json").read_text())


def block_imports(mp: pytest.MonkeyPatch, folder: Path, *names: str) -> None:
    """Make ``import NAME`` fail in every Python process started from now on (the peer workers)."""
    for name in names:
        (folder / name).mkdir()
        (folder / name / "__init__.py").write_text(f"raise ImportError('{name} blocked for this test')\n")
    mp.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")])))


@pytest.fixture(scope="module")
def blocked_peers_result(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path, str]:
    """A smoke run with --peers whose worker processes can import neither torch nor e2cnn."""
    out = tmp_path_factory.mktemp("bench")
    mp = pytest.MonkeyPatch()
    block_imports(mp, tmp_path_factory.mktemp("blocked"), "torch", "e2cnn")
    try:
        result = _run_smoke(out, "--peers")
    finally:
        mp.undo()
    return result, out, (out / "bench-smoke.json").read_text()


def test_json_records_the_machine(blocked_peers_result):
    result, _, _ = blocked_peers_result
    m = result["machine"]
    assert m["cores"] >= 1 and m["cpu"] and isinstance(m["blas"], list)
    assert set(m["env"]) >= {"OPENBLAS_CORETYPE", "MALLOC_MMAP_THRESHOLD_"}
    assert "numpy" in m and "groupcore" in m and m["date"]
    assert result["suite"] == "smoke" and result["backends"] == ["numpy"]
    assert "--peers" in result["command"] and result["elapsed_s"] > 0


def test_skipped_peers_carry_a_reason(blocked_peers_result):
    result, _, _ = blocked_peers_result
    assert set(result["peers_skipped"]) == {"torch", "e2cnn"}
    assert "torch blocked for this test" in result["peers_skipped"]["torch"]
    assert "e2cnn needs torch" in result["peers_skipped"]["e2cnn"]
    for case in result["cases"]:
        if case["kind"] in ("layer", "model"):
            assert case["skipped"]["torch"] == result["peers_skipped"]["torch"]
            assert not any(name.startswith(("torch", "e2cnn")) for name in case["timings"])


def test_every_case_has_medians_min_max(blocked_peers_result):
    result, _, _ = blocked_peers_result
    kinds = {case["kind"] for case in result["cases"]}
    assert kinds == {"algebra", "rotations", "construction", "layer", "model", "memory"}
    for case in result["cases"]:
        assert bool(case["timings"]) == (case["kind"] != "memory"), case["name"]
        for t in case["timings"].values():
            assert 0 < t["min"] <= t["median"] <= t["max"] and t["repeats"] == 2
            assert isinstance(t["noisy"], bool)
        for value in case["ratios"].values():
            assert math.isfinite(value) and value > 0


def test_memory_case_measures_the_step_against_its_bound(blocked_peers_result):
    result, _, _ = blocked_peers_result
    case = next(c for c in result["cases"] if c["kind"] == "memory")
    mem = case["memory"]
    assert case["backend"] == "numpy" and case["params"]["measured_with"] == "tracemalloc"
    assert mem["bound_bytes"] == mem["activations_bytes"] + mem["expanded_weights_bytes"] + mem["gradients_bytes"]
    assert mem["gradients_bytes"] > mem["expanded_weights_bytes"] > 0 and mem["peak_bytes"] > 0
    assert mem["peak / (activations + expanded weights + gradients)"] == mem["peak_bytes"] / mem["bound_bytes"]


def test_layer_and_model_cases_compare_with_the_roofline(blocked_peers_result):
    result, _, _ = blocked_peers_result
    timed = [c for c in result["cases"] if c["kind"] in ("layer", "model")]
    layers = {"LiftingConv2d", "GroupConv2d", "GroupConv3d", "P4CNN"}
    assert {c["params"].get("layer", "P4CNN") for c in timed} == layers
    for case in timed:
        assert "roofline GEMM" in case["timings"]
        assert "forward: fraction of roofline" in case["ratios"]
        assert ("im2col-shaped GEMM" in case["timings"]) == (case["kind"] == "layer")
        gemm = case["timings"]["roofline GEMM"]["median"] / case["timings"]["groupcore forward"]["median"]
        assert case["ratios"]["forward: fraction of roofline"] == pytest.approx(gemm)


def test_equivariance_per_element_and_per_angle(blocked_peers_result):
    result, _, _ = blocked_peers_result
    recs = {(r["model"], r["dtype"]): r for r in result["equivariance"]}
    exact = recs["groupcore P4CNN C4", "float64"]
    assert len(exact["per_element"]["rel"]) == 4 and exact["per_element"]["rel"][0] == 0.0
    assert exact["per_element"]["max_rel_nontrivial"] < 1e-12          # an exact group, float64
    c8 = recs["groupcore P4CNN C8", "float32"]
    assert "per_element" not in c8                                     # C8 acts only approximately
    assert c8["angles_deg"] == [45.0 * k for k in range(8)] and len(c8["per_angle"]["rel"]) == 8
    assert max(c8["per_angle"]["rel"][1::2]) > 0                        # interpolated angles: measured, not zero


def test_targets_are_judged_or_explained(blocked_peers_result):
    result, _, _ = blocked_peers_result
    assert result["settings"]["targets_file"].endswith(os.path.join("benchmarks", "targets.json"))
    assert len(result["targets"]) >= 8
    for t in result["targets"]:
        assert t["met"] in (True, False, None)
        if t["met"] is None:
            assert t["measured"] is None and t["detail"].startswith("not measured: ")
        else:
            below = t["measured"] <= t["bound"]
            assert t["met"] == (below if t["op"] == "<=" else t["measured"] >= t["bound"])
    e2cnn = next(t for t in result["targets"] if "training step vs e2cnn" in t["name"])
    assert "e2cnn needs torch" in e2cnn["detail"]
    gpu = next(t for t in result["targets"] if t["name"].startswith("CuPy"))
    assert gpu["met"] is None and "no record of 'cases' matches in the 'smoke' suite" in gpu["detail"]
    memory = next(t for t in result["targets"] if "peak memory" in t["name"])
    assert memory["measured"] is not None


def test_plots_are_written(blocked_peers_result):
    result, out, _ = blocked_peers_result
    for kind in ("layers", "peers", "equivariance"):
        path = Path(result["plots"][kind])
        assert path.parent == out and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_plots_and_backend_errors(tmp_path, capsys):
    result = _run_smoke(tmp_path, "--no-plots")
    assert result["plots"] == {"all": "not written: --no-plots"} and not list(tmp_path.glob("*.png"))
    assert main(["bench", "--suite", "smoke", "--backends", "tpu", "--out", str(tmp_path)]) == 2
    assert "unknown backend 'tpu'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["bench", "--suite", "nonsense"])


def test_a_bad_targets_file_is_refused(tmp_path, capsys):
    bad = tmp_path / "targets.json"
    bad.write_text('{"targets": [{"name": "x", "of": "cases"}]}')
    argv = ["bench", "--suite", "smoke", "--backends", "numpy", "--targets", str(bad), "--out", str(tmp_path)]
    assert main(argv) == 2
    assert "target 0 (x): 'where' is missing" in capsys.readouterr().err


@pytest.fixture(scope="module")
def live_peers():
    """The peer workers of this machine (torch, and e2cnn when installed)."""
    if importlib.util.find_spec("torch") is None:
        pytest.skip("the optional torch peer is not installed")
    from groupcore.bench.peer_process import PeerSet
    with PeerSet.load(enabled=True) as peers:
        yield peers


def test_installed_peers_run_beside_the_p4cnn(live_peers):
    from groupcore import backends
    from groupcore.bench.suites import get_suite
    from groupcore.bench.workloads import model_case

    case = model_case(get_suite("smoke"), backends.get("numpy"), "C4", "float32", 2, live_peers)
    assert "torch plain CNN (equal FLOPs, 8 ch) train step" in case["timings"]
    assert case["params"]["peer_params"]["torch plain CNN (equal params, 4 ch)"] > 0
    assert live_peers.info["torch"]["process"] == "own worker process"
    if live_peers.available("e2cnn"):
        assert "e2cnn P4CNN C4 train step" in case["timings"]
        assert case["ratios"]["train step: e2cnn P4CNN C4 / groupcore"] > 0
    else:
        assert case["skipped"]["e2cnn"] == live_peers.skipped["e2cnn"]


def test_the_d4_e2cnn_peer_builds_and_runs_under_numpy_2(live_peers):
    if not live_peers.available("e2cnn"):
        pytest.skip(f"the optional e2cnn peer is not usable: {live_peers.skipped['e2cnn']}")
    assert any("tostring" in p for p in live_peers.info["e2cnn"]["patches"])
    spec = {"kind": "e2cnn_p4cnn", "group": "D4", "channels": 2, "input_size": 22, "batch": 2, "dtype": "float32"}
    with live_peers.model("e2cnn", spec) as peer:
        assert peer.num_params > 0 and peer.candidates["train step"].per_call(1) > 0
        record = peer.invariance("e2cnn P4CNN D4", "float32", "D4", 22, 1)
    assert len(record["per_element"]["rel"]) == 8 and record["per_element"]["max_rel_nontrivial"] < 1e-4
