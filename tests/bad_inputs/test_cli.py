"""Bad command lines: ``groupcore train`` and ``groupcore demo`` end in one line on stderr, never a traceback.

Usage errors exit with status 2 (argparse); errors found while running exit with 1, one line
``groupcore <command>: error: …``, before any training when the problem is in the options, the
output path or the data, and without writing anything.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from groupcore.cli import main
from groupcore.datasets import Dataset, save_npz


def dataset(path: Path, shape: tuple[int, ...], classes: int = 3, n: int = 12, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    save_npz(path, Dataset((rng.random((n, *shape)) * 255).astype(np.uint8), np.arange(n) % classes))
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("data")
    (d / "corrupt.npz").write_bytes(b"PK\x03\x04" + bytes(40))
    (d / "a-file").write_text("x")
    return {"s16": dataset(d / "s16.npz", (16, 16)), "s18": dataset(d / "s18.npz", (18, 18)),
            "rect": dataset(d / "rect.npz", (16, 20)), "s8": dataset(d / "s8.npz", (8, 8)),
            "corrupt": d / "corrupt.npz", "file": d / "a-file", "dir": d}


USAGE: dict[str, tuple[list[str], str]] = {
    "train-lr-inf": (["train", "--lr", "inf"], "argument --lr: must be a finite number > 0; got 'inf'"),
    "train-lr-negative": (["train", "--lr", "-1"], "argument --lr: must be a finite number > 0; got '-1'"),
    "train-lr-nan": (["train", "--lr", "nan"], "got 'nan'"),
    "train-lr-word": (["train", "--lr", "fast"], "got 'fast'"),
    "train-epochs-zero": (["train", "--epochs", "0"], "argument --epochs: must be a positive integer; got '0'"),
    "train-epochs-fraction": (["train", "--epochs", "1.5"], "argument --epochs: must be a positive integer; got '1.5'"),
    "train-batch-size-negative": (["train", "--batch-size", "-5"], "argument --batch-size: must be a positive integer"),
    "train-unknown-model": (["train", "--model", "big"], "argument --model: invalid choice: 'big'"),
    "train-unknown-backend": (["train", "--backend", "tpu"], "argument --backend: invalid choice: 'tpu'"),
    "train-unknown-frame": (["train", "--frame", "sideways"], "argument --frame: invalid choice"),
    "demo-epochs-negative": (["demo", "--epochs", "-1"], "argument --epochs: must be a positive integer; got '-1'"),
    "demo-epochs-zero": (["demo", "--epochs", "0"], "argument --epochs: must be a positive integer; got '0'"),
    "demo-lr-zero": (["demo", "--lr", "0"], "argument --lr: must be a finite number > 0; got '0'"),
}


@pytest.mark.parametrize("case", list(USAGE))
def test_usage_errors_exit_2_naming_the_option(case: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv, match = USAGE[case]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith(f"groupcore {argv[0]}: error: ")
    assert match in err


RUNTIME: dict[str, tuple[list[str], str]] = {
    "train-out-is-a-folder": (["train", "--data", "{s16}", "--out", "{dir}"],
                              r"is a folder; give a file path, such as"),
    "train-out-under-a-file": (["train", "--data", "{s16}", "--out", "{file}/model.npz"], r"is a file, not a folder"),
    "demo-out-is-a-file": (["demo", "--data", "{s16}", "--out", "{file}"], r"a-file is a file; give a folder"),
    "train-data-missing": (["train", "--data", "{dir}/missing.npz", "--out", "{tmp}/m.npz"], "no such file or folder"),
    "train-data-corrupt": (["train", "--data", "{corrupt}", "--out", "{tmp}/m.npz"],
                           "corrupt.npz: not a readable .npz archive: a damaged zip file"),
    "demo-data-corrupt": (["demo", "--data", "{corrupt}", "--out", "{tmp}/d"], "corrupt.npz: not a readable .npz"),
    "train-unknown-group": (["train", "--group", "X9", "--out", "{tmp}/m.npz"], "unknown group name 'X9'"),
    "train-plain-with-a-frame": (["train", "--group", "none", "--frame", "regular", "--out", "{tmp}/m.npz"],
                                 "--frame and --readout apply to networks built for a group"),
    "train-not-square": (["train", "--data", "{rect}", "--model", "small", "--out", "{tmp}/m.npz"],
                         "the images are 16×20; the rotation groups act on square images only"),
    "train-too-small-for-p4cnn": (["train", "--data", "{s16}", "--out", "{tmp}/m.npz"],
                                  r"cannot build the p4cnn model for C4 on 1×16×16 images with 3 classes: input_size"),
    "train-diagonal-small-side": (["train", "--data", "{s18}", "--model", "small", "--frame", "diagonal", "--out",
                                   "{tmp}/m.npz"], "needs an image side divisible by 4"),
    "demo-too-small": (["demo", "--data", "{s8}", "--out", "{tmp}/d"], "the small CNN needs images of side >= 16"),
}


@pytest.mark.parametrize("case", list(RUNTIME))
def test_runtime_errors_are_one_line_and_write_nothing(case: str, data: dict[str, Path], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    argv, match = RUNTIME[case]
    places = {k: str(v) for k, v in data.items()} | {"tmp": str(tmp_path)}
    assert main([a.format(**places) for a in argv]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(f"groupcore {argv[0]}: error: ") and captured.err.count("\n") == 1
    assert re.search(match, captured.err), captured.err
    assert "parameters" not in captured.out              # no network was trained
    assert list(tmp_path.iterdir()) == []


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_diverging_run_keeps_the_last_good_model(data: dict[str, Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "model.npz"
    out.write_bytes(b"the last good model")
    assert main(["train", "--data", str(data["s16"]), "--model", "small", "--lr", "1e30", "--epochs", "3",
                 "--batch-size", "4", "--out", str(out)]) == 1
    last = capsys.readouterr().err.splitlines()[-1]              # after the progress bar's line
    assert last.startswith("groupcore train: error: training diverged at epoch 1/3, batch") and "lr=1e+30" in last
    assert out.read_bytes() == b"the last good model"


def test_traceback_on_request(data: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is a folder"):
        main(["--traceback", "train", "--data", str(data["s16"]), "--out", str(tmp_path)])


def test_an_unusable_backend_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from groupcore import backends
    if "cupy" in backends.available():
        pytest.skip("CuPy runs here")
    assert main(["train", "--backend", "cupy", "--out", str(tmp_path / "m.npz")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("groupcore train: error: ") and err.count("\n") == 1 and "cupy" in err.lower()
