"""``groupcore bench`` end to end on the tiny smoke suite: JSON structure, skipped peers, plots.

No timing is asserted: only that every number is there, finite and consistent.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

from groupcore.cli import main


def _run_smoke(out: Path, *extra: str) -> dict[str, Any]:
    assert main(["bench", "--suite", "smoke", "--backends", "numpy", "--out", str(out), *extra]) == 0
    return json.loads((out / "bench-smoke.json").read_text())


@pytest.fixture(scope="module")
def blocked_peers_result(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path, str]:
    """A smoke run with --peers where neither torch nor e2cnn can be imported."""
    out = tmp_path_factory.mktemp("bench")
    mp = pytest.MonkeyPatch()
    for name in ("torch", "e2cnn"):
        mp.setitem(sys.modules, name, None)    # `import torch` now raises ImportError
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
    assert "not importable" in result["peers_skipped"]["torch"]
    assert "torch" in result["peers_skipped"]["e2cnn"]
    for case in result["cases"]:
        if case["kind"] in ("layer", "model"):
            assert case["skipped"]["torch"] == result["peers_skipped"]["torch"]
            assert not any(name.startswith(("torch", "e2cnn")) for name in case["timings"])


def test_every_case_has_medians_min_max(blocked_peers_result):
    result, _, _ = blocked_peers_result
    kinds = {case["kind"] for case in result["cases"]}
    assert kinds == {"algebra", "rotations", "construction", "layer", "model"}
    for case in result["cases"]:
        assert case["timings"], case["name"]
        for t in case["timings"].values():
            assert 0 < t["min"] <= t["median"] <= t["max"] and t["repeats"] >= 1
            assert t["noisy"] == ((t["max"] - t["min"]) > 0.2 * t["median"])
        for value in case["ratios"].values():
            assert math.isfinite(value) and value > 0


def test_layer_and_model_cases_compare_with_the_roofline(blocked_peers_result):
    result, _, _ = blocked_peers_result
    timed = [c for c in result["cases"] if c["kind"] in ("layer", "model")]
    assert {c["params"].get("layer", "P4CNN") for c in timed} == {"LiftingConv2d", "GroupConv2d", "P4CNN"}
    for case in timed:
        assert "roofline GEMM" in case["timings"]
        assert "forward: fraction of roofline" in case["ratios"]
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
    assert result["targets"]
    for t in result["targets"]:
        assert t["met"] in (True, False, None)
        if t["met"] is None:
            assert t["measured"] is None and t["detail"].startswith("not measured: ")
        else:
            below = t["measured"] <= t["bound"]
            assert t["met"] == (below if t["op"] == "<=" else t["measured"] >= t["bound"])
    e2cnn = next(t for t in result["targets"] if "training step vs e2cnn" in t["name"])
    assert "not importable" in e2cnn["detail"]


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


def test_installed_peers_run_beside_the_p4cnn():
    pytest.importorskip("torch", reason="the optional torch peer is not installed")
    from groupcore import backends
    from groupcore.bench.peers import PeerSet
    from groupcore.bench.suites import get_suite
    from groupcore.bench.workloads import model_case

    peers = PeerSet.load(enabled=True)
    case = model_case(get_suite("smoke"), backends.get("numpy"), "C4", "float32", 2, peers)
    assert "torch plain CNN (equal FLOPs, 8 ch) train step" in case["timings"]
    assert case["params"]["peer_params"]["torch plain CNN (equal params, 4 ch)"] > 0
    if peers.e2cnn is not None:
        assert "e2cnn P4CNN C4 train step" in case["timings"]
        assert case["ratios"]["train step: e2cnn P4CNN C4 / groupcore"] > 0
    else:
        assert case["skipped"]["e2cnn"] == peers.skipped["e2cnn"]
