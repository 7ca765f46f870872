"""The JSON spec of a saved model: parse it, check its shape, list its leaf layers, bound its memory.

A spec is what :meth:`~groupcore.nn.Layer.spec` returns, ``{"type": name, "config": {...}}``,
where a ``Sequential``'s config is ``{"layers": [spec, ...]}``. Everything here runs before a
single layer is built: :func:`leaf_specs` refuses malformed specs with a message naming the
layer, and :func:`memory_bound` estimates, from the sizes in each config, how many bytes
building the layers can allocate, so that a file whose spec asks for far more than the arrays
it stores is refused before anything is allocated.

Examples
--------
>>> from groupcore import nn
>>> spec = parse_spec(json.dumps(nn.Sequential(nn.Dense(3, 2), nn.ReLU()).spec()))
>>> [leaf["type"] for leaf in leaf_specs(spec)], memory_bound(spec) < 1000
(['Dense', 'ReLU'], True)
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["SpecError", "parse_spec", "leaf_specs", "memory_bound", "largest_leaf", "MAX_DEPTH", "BYTES_PER_ELEMENT"]

#: Deepest nesting of ``Sequential`` specs accepted.
MAX_DEPTH = 32
#: Bytes counted per element of a layer's expanded size: an int64 index, a float64 interpolation
#: weight, and the float64 draw and float32 copy of the initial parameters, with room to spare.
BYTES_PER_ELEMENT = 64
#: Config entries that place a layer's windows but allocate nothing when it is built.
_GEOMETRY_KEYS = frozenset({"stride", "padding", "input_size", "size", "dilation"})
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DIMS = re.compile(r"([1-9])[dD]$")


class SpecError(ValueError):
    """A model spec that is not valid JSON or not a tree of layer specs.

    Examples
    --------
    >>> try:
    ...     parse_spec("{")
    ... except SpecError as err:
    ...     print(str(err).split(" (")[0])
    the spec is not valid JSON
    """


def _refuse_constant(name: str) -> Any:
    raise SpecError(f"the spec holds {name}, which is not a number")


def parse_spec(text: str) -> dict[str, Any]:
    """Decode a spec from JSON, refusing NaN/Infinity and absurd nesting.

    Examples
    --------
    >>> parse_spec('{"type": "ReLU", "config": {}}')["type"]
    'ReLU'
    """
    try:
        spec = json.loads(text, parse_constant=_refuse_constant)
    except SpecError:
        raise
    except (ValueError, RecursionError) as err:
        raise SpecError(f"the spec is not valid JSON ({type(err).__name__}: {str(err)[:200]})") from None
    if not isinstance(spec, dict):
        raise SpecError(f"the spec must be a JSON object describing a layer; got a {type(spec).__name__}")
    return spec


def _node(spec: Any, where: str) -> tuple[str, dict[str, Any]]:
    if not isinstance(spec, dict) or set(spec) != {"type", "config"}:
        keys = sorted(spec) if isinstance(spec, dict) else type(spec).__name__
        raise SpecError(f"{where} must be an object with exactly the keys 'type' and 'config'; got {keys}")
    kind, config = spec["type"], spec["config"]
    if not isinstance(kind, str) or not _NAME.fullmatch(kind):
        raise SpecError(f"{where} has type {kind!r}, not a layer class name")
    if not isinstance(config, dict):
        raise SpecError(f"{where} ({kind}) has a config of type {type(config).__name__}, not an object")
    return kind, config


def _children(kind: str, config: dict[str, Any], where: str) -> list[tuple[Any, str]]:
    """The sub-layer specs of a node: a ``Sequential``'s layers, or config values that are layer specs."""
    if kind == "Sequential":
        layers = config.get("layers")
        if set(config) != {"layers"} or not isinstance(layers, list):
            raise SpecError(f"{where} (Sequential) needs a config {{'layers': [...]}}; got keys {sorted(config)}")
        return [(child, f"{where}, layer {i}") for i, child in enumerate(layers)]
    return [(value, f"{where} ({kind}), {key}") for key, value in config.items()
            if isinstance(value, dict) and "type" in value and "config" in value]


def leaf_specs(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The specs of the leaf layers, depth first (the order of :meth:`~groupcore.nn.Layer.leaves`).

    A node with sub-layers (a ``Sequential``'s ``layers``, a black-box lift's ``f_tilde``) is
    not a leaf; its sub-layers are.

    Raises
    ------
    SpecError
        A node that is not ``{"type", "config"}``, a ``Sequential`` without a list of layers, or
        nesting deeper than :data:`MAX_DEPTH`.

    Examples
    --------
    >>> inner = {"type": "Sequential", "config": {"layers": [{"type": "ReLU", "config": {}}]}}
    >>> len(leaf_specs({"type": "Sequential", "config": {"layers": [inner, inner]}}))
    2
    """
    leaves: list[dict[str, Any]] = []
    stack: list[tuple[Any, str, int]] = [(spec, "the model", 0)]
    while stack:
        node, where, depth = stack.pop()
        kind, config = _node(node, where)
        children = _children(kind, config, where)
        if not children and kind != "Sequential":
            leaves.append(node)
            continue
        if depth >= MAX_DEPTH:
            raise SpecError(f"{where} nests layers more than {MAX_DEPTH} deep")
        stack.extend((child, place, depth + 1) for child, place in reversed(children))
    return leaves


def _square_table(group: Any, where: str) -> int:
    table = group.get("table") if isinstance(group, dict) else None
    if not isinstance(table, list) or not table or not all(isinstance(row, list) and len(row) == len(table)
                                                           for row in table):
        raise SpecError(f"{where}: a group must be an object with a square 'table' (a list of rows)")
    return len(table)


def _structure(value: Any, where: str, key: str = "") -> tuple[int, int]:
    """``(|G|, |X|)``: the largest group order and G-set size described anywhere in a config value."""
    n, m = 1, 1
    if isinstance(value, dict):
        if key == "group":
            return _square_table(value, where), 1
        if value.get("kind") == "table" and isinstance(value.get("table"), list) and value["table"]:
            first = value["table"][0]
            m = len(first) if isinstance(first, list) else 1
        for k, v in value.items():
            n_k, m_k = _structure(v, where, k)
            n, m = max(n, n_k), max(m, m_k)
    elif isinstance(value, list):
        for v in value:
            n_v, m_v = _structure(v, where)
            n, m = max(n, n_v), max(m, m_v)
    return n, m


def _sizes(value: Any) -> list[int]:
    """The positive integers of a config entry: an int, or a list of ints (nested objects hold structure)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value] if value > 0 else []
    if isinstance(value, list):
        return [s for v in value if not isinstance(v, (dict, list)) for s in _sizes(v)]
    return []


def _layer_bound(spec: dict[str, Any], where: str) -> int:
    config = spec["config"]
    n, m = _structure(config, where)
    found = _DIMS.search(spec["type"])
    dims = int(found.group(1)) if found else 3
    kernel = _sizes(config.get("kernel_size", 1))
    taps = math.prod(kernel) ** (dims if len(kernel) == 1 else 1)
    others = math.prod(s for key, value in config.items()
                       if key not in _GEOMETRY_KEYS and key != "kernel_size" for s in _sizes(value))
    return BYTES_PER_ELEMENT * others * taps * n * n * m


def memory_bound(spec: dict[str, Any]) -> int:
    """An upper estimate of the bytes that building the model of ``spec`` allocates.

    Per leaf: :data:`BYTES_PER_ELEMENT` times the product of its sizes (channels, features,
    the kernel's taps ``k**d`` for a ``…{d}d`` layer, ``k**3`` otherwise), times ``|G|²`` for a
    lifted layer and the size of the G-set its action describes by a table. It bounds the
    parameters and the index tensors a consistent spec builds; a spec whose bound is far above
    the bytes its file stores does not describe those arrays.

    Examples
    --------
    >>> memory_bound({"type": "Dense", "config": {"in_features": 40000, "out_features": 40000}}) > 10**11
    True
    """
    return sum(_layer_bound(leaf, f"layer {i} ({leaf['type']})") for i, leaf in enumerate(leaf_specs(spec)))


def largest_leaf(spec: dict[str, Any]) -> tuple[int, str, int]:
    """``(index, type, bound)`` of the leaf with the largest :func:`memory_bound` share.

    Examples
    --------
    >>> largest_leaf({"type": "Sequential", "config": {"layers": [
    ...     {"type": "ReLU", "config": {}}, {"type": "Dense", "config": {"in_features": 9, "out_features": 9}}]}})[:2]
    (1, 'Dense')
    """
    bounds = [(_layer_bound(leaf, f"layer {i}"), i, leaf["type"]) for i, leaf in enumerate(leaf_specs(spec))]
    bound, i, kind = max(bounds)
    return i, kind, bound
