"""Bad data files: every damaged or malformed file is a ``DatasetFormatError`` naming the file.

Headers that lie about sizes are caught before anything is allocated (IDX dimensions whose
product overflows, MAT elements larger than the file, ``.npz`` members larger than deflate can
produce). Hypothesis damages files of every format: each one loads as a valid data set or is
refused with ``DatasetFormatError``, within a small multiple of the file's own data in memory.
"""

from __future__ import annotations

import gzip
import io
import struct
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.io
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groupcore.datasets import Dataset, DatasetFormatError, load, load_train_test, save_npz, write_idx

IMAGES = (np.arange(6 * 8 * 8) % 256).astype(np.uint8).reshape(6, 8, 8)
LABELS = np.arange(6) % 3


def idx_pair(folder: Path, images: bytes | None = None, labels: bytes | None = None, gz: bool = False) -> Path:
    ext = ".gz" if gz else ""
    write_idx(folder / f"train-images-idx3-ubyte{ext}", IMAGES)
    write_idx(folder / f"train-labels-idx1-ubyte{ext}", LABELS.astype(np.uint8))
    if images is not None:
        (folder / f"train-images-idx3-ubyte{ext}").write_bytes(images)
    if labels is not None:
        (folder / f"train-labels-idx1-ubyte{ext}").write_bytes(labels)
    return folder / f"train-images-idx3-ubyte{ext}"


def idx_header(dims: tuple[int, ...], code: int = 0x08) -> bytes:
    return bytes([0, 0, code, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)


def svhn(path: Path, compress: bool = False, **variables: Any) -> Path:
    data = {"X": np.zeros((32, 32, 3, 4), np.uint8), "y": np.array([[1], [2], [10], [3]], np.uint8), **variables}
    scipy.io.savemat(path, data, do_compression=compress)
    return path


def svhn_edited(folder: Path, edit: Callable[[bytearray], Any], compress: bool = False) -> Path:
    path = svhn(folder / "test_32x32.mat", compress)
    data = bytearray(path.read_bytes())
    edit(data)
    path.write_bytes(bytes(data))
    return path


def first_element_size(data: bytearray, size: int) -> None:
    data[132:136] = struct.pack("<I", size)          # the size field of the tag after the 128-byte header


def damage_compressed(data: bytearray) -> None:
    data[140:150] = b"\xff" * 10                      # inside the zlib stream of the first element


def npz_with_member(folder: Path, name: str, data: bytes, compress: bool = False) -> Path:
    path = folder / "d.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as zf:
        zf.writestr("labels.npy", _npy(np.zeros(6, np.int64)))
        zf.writestr(name, data)
    return path


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def npy_header(descr: str, shape: tuple[int, ...]) -> bytes:
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header


def deflate_bomb_claim(folder: Path) -> Path:
    """A deflated member whose central-directory entry claims 2 GB."""
    path = npz_with_member(folder, "images.npy", _npy(np.zeros((64, 64, 64), np.uint8)), compress=True)
    data = bytearray(path.read_bytes())
    entry = data.rfind(b"PK\x01\x02")                 # the last central-directory entry: images.npy
    data[entry + 24:entry + 28] = struct.pack("<I", 2_000_000_000)
    path.write_bytes(bytes(data))
    return path


def npz_data(folder: Path, **arrays: Any) -> Path:
    np.savez(folder / "d.npz", **arrays)
    return folder / "d.npz"


def text(path: Path, content: str) -> Path:
    path.write_text(content)
    return path


BAD_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "idx-dims-overflow-int64": (lambda d: idx_pair(d, images=idx_header((2**31, 2**31, 2**31)) + bytes(64)),
                                r"truncated: the header says 2147483648×2147483648×2147483648 uint8 values "
                                r"\(9903520314283042199192993792 bytes\) but 64 bytes of data follow"),
    "idx-truncated": (lambda d: idx_pair(d, images=idx_header((6, 8, 8)) + bytes(100)), "truncated: the header says"),
    "idx-trailing-bytes": (lambda d: idx_pair(d, images=idx_header((6, 8, 8)) + bytes(6 * 64 + 3)), "trailing bytes"),
    "idx-bad-magic": (lambda d: idx_pair(d, images=b"\x01\x02\x03\x04" + bytes(20)), "not an IDX file: magic number"),
    "idx-labels-magic-for-images": (lambda d: idx_pair(d, images=idx_header((6,)) + bytes(6)),
                                    r"magic number 0x00000801 .* where 0x00000803"),
    "idx-too-short": (lambda d: idx_pair(d, images=b"\x00\x00"), "2 bytes is too short for an IDX header"),
    "idx-header-cut": (lambda d: idx_pair(d, images=b"\x00\x00\x08\x03\x00\x00"), "truncated header: 3 dims need 16"),
    "idx-gzip-corrupt": (lambda d: idx_pair(d, images=b"\x1f\x8b" + bytes(30), gz=True), "corrupt or truncated gzip"),
    "idx-gzip-truncated": (lambda d: idx_pair(d, images=gzip.compress(idx_header((6, 8, 8)) + bytes(384))[:20],
                                              gz=True),
                           "corrupt or truncated gzip"),
    "idx-count-mismatch": (lambda d: idx_pair(d, labels=idx_header((5,), 0x08) + bytes(5)),
                           "5 labels but train-images-idx3-ubyte holds 6 images"),
    "idx-zero-side": (lambda d: idx_pair(d, images=idx_header((6, 0, 8))),
                      r"images of size 0×8: both sides must be >= 1"),
    "svhn-element-larger-than-the-file": (lambda d: svhn_edited(d, lambda b: first_element_size(b, 2**31)),
                                          r"a data element at byte 128 .* declares 2147483648 bytes but only "
                                          r"\d+ follow"),
    "svhn-compressed-damaged": (lambda d: svhn_edited(d, damage_compressed, compress=True),
                                r"a compressed element at byte 128 .* is damaged \(Error -3"),
    "svhn-truncated": (lambda d: svhn_edited(d, lambda b: b.__delitem__(slice(3000, None))),
                       r"declares \d+ bytes but only \d+ follow \(the file is truncated or damaged\)"),
    "svhn-compressed-truncated": (lambda d: svhn_edited(d, lambda b: b.__delitem__(slice(180, None)), compress=True),
                                  "declares .* bytes but only"),
    "svhn-hdf5": (lambda d: text(d / "test_32x32.mat", "MATLAB 7.3 MAT-file, HDF5" + " " * 200),
                  "no endian mark 'IM'/'MI' at byte 126 \\(v7.3 files are HDF5"),
    "svhn-too-short": (lambda d: text(d / "test_32x32.mat", "MATLAB 5.0"),
                       "10 bytes is too short for a MATLAB v5 file"),
    "svhn-v4-mark": (lambda d: svhn_edited(d, lambda b: b.__setitem__(0, 0)), "a zero byte in its first four"),
    "svhn-version": (lambda d: svhn_edited(d, lambda b: b.__setitem__(slice(124, 126), b"\x00\x02")),
                     r"MAT-file version 0x0200; only version 5"),
    "svhn-no-x": (lambda d: svhn(d / "test_32x32.mat", images=np.zeros(3)) and
                  _drop_var(d / "test_32x32.mat", "X"), r"missing variable\(s\) X"),
    "svhn-label-eleven": (lambda d: svhn(d / "test_32x32.mat", y=np.array([[1], [11], [2], [3]], np.uint8)),
                          r"SVHN labels must be integers 1..10 \(10 = digit 0\); y\[1\] = 11"),
    "npz-object-array": (lambda d: npz_data(d, images=np.array([None], dtype=object), labels=[0]),
                         r"holds an object \(pickled\) array, refused for safety: 'images'"),
    "npz-header-lies": (lambda d: npz_with_member(d, "images.npy", npy_header("|u1", (10**6, 28, 28)) + bytes(784)),
                        r"array 'images' declares shape \(1000000, 28, 28\) of uint8 \(784000000 bytes\) but the "
                        r"archive holds 784 bytes"),
    "npz-deflate-bomb-claim": (deflate_bomb_claim, "claims 2000000000 bytes from .* more than deflate can produce"),
    "npz-text": (lambda d: text(d / "d.npz", "images,labels\n"), "not a readable .npz archive: it is text"),
    "npz-missing-labels": (lambda d: npz_data(d, images=IMAGES), r"missing array\(s\) 'labels'"),
    "npz-float-labels": (lambda d: npz_data(d, images=IMAGES, labels=LABELS + 0.5), "labels must be integers"),
    "npz-nan-images": (lambda d: npz_data(d, images=np.full((6, 8, 8), np.nan), labels=LABELS),
                       r"floating-point images must lie in \[0, 1\] \(and be finite\)"),
    "npz-complex-images": (lambda d: npz_data(d, images=IMAGES + 0j, labels=LABELS),
                           "images must be uint8 .* or floating point .*; got dtype complex128"),
    "csv-not-integers": (lambda d: text(d / "d.csv", "0,1,2,3,x\n"), "not a CSV of integer rows"),
    "csv-pixel-300": (lambda d: text(d / "d.csv", "0,300,2,3,1\n"),
                      "pixel values must lie in 0..255; row 0, column 1 is 300"),
    "csv-not-square": (lambda d: text(d / "d.csv", "0,1,2,1\n"), "4 columns: 3 pixels per row are not a square image"),
    "csv-empty": (lambda d: text(d / "d.csv", "\n"), "no rows: the file holds no images"),
    "cifar-partial-record": (lambda d: _write(d / "test_batch.bin", bytes(3073 + 100)),
                             "3173 bytes is not a whole number of 3073-byte records"),
    "cifar-label-twelve": (lambda d: _write(d / "test_batch.bin", bytes([12]) + bytes(3072)),
                           r"labels must lie in 0..9"),
    "unknown-extension": (lambda d: _write(d / "digits.parquet", b"PAR1"), "cannot tell the format from the name"),
    "idx-labels-file-given": (lambda d: idx_pair(d).with_name("train-labels-idx1-ubyte"), "an IDX labels file"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _drop_var(path: Path, name: str) -> Path:
    data = {k: v for k, v in scipy.io.loadmat(path).items() if not k.startswith("__") and k != name}
    scipy.io.savemat(path, data)
    return path


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_data_files_are_refused(case: str, tmp_path: Path) -> None:
    make, match = BAD_FILES[case]
    path = make(tmp_path)
    with pytest.raises(DatasetFormatError, match=match) as err:
        load(path)
    assert path.name in str(err.value) or path.parent.name in str(err.value)


@pytest.mark.parametrize("call, error, match", [
    (lambda d: load_train_test(d, train_fraction=1.5), ValueError, r"train_fraction must lie in \(0, 1\); got 1.5"),
    (lambda d: load(d, "valid"), ValueError, r"split must be one of \['test', 'train'\]; got 'valid'"),
    (lambda d: load(d), FileNotFoundError, "no train data in .*: expected IDX"),
    (lambda d: load(d / "missing.npz"), FileNotFoundError, "no such file or folder"),
    (lambda d: Dataset(np.zeros((2, 3, 3), np.uint8), [0.0, 1.0]), ValueError,
     "labels must be integers; got dtype float64"),
    (lambda d: Dataset(np.zeros((2, 3, 3), np.uint8), [0, -1]), ValueError, r"labels must be >= 0; labels\[1\] = -1"),
], ids=["train-fraction", "unknown-split", "empty-folder", "missing-file", "float-labels", "negative-label"])
def test_bad_arguments_are_refused(call: Callable[[Path], Any], error: type[Exception], match: str,
                                   tmp_path: Path) -> None:
    with pytest.raises(error, match=match):
        call(tmp_path)


# ----------------------------------------------------------------------------- Hypothesis
def _originals(folder: Path) -> dict[str, tuple[Path, list[Path], int]]:
    """Per format: the file to load, the files it reads, and the bytes of its arrays."""
    made: dict[str, tuple[Path, list[Path], int]] = {}
    for kind in ("idx", "idx-gz"):
        sub = folder / kind
        sub.mkdir()
        images = idx_pair(sub, gz=kind == "idx-gz")
        made[kind] = (images, [images, images.with_name(images.name.replace("images-idx3", "labels-idx1"))], 6 * 65)
    save_npz(folder / "d.npz", Dataset(IMAGES, LABELS))
    made["npz"] = (folder / "d.npz", [folder / "d.npz"], IMAGES.nbytes + LABELS.nbytes)
    rows = np.concatenate([IMAGES.reshape(6, -1), LABELS[:, None]], 1)
    csv = text(folder / "d.csv", "\n".join(",".join(map(str, r)) for r in rows))
    made["csv"] = (csv, [csv], 6 * 65 * 8)
    made["cifar"] = (_write(folder / "test_batch.bin", bytes(2 * 3073)), [folder / "test_batch.bin"], 2 * 3073)
    for kind, compress in (("svhn", False), ("svhn-z", True)):
        sub = folder / kind
        sub.mkdir()
        path = svhn(sub / "test_32x32.mat", compress)
        made[kind] = (path, [path], 32 * 32 * 3 * 4 + 4)
    return made


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[Path], int, dict[Path, bytes]]]:
    made = _originals(tmp_path_factory.mktemp("data"))
    return {k: (main, files, size, {f: f.read_bytes() for f in files}) for k, (main, files, size) in made.items()}


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["idx", "idx-gz", "npz", "csv", "cifar", "svhn", "svhn-z"]), which=st.integers(0, 1),
       edits=st.lists(st.tuples(st.sampled_from(["set", "cut", "insert", "overwrite"]), st.integers(0, 10**5),
                                st.binary(min_size=1, max_size=8)), min_size=1, max_size=3))
def test_damaged_data_files_load_validly_or_are_refused(kind: str, which: int, edits: list[tuple[str, int, bytes]],
                                                        originals: dict[str, Any]) -> None:
    main, files, array_bytes, contents = originals[kind]
    for f, data in contents.items():
        f.write_bytes(data)
    target = files[which % len(files)]
    data = bytearray(contents[target])
    for op, where, chunk in edits:
        i = where % (len(data) + 1)
        if op == "set" and i < len(data):
            data[i] = chunk[0]
        elif op == "cut":
            del data[i:]
        elif op == "insert":
            data[i:i] = chunk
        else:
            data[i:i + len(chunk)] = chunk
    target.write_bytes(bytes(data))
    budget = 64 * max(array_bytes, sum(len(c) for c in contents.values())) + (2 << 20)
    tracemalloc.start()
    try:
        try:
            loaded = load(main)
        except DatasetFormatError:
            loaded = None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= budget, f"loading took {peak} bytes (budget {budget})"
    assert loaded is None or isinstance(loaded, Dataset)
