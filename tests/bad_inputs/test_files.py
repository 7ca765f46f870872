"""Bad model files: every damaged, tampered or foreign file is refused with a ``ModelFileError`` naming it.

Each case starts from a small saved model (a C2 lifting convolution, batch norm, pooling and a
dense layer). Tampered arrays and specs are re-signed with a valid checksum, so that the check
that catches them is the one named; unsigned edits are caught by the checksum. Hypothesis then
damages a few hundred files (bytes, arrays, specs): none may load with a changed prediction,
raise anything but ``ModelFileError``, or allocate more than a small multiple of the file's arrays.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import groupcore as gc
from groupcore import nn
from groupcore.nn.io import ModelFileError, checksum, register_layer

Arrays = dict[str, np.ndarray]
X = np.random.default_rng(0).random((3, 1, 6, 6))
#: Loading may allocate this multiple of the bytes of the original file's arrays, plus a constant.
PEAK_FACTOR, PEAK_SLACK = 16, 2 << 20


def small_model(group: gc.Group | None = None) -> nn.Sequential:
    G = gc.cyclic(2) if group is None else group
    net = nn.Sequential(nn.LiftingConv2d(G, 1, 2, 3, seed=0), nn.GroupBatchNorm(2), nn.ReLU(), nn.GroupPool("max"),
                        nn.Flatten(), nn.Dense(2 * 4 * 4, 3, seed=1)).to(dtype="float64")
    net.train()(X)                                   # running statistics away from their start
    return net


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Arrays, np.ndarray]:
    path = tmp_path_factory.mktemp("model") / "m.npz"
    net = small_model()
    net.save(path)
    return path, read_arrays(path), net.predict(X)


def read_arrays(path: Path) -> Arrays:
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def write(path: Path, arrays: Arrays, sign: bool = True) -> Path:
    arrays = dict(arrays)
    if sign:
        arrays["checksum"] = np.array(checksum(arrays))
    np.savez(path, **arrays)
    return path


def with_spec(arrays: Arrays, edit: Callable[[dict[str, Any]], Any]) -> Arrays:
    spec = json.loads(str(arrays["spec"]))
    edit(spec)
    return {**arrays, "spec": np.array(json.dumps(spec))}


def with_text(arrays: Arrays, text: str) -> Arrays:
    return {**arrays, "spec": np.array(text)}


def layer_config(spec: dict[str, Any], i: int) -> dict[str, Any]:
    return spec["config"]["layers"][i]["config"]


def replaced(arrays: Arrays, key: str, value: Any) -> Arrays:
    return {**arrays, key: np.asarray(value)}


def without(arrays: Arrays, *keys: str) -> Arrays:
    return {k: v for k, v in arrays.items() if k not in keys}


def only_layer(kind: str, config: dict[str, Any]) -> Arrays:
    return {"format": np.array(2), "spec": np.array(json.dumps({"type": "Sequential", "config": {
        "layers": [{"type": kind, "config": config}]}}))}


def set_key(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(spec: dict[str, Any]) -> None:
        layer_config(spec, 0)[key] = value
    return edit


def flip_matrices(spec: dict[str, Any]) -> None:
    layer_config(spec, 0)["group"]["matrices"][1] = [[-1, 0], [0, 1]]       # the half turn becomes a flip


def rename_group(spec: dict[str, Any]) -> None:
    layer_config(spec, 0)["group"]["name"] = "D1"


# Each case: a function of the saved model's arrays returning (arrays, sign?) and the message expected.
TAMPERED: dict[str, tuple[Callable[[Arrays], Arrays], bool, str]] = {
    "unsigned-edit": (lambda a: replaced(a, "L5.param.bias", a["L5.param.bias"] + 1), False,
                      "the checksum does not match the arrays: the file was damaged or edited"),
    "checksum-missing": (lambda a: without(a, "checksum"), False, "the 'checksum' array is missing"),
    "checksum-not-a-string": (lambda a: replaced(a, "checksum", 7), False, "'checksum' has dtype int64"),
    "no-spec": (lambda a: without(a, "spec"), True, "not a groupcore model file: no 'spec' array"),
    "no-format": (lambda a: without(a, "format"), True, "not a groupcore model file: no 'format' array"),
    "format-3": (lambda a: replaced(a, "format", 3), True, r"model file format 3; this groupcore reads formats 1, 2"),
    "format-a-string": (lambda a: replaced(a, "format", "2"), True, "'format' has dtype <U1.*a single integer"),
    "spec-an-array-of-ints": (lambda a: replaced(a, "spec", [1, 2]), True, "'spec' has dtype int64.*a single string"),
    "spec-not-json": (lambda a: with_text(a, "{layers"), True, "bad model spec: the spec is not valid JSON"),
    "spec-a-list": (lambda a: with_text(a, "[1, 2]"), True, "the spec must be a JSON object describing a layer"),
    "spec-nested-too-deep": (lambda a: with_text(a, "[" * 100_000 + "]" * 100_000), True,
                             "not valid JSON.*RecursionError"),
    "spec-nan": (lambda a: with_text(a, str(a["spec"]).replace("1e-05", "NaN")), True,
                 "holds NaN, which is not a number"),
    "spec-missing-config": (lambda a: with_spec(a, lambda s: s["config"]["layers"][1].pop("config")), True,
                            r"layer 1 must be an object with exactly the keys 'type' and 'config'; got \['type'\]"),
    "spec-type-not-a-name": (lambda a: with_spec(a, lambda s: s["config"]["layers"][2].update(type="os.system")),
                             True, r"layer 2 has type 'os.system', not a layer class name"),
    "spec-unknown-type": (lambda a: with_spec(a, lambda s: s["config"]["layers"][2].update(type="Teleport")), True,
                          "layer 2 has the unknown type 'Teleport'; known: .*register_layer"),
    "spec-base-layer": (lambda a: with_spec(a, lambda s: s["config"]["layers"][2].update(type="Layer")), True,
                        "layer 2 has the unknown type 'Layer'"),
    "spec-black-box-lift-without-a-map": (lambda a: with_spec(a, lambda s: s["config"]["layers"][2].update(
        type="LiftLayer")), True, "a LiftLayer cannot be built from the config"),
    "sequential-without-layers": (lambda a: with_spec(a, lambda s: s["config"].update(layers={"a": 1})), True,
                                  r"\(Sequential\) needs a config \{'layers': \[...\]\}"),
    "sequential-nested-too-deep": (lambda a: with_text(a, '{"type": "Sequential", "config": {"layers": [' * 40
                                                       + "]}}" * 40), True, "nests layers more than 32 deep"),
    "config-unknown-keyword": (lambda a: with_spec(a, set_key("strides", 2)), True,
                               "a LiftingConv2d cannot be built from the config .*TypeError.*strides"),
    "config-kernel-a-string": (lambda a: with_spec(a, set_key("kernel_size", "3")), True,
                               "a LiftingConv2d cannot be built from the config"),
    "config-kernel-zero": (lambda a: with_spec(a, set_key("kernel_size", 0)), True,
                           "a LiftingConv2d cannot be built from the config"),
    "config-bad-frame": (lambda a: with_spec(a, set_key("frame", "sideways")), True, "frame must be one of"),
    "config-group-not-a-group": (lambda a: with_spec(a, set_key("group", {"name": "C2", "table": [[0, 1], [1, 1]]})),
                                 True, "cannot be built from the config.*GroupAxiomError|latin square"),
    "config-group-not-square": (lambda a: with_spec(a, set_key("group", {"name": "C2", "table": [[0, 1]]})), True,
                                "a group must be an object with a square 'table'"),
    "config-bigger-than-the-arrays": (lambda a: with_spec(a, lambda s: layer_config(s, 5).update(out_features=10**6)),
                                      True, r"the spec describes layers that need about .* \(layer 5, a Dense"),
    "config-other-sizes": (lambda a: with_spec(a, lambda s: layer_config(s, 5).update(out_features=4)), True,
                           r"'L5.param.weight' of layer 5 \(Dense\) has shape \(3, 32\) but .* needs \(4, 32\)"),
    "group-geometry-changed": (lambda a: with_spec(a, flip_matrices), True,
                               r"the stored index of layer 0 \(LiftingConv2d\) differs from the one its spec builds"),
    "group-renamed-index-removed": (lambda a: without(with_spec(a, rename_group), "L0.index"), True,
                                    r"the weight-sharing array 'L0.index' of layer 0 \(LiftingConv2d\) is missing"),
    "index-changed": (lambda a: replaced(a, "L0.index", a["L0.index"][..., ::-1]), True,
                      "the stored index of layer 0 .* differs"),
    "index-reshaped": (lambda a: replaced(a, "L0.index", a["L0.index"].reshape(-1)), True,
                       "the stored index of layer 0 .* differs"),
    "index-floats": (lambda a: replaced(a, "L0.index", a["L0.index"].astype(np.float64)), True,
                     "'L0.index' has dtype float64 .* must hold integers"),
    "param-complex": (lambda a: replaced(a, "L0.param.theta", a["L0.param.theta"] + 1j), True,
                      "'L0.param.theta' has dtype complex128 .* float32 or float64"),
    "param-integers": (lambda a: replaced(a, "L5.param.bias", np.zeros(3, np.int64)), True,
                       "'L5.param.bias' has dtype int64 .* float32 or float64"),
    "param-float16": (lambda a: replaced(a, "L5.param.bias", np.zeros(3, np.float16)), True,
                      "'L5.param.bias' has dtype float16"),
    "param-strings": (lambda a: replaced(a, "L5.param.bias", np.array(["a", "b", "c"])), True,
                      "'L5.param.bias' has dtype <U1"),
    "param-nan": (lambda a: replaced(a, "L0.param.theta", np.where(np.arange(18) == 4, np.nan, a["L0.param.theta"])),
                  True, r"param 'L0.param.theta' of layer 0 \(LiftingConv2d\) holds nan at flat index 4"),
    "param-inf": (lambda a: replaced(a, "L5.param.weight", -np.inf * np.ones((3, 32))), True,
                  "'L5.param.weight' .* holds -inf at flat index 0: parameters and buffers must be finite"),
    "param-wrong-shape": (lambda a: replaced(a, "L0.param.theta", a["L0.param.theta"][:5]), True,
                          r"has shape \(5,\) but the layer its spec builds needs \(18,\)"),
    "param-missing": (lambda a: without(a, "L1.param.weight"), True,
                      r"the array 'L1.param.weight' of layer 1 \(GroupBatchNorm\) is missing"),
    "buffer-negative-variance": (lambda a: replaced(a, "L1.buffer.running_var", -a["L1.buffer.running_var"]), True,
                                 "'L1.buffer.running_var' .* must be non-negative \\(it is a variance\\)"),
    "buffer-nan-mean": (lambda a: replaced(a, "L1.buffer.running_mean", [np.nan, 0.0]), True,
                        "'L1.buffer.running_mean' .* holds nan"),
    "array-unexpected": (lambda a: replaced(a, "L2.param.weight", np.ones(2)), True,
                         r"unexpected array\(s\) 'L2.param.weight': not part of the model"),
    "array-for-a-missing-layer": (lambda a: replaced(a, "L9.param.weight", np.ones(2)), True,
                                  "array 'L9.param.weight' belongs to layer 9 but the spec has 6 leaf layers"),
    "array-foreign-name": (lambda a: replaced(a, "weights", np.ones(2)), True,
                           "unexpected array 'weights': not part of a groupcore model file"),
    "array-object": (lambda a: replaced(a, "L5.param.bias", np.array([None, 1, 2], dtype=object)), True,
                     r"holds an object \(pickled\) array, refused for safety"),
}


@pytest.mark.parametrize("case", list(TAMPERED))
def test_tampered_model_files_are_refused(case: str, saved: tuple[Path, Arrays, np.ndarray], tmp_path: Path) -> None:
    make, sign, match = TAMPERED[case]
    arrays = make(saved[1])
    path = tmp_path / "tampered.npz"
    if case == "array-object":
        np.savez(path, **arrays)               # savez pickles the object array; nothing may unpickle it
    else:
        write(path, arrays, sign)
    with pytest.raises(ModelFileError, match=match) as err:
        nn.load(path)
    assert err.value.path == str(path) and str(err.value).startswith(str(path))


def test_a_spec_asking_for_gigabytes_is_refused_before_allocating(tmp_path: Path) -> None:
    path = write(tmp_path / "huge.npz", only_layer("Dense", {"in_features": 40000, "out_features": 40000}))
    assert path.stat().st_size < 2000
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=r"need about 95.4 GiB \(layer 0, a Dense.*stores \d+ bytes of arrays"):
            nn.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 << 20


FOREIGN: dict[str, tuple[Callable[[Path], Any], str]] = {
    "text": (lambda p: p.write_text("hello, world\n"), "not a readable .npz archive: it is text, starting 'hello"),
    "empty": (lambda p: p.write_bytes(b""), "not a readable .npz archive: the file is empty"),
    "binary-junk": (lambda p: p.write_bytes(bytes(range(256))), "it starts with the bytes 00 01 02"),
    "a-single-npy": (lambda p: _save_npy(p, np.zeros(3)), "a single .npy array, not an .npz archive"),
    "zip-magic-only": (lambda p: p.write_bytes(b"PK\x03\x04" + bytes(60)), "a damaged zip file"),
    "a-zip-of-text": (lambda p: _zip_with(p, "notes.txt", b"hi"), "member 'notes.txt' is not an .npy array"),
    "header-lies-about-the-shape": (lambda p: _zip_with(p, "spec.npy", _npy_header("<f8", (10**9,)) + bytes(8)),
                                    r"array 'spec' declares shape \(1000000000,\) of float64"),
    "npy-version-3": (lambda p: _zip_with(p, "spec.npy", b"\x93NUMPY\x03\x00" + bytes(8)), "version 3.0"),
}


def _npy_header(descr: str, shape: tuple[int, ...]) -> bytes:
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header


def _zip_with(path: Path, name: str, data: bytes) -> None:
    import zipfile
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(name, data)


def _save_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as f:          # np.save(path, ...) would append ".npy" to the name
        np.save(f, array)


@pytest.mark.parametrize("case", list(FOREIGN))
def test_files_that_are_not_model_files_are_refused(case: str, tmp_path: Path) -> None:
    make, match = FOREIGN[case]
    path = tmp_path / "x.npz"
    make(path)
    with pytest.raises(ModelFileError, match=match) as err:
        nn.load(path)
    assert "allow_pickle" not in str(err.value)


def test_truncated_files_are_refused(saved: tuple[Path, Arrays, np.ndarray], tmp_path: Path) -> None:
    data = saved[0].read_bytes()
    path = tmp_path / "t.npz"
    for cut in (len(data) // 3, len(data) - 30):
        path.write_bytes(data[:cut])
        with pytest.raises(ModelFileError, match="not a readable .npz archive|damaged|cannot be read"):
            nn.load(path)


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nothing.npz"):
        nn.load(tmp_path / "nothing.npz")


def test_load_refuses_a_bad_dtype(saved: tuple[Path, Arrays, np.ndarray]) -> None:
    with pytest.raises(ValueError, match="dtype must be None, 'float32' or 'float64'; got 'float16'"):
        nn.load(saved[0], dtype="float16")


def test_interpolation_weights_are_checked(tmp_path: Path) -> None:
    net = nn.Sequential(nn.LiftingConv2d(gc.cyclic(8), 1, 1, 3, frame="diagonal", seed=0))
    path = tmp_path / "c8.npz"
    net.save(path)
    arrays = read_arrays(path)
    with pytest.raises(ModelFileError, match="the stored coef of layer 0 .* differs"):
        nn.load(write(path, replaced(arrays, "L0.coef", arrays["L0.coef"] * 1.5)))
    with pytest.raises(ModelFileError, match="the weight-sharing array 'L0.coef' of layer 0 .* is missing"):
        nn.load(write(path, without(arrays, "L0.coef")))


class Scale(nn.Layer):
    """A layer class of a user's own: multiplies by a constant."""

    def __init__(self, factor: float = 2.0) -> None:
        super().__init__()
        self.factor = factor

    def config(self) -> dict[str, Any]:
        return {"factor": self.factor}

    def forward(self, x: Any) -> Any:
        return self.factor * x

    def backward(self, gy: Any) -> Any:
        return self.factor * gy


SAVE: dict[str, tuple[Callable[[], Any], type[Exception], str]] = {
    "custom-layer-unregistered": (lambda: nn.Sequential(nn.Dense(2, 2), Scale()), ModelFileError,
                                  r"cannot save a Scale layer: .*register_layer\(Scale\)"),
    "black-box-lift-of-a-function": (lambda: nn.lift_layer(np.tanh, gc.cyclic(2), gc.Action.regular(gc.cyclic(2))),
                                     ModelFileError,
                                     "cannot save this model: this black-box lift wraps a plain callable"),
    "nan-parameters": (lambda: _with_param(nn.Sequential(nn.Dense(2, 2)), np.nan), ModelFileError,
                       r"cannot save: the param 'weight' of layer 0 \(Dense\) holds NaN or infinite values"),
    "not-a-layer": (lambda: {"weight": np.ones(2)}, TypeError, "can only save a groupcore.nn.Layer; got dict"),
}


def _with_param(net: nn.Sequential, value: float) -> nn.Sequential:
    net[0].params["weight"] = np.full((2, 2), value, np.float32)
    return net


@pytest.mark.parametrize("case", list(SAVE))
def test_models_that_cannot_be_loaded_back_are_not_saved(case: str, tmp_path: Path) -> None:
    make, error, match = SAVE[case]
    path = tmp_path / "m.npz"
    with pytest.raises(error, match=match):
        nn.save(make(), path)
    assert not path.exists()


def test_registered_layers_save_and_load(tmp_path: Path) -> None:
    register_layer(Scale)
    net = nn.Sequential(nn.Dense(2, 2, seed=0), Scale(3.0))
    net.save(tmp_path / "m.npz")
    x = np.ones((1, 2))
    assert np.allclose(nn.load(tmp_path / "m.npz").predict(x), net.predict(x))


@pytest.mark.parametrize("cls, error, match", [
    (int, TypeError, "register_layer takes a groupcore.nn.Layer subclass"),
    (type("Dense", (nn.Layer,), {"forward": lambda self, x: x}), ValueError,
     "a different layer class named 'Dense' is already known"),
])
def test_register_layer_refuses(cls: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        register_layer(cls)


# ----------------------------------------------------------------------------- Hypothesis
def _load_outcome(path: Path, budget: int) -> Any:
    """The loaded model, or None when refused with ModelFileError; never past the memory budget."""
    tracemalloc.start()
    try:
        try:
            model = nn.load(path)
        except ModelFileError:
            model = None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= budget, f"loading took {peak} bytes (budget {budget})"
    return model


def _refused_or_unchanged(path: Path, arrays: Arrays, reference: np.ndarray) -> None:
    model = _load_outcome(path, _budget(arrays))
    if model is not None:
        assert np.array_equal(model.predict(X), reference)


def _budget(arrays: Arrays) -> int:
    return PEAK_FACTOR * sum(a.nbytes for a in arrays.values()) + PEAK_SLACK


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(["set", "cut", "insert", "overwrite"]), st.integers(0, 10**6),
                                st.binary(min_size=1, max_size=8)), min_size=1, max_size=3))
def test_damaged_bytes_never_load_wrongly(edits: list[tuple[str, int, bytes]], saved: tuple[Path, Arrays, np.ndarray],
                                          tmp_path: Path) -> None:
    path, arrays, reference = saved
    data = bytearray(path.read_bytes())
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
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(bytes(data))
    _refused_or_unchanged(damaged, arrays, reference)


#: Edits no valid model file can hold (so a file carrying one must be refused, checksum or not).
INVALID_EDITS: dict[str, Callable[[np.ndarray], np.ndarray | None]] = {
    "nan": lambda a: np.where(np.arange(a.size).reshape(a.shape) == a.size // 2, np.nan, a),
    "inf": lambda a: np.full(a.shape, np.inf),
    "complex": lambda a: a.astype(np.complex64),
    "float16": lambda a: a.astype(np.float16),
    "strings": lambda a: a.astype(str),
    "shorter": lambda a: a.reshape(-1)[:-1],
    "longer": lambda a: np.concatenate([a.reshape(-1), a.reshape(-1)]),
    "transposed": lambda a: a.reshape(-1)[::-1].reshape(a.shape) if a.dtype.kind in "iu" else a.T[None],
    "removed": lambda a: None,
}


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["L0.param.theta", "L0.param.bias", "L0.index", "L1.param.weight", "L1.buffer.running_var",
                            "L1.buffer.running_mean", "L5.param.weight", "L5.param.bias"]),
       edit=st.sampled_from(list(INVALID_EDITS)), sign=st.booleans(), value=st.floats(-1e6, 1e6))
def test_damaged_arrays_never_load_wrongly(key: str, edit: str, sign: bool, value: float,
                                           saved: tuple[Path, Arrays, np.ndarray], tmp_path: Path) -> None:
    _, arrays, reference = saved
    base = without(arrays, "checksum")
    try:
        new = INVALID_EDITS[edit](base[key])
    except (TypeError, ValueError, OverflowError):       # an edit that does not apply to this array
        return
    edited = without(base, key) if new is None else replaced(base, key, new)
    assert _load_outcome(write(tmp_path / "edited.npz", edited, sign), _budget(arrays)) is None
    # a change of a value that a valid file could hold is caught by the checksum
    changed = replaced(base, key, np.where(base[key] == base[key].flat[0], value, base[key]))
    if not np.array_equal(changed[key], base[key]):
        _refused_or_unchanged(write(tmp_path / "changed.npz", changed, sign=False), arrays, reference)


def _json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 10**12),
                        st.floats(allow_nan=False, allow_infinity=False),
                        st.sampled_from(["C2", "D1", "regular", "diagonal", "max", "Dense", "", "x" * 50]))
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                                             max_size=3), max_leaves=6)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value (dict keys and list indices)."""
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, prefix + (i,))
    return found


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), sign=st.booleans())
def test_damaged_specs_never_load_wrongly(data: st.DataObject, sign: bool, saved: tuple[Path, Arrays, np.ndarray],
                                          tmp_path: Path) -> None:
    """Unsigned (damaged): refused or unchanged. Signed (forged): refused, or a model that runs, in bounded memory."""
    _, arrays, reference = saved
    spec = json.loads(str(arrays["spec"]))
    place = data.draw(st.sampled_from(_paths(spec)[1:]), label="place")
    parent = spec
    for step in place[:-1]:
        parent = parent[step]
    if data.draw(st.booleans(), label="delete"):
        del parent[place[-1]]
    else:
        parent[place[-1]] = data.draw(_json_values(), label="value")
    edited = write(tmp_path / "edited.npz", {**without(arrays, "checksum"), "spec": np.array(json.dumps(spec))}, sign)
    if not sign:
        _refused_or_unchanged(edited, arrays, reference)
        return
    model = _load_outcome(edited, _budget(arrays))
    if model is not None:
        try:
            out = model.predict(X)
        except ValueError:                       # a forged but loadable spec whose layers do not fit together
            return
        assert np.isfinite(out).all()
