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


def leaf_specs(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The specs of the leaf layers, depth first (the order of :meth:`~groupcore.nn.Layer.leaves`).

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
        if kind != "Sequential":
            leaves.append(node)
            continue
        layers = config.get("layers")
        if set(config) != {"layers"} or not isinstance(layers, list):
            raise SpecError(f"{where} (Sequential) needs a config {{'layers': [...]}}; got keys {sorted(config)}")
        if depth >= MAX_DEPTH:
            raise SpecError(f"{where} nests Sequential layers more than {MAX_DEPTH} deep")
        stack.extend((child, f"{where}, layer {i}", depth + 1) for i, child in reversed(list(enumerate(layers))))
    return leaves


def _group_order(config: dict[str, Any], where: str) -> int:
    group = config.get("group")
    if group is None:
        return 1
    table = group.get("table") if isinstance(group, dict) else None
    if not isinstance(table, list) or not table or not all(isinstance(row, list) and len(row) == len(table)
                                                           for row in table):
        raise SpecError(f"{where}: the group must be an object with a square 'table' (a list of rows)")
    return len(table)


def _sizes(value: Any) -> list[int]:
    """The positive integers in a config value (lists and objects searched)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value] if value > 0 else []
    if isinstance(value, list):
        return [s for v in value for s in _sizes(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _sizes(v)]
    return []


def _layer_bound(spec: dict[str, Any], where: str) -> int:
    config = spec["config"]
    n = _group_order(config, where)
    found = _DIMS.search(spec["type"])
    dims = int(found.group(1)) if found else 3
    kernel = _sizes(config.get("kernel_size", 1))
    taps = math.prod(kernel) ** (dims if len(kernel) == 1 else 1)
    others = math.prod(s for key, value in config.items()
                       if key not in _GEOMETRY_KEYS and key not in ("group", "kernel_size") for s in _sizes(value))
    return BYTES_PER_ELEMENT * others * taps * n * n


def memory_bound(spec: dict[str, Any]) -> int:
    """An upper estimate of the bytes that building the model of ``spec`` allocates.

    Per leaf: :data:`BYTES_PER_ELEMENT` times the product of its sizes (channels, features,
    the kernel's taps ``k**d`` for a ``…{d}d`` layer, ``k**3`` otherwise), times ``|G|²`` for a
    lifted layer. It bounds the parameters and the index tensors a consistent spec builds;
    a spec whose bound is far above the bytes its file stores does not describe those arrays.

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
