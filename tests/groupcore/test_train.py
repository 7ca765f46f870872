"""``groupcore train``: networks built for the data, the frame and read-out asked for, decoded as built."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from groupcore import nn
from groupcore.cli import main
from groupcore.datasets import Dataset, save_npz
from groupcore.train import build_model, describe


def dataset(path: Path, shape: tuple[int, ...], classes: int, n: int = 40) -> Path:
    rng = np.random.default_rng(0)
    save_npz(path, Dataset((rng.random((n, *shape)) * 255).astype(np.uint8), np.arange(n) % classes))
    return path


def accuracies(out: str) -> list[str]:
    return re.findall(r"rotated by +\d+°: (\S+)", out)


def test_the_network_is_built_for_rgb_images_and_their_classes(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    data = dataset(tmp_path / "rgb.npz", (3, 32, 32), classes=5)
    out = tmp_path / "m.npz"
    assert main(["train", "--data", str(data), "--model", "small", "--readout", "invariant", "--epochs", "1",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "small CNN lifted through C4 (regular frame, invariant read-out)" in printed
    assert "3×32×32, 5 classes" in printed
    model = nn.load(out)
    assert model.predict(np.zeros((2, 3, 32, 32))).shape == (2, 5)
    assert len(set(accuracies(printed))) == 1                    # an invariant network: the same under every turn


def test_the_small_network_is_decoded_with_its_own_read_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = dataset(tmp_path / "d.npz", (16, 16), classes=20)
    argv = ["train", "--data", str(data), "--model", "small", "--epochs", "1", "--out", str(tmp_path / "m.npz")]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "(regular frame, joint read-out)" in printed and "20 classes" in printed
    assert len(set(accuracies(printed))) == 1                    # class = argmax mod C: invariant
    assert nn.load(tmp_path / "m.npz").predict(np.zeros((1, 1, 16, 16))).shape == (1, 4 * 20)


@pytest.mark.parametrize("frame, readout", [("diagonal", "invariant"), ("regular", "joint")])
def test_frame_and_read_out_are_those_asked_for(frame: str, readout: str) -> None:
    model = build_model("D4", "small", frame, readout, 0, num_classes=3, input_size=16)
    assert {getattr(layer, "frame", frame) for layer in model} == {frame}
    assert model.predict(np.zeros((1, 1, 16, 16))).shape == (1, 3 if readout == "invariant" else 8 * 3)
    assert describe("D4", "small", frame, readout).endswith(f"({frame} frame, {readout} read-out)")


def test_the_p4cnn_takes_the_data_size() -> None:
    model = build_model("C4", "p4cnn", None, None, 0, in_channels=3, num_classes=7, input_size=32)
    assert model.predict(np.zeros((2, 3, 32, 32))).shape == (2, 7)
